// Emergency access routes, the grants half (DESIGN.md §6, docs/api.md),
// and the route table of the whole area. The state machine is
// vault/emergency.h; emergency_flow.cc applies its answers.
#include <algorithm>

#include "emergency_flow.h"
#include "server_impl.h"

namespace server::internal {
namespace {

// A grant's answer with the names of its collections: metadata the deputy
// is meant to know (what they may one day ask for), though they cannot list
// those collections. A collection deleted since has no name to send.
Result<json> NamedGrantJson(vault::ReadTxn& t, const EmergencyGrant& g) {
  auto j = GrantJson(t, g);
  if (!j) return j;
  json names = json::object();
  for (const std::string& id : g.collections) {
    if (auto col = t.GetCollection(id); col) names[id] = col->name;
  }
  if (!names.empty()) (*j)["collection_names"] = std::move(names);
  return j;
}

// A grant as stored, for the answer to a write.
Result<json> StoredGrant(vault::WriteTxn& t, const std::string& id) {
  auto stored = t.GetEmergencyGrant(id);
  if (!stored) return Fail(stored.error());
  return NamedGrantJson(t, *stored);
}

}  // namespace

void SendBadId(httplib::Response& res) {
  SendError(res, BadRequest("bad_id", "ids are 32 lower-case hex digits"));
}

// Settles what is due before a route answers, so every answer is exact at
// the moment of the request; a failure there is the route's failure.
// An empty id (a grant without requests) settles nothing; `all` settles
// every open request (the listings).
bool ServerImpl::SettleFor(httplib::Response& res, const std::string& request_id, bool all) {
  if (request_id.empty() && !all) return true;
  Status s = SettleEmergency(request_id);
  if (!s.ok()) SendError(res, FromStatus(s));
  return s.ok();
}

std::string ServerImpl::NewestRequestOf(const std::string& grant_id) {
  std::string id;
  (void)vault_.Read([&](vault::ReadTxn& t) -> Status {
    auto r = t.NewestEmergencyRequest(grant_id);
    if (r && *r) id = (*r)->id;
    return Status::OK();
  });
  return id;
}

void ServerImpl::CreateGrant(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/emergency/grants"));
  if (!body) return SendError(res, body.error());
  vault::EmergencyGrant g;
  g.id = body->Str("id");
  g.deputy_id = body->Str("deputy_id");
  g.grantor_id = c.member.id;
  if (!IsId(g.id) || !IsId(g.deputy_id)) {
    return SendError(res, BadRequest("bad_id", "id and deputy_id are 32 lower-case hex digits"));
  }
  auto mode = em::ParseGrantMode(body->Str("mode"));
  if (!mode) return SendError(res, BadRequest("bad_mode", "mode must be view or takeover"));
  g.mode = *mode;
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
    auto k = Body::Parse(entry, vault::api::RequestBody("POST /v1/emergency/grants keys[]"));
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
    keys.push_back({k->Str("collection_id"), k->Int("key_version"), vault::KeyHolder::kGrant, g.id,
                    std::move(*sealed)});
    g.collections.push_back(k->Str("collection_id"));
  }
  std::sort(g.collections.begin(), g.collections.end());
  auto roster = RosterOf(*body);
  if (!roster) return SendError(res, roster.error());
  roster->claim = vault::roster::EmergencyGrant{g.id, g.deputy_id, g.mode, g.collections};
  WriteAndAnswerCreated(
      res,
      [&](vault::WriteTxn& t) -> Status {
        if (Status s = ApplyRoster(t, c, *roster); !s.ok()) return s;
        auto deputy = t.GetMember(g.deputy_id);
        if (!deputy) return deputy.error();
        if (deputy->status != vault::MemberStatus::kActive) {
          return Status::FailedPrecondition("the deputy was removed");
        }
        if (deputy->role == TeamRole::kAuditor) {
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
                       ? Status::PermissionDenied("you have no access to collection " + col)
                       : access.error();
          }
        }
        if (Status s = t.CreateEmergencyGrant(c.actor(), g, keys); !s.ok()) return s;
        return MatchRoster(t, c, *roster);
      },
      [&](vault::WriteTxn& t) { return StoredGrant(t, g.id); }, Conflicts::kAsConflict);
  AfterRoster(res, *roster, res.status == 201);
}

void ServerImpl::ListGrants(const httplib::Request&, httplib::Response& res, const Caller& c) {
  if (!SettleFor(res, "", true)) return;
  json out = json::array();
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto all = t.ListEmergencyGrants();
        if (!all) return all.error();
        for (const auto& g : *all) {
          if (!SeesAll(c) && g.deputy_id != c.member.id) continue;
          auto j = NamedGrantJson(t, g);
          if (!j) return j.error();
          out.push_back(std::move(*j));
        }
        return Status::OK();
      })) {
    SendJson(res, 200, {{"grants", out}});
  }
}

void ServerImpl::GetGrant(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendBadId(res);
  if (!SettleFor(res, NewestRequestOf(id))) return;
  json out;
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto g = t.GetEmergencyGrant(id);
        if (!g) return g.error();
        if (!SeesAll(c) && g->deputy_id != c.member.id) {
          return Status::NotFound("emergency grant " + id + " does not exist");
        }
        auto j = NamedGrantJson(t, *g);
        if (!j) return j.error();
        out = std::move(*j);
        return Status::OK();
      })) {
    SendJson(res, 200, out);
  }
}

