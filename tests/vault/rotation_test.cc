#include "vault/rotation.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "fake_env.h"
#include "test_util.h"

namespace vault {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::nanoseconds;
using testing_util::FakeEnv;

class RotationTest : public ::testing::Test {
 protected:
  RotationFlag Flag(RotationFlagKind kind, std::string reason = "test") {
    return RotationFlag{kind, std::move(reason), env_.Now()};
  }
  DueStatus StatusAt(TimePoint last_rotated, days period, days window = kDefaultDueSoonWindow) {
    return ComputeDue(env_.Now(), last_rotated, period, RotationFlags{}, window).status;
  }

  FakeEnv env_;
};

// --- Channel types -----------------------------------------------------------

TEST_F(RotationTest, DefaultPeriodsPerChannel) {
  const std::vector<std::pair<ChannelType, int>> want = {
      {ChannelType::kFacebook, 90},
      {ChannelType::kInstagram, 90},
      {ChannelType::kX, 90},
      {ChannelType::kLinkedIn, 90},
      {ChannelType::kTikTok, 90},
      {ChannelType::kYouTube, 90},
      {ChannelType::kGoogleBusiness, 90},
      {ChannelType::kEmail, 180},
      {ChannelType::kDomainRegistrar, 365},
      {ChannelType::kOther, 180},
  };
  ASSERT_EQ(want.size(), kAllChannelTypes.size());
  for (const auto& [type, d] : want) {
    EXPECT_EQ(DefaultRotationPeriod(type), days{d}) << ToString(type);
    EXPECT_OK(ValidateRotationPeriod(DefaultRotationPeriod(type)));
  }
  EXPECT_EQ(DefaultRotationPeriod(static_cast<ChannelType>(200)), days{180});
}

TEST_F(RotationTest, ChannelNamesRoundTrip) {
  const std::vector<std::pair<ChannelType, std::string_view>> want = {
      {ChannelType::kFacebook, "facebook"},
      {ChannelType::kInstagram, "instagram"},
      {ChannelType::kX, "x"},
      {ChannelType::kLinkedIn, "linkedin"},
      {ChannelType::kTikTok, "tiktok"},
      {ChannelType::kYouTube, "youtube"},
      {ChannelType::kGoogleBusiness, "google-business"},
      {ChannelType::kEmail, "email"},
      {ChannelType::kDomainRegistrar, "domain-registrar"},
      {ChannelType::kOther, "other"},
  };
  ASSERT_EQ(want.size(), kAllChannelTypes.size());
  for (size_t i = 0; i < kAllChannelTypes.size(); ++i) {
    EXPECT_EQ(kAllChannelTypes[i], static_cast<ChannelType>(i));
  }
  for (const auto& [type, name] : want) {
    EXPECT_EQ(ToString(type), name);
    ASSERT_OK_AND_ASSIGN(ChannelType parsed, ParseChannelType(name));
    EXPECT_EQ(parsed, type);
  }
  EXPECT_EQ(ToString(static_cast<ChannelType>(kAllChannelTypes.size())), "unknown");
}

TEST_F(RotationTest, BadChannelNamesRejected) {
  for (std::string_view name : {"", "Facebook", "twitter", "X", "google_business", "googlebusiness",
                                "email ", " email", "domain", "unknown", "other\n"}) {
    EXPECT_STATUS(ParseChannelType(name), kInvalidArgument) << '"' << name << '"';
  }
  auto r = ParseChannelType(std::string(500, 'z'));
  ASSERT_FALSE(r.has_value());
  EXPECT_LT(r.error().message().size(), 400u);
  EXPECT_NE(r.error().message().find("\"domain-registrar\""), std::string::npos);
}

TEST_F(RotationTest, ValidatePeriodBounds) {
  EXPECT_OK(ValidateRotationPeriod(days{1}));
  EXPECT_OK(ValidateRotationPeriod(days{3650}));
  EXPECT_STATUS(ValidateRotationPeriod(days{0}), kInvalidArgument);
  EXPECT_STATUS(ValidateRotationPeriod(days{-5}), kInvalidArgument);
  EXPECT_STATUS(ValidateRotationPeriod(days{3651}), kInvalidArgument);
}

// --- Flags -------------------------------------------------------------------

TEST_F(RotationTest, FlagKindNamesRoundTrip) {
  const std::vector<std::pair<RotationFlagKind, std::string_view>> want = {
      {RotationFlagKind::kManual, "manual"},
      {RotationFlagKind::kMemberRemoved, "member-removed"},
      {RotationFlagKind::kEmergencyAccess, "emergency-access"},
      {RotationFlagKind::kBreach, "breach"}};
  ASSERT_EQ(want.size(), kAllRotationFlagKinds.size());
  for (const auto& [kind, name] : want) {
    EXPECT_EQ(ToString(kind), name);
    ASSERT_OK_AND_ASSIGN(RotationFlagKind parsed, ParseRotationFlagKind(name));
    EXPECT_EQ(parsed, kind);
  }
  for (std::string_view bad : {"", "Manual", "member_removed", "emergency", "breached"}) {
    EXPECT_STATUS(ParseRotationFlagKind(bad), kInvalidArgument) << bad;
  }
}

// A flag another baton reports keeps its kind when this build knows it; any
// other name still asks for a rotation now, as a manual flag would.
TEST_F(RotationTest, ReportedFlagKindOfAnUnknownNameIsManual) {
  for (RotationFlagKind kind : kAllRotationFlagKinds) {
    EXPECT_EQ(ReportedFlagKind(ToString(kind)), kind);
  }
  for (std::string_view other : {"", "quantum-break", "Breach", "member_removed"}) {
    EXPECT_EQ(ReportedFlagKind(other), RotationFlagKind::kManual) << other;
  }
}

TEST_F(RotationTest, FlagSetBitsNamesAndReasons) {
  RotationFlags flags;
  EXPECT_TRUE(flags.empty());
  EXPECT_EQ(flags.bits(), 0);
  EXPECT_EQ(flags.ToString(), "");
  EXPECT_EQ(flags.EarliestRaisedAt(), std::nullopt);

  const TimePoint t0 = env_.Now();
  flags.Raise(Flag(RotationFlagKind::kBreach, "password seen in a paste"));
  env_.AdvanceTime(hours(1));
  flags.Raise(Flag(RotationFlagKind::kManual, "alice asked"));
  EXPECT_FALSE(flags.empty());
  EXPECT_TRUE(flags.Has(RotationFlagKind::kBreach));
  EXPECT_TRUE(flags.Has(RotationFlagKind::kManual));
  EXPECT_FALSE(flags.Has(RotationFlagKind::kMemberRemoved));
  EXPECT_EQ(flags.bits(), 0b1001);
  EXPECT_EQ(flags.ToString(), "manual,breach");
  EXPECT_EQ(flags.EarliestRaisedAt(), t0);
  ASSERT_NE(flags.Get(RotationFlagKind::kBreach), nullptr);
  EXPECT_EQ(flags.Get(RotationFlagKind::kBreach)->reason, "password seen in a paste");
  EXPECT_EQ(flags.Get(RotationFlagKind::kMemberRemoved), nullptr);
  const std::vector<RotationFlag> list = flags.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].kind, RotationFlagKind::kManual);
  EXPECT_EQ(list[1].kind, RotationFlagKind::kBreach);

  flags.Clear();
  EXPECT_TRUE(flags.empty());
}

