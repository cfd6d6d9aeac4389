// The store's private implementation: the transaction object behind
// ReadTxn/WriteTxn and the group-committing Store. Private to libvault (and
// its tests, which reach the TEST_ hooks).
//
// One file per concern: store.cc (open, group commit, reader pool),
// store_reads.cc, store_writes.cc, store_outbox.cc, store_emergency.cc and
// store_rotation.cc (two-phase rotation, re-keying).
#ifndef BATON_VAULT_SRC_TXN_IMPL_H_
#define BATON_VAULT_SRC_TXN_IMPL_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db.h"
#include "vault/store.h"

namespace vault {

inline int64_t ToMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline std::string_view HolderName(KeyHolder h) {
  switch (h) {
    case KeyHolder::kMember: return "member";
    case KeyHolder::kRecovery: return "recovery";
    case KeyHolder::kGrant: return "grant";
  }
  return "member";
}

// Turns "no row" and constraint failures into the caller's words.
inline Status Missing(std::string_view what, const std::string& id) {
  return Status::NotFound(std::string(what) + " " + id + " does not exist");
}

// The one value, or missing() when there is no row.
template <typename T, typename MissingFn>
Result<T> Required(Result<std::optional<T>> row, MissingFn missing) {
  if (!row) return Fail(row.error());
  if (!*row) return Fail(missing());
  return std::move(**row);
}

// OK if `value` has a name (a record's enum is stored as its name);
// InvalidArgument for a value cast from out of range.
template <typename Enum>
Status CheckNamed(Enum value, std::string_view what) {
  if (ToString(value) != "unknown") return Status::OK();
  return Status::InvalidArgument("no such " + std::string(what));
}

inline constexpr auto ReadText0 = ReadFirst<std::string>;

inline constexpr char kVersionColumns[] =
    "version, key_version, state, ciphertext, created_ms, created_by";

inline Result<ItemVersion> ReadVersionRow(Statement& st) {
  ItemVersion v;
  return OnceOk(st.Columns(v.version, v.key_version, Named(v.state, ParseItemVersionState),
                           v.ciphertext, v.created_ms, v.created_by),
                v);
}

class StoreImpl;

// One implementation serves both interfaces: Read() hands it out as a
// ReadTxn, so the mutations are unreachable there.
class TxnImpl final : public WriteTxn {
 public:
  TxnImpl(StoreImpl& vault, Db& db, audit::Head* head) : vault_(vault), db_(db), head_(head) {}

  Result<Member> GetMember(const std::string& id) override;
  Result<std::vector<Member>> ListMembers() override;
  Result<Collection> GetCollection(const std::string& id) override;
  Result<std::vector<Collection>> ListCollections() override;
  Result<std::string> GetAccess(const std::string& collection_id,
                                const std::string& member_id) override;
  Result<SealedKey> GetSealedKey(const std::string& collection_id, KeyHolder holder,
                                 const std::string& holder_id) override;
  Result<ItemMeta> GetItemMeta(const std::string& item_id) override;
  Result<std::vector<ItemMeta>> ListItems(const std::string& collection_id) override;
  Result<std::optional<std::string>> GetSetting(const std::string& key) override;
  Result<Session> GetSession(const crypto::Hash& token_hash) override;
  Result<std::vector<std::string>> ListAccessibleCollections(const std::string& member_id) override;
  Result<audit::Head> AuditHead() override;
  Result<std::vector<audit::Event>> ReadAudit(int64_t from_seq, int64_t limit) override;
  Status ScanAudit(int64_t from_seq, const std::function<bool(const audit::Event&)>& fn) override;
  Result<std::vector<audit::Checkpoint>> ListCheckpoints() override;
  Result<std::optional<audit::Checkpoint>> LatestCheckpoint() override;

  Status AddMember(const Actor& actor, const Member& m) override;
  Status SetMemberRole(const Actor& actor, const std::string& id, const std::string& role) override;
  Status RemoveMember(const Actor& actor, const std::string& id) override;
  Status CreateCollection(const Actor& actor, const Collection& c,
                          const std::vector<SealedKey>& keys) override;
  Status GrantAccess(const Actor& actor, const std::string& collection_id,
                     const std::string& member_id, const std::string& access,
                     const SealedKey& key) override;
  Status RevokeAccess(const Actor& actor, const std::string& collection_id,
                      const std::string& member_id) override;
  Status CreateItem(const Actor& actor, const ItemMeta& meta,
                    const std::vector<uint8_t>& ciphertext) override;
  Status UpdateItem(const Actor& actor, const std::string& item_id, int64_t expected_version,
                    const std::vector<uint8_t>& ciphertext) override;
  Status DeleteItem(const Actor& actor, const std::string& item_id) override;
  Result<ItemWithCiphertext> FetchItem(const Actor& actor, const std::string& item_id) override;
  Result<std::vector<ItemVersion>> FetchHistory(const Actor& actor,
                                                const std::string& item_id) override;
  Status FlagItem(const Actor& actor, const std::string& item_id,
                  const RotationFlagRecord& flag) override;
  Status PutSetting(const Actor& actor, const std::string& key, const std::string& value) override;
  Status CreateInvite(const Actor& actor, const Invite& invite) override;
  Result<Member> RedeemInvite(const crypto::Hash& code_hash, Member m) override;
  Status CreateSession(const Actor& actor, const Session& session) override;
  Status DeleteSession(const Actor& actor, const crypto::Hash& token_hash) override;
  Status EnqueueNotice(const Notice& notice) override;
  Status Record(const Actor& actor, const std::string& action, const std::string& target,
                const std::string& details_json) override;
  Status SetCollectionOfflineCache(const Actor& actor, const std::string& collection_id,
                                   bool offline_cache) override;
  Result<std::vector<ItemWithCiphertext>> FetchForCache(const Actor& actor,
                                                        const std::string& collection_id,
                                                        int64_t since_ms) override;
  Status AddCheckpoint(const audit::Checkpoint& cp) override;

