// Store: the server-side store of a baton vault (DESIGN.md §2, §3, §7), on
// SQLCipher.
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
#ifndef BATON_VAULT_STORE_H_
#define BATON_VAULT_STORE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/audit.h"
#include "vault/crypto.h"
#include "vault/emergency.h"
#include "vault/env.h"
#include "vault/options.h"
#include "vault/policy.h"
#include "vault/roster.h"
#include "vault/rotation.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault {

inline constexpr int kSchemaVersion = 8;

struct Member {
  std::string id;
  std::string name;
  TeamRole role = TeamRole::kMember;
  MemberStatus status = MemberStatus::kActive;
  crypto::PublicKey signing_public_key{};
  crypto::PublicKey box_public_key{};
  int64_t created_ms = 0;
  std::string email = {};  // where notices go; empty: none
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
  RotationFlagKind kind = RotationFlagKind::kManual;
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
  int64_t version = 1;                     // the current version
  std::optional<int64_t> pending_version;  // a rotation under way
  // The number the next stored version gets: above every version this item
  // has used, aborted ones included (a number names one ciphertext forever).
  int64_t next_version = 2;
  int64_t key_version = 1;  // collection key that encrypts it
  int64_t updated_ms = 0;
  std::string updated_by;
  std::vector<RotationFlagRecord> flags;
  // The member who sees to its rotations; CreateItem makes it the creator.
  std::string responsible_id = {};
  // Whether the platform itself has a second admin: "yes", "no" or
  // "unknown" (kSecondAdminValues); metadata an admin records, not a secret.
  std::string second_admin = "unknown";
};

inline constexpr std::array<std::string_view, 3> kSecondAdminValues = {"yes", "no", "unknown"};

struct ItemVersion {
  int64_t version = 0;
  int64_t key_version = 0;
  ItemVersionState state = ItemVersionState::kCurrent;
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
  TeamRole role = TeamRole::kMember;
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

// One delivery of a notice: the webhook once per notice, and an e-mail per
// recipient who had an address when the notice was queued.
enum class DeliveryChannel { kWebhook, kEmail };
enum class DeliveryState {
  kPending,    // waiting for its next attempt
  kDelivered,  // the receiver accepted it
  kFailed,     // given up after the last attempt
  kSkipped,    // the channel was not configured when it fell due
};

struct Delivery {
  int64_t id = 0;
  int64_t notice_id = 0;
  DeliveryChannel channel = DeliveryChannel::kWebhook;
  std::string member_id;  // e-mail only
  std::string address;    // e-mail only, as it was when queued
  DeliveryState state = DeliveryState::kPending;
  int64_t attempts = 0;
  int64_t next_attempt_ms = 0;
  std::string last_error;  // a short status, never a body or a secret
  std::optional<int64_t> delivered_ms;
  std::optional<int64_t> ended_ms;  // delivered, given up or skipped
  // The notice itself.
  std::string kind;
  std::string text;
  std::string details;
  int64_t created_ms = 0;
};

std::string_view DeliveryChannelName(DeliveryChannel c);
std::string_view DeliveryStateName(DeliveryState s);

struct Session {
  crypto::Hash token_hash{};  // BLAKE2b-256 of the bearer token
  std::string member_id;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
};

// --- Emergency access records (DESIGN.md §6; transitions in vault/emergency.h) ---

struct EmergencyGrant {
  std::string id;
  std::string grantor_id;
  std::string deputy_id;
  emergency::GrantMode mode = emergency::GrantMode::kView;
  int64_t wait_s = 0;
  int64_t confirmations_required = 0;
  int64_t access_window_s = 0;
  emergency::GrantStatus status = emergency::GrantStatus::kActive;
  std::vector<std::string> collections;  // in scope, sorted
  int64_t created_ms = 0;
  std::optional<int64_t> ended_ms;
};

struct EmergencyRequest {
  std::string id;
  std::string grant_id;
  emergency::State state = emergency::State::kWaiting;
  std::string reason;
  int64_t requested_ms = 0;
  int64_t release_ms = 0;
  std::vector<std::string> confirmations;  // member ids, in order
  std::optional<std::string> decided_by;
  std::optional<int64_t> decided_ms;
  std::optional<int64_t> released_ms;
  std::optional<int64_t> expires_ms;
  bool reminded_24h = false;
  bool reminded_1h = false;
};

// One change of a request's state, and the audit action that names it
// ("emergency.approve", "emergency.reject", "emergency.release",
// "emergency.expire", "emergency.cancel").
struct EmergencyTransition {
  std::string request_id;
  std::string action;
  emergency::State to = emergency::State::kNone;  // the new state
  int64_t at_ms = 0;
  int64_t expires_ms = 0;  // when `to` is kReleased
  bool decided = false;    // approve/reject: records the actor as decided_by
  std::string reason;      // for the audit details; never a secret
  // For a takeover release: the deputy's inner boxes (escrow layer removed),
  // stored as their member keys, one per collection in scope.
  std::vector<SealedKey> takeover_keys;
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
  virtual Status ScanAudit(int64_t from_seq,
                           const std::function<bool(const audit::Event&)>& fn) = 0;
  virtual Result<std::vector<audit::Checkpoint>> ListCheckpoints() = 0;
  virtual Result<std::optional<audit::Checkpoint>> LatestCheckpoint() = 0;

