#include "vault/emergency.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

#include "fake_env.h"
#include "test_util.h"

namespace vault::emergency {
namespace {

using std::chrono::hours;
using testing_util::FakeEnv;

int64_t Ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

constexpr int64_t kWait = 48 * kHourMs;
constexpr int64_t kWindow = kDefaultWindowHours * kHourMs;

// A request in `state`, asked at 0, wait 48 h, window 72 h.
Facts InState(State state) {
  Facts f;
  f.state = state;
  f.release_ms = kWait;
  f.window_ms = kWindow;
  if (state == State::kReleased) f.expires_ms = kWait + kWindow;
  return f;
}

// What each event does in each state, an hour into the wait (released ones
// an hour into their window). '-': refused; otherwise the state afterwards.
const std::map<std::pair<State, Event>, std::optional<State>>& Table() {
  using E = Event;
  using S = State;
  static const auto* t = new std::map<std::pair<State, Event>, std::optional<State>>{
      {{S::kNone, E::kRequest}, S::kWaiting},
      {{S::kNone, E::kApprove}, {}},
      {{S::kNone, E::kReject}, {}},
      {{S::kNone, E::kConfirm}, {}},
      {{S::kNone, E::kRevoke}, S::kNone},
      {{S::kNone, E::kAccess}, {}},
      {{S::kWaiting, E::kRequest}, {}},
      {{S::kWaiting, E::kApprove}, S::kReleased},
      {{S::kWaiting, E::kReject}, S::kRejected},
      {{S::kWaiting, E::kConfirm}, S::kWaiting},
      {{S::kWaiting, E::kRevoke}, S::kCancelled},
      {{S::kWaiting, E::kAccess}, {}},
      {{S::kRejected, E::kRequest}, S::kWaiting},
      {{S::kRejected, E::kApprove}, {}},
      {{S::kRejected, E::kReject}, {}},
      {{S::kRejected, E::kConfirm}, {}},
      {{S::kRejected, E::kRevoke}, S::kRejected},
      {{S::kRejected, E::kAccess}, {}},
      {{S::kReleased, E::kRequest}, {}},
      {{S::kReleased, E::kApprove}, {}},
      {{S::kReleased, E::kReject}, {}},
      {{S::kReleased, E::kConfirm}, {}},
      {{S::kReleased, E::kRevoke}, S::kCancelled},
      {{S::kReleased, E::kAccess}, S::kReleased},
      {{S::kExpired, E::kRequest}, S::kWaiting},
      {{S::kExpired, E::kApprove}, {}},
      {{S::kExpired, E::kReject}, {}},
      {{S::kExpired, E::kConfirm}, {}},
      {{S::kExpired, E::kRevoke}, S::kExpired},
      {{S::kExpired, E::kAccess}, {}},
      {{S::kCancelled, E::kRequest}, S::kWaiting},
      {{S::kCancelled, E::kApprove}, {}},
      {{S::kCancelled, E::kReject}, {}},
      {{S::kCancelled, E::kConfirm}, {}},
      {{S::kCancelled, E::kRevoke}, S::kCancelled},
      {{S::kCancelled, E::kAccess}, {}},
  };
  return *t;
}

TEST(EmergencyStateMachineTest, EveryStateAndEventOfAnActiveGrant) {
  int cells = 0;
  for (State s : kAllStates) {
    for (Event e : kAllEvents) {
      SCOPED_TRACE(std::string(ToString(e)) + " on " + std::string(ToString(s)));
      auto want = Table().find({s, e});
      ASSERT_NE(want, Table().end()) << "add the cell to Table()";
      ++cells;
      Facts f = InState(s);
      const int64_t now = s == State::kReleased ? kWait + kHourMs : kHourMs;
      auto got = Decide(f, e, now, {});
      if (!want->second) {
        ASSERT_FALSE(got.has_value());
        EXPECT_TRUE(got.error().IsFailedPrecondition()) << got.error().ToString();
        EXPECT_NE(got.error().message().find(std::string(ToString(s))), std::string::npos)
            << "the refusal must name the current state: " << got.error().message();
      } else {
        ASSERT_TRUE(got.has_value()) << got.error().ToString();
        EXPECT_EQ(got->to, *want->second);
      }
    }
  }
  EXPECT_EQ(cells, 36);
}

TEST(EmergencyStateMachineTest, NothingHappensUnderARevokedOrDeclinedGrant) {
  for (GrantStatus g : {GrantStatus::kRevoked, GrantStatus::kDeclined}) {
    for (State s : kAllStates) {
      for (Event e : kAllEvents) {
        SCOPED_TRACE(std::string(ToString(e)) + " on " + std::string(ToString(s)) + " under a " +
                     std::string(ToString(g)) + " grant");
        Facts f = InState(s);
        f.grant = g;
        auto got = Decide(f, e, kHourMs, {});
        ASSERT_FALSE(got.has_value());
        EXPECT_TRUE(got.error().IsFailedPrecondition());
        EXPECT_NE(got.error().message().find(std::string(ToString(g))), std::string::npos);
        EXPECT_TRUE(Due(f, kWait * 100).empty());
      }
    }
  }
}

TEST(EmergencyStateMachineTest, ApproveReleasesEarlyWithAFullWindow) {
  auto s = Decide(InState(State::kWaiting), Event::kApprove, 5 * kHourMs);
  ASSERT_OK(s);
  EXPECT_EQ(s->to, State::kReleased);
  EXPECT_EQ(s->at_ms, 5 * kHourMs);
  EXPECT_EQ(s->expires_ms, 5 * kHourMs + kWindow);
}

TEST(EmergencyStateMachineTest, ConfirmingYourOwnRequestOrTwiceIsRefused) {
  Facts f = InState(State::kWaiting);
  f.confirmations_required = 1;
  EXPECT_STATUS(Decide(f, Event::kConfirm, kHourMs, {.is_requester = true}), kPermissionDenied);
  EXPECT_STATUS(Decide(f, Event::kConfirm, kHourMs, {.already_confirmed = true}),
                kFailedPrecondition);
  auto ok = Decide(f, Event::kConfirm, kHourMs, {});
  ASSERT_OK(ok);
  EXPECT_EQ(ok->to, State::kWaiting);  // the wait still runs
  EXPECT_EQ(ok->confirmations, 1);
}

// Time-driven transitions, with the clock of a FakeEnv: nothing sleeps.
class EmergencyClockTest : public ::testing::Test {
 protected:
  int64_t Now() { return Ms(env_.Now()); }

