#include "vault/vault.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>

#include "schema.h"
#include "vault/db.h"

namespace vault {
namespace {

int64_t ToMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string_view HolderName(KeyHolder h) {
  switch (h) {
    case KeyHolder::kMember: return "member";
    case KeyHolder::kRecovery: return "recovery";
    case KeyHolder::kGrant: return "grant";
  }
  return "member";
}

template <size_t N>
std::array<uint8_t, N> ToArray(const std::vector<uint8_t>& v) {
  std::array<uint8_t, N> out{};
  std::copy_n(v.begin(), std::min(N, v.size()), out.begin());
  return out;
}

// Turns "no row" and constraint failures into the caller's words.
Status Missing(std::string_view what, const std::string& id) {
  return Status::NotFound(std::string(what) + " " + id + " does not exist");
}

class VaultImpl;

// One implementation serves both interfaces: Read() hands it out as a
// ReadTxn, so the mutations are unreachable there.
class TxnImpl final : public WriteTxn {
 public:
  TxnImpl(VaultImpl& vault, Db& db, audit::Head* head) : vault_(vault), db_(db), head_(head) {}

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
  Status EnqueueNotice(const Notice&) override {
    // Delivery (an outbox table and its sender) comes with notifications.
    return Status::OK();
  }
  Status Record(const Actor& actor, const std::string& action, const std::string& target,
                const std::string& details_json) override;
  Status SetCollectionOfflineCache(const Actor& actor, const std::string& collection_id,
                                   bool offline_cache) override;
  Result<std::vector<ItemWithCiphertext>> FetchForCache(const Actor& actor,
                                                        const std::string& collection_id,
                                                        int64_t since_ms) override;
  Status AddCheckpoint(const audit::Checkpoint& cp) override;

 private:
  int64_t NowMs();
  Status Append(const Actor& actor, std::string_view action, std::string_view target,
                const nlohmann::json& details);
  Status InsertSealedKey(const SealedKey& k);
  Status InsertFlag(const std::string& item_id, const RotationFlagRecord& f);
  Result<std::vector<RotationFlagRecord>> Flags(const std::string& item_id);
  Result<ItemMeta> ReadItemRow(Statement* st);

  VaultImpl& vault_;
  Db& db_;
  audit::Head* head_;  // the writer's cached chain head; null for readers
};

class VaultImpl final : public Vault {
 public:
  VaultImpl(Env& env, std::string path, SecureBuffer key, std::unique_ptr<Db> writer)
      : env_(env), path_(std::move(path)), key_(std::move(key)), writer_(std::move(writer)) {}

  Status Init(Mode mode);
  int schema_version() const override { return schema_version_; }
  Status Write(const std::function<Status(WriteTxn&)>& fn) override;
  Status Read(const std::function<Status(ReadTxn&)>& fn) override;
  Status CheckIntegrity() override;

  Env& env() { return env_; }

 private:
  struct Writer {
    const std::function<Status(WriteTxn&)>* fn;
    Status status;
    bool done = false;
    std::condition_variable cv;
  };
  static constexpr size_t kMaxBatch = 256;

