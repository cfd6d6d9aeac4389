// Whether the team roster agrees with the change a route makes (docs/api.md
// "Team roster"). Without this check a rogue admin's client could change
// grants, roles or keys with no statement at all: the tables would drift
// from the roster, and honest members' clients would refuse the keys that
// follow from the change. The roster is compared after the request's own
// entries, not the entries themselves, so that a retried request whose
// statement is stored already goes through without a new one.
#include <algorithm>
#include <string>
#include <vector>

#include "server_impl.h"

namespace server::internal {

namespace roster = vault::roster;

namespace {

Status Mismatch(const std::string& what) {
  return Status::InvalidArgument("the team roster " + what +
                                 ": send the signed statement with the change");
}

// The server keeps a grant's collections sorted; a statement may list them
// in any order.
std::vector<std::string> Sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

// One predicate per kind of change; names come from the roster, as signed.
class Matcher {
 public:
  Matcher(const roster::State& state, std::span<const roster::Statement> sent,
          const std::string& caller_id)
      : state_(state), sent_(sent), caller_id_(caller_id) {}

  // The server never learns the invite key (it is derived from the secret
  // in the code), so the invite's own statement must come with it. An
  // inviter the roster does not know cannot sign one: their invitee is
  // vouched for later (member.add).
  Status operator()(const roster::MemberInvite& want) const {
    if (state_.ActiveMember(caller_id_) == nullptr) return Status::OK();
    for (const roster::Statement& st : sent_) {
      const auto* invite = std::get_if<roster::MemberInvite>(&st.body);
      if (invite != nullptr && invite->role == want.role) return Status::OK();
    }
    return Mismatch("has no invite of yours for the role " +
                    std::string(vault::ToString(want.role)));
  }
  // A member the roster does not know has no role in it to change.
  Status operator()(const roster::MemberRole& want) const {
    const roster::Member* m = state_.ActiveMember(want.member_id);
    if (m == nullptr || m->role == want.role) return Status::OK();
    return Mismatch("does not make " + MemberName(want.member_id) + " " +
                    std::string(vault::ToString(want.role)));
  }
  Status operator()(const roster::MemberRemove& want) const {
    if (state_.ActiveMember(want.member_id) == nullptr) return Status::OK();
    return Mismatch("still has " + MemberName(want.member_id) + " on the team");
  }
  Status operator()(const roster::CollectionCreate& want) const {
    auto it = state_.collections.find(want.collection_id);
    if (it != state_.collections.end() && it->second.name == want.name &&
        it->second.key_version == want.key_version) {
      return Status::OK();
    }
    return Mismatch("has no collection " + want.name + " (" + want.collection_id +
                    ") at key version " + std::to_string(want.key_version));
  }
  Status operator()(const roster::CollectionAccessSet& want) const {
    const vault::CollectionAccess held = state_.AccessOf(want.member_id, want.collection_id);
    if (held == want.access) return Status::OK();
    const std::string on = " on " + CollectionName(want.collection_id);
    if (want.access == CollectionAccess::kNone) {
      return Mismatch("still gives " + MemberName(want.member_id) + " " +
                      std::string(vault::ToString(held)) + on);
    }
    return Mismatch("does not give " + MemberName(want.member_id) + " " +
                    std::string(vault::ToString(want.access)) + on);
  }
  Status operator()(const roster::CollectionKey& want) const {
    auto it = state_.collections.find(want.collection_id);
    if (it != state_.collections.end() && it->second.key_version == want.key_version) {
      return Status::OK();
    }
    return Mismatch("does not put " + CollectionName(want.collection_id) + " at key version " +
                    std::to_string(want.key_version));
  }
  Status operator()(const roster::EmergencyGrant& want) const {
    auto it = state_.grants.find(want.grant_id);
    if (it != state_.grants.end()) {
      const roster::Grant& g = it->second;
      if (g.active && g.grantor_id == caller_id_ && g.deputy_id == want.deputy_id &&
          g.mode == want.mode && Sorted(g.collection_ids) == Sorted(want.collection_ids)) {
        return Status::OK();
      }
    }
    return Mismatch("has no emergency grant " + want.grant_id + " from you to " +
                    MemberName(want.deputy_id) + " for " +
                    std::string(vault::emergency::ToString(want.mode)) +
                    " of exactly these collections");
  }
  // A grant made before the roster has no statement to end.
  Status operator()(const roster::EmergencyEnd& want) const {
    auto it = state_.grants.find(want.grant_id);
    if (it == state_.grants.end() || !it->second.active) return Status::OK();
    return Mismatch("still has emergency grant " + want.grant_id + " in force");
  }
  // The keys a client seals collection keys to and backups go to must be
  // the ones the owners signed for, or the server could swap in its own.
  Status operator()(const roster::RecoveryKeysSet& want) const {
    if (state_.recovery_pk == want.recovery_pk && state_.recovery_age_pk == want.age_pk) {
      return Status::OK();
    }
    return Mismatch("does not name this recovery key and age recipient");
  }

 private:
  std::string MemberName(const std::string& id) const {
    auto it = state_.members.find(id);
    return it != state_.members.end() ? it->second.name : "member " + id;
  }
  std::string CollectionName(const std::string& id) const {
    auto it = state_.collections.find(id);
    return it != state_.collections.end() ? it->second.name : "collection " + id;
  }

  const roster::State& state_;
  std::span<const roster::Statement> sent_;
  const std::string& caller_id_;
};

}  // namespace

Status RosterMatches(const roster::State& state, std::span<const roster::Statement> sent,
                     const std::string& caller_id, const RosterClaim& claim) {
  return std::visit(Matcher(state, sent, caller_id), claim);
}

Status ServerImpl::MatchRoster(vault::WriteTxn& t, const Caller& c, RosterChange& change) {
  change.mismatch.clear();  // a retried write starts afresh
  if (!change.claim) return Status::OK();
  // ApplyRoster loads the roster only when the request carries entries.
  if (change.entries.empty()) {
    auto state = StoredRoster(t);
    if (!state) return state.error();
    change.next = std::move(*state);
  }
  if (change.next.size == 0) return Status::OK();  // a legacy team
  Status s = RosterMatches(change.next, change.statements, c.member.id, *change.claim);
  if (!s.ok()) change.mismatch = s.message();
  return s;
}

}  // namespace server::internal
