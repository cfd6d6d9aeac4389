// Emergency access routes, the requests half: asking for access, deciding,
// confirming, and the deputy's reads once released.
#include "emergency_flow.h"
#include "server_impl.h"

namespace server::internal {
namespace {

// Loads request `id` and its grant for `c`: NotFound if they may not see
// it, so that its existence stays hidden.
Status LoadRequest(vault::ReadTxn& t, const Caller& c, const std::string& id, EmergencyRequest& r,
                   EmergencyGrant& g) {
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
}

// Request `id` as stored, under grant `g`, for the answer to a write.
Result<json> StoredRequest(vault::WriteTxn& t, const EmergencyGrant& g, const std::string& id) {
  auto stored = t.GetEmergencyRequest(id);
  if (!stored) return Fail(stored.error());
  return RequestJson(t, g, *stored);
}

}  // namespace

void ServerImpl::RequestAccess(const httplib::Request& req, httplib::Response& res,
                               const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendBadId(res);
  auto body =
      Body::Parse(req.body, vault::api::RequestBody("POST /v1/emergency/grants/:id/requests"));
  if (!body) return SendError(res, body.error());
  const std::string& reason = body->Str("reason");
  if (reason.empty() || reason.size() > em::kMaxReasonBytes) {
    return SendError(res, BadRequest("bad_reason", "reason must be 1 to 500 bytes"));
  }
  if (!SettleFor(res, NewestRequestOf(id))) return;
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
        const em::Facts facts = FactsOf(*g, *newest);
        const int64_t now = Millis(env_.Now());
        auto step = em::Decide(facts, em::Event::kRequest, now);
        if (!step) return step.error();
        vault::EmergencyRequest r;
        r.id = crypto::RandomId(env_);
        r.grant_id = id;
        r.state = em::State::kWaiting;
        r.reason = reason;
        r.requested_ms = now;
        r.release_ms = now + g->wait_s * 1000;
        if (Status s = t.CreateEmergencyRequest(c.actor(), r); !s.ok()) return s;
        const int64_t need = g->confirmations_required;
        if (Status s = Notify(
                t, *g, r, "emergency.requested",
                [&](const std::string& deputy, const std::string& scope) {
      return "Deputy " + deputy + " asked for emergency access to " + scope + "; it opens on " +
             Utc(r.release_ms) +
             (need > 0 ? " once " + std::to_string(need) + " other deputies confirm,"
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
      [&](vault::WriteTxn& t) { return StoredRequest(t, grant, request_id); },
      Conflicts::kAsConflict);
}

void ServerImpl::ListRequests(const httplib::Request&, httplib::Response& res, const Caller& c) {
  if (!SettleFor(res, "", true)) return;
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
}

void ServerImpl::GetRequest(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendBadId(res);
  if (!SettleFor(res, id)) return;
  json out;
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        EmergencyRequest r;
        EmergencyGrant g;
        if (Status s = LoadRequest(t, c, id, r, g); !s.ok()) return s;
        out = RequestJson(t, g, r);
        return Status::OK();
      })) {
    SendJson(res, 200, out);
  }
}

void ServerImpl::ApproveRequest(const httplib::Request& req, httplib::Response& res,
                                const Caller& c) {
  DecideRequest(req, res, c, em::Event::kApprove);
}

void ServerImpl::RejectRequest(const httplib::Request& req, httplib::Response& res,
                               const Caller& c) {
  DecideRequest(req, res, c, em::Event::kReject);
}

void ServerImpl::ConfirmRequest(const httplib::Request& req, httplib::Response& res,
                                const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendBadId(res);
  auto body =
      OptionalBody(req.body, vault::api::RequestBody("POST /v1/emergency/requests/:id/confirm"));
  if (!body) return SendError(res, body.error());
  ChangeRequestAndAnswer(
      res, c, id,
      [&](vault::WriteTxn& t, const EmergencyRequest& r, const EmergencyGrant& g) -> Status {
        em::Confirmer who;
        who.is_requester = g.deputy_id == c.member.id;
        who.already_confirmed = std::find(r.confirmations.begin(), r.confirmations.end(),
                                          c.member.id) != r.confirmations.end();
        if (!who.is_requester) {
          auto fellow = IsFellowDeputy(t, c, g.grantor_id);
          if (!fellow) return fellow.error();
          if (!*fellow) {
            return Status::PermissionDenied("only another deputy of the same grantor can confirm");
          }
        }
        const em::Facts facts = FactsOf(g, r);
        const int64_t now = Millis(env_.Now());
        auto step = em::Decide(facts, em::Event::kConfirm, now, who);
        if (!step) return step.error();
        if (Status s = t.ConfirmEmergencyRequest(c.actor(), id); !s.ok()) return s;
        auto by = NameOf(t, c.member.id);
        if (!by) return by.error();
        if (Status s = Notify(
                t, g, r, "emergency.confirmed",
                [&](const std::string& deputy, const std::string& scope) {
      return *by + " confirmed Deputy " + deputy + "'s request for emergency access to " + scope +
             " (" + std::to_string(step->confirmations) + " of " +
             std::to_string(g.confirmations_required) + ")";
                });
            !s.ok()) {
          return s;
        }
        if (step->to == em::State::kReleased) {
          return Release(t, c.actor(), g, r, *step, "emergency.release",
                         "the last confirmation arrived", false, *deps_.escrow_key);
        }
        return Status::OK();
      });
}

void ServerImpl::ReleasedKeys(const httplib::Request& req, httplib::Response& res,
                              const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendBadId(res);
  json out;
  if (WriteAsDeputy(
          res, c, id,
          [&](vault::WriteTxn& t, const EmergencyRequest& r, const EmergencyGrant& g) -> Status {
            auto inner = InnerKeys(t, g, *deps_.escrow_key);
            if (!inner) return inner.error();
            json keys = json::array();
            for (const auto& k : *inner) {
              keys.push_back(
                  vault::api::SealedKeyAnswerToJson({k.collection_id, k.key_version, k.sealed}));
            }
            out = {{"keys", keys}, {"expires_ms", r.expires_ms.value_or(0)}};
            return t.Record(c.actor(), "emergency.keys.read", "request:" + id,
                            json{{"grant", g.id}, {"collections", g.collections}}.dump());
          })) {
    SendJson(res, 200, out);
  }
}

void ServerImpl::ReleasedItems(const httplib::Request& req, httplib::Response& res,
                               const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendBadId(res);
  if (!SettleFor(res, id)) return;
  json out = json::array();
  if (ReadOr(
          res,
          [&](vault::ReadTxn& t) -> Status {
            EmergencyRequest r;
            EmergencyGrant g;
            if (Status s = AsDeputy(t, c, id, r, g); !s.ok()) return s;
            for (const std::string& col : g.collections) {
              auto items = t.ListItems(col);
              if (!items) return items.error();
              for (const auto& m : *items) out.push_back(ItemMetaToJson(m));
            }
            return Status::OK();
          },
          Conflicts::kAsConflict)) {
    SendJson(res, 200, {{"items", out}});
  }
}

void ServerImpl::ReleasedItem(const httplib::Request& req, httplib::Response& res,
                              const Caller& c) {
  const std::string id = req.matches[1];
  const std::string item = req.matches[2];
  if (!IsId(id) || !IsId(item)) return SendBadId(res);
  json out;
  if (WriteAsDeputy(
          res, c, id,
          [&](vault::WriteTxn& t, const EmergencyRequest&, const EmergencyGrant&) -> Status {
            auto fetched = t.FetchEmergencyItem(c.actor(), id, item);
            if (!fetched) return fetched.error();
            out = vault::api::ItemWithCiphertextToJson(*fetched);
            return Status::OK();
          })) {
    SendJson(res, 200, out);
  }
}

// Approve and reject: an admin or the grantor, never the deputy.
void ServerImpl::DecideRequest(const httplib::Request& req, httplib::Response& res, const Caller& c,
                               em::Event event) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendBadId(res);
  auto body = OptionalBody(req.body,
                           vault::api::RequestBody(event == em::Event::kApprove
                                                       ? "POST /v1/emergency/requests/:id/approve"
                                                       : "POST /v1/emergency/requests/:id/reject"));
  if (!body) return SendError(res, body.error());
  auto reason = Reason(*body);
  if (!reason) return SendError(res, reason.error());
  ChangeRequestAndAnswer(
      res, c, id,
      [&](vault::WriteTxn& t, const EmergencyRequest& r, const EmergencyGrant& g) -> Status {
        if (g.deputy_id == c.member.id) {
          // Otherwise an admin-deputy could skip their own wait.
          return Status::PermissionDenied("the deputy cannot decide their own request");
        }
        const em::Facts facts = FactsOf(g, r);
        const int64_t now = Millis(env_.Now());
        auto step = em::Decide(facts, event, now);
        if (!step) return step.error();
        if (event == em::Event::kApprove) {
          return Release(t, c.actor(), g, r, *step, "emergency.approve", *reason, true,
                         *deps_.escrow_key);
        }
        vault::EmergencyTransition tr{
            id, "emergency.reject", em::State::kRejected, now, 0, true, *reason, {}};
        if (Status s = t.TransitionEmergencyRequest(c.actor(), tr); !s.ok()) return s;
        auto by = NameOf(t, c.member.id);
        if (!by) return by.error();
        return Notify(t, g, r, "emergency.rejected",
                      [&](const std::string& deputy, const std::string& scope) {
      return *by + " rejected Deputy " + deputy + "'s request for emergency access to " + scope;
        });
      });
}

