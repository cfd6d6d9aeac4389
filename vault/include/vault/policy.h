// Role policy: who may do what (DESIGN.md §4).
//
// Each member has one team role and, per collection, an access level. The
// whole policy is one pure function, Decide(role, access, action), with
// default deny: a cell that is not explicitly allowed is denied, and so is any
// out-of-range enum value. The server calls Check() once per request, before
// touching anything, with the caller's role and their access to the
// collection the request is about (kNone for team-level actions, which ignore
// it).
//
// Role enforcement protects metadata; cryptography protects secrets. An owner
// or admin is allowed collection actions even with access kNone (the team
// role dominates: they run the team and may need to see, clean up or re-grant
// any collection), but without a collection key sealed to them they still
// cannot decrypt a single item, even if the server misbehaves. Auditors are
// never allowed a secret, a sealed collection key or any mutation, whatever
// access value is passed in.
//
// What Decide() does NOT know, and the server must check itself, because
// they are relations between particular people and objects rather than
// roles: that a member acts on a collection they actually have access to
// (the access value is the server's lookup), that listings are filtered to
// what the caller may see, that a deputy acts under their own emergency
// grant, that nobody confirms their own emergency request (two-person rule),
// that the last owner is never removed or demoted, that nobody raises their
// own role beyond what their role may assign, and that a collection key is
// never granted to an auditor.
//
// Thread safety: everything here is a pure function.
#ifndef BATON_VAULT_POLICY_H_
#define BATON_VAULT_POLICY_H_

#include <array>
#include <cstdint>
#include <string_view>

#include "vault/status.h"

