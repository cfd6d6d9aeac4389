// Emergency access (DESIGN.md §6): applies the answers of the state machine
// (vault/emergency.h) to the store, opens the escrow layer on release,
// queues the notices and encodes grants and requests for the wire.
#include "emergency_flow.h"

#include <time.h>

#include <algorithm>

#include "server_impl.h"
#include "vault/api_json_emergency.h"

namespace server::internal {
namespace {

const vault::Actor kServer{"server"};

}  // namespace

std::string Utc(int64_t ms) {
  const time_t t = static_cast<time_t>(ms / 1000);
  tm parts{};
  gmtime_r(&t, &parts);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &parts);
  return buf;
}

// An optional JSON body: empty means {}.
ApiResult<Body> OptionalBody(const std::string& text, const vault::api::BodySchema& spec) {
  const bool blank = std::all_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  });
  return blank ? Body::Parse(json::object(), spec) : Body::Parse(text, spec);
}

ApiResult<std::string> Reason(const Body& body) {
  if (!body.Has("reason")) return std::string();
  const std::string& r = body.Str("reason");
  if (r.size() > em::kMaxReasonBytes) {
    return Reject(BadRequest("bad_reason", "reason must be at most 500 bytes"));
  }
  return r;
}

em::Facts FactsOf(const EmergencyGrant& g, const std::optional<EmergencyRequest>& r) {
  em::Facts f;
  f.grant = g.status;
  f.window_ms = g.access_window_s * 1000;
  f.confirmations_required = g.confirmations_required;
  if (r) {
    f.state = r->state;
    f.release_ms = r->release_ms;
    f.expires_ms = r->expires_ms.value_or(0);
    f.confirmations = static_cast<int64_t>(r->confirmations.size());
  }
  return f;
}

bool SeesAll(const Caller& c) { return c.role == TeamRole::kOwner || c.role == TeamRole::kAdmin; }

// Whether `c` may confirm requests under grants from `grantor_id`: they are
// the deputy of an active grant from the same grantor.
Result<bool> IsFellowDeputy(vault::ReadTxn& t, const Caller& c, const std::string& grantor_id) {
  auto all = t.ListEmergencyGrants();
  if (!all) return Fail(all.error());
  return std::any_of(all->begin(), all->end(), [&](const EmergencyGrant& g) {
    return g.grantor_id == grantor_id && g.deputy_id == c.member.id &&
           g.status == em::GrantStatus::kActive;
  });
}

// Owners, admins and auditors see every grant and request; anyone else the
// grants naming them as deputy and the requests they may confirm.
Result<bool> Sees(vault::ReadTxn& t, const Caller& c, const EmergencyGrant& g) {
  if (SeesAll(c) || g.deputy_id == c.member.id) return true;
  return IsFellowDeputy(t, c, g.grantor_id);
}

namespace {

// Whom a notice about `g` goes to: the grantor and every active owner and
// admin, each once.
Result<std::vector<std::string>> Recipients(vault::ReadTxn& t, const EmergencyGrant& g) {
  auto members = t.ListMembers();
  if (!members) return Fail(members.error());
  std::vector<std::string> out = {g.grantor_id};
  for (const auto& m : *members) {
    if (m.status == vault::MemberStatus::kActive &&
        (m.role == TeamRole::kOwner || m.role == TeamRole::kAdmin) && m.id != g.grantor_id) {
      out.push_back(m.id);
    }
  }
  return out;
}

}  // namespace

Result<std::string> NameOf(vault::ReadTxn& t, const std::string& member_id) {
  if (member_id == kServer.id) return std::string("the server");
  auto m = t.GetMember(member_id);
  if (!m) return Fail(m.error());
  return m->name;
}