TEST_F(RotationTest, RaisingAKindAgainKeepsTheEarlierFlag) {
  RotationFlags flags;
  const TimePoint t0 = env_.Now();
  flags.Raise(Flag(RotationFlagKind::kMemberRemoved, "alice removed"));
  env_.AdvanceTime(days(3));
  flags.Raise(Flag(RotationFlagKind::kMemberRemoved, "bob removed"));
  EXPECT_EQ(flags.Get(RotationFlagKind::kMemberRemoved)->reason, "alice removed");
  EXPECT_EQ(flags.Get(RotationFlagKind::kMemberRemoved)->raised_at, t0);
  // Out of order: an earlier one replaces a later one.
  flags.Raise(RotationFlag{RotationFlagKind::kMemberRemoved, "carol removed", t0 - days(1)});
  EXPECT_EQ(flags.Get(RotationFlagKind::kMemberRemoved)->reason, "carol removed");
  // Out-of-range kinds are ignored.
  flags.Raise(RotationFlag{static_cast<RotationFlagKind>(9), "?", t0});
  EXPECT_EQ(flags.bits(), 0b0010);
}

// --- Due ---------------------------------------------------------------------

TEST_F(RotationTest, DueAcrossBoundaries) {
  const TimePoint rotated = env_.Now();
  const days period{90};  // due at day 90, due soon from day 76
  EXPECT_EQ(StatusAt(rotated, period), DueStatus::kOk);
  env_.AdvanceTime(days(76) - nanoseconds(1));
  EXPECT_EQ(StatusAt(rotated, period), DueStatus::kOk);
  env_.AdvanceTime(nanoseconds(1));
  EXPECT_EQ(StatusAt(rotated, period), DueStatus::kDueSoon);
  env_.AdvanceTime(days(13));  // day 89
  EXPECT_EQ(StatusAt(rotated, period), DueStatus::kDueSoon);
  env_.AdvanceTime(days(1) - nanoseconds(1));
  EXPECT_EQ(StatusAt(rotated, period), DueStatus::kDueSoon);
  env_.AdvanceTime(nanoseconds(1));  // exactly day 90: due on the day is overdue
  EXPECT_EQ(StatusAt(rotated, period), DueStatus::kOverdue);
  env_.AdvanceTime(days(1));  // day 91
  const DueInfo due = ComputeDue(env_.Now(), rotated, period, RotationFlags{});
  EXPECT_EQ(due.status, DueStatus::kOverdue);
  EXPECT_EQ(due.due_at, rotated + days(90));
  env_.AdvanceTime(days(1000));
  EXPECT_EQ(StatusAt(rotated, period), DueStatus::kOverdue);
}