  void RunBatch(const std::vector<Writer*>& batch);
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
};

Status ConfigureConnection(Db& db) {
  return db.Exec(
      "PRAGMA foreign_keys = ON;"
      "PRAGMA synchronous = FULL;");
}

Status VaultImpl::Init(Mode mode) {
  // Read the schema version before anything writes, so a vault written by a
  // newer baton is left exactly as it is.
  auto st = writer_->Prepare("PRAGMA user_version;");
  if (!st) return st.error();
  auto row = (*st)->Step();
  if (!row) return row.error();
  const int64_t version = (*st)->ColumnInt(0);
  (*st)->Reset();
  constexpr int64_t known = static_cast<int64_t>(schema::kMigrations.size());
  if (version > known) {
    return Status::Unsupported("vault schema version " + std::to_string(version) +
                               " is newer than this baton supports (" + std::to_string(known) +
                               "); upgrade baton");
  }
  if (Status s = writer_->Exec("PRAGMA journal_mode = WAL;"); !s.ok()) return s;
  if (Status s = ConfigureConnection(*writer_); !s.ok()) return s;
  if (version < known) {
    auto txn = Transaction::Begin(*writer_);
    if (!txn) return txn.error();
    for (int64_t v = version; v < known; ++v) {
      if (Status s = writer_->Exec(schema::kMigrations[static_cast<size_t>(v)]); !s.ok()) {
        return s.WithContext("schema migration " + std::to_string(v + 1));
      }
    }
    if (Status s = writer_->Exec("PRAGMA user_version = " + std::to_string(known) + ";"); !s.ok()) {
      return s;
    }
    if (Status s = txn->Commit(); !s.ok()) return s;
  }
  (void)mode;
  schema_version_ = static_cast<int>(known);
  TxnImpl t(*this, *writer_, nullptr);
  auto head = t.AuditHead();
  if (!head) return head.error();
  head_ = *head;
  return Status::OK();
}

Status VaultImpl::RunOne(const std::function<Status(WriteTxn&)>& fn) {
  TxnImpl txn(*this, *writer_, &head_);
  try {
    return fn(txn);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("write failed: ") + e.what());
  }
}

void VaultImpl::RunBatch(const std::vector<Writer*>& batch) {
  auto txn = Transaction::Begin(*writer_);
  if (!txn) {
    for (Writer* w : batch) w->status = txn.error();
    return;
  }
  const audit::Head batch_start = head_;
  for (Writer* w : batch) {
    const audit::Head before = head_;
    if (Status s = writer_->Exec("SAVEPOINT w;"); !s.ok()) {
      w->status = s;
      continue;
    }
    w->status = RunOne(*w->fn);
    if (!w->status.ok()) {
      head_ = before;
      (void)writer_->Exec("ROLLBACK TO w;");
    }
    (void)writer_->Exec("RELEASE w;");
  }
  if (Status s = txn->Commit(); !s.ok()) {
    head_ = batch_start;
    for (Writer* w : batch) {
      if (w->status.ok()) w->status = s.WithContext("commit");
    }
  }
}

Status VaultImpl::Write(const std::function<Status(WriteTxn&)>& fn) {
  // Leader/follower group commit (as in LevelDB's DBImpl::Write): the writer
  // at the head of the queue commits everything queued behind it at once.
  Writer self{&fn, Status::OK(), false, {}};
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  while (!self.done && &self != queue_.front()) self.cv.wait(lock);
  if (self.done) return self.status;

  std::vector<Writer*> batch;
  for (Writer* w : queue_) {
    batch.push_back(w);
    if (batch.size() == kMaxBatch) break;
  }
  lock.unlock();
  RunBatch(batch);
  lock.lock();
  for (Writer* w : batch) {
    queue_.pop_front();
    w->done = true;
    if (w != &self) w->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return self.status;
}

Result<std::unique_ptr<Db>> VaultImpl::TakeReader() {
  {
    std::lock_guard lock(mu_);
    if (!readers_.empty()) {
      auto db = std::move(readers_.back());
      readers_.pop_back();
      return db;
    }
  }
  auto db = Db::Open(env_, path_, key_, Db::Mode::kOpenExisting);
  if (!db) return Fail(db.error());
  if (Status s = ConfigureConnection(**db); !s.ok()) return Fail(s);
  return std::move(*db);
}

void VaultImpl::ReturnReader(std::unique_ptr<Db> db) {
  std::lock_guard lock(mu_);
  readers_.push_back(std::move(db));
}

Status VaultImpl::Read(const std::function<Status(ReadTxn&)>& fn) {
  auto db = TakeReader();
  if (!db) return db.error();
  Status s = (*db)->Exec("BEGIN;");
  if (s.ok()) {
    TxnImpl txn(*this, **db, nullptr);
    try {
      s = fn(txn);
    } catch (const std::exception& e) {
      s = Status::Internal(std::string("read failed: ") + e.what());
    }
    (void)(*db)->Exec("COMMIT;");
  }
  ReturnReader(std::move(*db));
  return s;
}

Status VaultImpl::CheckIntegrity() {
  auto db = TakeReader();
  if (!db) return db.error();
  std::string findings;
  Status s;
  auto st = (*db)->Prepare("PRAGMA integrity_check;");
  if (!st) {
    s = st.error();
  } else {
    for (;;) {
      auto row = (*st)->Step();
      if (!row) {
        s = row.error();
        break;
      }
      if (!*row) break;
      findings += (findings.empty() ? "" : "; ") + (*st)->ColumnText(0);
    }
    (*st)->Reset();
  }
  ReturnReader(std::move(*db));
  if (!s.ok()) return s;
  if (findings != "ok") return Status::Corruption("integrity check: " + findings);
  return Status::OK();
}

// --- TxnImpl: reads ----------------------------------------------------------

int64_t TxnImpl::NowMs() { return ToMillis(vault_.env().Now()); }

#define BATON_PREPARE(var, sql)            \
  auto var##_r = db_.Prepare(sql);         \
  if (!var##_r) return Fail(var##_r.error()); \
  Statement* var = *var##_r

#define BATON_PREPARE_S(var, sql)          \
  auto var##_r = db_.Prepare(sql);         \
  if (!var##_r) return var##_r.error();    \
  Statement* var = *var##_r

Member ReadMemberRow(Statement* st) {
  Member m;
  m.id = st->ColumnText(0);
  m.name = st->ColumnText(1);
  m.role = st->ColumnText(2);
  m.status = st->ColumnText(3);
  m.signing_public_key = ToArray<32>(st->ColumnBlob(4));
  m.box_public_key = ToArray<32>(st->ColumnBlob(5));
  m.created_ms = st->ColumnInt(6);
  return m;
}

constexpr char kMemberColumns[] = "id, name, role, status, sign_pk, box_pk, created_ms";

Result<Member> TxnImpl::GetMember(const std::string& id) {
  BATON_PREPARE(st, std::string("SELECT ") + kMemberColumns + " FROM members WHERE id = ?");
  st->Bind(1, id);
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Missing("member", id));
  Member m = ReadMemberRow(st);
  st->Reset();
  return m;
}

Result<std::vector<Member>> TxnImpl::ListMembers() {
  BATON_PREPARE(st, std::string("SELECT ") + kMemberColumns + " FROM members ORDER BY name");
  std::vector<Member> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back(ReadMemberRow(st));
  }
  st->Reset();
  return out;
}

Collection ReadCollectionRow(Statement* st) {
  Collection c;
  c.id = st->ColumnText(0);
  c.name = st->ColumnText(1);
  c.key_version = st->ColumnInt(2);
  c.offline_cache = st->ColumnInt(3) != 0;
  c.needs_rekey = st->ColumnInt(4) != 0;
  c.created_ms = st->ColumnInt(5);
  return c;
}

constexpr char kCollectionColumns[] =
    "id, name, key_version, offline_cache, needs_rekey, created_ms";

Result<Collection> TxnImpl::GetCollection(const std::string& id) {
  BATON_PREPARE(st, std::string("SELECT ") + kCollectionColumns + " FROM collections WHERE id = ?");
  st->Bind(1, id);
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Missing("collection", id));
  Collection c = ReadCollectionRow(st);
  st->Reset();
  return c;
}

Result<std::vector<Collection>> TxnImpl::ListCollections() {
  BATON_PREPARE(st,
                std::string("SELECT ") + kCollectionColumns + " FROM collections ORDER BY name");
  std::vector<Collection> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back(ReadCollectionRow(st));
  }
  st->Reset();
  return out;
}

