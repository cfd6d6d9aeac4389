// Apply: the chain and the signer rules of the team roster (vault/roster.h,
// SECURITY.md "Team roster"). Every rule a role allows goes through the
// role policy (vault::Decide); the roster adds the relations the policy
// cannot know: who holds manage on which collection, the last owner, the
// invites and grants. Each rule checks everything before it changes `state`,
// so a refused entry leaves it as it was.
#include <algorithm>
#include <string>

#include "vault/identity.h"
#include "vault/roster.h"

namespace vault::roster {

namespace {

Status Untrusted(std::string_view why) {
  return Status::UntrustedKey("roster entry refused: " + std::string(why));
}

bool Allowed(TeamRole role, CollectionAccess access, Action action) {
  return Decide(role, access, action) == Decision::kAllow;
}

Action InviteAction(TeamRole role) {
  switch (role) {
    case TeamRole::kOwner: return Action::kInviteOwner;
    case TeamRole::kAdmin: return Action::kInviteAdmin;
    case TeamRole::kMember:
    case TeamRole::kAuditor: return Action::kInviteMember;
  }
  return Action::kInviteOwner;
}

size_t ActiveOwners(const State& s) {
  return static_cast<size_t>(std::count_if(s.members.begin(), s.members.end(), [](const auto& m) {
    return m.second.active && m.second.role == TeamRole::kOwner;
  }));
}

// A member who leaves the team or becomes an auditor holds no collection and
// stops being anyone's deputy.
void DropAccess(State& s, const std::string& member_id) {
  for (auto& [id, c] : s.collections) c.access.erase(member_id);
  for (auto& [id, g] : s.grants) {
    if (g.deputy_id == member_id) g.active = false;
  }
}

Member NewMemberRecord(const std::string& id, const std::string& name,
                       const crypto::PublicKey& signing_pk, const crypto::PublicKey& box_pk,
                       TeamRole role) {
  Member m;
  m.id = id;
  m.name = name;
  m.signing_pk = signing_pk;
  m.box_pk = box_pk;
  m.role = role;
  return m;
}

// The signer as the statement names them, for the rules below.
struct Ctx {
  State& state;
  const Statement& st;
  const Member& signer;  // for seq 0 and joins, the member being created
};

Status Rule(Ctx&, const TeamCreate&) { return Untrusted("team.create after the first entry"); }

Status Rule(Ctx& c, const MemberInvite& b) {
  if (!Allowed(c.signer.role, CollectionAccess::kNone, InviteAction(b.role))) {
    return Untrusted("the signer may not invite that role");
  }
  if (c.state.invites.contains(b.invite_pk)) return Untrusted("that invite key is used already");
  Invite& invite = c.state.invites[b.invite_pk];
  invite.role = b.role;
  invite.inviter_id = c.st.signer_id;
  return Status::OK();
}

Status NewMember(const State& s, const std::string& id, const crypto::PublicKey& signing_pk) {
  if (s.members.contains(id)) return Untrusted("that member id exists already");
  for (const auto& [mid, m] : s.members) {
    if (m.signing_pk == signing_pk) return Untrusted("that signing key belongs to a member");
  }
  return Status::OK();
}

Status Rule(Ctx& c, const MemberJoin& b) {
  auto it = c.state.invites.find(b.invite_pk);
  if (it == c.state.invites.end() || it->second.used) return Untrusted("no unused invite");
  // An invite is only as good as its inviter still is.
  const Member* inviter = c.state.ActiveMember(it->second.inviter_id);
  if (inviter == nullptr ||
      !Allowed(inviter->role, CollectionAccess::kNone, InviteAction(it->second.role))) {
    return Untrusted("the inviter may no longer invite that role");
  }
  if (Status s = NewMember(c.state, c.st.signer_id, b.signing_pk); !s.ok()) return s;
  const crypto::Bytes msg = JoinMessage(c.state.team_id, c.st.signer_id, b.signing_pk, b.box_pk);
  if (!crypto::Verify(b.invite_pk, msg, b.invite_signature).ok()) {
    return Untrusted("the invite's signature does not verify");
  }
  it->second.used = true;
  c.state.members[c.st.signer_id] =
      NewMemberRecord(c.st.signer_id, b.name, b.signing_pk, b.box_pk, it->second.role);
  return Status::OK();
}

Status Rule(Ctx& c, const MemberAdd& b) {
  if (!Allowed(c.signer.role, CollectionAccess::kNone, InviteAction(b.role))) {
    return Untrusted("the signer may not add that role");
  }
  if (Status s = NewMember(c.state, b.member_id, b.signing_pk); !s.ok()) return s;
  c.state.members[b.member_id] =
      NewMemberRecord(b.member_id, b.name, b.signing_pk, b.box_pk, b.role);
  return Status::OK();
}

Status Rule(Ctx& c, const MemberRole& b) {
  auto it = c.state.members.find(b.member_id);
  if (it == c.state.members.end() || !it->second.active) return Untrusted("no such active member");
  Member& m = it->second;
  const bool owners = m.role == TeamRole::kOwner || b.role == TeamRole::kOwner;
  const Action action = owners ? Action::kChangeOwnerRole : Action::kChangeRole;
  if (!Allowed(c.signer.role, CollectionAccess::kNone, action)) {
    return Untrusted("the signer may not change that role");
  }
  if (m.role == TeamRole::kOwner && b.role != TeamRole::kOwner && ActiveOwners(c.state) == 1) {
    return Untrusted("the last owner cannot be demoted");
  }
  m.role = b.role;
  if (b.role == TeamRole::kAuditor) DropAccess(c.state, m.id);
  return Status::OK();
}

Status Rule(Ctx& c, const MemberRemove& b) {
  auto it = c.state.members.find(b.member_id);
  if (it == c.state.members.end() || !it->second.active) return Untrusted("no such active member");
  if (b.member_id == c.st.signer_id) return Untrusted("nobody removes themselves");
  Member& m = it->second;
  const bool owner = m.role == TeamRole::kOwner;
  if (!Allowed(c.signer.role, CollectionAccess::kNone,
               owner ? Action::kRemoveOwner : Action::kRemoveMember)) {
    return Untrusted("the signer may not remove that member");
  }
  if (owner && ActiveOwners(c.state) == 1) return Untrusted("the last owner cannot be removed");
  m.active = false;
  DropAccess(c.state, m.id);
  return Status::OK();
}

Status Rule(Ctx& c, const RecoverySet& b) {
  if (!Allowed(c.signer.role, CollectionAccess::kNone, Action::kManageRecovery)) {
    return Untrusted("only an owner sets the recovery key");
  }
  c.state.recovery_pk = b.recovery_pk;
  c.state.recovery_age_pk.reset();
  return Status::OK();
}

Status Rule(Ctx& c, const RecoveryKeysSet& b) {
  if (!Allowed(c.signer.role, CollectionAccess::kNone, Action::kManageRecovery)) {
    return Untrusted("only an owner sets the recovery key");
  }
  c.state.recovery_pk = b.recovery_pk;
  c.state.recovery_age_pk = b.age_pk;
  return Status::OK();
}

Status Rule(Ctx& c, const CollectionCreate& b) {
  if (!Allowed(c.signer.role, CollectionAccess::kNone, Action::kCreateCollection)) {
    return Untrusted("the signer may not create collections");
  }
  if (c.state.collections.contains(b.collection_id)) return Untrusted("that collection exists");
  Collection& col = c.state.collections[b.collection_id];
  col.id = b.collection_id;
  col.name = b.name;
  col.key_version = b.key_version;
  col.kcv[b.key_version] = b.kcv;
  col.access[c.st.signer_id] = CollectionAccess::kManage;
  return Status::OK();
}

// The collection, if the signer holds manage on it in the roster: the team
// role alone is not enough (an admin without manage cannot re-grant or
// re-key; that is what stops a rogue admin swapping a key).
Result<Collection*> Managed(Ctx& c, const std::string& collection_id, Action action) {
  auto it = c.state.collections.find(collection_id);
  if (it == c.state.collections.end()) return Fail(Untrusted("no such collection"));
  const CollectionAccess held = c.state.AccessOf(c.st.signer_id, collection_id);
  if (held != CollectionAccess::kManage || !Allowed(c.signer.role, held, action)) {
    return Fail(Untrusted("the signer does not manage that collection"));
  }
  return &it->second;
}

Status Rule(Ctx& c, const CollectionAccessSet& b) {
  const bool grant = b.access != CollectionAccess::kNone;
  auto col = Managed(c, b.collection_id,
                     grant ? Action::kGrantCollectionAccess : Action::kRevokeCollectionAccess);
  if (!col) return col.error();
  if (grant) {
    const Member* m = c.state.ActiveMember(b.member_id);
    if (m == nullptr) return Untrusted("access for someone not an active member");
    if (m->role == TeamRole::kAuditor) return Untrusted("access for an auditor");
    (*col)->access[b.member_id] = b.access;
  } else {
    (*col)->access.erase(b.member_id);
  }
  return Status::OK();
}

Status Rule(Ctx& c, const CollectionKey& b) {
  auto col = Managed(c, b.collection_id, Action::kRekeyCollection);
  if (!col) return col.error();
  if (b.key_version != (*col)->key_version + 1) {
    return Untrusted("a key version that is not the next one");
  }
  (*col)->key_version = b.key_version;
  (*col)->kcv[b.key_version] = b.kcv;
  return Status::OK();
}

Status Rule(Ctx& c, const EmergencyGrant& b) {
  if (!Allowed(c.signer.role, CollectionAccess::kNone, Action::kManageEmergencyGrants)) {
    return Untrusted("the signer may not create emergency grants");
  }
  if (c.state.grants.contains(b.grant_id)) return Untrusted("that grant exists");
  const Member* deputy = c.state.ActiveMember(b.deputy_id);
  if (deputy == nullptr || deputy->role == TeamRole::kAuditor || b.deputy_id == c.st.signer_id) {
    return Untrusted("the deputy is not an active member other than the grantor");
  }
  // A grant only ever hands on keys its grantor holds.
  for (const std::string& cid : b.collection_ids) {
    if (c.state.AccessOf(c.st.signer_id, cid) < CollectionAccess::kView) {
      return Untrusted("the grantor does not hold every collection of the grant");
    }
  }
  Grant& g = c.state.grants[b.grant_id];
  g.id = b.grant_id;
  g.grantor_id = c.st.signer_id;
  g.deputy_id = b.deputy_id;
  g.mode = b.mode;
  g.collection_ids = b.collection_ids;
  return Status::OK();
}

Status Rule(Ctx& c, const EmergencyEnd& b) {
  auto it = c.state.grants.find(b.grant_id);
  if (it == c.state.grants.end() || !it->second.active) return Untrusted("no such active grant");
  Grant& g = it->second;
  const bool party = c.st.signer_id == g.grantor_id || c.st.signer_id == g.deputy_id;
  if (!party && !Allowed(c.signer.role, CollectionAccess::kNone, Action::kManageEmergencyGrants)) {
    return Untrusted("the signer may not end that grant");
  }
  g.active = false;
  return Status::OK();
}

Status Rule(Ctx& c, const EmergencyTakeover& b) {
  auto it = c.state.grants.find(b.grant_id);
  if (it == c.state.grants.end() || !it->second.active) return Untrusted("no such active grant");
  Grant& g = it->second;
  if (g.mode != emergency::GrantMode::kTakeover || g.taken_over) {
    return Untrusted("not a takeover grant, or taken over already");
  }
  if (c.st.signer_id != g.deputy_id) return Untrusted("only the deputy takes over");
  g.taken_over = true;
  for (const std::string& cid : g.collection_ids) {
    auto col = c.state.collections.find(cid);
    if (col != c.state.collections.end())
      col->second.access[g.deputy_id] = CollectionAccess::kManage;
  }
  return Status::OK();
}

Status ApplyGenesis(State& state, const Entry& e, const Statement& st) {
  const auto* create = std::get_if<TeamCreate>(&st.body);
  if (create == nullptr) return Untrusted("the first entry is not team.create");
  if (st.team_id != crypto::Hash{} || st.prev_hash != crypto::Hash{}) {
    return Untrusted("the first entry names a team or a predecessor");
  }
  if (!crypto::Verify(create->signing_pk, e.statement, e.signature).ok()) {
    return Untrusted("team.create is not signed by its own key");
  }
  const crypto::Hash hash = EntryHash(e);
  state = State{};
  state.team_id = hash;
  state.size = 1;
  state.head = hash;
  state.root_id = st.signer_id;
  state.server_audit_pk = create->server_audit_pk;
  state.escrow_pk = create->escrow_pk;
  state.members[st.signer_id] = NewMemberRecord(
      st.signer_id, create->owner_name, create->signing_pk, create->box_pk, TeamRole::kOwner);
  return Status::OK();
}

}  // namespace

Status Apply(State& state, const Entry& e) {
  auto decoded = Decode(e.statement);
  if (!decoded) return Untrusted(decoded.error().message());
  const Statement& st = *decoded;
  if (st.seq != state.size) return Untrusted("seq does not continue the roster");
  if (st.seq == 0) return ApplyGenesis(state, e, st);
  if (st.team_id != state.team_id) return Untrusted("another team's entry");
  if (st.prev_hash != state.head) return Untrusted("prev hash is not the roster's head");

  // A joiner signs their own statement with the key it introduces.
  const auto* join = std::get_if<MemberJoin>(&st.body);
  Member joiner;
  const Member* signer = nullptr;
  if (join != nullptr) {
    joiner.id = st.signer_id;
    joiner.signing_pk = join->signing_pk;
    signer = &joiner;
  } else {
    signer = state.ActiveMember(st.signer_id);
    if (signer == nullptr) return Untrusted("the signer is not an active member");
  }
  if (!crypto::Verify(signer->signing_pk, e.statement, e.signature).ok()) {
    return Untrusted("the signature is not the signer's");
  }
  Ctx ctx{state, st, *signer};
  Status s = std::visit([&](const auto& b) { return Rule(ctx, b); }, st.body);
  if (!s.ok()) return s;
  state.size += 1;
  state.head = EntryHash(e);
  return Status::OK();
}

Result<State> Replay(std::span<const Entry> entries) {
  State state;
  for (const Entry& e : entries) {
    if (Status s = Apply(state, e); !s.ok()) {
      return Fail(s.WithContext("roster entry " + std::to_string(state.size)));
    }
  }
  return state;
}

Statement Next(const State& state, std::string signer_id, int64_t time_ms, Body body) {
  return Statement{.team_id = state.team_id,
                   .seq = state.size,
                   .prev_hash = state.head,
                   .time_ms = time_ms,
                   .signer_id = std::move(signer_id),
                   .body = std::move(body)};
}

std::string TeamFingerprint(const State& state) {
  auto it = state.members.find(state.root_id);
  if (it == state.members.end()) return {};
  return FingerprintWords(it->second.signing_pk, it->second.box_pk);
}

const Member* State::ActiveMember(std::string_view id) const {
  auto it = members.find(std::string(id));
  return it != members.end() && it->second.active ? &it->second : nullptr;
}

CollectionAccess State::AccessOf(std::string_view member_id, std::string_view collection_id) const {
  auto c = collections.find(std::string(collection_id));
  if (c == collections.end()) return CollectionAccess::kNone;
  auto a = c->second.access.find(std::string(member_id));
  return a == c->second.access.end() ? CollectionAccess::kNone : a->second;
}

}  // namespace vault::roster
