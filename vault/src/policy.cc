#include "vault/policy.h"

#include <string>

#include "parse_name.h"

namespace vault {
namespace {

// Every switch below lists every enumerator and has no default, so adding an
// Action without deciding it for every role is a -Wswitch warning (an error
// in CI). Out-of-range values fall through to a deny after the switch.

bool IsValid(TeamRole r) { return static_cast<size_t>(r) < kAllTeamRoles.size(); }
bool IsValid(CollectionAccess a) { return static_cast<size_t>(a) < kAllCollectionAccesses.size(); }
bool IsValid(Action a) { return static_cast<size_t>(a) < kAllActions.size(); }

Decision AllowIf(bool allowed) { return allowed ? Decision::kAllow : Decision::kDeny; }

// Admins run the team but cannot touch owners, the server's own settings or
// the recovery setup: an admin must not be able to promote themselves to
// owner or swap out the paper recovery key.
Decision AdminDecides(Action action) {
  switch (action) {
    case Action::kManageServerSettings:
    case Action::kManageRecovery:
    case Action::kInviteOwner:
    case Action::kChangeOwnerRole:
    case Action::kRemoveOwner: return Decision::kDeny;
    case Action::kReadServerInfo:
    case Action::kUseSession:
    // The roster's own rules (roster::Apply) decide each statement.
    case Action::kReadRoster:
    case Action::kAppendRoster:
    case Action::kReadRecovery:
    case Action::kCheckRecoveryShare:
    case Action::kCreateServerBackup:  // encrypted to the recovery key; admins cannot open it
    case Action::kListMembers:
    case Action::kInviteMember:
    case Action::kInviteAdmin:
    case Action::kChangeRole:
    case Action::kRemoveMember:
    case Action::kCreateCollection:
    case Action::kDeleteCollection:
    case Action::kListCollections:
    case Action::kChangeCollectionSettings:
    case Action::kReadAuditLog:
    case Action::kExportAuditLog:
    case Action::kReadContinuityReport:
    case Action::kListEmergencyGrants:
    case Action::kManageEmergencyGrants:
    case Action::kDecideEmergencyRequest:
    // An admin lacking some collection key may be a deputy for it; a grant
    // only ever carries keys its grantor could already open.
    case Action::kRequestEmergencyAccess:
    case Action::kConfirmEmergencyRequest:
    // The team role dominates the access level; see the header comment.
    case Action::kReadItemMetadata:
    case Action::kReadItemSecret:
    case Action::kCreateItem:
    case Action::kUpdateItem:
    case Action::kDeleteItem:
    case Action::kFlagItem:
    case Action::kRotateItem:
    case Action::kGrantCollectionAccess:
    case Action::kRevokeCollectionAccess:
    case Action::kRekeyCollection:
    case Action::kReadSealedCollectionKey: return Decision::kAllow;
  }
  return Decision::kDeny;
}

Decision MemberDecides(CollectionAccess access, Action action) {
  using A = CollectionAccess;
  switch (action) {
    // Harmless team-level reads; the server filters listings to what the
    // member may see.
    case Action::kReadServerInfo:
    case Action::kUseSession:
    case Action::kReadRoster:
    case Action::kAppendRoster:  // roster::Apply decides what a member may sign
    // A custodian need not be an owner; a check reveals nothing of the share.
    case Action::kCheckRecoveryShare:
    case Action::kListMembers:
    case Action::kListCollections:
    case Action::kListEmergencyGrants:  // filtered to grants naming them
    // Any member may be a deputy (DESIGN §6), even with no grants at all.
    case Action::kRequestEmergencyAccess:
    case Action::kConfirmEmergencyRequest: return Decision::kAllow;
    case Action::kManageServerSettings:
    case Action::kManageRecovery:
    // Who the custodians are and what is unsealed is for those who run or
    // audit the team.
    case Action::kReadRecovery:
    case Action::kCreateServerBackup:
    case Action::kInviteMember:
    case Action::kInviteAdmin:
    case Action::kInviteOwner:
    case Action::kChangeRole:
    case Action::kChangeOwnerRole:
    case Action::kRemoveMember:
    case Action::kRemoveOwner:
    case Action::kCreateCollection:
    // Deleting or reconfiguring a collection is team administration, not
    // collection management: a manager may share and rekey, not destroy.
    case Action::kDeleteCollection:
    case Action::kChangeCollectionSettings:
    case Action::kReadAuditLog:
    case Action::kExportAuditLog:
    // It names who alone holds what: a map for whoever would target them.
    case Action::kReadContinuityReport:
    case Action::kManageEmergencyGrants:
    case Action::kDecideEmergencyRequest: return Decision::kDeny;
    case Action::kReadItemMetadata:
    case Action::kReadItemSecret:
    case Action::kReadSealedCollectionKey:
    // Whoever has seen a secret may know it leaked; raising a flag only makes
    // the item due for rotation, and is audited.
    case Action::kFlagItem: return AllowIf(access >= A::kView);
    case Action::kCreateItem:
    case Action::kUpdateItem:
    case Action::kDeleteItem:
    case Action::kRotateItem: return AllowIf(access >= A::kEdit);
    case Action::kGrantCollectionAccess:
    case Action::kRevokeCollectionAccess:
    case Action::kRekeyCollection: return AllowIf(access >= A::kManage);
  }
  return Decision::kDeny;
}

// Auditors are read-only over metadata, whatever access level is passed in:
// an access row for an auditor is a server bug, and must not leak secrets.
Decision AuditorDecides(Action action) {
  switch (action) {
    case Action::kReadServerInfo:
    // Signing out and keeping one's own e-mail address current touch only
    // the caller's own session and profile.
    case Action::kUseSession:
    // Auditors verify the roster like everyone; roster::Apply lets them
    // sign only their own join, which holds no key.
    case Action::kReadRoster:
    case Action::kAppendRoster:
    case Action::kListMembers:
    case Action::kListCollections:
    case Action::kReadAuditLog:
    case Action::kExportAuditLog:
    // Whether the team could recover is part of an audit; a custodian may
    // be an auditor.
    case Action::kReadRecovery:
    case Action::kCheckRecoveryShare:
    // Metadata only: who can reach what, never a secret.
    case Action::kReadContinuityReport:
    case Action::kReadItemMetadata: return Decision::kAllow;
    case Action::kManageServerSettings:
    case Action::kManageRecovery:
    case Action::kCreateServerBackup:
    case Action::kInviteMember:
    case Action::kInviteAdmin:
    case Action::kInviteOwner:
    case Action::kChangeRole:
    case Action::kChangeOwnerRole:
    case Action::kRemoveMember:
    case Action::kRemoveOwner:
    case Action::kCreateCollection:
    case Action::kDeleteCollection:
    case Action::kChangeCollectionSettings:
    // Grant history is in the audit log; the live list is not needed to audit.
    case Action::kListEmergencyGrants:
    case Action::kManageEmergencyGrants:
    case Action::kDecideEmergencyRequest:
    // A deputy ends up holding collection keys; auditors never do.
    case Action::kRequestEmergencyAccess:
    case Action::kConfirmEmergencyRequest:
    case Action::kReadItemSecret:
    case Action::kCreateItem:
    case Action::kUpdateItem:
    case Action::kDeleteItem:
    case Action::kFlagItem:
    case Action::kRotateItem:
    case Action::kGrantCollectionAccess:
    case Action::kRevokeCollectionAccess:
    case Action::kRekeyCollection:
    case Action::kReadSealedCollectionKey: return Decision::kDeny;
  }
  return Decision::kDeny;
}

}  // namespace

bool IsCollectionAction(Action action) {
  return IsValid(action) && action >= Action::kReadItemMetadata;
}

Decision Decide(TeamRole role, CollectionAccess access, Action action) {
  if (!IsValid(role) || !IsValid(access) || !IsValid(action)) return Decision::kDeny;
  switch (role) {
    case TeamRole::kOwner: return Decision::kAllow;
    case TeamRole::kAdmin: return AdminDecides(action);
    case TeamRole::kMember:
      // Team-level actions ignore the access level, so a member's collection
      // grant never widens what they may do to the team.
      return MemberDecides(IsCollectionAction(action) ? access : CollectionAccess::kNone, action);
    case TeamRole::kAuditor: return AuditorDecides(action);
  }
  return Decision::kDeny;
}

Status Check(TeamRole role, CollectionAccess access, Action action) {
  if (Decide(role, access, action) == Decision::kAllow) return Status::OK();
  std::string msg = "role \"";
  msg += ToString(role);
  msg += "\" may not ";
  msg += ToString(action);
  if (IsCollectionAction(action)) {
    msg += " with collection access \"";
    msg += ToString(access);
    msg += '"';
  }
  return Status::PermissionDenied(msg);
}

std::string_view ToString(TeamRole role) {
  switch (role) {
    case TeamRole::kOwner: return "owner";
    case TeamRole::kAdmin: return "admin";
    case TeamRole::kMember: return "member";
    case TeamRole::kAuditor: return "auditor";
  }
  return "unknown";
}

std::string_view ToString(MemberStatus status) {
  switch (status) {
    case MemberStatus::kActive: return "active";
    case MemberStatus::kRemoved: return "removed";
  }
  return "unknown";
}

std::string_view ToString(CollectionAccess access) {
  switch (access) {
    case CollectionAccess::kNone: return "none";
    case CollectionAccess::kView: return "view";
    case CollectionAccess::kEdit: return "edit";
    case CollectionAccess::kManage: return "manage";
  }
  return "unknown";
}

std::string_view ToString(Decision decision) {
  switch (decision) {
    case Decision::kDeny: return "deny";
    case Decision::kAllow: return "allow";
  }
  return "unknown";
}

std::string_view ToString(Action action) {
  switch (action) {
    case Action::kReadServerInfo: return "read_server_info";
    case Action::kManageServerSettings: return "manage_server_settings";
    case Action::kManageRecovery: return "manage_recovery";
    case Action::kReadRecovery: return "read_recovery";
    case Action::kCheckRecoveryShare: return "check_recovery_share";
    case Action::kCreateServerBackup: return "create_server_backup";
    case Action::kListMembers: return "list_members";
    case Action::kInviteMember: return "invite_member";
    case Action::kInviteAdmin: return "invite_admin";
    case Action::kInviteOwner: return "invite_owner";
    case Action::kChangeRole: return "change_role";
    case Action::kChangeOwnerRole: return "change_owner_role";
    case Action::kRemoveMember: return "remove_member";
    case Action::kRemoveOwner: return "remove_owner";
    case Action::kCreateCollection: return "create_collection";
    case Action::kDeleteCollection: return "delete_collection";
    case Action::kListCollections: return "list_collections";
    case Action::kChangeCollectionSettings: return "change_collection_settings";
    case Action::kReadAuditLog: return "read_audit_log";
    case Action::kExportAuditLog: return "export_audit_log";
    case Action::kListEmergencyGrants: return "list_emergency_grants";
    case Action::kManageEmergencyGrants: return "manage_emergency_grants";
    case Action::kDecideEmergencyRequest: return "decide_emergency_request";
    case Action::kRequestEmergencyAccess: return "request_emergency_access";
    case Action::kConfirmEmergencyRequest: return "confirm_emergency_request";
    case Action::kUseSession: return "use_session";
    case Action::kReadRoster: return "read_roster";
    case Action::kAppendRoster: return "append_roster";
    case Action::kReadContinuityReport: return "read_continuity_report";
    case Action::kReadItemMetadata: return "read_item_metadata";
    case Action::kReadItemSecret: return "read_item_secret";
    case Action::kCreateItem: return "create_item";
    case Action::kUpdateItem: return "update_item";
    case Action::kDeleteItem: return "delete_item";
    case Action::kFlagItem: return "flag_item";
    case Action::kRotateItem: return "rotate_item";
    case Action::kGrantCollectionAccess: return "grant_collection_access";
    case Action::kRevokeCollectionAccess: return "revoke_collection_access";
    case Action::kRekeyCollection: return "rekey_collection";
    case Action::kReadSealedCollectionKey: return "read_sealed_collection_key";
  }
  return "unknown";
}

Result<TeamRole> ParseTeamRole(std::string_view name) {
  return ParseName("team role", name, kAllTeamRoles);
}

Result<MemberStatus> ParseMemberStatus(std::string_view name) {
  return ParseName("member status", name, kAllMemberStatuses);
}

Result<CollectionAccess> ParseCollectionAccess(std::string_view name) {
  return ParseName("collection access", name, kAllCollectionAccesses);
}

}  // namespace vault
