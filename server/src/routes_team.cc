#include <algorithm>
#include <optional>
#include <vector>

#include "server/invite.h"
#include "server_impl.h"

namespace server::internal {

namespace {

// Addresses are personal: owners and admins see them (they run the
// notices), anyone else sees only their own; the field stays, empty, so
// that every client parses the answer alike.
json MemberAsSeenBy(vault::Member m, const Caller& c) {
  const bool sees_all = c.role == TeamRole::kOwner || c.role == TeamRole::kAdmin;
  if (!sees_all && m.id != c.member.id) m.email.clear();
  return MemberToJson(m);
}

}  // namespace

void ServerImpl::ListMembers(const httplib::Request&, httplib::Response& res, const Caller& c) {
  json out = json::array();
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto members = t.ListMembers();
        if (!members) return members.error();
        for (const auto& m : *members) out.push_back(MemberAsSeenBy(m, c));
        return Status::OK();
      })) {
    SendJson(res, 200, {{"members", out}});
  }
}

void ServerImpl::GetMember(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendError(res, BadRequest("bad_id", "member ids are 32 hex digits"));
  json out;
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto m = t.GetMember(id);
        if (!m) return m.error();
        out = MemberAsSeenBy(std::move(*m), c);
        return Status::OK();
      })) {
    SendJson(res, 200, out);
  }
}

void ServerImpl::CreateInvite(const httplib::Request& req, httplib::Response& res,
                              const Caller& c) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/invites"));
  if (!body) return SendError(res, body.error());
  auto role = vault::ParseTeamRole(body->Str("role"));
  if (!role) return SendError(res, BadRequest("bad_role", role.error().message()));
  const std::string& name = body->Str("name");
  if (name.empty() || name.size() > 100) {
    return SendError(res, BadRequest("bad_name", "name must be 1 to 100 bytes"));
  }
  const Action action = *role == TeamRole::kOwner   ? Action::kInviteOwner
                        : *role == TeamRole::kAdmin ? Action::kInviteAdmin
                                                    : Action::kInviteMember;
  if (Status s = vault::Check(c.role, CollectionAccess::kNone, action); !s.ok()) {
    return SendError(res, FromStatus(s));
  }
  auto roster = RosterOf(*body);
  if (!roster) return SendError(res, roster.error());
  roster->claim = vault::roster::MemberInvite{.role = *role};
  const IssuedInvite invite = NewInvite(env_, *role, name, c.member.id, config_.invite_ttl);
  if (WriteWithRoster(res, c, *roster, [&](vault::WriteTxn& t) {
        return t.CreateInvite(c.actor(), invite.record);
      })) {
    SendJson(res, 201,
             vault::api::InviteAnswerToJson(
                 {invite.code, invite.record.role, invite.record.name, invite.record.expires_ms}));
  }
}

void ServerImpl::ChangeMember(const httplib::Request& req, httplib::Response& res,
                              const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendError(res, BadRequest("bad_id", "member ids are 32 hex digits"));
  auto body = Body::Parse(req.body, vault::api::RequestBody("PATCH /v1/members/:id"));
  if (!body) return SendError(res, body.error());
  auto role = vault::ParseTeamRole(body->Str("role"));
  if (!role) return SendError(res, BadRequest("bad_role", role.error().message()));
  auto roster = RosterOf(*body);
  if (!roster) return SendError(res, roster.error());
  roster->claim = vault::roster::MemberRole{id, *role};
  if (WriteWithRoster(res, c, *roster, [&](vault::WriteTxn& t) -> Status {
        auto target = t.GetMember(id);
        if (!target) return target.error();
        const bool owner_involved = target->role == TeamRole::kOwner || *role == TeamRole::kOwner;
        if (Status s =
                vault::Check(c.role, CollectionAccess::kNone,
                             owner_involved ? Action::kChangeOwnerRole : Action::kChangeRole);
            !s.ok()) {
          return s;
        }
        if (*role == TeamRole::kAuditor) {
          // Auditors never hold a collection key: take away any first.
          auto held = t.ListAccessibleCollections(id);
          if (!held) return held.error();
          if (!held->empty()) {
            return Status::FailedPrecondition(
                "revoke the member's collection access before making them an auditor");
          }
        }
        if (target->role == TeamRole::kOwner && *role != TeamRole::kOwner) {
          auto members = t.ListMembers();
          if (!members) return members.error();
          int owners = 0;
          for (const auto& m : *members)
            owners += m.role == TeamRole::kOwner && m.status == vault::MemberStatus::kActive;
          if (owners <= 1) return Status::FailedPrecondition("the last owner cannot be demoted");
        }
        if (Status s = t.SetMemberRole(c.actor(), id, body->Str("role")); !s.ok()) return s;
        // Auditors are never deputies: a grant, or a released request, left
        // to someone made auditor would keep serving them keys.
        if (*role != TeamRole::kAuditor || target->role == TeamRole::kAuditor) return Status::OK();
        return EndGrantsOfDeputy(t, c.actor(), id, Millis(env_.Now()), kDeputyMadeAuditor);
      })) {
    SendJson(res, 200, {{"id", id}, {"role", body->Str("role")}});
  }
}