  // --- Notice outbox ---------------------------------------------------------
  // Up to `limit` pending deliveries whose next attempt is due at `now_ms`,
  // oldest first.
  virtual Result<std::vector<Delivery>> ListDueDeliveries(int64_t now_ms, int64_t limit) = 0;
  // The deliveries of one notice (0: of every notice), in id order.
  virtual Result<std::vector<Delivery>> ListDeliveries(int64_t notice_id) = 0;
  // --- Emergency access (DESIGN.md §6) ----------------------------------------
  virtual Result<EmergencyGrant> GetEmergencyGrant(const std::string& id) = 0;
  // Oldest first.
  virtual Result<std::vector<EmergencyGrant>> ListEmergencyGrants() = 0;
  virtual Result<EmergencyRequest> GetEmergencyRequest(const std::string& id) = 0;
  // Requests of one grant, or of all grants if grant_id is empty; oldest
  // first.
  virtual Result<std::vector<EmergencyRequest>> ListEmergencyRequests(
      const std::string& grant_id) = 0;
  // The newest request of a grant, if any.
  virtual Result<std::optional<EmergencyRequest>> NewestEmergencyRequest(
      const std::string& grant_id) = 0;
  // Waiting and released requests (the ones time can change).
  virtual Result<std::vector<EmergencyRequest>> ListOpenEmergencyRequests() = 0;
  // --- Team roster (vault/roster.h) -------------------------------------------
  // The stored entries from seq `from` on, in order; none past the end.
  virtual Result<std::vector<roster::Entry>> RosterEntries(uint64_t from) = 0;
};

// Mutations; each appends its audit event. Audited reads live here too.
class WriteTxn : public ReadTxn {
 public:
  virtual Status AddMember(const Actor& actor, const Member& m) = 0;
  virtual Status SetMemberRole(const Actor& actor, const std::string& id,
                               const std::string& role) = 0;
  // Marks the member removed, drops their access and sealed keys, flags every
  // item they could read for rotation and marks those collections for
  // re-keying. Their confirmations of waiting emergency requests are
  // withdrawn (a removed member is nobody's second person). Their emergency
  // grants are the caller's to end (batond revokes those naming them deputy).
  virtual Status RemoveMember(const Actor& actor, const std::string& id) = 0;

  // Creates a collection with its first sealed keys (creator, recovery).
  virtual Status CreateCollection(const Actor& actor, const Collection& c,
                                  const std::vector<SealedKey>& keys) = 0;
  virtual Status GrantAccess(const Actor& actor, const std::string& collection_id,
                             const std::string& member_id, const std::string& access,
                             const SealedKey& key) = 0;
  virtual Status RevokeAccess(const Actor& actor, const std::string& collection_id,
                              const std::string& member_id) = 0;

  // meta.version must be 1; sets created/updated fields from the clock and
  // makes the actor responsible (meta.responsible_id is ignored).
  virtual Status CreateItem(const Actor& actor, const ItemMeta& meta,
                            const std::vector<uint8_t>& ciphertext) = 0;
  // Stores `ciphertext` as version meta.next_version (expected_version + 1
  // unless a rotation was aborted). FailedPrecondition if the item's current
  // version is not expected_version (a lost update), or if a rotation is
  // pending: the pending secret was generated from the current one, so an
  // edit now would be lost or undone by the confirmation.
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

  // Queues `notice` for delivery (see Notice): one webhook delivery, and an
  // e-mail delivery for each distinct active recipient with an address (the
  // address is resolved now). Due at once. InvalidArgument for an empty
  // kind or text or details that are not a JSON object; NotFound for an
  // unknown member id. Not audited on its own: the change that queues it is.
  virtual Status EnqueueNotice(const Notice& notice) = 0;