Result<std::string> TxnImpl::GetAccess(const std::string& collection_id,
                                       const std::string& member_id) {
  BATON_PREPARE(st,
                "SELECT access FROM collection_access WHERE collection_id = ? AND member_id = ?");
  st->Bind(1, collection_id).Bind(2, member_id);
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Status::NotFound("member has no access to collection " + collection_id));
  std::string access = st->ColumnText(0);
  st->Reset();
  return access;
}

Result<SealedKey> TxnImpl::GetSealedKey(const std::string& collection_id, KeyHolder holder,
                                        const std::string& holder_id) {
  BATON_PREPARE(st,
                "SELECT s.key_version, s.sealed FROM sealed_keys s JOIN collections c "
                "ON c.id = s.collection_id AND c.key_version = s.key_version "
                "WHERE s.collection_id = ? AND s.holder_kind = ? AND s.holder_id = ?");
  st->Bind(1, collection_id).Bind(2, HolderName(holder)).Bind(3, holder_id);
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) {
    return Fail(Status::NotFound("no sealed key of collection " + collection_id + " for " +
                                 std::string(HolderName(holder)) + " " + holder_id));
  }
  SealedKey k{collection_id, st->ColumnInt(0), holder, holder_id, st->ColumnBlob(1)};
  st->Reset();
  return k;
}

constexpr char kItemColumns[] =
    "id, collection_id, name, channel, url, rotation_period_s, last_rotated_ms, version, "
    "pending_version, key_version, updated_ms, updated_by";

Result<ItemMeta> TxnImpl::ReadItemRow(Statement* st) {
  ItemMeta m;
  m.id = st->ColumnText(0);
  m.collection_id = st->ColumnText(1);
  m.name = st->ColumnText(2);
  m.channel = st->ColumnText(3);
  m.url = st->ColumnText(4);
  m.rotation_period_s = st->ColumnInt(5);
  m.last_rotated_ms = st->ColumnInt(6);
  m.version = st->ColumnInt(7);
  if (!st->ColumnIsNull(8)) m.pending_version = st->ColumnInt(8);
  m.key_version = st->ColumnInt(9);
  m.updated_ms = st->ColumnInt(10);
  m.updated_by = st->ColumnText(11);
  return m;
}

Result<std::vector<RotationFlagRecord>> TxnImpl::Flags(const std::string& item_id) {
  BATON_PREPARE(st, "SELECT kind, reason, raised_ms FROM item_flags WHERE item_id = ? ORDER BY kind");
  st->Bind(1, item_id);
  std::vector<RotationFlagRecord> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back({st->ColumnText(0), st->ColumnText(1), st->ColumnInt(2)});
  }
  st->Reset();
  return out;
}

Result<ItemMeta> TxnImpl::GetItemMeta(const std::string& item_id) {
  BATON_PREPARE(st, std::string("SELECT ") + kItemColumns + " FROM items WHERE id = ?");
  st->Bind(1, item_id);
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Missing("item", item_id));
  auto meta = ReadItemRow(st);
  st->Reset();
  if (!meta) return meta;
  auto flags = Flags(item_id);
  if (!flags) return Fail(flags.error());
  meta->flags = std::move(*flags);
  return meta;
}

Result<std::vector<ItemMeta>> TxnImpl::ListItems(const std::string& collection_id) {
  std::vector<ItemMeta> out;
  {
    BATON_PREPARE(st, std::string("SELECT ") + kItemColumns +
                          " FROM items WHERE collection_id = ? ORDER BY name");
    st->Bind(1, collection_id);
    for (;;) {
      auto row = st->Step();
      if (!row) return Fail(row.error());
      if (!*row) break;
      auto meta = ReadItemRow(st);
      if (!meta) return Fail(meta.error());
      out.push_back(std::move(*meta));
    }
    st->Reset();
  }
  for (ItemMeta& m : out) {
    auto flags = Flags(m.id);
    if (!flags) return Fail(flags.error());
    m.flags = std::move(*flags);
  }
  return out;
}

Result<std::optional<std::string>> TxnImpl::GetSetting(const std::string& key) {
  BATON_PREPARE(st, "SELECT value FROM settings WHERE key = ?");
  st->Bind(1, key);
  auto row = st->Step();
  if (!row) return Fail(row.error());
  std::optional<std::string> value;
  if (*row) value = st->ColumnText(0);
  st->Reset();
  return value;
}

