// Emergency access in the store (DESIGN.md §6): grants, requests,
// confirmations and transitions.
#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "txn_impl.h"
#include "vault/emergency.h"
#include "vault/rotation.h"

namespace vault {
namespace {

// The rows `sql` selects (binding `arg` unless it is empty), each with the
// strings `list_sql` selects for the row's id in its member `list`.
template <typename Row, typename Read>
Result<std::vector<Row>> RowsWithList(Db& db, const std::string& sql, const Read& read,
                                      const std::string& arg, const char* list_sql,
                                      std::vector<std::string> Row::*list) {
  auto rows = arg.empty() ? db.Rows(sql, read) : db.Rows(sql, read, arg);
  if (!rows) return Fail(rows.error());
  for (Row& row : *rows) {
    auto strings = db.Rows(list_sql, ReadText0, row.id);
    if (!strings) return Fail(strings.error());
    row.*list = std::move(*strings);
  }
  return std::move(*rows);
}

}  // namespace

Result<std::vector<std::string>> TxnImpl::Strings(const std::string& sql, const std::string& arg) {
  return db_.Rows(sql, ReadText0, arg);
}

Result<std::vector<EmergencyGrant>> TxnImpl::SelectGrants(const std::string& where,
                                                          const std::string& arg) {
  const std::string sql =
      "SELECT id, grantor_id, deputy_id, mode, wait_s, confirmations_required, "
      "access_window_s, status, created_ms, ended_ms FROM emergency_grants " +
      where + " ORDER BY created_ms, id";
  const auto read = [](Statement& st) -> Result<EmergencyGrant> {
    EmergencyGrant g;
    return OnceOk(
        st.Columns(g.id, g.grantor_id, g.deputy_id, Named(g.mode, emergency::ParseGrantMode),
                   g.wait_s, g.confirmations_required, g.access_window_s,
                   Named(g.status, emergency::ParseGrantStatus), g.created_ms, g.ended_ms),
        g);
  };
  return RowsWithList(db_, sql, read, arg,
                      "SELECT collection_id FROM emergency_grant_collections WHERE grant_id = ? "
                      "ORDER BY collection_id",
                      &EmergencyGrant::collections);
}

Result<std::vector<EmergencyRequest>> TxnImpl::SelectRequests(const std::string& where,
                                                              const std::string& arg) {
  const std::string sql =
      "SELECT id, grant_id, state, reason, requested_ms, release_ms, decided_by, "
      "decided_ms, released_ms, expires_ms, reminded_24h_ms IS NOT NULL, "
      "reminded_1h_ms IS NOT NULL "
      "FROM emergency_requests " +
      where + " ORDER BY requested_ms, rowid";
  const auto read = [](Statement& st) -> Result<EmergencyRequest> {
    EmergencyRequest r;
    return OnceOk(st.Columns(r.id, r.grant_id, Named(r.state, emergency::ParseState), r.reason,
                             r.requested_ms, r.release_ms, r.decided_by, r.decided_ms,
                             r.released_ms, r.expires_ms, r.reminded_24h, r.reminded_1h),
                  r);
  };
  return RowsWithList(db_, sql, read, arg,
                      "SELECT member_id FROM emergency_confirmations WHERE request_id = ? "
                      "ORDER BY confirmed_ms, member_id",
                      &EmergencyRequest::confirmations);
}

Result<EmergencyGrant> TxnImpl::GetEmergencyGrant(const std::string& id) {
  auto g = SelectGrants("WHERE id = ?", id);
  if (!g) return Fail(g.error());
  if (g->empty()) return Fail(Missing("emergency grant", id));
  return std::move(g->front());
}

Result<std::vector<EmergencyGrant>> TxnImpl::ListEmergencyGrants() { return SelectGrants("", ""); }

Result<EmergencyRequest> TxnImpl::GetEmergencyRequest(const std::string& id) {
  auto r = SelectRequests("WHERE id = ?", id);
  if (!r) return Fail(r.error());
  if (r->empty()) return Fail(Missing("emergency request", id));
  return std::move(r->front());
}

Result<std::vector<EmergencyRequest>> TxnImpl::ListEmergencyRequests(const std::string& grant_id) {
  return grant_id.empty() ? SelectRequests("", "") : SelectRequests("WHERE grant_id = ?", grant_id);
}

Result<std::optional<EmergencyRequest>> TxnImpl::NewestEmergencyRequest(
    const std::string& grant_id) {
  auto all = SelectRequests("WHERE grant_id = ?", grant_id);
  if (!all) return Fail(all.error());
  if (all->empty()) return std::optional<EmergencyRequest>();
  return std::optional<EmergencyRequest>(std::move(all->back()));
}

Result<std::vector<EmergencyRequest>> TxnImpl::ListOpenEmergencyRequests() {
  return SelectRequests("WHERE state IN ('waiting', 'released')", "");
}

namespace {

Status CheckGrantNumbers(int64_t wait_s, int64_t confirmations, int64_t window_s) {
  if (wait_s < 3600 || wait_s > emergency::kMaxWaitHours * 3600) {
    return Status::InvalidArgument("the wait must be 1 to " +
                                   std::to_string(emergency::kMaxWaitHours) + " hours");
  }
  if (confirmations < 0 || confirmations > emergency::kMaxConfirmations) {
    return Status::InvalidArgument("confirmations_required must be 0 to " +
                                   std::to_string(emergency::kMaxConfirmations));
  }
  if (window_s < 3600 || window_s > emergency::kMaxWindowHours * 3600) {
    return Status::InvalidArgument("the access window must be 1 to " +
                                   std::to_string(emergency::kMaxWindowHours) + " hours");
  }
  return Status::OK();
}

Status CheckActive(const EmergencyGrant& g) {
  if (g.status == emergency::GrantStatus::kActive) return Status::OK();
  return Status::FailedPrecondition("the grant is " + std::string(ToString(g.status)));
}

// Waiting and released requests are open: time or a decision still moves them.
bool IsOpen(emergency::State s) {
  return s == emergency::State::kWaiting || s == emergency::State::kReleased;
}

Status RequestIs(emergency::State s) {
  return Status::FailedPrecondition("the request is " + std::string(ToString(s)));
}

}  // namespace

Status TxnImpl::CreateEmergencyGrant(const Actor& actor, const EmergencyGrant& g,
                                     const std::vector<SealedKey>& keys) {
  if (Status s = CheckNamed(g.mode, "grant mode"); !s.ok()) return s;
  if (Status s = CheckGrantNumbers(g.wait_s, g.confirmations_required, g.access_window_s);
      !s.ok()) {
    return s;
  }
  if (keys.empty()) return Status::InvalidArgument("a grant needs at least one collection key");
  std::vector<std::string> scope;
  for (const SealedKey& k : keys) {
    if (k.holder != KeyHolder::kGrant || k.holder_id != g.id) {
      return Status::InvalidArgument("a grant's keys must be held by the grant");
    }
    if (std::find(scope.begin(), scope.end(), k.collection_id) != scope.end()) {
      return Status::InvalidArgument("collection " + k.collection_id + " is listed twice");
    }
    auto c = GetCollection(k.collection_id);
    if (!c) return c.error();
    if (k.key_version != c->key_version) {
      return Status::FailedPrecondition("the key of collection " + k.collection_id +
                                        " is for version " + std::to_string(k.key_version) +
                                        ", the collection is at " + std::to_string(c->key_version));
    }
    scope.push_back(k.collection_id);
  }
  std::sort(scope.begin(), scope.end());
  {
    if (Status s = db_.Run("INSERT INTO emergency_grants (id, grantor_id, deputy_id, mode, wait_s, "
                           "confirmations_required, access_window_s, status, created_ms) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)",
                           g.id, g.grantor_id, g.deputy_id, ToString(g.mode), g.wait_s,
                           g.confirmations_required, g.access_window_s, NowMs());
        !s.ok()) {
      return s.IsAlreadyExists() ? Status::AlreadyExists("emergency grant " + g.id + " exists") : s;
    }
  }
  for (const SealedKey& k : keys) {
    if (Status s = db_.Run("INSERT INTO emergency_grant_collections (grant_id, collection_id) "
                           "VALUES (?, ?)",
                           g.id, k.collection_id);
        !s.ok()) {
      return s;
    }
    if (Status s = InsertSealedKey(k); !s.ok()) return s;
  }
  return Append(actor, "emergency.grant.create", "grant:" + g.id,
                {{"grantor", g.grantor_id},
                 {"deputy", g.deputy_id},
                 {"mode", ToString(g.mode)},
                 {"wait_s", g.wait_s},
                 {"confirmations_required", g.confirmations_required},
                 {"access_window_s", g.access_window_s},
                 {"collections", scope}});
}

Status TxnImpl::ChangeEmergencyGrant(const Actor& actor, const std::string& id, int64_t wait_s,
                                     int64_t confirmations_required, int64_t access_window_s) {
  if (Status s = CheckGrantNumbers(wait_s, confirmations_required, access_window_s); !s.ok()) {
    return s;
  }
  auto g = GetEmergencyGrant(id);
  if (!g) return g.error();
  if (Status s = CheckActive(*g); !s.ok()) return s;
  if (Status s = db_.Run("UPDATE emergency_grants SET wait_s = ?, confirmations_required = ?, "
                         "access_window_s = ? WHERE id = ?",
                         wait_s, confirmations_required, access_window_s, id);
      !s.ok()) {
    return s;
  }
  return Append(actor, "emergency.grant.change", "grant:" + id,
                {{"wait_s", {g->wait_s, wait_s}},
                 {"confirmations_required", {g->confirmations_required, confirmations_required}},
                 {"access_window_s", {g->access_window_s, access_window_s}}});
}

Status TxnImpl::EndEmergencyGrant(const Actor& actor, const std::string& id,
                                  const std::string& status, const std::string& reason) {
  if (status != "revoked" && status != "declined") {
    return Status::InvalidArgument("a grant ends revoked or declined");
  }
  auto g = GetEmergencyGrant(id);
  if (!g) return g.error();
  if (Status s = CheckActive(*g); !s.ok()) return s;
  auto newest = NewestEmergencyRequest(id);
  if (!newest) return newest.error();
  if (*newest && IsOpen((*newest)->state)) {
    return Status::FailedPrecondition("cancel the grant's open request first");
  }
  {
    if (Status s = db_.Run("UPDATE emergency_grants SET status = ?, ended_ms = ? WHERE id = ?",
                           status, NowMs(), id);
        !s.ok()) {
      return s;
    }
  }
  // The escrowed keys serve no one any more.
  if (Status s =
          db_.Run("DELETE FROM sealed_keys WHERE holder_kind = 'grant' AND holder_id = ?", id);
      !s.ok()) {
    return s;
  }
  return Append(actor, status == "revoked" ? "emergency.grant.revoke" : "emergency.grant.decline",
                "grant:" + id, {{"deputy", g->deputy_id}, {"reason", reason}});
}

Status TxnImpl::CreateEmergencyRequest(const Actor& actor, const EmergencyRequest& r) {
  auto g = GetEmergencyGrant(r.grant_id);
  if (!g) return g.error();
  if (Status s = CheckActive(*g); !s.ok()) return s;
  if (r.reason.empty() || r.reason.size() > emergency::kMaxReasonBytes) {
    return Status::InvalidArgument("the reason must be 1 to 500 bytes");
  }
  if (Status s =
          db_.Run("INSERT INTO emergency_requests (id, grant_id, state, reason, requested_ms, "
                  "release_ms) VALUES (?, ?, 'waiting', ?, ?, ?)",
                  r.id, r.grant_id, r.reason, r.requested_ms, r.release_ms);
      !s.ok()) {
    return s;
  }
  return Append(actor, "emergency.request", "request:" + r.id,
                {{"grant", r.grant_id}, {"reason", r.reason}, {"release_ms", r.release_ms}});
}

Status TxnImpl::ConfirmEmergencyRequest(const Actor& actor, const std::string& request_id) {
  auto r = GetEmergencyRequest(request_id);
  if (!r) return r.error();
  if (r->state != emergency::State::kWaiting) {
    return Status::FailedPrecondition("cannot confirm: the request is " +
                                      std::string(ToString(r->state)));
  }
  if (Status s =
          db_.Run("INSERT INTO emergency_confirmations (request_id, member_id, confirmed_ms) "
                  "VALUES (?, ?, ?)",
                  request_id, actor.id, NowMs());
      !s.ok()) {
    return s.IsAlreadyExists() ? Status::FailedPrecondition("you confirmed this request already")
                               : s;
  }
  return Append(actor, "emergency.confirm", "request:" + request_id,
                {{"grant", r->grant_id}, {"confirmations", r->confirmations.size() + 1}});
}

Status TxnImpl::TransitionEmergencyRequest(const Actor& actor, const EmergencyTransition& t) {
  // kNone names a grant without a request; no request changes to it.
  if (t.to == emergency::State::kNone) return Status::InvalidArgument("no such request state");
  if (Status s = CheckNamed(t.to, "request state"); !s.ok()) return s;
  auto r = GetEmergencyRequest(t.request_id);
  if (!r) return r.error();
  if (!IsOpen(r->state)) return RequestIs(r->state);
  auto g = GetEmergencyGrant(r->grant_id);
  if (!g) return g.error();
  const bool release = t.to == emergency::State::kReleased;
  if (release && r->state != emergency::State::kWaiting) return RequestIs(r->state);
  {
    if (Status s =
            db_.Run("UPDATE emergency_requests SET state = ?, "
                    "decided_by = CASE WHEN ? THEN ? ELSE decided_by END, "
                    "decided_ms = CASE WHEN ? THEN ? ELSE decided_ms END, "
                    "released_ms = CASE WHEN ? THEN ? ELSE released_ms END, "
                    "expires_ms = CASE WHEN ? THEN ? ELSE expires_ms END WHERE id = ?",
                    ToString(t.to), int64_t{t.decided}, actor.id, int64_t{t.decided}, t.at_ms,
                    int64_t{release}, t.at_ms, int64_t{release}, t.expires_ms, t.request_id);
        !s.ok()) {
      return s;
    }
  }
  nlohmann::json details = {{"grant", g->id},
                            {"from", ToString(r->state)},
                            {"to", ToString(t.to)},
                            {"at_ms", t.at_ms},
                            {"reason", t.reason}};
  if (!release) return Append(actor, t.action, "request:" + t.request_id, details);
  if (t.action != "emergency.release") {
    if (Status s = Append(actor, t.action, "request:" + t.request_id, details); !s.ok()) return s;
  }

  // Whatever the deputy can now read is exposed: rotate it, re-key it.
  const RotationFlagRecord flag{RotationFlagKind::kEmergencyAccess,
                                "rotate: exposed via emergency access", t.at_ms};
  auto flagged = FlagExposed(g->collections, flag);
  if (!flagged) return flagged.error();
  details["mode"] = ToString(g->mode);
  details["deputy"] = g->deputy_id;
  details["expires_ms"] = t.expires_ms;
  details["items_flagged"] = *flagged;
  details["collections_to_rekey"] = g->collections;
  if (Status s = Append(actor, "emergency.release", "request:" + t.request_id, details); !s.ok()) {
    return s;
  }
  if (g->mode != emergency::GrantMode::kTakeover) return Status::OK();
  auto deputy = GetMember(g->deputy_id);
  if (!deputy) return deputy.error();
  if (t.takeover_keys.size() != g->collections.size()) {
    return Status::InvalidArgument("a takeover needs the deputy's key for every collection");
  }
  if (deputy->role == TeamRole::kMember) {
    if (Status s = SetMemberRole(actor, deputy->id, "admin"); !s.ok()) return s;
  }
  for (const SealedKey& k : t.takeover_keys) {
    if (std::find(g->collections.begin(), g->collections.end(), k.collection_id) ==
        g->collections.end()) {
      return Status::InvalidArgument("a takeover key is for a collection outside the grant");
    }
    if (Status s = GrantAccess(actor, k.collection_id, deputy->id, "manage", k); !s.ok()) {
      return s;
    }
  }
  return Status::OK();
}

Status TxnImpl::MarkEmergencyReminder(const Actor& actor, const std::string& request_id,
                                      const std::string& which) {
  const char* sql =
      which == "24h"  ? "UPDATE emergency_requests SET reminded_24h_ms = ? WHERE id = ?"
      : which == "1h" ? "UPDATE emergency_requests SET reminded_1h_ms = ? WHERE id = ?"
                      : nullptr;
  if (sql == nullptr) return Status::InvalidArgument("reminders are 24h or 1h");
  if (Status s = db_.Run(sql, NowMs(), request_id); !s.ok()) return s;
  if (db_.Changes() != 1) return Missing("emergency request", request_id);
  return Append(actor, "emergency.reminder", "request:" + request_id, {{"before", which}});
}

Result<ItemWithCiphertext> TxnImpl::FetchEmergencyItem(const Actor& actor,
                                                       const std::string& request_id,
                                                       const std::string& item_id) {
  auto r = GetEmergencyRequest(request_id);
  if (!r) return Fail(r.error());
  auto g = GetEmergencyGrant(r->grant_id);
  if (!g) return Fail(g.error());
  auto meta = GetItemMeta(item_id);
  if (!meta || std::find(g->collections.begin(), g->collections.end(), meta->collection_id) ==
                   g->collections.end()) {
    // Out of scope reads as absent: the deputy learns nothing about it.
    return Fail(Status::NotFound("item " + item_id + " is not in this request's scope"));
  }
  auto ct = CurrentCiphertext(meta->id, meta->version);
  if (!ct) return Fail(ct.error());
  ItemWithCiphertext out{std::move(*meta), std::move(*ct)};
  if (Status s = Append(actor, "emergency.item.read", "item:" + item_id,
                        {{"request", request_id}, {"version", out.meta.version}});
      !s.ok()) {
    return Fail(s);
  }
  return out;
}

}  // namespace vault