TEST_F(RotationTest, DueSoonWindowIsConfigurable) {
  const TimePoint rotated = env_.Now();
  env_.AdvanceTime(days(65));
  EXPECT_EQ(StatusAt(rotated, days{90}), DueStatus::kOk);
  EXPECT_EQ(StatusAt(rotated, days{90}, days{30}), DueStatus::kDueSoon);
  env_.AdvanceTime(days(24));  // day 89
  EXPECT_EQ(StatusAt(rotated, days{90}, days{0}), DueStatus::kOk);
  EXPECT_EQ(StatusAt(rotated, days{90}, days{-7}), DueStatus::kOk);  // negative counts as 0
  EXPECT_EQ(StatusAt(rotated, days{90}, days{1}), DueStatus::kDueSoon);
}

TEST_F(RotationTest, AFlagMakesAnItemDueNow) {
  const TimePoint rotated = env_.Now();
  env_.AdvanceTime(days(2));
  RotationFlags flags;
  EXPECT_EQ(ComputeDue(env_.Now(), rotated, days{365}, flags).status, DueStatus::kOk);
  for (RotationFlagKind kind : kAllRotationFlagKinds) {
    RotationFlags one;
    one.Raise(Flag(kind));
    const DueInfo due = ComputeDue(env_.Now(), rotated, days{365}, one);
    EXPECT_EQ(due.status, DueStatus::kFlagged) << ToString(kind);
    EXPECT_EQ(due.due_at, env_.Now()) << ToString(kind);
  }
  // Flagged wins over overdue, and the due date is the earlier of the two.
  flags.Raise(Flag(RotationFlagKind::kBreach));
  env_.AdvanceTime(days(400));
  const DueInfo due = ComputeDue(env_.Now(), rotated, days{30}, flags);
  EXPECT_EQ(due.status, DueStatus::kFlagged);
  EXPECT_EQ(due.due_at, rotated + days(2));  // the flag came first
  const DueInfo short_period = ComputeDue(env_.Now(), rotated, days{1}, flags);
  EXPECT_EQ(short_period.status, DueStatus::kFlagged);
  EXPECT_EQ(short_period.due_at, rotated + days(1));  // the period ran out first
}

TEST_F(RotationTest, BadPeriodsAreClampedAndNothingOverflows) {
  const TimePoint rotated = env_.Now();
  env_.AdvanceTime(days(1));
  // A zero or negative period (a damaged record) errs towards rotating.
  EXPECT_EQ(StatusAt(rotated, days{0}), DueStatus::kOverdue);
  EXPECT_EQ(StatusAt(rotated, days{-100}), DueStatus::kOverdue);
  EXPECT_EQ(ComputeDue(env_.Now(), rotated, days{0}, {}).due_at, rotated + days(1));
  // A huge period is capped at kMaxRotationPeriod, not overflowed.
  EXPECT_EQ(ComputeDue(env_.Now(), rotated, days::max(), {}).due_at, rotated + kMaxRotationPeriod);
  EXPECT_EQ(StatusAt(rotated, days{90}, days::max()), DueStatus::kDueSoon);
  // Times at the very ends of the clock saturate.
  const DueInfo far = ComputeDue(TimePoint::max(), TimePoint::max(), days{90}, {});
  EXPECT_EQ(far.due_at, TimePoint::max());
  EXPECT_EQ(far.status, DueStatus::kOverdue);
  const DueInfo early = ComputeDue(TimePoint::min(), TimePoint::min(), days{90}, {});
  EXPECT_EQ(early.status, DueStatus::kOk);
}