Result<Session> TxnImpl::GetSession(const crypto::Hash& token_hash) {
  BATON_PREPARE(st,
                "SELECT member_id, created_ms, expires_ms FROM sessions WHERE token_hash = ?");
  st->Bind(1, token_hash);
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Status::NotFound("no such session"));
  Session out{token_hash, st->ColumnText(0), st->ColumnInt(1), st->ColumnInt(2)};
  st->Reset();
  return out;
}

Result<std::vector<std::string>> TxnImpl::ListAccessibleCollections(const std::string& member_id) {
  BATON_PREPARE(st,
                "SELECT collection_id FROM collection_access WHERE member_id = ? "
                "ORDER BY collection_id");
  st->Bind(1, member_id);
  std::vector<std::string> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back(st->ColumnText(0));
  }
  st->Reset();
  return out;
}

Result<audit::Head> TxnImpl::AuditHead() {
  if (head_ != nullptr) return *head_;
  BATON_PREPARE(st, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
  auto row = st->Step();
  if (!row) return Fail(row.error());
  audit::Head head;
  if (*row) head = {st->ColumnInt(0), ToArray<32>(st->ColumnBlob(1))};
  st->Reset();
  return head;
}

Status TxnImpl::ScanAudit(int64_t from_seq, const std::function<bool(const audit::Event&)>& fn) {
  BATON_PREPARE_S(st,
                  "SELECT seq, time_ms, actor, action, target, details, prev_hash, hash "
                  "FROM audit_events WHERE seq >= ? ORDER BY seq");
  st->Bind(1, from_seq);
  audit::Event e;
  for (;;) {
    auto row = st->Step();
    if (!row) {
      st->Reset();
      return row.error();
    }
    if (!*row) break;
    e.seq = st->ColumnInt(0);
    e.time_ms = st->ColumnInt(1);
    e.actor = st->ColumnText(2);
    e.action = st->ColumnText(3);
    e.target = st->ColumnText(4);
    e.details = st->ColumnText(5);
    e.prev_hash = ToArray<32>(st->ColumnBlob(6));
    e.hash = ToArray<32>(st->ColumnBlob(7));
    if (!fn(e)) break;
  }
  st->Reset();
  return Status::OK();
}

Result<std::vector<audit::Event>> TxnImpl::ReadAudit(int64_t from_seq, int64_t limit) {
  std::vector<audit::Event> out;
  Status s = ScanAudit(from_seq, [&](const audit::Event& e) {
    out.push_back(e);
    return static_cast<int64_t>(out.size()) < limit;
  });
  if (!s.ok()) return Fail(s);
  return out;
}

Result<std::optional<audit::Checkpoint>> TxnImpl::LatestCheckpoint() {
  BATON_PREPARE(st,
                "SELECT seq, hash, time_ms, signature FROM audit_checkpoints ORDER BY seq DESC "
                "LIMIT 1");
  auto row = st->Step();
  if (!row) return Fail(row.error());
  std::optional<audit::Checkpoint> out;
  if (*row) {
    out = audit::Checkpoint{st->ColumnInt(0), ToArray<32>(st->ColumnBlob(1)), st->ColumnInt(2),
                            ToArray<64>(st->ColumnBlob(3))};
  }
  st->Reset();
  return out;
}

Result<std::vector<audit::Checkpoint>> TxnImpl::ListCheckpoints() {
  BATON_PREPARE(st, "SELECT seq, hash, time_ms, signature FROM audit_checkpoints ORDER BY seq");
  std::vector<audit::Checkpoint> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back({st->ColumnInt(0), ToArray<32>(st->ColumnBlob(1)), st->ColumnInt(2),
                   ToArray<64>(st->ColumnBlob(3))});
  }
  st->Reset();
  return out;
}

// --- TxnImpl: writes ---------------------------------------------------------

