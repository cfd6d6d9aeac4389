// The team roster (SECURITY.md "Team roster"): an append-only, hash-chained
// list of signed statements rooted in the first owner's key. The server
// stores it but is not trusted with it: every client replays it with
// Apply() and pins its head, so the members' keys, the recovery key, the
// escrow key, who may hold which collection and each collection key's check
// value come from statements that people signed, not from the server.
//
// Encoding of a statement (integers big-endian; str = u16 length + bytes):
//   "baton.roster.v1" NUL  16 B  domain: no other baton signature starts so
//   team_id                32 B  EntryHash of the genesis entry (zeros in it)
//   u64 seq                      0 for genesis, then +1
//   prev_hash              32 B  EntryHash of entry seq-1 (zeros in genesis)
//   u64 time_ms                  the signer's clock; shown, never relied on
//   str signer_id                a member id (32 lower-case hex digits)
//   u8 kind, then the body of that kind (see the structs below)
// signature  = Ed25519 over the statement bytes by the signer's signing key
// EntryHash  = BLAKE2b-256("baton.roster.entry.v1" NUL || u32 len ||
//              statement || signature)
#ifndef BATON_VAULT_ROSTER_H_
#define BATON_VAULT_ROSTER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vault/crypto.h"
#include "vault/emergency.h"
#include "vault/policy.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault::roster {

inline constexpr std::string_view kStatementDomain{"baton.roster.v1\0", 16};
inline constexpr size_t kMaxStatementBytes = 16 * 1024;

enum class Kind : uint8_t {
  kTeamCreate = 1,
  kMemberInvite = 2,
  kMemberJoin = 3,
  kMemberAdd = 4,
  kMemberRole = 5,
  kMemberRemove = 6,
  kRecoverySet = 7,
  kCollectionCreate = 8,
  kCollectionAccess = 9,
  kCollectionKey = 10,
  kEmergencyGrant = 11,
  kEmergencyEnd = 12,
  kEmergencyTakeover = 13,
  kRecoveryKeysSet = 14,
};

// seq 0 only. The signer is the first owner; signed with signing_pk below.
struct TeamCreate {
  crypto::PublicKey signing_pk{};
  crypto::PublicKey box_pk{};
  std::string owner_name;
  crypto::PublicKey server_audit_pk{};  // the key the owner pinned at init
  crypto::PublicKey escrow_pk{};        // checked against the audit key's signature
};
// An inviter vouches in advance for whoever holds the invite's secret half
// (it travels in the invite code, never to the server). Signer: may invite
// `role` (policy kInviteMember / kInviteAdmin / kInviteOwner).
struct MemberInvite {
  crypto::PublicKey invite_pk{};
  TeamRole role = TeamRole::kMember;
};
// The joiner's own statement: signer = the new member's id, signed with
// signing_pk; invite_signature is by the invite's key over JoinMessage().
// The invite must exist and be unused; the member gets its role.
struct MemberJoin {
  crypto::PublicKey invite_pk{};
  crypto::PublicKey signing_pk{};
  crypto::PublicKey box_pk{};
  std::string name;
  crypto::Signature invite_signature{};
};
// A direct vouch (migration, or an admin who compared fingerprint words).
struct MemberAdd {
  std::string member_id;
  crypto::PublicKey signing_pk{};
  crypto::PublicKey box_pk{};
  TeamRole role = TeamRole::kMember;
  std::string name;
};
struct MemberRole {
  std::string member_id;
  TeamRole role = TeamRole::kMember;
};
struct MemberRemove {
  std::string member_id;
};
// Owners only. nullopt (encoded as 32 zero bytes) removes the recovery key.
// Also clears the age recipient: it belonged to the key being replaced.
struct RecoverySet {
  std::optional<crypto::PublicKey> recovery_pk;
};
// "recovery.set.v2", owners only: both public halves derived from one
// recovery master secret (backup/recovery_key.h), the box key collection
// keys are sealed to and the age X25519 recipient backups are encrypted to.
// A kind of its own, so that stored recovery.set entries keep their one
// encoding and meaning. Neither key may be zero; RecoverySet{nullopt}
// removes both.
struct RecoveryKeysSet {
  crypto::PublicKey recovery_pk{};
  crypto::PublicKey age_pk{};
};
// The signer gets manage. key_version is 1 for a new collection; migration
// adopts existing collections at their current version.
struct CollectionCreate {
  std::string collection_id;
  std::string name;
  int64_t key_version = 1;
  crypto::Hash kcv{};  // KeyCheckValue of that version's key
};
struct CollectionAccessSet {
  std::string collection_id;
  std::string member_id;
  CollectionAccess access = CollectionAccess::kNone;
};
// A re-key: key_version is the collection's current one + 1.
struct CollectionKey {
  std::string collection_id;
  int64_t key_version = 0;
  crypto::Hash kcv{};
};
struct EmergencyGrant {
  std::string grant_id;
  std::string deputy_id;
  emergency::GrantMode mode = emergency::GrantMode::kView;
  std::vector<std::string> collection_ids;
};
struct EmergencyEnd {
  std::string grant_id;
};
struct EmergencyTakeover {
  std::string grant_id;
};

