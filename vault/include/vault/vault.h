// Vault: the server-side store (DESIGN.md §2, §3, §7), on SQLCipher.
//
// Holds members, invites, sessions, collections, sealed collection keys,
// items (metadata in columns, the secret payload only as ciphertext), item
// versions, emergency grants and the audit log. Every mutation, and every
// fetch of an item's ciphertext, appends its audit event in the same
// transaction: if the event cannot be written, the change is not made.
//
// Writes are group-committed: concurrent Write() calls share one durable
// commit (synchronous=FULL), and none returns before the commit that holds
// its changes is on disk. Thread-safe.
#ifndef BATON_VAULT_VAULT_H_
#define BATON_VAULT_VAULT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vault/audit.h"
#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/policy.h"
#include "vault/rotation.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault {

inline constexpr int kSchemaVersion = 1;

struct Member {
  std::string id;
  std::string name;
  std::string role;    // owner | admin | member | auditor
  std::string status;  // active | removed
  crypto::PublicKey signing_public_key{};
  crypto::PublicKey box_public_key{};
  int64_t created_ms = 0;
};

struct Collection {
  std::string id;
  std::string name;
  int64_t key_version = 1;
  bool offline_cache = true;
  bool needs_rekey = false;
  int64_t created_ms = 0;
};

enum class KeyHolder { kMember, kRecovery, kGrant };

struct SealedKey {
  std::string collection_id;
  int64_t key_version = 1;
  KeyHolder holder = KeyHolder::kMember;
  std::string holder_id;  // member id, "recovery", or grant id
  std::vector<uint8_t> sealed;
};

struct RotationFlagRecord {
  std::string kind;  // manual | member-removed | emergency-access | breach
  std::string reason;
  int64_t raised_ms = 0;
};

struct ItemMeta {
  std::string id;
  std::string collection_id;
  std::string name;
  std::string channel;  // facebook, instagram, ... (rotation.h)
  std::string url;
  int64_t rotation_period_s = 0;
  int64_t last_rotated_ms = 0;
  int64_t version = 1;                    // the current version
  std::optional<int64_t> pending_version; // a rotation under way
  int64_t key_version = 1;                // collection key that encrypts it
  int64_t updated_ms = 0;
  std::string updated_by;
  std::vector<RotationFlagRecord> flags;
};

struct ItemVersion {
  int64_t version = 0;
  int64_t key_version = 0;
  std::string state;  // current | pending | previous | aborted
  std::vector<uint8_t> ciphertext;
  int64_t created_ms = 0;
  std::string created_by;
};

struct ItemWithCiphertext {
  ItemMeta meta;
  std::vector<uint8_t> ciphertext;  // of meta.version
};

struct Invite {
  crypto::Hash code_hash{};  // BLAKE2b-256 of the one-time code; the code is never stored
  std::string role;
  std::string name;  // the name the new member will have
  std::string created_by;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  std::optional<int64_t> used_ms;
};

// A notice for people (emergency access, rotation reminders), queued in the
// same transaction as the change it reports and delivered later by batond
// (webhook, e-mail). Never holds a secret.
struct Notice {
  std::string kind;                     // e.g. "emergency.requested"
  std::string text;                     // one plain sentence for people
  std::string details;                  // JSON object: ids and times
  std::vector<std::string> member_ids;  // whom to e-mail
};

struct Session {
  crypto::Hash token_hash{};  // BLAKE2b-256 of the bearer token
  std::string member_id;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
};

// Who does something: a member id, or "server" for the server itself.
struct Actor {
  std::string id;
};

// Reads. Valid only inside the Read/Write callback that received it.
class ReadTxn {
 public:
  virtual ~ReadTxn() = default;
  virtual Result<Member> GetMember(const std::string& id) = 0;
  virtual Result<std::vector<Member>> ListMembers() = 0;
  virtual Result<Collection> GetCollection(const std::string& id) = 0;
  virtual Result<std::vector<Collection>> ListCollections() = 0;
  // The member's access level in a collection ("view", "edit", "manage"),
  // or NotFound.
  virtual Result<std::string> GetAccess(const std::string& collection_id,
                                        const std::string& member_id) = 0;
  virtual Result<SealedKey> GetSealedKey(const std::string& collection_id, KeyHolder holder,
                                         const std::string& holder_id) = 0;
  virtual Result<ItemMeta> GetItemMeta(const std::string& item_id) = 0;
  virtual Result<std::vector<ItemMeta>> ListItems(const std::string& collection_id) = 0;
  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  // NotFound for an unknown token; expiry is the caller's to check.
  virtual Result<Session> GetSession(const crypto::Hash& token_hash) = 0;
  // Collection ids the member holds an access row for.
  virtual Result<std::vector<std::string>> ListAccessibleCollections(
      const std::string& member_id) = 0;
  virtual Result<audit::Head> AuditHead() = 0;
  // Up to `limit` events with seq >= from_seq, in order.
  virtual Result<std::vector<audit::Event>> ReadAudit(int64_t from_seq, int64_t limit) = 0;
  // Streams all events with seq >= from_seq to `fn` (stops if fn returns false).
  virtual Status ScanAudit(int64_t from_seq, const std::function<bool(const audit::Event&)>& fn) = 0;
  virtual Result<std::vector<audit::Checkpoint>> ListCheckpoints() = 0;
  virtual Result<std::optional<audit::Checkpoint>> LatestCheckpoint() = 0;
};