Status TxnImpl::Append(const Actor& actor, std::string_view action, std::string_view target,
                       const nlohmann::json& details) {
  if (head_ == nullptr) return Status::Internal("audit append outside a write transaction");
  audit::Event e;
  e.time_ms = NowMs();
  e.actor = actor.id;
  e.action = action;
  e.target = target;
  e.details = details.dump();  // std::map keys: a canonical, sorted encoding
  const audit::Head next = audit::Link(*head_, e);
  BATON_PREPARE_S(st,
                  "INSERT INTO audit_events (seq, time_ms, actor, action, target, details, "
                  "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  st->Bind(1, e.seq).Bind(2, e.time_ms).Bind(3, e.actor).Bind(4, e.action).Bind(5, e.target);
  st->Bind(6, e.details).Bind(7, e.prev_hash).Bind(8, e.hash);
  if (Status s = st->Run(); !s.ok()) return s.WithContext("audit append");
  *head_ = next;
  return Status::OK();
}

Status TxnImpl::AddMember(const Actor& actor, const Member& m) {
  if (auto role = ParseTeamRole(m.role); !role) return role.error();
  BATON_PREPARE_S(st,
                  "INSERT INTO members (id, name, role, status, sign_pk, box_pk, created_ms) "
                  "VALUES (?, ?, ?, 'active', ?, ?, ?)");
  st->Bind(1, m.id).Bind(2, m.name).Bind(3, m.role).Bind(4, m.signing_public_key);
  st->Bind(5, m.box_public_key).Bind(6, NowMs());
  if (Status s = st->Run(); !s.ok()) {
    return s.IsAlreadyExists() ? Status::AlreadyExists("a member named " + m.name + " exists")
                               : s;
  }
  return Append(actor, "member.add", "member:" + m.id, {{"name", m.name}, {"role", m.role}});
}

Status TxnImpl::SetMemberRole(const Actor& actor, const std::string& id, const std::string& role) {
  if (auto parsed = ParseTeamRole(role); !parsed) return parsed.error();
  auto before = GetMember(id);
  if (!before) return before.error();
  BATON_PREPARE_S(st, "UPDATE members SET role = ? WHERE id = ? AND status = 'active'");
  st->Bind(1, role).Bind(2, id);
  if (Status s = st->Run(); !s.ok()) return s;
  if (db_.Changes() != 1) return Status::FailedPrecondition("member " + id + " was removed");
  return Append(actor, "member.role", "member:" + id, {{"from", before->role}, {"to", role}});
}

Status TxnImpl::RemoveMember(const Actor& actor, const std::string& id) {
  auto member = GetMember(id);
  if (!member) return member.error();
  if (member->status != "active") return Status::FailedPrecondition("member " + id + " was removed");
  const int64_t now = NowMs();
  {
    BATON_PREPARE_S(st, "UPDATE members SET status = 'removed', removed_ms = ? WHERE id = ?");
    st->Bind(1, now).Bind(2, id);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  // Every collection whose key they held: its items are exposed.
  std::vector<std::string> collections;
  {
    BATON_PREPARE_S(st,
                    "SELECT DISTINCT collection_id FROM sealed_keys "
                    "WHERE holder_kind = 'member' AND holder_id = ? ORDER BY collection_id");
    st->Bind(1, id);
    for (;;) {
      auto row = st->Step();
      if (!row) return row.error();
      if (!*row) break;
      collections.push_back(st->ColumnText(0));
    }
    st->Reset();
  }
  const RotationFlagRecord flag{std::string(ToString(RotationFlagKind::kMemberRemoved)), "member " + member->name + " was removed", now};
  int64_t flagged = 0;
  for (const std::string& c : collections) {
    std::vector<std::string> items;
    {
      BATON_PREPARE_S(st, "SELECT id FROM items WHERE collection_id = ?");
      st->Bind(1, c);
      for (;;) {
        auto row = st->Step();
        if (!row) return row.error();
        if (!*row) break;
        items.push_back(st->ColumnText(0));
      }
      st->Reset();
    }
    for (const std::string& item : items) {
      if (Status s = InsertFlag(item, flag); !s.ok()) return s;
      ++flagged;
    }
    BATON_PREPARE_S(st, "UPDATE collections SET needs_rekey = 1 WHERE id = ?");
    st->Bind(1, c);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  for (const char* sql : {"DELETE FROM collection_access WHERE member_id = ?",
                          "DELETE FROM sealed_keys WHERE holder_kind = 'member' AND holder_id = ?",
                          "DELETE FROM sessions WHERE member_id = ?"}) {
    BATON_PREPARE_S(st, sql);
    st->Bind(1, id);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  return Append(actor, "member.remove", "member:" + id,
                {{"name", member->name},
                 {"collections_to_rekey", collections},
                 {"items_flagged", flagged}});
}

Status TxnImpl::InsertSealedKey(const SealedKey& k) {
  BATON_PREPARE_S(st,
                  "INSERT OR REPLACE INTO sealed_keys (collection_id, key_version, holder_kind, "
                  "holder_id, sealed, created_ms) VALUES (?, ?, ?, ?, ?, ?)");
  st->Bind(1, k.collection_id).Bind(2, k.key_version).Bind(3, HolderName(k.holder));
  st->Bind(4, k.holder_id).Bind(5, k.sealed).Bind(6, NowMs());
  return st->Run();
}

Status TxnImpl::CreateCollection(const Actor& actor, const Collection& c,
                                 const std::vector<SealedKey>& keys) {
  BATON_PREPARE_S(st,
                  "INSERT INTO collections (id, name, key_version, offline_cache, needs_rekey, "
                  "created_ms) VALUES (?, ?, ?, ?, 0, ?)");
  st->Bind(1, c.id).Bind(2, c.name).Bind(3, c.key_version).Bind(4, int64_t{c.offline_cache});
  st->Bind(5, NowMs());
  if (Status s = st->Run(); !s.ok()) {
    return s.IsAlreadyExists() ? Status::AlreadyExists("a collection named " + c.name + " exists")
                               : s;
  }
  for (const SealedKey& k : keys) {
    if (k.collection_id != c.id || k.key_version != c.key_version) {
      return Status::InvalidArgument("sealed key does not belong to the new collection");
    }
    if (Status s = InsertSealedKey(k); !s.ok()) return s;
  }
  return Append(actor, "collection.create", "collection:" + c.id,
                {{"name", c.name}, {"sealed_keys", keys.size()}});
}

Status TxnImpl::GrantAccess(const Actor& actor, const std::string& collection_id,
                            const std::string& member_id, const std::string& access,
                            const SealedKey& key) {
  auto level = ParseCollectionAccess(access);
  if (!level) return level.error();
  if (*level == CollectionAccess::kNone) {
    return Status::InvalidArgument("grant view, edit or manage; revoke to remove access");
  }
  auto c = GetCollection(collection_id);
  if (!c) return c.error();
  auto m = GetMember(member_id);
  if (!m) return m.error();
  if (m->status != "active") return Status::FailedPrecondition("member " + member_id + " was removed");
  if (key.collection_id != collection_id || key.holder != KeyHolder::kMember ||
      key.holder_id != member_id) {
    return Status::InvalidArgument("the sealed key is not for this member and collection");
  }
  if (key.key_version != c->key_version) {
    return Status::FailedPrecondition("the sealed key is for key version " +
                                      std::to_string(key.key_version) + ", the collection is at " +
                                      std::to_string(c->key_version));
  }
  BATON_PREPARE_S(st,
                  "INSERT OR REPLACE INTO collection_access (collection_id, member_id, access) "
                  "VALUES (?, ?, ?)");
  st->Bind(1, collection_id).Bind(2, member_id).Bind(3, access);
  if (Status s = st->Run(); !s.ok()) return s;
  if (Status s = InsertSealedKey(key); !s.ok()) return s;
  return Append(actor, "collection.grant", "collection:" + collection_id,
                {{"member", member_id}, {"access", access}});
}

Status TxnImpl::RevokeAccess(const Actor& actor, const std::string& collection_id,
                             const std::string& member_id) {
  BATON_PREPARE_S(st, "DELETE FROM collection_access WHERE collection_id = ? AND member_id = ?");
  st->Bind(1, collection_id).Bind(2, member_id);
  if (Status s = st->Run(); !s.ok()) return s;
  if (db_.Changes() == 0) {
    return Status::NotFound("member " + member_id + " has no access to " + collection_id);
  }
  BATON_PREPARE_S(del,
                  "DELETE FROM sealed_keys WHERE collection_id = ? AND holder_kind = 'member' "
                  "AND holder_id = ?");
  del->Bind(1, collection_id).Bind(2, member_id);
  if (Status s = del->Run(); !s.ok()) return s;
  // They may have kept the key: the collection is due for re-keying.
  BATON_PREPARE_S(mark, "UPDATE collections SET needs_rekey = 1 WHERE id = ?");
  mark->Bind(1, collection_id);
  if (Status s = mark->Run(); !s.ok()) return s;
  return Append(actor, "collection.revoke", "collection:" + collection_id, {{"member", member_id}});
}

Status TxnImpl::CreateItem(const Actor& actor, const ItemMeta& meta,
                           const std::vector<uint8_t>& ciphertext) {
  if (meta.version != 1) return Status::InvalidArgument("a new item starts at version 1");
  if (auto channel = ParseChannelType(meta.channel); !channel) return channel.error();
  if (meta.rotation_period_s <= 0 || meta.rotation_period_s % 86400 != 0) {
    return Status::InvalidArgument("the rotation period must be a whole number of days");
  }
  if (Status s = ValidateRotationPeriod(std::chrono::days(meta.rotation_period_s / 86400));
      !s.ok()) {
    return s;
  }
  auto c = GetCollection(meta.collection_id);
  if (!c) return c.error();
  if (meta.key_version != c->key_version) {
    return Status::FailedPrecondition("item is encrypted under an old collection key");
  }
  const int64_t now = NowMs();
  BATON_PREPARE_S(st,
                  "INSERT INTO items (id, collection_id, name, channel, url, rotation_period_s, "
                  "last_rotated_ms, version, pending_version, key_version, updated_ms, updated_by) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, ?, ?, ?)");
  st->Bind(1, meta.id).Bind(2, meta.collection_id).Bind(3, meta.name).Bind(4, meta.channel);
  st->Bind(5, meta.url).Bind(6, meta.rotation_period_s).Bind(7, now).Bind(8, meta.key_version);
  st->Bind(9, now).Bind(10, actor.id);
  if (Status s = st->Run(); !s.ok()) {
    return s.IsAlreadyExists() ? Status::AlreadyExists("an item named " + meta.name +
                                                       " exists in this collection or the id is taken")
                               : s;
  }
  BATON_PREPARE_S(v,
                  "INSERT INTO item_versions (item_id, version, key_version, state, ciphertext, "
                  "created_ms, created_by) VALUES (?, 1, ?, 'current', ?, ?, ?)");
  v->Bind(1, meta.id).Bind(2, meta.key_version).Bind(3, ciphertext).Bind(4, now).Bind(5, actor.id);
  if (Status s = v->Run(); !s.ok()) return s;
  return Append(actor, "item.create", "item:" + meta.id,
                {{"collection", meta.collection_id}, {"name", meta.name}, {"channel", meta.channel}});
}

Status TxnImpl::UpdateItem(const Actor& actor, const std::string& item_id,
                           int64_t expected_version, const std::vector<uint8_t>& ciphertext) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return meta.error();
  if (meta->version != expected_version) {
    return Status::FailedPrecondition("item " + item_id + " is at version " +
                                      std::to_string(meta->version) + ", not " +
                                      std::to_string(expected_version) + " (changed meanwhile)");
  }
  if (meta->pending_version) {
    return Status::FailedPrecondition("a rotation of item " + item_id +
                                      " is pending: confirm or abort it first");
  }
  const int64_t now = NowMs();
  const int64_t next = expected_version + 1;
  {
    BATON_PREPARE_S(st,
                    "UPDATE item_versions SET state = 'previous' WHERE item_id = ? AND version = ?");
    st->Bind(1, item_id).Bind(2, expected_version);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  {
    BATON_PREPARE_S(st,
                    "INSERT INTO item_versions (item_id, version, key_version, state, ciphertext, "
                    "created_ms, created_by) VALUES (?, ?, ?, 'current', ?, ?, ?)");
    st->Bind(1, item_id).Bind(2, next).Bind(3, meta->key_version).Bind(4, ciphertext);
    st->Bind(5, now).Bind(6, actor.id);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  BATON_PREPARE_S(st, "UPDATE items SET version = ?, updated_ms = ?, updated_by = ? WHERE id = ?");
  st->Bind(1, next).Bind(2, now).Bind(3, actor.id).Bind(4, item_id);
  if (Status s = st->Run(); !s.ok()) return s;
  return Append(actor, "item.update", "item:" + item_id, {{"version", next}});
}

Status TxnImpl::DeleteItem(const Actor& actor, const std::string& item_id) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return meta.error();
  BATON_PREPARE_S(st, "DELETE FROM items WHERE id = ?");  // versions and flags cascade
  st->Bind(1, item_id);
  if (Status s = st->Run(); !s.ok()) return s;
  return Append(actor, "item.delete", "item:" + item_id,
                {{"collection", meta->collection_id}, {"name", meta->name}});
}

Result<ItemWithCiphertext> TxnImpl::FetchItem(const Actor& actor, const std::string& item_id) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return Fail(meta.error());
  BATON_PREPARE(st, "SELECT ciphertext FROM item_versions WHERE item_id = ? AND version = ?");
  st->Bind(1, item_id).Bind(2, meta->version);
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Status::Corruption("item " + item_id + " has no current version"));
  ItemWithCiphertext out{std::move(*meta), st->ColumnBlob(0)};
  st->Reset();
  if (Status s = Append(actor, "item.read", "item:" + item_id, {{"version", out.meta.version}});
      !s.ok()) {
    return Fail(s);
  }
  return out;
}

Result<std::vector<ItemVersion>> TxnImpl::FetchHistory(const Actor& actor,
                                                       const std::string& item_id) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return Fail(meta.error());
  BATON_PREPARE(st,
                "SELECT version, key_version, state, ciphertext, created_ms, created_by "
                "FROM item_versions WHERE item_id = ? ORDER BY version");
  st->Bind(1, item_id);
  std::vector<ItemVersion> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back({st->ColumnInt(0), st->ColumnInt(1), st->ColumnText(2), st->ColumnBlob(3),
                   st->ColumnInt(4), st->ColumnText(5)});
  }
  st->Reset();
  if (Status s = Append(actor, "item.history", "item:" + item_id, {{"versions", out.size()}});
      !s.ok()) {
    return Fail(s);
  }
  return out;
}