  // A request made now under a grant with this wait and window.
  Facts Request(int64_t wait_ms, int64_t required = 0) {
    Facts f;
    auto s = Decide(f, Event::kRequest, Now());
    EXPECT_TRUE(s.has_value());
    f.state = s->to;
    f.release_ms = Now() + wait_ms;
    f.window_ms = kWindow;
    f.confirmations_required = required;
    requested_ms_ = Now();
    return f;
  }

  // Applies what is due by now; returns the states passed through.
  std::vector<State> Tick(Facts& f) {
    std::vector<State> seen;
    for (const Step& s : Due(f, Now())) {
      f.state = s.to;
      f.expires_ms = s.expires_ms;
      seen.push_back(s.to);
    }
    return seen;
  }

  FakeEnv env_;
  int64_t requested_ms_ = 0;
};

TEST_F(EmergencyClockTest, ReleasedWhenTheWaitEndsThenExpiredAfterTheWindow) {
  Facts f = Request(kWait);
  env_.AdvanceTime(hours(47));
  EXPECT_TRUE(Tick(f).empty());
  EXPECT_STATUS(Decide(f, Event::kAccess, Now()), kFailedPrecondition);
  env_.AdvanceTime(hours(1));
  EXPECT_EQ(Tick(f), std::vector<State>{State::kReleased});
  EXPECT_EQ(f.expires_ms, requested_ms_ + kWait + kWindow);
  EXPECT_OK(Decide(f, Event::kAccess, Now()));
  env_.AdvanceTime(hours(71));
  EXPECT_TRUE(Tick(f).empty());
  EXPECT_OK(Decide(f, Event::kAccess, Now()));
  env_.AdvanceTime(hours(1));
  EXPECT_EQ(Tick(f), std::vector<State>{State::kExpired});
  EXPECT_STATUS(Decide(f, Event::kAccess, Now()), kFailedPrecondition);
  // Over: a new request may start.
  EXPECT_OK(Decide(f, Event::kRequest, Now()));
}

TEST_F(EmergencyClockTest, ALateTickReleasesAndExpiresAtTheRightMoments) {
  Facts f = Request(kWait);
  env_.AdvanceTime(hours(48 + 72 + 10));
  auto steps = Due(f, Now());
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].to, State::kReleased);
  EXPECT_EQ(steps[0].at_ms, requested_ms_ + kWait);
  EXPECT_EQ(steps[1].to, State::kExpired);
  EXPECT_EQ(steps[1].at_ms, requested_ms_ + kWait + kWindow);
}

TEST_F(EmergencyClockTest, RejectedBeforeTheWaitEndsStaysRejected) {
  Facts f = Request(kWait);
  env_.AdvanceTime(hours(10));
  auto s = Decide(f, Event::kReject, Now());
  ASSERT_OK(s);
  f.state = s->to;
  env_.AdvanceTime(hours(100));
  EXPECT_TRUE(Tick(f).empty());
  EXPECT_EQ(f.state, State::kRejected);
  EXPECT_STATUS(Decide(f, Event::kApprove, Now()), kFailedPrecondition);
  EXPECT_STATUS(Decide(f, Event::kAccess, Now()), kFailedPrecondition);
}

