// Emergency access routes (DESIGN.md §6, docs/api.md). The state machine
// is vault/emergency.h; this file applies its answers to the store, opens
// the escrow layer on release and queues the notices.
#include <time.h>

#include <algorithm>

#include "server_impl.h"
#include "vault/emergency.h"

namespace server::internal {
namespace {

namespace em = vault::emergency;
using vault::EmergencyGrant;
using vault::EmergencyRequest;

const vault::Actor kServer{"server"};

std::string Utc(int64_t ms) {
  const time_t t = static_cast<time_t>(ms / 1000);
  tm parts{};
  gmtime_r(&t, &parts);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &parts);
  return buf;
}

// An optional JSON body: empty means {}.
ApiResult<Body> OptionalBody(const std::string& text, std::initializer_list<FieldSpec> spec) {
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

Result<em::Facts> FactsOf(const EmergencyGrant& g, const std::optional<EmergencyRequest>& r) {
  em::Facts f;
  auto status = em::ParseGrantStatus(g.status);
  if (!status) return Fail(status.error());
  f.grant = *status;
  f.window_ms = g.access_window_s * 1000;
  f.confirmations_required = g.confirmations_required;
  if (r) {
    auto state = em::ParseState(r->state);
    if (!state) return Fail(state.error());
    f.state = *state;
    f.release_ms = r->release_ms;
    f.expires_ms = r->expires_ms.value_or(0);
    f.confirmations = static_cast<int64_t>(r->confirmations.size());
  }
  return f;
}

bool SeesAll(const Caller& c) { return c.role != TeamRole::kMember; }

// Whether `c` may confirm requests under grants from `grantor_id`: they are
// the deputy of an active grant from the same grantor.
Result<bool> IsFellowDeputy(vault::ReadTxn& t, const Caller& c, const std::string& grantor_id) {
  auto all = t.ListEmergencyGrants();
  if (!all) return Fail(all.error());
  return std::any_of(all->begin(), all->end(), [&](const EmergencyGrant& g) {
    return g.grantor_id == grantor_id && g.deputy_id == c.member.id && g.status == "active";
  });
}

// Owners, admins and auditors see every grant and request; anyone else the
// grants naming them as deputy and the requests they may confirm.
Result<bool> Sees(vault::ReadTxn& t, const Caller& c, const EmergencyGrant& g) {
  if (SeesAll(c) || g.deputy_id == c.member.id) return true;
  return IsFellowDeputy(t, c, g.grantor_id);
}

// Whom a notice about `g` goes to: the grantor and every active owner and
// admin, each once.
Result<std::vector<std::string>> Recipients(vault::ReadTxn& t, const EmergencyGrant& g) {
  auto members = t.ListMembers();
  if (!members) return Fail(members.error());
  std::vector<std::string> out = {g.grantor_id};
  for (const auto& m : *members) {
    if (m.status == "active" && (m.role == "owner" || m.role == "admin") && m.id != g.grantor_id) {
      out.push_back(m.id);
    }
  }
  return out;
}

Result<std::string> NameOf(vault::ReadTxn& t, const std::string& member_id) {
  if (member_id == kServer.id) return std::string("the server");
  auto m = t.GetMember(member_id);
  if (!m) return Fail(m.error());
  return m->name;
}

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

using NoticeText = std::function<std::string(const std::string&, const std::string&)>;

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

// Queues one notice about request `r` under `g`.
Status Notify(vault::WriteTxn& t, const EmergencyGrant& g, const EmergencyRequest& r,
              const std::string& kind, const NoticeText& text) {
  return NotifyGrant(t, g, kind, text, {{"request", r.id}, {"release_ms", r.release_ms}});
}

json RequestJson(vault::ReadTxn& t, const EmergencyGrant& g, const EmergencyRequest& r) {
  json out = {{"id", r.id},
              {"grant_id", r.grant_id},
              {"deputy_id", g.deputy_id},
              {"state", r.state},
              {"reason", r.reason},
              {"requested_ms", r.requested_ms},
              {"release_ms", r.release_ms},
              {"confirmations", r.confirmations},
              {"confirmations_required", g.confirmations_required}};
  if (r.decided_by) out["decided_by"] = *r.decided_by;
  if (r.decided_ms) out["decided_ms"] = *r.decided_ms;
  if (r.released_ms) out["released_ms"] = *r.released_ms;
  if (r.expires_ms) out["expires_ms"] = *r.expires_ms;
  auto to = Recipients(t, g);
  out["admins_notified"] = to ? to->size() : 0;
  return out;
}

Result<json> GrantJson(vault::ReadTxn& t, const EmergencyGrant& g) {
  json out = {{"id", g.id},
              {"grantor_id", g.grantor_id},
              {"deputy_id", g.deputy_id},
              {"mode", g.mode},
              {"wait_hours", g.wait_s / 3600},
              {"confirmations_required", g.confirmations_required},
              {"access_window_hours", g.access_window_s / 3600},
              {"status", g.status},
              {"collections", g.collections},
              {"created_ms", g.created_ms},
              {"request", nullptr}};
  if (g.ended_ms) out["ended_ms"] = *g.ended_ms;
  auto newest = t.NewestEmergencyRequest(g.id);
  if (!newest) return Fail(newest.error());
  if (*newest) out["request"] = RequestJson(t, g, **newest);
  return out;
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
  vault::EmergencyTransition tr{r.id, action, "released", step.at_ms, step.expires_ms,
                                decided, reason, {}};
  if (g.mode == "takeover") {
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
                  return (approved ? *by + " approved early: " : std::string()) + "Deputy " +
                         deputy + " now has emergency access to " + scope + " until " +
                         Utc(step.expires_ms) + "; everything in it is flagged for rotation";
                });
}

// Brings one request up to `now`: releases, expiries, reminders.
Status SettleOne(vault::WriteTxn& t, const EmergencyRequest& r, int64_t now,
                 const crypto::BoxKeyPair& escrow) {
  auto g = t.GetEmergencyGrant(r.grant_id);
  if (!g) return g.error();
  auto facts = FactsOf(*g, r);
  if (!facts) return facts.error();
  const std::vector<em::Step> due = em::Due(*facts, now);
  for (const em::Step& step : due) {
    if (step.to == em::State::kReleased) {
      if (Status s = Release(t, kServer, *g, r, step, "emergency.release", "the wait ended",
                             false, escrow);
          !s.ok()) {
        return s;
      }
      continue;
    }
    vault::EmergencyTransition tr{r.id, "emergency.expire", "expired", step.at_ms,
                                  step.expires_ms, false, "the access window ended", {}};
    if (Status s = t.TransitionEmergencyRequest(kServer, tr); !s.ok()) return s;
    if (Status s = Notify(t, *g, r, "emergency.expired",
                          [&](const std::string& deputy, const std::string& scope) {
                            return "Deputy " + deputy + "'s emergency access to " + scope +
                                   " ended on " + Utc(step.at_ms);
                          });
        !s.ok()) {
      return s;
    }
  }
  if (!due.empty()) return Status::OK();
  const auto reminders = em::DueReminders(*facts, {r.requested_ms, r.reminded_24h, r.reminded_1h},
                                          now);
  if (reminders.empty()) return Status::OK();
  for (em::Reminder k : reminders) {
    if (Status s = t.MarkEmergencyReminder(kServer, r.id,
                                           k == em::Reminder::k24Hours ? "24h" : "1h");
        !s.ok()) {
      return s;
    }
  }
  const int64_t missing = std::max<int64_t>(0, facts->confirmations_required - facts->confirmations);
  // Two reminders due at once (the timer did not run for a day) make one
  // notice, about the nearer one.
  const bool last_hour = std::find(reminders.begin(), reminders.end(), em::Reminder::k1Hour) !=
                         reminders.end();
  const std::string lead = last_hour ? "Reminder, 1 hour left: " : "Reminder, 24 hours left: ";
  return Notify(t, *g, r, "emergency.reminder",
                [&](const std::string& deputy, const std::string& scope) {
                  return lead + "Deputy " + deputy + "'s emergency access to " + scope +
                         " opens on " + Utc(r.release_ms) +
                         (missing > 0 ? " once " + std::to_string(missing) +
                                            " more deputies confirm"
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
  auto facts = FactsOf(g, *newest);
  if (!facts) return Fail(facts.error());
  auto step = em::Decide(*facts, em::Event::kRevoke, now);
  if (!step) return Fail(step.error());
  if (step->to == facts->state) return false;
  vault::EmergencyTransition tr{(*newest)->id, "emergency.cancel", "cancelled", now, 0, false,
                                reason, {}};
  if (Status s = t.TransitionEmergencyRequest(actor, tr); !s.ok()) return Fail(s);
  if (Status s = Notify(t, g, **newest, "emergency.cancelled",
                        [&](const std::string& deputy, const std::string& scope) {
                          return "Deputy " + deputy + "'s emergency access to " + scope +
                                 " was cancelled: " + reason;
                        });
      !s.ok()) {
    return Fail(s);
  }
  return true;
}

// Ends the active grant `g` ("revoked" or "declined") for `reason`: cancels
// its open request, drops its escrowed keys and tells the grantor and the
// admins (one notice: the cancellation's, if a request was open). Revoking,
// declining and removing the deputy from the team all end a grant here.
Status EndGrant(vault::WriteTxn& t, const vault::Actor& actor, const EmergencyGrant& g,
                int64_t now, const std::string& status, const std::string& reason) {
  auto cancelled = CancelOpen(t, actor, g, now, reason);
  if (!cancelled) return cancelled.error();
  if (Status s = t.EndEmergencyGrant(actor, g.id, status, reason); !s.ok()) return s;
  if (*cancelled) return Status::OK();
  return NotifyGrant(t, g, "emergency." + status,
                     [&](const std::string& deputy, const std::string& scope) {
                       return "Deputy " + deputy + "'s emergency grant for " + scope +
                              " ended: " + reason;
                     },
                     json::object());
}

}  // namespace

Status EndGrantsOfRemovedDeputy(vault::WriteTxn& t, const vault::Actor& actor,
                                const std::string& member_id, int64_t now_ms) {
  auto all = t.ListEmergencyGrants();
  if (!all) return all.error();
  for (const EmergencyGrant& g : *all) {
    if (g.deputy_id != member_id || g.status != "active") continue;
    if (Status s = EndGrant(t, actor, g, now_ms, "revoked", kDeputyRemoved); !s.ok()) return s;
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

void ServerImpl::RegisterEmergencyRoutes() {
  auto& S = Spec;
  // Settles what is due before a route answers, so every answer is exact at
  // the moment of the request; a failure there is the route's failure.
  // An empty id (a grant without requests) settles nothing; `all` settles
  // every open request (the listings).
  auto settle = [this](httplib::Response& res, const std::string& request_id, bool all = false) {
    if (request_id.empty() && !all) return true;
    Status s = SettleEmergency(request_id);
    if (!s.ok()) SendError(res, FromStatus(s));
    return s.ok();
  };
  auto newest_of = [this](const std::string& grant_id) {
    std::string id;
    (void)vault_.Read([&](vault::ReadTxn& t) -> Status {
      auto r = t.NewestEmergencyRequest(grant_id);
      if (r && *r) id = (*r)->id;
      return Status::OK();
    });
    return id;
  };
  auto bad_id = [](httplib::Response& res) {
    SendError(res, BadRequest("bad_id", "ids are 32 lower-case hex digits"));
  };

  Register(S("POST", "/v1/emergency/grants"), [this](const auto& req, auto& res, const Caller& c) {
    auto body = Body::Parse(req.body,
                            {{"id", FieldType::kString},
                             {"deputy_id", FieldType::kString},
                             {"mode", FieldType::kString},
                             {"wait_hours", FieldType::kInt},
                             {"confirmations_required", FieldType::kInt, false},
                             {"access_window_hours", FieldType::kInt, false},
                             {"keys", FieldType::kArray}});
    if (!body) return SendError(res, body.error());
    vault::EmergencyGrant g;
    g.id = body->Str("id");
    g.deputy_id = body->Str("deputy_id");
    g.grantor_id = c.member.id;
    if (!IsId(g.id) || !IsId(g.deputy_id)) {
      return SendError(res, BadRequest("bad_id", "id and deputy_id are 32 lower-case hex digits"));
    }
    g.mode = body->Str("mode");
    if (g.mode != "view" && g.mode != "takeover") {
      return SendError(res, BadRequest("bad_mode", "mode must be view or takeover"));
    }
    const int64_t wait = body->Int("wait_hours");
    if (wait < 1 || wait > em::kMaxWaitHours) {
      return SendError(res, BadRequest("bad_wait", "wait_hours must be 1 to 2160"));
    }
    g.wait_s = wait * 3600;
    g.confirmations_required =
        body->Has("confirmations_required") ? body->Int("confirmations_required") : 0;
    if (g.confirmations_required < 0 || g.confirmations_required > em::kMaxConfirmations) {
      return SendError(res,
                       BadRequest("bad_confirmations", "confirmations_required must be 0 to 10"));
    }
    const int64_t window = body->Has("access_window_hours") ? body->Int("access_window_hours")
                                                            : config_.emergency_access_window.count();
    if (window < 1 || window > em::kMaxWindowHours) {
      return SendError(res, BadRequest("bad_window", "access_window_hours must be 1 to 720"));
    }
    g.access_window_s = window * 3600;
    const json& list = body->Json("keys");
    if (list.empty()) return SendError(res, BadRequest("bad_keys", "keys must not be empty"));
    std::vector<vault::SealedKey> keys;
    for (const json& entry : list) {
      auto k = Body::Parse(entry,
                           {{"collection_id", FieldType::kString},
                            {"key_version", FieldType::kInt},
                            {"escrow_sealed_key", FieldType::kString}});
      if (!k) return SendError(res, k.error());
      if (!IsId(k->Str("collection_id"))) {
        return SendError(res, BadRequest("bad_id", "collection_id is 32 lower-case hex digits"));
      }
      auto sealed = DecodeBase64Field(k->Str("escrow_sealed_key"), "escrow_sealed_key");
      if (!sealed) return SendError(res, sealed.error());
      for (const auto& prior : keys) {
        if (prior.collection_id == k->Str("collection_id")) {
          return SendError(res, BadRequest("bad_keys", "a collection is listed twice"));
        }
      }
      keys.push_back({k->Str("collection_id"), k->Int("key_version"), vault::KeyHolder::kGrant,
                      g.id, std::move(*sealed)});
      g.collections.push_back(k->Str("collection_id"));
    }
    std::sort(g.collections.begin(), g.collections.end());
    WriteAndAnswerCreated(
        res,
        [&](vault::WriteTxn& t) -> Status {
          auto deputy = t.GetMember(g.deputy_id);
          if (!deputy) return deputy.error();
          if (deputy->status != "active") {
            return Status::FailedPrecondition("the deputy was removed");
          }
          if (deputy->role == "auditor") {
            // A deputy ends up holding collection keys; auditors never do.
            return Status::FailedPrecondition("an auditor cannot be a deputy");
          }
          if (deputy->id == c.member.id) {
            return Status::InvalidArgument("you cannot be your own deputy");
          }
          for (const std::string& col : g.collections) {
            auto found = t.GetCollection(col);
            if (!found) return found.error();
            // A grant only ever carries keys its grantor could open.
            auto access = t.GetAccess(col, c.member.id);
            if (!access) {
              return access.error().IsNotFound()
                         ? Status::PermissionDenied("you have no access to collection " +
                                                    col)
                         : access.error();
            }
          }
          return t.CreateEmergencyGrant(c.actor(), g, keys);
        },
        [&](vault::WriteTxn& t) -> Result<json> {
          auto stored = t.GetEmergencyGrant(g.id);
          if (!stored) return Fail(stored.error());
          return GrantJson(t, *stored);
        },
        Conflicts::kAsConflict);
  });

  Register(S("GET", "/v1/emergency/grants"), [this, settle](const auto&, auto& res,
                                                            const Caller& c) {
    if (!settle(res, "", true)) return;
    json out = json::array();
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          auto all = t.ListEmergencyGrants();
          if (!all) return all.error();
          for (const auto& g : *all) {
            if (!SeesAll(c) && g.deputy_id != c.member.id) continue;
            auto j = GrantJson(t, g);
            if (!j) return j.error();
            out.push_back(std::move(*j));
          }
          return Status::OK();
        })) {
      SendJson(res, 200, {{"grants", out}});
    }
  });

  Register(S("GET", "/v1/emergency/grants/:id"), [this, settle, newest_of, bad_id](
                                                     const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    if (!IsId(id)) return bad_id(res);
    if (!settle(res, newest_of(id))) return;
    json out;
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          auto g = t.GetEmergencyGrant(id);
          if (!g) return g.error();
          if (!SeesAll(c) && g->deputy_id != c.member.id) {
            return Status::NotFound("emergency grant " + id + " does not exist");
          }
          auto j = GrantJson(t, *g);
          if (!j) return j.error();
          out = std::move(*j);
          return Status::OK();
        })) {
      SendJson(res, 200, out);
    }
  });

  Register(S("PATCH", "/v1/emergency/grants/:id"), [this, settle, newest_of, bad_id](
                                                       const auto& req, auto& res,
                                                       const Caller& c) {
    const std::string id = req.matches[1];
    if (!IsId(id)) return bad_id(res);
    auto body = Body::Parse(req.body,
                            {{"wait_hours", FieldType::kInt, false},
                             {"confirmations_required", FieldType::kInt, false},
                             {"access_window_hours", FieldType::kInt, false}});
    if (!body) return SendError(res, body.error());
    if (!body->Has("wait_hours") && !body->Has("confirmations_required") &&
        !body->Has("access_window_hours")) {
      return SendError(res, BadRequest("missing_field", "nothing to change"));
    }
    if (body->Has("wait_hours") &&
        (body->Int("wait_hours") < 1 || body->Int("wait_hours") > em::kMaxWaitHours)) {
      return SendError(res, BadRequest("bad_wait", "wait_hours must be 1 to 2160"));
    }
    if (body->Has("confirmations_required") &&
        (body->Int("confirmations_required") < 0 ||
         body->Int("confirmations_required") > em::kMaxConfirmations)) {
      return SendError(res,
                       BadRequest("bad_confirmations", "confirmations_required must be 0 to 10"));
    }
    if (body->Has("access_window_hours") &&
        (body->Int("access_window_hours") < 1 ||
         body->Int("access_window_hours") > em::kMaxWindowHours)) {
      return SendError(res, BadRequest("bad_window", "access_window_hours must be 1 to 720"));
    }
    if (!settle(res, newest_of(id))) return;
    json out;
    if (WriteOr(res,
                    [&](vault::WriteTxn& t) -> Status {
                      auto g = t.GetEmergencyGrant(id);
                      if (!g) return g.error();
                      auto newest = t.NewestEmergencyRequest(id);
                      if (!newest) return newest.error();
                      if (*newest && ((*newest)->state == "waiting" ||
                                      (*newest)->state == "released")) {
                        return Status::FailedPrecondition(
                            "the grant cannot change while its request is " + (*newest)->state);
                      }
                      const int64_t wait_s = body->Has("wait_hours")
                                                 ? body->Int("wait_hours") * 3600
                                                 : g->wait_s;
                      const int64_t conf = body->Has("confirmations_required")
                                               ? body->Int("confirmations_required")
                                               : g->confirmations_required;
                      const int64_t window_s = body->Has("access_window_hours")
                                                   ? body->Int("access_window_hours") * 3600
                                                   : g->access_window_s;
                      if (Status s = t.ChangeEmergencyGrant(c.actor(), id, wait_s, conf, window_s);
                          !s.ok()) {
                        return s;
                      }
                      auto stored = t.GetEmergencyGrant(id);
                      if (!stored) return stored.error();
                      auto j = GrantJson(t, *stored);
                      if (!j) return j.error();
                      out = std::move(*j);
                      return Status::OK();
                    }, Conflicts::kAsConflict)) {
      SendJson(res, 200, out);
    }
  });

  // Revoking (an admin) and declining (the deputy) end a grant alike.
  auto end_grant = [this, settle, newest_of](const std::string& id, httplib::Response& res,
                                             const Caller& c, const std::string& status) {
    if (!settle(res, newest_of(id))) return;
    json out;
    if (WriteOr(res,
                           [&](vault::WriteTxn& t) -> Status {
                             auto g = t.GetEmergencyGrant(id);
                             if (!g) return g.error();
                             if (status == "declined") {
                               auto seen = Sees(t, c, *g);
                               if (!seen) return seen.error();
                               if (!*seen) {
                                 return Status::NotFound("emergency grant " + id +
                                                         " does not exist");
                               }
                               if (g->deputy_id != c.member.id) {
                                 return Status::PermissionDenied(
                                     "only the deputy can decline a grant");
                               }
                             }
                             if (g->status != "active") {
                               return Status::FailedPrecondition("the grant is " + g->status);
                             }
                             if (Status s = EndGrant(t, c.actor(), *g, Millis(env_.Now()),
                                                     status, "the grant was " + status);
                                 !s.ok()) {
                               return s;
                             }
                             auto stored = t.GetEmergencyGrant(id);
                             if (!stored) return stored.error();
                             auto j = GrantJson(t, *stored);
                             if (!j) return j.error();
                             out = std::move(*j);
                             return Status::OK();
                           }, Conflicts::kAsConflict)) {
      SendJson(res, 200, out);
    }
  };
  Register(S("DELETE", "/v1/emergency/grants/:id"),
           [end_grant, bad_id](const auto& req, auto& res, const Caller& c) {
             const std::string id = req.matches[1];
             if (!IsId(id)) return bad_id(res);
             end_grant(id, res, c, "revoked");
           });
  Register(S("POST", "/v1/emergency/grants/:id/decline"),
           [end_grant, bad_id](const auto& req, auto& res, const Caller& c) {
             const std::string id = req.matches[1];
             if (!IsId(id)) return bad_id(res);
             auto body = OptionalBody(req.body, {});
             if (!body) return SendError(res, body.error());
             end_grant(id, res, c, "declined");
           });

  Register(S("POST", "/v1/emergency/grants/:id/requests"), [this, settle, newest_of, bad_id](
                                                               const auto& req, auto& res,
                                                               const Caller& c) {
    const std::string id = req.matches[1];
    if (!IsId(id)) return bad_id(res);
    auto body = Body::Parse(req.body, {{"reason", FieldType::kString}});
    if (!body) return SendError(res, body.error());
    const std::string& reason = body->Str("reason");
    if (reason.empty() || reason.size() > em::kMaxReasonBytes) {
      return SendError(res, BadRequest("bad_reason", "reason must be 1 to 500 bytes"));
    }
    if (!settle(res, newest_of(id))) return;
    EmergencyGrant grant;
    std::string request_id;
    WriteAndAnswerCreated(
        res,
        [&](vault::WriteTxn& t) -> Status {
          auto g = t.GetEmergencyGrant(id);
          if (!g) return g.error();
          auto seen = Sees(t, c, *g);
          if (!seen) return seen.error();
          if (!*seen) return Status::NotFound("emergency grant " + id + " does not exist");
          if (g->deputy_id != c.member.id) {
            return Status::PermissionDenied("only the grant's deputy can request access");
          }
          auto newest = t.NewestEmergencyRequest(id);
          if (!newest) return newest.error();
          auto facts = FactsOf(*g, *newest);
          if (!facts) return facts.error();
          const int64_t now = Millis(env_.Now());
          auto step = em::Decide(*facts, em::Event::kRequest, now);
          if (!step) return step.error();
          vault::EmergencyRequest r;
          r.id = crypto::RandomId(env_);
          r.grant_id = id;
          r.state = "waiting";
          r.reason = reason;
          r.requested_ms = now;
          r.release_ms = now + g->wait_s * 1000;
          if (Status s = t.CreateEmergencyRequest(c.actor(), r); !s.ok()) return s;
          const int64_t need = g->confirmations_required;
          if (Status s = Notify(
                  t, *g, r, "emergency.requested",
                  [&](const std::string& deputy, const std::string& scope) {
                    return "Deputy " + deputy + " asked for emergency access to " +
                           scope + "; it opens on " + Utc(r.release_ms) +
                           (need > 0 ? " once " + std::to_string(need) +
                                           " other deputies confirm,"
                                     : std::string()) +
                           " unless an admin rejects it";
                  });
              !s.ok()) {
            return s;
          }
          grant = std::move(*g);
          request_id = r.id;
          return Status::OK();
        },
        [&](vault::WriteTxn& t) -> Result<json> {
          auto stored = t.GetEmergencyRequest(request_id);
          if (!stored) return Fail(stored.error());
          return RequestJson(t, grant, *stored);
        },
        Conflicts::kAsConflict);
  });

  Register(S("GET", "/v1/emergency/requests"), [this, settle](const auto&, auto& res,
                                                              const Caller& c) {
    if (!settle(res, "", true)) return;
    json out = json::array();
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          auto all = t.ListEmergencyRequests("");
          if (!all) return all.error();
          for (const auto& r : *all) {
            auto g = t.GetEmergencyGrant(r.grant_id);
            if (!g) return g.error();
            auto seen = Sees(t, c, *g);
            if (!seen) return seen.error();
            if (*seen) out.push_back(RequestJson(t, *g, r));
          }
          return Status::OK();
        })) {
      SendJson(res, 200, {{"requests", out}});
    }
  });

  // Loads request `id` and its grant for `c`: NotFound if they may not see
  // it, so that its existence stays hidden.
  auto load = [](vault::ReadTxn& t, const Caller& c, const std::string& id, EmergencyRequest& r,
                 EmergencyGrant& g) -> Status {
    auto found = t.GetEmergencyRequest(id);
    if (!found) return found.error();
    auto grant = t.GetEmergencyGrant(found->grant_id);
    if (!grant) return grant.error();
    auto seen = Sees(t, c, *grant);
    if (!seen) return seen.error();
    if (!*seen) return Status::NotFound("emergency request " + id + " does not exist");
    r = std::move(*found);
    g = std::move(*grant);
    return Status::OK();
  };

  Register(S("GET", "/v1/emergency/requests/:id"), [this, settle, load, bad_id](
                                                       const auto& req, auto& res,
                                                       const Caller& c) {
    const std::string id = req.matches[1];
    if (!IsId(id)) return bad_id(res);
    if (!settle(res, id)) return;
    json out;
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          EmergencyRequest r;
          EmergencyGrant g;
          if (Status s = load(t, c, id, r, g); !s.ok()) return s;
          out = RequestJson(t, g, r);
          return Status::OK();
        })) {
      SendJson(res, 200, out);
    }
  });

  // Approve and reject: an admin or the grantor, never the deputy.
  auto decide = [this, settle, load, bad_id](const httplib::Request& req, httplib::Response& res,
                                             const Caller& c, em::Event event) {
    const std::string id = req.matches[1];
    if (!IsId(id)) return bad_id(res);
    auto body = OptionalBody(req.body, {{"reason", FieldType::kString, false}});
    if (!body) return SendError(res, body.error());
    auto reason = Reason(*body);
    if (!reason) return SendError(res, reason.error());
    if (!settle(res, id)) return;
    json out;
    if (WriteOr(res,
                    [&](vault::WriteTxn& t) -> Status {
                      EmergencyRequest r;
                      EmergencyGrant g;
                      if (Status s = load(t, c, id, r, g); !s.ok()) return s;
                      if (g.deputy_id == c.member.id) {
                        // Otherwise an admin-deputy could skip their own wait.
                        return Status::PermissionDenied(
                            "the deputy cannot decide their own request");
                      }
                      auto facts = FactsOf(g, r);
                      if (!facts) return facts.error();
                      const int64_t now = Millis(env_.Now());
                      auto step = em::Decide(*facts, event, now);
                      if (!step) return step.error();
                      if (event == em::Event::kApprove) {
                        if (Status s = Release(t, c.actor(), g, r, *step, "emergency.approve",
                                               *reason, true, *deps_.escrow_key);
                            !s.ok()) {
                          return s;
                        }
                      } else {
                        vault::EmergencyTransition tr{id,   "emergency.reject", "rejected", now, 0,
                                                      true, *reason,            {}};
                        if (Status s = t.TransitionEmergencyRequest(c.actor(), tr); !s.ok()) {
                          return s;
                        }
                        auto by = NameOf(t, c.member.id);
                        if (!by) return by.error();
                        if (Status s = Notify(t, g, r, "emergency.rejected",
                                              [&](const std::string& deputy,
                                                  const std::string& scope) {
                                                return *by + " rejected Deputy " + deputy +
                                                       "'s request for emergency access to " +
                                                       scope;
                                              });
                            !s.ok()) {
                          return s;
                        }
                      }
                      auto stored = t.GetEmergencyRequest(id);
                      if (!stored) return stored.error();
                      out = RequestJson(t, g, *stored);
                      return Status::OK();
                    }, Conflicts::kAsConflict)) {
      SendJson(res, 200, out);
    }
  };
  Register(S("POST", "/v1/emergency/requests/:id/approve"),
           [decide](const auto& req, auto& res, const Caller& c) {
             decide(req, res, c, em::Event::kApprove);
           });
  Register(S("POST", "/v1/emergency/requests/:id/reject"),
           [decide](const auto& req, auto& res, const Caller& c) {
             decide(req, res, c, em::Event::kReject);
           });

  Register(S("POST", "/v1/emergency/requests/:id/confirm"), [this, settle, load, bad_id](
                                                                const auto& req, auto& res,
                                                                const Caller& c) {
    const std::string id = req.matches[1];
    if (!IsId(id)) return bad_id(res);
    auto body = OptionalBody(req.body, {});
    if (!body) return SendError(res, body.error());
    if (!settle(res, id)) return;
    json out;
    if (WriteOr(res,
                    [&](vault::WriteTxn& t) -> Status {
                      EmergencyRequest r;
                      EmergencyGrant g;
                      if (Status s = load(t, c, id, r, g); !s.ok()) return s;
                      em::Confirmer who;
                      who.is_requester = g.deputy_id == c.member.id;
                      who.already_confirmed =
                          std::find(r.confirmations.begin(), r.confirmations.end(),
                                    c.member.id) != r.confirmations.end();
                      if (!who.is_requester) {
                        auto fellow = IsFellowDeputy(t, c, g.grantor_id);
                        if (!fellow) return fellow.error();
                        if (!*fellow) {
                          return Status::PermissionDenied(
                              "only another deputy of the same grantor can confirm");
                        }
                      }
                      auto facts = FactsOf(g, r);
                      if (!facts) return facts.error();
                      const int64_t now = Millis(env_.Now());
                      auto step = em::Decide(*facts, em::Event::kConfirm, now, who);
                      if (!step) return step.error();
                      if (Status s = t.ConfirmEmergencyRequest(c.actor(), id); !s.ok()) return s;
                      auto by = NameOf(t, c.member.id);
                      if (!by) return by.error();
                      if (Status s = Notify(
                              t, g, r, "emergency.confirmed",
                              [&](const std::string& deputy, const std::string& scope) {
                                return *by + " confirmed Deputy " + deputy +
                                       "'s request for emergency access to " + scope + " (" +
                                       std::to_string(step->confirmations) + " of " +
                                       std::to_string(g.confirmations_required) + ")";
                              });
                          !s.ok()) {
                        return s;
                      }
                      if (step->to == em::State::kReleased) {
                        if (Status s = Release(t, c.actor(), g, r, *step, "emergency.release",
                                               "the last confirmation arrived", false,
                                               *deps_.escrow_key);
                            !s.ok()) {
                          return s;
                        }
                      }
                      auto stored = t.GetEmergencyRequest(id);
                      if (!stored) return stored.error();
                      out = RequestJson(t, g, *stored);
                      return Status::OK();
                    }, Conflicts::kAsConflict)) {
      SendJson(res, 200, out);
    }
  });

  // The deputy's own routes under a released request. Checks, in order:
  // visible (else 404), the deputy (else 403), released and in its window
  // (else 409 conflict).
  auto as_deputy = [this, load](vault::ReadTxn& t, const Caller& c, const std::string& id,
                                EmergencyRequest& r, EmergencyGrant& g) -> Status {
    if (Status s = load(t, c, id, r, g); !s.ok()) return s;
    if (g.deputy_id != c.member.id) {
      return Status::PermissionDenied("only the deputy can use a released request");
    }
    auto facts = FactsOf(g, r);
    if (!facts) return facts.error();
    auto step = em::Decide(*facts, em::Event::kAccess, Millis(env_.Now()));
    return step ? Status::OK() : step.error();
  };

  Register(S("GET", "/v1/emergency/requests/:id/keys"), [this, settle, as_deputy, bad_id](
                                                            const auto& req, auto& res,
                                                            const Caller& c) {
    const std::string id = req.matches[1];
    if (!IsId(id)) return bad_id(res);
    if (!settle(res, id)) return;
    json out;
    if (WriteOr(res,
                           [&](vault::WriteTxn& t) -> Status {
                             EmergencyRequest r;
                             EmergencyGrant g;
                             if (Status s = as_deputy(t, c, id, r, g); !s.ok()) return s;
                             auto inner = InnerKeys(t, g, *deps_.escrow_key);
                             if (!inner) return inner.error();
                             json keys = json::array();
                             for (const auto& k : *inner) {
                               keys.push_back({{"collection_id", k.collection_id},
                                               {"key_version", k.key_version},
                                               {"sealed_key", crypto::ToBase64(k.sealed)}});
                             }
                             out = {{"keys", keys}, {"expires_ms", r.expires_ms.value_or(0)}};
                             return t.Record(c.actor(), "emergency.keys.read", "request:" + id,
                                             json{{"grant", g.id}, {"collections", g.collections}}
                                                 .dump());
                           }, Conflicts::kAsConflict)) {
      SendJson(res, 200, out);
    }
  });

  Register(S("GET", "/v1/emergency/requests/:id/items"), [this, settle, as_deputy, bad_id](
                                                             const auto& req, auto& res,
                                                             const Caller& c) {
    const std::string id = req.matches[1];
    if (!IsId(id)) return bad_id(res);
    if (!settle(res, id)) return;
    json out = json::array();
    if (ReadOr(res,
                          [&](vault::ReadTxn& t) -> Status {
                            EmergencyRequest r;
                            EmergencyGrant g;
                            if (Status s = as_deputy(t, c, id, r, g); !s.ok()) return s;
                            for (const std::string& col : g.collections) {
                              auto items = t.ListItems(col);
                              if (!items) return items.error();
                              for (const auto& m : *items) out.push_back(ItemMetaJson(m));
                            }
                            return Status::OK();
                          }, Conflicts::kAsConflict)) {
      SendJson(res, 200, {{"items", out}});
    }
  });

  Register(S("GET", "/v1/emergency/requests/:id/items/:item"), [this, settle, as_deputy, bad_id](
                                                                   const auto& req, auto& res,
                                                                   const Caller& c) {
    const std::string id = req.matches[1];
    const std::string item = req.matches[2];
    if (!IsId(id) || !IsId(item)) return bad_id(res);
    if (!settle(res, id)) return;
    json out;
    if (WriteOr(res,
                           [&](vault::WriteTxn& t) -> Status {
                             EmergencyRequest r;
                             EmergencyGrant g;
                             if (Status s = as_deputy(t, c, id, r, g); !s.ok()) return s;
                             auto fetched = t.FetchEmergencyItem(c.actor(), id, item);
                             if (!fetched) return fetched.error();
                             out = ItemMetaJson(fetched->meta);
                             out["ciphertext"] = crypto::ToBase64(fetched->ciphertext);
                             return Status::OK();
                           }, Conflicts::kAsConflict)) {
      SendJson(res, 200, out);
    }
  });
}

}  // namespace server::internal