  // Notice outbox and members' addresses.
  Result<std::vector<Delivery>> ListDueDeliveries(int64_t now_ms, int64_t limit) override;
  Result<std::vector<Delivery>> ListDeliveries(int64_t notice_id) override;
  Status SetMemberEmail(const Actor& actor, const std::string& member_id,
                        const std::string& email) override;
  Status RecordDeliveryAttempt(int64_t delivery_id, DeliveryState state, const std::string& error,
                               int64_t next_attempt_ms) override;
  Result<int64_t> PruneNotices(const Actor& actor, int64_t created_before_ms) override;
  // Emergency access.
  Result<EmergencyGrant> GetEmergencyGrant(const std::string& id) override;
  Result<std::vector<EmergencyGrant>> ListEmergencyGrants() override;
  Result<EmergencyRequest> GetEmergencyRequest(const std::string& id) override;
  Result<std::vector<EmergencyRequest>> ListEmergencyRequests(const std::string& grant_id) override;
  Result<std::optional<EmergencyRequest>> NewestEmergencyRequest(
      const std::string& grant_id) override;
  Result<std::vector<EmergencyRequest>> ListOpenEmergencyRequests() override;
  Status CreateEmergencyGrant(const Actor& actor, const EmergencyGrant& grant,
                              const std::vector<SealedKey>& keys) override;
  Status ChangeEmergencyGrant(const Actor& actor, const std::string& id, int64_t wait_s,
                              int64_t confirmations_required, int64_t access_window_s) override;
  Status EndEmergencyGrant(const Actor& actor, const std::string& id, const std::string& status,
                           const std::string& reason) override;
  Status CreateEmergencyRequest(const Actor& actor, const EmergencyRequest& request) override;
  Status ConfirmEmergencyRequest(const Actor& actor, const std::string& request_id) override;
  Status TransitionEmergencyRequest(const Actor& actor, const EmergencyTransition& t) override;
  Status MarkEmergencyReminder(const Actor& actor, const std::string& request_id,
                               const std::string& which) override;
  Result<ItemWithCiphertext> FetchEmergencyItem(const Actor& actor, const std::string& request_id,
                                                const std::string& item_id) override;
  Status RekeyCollection(const Actor& actor, const Rekey& r) override;
  // Rotation and item metadata.
  Result<int64_t> BeginRotation(const Actor& actor, const std::string& item_id,
                                int64_t expected_version,
                                const std::vector<uint8_t>& ciphertext) override;
  Status ConfirmRotation(const Actor& actor, const std::string& item_id,
                         int64_t pending_version) override;
  Status AbortRotation(const Actor& actor, const std::string& item_id) override;
  Result<ItemVersion> FetchPendingVersion(const Actor& actor, const std::string& item_id) override;
  Status UpdateItemMeta(const Actor& actor, const std::string& item_id,
                        const ItemMetaChange& change) override;
  // Team roster (store_roster.cc).
  Result<std::vector<roster::Entry>> RosterEntries(uint64_t from) override;
  Status AppendRoster(const Actor& actor, uint64_t seq, std::string_view kind,
                      const roster::Entry& entry, const crypto::Hash& hash) override;

  // For the store's functions that live outside ReadTxn and WriteTxn
  // (store_calendar.cc).
  Db& db() { return db_; }