Status TxnImpl::SetCollectionOfflineCache(const Actor& actor, const std::string& collection_id,
                                          bool offline_cache) {
  auto c = GetCollection(collection_id);
  if (!c) return c.error();
  BATON_PREPARE_S(st, "UPDATE collections SET offline_cache = ? WHERE id = ?");
  st->Bind(1, int64_t{offline_cache}).Bind(2, collection_id);
  if (Status s = st->Run(); !s.ok()) return s;
  return Append(actor, "collection.settings", "collection:" + collection_id,
                {{"offline_cache", offline_cache}});
}

Result<std::vector<ItemWithCiphertext>> TxnImpl::FetchForCache(const Actor& actor,
                                                               const std::string& collection_id,
                                                               int64_t since_ms) {
  auto c = GetCollection(collection_id);
  if (!c) return Fail(c.error());
  if (!c->offline_cache) {
    return Fail(Status::FailedPrecondition("collection " + c->name +
                                           " may not be kept offline (its offline cache is off)"));
  }
  auto items = ListItems(collection_id);
  if (!items) return Fail(items.error());
  std::vector<ItemWithCiphertext> out;
  nlohmann::json versions = nlohmann::json::object();
  BATON_PREPARE(st, "SELECT ciphertext FROM item_versions WHERE item_id = ? AND version = ?");
  for (ItemMeta& m : *items) {
    if (m.updated_ms < since_ms) continue;
    st->Bind(1, m.id).Bind(2, m.version);
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) return Fail(Status::Corruption("item " + m.id + " has no current version"));
    std::vector<uint8_t> ct = st->ColumnBlob(0);
    st->Reset();
    versions[m.id] = m.version;
    out.push_back({std::move(m), std::move(ct)});
  }
  // Nothing changed since the last sync: no ciphertext left the server.
  if (out.empty()) return out;
  if (Status s = Append(actor, "collection.cache", "collection:" + collection_id,
                        {{"count", out.size()}, {"since_ms", since_ms}, {"versions", versions}});
      !s.ok()) {
    return Fail(s);
  }
  return out;
}