void ServerImpl::RemoveMember(const httplib::Request& req, httplib::Response& res,
                              const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) return SendError(res, BadRequest("bad_id", "member ids are 32 hex digits"));
  auto roster = RosterOf(req, "DELETE /v1/members/:id");
  if (!roster) return SendError(res, roster.error());
  roster->claim = vault::roster::MemberRemove{id};
  if (WriteWithRoster(res, c, *roster, [&](vault::WriteTxn& t) -> Status {
        auto target = t.GetMember(id);
        if (!target) return target.error();
        if (Status s = vault::Check(
                c.role, CollectionAccess::kNone,
                target->role == TeamRole::kOwner ? Action::kRemoveOwner : Action::kRemoveMember);
            !s.ok()) {
          return s;
        }
        if (id == c.member.id) return Status::FailedPrecondition("you cannot remove yourself");
        if (Status s = t.RemoveMember(c.actor(), id); !s.ok()) return s;
        // Their requests are not settled first: a release that fell due but
        // was not applied yet is cancelled, not granted to someone leaving.
        return EndGrantsOfDeputy(t, c.actor(), id, Millis(env_.Now()), kDeputyRemoved);
      })) {
    SendJson(res, 200, {{"id", id}, {"status", "removed"}});
  }
}

void ServerImpl::CreateCollection(const httplib::Request& req, httplib::Response& res,
                                  const Caller& c) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/collections"));
  if (!body) return SendError(res, body.error());
  const std::string& id = body->Str("id");
  if (!IsId(id)) return SendError(res, BadRequest("bad_id", "id must be 32 lower-case hex digits"));
  const std::string& name = body->Str("name");
  if (name.empty() || name.size() > 100) {
    return SendError(res, BadRequest("bad_name", "name must be 1 to 100 bytes"));
  }
  auto sealed = DecodeBase64Field(body->Str("sealed_key"), "sealed_key");
  if (!sealed) return SendError(res, sealed.error());
  std::vector<vault::SealedKey> keys = {{id, 1, vault::KeyHolder::kMember, c.member.id, *sealed}};
  if (body->Has("recovery_sealed_key")) {
    auto rec = DecodeBase64Field(body->Str("recovery_sealed_key"), "recovery_sealed_key");
    if (!rec) return SendError(res, rec.error());
    keys.push_back({id, 1, vault::KeyHolder::kRecovery, "recovery", *rec});
  }
  vault::Collection col{
      id, name, 1, body->Has("offline_cache") ? body->Bool("offline_cache") : true, false, 0};
  auto roster = RosterOf(*body);
  if (!roster) return SendError(res, roster.error());
  roster->claim = vault::roster::CollectionCreate{id, name, col.key_version, {}};
  if (WriteWithRoster(res, c, *roster, [&](vault::WriteTxn& t) -> Status {
        auto recovery = t.GetSetting("recovery_public_key");
        if (!recovery) return recovery.error();
        if (*recovery && !body->Has("recovery_sealed_key")) {
          return Status::InvalidArgument(
              "this team has a recovery key: seal the collection key "
              "to it too (recovery_sealed_key)");
        }
        if (Status s = t.CreateCollection(c.actor(), col, keys); !s.ok()) return s;
        return t.GrantAccess(c.actor(), id, c.member.id, "manage", keys[0]);
      })) {
    SendJson(res, 201, CollectionToJson(col));
  }
}

void ServerImpl::ListCollections(const httplib::Request&, httplib::Response& res, const Caller& c) {
  json out = json::array();
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto all = t.ListCollections();
        if (!all) return all.error();
        std::vector<std::string> mine;
        const bool sees_all = c.role != TeamRole::kMember;
        if (!sees_all) {
          auto held = t.ListAccessibleCollections(c.member.id);
          if (!held) return held.error();
          mine = std::move(*held);
        }
        for (const auto& col : *all) {
          if (sees_all || std::find(mine.begin(), mine.end(), col.id) != mine.end()) {
            auto access = t.GetAccess(col.id, c.member.id);
            out.push_back(vault::api::CollectionEntryToJson({col, access ? *access : "none"}));
          }
        }
        return Status::OK();
      })) {
    SendJson(res, 200, {{"collections", out}});
  }
}

void ServerImpl::CollectionKey(const httplib::Request& req, httplib::Response& res,
                               const Caller& c) {
  const std::string id = req.matches[1];
  json out;
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto key = t.GetSealedKey(id, vault::KeyHolder::kMember, c.member.id);
        if (!key) return key.error();
        out = vault::api::SealedKeyAnswerToJson({id, key->key_version, key->sealed});
        return Status::OK();
      })) {
    SendJson(res, 200, out);
  }
}

