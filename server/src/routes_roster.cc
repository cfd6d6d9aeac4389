// The team roster (docs/api.md "Team roster", SECURITY.md "Team roster"):
// GET and POST /v1/roster, and the optional "roster" entries of the routes
// that change what the roster describes, appended in the same write
// transaction as the change. The server is not trusted with the roster
// (clients replay and verify it); it still refuses what an honest server
// would, so a rogue admin cannot even get a bad entry stored.
#include <charconv>
#include <mutex>

#include "server_impl.h"
#include "vault/api_json_roster.h"

namespace server::internal {

namespace roster = vault::roster;

namespace {

// The checks Apply cannot make: only the server knows which keys it stored
// for a member, and which audit and escrow keys are its own.
Status ServerChecks(vault::WriteTxn& t, const roster::Statement& st, const Caller& c,
                    const Deps& deps) {
  if (st.signer_id != c.member.id) {
    return Status::PermissionDenied("roster entries are signed by the member who sends them");
  }
  auto keys_are = [&](const std::string& id, const crypto::PublicKey& sign,
                      const crypto::PublicKey& box) -> Status {
    auto m = t.GetMember(id);
    if (!m) return m.error().IsNotFound() ? Status::PermissionDenied("no such member") : m.error();
    if (m->signing_public_key != sign || m->box_public_key != box) {
      return Status::PermissionDenied("the keys are not the ones stored for that member");
    }
    return Status::OK();
  };
  if (const auto* b = std::get_if<roster::TeamCreate>(&st.body)) {
    if (c.role != TeamRole::kOwner) return Status::PermissionDenied("only an owner roots the team");
    if (b->server_audit_pk != deps.audit_key->public_key ||
        b->escrow_pk != deps.escrow_public_key) {
      return Status::PermissionDenied("team.create names another server's keys");
    }
    return keys_are(st.signer_id, b->signing_pk, b->box_pk);
  }
  if (const auto* b = std::get_if<roster::MemberJoin>(&st.body)) {
    return keys_are(st.signer_id, b->signing_pk, b->box_pk);
  }
  if (const auto* b = std::get_if<roster::MemberAdd>(&st.body)) {
    return keys_are(b->member_id, b->signing_pk, b->box_pk);
  }
  return Status::OK();
}

}  // namespace

ApiResult<RosterChange> ParseRosterEntries(const json& list, const char* field) {
  auto entries = vault::api::RosterEntriesFromJson(list, field);
  if (!entries) return Reject(BadRequest("bad_request", entries.error().message()));
  RosterChange change;
  for (const roster::Entry& e : *entries) {
    auto st = roster::Decode(e.statement);
    if (!st) return Reject(BadRequest("bad_request", st.error().message()));
    change.statements.push_back(std::move(*st));
  }
  change.entries = std::move(*entries);
  return change;
}

ApiResult<RosterChange> RosterOf(const Body& body) {
  if (!body.Has("roster")) return RosterChange{};
  return ParseRosterEntries(body.Json("roster"), "roster");
}

ApiResult<RosterChange> RosterOf(const httplib::Request& req, const char* schema) {
  if (req.body.empty()) return RosterChange{};
  auto body = Body::Parse(req.body, vault::api::RequestBody(schema));
  if (!body) return Reject(body.error());
  return RosterOf(*body);
}

// The roster as stored, from the copy in memory: entries stored since the
// copy (by a commit not installed yet, or an earlier write of the same
// batch) are applied to it; a copy that is not a prefix of what is stored
// (a write that failed after it was installed) is rebuilt from scratch.
Result<roster::State> ServerImpl::StoredRoster(vault::WriteTxn& t) {
  roster::State state;
  {
    std::lock_guard lock(roster_mu_);
    state = roster_;
  }
  if (state.size > 0) {
    auto last = t.RosterEntries(state.size - 1);
    if (!last) return Fail(last.error());
    if (last->empty() || roster::EntryHash(last->front()) != state.head) state = roster::State{};
  }
  auto stored = t.RosterEntries(state.size);
  if (!stored) return Fail(stored.error());
  for (const roster::Entry& e : *stored) {
    if (Status s = roster::Apply(state, e); !s.ok()) {
      return Fail(Status::Internal("the stored roster does not verify: " + s.message()));
    }
  }
  return state;
}

Status ServerImpl::ApplyRoster(vault::WriteTxn& t, const Caller& c, RosterChange& change) {
  change.stale = false;  // a retried write starts afresh
  if (change.entries.empty()) return Status::OK();
  auto state = StoredRoster(t);
  if (!state) return state.error();
  change.next = std::move(*state);
  for (size_t i = 0; i < change.entries.size(); ++i) {
    const roster::Entry& e = change.entries[i];
    const roster::Statement& st = change.statements[i];
    const roster::State& now = change.next;
    const bool continues = st.seq == now.size && st.prev_hash == now.head &&
                           (st.seq == 0 || st.team_id == now.team_id);
    if (!continues) {
      change.stale = true;
      return Status::FailedPrecondition("the roster has changed: fetch it and sign again");
    }
    if (Status s = ServerChecks(t, st, c, deps_); !s.ok()) return s;
    if (Status s = roster::Apply(change.next, e); !s.ok()) {
      return Status::PermissionDenied(s.message());
    }
    if (Status s = t.AppendRoster(c.actor(), st.seq, roster::ToString(roster::KindOf(st.body)), e,
                                  change.next.head);
        !s.ok()) {
      return s;
    }
  }
  return Status::OK();
}

void ServerImpl::AfterRoster(httplib::Response& res, const RosterChange& change, bool committed) {
  if (committed && !change.entries.empty()) {
    std::lock_guard lock(roster_mu_);
    if (change.next.size > roster_.size) roster_ = change.next;
  } else if (!committed && change.stale) {
    // A stale entry is "conflict" on every route: the client fetches the
    // roster again and signs anew.
    SendError(res, {409, "conflict", "the roster has changed: fetch it and sign again"});
  } else if (!committed && !change.mismatch.empty()) {
    // Its own code: unlike invalid_argument, it says the change itself was
    // fine and only its statement is missing.
    SendError(res, BadRequest("roster_mismatch", change.mismatch));
  }
}

bool ServerImpl::WriteWithRoster(httplib::Response& res, const Caller& c, RosterChange& change,
                                 const std::function<Status(vault::WriteTxn&)>& fn,
                                 Conflicts conflicts) {
  const bool ok = WriteOr(
      res,
      [&](vault::WriteTxn& t) -> Status {
        if (Status s = ApplyRoster(t, c, change); !s.ok()) return s;
        if (Status s = fn(t); !s.ok()) return s;
        return MatchRoster(t, c, change);
      },
      conflicts);
  AfterRoster(res, change, ok);
  return ok;
}

void ServerImpl::GetRoster(const httplib::Request& req, httplib::Response& res, const Caller&) {
  uint64_t from = 0;
  if (req.has_param("from")) {
    const std::string v = req.get_param_value("from");
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), from);
    if (ec != std::errc() || ptr != v.data() + v.size() || from > (uint64_t{1} << 53)) {
      return SendError(res, BadRequest("bad_parameter", "from must be 0 to 2^53"));
    }
  }
  vault::api::RosterPage page;
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto all = t.RosterEntries(0);
        if (!all) return all.error();
        page.size = all->size();
        if (!all->empty()) {
          page.team_id = roster::EntryHash(all->front());
          page.head = roster::EntryHash(all->back());
        }
        if (from < all->size()) {
          page.entries.assign(all->begin() + static_cast<ptrdiff_t>(from), all->end());
        }
        return Status::OK();
      })) {
    SendJson(res, 200, vault::api::RosterPageToJson(page));
  }
}

void ServerImpl::AppendRoster(const httplib::Request& req, httplib::Response& res,
                              const Caller& c) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/roster"));
  if (!body) return SendError(res, body.error());
  auto change = ParseRosterEntries(body->Json("entries"), "entries");
  if (!change) return SendError(res, change.error());
  if (change->entries.empty()) {
    return SendError(res, BadRequest("bad_request", "entries must not be empty"));
  }
  if (WriteWithRoster(res, c, *change, [](vault::WriteTxn&) { return Status::OK(); })) {
    SendJson(res, 201,
             vault::api::RosterAppendAnswerToJson({change->next.size, change->next.head}));
  }
}

void ServerImpl::RegisterRosterRoutes() {
  static constexpr Route kRoutes[] = {
      {"GET", "/v1/roster", &ServerImpl::GetRoster},
      {"POST", "/v1/roster", &ServerImpl::AppendRoster},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