Status TxnImpl::InsertFlag(const std::string& item_id, const RotationFlagRecord& f) {
  if (auto kind = ParseRotationFlagKind(f.kind); !kind) return kind.error();
  BATON_PREPARE_S(st,
                  "INSERT OR REPLACE INTO item_flags (item_id, kind, reason, raised_ms) "
                  "VALUES (?, ?, ?, ?)");
  st->Bind(1, item_id).Bind(2, f.kind).Bind(3, f.reason).Bind(4, f.raised_ms);
  return st->Run();
}

Status TxnImpl::FlagItem(const Actor& actor, const std::string& item_id,
                         const RotationFlagRecord& flag) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return meta.error();
  if (Status s = InsertFlag(item_id, flag); !s.ok()) return s;
  return Append(actor, "item.flag", "item:" + item_id,
                {{"kind", flag.kind}, {"reason", flag.reason}});
}

Status TxnImpl::PutSetting(const Actor& actor, const std::string& key, const std::string& value) {
  BATON_PREPARE_S(st, "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)");
  st->Bind(1, key).Bind(2, value);
  if (Status s = st->Run(); !s.ok()) return s;
  return Append(actor, "setting.put", "setting:" + key, nlohmann::json::object());
}

Status TxnImpl::CreateInvite(const Actor& actor, const Invite& invite) {
  if (auto role = ParseTeamRole(invite.role); !role) return role.error();
  if (invite.name.empty()) return Status::InvalidArgument("an invite needs the new member's name");
  BATON_PREPARE_S(st,
                  "INSERT INTO invites (code_hash, role, name, created_by, created_ms, expires_ms) "
                  "VALUES (?, ?, ?, ?, ?, ?)");
  st->Bind(1, invite.code_hash).Bind(2, invite.role).Bind(3, invite.name);
  st->Bind(4, invite.created_by).Bind(5, NowMs()).Bind(6, invite.expires_ms);
  if (Status s = st->Run(); !s.ok()) return s;
  return Append(actor, "invite.create", "invite:" + crypto::ToHex(std::span(invite.code_hash).first(8)),
                {{"role", invite.role}, {"name", invite.name}, {"expires_ms", invite.expires_ms}});
}