// --- Sorting for `baton due` --------------------------------------------------

TEST_F(RotationTest, SortByDueGroupsAndOrders) {
  const TimePoint now = env_.Now();
  RotationFlags breach;
  breach.Raise(RotationFlag{RotationFlagKind::kBreach, "leak", now - days(1)});
  RotationFlags manual;
  manual.Raise(RotationFlag{RotationFlagKind::kManual, "asked", now - days(3)});
  const std::vector<ItemRotation> items = {
      {"later-far", days{365}, now - days(10), {}},
      {"overdue-1d", days{90}, now - days(91), {}},
      {"soon-5d", days{90}, now - days(85), {}},
      {"flag-breach", days{90}, now, breach},
      {"overdue-30d", days{90}, now - days(120), {}},
      {"later-near", days{90}, now - days(70), {}},
      {"soon-1d", days{90}, now - days(89), {}},
      {"flag-manual", days{90}, now - days(1), manual},
      {"b-tie", days{90}, now - days(100), {}},
      {"a-tie", days{90}, now - days(100), {}},
  };
  const DueReport report = SortByDue(items, now);
  auto ids = [](const std::vector<DueEntry>& v) {
    std::vector<std::string> out;
    for (const DueEntry& e : v) out.push_back(e.item.item_id);
    return out;
  };
  EXPECT_EQ(ids(report.overdue),
            (std::vector<std::string>{"flag-manual", "flag-breach", "overdue-30d", "a-tie", "b-tie",
                                      "overdue-1d"}));
  EXPECT_EQ(ids(report.due_soon), (std::vector<std::string>{"soon-1d", "soon-5d"}));
  EXPECT_EQ(ids(report.later), (std::vector<std::string>{"later-near", "later-far"}));
  EXPECT_EQ(report.overdue[0].due.status, DueStatus::kFlagged);
  EXPECT_EQ(report.overdue[2].due.status, DueStatus::kOverdue);
  EXPECT_EQ(report.due_soon[0].due.due_at, now + days(1));
  EXPECT_EQ(report.later[1].item.period, days{365});

  const DueReport empty = SortByDue({}, now);
  EXPECT_TRUE(empty.overdue.empty() && empty.due_soon.empty() && empty.later.empty());
}

TEST_F(RotationTest, SortByDueMovesItemsAsTimePasses) {
  const std::vector<ItemRotation> items = {{"fb", days{90}, env_.Now(), {}}};
  EXPECT_EQ(SortByDue(items, env_.Now()).later.size(), 1u);
  env_.AdvanceTime(days(89));
  EXPECT_EQ(SortByDue(items, env_.Now()).due_soon.size(), 1u);
  env_.AdvanceTime(days(2));
  EXPECT_EQ(SortByDue(items, env_.Now()).overdue.size(), 1u);
}

// --- Two-phase rotation ------------------------------------------------------

TEST_F(RotationTest, BeginConfirmMakesPendingCurrent) {
  const TimePoint created = env_.Now();
  RotationState s(1, created);
  EXPECT_FALSE(s.pending());
  EXPECT_EQ(s.current_version(), 1u);
  EXPECT_EQ(s.last_rotated(), created);
  EXPECT_EQ(s.pending_version(), std::nullopt);

  env_.AdvanceTime(days(91));
  EXPECT_EQ(s.Due(env_.Now(), days{90}).status, DueStatus::kOverdue);
  ASSERT_OK(s.Begin(env_.Now(), 2));
  EXPECT_TRUE(s.pending());
  EXPECT_EQ(s.pending_version(), 2u);
  EXPECT_EQ(s.pending_since(), env_.Now());
  EXPECT_EQ(s.current_version(), 1u);  // the old secret is still the one in use
  EXPECT_EQ(s.Due(env_.Now(), days{90}).status, DueStatus::kOverdue);

  env_.AdvanceTime(hours(2));  // the user changes the password on the site
  ASSERT_OK(s.Confirm(env_.Now()));
  EXPECT_FALSE(s.pending());
  EXPECT_EQ(s.current_version(), 2u);
  EXPECT_EQ(s.last_rotated(), env_.Now());
  ASSERT_EQ(s.history().size(), 1u);
  EXPECT_EQ(s.history()[0], (VersionRecord{1, created, env_.Now()}));
  EXPECT_EQ(s.Due(env_.Now(), days{90}).status, DueStatus::kOk);
  EXPECT_EQ(s.Due(env_.Now(), days{90}).due_at, env_.Now() + days(90));
}