 private:
  int64_t NowMs();
  // InvalidArgument unless `member_id` may be responsible for an item of the
  // collection.
  Status CheckResponsible(const std::string& member_id, const std::string& collection_id);
  Status Append(const Actor& actor, std::string_view action, std::string_view target,
                const nlohmann::json& details);
  Status InsertSealedKey(const SealedKey& k);
  Status InsertFlag(const std::string& item_id, const RotationFlagRecord& f);
  // Raises `flag` on every item of `collections` and marks each for a
  // rekey: their keys may have been exposed. The number of items flagged.
  Result<int64_t> FlagExposed(const std::vector<std::string>& collections,
                              const RotationFlagRecord& flag);
  Result<std::vector<RotationFlagRecord>> Flags(const std::string& item_id);
  // The ciphertext of one version; Corruption if the row is missing.
  Result<std::vector<uint8_t>> CurrentCiphertext(const std::string& item_id, int64_t version);
  Result<std::vector<std::string>> Strings(const std::string& sql, const std::string& arg);
  Result<std::vector<EmergencyGrant>> SelectGrants(const std::string& where,
                                                   const std::string& arg);
  Result<std::vector<EmergencyRequest>> SelectRequests(const std::string& where,
                                                       const std::string& arg);
  // The item's rotation state as RotationState sees it, rebuilt from the
  // stored rows, with its pending version's row if one is pending.
  struct StoredRotation {
    ItemMeta meta;
    std::optional<ItemVersion> pending;
    RotationState state;
  };
  Result<StoredRotation> LoadRotation(const std::string& item_id);
  Status SetVersionState(const std::string& item_id, int64_t version, ItemVersionState state);

  StoreImpl& vault_;
  Db& db_;
  audit::Head* head_;  // the writer's cached chain head; null for readers
};

class StoreImpl final : public Store {
 public:
  StoreImpl(Env& env, std::string path, SecureBuffer key, std::unique_ptr<Db> writer)
      : env_(env), path_(std::move(path)), key_(std::move(key)), writer_(std::move(writer)) {}

  Status Init();
  int schema_version() const override { return schema_version_; }
  Status Write(const std::function<Status(WriteTxn&)>& fn) override;
  Status Read(const std::function<Status(ReadTxn&)>& fn) override;
  uint64_t AddCommitObserver(CommitObserver observer) override;
  void RemoveCommitObserver(uint64_t id) override;
  Status CheckIntegrity() override;

  Env& env() { return env_; }

  // Test hooks. `fault` sees each SAVEPOINT, ROLLBACK TO and RELEASE of the
  // group commit before it runs; a non-OK Status is returned in its place,
  // as if SQLite had failed it (null: no fault). Set while no write runs.
  void TEST_InjectSavepointFault(std::function<Status(std::string_view sql)> fault) {
    savepoint_fault_ = std::move(fault);
  }
  // Writers queued, the running batch's included.
  size_t TEST_QueuedWriters() {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  // A queued Write(). The follower sleeps on its own futex (an atomic wait,
  // no mutex): a woken thread runs straight on, instead of waking only to
  // block on a mutex its waker still holds. The word lives in a shared
  // block because the follower may see kDone, return and destroy its Writer
  // before the leader's notify has finished; the leader keeps the block
  // alive across it.
  struct Writer {
    enum class State : int { kQueued, kDone, kLead };
    explicit Writer(const std::function<Status(WriteTxn&)>* f)
        : fn(f), state(std::make_shared<std::atomic<State>>(State::kQueued)) {}
    const std::function<Status(WriteTxn&)>* fn;
    Status status;  // written by the leader before kDone
    std::shared_ptr<std::atomic<State>> state;
    // The last thing a leader does with `w`: nothing of it is touched after.
    static void Set(Writer* w, State s) {
      std::shared_ptr<std::atomic<State>> keep = w->state;
      keep->store(s, std::memory_order_release);
      keep->notify_one();
    }
    State Wait() const {
      for (;;) {
        const State now = state->load(std::memory_order_acquire);
        if (now != State::kQueued) return now;
        state->wait(State::kQueued, std::memory_order_acquire);
      }
    }
  };
  static constexpr size_t kMaxBatch = 256;

  void RunBatch(const std::vector<Writer*>& batch);
  void NotifyCommit(const CommitInfo& info);
  Status WatchAuthTables();
  Result<int64_t> AuthChanges();
  Status ExecCached(std::string_view sql);
  Status RunOne(const std::function<Status(WriteTxn&)>& fn);
  Result<std::unique_ptr<Db>> TakeReader();
  void ReturnReader(std::unique_ptr<Db> db);

  Env& env_;
  const std::string path_;
  const SecureBuffer key_;
  int schema_version_ = 0;

  std::mutex mu_;  // guards queue_ and readers_
  std::deque<Writer*> queue_;
  std::vector<std::unique_ptr<Db>> readers_;

  std::unique_ptr<Db> writer_;  // used only by the current batch leader
  audit::Head head_;            // the chain head as of the writer's state
  // The writer's temp.auth_changes count as of the last commit (used only
  // by the batch leader).
  int64_t auth_changes_ = 0;
  // Held while observers run, so that a removal waits for a running call.
  std::mutex observers_mu_;
  std::map<uint64_t, CommitObserver> observers_;
  uint64_t next_observer_ = 0;
  std::function<Status(std::string_view sql)> savepoint_fault_;
};

}  // namespace vault

#endif  // BATON_VAULT_SRC_TXN_IMPL_H_