// Mutations; each appends its audit event. Audited reads live here too.
class WriteTxn : public ReadTxn {
 public:
  virtual Status AddMember(const Actor& actor, const Member& m) = 0;
  virtual Status SetMemberRole(const Actor& actor, const std::string& id,
                               const std::string& role) = 0;
  // Marks the member removed, drops their access and sealed keys, flags every
  // item they could read for rotation and marks those collections for
  // re-keying.
  virtual Status RemoveMember(const Actor& actor, const std::string& id) = 0;

  // Creates a collection with its first sealed keys (creator, recovery).
  virtual Status CreateCollection(const Actor& actor, const Collection& c,
                                  const std::vector<SealedKey>& keys) = 0;
  virtual Status GrantAccess(const Actor& actor, const std::string& collection_id,
                             const std::string& member_id, const std::string& access,
                             const SealedKey& key) = 0;
  virtual Status RevokeAccess(const Actor& actor, const std::string& collection_id,
                              const std::string& member_id) = 0;

  // meta.version must be 1; sets created/updated fields from the clock.
  virtual Status CreateItem(const Actor& actor, const ItemMeta& meta,
                            const std::vector<uint8_t>& ciphertext) = 0;
  // Stores `ciphertext` as version expected_version + 1. FailedPrecondition
  // if the item's current version is not expected_version (a lost update).
  virtual Status UpdateItem(const Actor& actor, const std::string& item_id,
                            int64_t expected_version, const std::vector<uint8_t>& ciphertext) = 0;
  virtual Status DeleteItem(const Actor& actor, const std::string& item_id) = 0;
  // The current ciphertext; an audited read ("item.read").
  virtual Result<ItemWithCiphertext> FetchItem(const Actor& actor, const std::string& item_id) = 0;
  // All versions with their ciphertext; an audited read ("item.history").
  virtual Result<std::vector<ItemVersion>> FetchHistory(const Actor& actor,
                                                        const std::string& item_id) = 0;
  virtual Status FlagItem(const Actor& actor, const std::string& item_id,
                          const RotationFlagRecord& flag) = 0;

  virtual Status PutSetting(const Actor& actor, const std::string& key,
                            const std::string& value) = 0;

  virtual Status CreateInvite(const Actor& actor, const Invite& invite) = 0;
  // Redeems an unused, unexpired invite at `now_ms`: adds `m` (id, keys; name
  // and role come from the invite) and marks the invite used. NotFound for
  // an unknown code, FailedPrecondition if used or expired.
  virtual Result<Member> RedeemInvite(const crypto::Hash& code_hash, Member m) = 0;
  virtual Status CreateSession(const Actor& actor, const Session& session) = 0;
  virtual Status DeleteSession(const Actor& actor, const crypto::Hash& token_hash) = 0;
  // An event with no other change (e.g. "login").
  virtual Status Record(const Actor& actor, const std::string& action, const std::string& target,
                        const std::string& details_json) = 0;
  virtual Status AddCheckpoint(const audit::Checkpoint& cp) = 0;

  // Queues `notice` for delivery (see Notice).
  virtual Status EnqueueNotice(const Notice& notice) = 0;

  // Whether members may keep an offline copy of the collection's items
  // ("collection.settings").
  virtual Status SetCollectionOfflineCache(const Actor& actor, const std::string& collection_id,
                                           bool offline_cache) = 0;
  // The current ciphertext of every item of the collection updated at or
  // after `since_ms`, for a member's offline cache: one audited read
  // ("collection.cache", naming each item and version) instead of one
  // "item.read" per item; no event if nothing changed. FailedPrecondition if
  // the collection's offline cache is turned off.
  virtual Result<std::vector<ItemWithCiphertext>> FetchForCache(const Actor& actor,
                                                                const std::string& collection_id,
                                                                int64_t since_ms) = 0;
};

class Vault {
 public:
  enum class Mode { kOpenExisting, kCreateNew };

  // Opens or creates the vault at `path` with a raw 32-byte key and applies
  // schema migrations in one transaction. Errors: NotFound, AlreadyExists,
  // InvalidArgument (not a baton vault), WrongPassphrase (wrong key),
  // Unsupported (written by a newer baton: the file is left untouched).
  static Result<std::unique_ptr<Vault>> Open(Env& env, const std::string& path,
                                             const SecureBuffer& key, Mode mode);
  virtual ~Vault() = default;

  virtual int schema_version() const = 0;

  // Runs `fn` in a write transaction, group-committed with concurrent
  // writers. If fn fails, its changes alone are rolled back and its Status is
  // returned. Returns OK only once the changes are durable.
  virtual Status Write(const std::function<Status(WriteTxn&)>& fn) = 0;
  // Runs `fn` on a consistent snapshot, concurrently with writers.
  virtual Status Read(const std::function<Status(ReadTxn&)>& fn) = 0;

  // SQLite's PRAGMA integrity_check: OK, or Corruption with its findings.
  virtual Status CheckIntegrity() = 0;
};

}  // namespace vault

#endif  // BATON_VAULT_VAULT_H_