namespace {

// "Social media" or "Social media, Ads".
Result<std::string> ScopeNames(vault::ReadTxn& t, const EmergencyGrant& g) {
  std::string out;
  for (const std::string& id : g.collections) {
    auto c = t.GetCollection(id);
    if (!c) return Fail(c.error());
    out += (out.empty() ? "" : ", ") + c->name;
  }
  return out;
}

// Queues one notice about `g`; `text` gets the deputy's name and the scope's
// names, `details` the grant's and the deputy's ids.
Status NotifyGrant(vault::WriteTxn& t, const EmergencyGrant& g, const std::string& kind,
                   const NoticeText& text, json details) {
  auto deputy = NameOf(t, g.deputy_id);
  if (!deputy) return deputy.error();
  auto scope = ScopeNames(t, g);
  if (!scope) return scope.error();
  auto to = Recipients(t, g);
  if (!to) return to.error();
  details["grant"] = g.id;
  details["deputy"] = g.deputy_id;
  vault::Notice n;
  n.kind = kind;
  n.text = text(*deputy, *scope);
  n.details = details.dump();
  n.member_ids = std::move(*to);
  return t.EnqueueNotice(n);
}

}  // namespace

// Queues one notice about request `r` under `g`.
Status Notify(vault::WriteTxn& t, const EmergencyGrant& g, const EmergencyRequest& r,
              const std::string& kind, const NoticeText& text) {
  return NotifyGrant(t, g, kind, text, {{"request", r.id}, {"release_ms", r.release_ms}});
}

namespace {

vault::api::RequestAnswer RequestAnswerOf(vault::ReadTxn& t, const EmergencyGrant& g,
                                          const EmergencyRequest& r) {
  auto to = Recipients(t, g);
  return {r, g.deputy_id, g.confirmations_required, to ? static_cast<int64_t>(to->size()) : 0};
}

}  // namespace

json RequestJson(vault::ReadTxn& t, const EmergencyGrant& g, const EmergencyRequest& r) {
  return vault::api::RequestAnswerToJson(RequestAnswerOf(t, g, r));
}

Result<json> GrantJson(vault::ReadTxn& t, const EmergencyGrant& g) {
  auto newest = t.NewestEmergencyRequest(g.id);
  if (!newest) return Fail(newest.error());
  vault::api::GrantAnswer out{g, std::nullopt};
  if (*newest) out.request = RequestAnswerOf(t, g, **newest);
  return vault::api::GrantAnswerToJson(out);
}

// The deputy's inner boxes for every collection in scope: the escrow layer
// comes off here and nowhere else.
Result<std::vector<vault::SealedKey>> InnerKeys(vault::ReadTxn& t, const EmergencyGrant& g,
                                                const crypto::BoxKeyPair& escrow) {
  std::vector<vault::SealedKey> out;
  for (const std::string& c : g.collections) {
    auto outer = t.GetSealedKey(c, vault::KeyHolder::kGrant, g.id);
    if (!outer) return Fail(outer.error());
    auto inner = crypto::OpenSealed(escrow, outer->sealed);
    if (!inner) return Fail(inner.error().WithContext("escrowed key of collection " + c));
    out.push_back({c, outer->key_version, vault::KeyHolder::kMember, g.deputy_id,
                   std::vector<uint8_t>(inner->bytes().begin(), inner->bytes().end())});
  }
  return out;
}

// Applies a release decided by the state machine, with its notice.
Status Release(vault::WriteTxn& t, const vault::Actor& actor, const EmergencyGrant& g,
               const EmergencyRequest& r, const em::Step& step, const std::string& action,
               const std::string& reason, bool decided, const crypto::BoxKeyPair& escrow) {
  vault::EmergencyTransition tr{
      r.id, action, em::State::kReleased, step.at_ms, step.expires_ms, decided, reason, {}};
  if (g.mode == em::GrantMode::kTakeover) {
    auto keys = InnerKeys(t, g, escrow);
    if (!keys) return keys.error();
    tr.takeover_keys = std::move(*keys);
  }
  if (Status s = t.TransitionEmergencyRequest(actor, tr); !s.ok()) return s;
  auto by = NameOf(t, actor.id);
  if (!by) return by.error();
  const bool approved = action == "emergency.approve";
  return Notify(t, g, r, approved ? "emergency.approved" : "emergency.released",
                [&](const std::string& deputy, const std::string& scope) {
    return (approved ? *by + " approved early: " : std::string()) + "Deputy " + deputy +
           " now has emergency access to " + scope + " until " + Utc(step.expires_ms) +
           "; everything in it is flagged for rotation";
  });
}