void ServerImpl::ListAccess(const httplib::Request& req, httplib::Response& res, const Caller&) {
  const std::string id = req.matches[1];
  json out = json::array();
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto col = t.GetCollection(id);
        if (!col) return col.error();
        auto members = t.ListMembers();
        if (!members) return members.error();
        for (const auto& m : *members) {
          auto access = t.GetAccess(id, m.id);
          if (!access) {
            if (access.error().IsNotFound()) continue;
            return access.error();
          }
          out.push_back(vault::api::AccessEntryToJson({m.id, *access}));
        }
        return Status::OK();
      })) {
    SendJson(res, 200, {{"grants", out}});
  }
}

void ServerImpl::GrantAccess(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string id = req.matches[1];
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/collections/:id/grants"));
  if (!body) return SendError(res, body.error());
  const std::string& member = body->Str("member_id");
  if (!IsId(member)) return SendError(res, BadRequest("bad_id", "member_id must be 32 hex digits"));
  auto access = vault::ParseCollectionAccess(body->Str("access"));
  if (!access || *access == CollectionAccess::kNone) {
    return SendError(res, BadRequest("bad_access", "access must be view, edit or manage"));
  }
  // Without a sealed key, an access change for someone who holds the key.
  std::optional<std::vector<uint8_t>> sealed;
  if (body->Has("sealed_key")) {
    auto decoded = DecodeBase64Field(body->Str("sealed_key"), "sealed_key");
    if (!decoded) return SendError(res, decoded.error());
    sealed = std::move(*decoded);
  }
  auto roster = RosterOf(*body);
  if (!roster) return SendError(res, roster.error());
  roster->claim = vault::roster::CollectionAccessSet{id, member, *access};
  const bool written = WriteWithRoster(
      res, c, *roster,
      [&](vault::WriteTxn& t) -> Status {
        auto target = t.GetMember(member);
        if (!target) return target.error();
        if (target->role == TeamRole::kAuditor) {
          return Status::FailedPrecondition("auditors never receive a collection key");
        }
        vault::SealedKey key{id, body->Int("key_version"), vault::KeyHolder::kMember, member, {}};
        if (sealed) {
          key.sealed = *sealed;
        } else {
          auto held = t.GetSealedKey(id, vault::KeyHolder::kMember, member);
          if (!held) {
            return held.error().IsNotFound()
                       ? Status::InvalidArgument("sealed_key is required: the member holds no key")
                       : held.error();
          }
          if (held->key_version != key.key_version) {
            return Status::FailedPrecondition("the member holds key version " +
                                              std::to_string(held->key_version));
          }
          key.sealed = held->sealed;
        }
        return t.GrantAccess(c.actor(), id, member, body->Str("access"), key);
      },
      Conflicts::kAsConflict);
  if (written) {
    SendJson(res, 200,
             {{"collection_id", id}, {"member_id", member}, {"access", body->Str("access")}});
  }
}

void ServerImpl::RevokeAccess(const httplib::Request& req, httplib::Response& res,
                              const Caller& c) {
  const std::string id = req.matches[1];
  const std::string member = req.matches[2];
  if (!IsId(member)) {
    return SendError(res, BadRequest("bad_id", "member ids are 32 hex digits"));
  }
  auto roster = RosterOf(req, "DELETE /v1/collections/:id/grants/:member");
  if (!roster) return SendError(res, roster.error());
  roster->claim = vault::roster::CollectionAccessSet{id, member, CollectionAccess::kNone};
  if (WriteWithRoster(res, c, *roster,
                      [&](vault::WriteTxn& t) { return t.RevokeAccess(c.actor(), id, member); })) {
    SendJson(res, 200, {{"collection_id", id}, {"member_id", member}});
  }
}

void ServerImpl::RegisterTeamRoutes() {
  static constexpr Route kRoutes[] = {
      {"GET", "/v1/members", &ServerImpl::ListMembers},
      {"GET", "/v1/members/:id", &ServerImpl::GetMember},
      {"POST", "/v1/invites", &ServerImpl::CreateInvite},
      {"PATCH", "/v1/members/:id", &ServerImpl::ChangeMember},
      {"DELETE", "/v1/members/:id", &ServerImpl::RemoveMember},
      {"POST", "/v1/collections", &ServerImpl::CreateCollection},
      {"GET", "/v1/collections", &ServerImpl::ListCollections},
      {"GET", "/v1/collections/:id/key", &ServerImpl::CollectionKey},
      {"GET", "/v1/collections/:id/grants", &ServerImpl::ListAccess},
      {"POST", "/v1/collections/:id/grants", &ServerImpl::GrantAccess},
      {"DELETE", "/v1/collections/:id/grants/:member", &ServerImpl::RevokeAccess},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