  // --- Notice outbox and members' addresses ----------------------------------
  // Sets the member's e-mail address ("" clears it); audited as
  // "member.email" (whether one is set, not the address).
  virtual Status SetMemberEmail(const Actor& actor, const std::string& member_id,
                                const std::string& email) = 0;
  // Records one attempt at a pending delivery (kSkipped records none): its
  // new state, a short error ("" once delivered) and, for kPending, when to
  // try again. NotFound for an unknown id, FailedPrecondition if it is no
  // longer pending. The error is cut to 200 bytes.
  virtual Status RecordDeliveryAttempt(int64_t delivery_id, DeliveryState state,
                                       const std::string& error, int64_t next_attempt_ms) = 0;
  // Deletes the notices queued before `created_before_ms` whose deliveries
  // are all over (delivered, failed or skipped), with their deliveries; a
  // notice with a delivery still pending stays, however old. Returns how
  // many notices went; audited as "notices.prune" only when some did.
  virtual Result<int64_t> PruneNotices(const Actor& actor, int64_t created_before_ms) = 0;
  // --- Emergency access (DESIGN.md §6) ----------------------------------------
  // Who may do what is the caller's to check (deputy and grantor relations,
  // roles); these check what the data itself must satisfy.
  //
  // Stores an active grant with its escrowed keys: one per collection in
  // grant.collections, holder kGrant / grant.id, at the collection's current
  // key version. InvalidArgument for a bad mode, duration or key list,
  // NotFound for a missing collection, FailedPrecondition for an old key
  // version.
  virtual Status CreateEmergencyGrant(const Actor& actor, const EmergencyGrant& grant,
                                      const std::vector<SealedKey>& keys) = 0;
  virtual Status ChangeEmergencyGrant(const Actor& actor, const std::string& id, int64_t wait_s,
                                      int64_t confirmations_required, int64_t access_window_s) = 0;
  // Ends an active grant ("revoked" or "declined") and drops its escrowed
  // keys; `reason` goes into the audit details. Its open request must be
  // cancelled first (TransitionEmergencyRequest).
  virtual Status EndEmergencyGrant(const Actor& actor, const std::string& id,
                                   const std::string& status, const std::string& reason) = 0;
  virtual Status CreateEmergencyRequest(const Actor& actor, const EmergencyRequest& request) = 0;
  virtual Status ConfirmEmergencyRequest(const Actor& actor, const std::string& request_id) = 0;
  // Applies one transition. Releasing also flags every item in scope
  // ('emergency-access'), marks each collection for re-keying and, for a
  // takeover, makes the deputy an admin with manage access and
  // t.takeover_keys as their member keys; it is audited as t.action and,
  // if that is not "emergency.release", also as "emergency.release".
  virtual Status TransitionEmergencyRequest(const Actor& actor, const EmergencyTransition& t) = 0;
  // Records that a reminder ("24h" or "1h") went out for a request.
  virtual Status MarkEmergencyReminder(const Actor& actor, const std::string& request_id,
                                       const std::string& which) = 0;
  // An item's current ciphertext for a deputy under a released request; an
  // audited read ("emergency.item.read"). NotFound unless the item is in
  // the request's scope. The caller checks the request is released.
  virtual Result<ItemWithCiphertext> FetchEmergencyItem(const Actor& actor,
                                                        const std::string& request_id,
                                                        const std::string& item_id) = 0;
  // Replaces a collection's key (version + 1) in one step: r.member_keys
  // must cover exactly the members with access, r.grant_keys exactly the
  // active grants covering it, r.items every item at its current version
  // (FailedPrecondition if one changed meanwhile, InvalidArgument for a
  // missing, extra or duplicate entry). Old item versions keep their old
  // key version. Clears needs_rekey. Audited as "collection.rekey".
  struct RekeyedItem {
    std::string id;
    int64_t expected_version = 0;
    std::vector<uint8_t> ciphertext;
  };
  struct Rekey {
    std::string collection_id;
    int64_t key_version = 0;  // the new one: current + 1
    std::vector<std::pair<std::string, std::vector<uint8_t>>> member_keys;  // member id, box
    std::optional<std::vector<uint8_t>> recovery_key;
    std::vector<std::pair<std::string, std::vector<uint8_t>>> grant_keys;  // grant id, box
    std::vector<RekeyedItem> items;
  };
  virtual Status RekeyCollection(const Actor& actor, const Rekey& r) = 0;
  // --- Two-phase rotation and item metadata (DESIGN.md §8) ---
  // The rules are RotationState's (rotation.h); these store its outcome.

