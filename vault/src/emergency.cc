#include "vault/emergency.h"

#include <string>

#include "parse_name.h"

namespace vault::emergency {
namespace {

Status Refuse(const Facts& f, Event e, std::string_view why) {
  return Status::FailedPrecondition("cannot " + std::string(ToString(e)) + ": the request is " +
                                    std::string(ToString(f.state)) + " (" + std::string(why) + ")");
}

Step Released(const Facts& f, int64_t at_ms, int64_t confirmations) {
  return {State::kReleased, at_ms, at_ms + f.window_ms, confirmations};
}

}  // namespace

std::string_view ToString(State s) {
  switch (s) {
    case State::kNone: return "none";
    case State::kWaiting: return "waiting";
    case State::kRejected: return "rejected";
    case State::kReleased: return "released";
    case State::kExpired: return "expired";
    case State::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::string_view ToString(GrantStatus s) {
  switch (s) {
    case GrantStatus::kActive: return "active";
    case GrantStatus::kDeclined: return "declined";
    case GrantStatus::kRevoked: return "revoked";
  }
  return "unknown";
}

std::string_view ToString(GrantMode m) {
  switch (m) {
    case GrantMode::kView: return "view";
    case GrantMode::kTakeover: return "takeover";
  }
  return "unknown";
}

std::string_view ToString(Event e) {
  switch (e) {
    case Event::kRequest: return "request";
    case Event::kApprove: return "approve";
    case Event::kReject: return "reject";
    case Event::kConfirm: return "confirm";
    case Event::kRevoke: return "revoke";
    case Event::kAccess: return "access";
  }
  return "unknown";
}

Result<State> ParseState(std::string_view name) {
  return ParseName("emergency request state", name, kRequestStates);
}

Result<GrantStatus> ParseGrantStatus(std::string_view name) {
  return ParseName("emergency grant status", name, kAllGrantStatuses);
}

Result<GrantMode> ParseGrantMode(std::string_view name) {
  return ParseName("emergency grant mode", name, kAllGrantModes);
}

Result<Step> Decide(const Facts& f, Event event, int64_t now_ms, const Confirmer& who) {
  const Step unchanged{f.state, now_ms, f.expires_ms, f.confirmations};
  if (f.grant != GrantStatus::kActive) {
    // A declined or revoked grant is over for good: nothing may happen under
    // it any more, and what was open was cancelled when it ended.
    return Fail(Refuse(f, event, "the grant is " + std::string(ToString(f.grant))));
  }
  switch (event) {
    case Event::kRequest:
      if (f.state == State::kWaiting || f.state == State::kReleased) {
        return Fail(Refuse(f, event, "one request at a time"));
      }
      return Step{State::kWaiting, now_ms, 0, 0};
    case Event::kApprove:
      if (f.state != State::kWaiting) return Fail(Refuse(f, event, "only a waiting request"));
      return Released(f, now_ms, f.confirmations);
    case Event::kReject:
      if (f.state != State::kWaiting) return Fail(Refuse(f, event, "only a waiting request"));
      return Step{State::kRejected, now_ms, 0, f.confirmations};
    case Event::kConfirm: {
      if (f.state != State::kWaiting) return Fail(Refuse(f, event, "only a waiting request"));
      // The two-person rule: the deputy who asked is not a second person.
      if (who.is_requester) {
        return Fail(Status::PermissionDenied("nobody confirms their own emergency request"));
      }
      if (who.already_confirmed) return Fail(Refuse(f, event, "you confirmed it already"));
      const int64_t n = f.confirmations + 1;
      if (now_ms >= f.release_ms && n >= f.confirmations_required) return Released(f, now_ms, n);
      return Step{State::kWaiting, now_ms, 0, n};
    }
    case Event::kRevoke:
      if (f.state == State::kWaiting || f.state == State::kReleased) {
        return Step{State::kCancelled, now_ms, 0, f.confirmations};
      }
      return unchanged;
    case Event::kAccess:
      if (f.state != State::kReleased || now_ms >= f.expires_ms) {
        return Fail(Refuse(f, event, "keys and items only while released"));
      }
      return unchanged;
  }
  return Fail(Status::InvalidArgument("unknown emergency event"));
}

std::vector<Step> Due(const Facts& f, int64_t now_ms) {
  std::vector<Step> out;
  if (f.grant != GrantStatus::kActive) return out;
  Facts cur = f;
  if (cur.state == State::kWaiting && now_ms >= cur.release_ms &&
      cur.confirmations >= cur.confirmations_required) {
    // Released at the moment it fell due, not when someone looked: the
    // window is the same whether a Tick() or a route noticed it first.
    const Step s = Released(cur, cur.release_ms, cur.confirmations);
    out.push_back(s);
    cur.state = s.to;
    cur.expires_ms = s.expires_ms;
  }
  if (cur.state == State::kReleased && now_ms >= cur.expires_ms) {
    out.push_back({State::kExpired, cur.expires_ms, cur.expires_ms, cur.confirmations});
  }
  return out;
}

int64_t ReminderLeadMs(Reminder r) { return (r == Reminder::k24Hours ? 24 : 1) * kHourMs; }

std::vector<Reminder> DueReminders(const Facts& f, const ReminderFacts& r, int64_t now_ms) {
  std::vector<Reminder> out;
  if (f.grant != GrantStatus::kActive || f.state != State::kWaiting || now_ms >= f.release_ms) {
    return out;
  }
  for (Reminder k : {Reminder::k24Hours, Reminder::k1Hour}) {
    const bool sent = k == Reminder::k24Hours ? r.sent_24h : r.sent_1h;
    const int64_t at = f.release_ms - ReminderLeadMs(k);
    if (!sent && at > r.requested_ms && now_ms >= at) out.push_back(k);
  }
  return out;
}

}  // namespace vault::emergency