TEST_F(RotationTest, AbortLosesNothing) {
  RotationState s(7, env_.Now());
  s.RaiseFlag(Flag(RotationFlagKind::kManual));
  const RotationFlags flags_before = s.flags();
  env_.AdvanceTime(days(1));
  ASSERT_OK(s.Begin(env_.Now(), 8));
  env_.AdvanceTime(hours(1));
  ASSERT_OK(s.Abort(env_.Now()));
  EXPECT_FALSE(s.pending());
  EXPECT_EQ(s.current_version(), 7u);
  EXPECT_EQ(s.last_rotated(), env_.Now() - days(1) - hours(1));
  EXPECT_TRUE(s.history().empty());
  EXPECT_EQ(s.flags(), flags_before);
  // A later rotation works, with a fresh version number.
  ASSERT_OK(s.Begin(env_.Now(), 9));
  ASSERT_OK(s.Confirm(env_.Now()));
  EXPECT_EQ(s.current_version(), 9u);
}

TEST_F(RotationTest, FlagsAreClearedOnlyByAConfirmedRotation) {
  RotationState s(1, env_.Now());
  env_.AdvanceTime(days(1));
  s.RaiseFlag(Flag(RotationFlagKind::kEmergencyAccess, "deputy bob released"));
  s.RaiseFlag(Flag(RotationFlagKind::kBreach, "found in a paste"));
  EXPECT_EQ(s.Due(env_.Now(), days{90}).status, DueStatus::kFlagged);
  EXPECT_EQ(s.Due(env_.Now(), days{90}).due_at, env_.Now());

  env_.AdvanceTime(days(5));  // time alone does not clear a flag
  EXPECT_EQ(s.Due(env_.Now(), days{90}).status, DueStatus::kFlagged);
  ASSERT_OK(s.Begin(env_.Now(), 2));
  EXPECT_EQ(s.Due(env_.Now(), days{90}).status, DueStatus::kFlagged);  // begun is not done
  ASSERT_OK(s.Abort(env_.Now()));
  EXPECT_EQ(s.flags().bits(), 0b1100);
  EXPECT_EQ(s.Confirm(env_.Now()).code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(s.flags().bits(), 0b1100);

  ASSERT_OK(s.Begin(env_.Now(), 3));
  ASSERT_OK(s.Confirm(env_.Now()));
  EXPECT_TRUE(s.flags().empty());
  EXPECT_EQ(s.Due(env_.Now(), days{90}).status, DueStatus::kOk);
}

TEST_F(RotationTest, FlagRaisedWhilePendingSurvivesConfirm) {
  RotationState s(1, env_.Now());
  s.RaiseFlag(Flag(RotationFlagKind::kManual, "before"));
  env_.AdvanceTime(hours(1));
  ASSERT_OK(s.Begin(env_.Now(), 2));
  env_.AdvanceTime(hours(1));
  // The removed member could have fetched the pending secret too.
  s.RaiseFlag(Flag(RotationFlagKind::kMemberRemoved, "carol removed"));
  s.RaiseFlag(Flag(RotationFlagKind::kManual, "during"));
  env_.AdvanceTime(hours(1));
  ASSERT_OK(s.Confirm(env_.Now()));
  EXPECT_EQ(s.flags().ToString(), "manual,member-removed");
  EXPECT_EQ(s.flags().Get(RotationFlagKind::kManual)->reason, "during");
  EXPECT_EQ(s.Due(env_.Now(), days{90}).status, DueStatus::kFlagged);
  // The next confirmed rotation clears them.
  ASSERT_OK(s.Begin(env_.Now(), 3));
  ASSERT_OK(s.Confirm(env_.Now()));
  EXPECT_TRUE(s.flags().empty());
}

TEST_F(RotationTest, IllegalTransitionsAreRefusedWithoutChange) {
  RotationState idle(3, env_.Now());
  idle.RaiseFlag(Flag(RotationFlagKind::kManual));
  env_.AdvanceTime(days(1));

  {  // Confirm or abort with nothing pending.
    RotationState s = idle;
    const Status c = s.Confirm(env_.Now());
    EXPECT_STATUS(c, kFailedPrecondition);
    EXPECT_NE(c.message().find("no rotation is pending"), std::string::npos) << c.ToString();
    EXPECT_EQ(s, idle);
    EXPECT_STATUS(s.Abort(env_.Now()), kFailedPrecondition);
    EXPECT_EQ(s, idle);
  }

  RotationState pending = idle;
  ASSERT_OK(pending.Begin(env_.Now(), 4));
  {  // Begin while pending, even with a valid new version.
    RotationState s = pending;
    const Status b = s.Begin(env_.Now(), 5);
    EXPECT_STATUS(b, kFailedPrecondition);
    EXPECT_NE(b.message().find("already pending"), std::string::npos) << b.ToString();
    EXPECT_EQ(s, pending);
  }
  {  // Confirm or abort with a time before Begin.
    RotationState s = pending;
    EXPECT_STATUS(s.Confirm(env_.Now() - nanoseconds(1)), kInvalidArgument);
    EXPECT_EQ(s, pending);
    EXPECT_STATUS(s.Abort(env_.Now() - hours(1)), kInvalidArgument);
    EXPECT_EQ(s, pending);
  }
  {  // Confirm (or abort) after abort.
    RotationState s = pending;
    ASSERT_OK(s.Abort(env_.Now()));
    const RotationState aborted = s;
    const Status c = s.Confirm(env_.Now());
    EXPECT_STATUS(c, kFailedPrecondition);
    EXPECT_NE(c.message().find("version 4 was aborted"), std::string::npos) << c.ToString();
    EXPECT_EQ(s, aborted);
    EXPECT_STATUS(s.Abort(env_.Now()), kFailedPrecondition);
    EXPECT_EQ(s, aborted);
    EXPECT_EQ(s.current_version(), 3u);
    // An aborted version number is never reused.
    EXPECT_STATUS(s.Begin(env_.Now(), 4), kInvalidArgument);
    EXPECT_EQ(s, aborted);
  }
  {  // Confirm twice.
    RotationState s = pending;
    ASSERT_OK(s.Confirm(env_.Now()));
    const RotationState confirmed = s;
    EXPECT_STATUS(s.Confirm(env_.Now()), kFailedPrecondition);
    EXPECT_STATUS(s.Abort(env_.Now()), kFailedPrecondition);
    EXPECT_EQ(s, confirmed);
  }
  {  // Begin with a version that is not new, or a time before the current one.
    RotationState s = idle;
    EXPECT_STATUS(s.Begin(env_.Now(), 3), kInvalidArgument);
    EXPECT_STATUS(s.Begin(env_.Now(), 2), kInvalidArgument);
    EXPECT_STATUS(s.Begin(env_.Now(), 0), kInvalidArgument);
    EXPECT_STATUS(s.Begin(env_.Now() - days(2), 4), kInvalidArgument);
    EXPECT_EQ(s, idle);
  }
}

TEST_F(RotationTest, HistoryIsKeptAcrossSeveralRotations) {
  std::vector<TimePoint> became_current = {env_.Now()};
  RotationState s(1, env_.Now());
  uint64_t next = 2;
  for (int round = 0; round < 4; ++round) {
    env_.AdvanceTime(days(90));
    if (round % 2 == 1) {  // an aborted attempt in between costs a version number
      ASSERT_OK(s.Begin(env_.Now(), next++));
      ASSERT_OK(s.Abort(env_.Now()));
    }
    ASSERT_OK(s.Begin(env_.Now(), next));
    env_.AdvanceTime(hours(3));
    ASSERT_OK(s.Confirm(env_.Now()));
    became_current.push_back(env_.Now());
    EXPECT_EQ(s.current_version(), next);
    ++next;
  }
  // Versions 1, 2, 4 and 5 were replaced (3 was aborted); 7 is current.
  EXPECT_EQ(s.current_version(), 7u);
  const std::vector<uint64_t> want_versions = {1, 2, 4, 5};
  ASSERT_EQ(s.history().size(), want_versions.size());
  for (size_t i = 0; i < want_versions.size(); ++i) {
    EXPECT_EQ(s.history()[i].version, want_versions[i]);
    EXPECT_EQ(s.history()[i].current_since, became_current[i]);
    EXPECT_EQ(s.history()[i].replaced_at, became_current[i + 1]);
  }
  EXPECT_EQ(s.last_rotated(), became_current.back());
}

}  // namespace
}  // namespace vault