void ServerImpl::ChangeRequestAndAnswer(
    httplib::Response& res, const Caller& c, const std::string& id,
    const std::function<Status(vault::WriteTxn&, const EmergencyRequest&, const EmergencyGrant&)>&
        change) {
  if (!SettleFor(res, id)) return;
  EmergencyGrant g;
  WriteAndAnswerOk(
      res,
      [&](vault::WriteTxn& t) -> Status {
        EmergencyRequest r;
        if (Status s = LoadRequest(t, c, id, r, g); !s.ok()) return s;
        return change(t, r, g);
      },
      [&](vault::WriteTxn& t) { return StoredRequest(t, g, id); }, Conflicts::kAsConflict);
}

bool ServerImpl::WriteAsDeputy(httplib::Response& res, const Caller& c, const std::string& id,
                               const std::function<Status(vault::WriteTxn&, const EmergencyRequest&,
                                                          const EmergencyGrant&)>& fn) {
  if (!SettleFor(res, id)) return false;
  return WriteOr(
      res,
      [&](vault::WriteTxn& t) -> Status {
        EmergencyRequest r;
        EmergencyGrant g;
        if (Status s = AsDeputy(t, c, id, r, g); !s.ok()) return s;
        return fn(t, r, g);
      },
      Conflicts::kAsConflict);
}

// The deputy's own routes under a released request. Checks, in order:
// visible (else 404), the deputy (else 403), released and in its window
// (else 409 conflict).
Status ServerImpl::AsDeputy(vault::ReadTxn& t, const Caller& c, const std::string& id,
                            EmergencyRequest& r, EmergencyGrant& g) {
  if (Status s = LoadRequest(t, c, id, r, g); !s.ok()) return s;
  if (g.deputy_id != c.member.id) {
    return Status::PermissionDenied("only the deputy can use a released request");
  }
  const em::Facts facts = FactsOf(g, r);
  auto step = em::Decide(facts, em::Event::kAccess, Millis(env_.Now()));
  return step ? Status::OK() : step.error();
}

}  // namespace server::internal