  // Stores `ciphertext` as version meta.next_version in state 'pending'.
  // FailedPrecondition if the current version is not expected_version or a
  // rotation is already pending. Audited "item.rotate.begin". Returns the
  // pending version.
  virtual Result<int64_t> BeginRotation(const Actor& actor, const std::string& item_id,
                                        int64_t expected_version,
                                        const std::vector<uint8_t>& ciphertext) = 0;
  // Makes the pending version current (the old one becomes 'previous'),
  // sets last_rotated to now and clears the flags raised before the rotation
  // began. FailedPrecondition if nothing is pending or `pending_version` is
  // not the pending one. Audited "item.rotate.confirm" with the cleared flags
  // and their reasons.
  virtual Status ConfirmRotation(const Actor& actor, const std::string& item_id,
                                 int64_t pending_version) = 0;
  // Marks the pending version 'aborted'; its number is never used again.
  // FailedPrecondition if nothing is pending. Audited "item.rotate.abort".
  virtual Status AbortRotation(const Actor& actor, const std::string& item_id) = 0;
  // The pending version's ciphertext (meta.version stays the current one);
  // an audited read ("item.read" with state "pending"). FailedPrecondition
  // if nothing is pending.
  virtual Result<ItemVersion> FetchPendingVersion(const Actor& actor,
                                                  const std::string& item_id) = 0;

  struct ItemMetaChange {
    std::optional<std::string> name;
    std::optional<std::string> url;
    std::optional<std::string> channel;
    std::optional<int64_t> rotation_period_s;
    std::optional<std::string> responsible_id;
    std::optional<std::string> second_admin;  // one of kSecondAdminValues
  };
  // Changes an item's metadata, checked like CreateItem (AlreadyExists for a
  // name taken in the collection). InvalidArgument if nothing is to change,
  // or if the responsible member is not an active member with access to the
  // item's collection (someone who cannot read it cannot rotate it).
  // Audited "item.meta" with the changed fields.
  virtual Status UpdateItemMeta(const Actor& actor, const std::string& item_id,
                                const ItemMetaChange& change) = 0;
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
  // --- Team roster (vault/roster.h) -------------------------------------------
  // Appends `entry` (EntryHash `hash`, of `kind`) as seq `seq`, which must be
  // the roster's size (FailedPrecondition otherwise: the store only ever
  // appends). Whether it may follow is roster::Apply's to say, before.
  // Audited "roster.append" with seq, kind and hash.
  virtual Status AppendRoster(const Actor& actor, uint64_t seq, std::string_view kind,
                              const roster::Entry& entry, const crypto::Hash& hash) = 0;
};

// What a commit changed, as far as only the store can tell.
struct CommitInfo {
  // The commit may have changed who may do what: it wrote a row of members,
  // sessions, collection_access, emergency_grants or
  // emergency_grant_collections, deleted a collection, or deleted or moved
  // an item. The store watches the tables, not the ops, so an op added
  // later is covered without being listed anywhere.
  bool auth_changed = false;
};
using CommitObserver = std::function<void(const CommitInfo&)>;

class Store {
 public:
  // Opens or creates the vault at `path` and applies schema migrations in
  // one transaction. Errors: NotFound, AlreadyExists, InvalidArgument (no
  // key, or not a baton vault), WrongPassphrase (wrong key), Unsupported
  // (written by a newer baton: the file is left untouched).
  static Result<std::unique_ptr<Store>> Open(const Options& options, const std::string& path);
  virtual ~Store() = default;

  virtual int schema_version() const = 0;

  // Runs `fn` in a write transaction, group-committed with concurrent
  // writers. If fn fails, its changes alone are rolled back and its Status is
  // returned. Returns OK only once the changes are durable.
  virtual Status Write(const std::function<Status(WriteTxn&)>& fn) = 0;
  // Runs `fn` on a consistent snapshot, concurrently with writers.
  virtual Status Read(const std::function<Status(ReadTxn&)>& fn) = 0;

  // Calls `observer` after each commit of this Store object in which a
  // Write() succeeded, once the commit is durable and visible to reads that
  // begin afterwards, and before any Write() of that commit returns. It runs
  // on the committing thread: it must be quick and must not call the store.
  // Writes by other processes are not seen. Returns the id that
  // RemoveCommitObserver takes.
  virtual uint64_t AddCommitObserver(CommitObserver observer) = 0;
  // Once this returns the observer is not running and is never called again.
  virtual void RemoveCommitObserver(uint64_t id) = 0;

  // SQLite's PRAGMA integrity_check: OK, or Corruption with its findings.
  virtual Status CheckIntegrity() = 0;
};

}  // namespace vault

#endif  // BATON_VAULT_STORE_H_