using Body = std::variant<TeamCreate, MemberInvite, MemberJoin, MemberAdd, MemberRole, MemberRemove,
                          RecoverySet, CollectionCreate, CollectionAccessSet, CollectionKey,
                          EmergencyGrant, EmergencyEnd, EmergencyTakeover, RecoveryKeysSet>;

struct Statement {
  crypto::Hash team_id{};
  uint64_t seq = 0;
  crypto::Hash prev_hash{};
  int64_t time_ms = 0;
  std::string signer_id;
  Body body;
};

// An entry as stored and sent: the statement bytes exactly as signed.
struct Entry {
  crypto::Bytes statement;
  crypto::Signature signature{};
};

// The kind of a body, and its name as the audit log and messages give it
// ("team.create", "collection.key", ...).
Kind KindOf(const Body& body);
std::string_view ToString(Kind kind);

crypto::Bytes Encode(const Statement& s);
// InvalidArgument for anything but one well-formed statement of a known kind.
Result<Statement> Decode(crypto::ByteView bytes);
crypto::Hash EntryHash(const Entry& e);

// What an invite key signs for a joiner.
crypto::Bytes JoinMessage(const crypto::Hash& team_id, std::string_view member_id,
                          const crypto::PublicKey& signing_pk, const crypto::PublicKey& box_pk);
// The invite's signing pair, derived from the 16-byte secret in the code.
Result<crypto::SigningKeyPair> InviteKeyPair(const SecureBuffer& invite_secret);

// KCV(key, cid, v) = BLAKE2b-256 keyed with the collection key over
// "baton.key-check.v1" NUL || str cid || u64 v: a PRF output, so it says
// nothing about the key, but only the real key reproduces it.
Result<crypto::Hash> KeyCheckValue(const SecureBuffer& key, std::string_view collection_id,
                                   int64_t key_version);

struct Member {
  std::string id;
  std::string name;
  crypto::PublicKey signing_pk{};
  crypto::PublicKey box_pk{};
  TeamRole role = TeamRole::kMember;
  bool active = true;
};
struct Invite {
  TeamRole role = TeamRole::kMember;
  std::string inviter_id;
  bool used = false;
};
struct Collection {
  std::string id;
  std::string name;
  int64_t key_version = 1;                         // the latest
  std::map<int64_t, crypto::Hash> kcv;             // every version's check value
  std::map<std::string, CollectionAccess> access;  // active holders only
};
struct Grant {
  std::string id;
  std::string grantor_id;
  std::string deputy_id;
  emergency::GrantMode mode = emergency::GrantMode::kView;
  std::vector<std::string> collection_ids;
  bool active = true;
  bool taken_over = false;
};

// What the roster says after its entries so far.
struct State {
  crypto::Hash team_id{};
  uint64_t size = 0;  // entries applied; the next seq
  crypto::Hash head{};
  std::string root_id;  // the genesis owner, whom TeamFingerprint names
  crypto::PublicKey server_audit_pk{};
  crypto::PublicKey escrow_pk{};
  std::optional<crypto::PublicKey> recovery_pk;
  std::optional<crypto::PublicKey> recovery_age_pk;  // set by recovery.set.v2 only
  std::map<std::string, Member> members;             // removed members stay, inactive
  std::map<crypto::PublicKey, Invite> invites;
  std::map<std::string, Collection> collections;
  std::map<std::string, Grant> grants;

  const Member* ActiveMember(std::string_view id) const;
  CollectionAccess AccessOf(std::string_view member_id, std::string_view collection_id) const;
};

// Verifies `e` as the next entry of `state` and applies it: the statement
// decodes; its team id, seq and prev hash continue the chain; the signer is
// an active member (the genesis owner for seq 0) and the signature is theirs;
// the signer may make this statement given the state before it. On any
// failure UntrustedKey naming the check, and `state` is unchanged.
Status Apply(State& state, const Entry& e);
Result<State> Replay(std::span<const Entry> entries);

// The statement that would follow `state` (team id, seq, prev hash filled in).
Statement Next(const State& state, std::string signer_id, int64_t time_ms, Body body);

// Six words naming the team's root (the genesis owner's keys), for people
// to compare out of band.
std::string TeamFingerprint(const State& state);

}  // namespace vault::roster

#endif  // BATON_VAULT_ROSTER_H_