namespace {

// Brings one request up to `now`: releases, expiries, reminders.
Status SettleOne(vault::WriteTxn& t, const EmergencyRequest& r, int64_t now,
                 const crypto::BoxKeyPair& escrow) {
  auto g = t.GetEmergencyGrant(r.grant_id);
  if (!g) return g.error();
  const em::Facts facts = FactsOf(*g, r);
  const std::vector<em::Step> due = em::Due(facts, now);
  for (const em::Step& step : due) {
    if (step.to == em::State::kReleased) {
      if (Status s = Release(t, kServer, *g, r, step, "emergency.release", "the wait ended", false,
                             escrow);
          !s.ok()) {
        return s;
      }
      continue;
    }
    vault::EmergencyTransition tr{r.id,
                                  "emergency.expire",
                                  em::State::kExpired,
                                  step.at_ms,
                                  step.expires_ms,
                                  false,
                                  "the access window ended",
                                  {}};
    if (Status s = t.TransitionEmergencyRequest(kServer, tr); !s.ok()) return s;
    if (Status s = Notify(
            t, *g, r, "emergency.expired",
            [&](const std::string& deputy, const std::string& scope) {
      return "Deputy " + deputy + "'s emergency access to " + scope + " ended on " +
             Utc(step.at_ms);
            });
        !s.ok()) {
      return s;
    }
  }
  if (!due.empty()) return Status::OK();
  const auto reminders =
      em::DueReminders(facts, {r.requested_ms, r.reminded_24h, r.reminded_1h}, now);
  if (reminders.empty()) return Status::OK();
  for (em::Reminder k : reminders) {
    if (Status s =
            t.MarkEmergencyReminder(kServer, r.id, k == em::Reminder::k24Hours ? "24h" : "1h");
        !s.ok()) {
      return s;
    }
  }
  const int64_t missing = std::max<int64_t>(0, facts.confirmations_required - facts.confirmations);
  // Two reminders due at once (the timer did not run for a day) make one
  // notice, about the nearer one.
  const bool last_hour =
      std::find(reminders.begin(), reminders.end(), em::Reminder::k1Hour) != reminders.end();
  const std::string lead = last_hour ? "Reminder, 1 hour left: " : "Reminder, 24 hours left: ";
  return Notify(t, *g, r, "emergency.reminder",
                [&](const std::string& deputy, const std::string& scope) {
    return lead + "Deputy " + deputy + "'s emergency access to " + scope + " opens on " +
           Utc(r.release_ms) +
           (missing > 0 ? " once " + std::to_string(missing) + " more deputies confirm"
                        : std::string()) +
           " unless an admin rejects it";
  });
}

// Ends the open request of `g` (if any) because the grant ended, with its
// notice. Returns whether there was one.
Result<bool> CancelOpen(vault::WriteTxn& t, const vault::Actor& actor, const EmergencyGrant& g,
                        int64_t now, const std::string& reason) {
  auto newest = t.NewestEmergencyRequest(g.id);
  if (!newest) return Fail(newest.error());
  if (!*newest) return false;
  const em::Facts facts = FactsOf(g, *newest);
  auto step = em::Decide(facts, em::Event::kRevoke, now);
  if (!step) return Fail(step.error());
  if (step->to == facts.state) return false;
  vault::EmergencyTransition tr{
      (*newest)->id, "emergency.cancel", em::State::kCancelled, now, 0, false, reason, {}};
  if (Status s = t.TransitionEmergencyRequest(actor, tr); !s.ok()) return Fail(s);
  if (Status s = Notify(
          t, g, **newest, "emergency.cancelled",
          [&](const std::string& deputy, const std::string& scope) {
    return "Deputy " + deputy + "'s emergency access to " + scope + " was cancelled: " + reason;
          });
      !s.ok()) {
    return Fail(s);
  }
  return true;
}

}  // namespace