namespace vault {

// Names on the wire (HTTP API, CLI): "owner", "admin", "member", "auditor".
enum class TeamRole : uint8_t { kOwner, kAdmin, kMember, kAuditor };

// Whether someone is still on the team. A removed member keeps their row
// (the audit log names them) but may do nothing. Names: "active", "removed".
enum class MemberStatus : uint8_t { kActive, kRemoved };

// Per-collection access of one member, ordered: each level includes the ones
// before it. Names: "none", "view", "edit", "manage".
enum class CollectionAccess : uint8_t { kNone, kView, kEdit, kManage };

enum class Decision : uint8_t { kDeny, kAllow };

// Everything the server routes that the policy decides. Names (ToString) are
// the snake_case of the enumerator without the k, e.g. "read_item_secret".
// Append new actions at the end of their group and to AllActions(); the
// values are not persisted, the names may be (audit log details).
enum class Action : uint8_t {
  // --- Team-level: the access argument is ignored. --------------------------
  kReadServerInfo,            // version, team name, server key fingerprints
  kManageServerSettings,      // webhooks, reminder schedule, limits, TLS
  kManageRecovery,            // recovery key and its SLIP-39 share setup
  kCreateServerBackup,        // snapshot of the server (ciphertext + metadata)
  kListMembers,               // names, roles and public keys of members
  kInviteMember,              // issue an invite code for a member or auditor
  kInviteAdmin,               // issue an invite code for an admin
  kInviteOwner,               // issue an invite code for an owner
  kChangeRole,                // change a non-owner's role among admin/member/auditor
  kChangeOwnerRole,           // make someone owner, or demote an owner
  kRemoveMember,              // remove a non-owner from the team
  kRemoveOwner,               // remove an owner from the team
  kCreateCollection,          // create a new, empty collection
  kDeleteCollection,          // delete a collection and all its items
  kListCollections,           // names and settings of collections
  kChangeCollectionSettings,  // rename, offline cache on/off, default period
  kReadAuditLog,              // read audit events and signed checkpoints
  kExportAuditLog,            // export the audit log (JSON Lines, CSV)
  kListEmergencyGrants,       // list emergency grants and requests
  kManageEmergencyGrants,     // create, change or revoke an emergency grant
  kDecideEmergencyRequest,    // approve or reject a deputy's request
  kRequestEmergencyAccess,    // as a deputy: request (and collect) access
  kConfirmEmergencyRequest,   // as a deputy: confirm another deputy's request
  kUseSession,                // one's own session: sign out, profile, e-mail, offline reads
  kReadRoster,                // the signed team roster (every active member verifies it)
  kAppendRoster,              // add signed statements; roster::Apply decides who may sign what
  kReadRecovery,              // the recovery set-up: custodians, their checks, unsealed collections
  kCheckRecoveryShare,        // check a share one holds against the team's recovery key
  kReadContinuityReport,      // where the team depends on one person (metadata only)
  // --- Collection-level: decided with the caller's access to it. -------------
  kReadItemMetadata,         // names, channel types, dates, rotation status
  kReadItemSecret,           // fetch an item's ciphertext or its history
  kCreateItem,               // add an item to the collection
  kUpdateItem,               // replace an item's ciphertext or metadata
  kDeleteItem,               // delete an item
  kFlagItem,                 // raise a rotation flag (manual, breach)
  kRotateItem,               // begin, confirm or abort a two-phase rotation
  kGrantCollectionAccess,    // give someone access (upload their sealed key)
  kRevokeCollectionAccess,   // take someone's access away
  kRekeyCollection,          // replace the collection key, re-encrypt items
  kReadSealedCollectionKey,  // fetch one's own sealed collection key
};

// Every Action, in enum order (so AllActions()[i] == Action(i)). For tests
// that must cover every action, e.g. the server's authorization matrix.
inline constexpr std::array kAllActions = {
    Action::kReadServerInfo,
    Action::kManageServerSettings,
    Action::kManageRecovery,
    Action::kCreateServerBackup,
    Action::kListMembers,
    Action::kInviteMember,
    Action::kInviteAdmin,
    Action::kInviteOwner,
    Action::kChangeRole,
    Action::kChangeOwnerRole,
    Action::kRemoveMember,
    Action::kRemoveOwner,
    Action::kCreateCollection,
    Action::kDeleteCollection,
    Action::kListCollections,
    Action::kChangeCollectionSettings,
    Action::kReadAuditLog,
    Action::kExportAuditLog,
    Action::kListEmergencyGrants,
    Action::kManageEmergencyGrants,
    Action::kDecideEmergencyRequest,
    Action::kRequestEmergencyAccess,
    Action::kConfirmEmergencyRequest,
    Action::kUseSession,
    Action::kReadRoster,
    Action::kAppendRoster,
    Action::kReadRecovery,
    Action::kCheckRecoveryShare,
    Action::kReadContinuityReport,
    Action::kReadItemMetadata,
    Action::kReadItemSecret,
    Action::kCreateItem,
    Action::kUpdateItem,
    Action::kDeleteItem,
    Action::kFlagItem,
    Action::kRotateItem,
    Action::kGrantCollectionAccess,
    Action::kRevokeCollectionAccess,
    Action::kRekeyCollection,
    Action::kReadSealedCollectionKey,
};
inline constexpr std::array kAllTeamRoles = {TeamRole::kOwner, TeamRole::kAdmin, TeamRole::kMember,
                                             TeamRole::kAuditor};
inline constexpr std::array kAllMemberStatuses = {MemberStatus::kActive, MemberStatus::kRemoved};
inline constexpr std::array kAllCollectionAccesses = {
    CollectionAccess::kNone, CollectionAccess::kView, CollectionAccess::kEdit,
    CollectionAccess::kManage};

constexpr const auto& AllActions() { return kAllActions; }
constexpr const auto& AllTeamRoles() { return kAllTeamRoles; }
constexpr const auto& AllCollectionAccesses() { return kAllCollectionAccesses; }

// True for actions about one collection (kReadItemMetadata and after), for
// which the server must look up the caller's access; false for team-level
// actions, which ignore it.
bool IsCollectionAction(Action action);

// The policy. Pure and total: any combination, including out-of-range enum
// values, yields an answer; anything not explicitly allowed is kDeny.
//   owner:   everything.
//   admin:   everything except owner-related actions (invite, re-role or
//            remove an owner), server settings and the recovery setup.
//   member:  collection actions as their access allows (view: metadata,
//            secrets, their sealed key, flagging; edit: + create, update,
//            delete, rotate items; manage: + grant/revoke access in that
//            collection and rekey it); team-level only harmless reads (server
//            info, members, collections, their emergency grants) and acting
//            as a deputy.
//   auditor: audit log (read, export), item metadata, server info, members
//            and collections lists, the continuity report. Never a secret, a sealed key or a
//            mutation; never a deputy, so no emergency grant or request
//            listing either (their history is in the audit log).
//   Everyone may use their own session (kUseSession).
Decision Decide(TeamRole role, CollectionAccess access, Action action);

// OK if Decide() allows; otherwise PermissionDenied naming the role, the
// action and (for collection actions) the access level. The message holds no
// secret and is fit for the API error body.
Status Check(TeamRole role, CollectionAccess access, Action action);

// Stable lower-case names; "unknown" for out-of-range values.
std::string_view ToString(TeamRole role);
std::string_view ToString(MemberStatus status);
std::string_view ToString(CollectionAccess access);
std::string_view ToString(Action action);
std::string_view ToString(Decision decision);  // "allow" / "deny"

// Parse the exact lower-case names above (no trimming, no case folding: the
// CLI normalizes user input before calling). InvalidArgument otherwise,
// listing the valid names.
Result<TeamRole> ParseTeamRole(std::string_view name);
Result<MemberStatus> ParseMemberStatus(std::string_view name);
Result<CollectionAccess> ParseCollectionAccess(std::string_view name);

}  // namespace vault

#endif  // BATON_VAULT_POLICY_H_