Result<Member> TxnImpl::RedeemInvite(const crypto::Hash& code_hash, Member m) {
  BATON_PREPARE(st, "SELECT role, name, expires_ms, used_ms FROM invites WHERE code_hash = ?");
  st->Bind(1, code_hash);
  auto row = st->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Status::NotFound("unknown invite code"));
  m.role = st->ColumnText(0);
  m.name = st->ColumnText(1);
  const int64_t expires = st->ColumnInt(2);
  const bool used = !st->ColumnIsNull(3);
  st->Reset();
  const int64_t now = NowMs();
  if (used) return Fail(Status::FailedPrecondition("this invite code was already used"));
  if (now >= expires) return Fail(Status::FailedPrecondition("this invite code has expired"));
  {
    BATON_PREPARE(use, "UPDATE invites SET used_ms = ?, used_by = ? WHERE code_hash = ?");
    // Insert the member first: used_by references it.
    if (Status s = AddMember({m.id}, m); !s.ok()) return Fail(s);
    use->Bind(1, now).Bind(2, m.id).Bind(3, code_hash);
    if (Status s = use->Run(); !s.ok()) return Fail(s);
  }
  m.status = "active";
  m.created_ms = now;
  return m;
}

Status TxnImpl::CreateSession(const Actor& actor, const Session& session) {
  BATON_PREPARE_S(st,
                  "INSERT INTO sessions (token_hash, member_id, created_ms, expires_ms) "
                  "VALUES (?, ?, ?, ?)");
  st->Bind(1, session.token_hash).Bind(2, session.member_id).Bind(3, NowMs());
  st->Bind(4, session.expires_ms);
  if (Status s = st->Run(); !s.ok()) return s;
  // Expired sessions of anyone are swept here: logins are rare, so this is
  // cheap and keeps the table small without a timer.
  BATON_PREPARE_S(sweep, "DELETE FROM sessions WHERE expires_ms <= ?");
  sweep->Bind(1, NowMs());
  if (Status s = sweep->Run(); !s.ok()) return s;
  return Append(actor, "auth.login", "member:" + session.member_id,
                {{"expires_ms", session.expires_ms}});
}

Status TxnImpl::DeleteSession(const Actor& actor, const crypto::Hash& token_hash) {
  BATON_PREPARE_S(st, "DELETE FROM sessions WHERE token_hash = ?");
  st->Bind(1, token_hash);
  if (Status s = st->Run(); !s.ok()) return s;
  return Append(actor, "auth.logout", "member:" + actor.id, nlohmann::json::object());
}

Status TxnImpl::Record(const Actor& actor, const std::string& action, const std::string& target,
                       const std::string& details_json) {
  auto details = nlohmann::json::parse(details_json, nullptr, /*allow_exceptions=*/false);
  if (details.is_discarded() || !details.is_object()) {
    return Status::InvalidArgument("audit details must be a JSON object");
  }
  return Append(actor, action, target, details);
}

Status TxnImpl::AddCheckpoint(const audit::Checkpoint& cp) {
  BATON_PREPARE_S(st,
                  "INSERT INTO audit_checkpoints (seq, hash, time_ms, signature) VALUES (?, ?, ?, ?)");
  st->Bind(1, cp.seq).Bind(2, cp.hash).Bind(3, cp.time_ms).Bind(4, cp.signature);
  return st->Run();
}

#undef BATON_PREPARE
#undef BATON_PREPARE_S

}  // namespace

Result<std::unique_ptr<Vault>> Vault::Open(Env& env, const std::string& path,
                                           const SecureBuffer& key, Mode mode) {
  auto db = Db::Open(env, path, key, mode == Mode::kCreateNew ? Db::Mode::kCreateNew
                                                              : Db::Mode::kOpenExisting);
  if (!db) return Fail(db.error());
  auto vault = std::make_unique<VaultImpl>(env, path, SecureBuffer::CopyOf(key.bytes()),
                                           std::move(*db));
  if (Status s = vault->Init(mode); !s.ok()) return Fail(s);
  return std::unique_ptr<Vault>(std::move(vault));
}

}  // namespace vault