TEST_F(EmergencyClockTest, WaitsForMissingConfirmationsThenReleasesOnTheLastOne) {
  Facts f = Request(kWait, /*required=*/2);
  env_.AdvanceTime(hours(1));
  auto first = Decide(f, Event::kConfirm, Now());
  ASSERT_OK(first);
  f.confirmations = first->confirmations;
  env_.AdvanceTime(hours(60));  // past the wait, one confirmation missing
  EXPECT_TRUE(Tick(f).empty());
  EXPECT_EQ(f.state, State::kWaiting);
  auto second = Decide(f, Event::kConfirm, Now());
  ASSERT_OK(second);
  EXPECT_EQ(second->to, State::kReleased);
  EXPECT_EQ(second->at_ms, Now());
  EXPECT_EQ(second->expires_ms, Now() + kWindow);
}

TEST_F(EmergencyClockTest, ConfirmationsInBeforeTheWaitEndReleaseAtItsEnd) {
  Facts f = Request(kWait, /*required=*/1);
  env_.AdvanceTime(hours(2));
  auto c = Decide(f, Event::kConfirm, Now());
  ASSERT_OK(c);
  EXPECT_EQ(c->to, State::kWaiting);
  f.confirmations = c->confirmations;
  env_.AdvanceTime(hours(46));
  EXPECT_EQ(Tick(f), std::vector<State>{State::kReleased});
}

TEST_F(EmergencyClockTest, RevokingCancelsAPendingRequestForGood) {
  Facts f = Request(kWait);
  env_.AdvanceTime(hours(3));
  auto s = Decide(f, Event::kRevoke, Now());
  ASSERT_OK(s);
  EXPECT_EQ(s->to, State::kCancelled);
  f.state = s->to;
  f.grant = GrantStatus::kRevoked;
  env_.AdvanceTime(hours(100));
  EXPECT_TRUE(Tick(f).empty());
  for (Event e : kAllEvents) EXPECT_STATUS(Decide(f, e, Now()), kFailedPrecondition);
}

TEST_F(EmergencyClockTest, RemindersOnceEach24AndOneHourBefore) {
  Facts f = Request(kWait);
  ReminderFacts r{requested_ms_, false, false};
  env_.AdvanceTime(hours(23) + std::chrono::minutes(59));
  EXPECT_TRUE(DueReminders(f, r, Now()).empty());
  env_.AdvanceTime(std::chrono::minutes(1));
  EXPECT_EQ(DueReminders(f, r, Now()), std::vector<Reminder>{Reminder::k24Hours});
  r.sent_24h = true;
  EXPECT_TRUE(DueReminders(f, r, Now()).empty());
  env_.AdvanceTime(hours(23));
  EXPECT_EQ(DueReminders(f, r, Now()), std::vector<Reminder>{Reminder::k1Hour});
  r.sent_1h = true;
  EXPECT_TRUE(DueReminders(f, r, Now()).empty());
}

TEST_F(EmergencyClockTest, NoRemindersForShortWaitsLateTicksOrClosedRequests) {
  // A one-hour wait: both moments are at or before the request itself.
  Facts short_wait = Request(kHourMs);
  EXPECT_TRUE(DueReminders(short_wait, {requested_ms_, false, false}, Now()).empty());
  // A tick that finds both due reports both (the caller marks them sent).
  Facts f = Request(kWait);
  env_.AdvanceTime(hours(47) + std::chrono::minutes(30));
  EXPECT_EQ(DueReminders(f, {requested_ms_, false, false}, Now()).size(), 2u);
  f.state = State::kRejected;
  EXPECT_TRUE(DueReminders(f, {requested_ms_, false, false}, Now()).empty());
  f.state = State::kWaiting;
  env_.AdvanceTime(hours(1));  // past release_ms
  EXPECT_TRUE(DueReminders(f, {requested_ms_, false, false}, Now()).empty());
}

TEST(EmergencyNamesTest, RoundTrip) {
  for (State s : kAllStates) {
    if (s == State::kNone) {
      EXPECT_STATUS(ParseState("none"), kInvalidArgument);
      continue;
    }
    ASSERT_OK_AND_ASSIGN(State back, ParseState(ToString(s)));
    EXPECT_EQ(back, s);
  }
  EXPECT_STATUS(ParseState("Waiting"), kInvalidArgument);
  EXPECT_STATUS(ParseGrantStatus(""), kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(GrantStatus g, ParseGrantStatus("revoked"));
  EXPECT_EQ(g, GrantStatus::kRevoked);
}

}  // namespace
}  // namespace vault::emergency