// Ends the active grant `g` ("revoked" or "declined") for `reason`: cancels
// its open request, drops its escrowed keys and tells the grantor and the
// admins (one notice: the cancellation's, if a request was open). Revoking,
// declining and removing the deputy from the team all end a grant here.
Status EndGrant(vault::WriteTxn& t, const vault::Actor& actor, const EmergencyGrant& g, int64_t now,
                const std::string& status, const std::string& reason) {
  auto cancelled = CancelOpen(t, actor, g, now, reason);
  if (!cancelled) return cancelled.error();
  if (Status s = t.EndEmergencyGrant(actor, g.id, status, reason); !s.ok()) return s;
  if (*cancelled) return Status::OK();
  return NotifyGrant(
      t, g, "emergency." + status,
      [&](const std::string& deputy, const std::string& scope) {
    return "Deputy " + deputy + "'s emergency grant for " + scope + " ended: " + reason;
      },
      json::object());
}

Status ApplyGrantChange(vault::WriteTxn& t, const vault::Actor& actor, const EmergencyGrant& g,
                        const GrantNumbers& to) {
  if (Status s = t.ChangeEmergencyGrant(actor, g.id, to.wait_s, to.confirmations_required,
                                        to.access_window_s);
      !s.ok()) {
    return s;
  }
  auto by = NameOf(t, actor.id);
  if (!by) return by.error();
  const auto hours = [](int64_t s) { return std::to_string(s / 3600) + " h"; };
  const auto pair = [](const std::string& from, const std::string& to_value) {
    return from == to_value ? to_value : from + " -> " + to_value;
  };
  return NotifyGrant(
      t, g, "emergency.changed",
      [&](const std::string& deputy, const std::string& scope) {
    return *by + " changed Deputy " + deputy + "'s emergency grant for " + scope + ": wait " +
           pair(hours(g.wait_s), hours(to.wait_s)) + ", confirmations " +
           pair(std::to_string(g.confirmations_required),
                std::to_string(to.confirmations_required)) +
           ", access window " + pair(hours(g.access_window_s), hours(to.access_window_s));
      },
      {{"by", actor.id},
       {"wait_s", {g.wait_s, to.wait_s}},
       {"confirmations_required", {g.confirmations_required, to.confirmations_required}},
       {"access_window_s", {g.access_window_s, to.access_window_s}}});
}

Status EndGrantsOfDeputy(vault::WriteTxn& t, const vault::Actor& actor,
                         const std::string& member_id, int64_t now_ms, const std::string& reason) {
  auto all = t.ListEmergencyGrants();
  if (!all) return all.error();
  for (const EmergencyGrant& g : *all) {
    if (g.deputy_id != member_id || g.status != em::GrantStatus::kActive) continue;
    if (Status s = EndGrant(t, actor, g, now_ms, "revoked", reason); !s.ok()) return s;
  }
  return Status::OK();
}

Status ServerImpl::SettleEmergency(const std::string& request_id) {
  std::vector<std::string> ids;
  if (!request_id.empty()) {
    ids.push_back(request_id);
  } else {
    Status s = vault_.Read([&](vault::ReadTxn& t) -> Status {
      auto open = t.ListOpenEmergencyRequests();
      if (!open) return open.error();
      for (const auto& r : *open) ids.push_back(r.id);
      return Status::OK();
    });
    if (!s.ok()) return s;
  }
  Status first;
  // One transaction per request: a request that cannot be settled does not
  // hold back the others.
  for (const std::string& id : ids) {
    Status settled = vault_.Write([&](vault::WriteTxn& t) -> Status {
      auto r = t.GetEmergencyRequest(id);
      if (!r) return r.error().IsNotFound() ? Status::OK() : r.error();
      if (Status s = SettleOne(t, *r, Millis(env_.Now()), *deps_.escrow_key); !s.ok()) return s;
      if (auto head = t.AuditHead()) audit_length_ = head->seq;
      return Status::OK();
    });
    if (!settled.ok() && first.ok()) first = settled;
  }
  return first;
}

Status ServerImpl::TickEmergency() { return SettleEmergency(""); }

}  // namespace server::internal