void ServerImpl::ChangeGrant(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendBadId(res);
  auto body = Body::Parse(req.body, vault::api::RequestBody("PATCH /v1/emergency/grants/:id"));
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
  ChangeGrantAndAnswer(res, id, [&](vault::WriteTxn& t, const vault::EmergencyGrant* g) -> Status {
    if (g->deputy_id == c.member.id) {
      // Whatever their role: an admin-deputy could otherwise shorten their
      // own wait or drop the two-person rule before asking.
      return Status::PermissionDenied("the deputy cannot change their own grant");
    }
    auto newest = t.NewestEmergencyRequest(id);
    if (!newest) return newest.error();
    if (*newest &&
        ((*newest)->state == em::State::kWaiting || (*newest)->state == em::State::kReleased)) {
      return Status::FailedPrecondition("the grant cannot change while its request is " +
                                        std::string(em::ToString((*newest)->state)));
    }
    GrantNumbers to{g->wait_s, g->confirmations_required, g->access_window_s};
    if (body->Has("wait_hours")) to.wait_s = body->Int("wait_hours") * 3600;
    if (body->Has("confirmations_required")) {
      to.confirmations_required = body->Int("confirmations_required");
    }
    if (body->Has("access_window_hours")) {
      to.access_window_s = body->Int("access_window_hours") * 3600;
    }
    return ApplyGrantChange(t, c.actor(), *g, to);
  });
}

void ServerImpl::RevokeGrant(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendBadId(res);
  auto roster = RosterOf(req, "DELETE /v1/emergency/grants/:id");
  if (!roster) return SendError(res, roster.error());
  roster->claim = vault::roster::EmergencyEnd{id};
  EndGrantRoute(id, res, c, "revoked", *roster);
}

void ServerImpl::DeclineGrant(const httplib::Request& req, httplib::Response& res,
                              const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendBadId(res);
  auto body =
      OptionalBody(req.body, vault::api::RequestBody("POST /v1/emergency/grants/:id/decline"));
  if (!body) return SendError(res, body.error());
  RosterChange none;
  EndGrantRoute(id, res, c, "declined", none);
}

// Revoking (an admin) and declining (the deputy) end a grant alike.
void ServerImpl::EndGrantRoute(const std::string& id, httplib::Response& res, const Caller& c,
                               const std::string& status, RosterChange& roster) {
  ChangeGrantAndAnswer(res, id, [&](vault::WriteTxn& t, const vault::EmergencyGrant* g) -> Status {
    if (Status s = ApplyRoster(t, c, roster); !s.ok()) return s;
    if (status == "declined") {
      auto seen = Sees(t, c, *g);
      if (!seen) return seen.error();
      if (!*seen) {
        return Status::NotFound("emergency grant " + id + " does not exist");
      }
      if (g->deputy_id != c.member.id) {
        return Status::PermissionDenied("only the deputy can decline a grant");
      }
    }
    if (g->status != em::GrantStatus::kActive) {
      return Status::FailedPrecondition("the grant is " + std::string(em::ToString(g->status)));
    }
    if (Status s =
            EndGrant(t, c.actor(), *g, Millis(env_.Now()), status, "the grant was " + status);
        !s.ok()) {
      return s;
    }
    return MatchRoster(t, c, roster);
  });
  AfterRoster(res, roster, res.status == 200);
}

void ServerImpl::ChangeGrantAndAnswer(
    httplib::Response& res, const std::string& id,
    const std::function<Status(vault::WriteTxn&, const vault::EmergencyGrant*)>& change) {
  if (!SettleFor(res, NewestRequestOf(id))) return;
  WriteAndAnswerOk(
      res,
      [&](vault::WriteTxn& t) -> Status {
        auto g = t.GetEmergencyGrant(id);
        if (!g) return g.error();
        return change(t, &*g);
      },
      [&](vault::WriteTxn& t) { return StoredGrant(t, id); }, Conflicts::kAsConflict);
}

void ServerImpl::RegisterEmergencyRoutes() {
  static constexpr Route kRoutes[] = {
      {"POST", "/v1/emergency/grants", &ServerImpl::CreateGrant},
      {"GET", "/v1/emergency/grants", &ServerImpl::ListGrants},
      {"GET", "/v1/emergency/grants/:id", &ServerImpl::GetGrant},
      {"PATCH", "/v1/emergency/grants/:id", &ServerImpl::ChangeGrant},
      {"DELETE", "/v1/emergency/grants/:id", &ServerImpl::RevokeGrant},
      {"POST", "/v1/emergency/grants/:id/decline", &ServerImpl::DeclineGrant},
      {"POST", "/v1/emergency/grants/:id/requests", &ServerImpl::RequestAccess},
      {"GET", "/v1/emergency/requests", &ServerImpl::ListRequests},
      {"GET", "/v1/emergency/requests/:id", &ServerImpl::GetRequest},
      {"POST", "/v1/emergency/requests/:id/approve", &ServerImpl::ApproveRequest},
      {"POST", "/v1/emergency/requests/:id/reject", &ServerImpl::RejectRequest},
      {"POST", "/v1/emergency/requests/:id/confirm", &ServerImpl::ConfirmRequest},
      {"GET", "/v1/emergency/requests/:id/keys", &ServerImpl::ReleasedKeys},
      {"GET", "/v1/emergency/requests/:id/items", &ServerImpl::ReleasedItems},
      {"GET", "/v1/emergency/requests/:id/items/:item", &ServerImpl::ReleasedItem},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
