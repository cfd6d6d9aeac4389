#include "vault/vault.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>

#include "schema.h"
#include "txn_impl.h"
#include "vault/db.h"
#include "vault/emergency.h"

namespace vault {

// The tables whose rows decide who may do what (see Vault::AuthEpoch), with
// the trigger events on each that count as a change.
constexpr std::pair<std::string_view, std::string_view> kAuthTableEvents[] = {
    {"members", "INSERT"},
    {"members", "UPDATE"},
    {"members", "DELETE"},
    {"sessions", "INSERT"},
    {"sessions", "UPDATE"},
    {"sessions", "DELETE"},
    {"collection_access", "INSERT"},
    {"collection_access", "UPDATE"},
    {"collection_access", "DELETE"},
    {"collections", "DELETE"},
    {"items", "DELETE"},
    {"items", "UPDATE OF id, collection_id"},
    {"emergency_grants", "INSERT"},
    {"emergency_grants", "UPDATE"},
    {"emergency_grants", "DELETE"},
    {"emergency_grant_collections", "INSERT"},
    {"emergency_grant_collections", "UPDATE"},
    {"emergency_grant_collections", "DELETE"},
};

Status ConfigureConnection(Db& db) {
  return db.Exec(
      "PRAGMA foreign_keys = ON;"
      "PRAGMA synchronous = FULL;");
}

Status VaultImpl::Init(Mode mode) {
  // Read the schema version before anything writes, so a vault written by a
  // newer baton is left exactly as it is.
  auto stored = writer_->Row("PRAGMA user_version;", [](Statement& st) { return st.ColumnInt(0); });
  if (!stored) return stored.error();
  const int64_t version = stored->value_or(0);
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
  return WatchAuthTables();
}

// Temporary triggers on the writer connection count every change to the
// authorization tables in an in-memory temp table. The count is part of the
// transaction: a rolled-back savepoint takes its increments with it. Temp
// objects live only on this connection and never reach the vault file.
Status VaultImpl::WatchAuthTables() {
  std::string sql =
      "PRAGMA temp_store = MEMORY;"
      "CREATE TEMP TABLE auth_changes (n INTEGER NOT NULL);"
      "INSERT INTO temp.auth_changes (n) VALUES (0);";
  int i = 0;
  for (const auto& [table, event] : kAuthTableEvents) {
    sql += "CREATE TEMP TRIGGER auth_watch_" + std::to_string(i++) + " AFTER " +
           std::string(event) + " ON " + std::string(table) +
           " BEGIN UPDATE auth_changes SET n = n + 1; END;";
  }
  if (Status s = writer_->Exec(sql); !s.ok()) return s.WithContext("watching the auth tables");
  auto n = AuthChanges();
  if (!n) return n.error();
  auth_changes_ = *n;
  return Status::OK();
}

Result<int64_t> VaultImpl::AuthChanges() {
  auto n = writer_->Row("SELECT n FROM temp.auth_changes",
                        [](Statement& st) { return st.ColumnInt(0); });
  if (!n) return Fail(n.error());
  if (!*n) return Fail(Status::Internal("temp.auth_changes is empty"));
  return **n;
}

// SAVEPOINT and RELEASE run for every writer in a batch: prepared once.
Status VaultImpl::ExecCached(std::string_view sql) {
  if (savepoint_fault_) {
    if (Status s = savepoint_fault_(sql); !s.ok()) return s;
  }
  return writer_->Run(sql);
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
  // A writer whose changes could not be undone, or a savepoint that would
  // not close, leaves the transaction in an unknown state: committing it
  // could keep a failed writer's partial changes. The whole batch fails and
  // the transaction's destructor rolls it back.
  auto fail_batch = [&](const Status& why) {
    head_ = batch_start;
    for (Writer* w : batch) {
      if (w->status.ok()) w->status = why;
    }
  };
  for (Writer* w : batch) {
    const audit::Head before = head_;
    if (Status s = ExecCached("SAVEPOINT w"); !s.ok()) {
      w->status = s;
      continue;
    }
    w->status = RunOne(*w->fn);
    if (!w->status.ok()) {
      head_ = before;
      if (Status s = ExecCached("ROLLBACK TO w"); !s.ok()) {
        fail_batch(s.WithContext("undoing a failed write"));
        return;
      }
    }
    if (Status s = ExecCached("RELEASE w"); !s.ok()) {
      fail_batch(s.WithContext("closing a write's savepoint"));
      return;
    }
  }
  // If the batch touched the authorization tables, the epoch moves before
  // the commit (no fact cached from the old state is used once the new one
  // is visible) and again after it (facts read while the commit was under
  // way are dropped too). If the count cannot be read, assume a change.
  auto changes = AuthChanges();
  const bool auth_changed = !changes || *changes != auth_changes_;
  if (auth_changed) ++auth_epoch_;
  Status committed = txn->Commit();
  if (auth_changed) ++auth_epoch_;
  if (committed.ok() && changes) auth_changes_ = *changes;
  if (!committed.ok()) {
    head_ = batch_start;
    for (Writer* w : batch) {
      if (w->status.ok()) w->status = committed.WithContext("commit");
    }
  }
}

Status VaultImpl::Write(const std::function<Status(WriteTxn&)>& fn) {
  // Leader/follower group commit (as in LevelDB's DBImpl::Write): the writer
  // at the head of the queue commits everything queued behind it at once.
  Writer self(&fn);
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  if (queue_.front() != &self) {
    lock.unlock();
    if (self.Wait() == Writer::State::kDone) return self.status;
    lock.lock();  // the leader handed the queue's head over to us
  }

  std::vector<Writer*> batch;
  batch.reserve(std::min(queue_.size(), kMaxBatch));
  for (Writer* w : queue_) {
    batch.push_back(w);
    if (batch.size() == kMaxBatch) break;
  }
  lock.unlock();
  RunBatch(batch);
  lock.lock();
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(batch.size()));
  Writer* next = queue_.empty() ? nullptr : queue_.front();
  lock.unlock();
  // The next leader first, so the next batch starts while this one's
  // followers are being woken; each follower's status is final, and once it
  // sees kDone it returns and its Writer is gone (Set() touches nothing of
  // it after the store).
  if (next != nullptr) Writer::Set(next, Writer::State::kLead);
  for (Writer* w : batch) {
    if (w != &self) Writer::Set(w, Writer::State::kDone);
  }
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
  Status s = (*db)->Each("PRAGMA integrity_check;", [&](Statement& st) {
    findings += (findings.empty() ? "" : "; ") + st.ColumnText(0);
    return true;
  });
  ReturnReader(std::move(*db));
  if (!s.ok()) return s;
  if (findings != "ok") return Status::Corruption("integrity check: " + findings);
  return Status::OK();
}

// --- TxnImpl: reads ----------------------------------------------------------

int64_t TxnImpl::NowMs() { return ToMillis(vault_.env().Now()); }

Member ReadMemberRow(Statement& st) {
  Member m;
  m.id = st.ColumnText(0);
  m.name = st.ColumnText(1);
  m.role = st.ColumnText(2);
  m.status = st.ColumnText(3);
  m.signing_public_key = ToArray<32>(st.ColumnBlob(4));
  m.box_public_key = ToArray<32>(st.ColumnBlob(5));
  m.created_ms = st.ColumnInt(6);
  m.email = st.ColumnText(7);
  return m;
}

// The one value, or missing() when there is no row.
template <typename T, typename Missing>
Result<T> Required(Result<std::optional<T>> row, Missing missing) {
  if (!row) return Fail(row.error());
  if (!*row) return Fail(missing());
  return std::move(**row);
}

std::string ReadText0(Statement& st) { return st.ColumnText(0); }

constexpr char kMemberColumns[] = "id, name, role, status, sign_pk, box_pk, created_ms, email";

Result<Member> TxnImpl::GetMember(const std::string& id) {
  return Required(db_.Row(std::string("SELECT ") + kMemberColumns + " FROM members WHERE id = ?",
                          ReadMemberRow, id),
                  [&] { return Missing("member", id); });
}

Result<std::vector<Member>> TxnImpl::ListMembers() {
  return db_.Rows(std::string("SELECT ") + kMemberColumns + " FROM members ORDER BY name",
                  ReadMemberRow);
}

Collection ReadCollectionRow(Statement& st) {
  Collection c;
  c.id = st.ColumnText(0);
  c.name = st.ColumnText(1);
  c.key_version = st.ColumnInt(2);
  c.offline_cache = st.ColumnInt(3) != 0;
  c.needs_rekey = st.ColumnInt(4) != 0;
  c.created_ms = st.ColumnInt(5);
  return c;
}

constexpr char kCollectionColumns[] =
    "id, name, key_version, offline_cache, needs_rekey, created_ms";

Result<Collection> TxnImpl::GetCollection(const std::string& id) {
  return Required(
      db_.Row(std::string("SELECT ") + kCollectionColumns + " FROM collections WHERE id = ?",
              ReadCollectionRow, id),
      [&] { return Missing("collection", id); });
}

Result<std::vector<Collection>> TxnImpl::ListCollections() {
  return db_.Rows(std::string("SELECT ") + kCollectionColumns + " FROM collections ORDER BY name",
                  ReadCollectionRow);
}

Result<std::string> TxnImpl::GetAccess(const std::string& collection_id,
                                       const std::string& member_id) {
  return Required(
      db_.Row("SELECT access FROM collection_access WHERE collection_id = ? AND member_id = ?",
              ReadText0, collection_id, member_id),
      [&] { return Status::NotFound("member has no access to collection " + collection_id); });
}

Result<SealedKey> TxnImpl::GetSealedKey(const std::string& collection_id, KeyHolder holder,
                                        const std::string& holder_id) {
  return Required(
      db_.Row(
          "SELECT s.key_version, s.sealed FROM sealed_keys s JOIN collections c "
          "ON c.id = s.collection_id AND c.key_version = s.key_version "
          "WHERE s.collection_id = ? AND s.holder_kind = ? AND s.holder_id = ?",
          [&](Statement& st) {
            return SealedKey{collection_id, st.ColumnInt(0), holder, holder_id, st.ColumnBlob(1)};
          },
          collection_id, HolderName(holder), holder_id),
      [&] {
        return Status::NotFound("no sealed key of collection " + collection_id + " for " +
                                std::string(HolderName(holder)) + " " + holder_id);
      });
}

constexpr char kItemColumns[] =
    "id, collection_id, name, channel, url, rotation_period_s, last_rotated_ms, version, "
    "pending_version, key_version, updated_ms, updated_by, "
    "(SELECT MAX(v.version) FROM item_versions v WHERE v.item_id = items.id)";

ItemMeta ReadItemRow(Statement& st) {
  ItemMeta m;
  m.id = st.ColumnText(0);
  m.collection_id = st.ColumnText(1);
  m.name = st.ColumnText(2);
  m.channel = st.ColumnText(3);
  m.url = st.ColumnText(4);
  m.rotation_period_s = st.ColumnInt(5);
  m.last_rotated_ms = st.ColumnInt(6);
  m.version = st.ColumnInt(7);
  if (!st.ColumnIsNull(8)) m.pending_version = st.ColumnInt(8);
  m.key_version = st.ColumnInt(9);
  m.updated_ms = st.ColumnInt(10);
  m.updated_by = st.ColumnText(11);
  m.next_version = std::max(m.version, m.pending_version.value_or(0)) + 1;
  if (!st.ColumnIsNull(12)) m.next_version = std::max(m.next_version, st.ColumnInt(12) + 1);
  return m;
}

Result<std::vector<RotationFlagRecord>> TxnImpl::Flags(const std::string& item_id) {
  return db_.Rows(
      "SELECT kind, reason, raised_ms FROM item_flags WHERE item_id = ? ORDER BY kind",
      [](Statement& st) {
        return RotationFlagRecord{st.ColumnText(0), st.ColumnText(1), st.ColumnInt(2)};
      },
      item_id);
}

Result<ItemMeta> TxnImpl::GetItemMeta(const std::string& item_id) {
  auto meta = Required(db_.Row(std::string("SELECT ") + kItemColumns + " FROM items WHERE id = ?",
                               ReadItemRow, item_id),
                       [&] { return Missing("item", item_id); });
  if (!meta) return meta;
  auto flags = Flags(item_id);
  if (!flags) return Fail(flags.error());
  meta->flags = std::move(*flags);
  return meta;
}

Result<std::vector<ItemMeta>> TxnImpl::ListItems(const std::string& collection_id) {
  auto items = db_.Rows(
      std::string("SELECT ") + kItemColumns + " FROM items WHERE collection_id = ? ORDER BY name",
      ReadItemRow, collection_id);
  if (!items) return items;
  std::vector<ItemMeta> out = std::move(*items);
  for (ItemMeta& m : out) {
    auto flags = Flags(m.id);
    if (!flags) return Fail(flags.error());
    m.flags = std::move(*flags);
  }
  return out;
}

Result<std::optional<std::string>> TxnImpl::GetSetting(const std::string& key) {
  return db_.Row("SELECT value FROM settings WHERE key = ?", ReadText0, key);
}

Result<Session> TxnImpl::GetSession(const crypto::Hash& token_hash) {
  return Required(
      db_.Row(
          "SELECT member_id, created_ms, expires_ms FROM sessions WHERE token_hash = ?",
          [&](Statement& st) {
            return Session{token_hash, st.ColumnText(0), st.ColumnInt(1), st.ColumnInt(2)};
          },
          token_hash),
      [] { return Status::NotFound("no such session"); });
}

Result<std::vector<std::string>> TxnImpl::ListAccessibleCollections(const std::string& member_id) {
  return db_.Rows(
      "SELECT collection_id FROM collection_access WHERE member_id = ? ORDER BY collection_id",
      ReadText0, member_id);
}

Result<audit::Head> TxnImpl::AuditHead() {
  if (head_ != nullptr) return *head_;
  auto head =
      db_.Row("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1", [](Statement& st) {
        return audit::Head{st.ColumnInt(0), ToArray<32>(st.ColumnBlob(1))};
      });
  if (!head) return Fail(head.error());
  return head->value_or(audit::Head{});
}

Status TxnImpl::ScanAudit(int64_t from_seq, const std::function<bool(const audit::Event&)>& fn) {
  audit::Event e;
  return db_.Each(
      "SELECT seq, time_ms, actor, action, target, details, prev_hash, hash "
      "FROM audit_events WHERE seq >= ? ORDER BY seq",
      [&](Statement& st) {
        e.seq = st.ColumnInt(0);
        e.time_ms = st.ColumnInt(1);
        e.actor = st.ColumnText(2);
        e.action = st.ColumnText(3);
        e.target = st.ColumnText(4);
        e.details = st.ColumnText(5);
        e.prev_hash = ToArray<32>(st.ColumnBlob(6));
        e.hash = ToArray<32>(st.ColumnBlob(7));
        return fn(e);
      },
      from_seq);
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

audit::Checkpoint ReadCheckpointRow(Statement& st) {
  return {st.ColumnInt(0), ToArray<32>(st.ColumnBlob(1)), st.ColumnInt(2),
          ToArray<64>(st.ColumnBlob(3))};
}

Result<std::optional<audit::Checkpoint>> TxnImpl::LatestCheckpoint() {
  return db_.Row(
      "SELECT seq, hash, time_ms, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
      ReadCheckpointRow);
}

Result<std::vector<audit::Checkpoint>> TxnImpl::ListCheckpoints() {
  return db_.Rows("SELECT seq, hash, time_ms, signature FROM audit_checkpoints ORDER BY seq",
                  ReadCheckpointRow);
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
  if (Status s =
          db_.Run("INSERT INTO audit_events (seq, time_ms, actor, action, target, details, "
                  "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  e.seq, e.time_ms, e.actor, e.action, e.target, e.details, e.prev_hash, e.hash);
      !s.ok()) {
    return s.WithContext("audit append");
  }
  *head_ = next;
  return Status::OK();
}

Status TxnImpl::AddMember(const Actor& actor, const Member& m) {
  if (auto role = ParseTeamRole(m.role); !role) return role.error();
  if (Status s =
          db_.Run("INSERT INTO members (id, name, role, status, sign_pk, box_pk, created_ms) "
                  "VALUES (?, ?, ?, 'active', ?, ?, ?)",
                  m.id, m.name, m.role, m.signing_public_key, m.box_public_key, NowMs());
      !s.ok()) {
    return s.IsAlreadyExists() ? Status::AlreadyExists("a member named " + m.name + " exists") : s;
  }
  return Append(actor, "member.add", "member:" + m.id, {{"name", m.name}, {"role", m.role}});
}

Status TxnImpl::SetMemberRole(const Actor& actor, const std::string& id, const std::string& role) {
  if (auto parsed = ParseTeamRole(role); !parsed) return parsed.error();
  auto before = GetMember(id);
  if (!before) return before.error();
  if (Status s =
          db_.Run("UPDATE members SET role = ? WHERE id = ? AND status = 'active'", role, id);
      !s.ok()) {
    return s;
  }
  if (db_.Changes() != 1) return Status::FailedPrecondition("member " + id + " was removed");
  return Append(actor, "member.role", "member:" + id, {{"from", before->role}, {"to", role}});
}

Status TxnImpl::RemoveMember(const Actor& actor, const std::string& id) {
  auto member = GetMember(id);
  if (!member) return member.error();
  if (member->status != "active") {
    return Status::FailedPrecondition("member " + id + " was removed");
  }
  const int64_t now = NowMs();
  {
    if (Status s =
            db_.Run("UPDATE members SET status = 'removed', removed_ms = ? WHERE id = ?", now, id);
        !s.ok()) {
      return s;
    }
  }
  // Every collection whose key they held: its items are exposed.
  std::vector<std::string> collections;
  {
    auto held = Strings(
        "SELECT DISTINCT collection_id FROM sealed_keys "
        "WHERE holder_kind = 'member' AND holder_id = ? ORDER BY collection_id",
        id);
    if (!held) return held.error();
    collections = std::move(*held);
  }
  const RotationFlagRecord flag{std::string(ToString(RotationFlagKind::kMemberRemoved)),
                                "member " + member->name + " was removed", now};
  int64_t flagged = 0;
  for (const std::string& c : collections) {
    auto items = Strings("SELECT id FROM items WHERE collection_id = ?", c);
    if (!items) return items.error();
    for (const std::string& item : *items) {
      if (Status s = InsertFlag(item, flag); !s.ok()) return s;
      ++flagged;
    }
    if (Status s = db_.Run("UPDATE collections SET needs_rekey = 1 WHERE id = ?", c); !s.ok()) {
      return s;
    }
  }
  // A confirmation counts toward the two-person rule only while its author
  // is on the team; those of finished requests stay as history.
  auto withdrawn = Strings(
      "SELECT request_id FROM emergency_confirmations WHERE member_id = ? AND request_id IN "
      "(SELECT id FROM emergency_requests WHERE state = 'waiting') ORDER BY request_id",
      id);
  if (!withdrawn) return withdrawn.error();
  for (const char* sql : {"DELETE FROM collection_access WHERE member_id = ?",
                          "DELETE FROM sealed_keys WHERE holder_kind = 'member' AND holder_id = ?",
                          "DELETE FROM sessions WHERE member_id = ?",
                          "DELETE FROM emergency_confirmations WHERE member_id = ? AND request_id "
                          "IN (SELECT id FROM emergency_requests WHERE state = 'waiting')"}) {
    if (Status s = db_.Run(sql, id); !s.ok()) return s;
  }
  nlohmann::json details = {
      {"name", member->name}, {"collections_to_rekey", collections}, {"items_flagged", flagged}};
  if (!withdrawn->empty()) details["confirmations_withdrawn"] = *withdrawn;
  return Append(actor, "member.remove", "member:" + id, details);
}

Status TxnImpl::InsertSealedKey(const SealedKey& k) {
  return db_.Run(
      "INSERT OR REPLACE INTO sealed_keys (collection_id, key_version, holder_kind, "
      "holder_id, sealed, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
      k.collection_id, k.key_version, HolderName(k.holder), k.holder_id, k.sealed, NowMs());
}

Status TxnImpl::CreateCollection(const Actor& actor, const Collection& c,
                                 const std::vector<SealedKey>& keys) {
  if (Status s =
          db_.Run("INSERT INTO collections (id, name, key_version, offline_cache, needs_rekey, "
                  "created_ms) VALUES (?, ?, ?, ?, 0, ?)",
                  c.id, c.name, c.key_version, int64_t{c.offline_cache}, NowMs());
      !s.ok()) {
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
  if (m->status != "active") {
    return Status::FailedPrecondition("member " + member_id + " was removed");
  }
  if (key.collection_id != collection_id || key.holder != KeyHolder::kMember ||
      key.holder_id != member_id) {
    return Status::InvalidArgument("the sealed key is not for this member and collection");
  }
  if (key.key_version != c->key_version) {
    return Status::FailedPrecondition("the sealed key is for key version " +
                                      std::to_string(key.key_version) + ", the collection is at " +
                                      std::to_string(c->key_version));
  }
  if (Status s =
          db_.Run("INSERT OR REPLACE INTO collection_access (collection_id, member_id, access) "
                  "VALUES (?, ?, ?)",
                  collection_id, member_id, access);
      !s.ok()) {
    return s;
  }
  if (Status s = InsertSealedKey(key); !s.ok()) return s;
  return Append(actor, "collection.grant", "collection:" + collection_id,
                {{"member", member_id}, {"access", access}});
}

Status TxnImpl::RevokeAccess(const Actor& actor, const std::string& collection_id,
                             const std::string& member_id) {
  if (Status s = db_.Run("DELETE FROM collection_access WHERE collection_id = ? AND member_id = ?",
                         collection_id, member_id);
      !s.ok()) {
    return s;
  }
  if (db_.Changes() == 0) {
    return Status::NotFound("member " + member_id + " has no access to " + collection_id);
  }
  if (Status s =
          db_.Run("DELETE FROM sealed_keys WHERE collection_id = ? AND holder_kind = 'member' "
                  "AND holder_id = ?",
                  collection_id, member_id);
      !s.ok()) {
    return s;
  }
  // They may have kept the key: the collection is due for re-keying.
  if (Status s = db_.Run("UPDATE collections SET needs_rekey = 1 WHERE id = ?", collection_id);
      !s.ok()) {
    return s;
  }
  return Append(actor, "collection.revoke", "collection:" + collection_id, {{"member", member_id}});
}

// The checks CreateItem and UpdateItemMeta share.
Status ValidateItemMeta(const ItemMeta& meta) {
  if (meta.name.empty() || meta.name.size() > 200) {
    return Status::InvalidArgument("the item name must be 1 to 200 bytes");
  }
  if (auto channel = ParseChannelType(meta.channel); !channel) return channel.error();
  if (meta.rotation_period_s <= 0 || meta.rotation_period_s % 86400 != 0) {
    return Status::InvalidArgument("the rotation period must be a whole number of days");
  }
  return ValidateRotationPeriod(std::chrono::days(meta.rotation_period_s / 86400));
}

// A name clash becomes AlreadyExists in the caller's words.
Status NameTaken(Status s, const std::string& name) {
  return s.IsAlreadyExists()
             ? Status::AlreadyExists("an item named " + name +
                                     " exists in this collection or the id is taken")
             : s;
}

Status TxnImpl::CreateItem(const Actor& actor, const ItemMeta& meta,
                           const std::vector<uint8_t>& ciphertext) {
  if (meta.version != 1) return Status::InvalidArgument("a new item starts at version 1");
  if (Status s = ValidateItemMeta(meta); !s.ok()) return s;
  auto c = GetCollection(meta.collection_id);
  if (!c) return c.error();
  if (meta.key_version != c->key_version) {
    return Status::FailedPrecondition("item is encrypted under an old collection key");
  }
  const int64_t now = NowMs();
  if (Status s =
          db_.Run("INSERT INTO items (id, collection_id, name, channel, url, rotation_period_s, "
                  "last_rotated_ms, version, pending_version, key_version, updated_ms, updated_by) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, ?, ?, ?)",
                  meta.id, meta.collection_id, meta.name, meta.channel, meta.url,
                  meta.rotation_period_s, now, meta.key_version, now, actor.id);
      !s.ok()) {
    return NameTaken(s, meta.name);
  }
  if (Status s =
          db_.Run("INSERT INTO item_versions (item_id, version, key_version, state, ciphertext, "
                  "created_ms, created_by) VALUES (?, 1, ?, 'current', ?, ?, ?)",
                  meta.id, meta.key_version, ciphertext, now, actor.id);
      !s.ok()) {
    return s;
  }
  return Append(
      actor, "item.create", "item:" + meta.id,
      {{"collection", meta.collection_id}, {"name", meta.name}, {"channel", meta.channel}});
}

Status TxnImpl::UpdateItem(const Actor& actor, const std::string& item_id, int64_t expected_version,
                           const std::vector<uint8_t>& ciphertext) {
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
  const int64_t next = meta->next_version;
  {
    if (Status s =
            db_.Run("UPDATE item_versions SET state = 'previous' WHERE item_id = ? AND version = ?",
                    item_id, expected_version);
        !s.ok()) {
      return s;
    }
  }
  {
    if (Status s =
            db_.Run("INSERT INTO item_versions (item_id, version, key_version, state, ciphertext, "
                    "created_ms, created_by) VALUES (?, ?, ?, 'current', ?, ?, ?)",
                    item_id, next, meta->key_version, ciphertext, now, actor.id);
        !s.ok()) {
      return s;
    }
  }
  if (Status s =
          db_.Run("UPDATE items SET version = ?, updated_ms = ?, updated_by = ? WHERE id = ?", next,
                  now, actor.id, item_id);
      !s.ok()) {
    return s;
  }
  return Append(actor, "item.update", "item:" + item_id, {{"version", next}});
}

Status TxnImpl::DeleteItem(const Actor& actor, const std::string& item_id) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return meta.error();
  // Its versions and flags go with it (ON DELETE CASCADE).
  if (Status s = db_.Run("DELETE FROM items WHERE id = ?", item_id); !s.ok()) return s;
  return Append(actor, "item.delete", "item:" + item_id,
                {{"collection", meta->collection_id}, {"name", meta->name}});
}

Result<std::vector<uint8_t>> TxnImpl::CurrentCiphertext(const std::string& item_id,
                                                        int64_t version) {
  return Required(
      db_.Row(
          "SELECT ciphertext FROM item_versions WHERE item_id = ? AND version = ?",
          [](Statement& st) { return st.ColumnBlob(0); }, item_id, version),
      [&] { return Status::Corruption("item " + item_id + " has no current version"); });
}

constexpr char kVersionColumns[] =
    "version, key_version, state, ciphertext, created_ms, created_by";

ItemVersion ReadVersionRow(Statement& st) {
  return {st.ColumnInt(0),  st.ColumnInt(1), st.ColumnText(2),
          st.ColumnBlob(3), st.ColumnInt(4), st.ColumnText(5)};
}

Result<ItemWithCiphertext> TxnImpl::FetchItem(const Actor& actor, const std::string& item_id) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return Fail(meta.error());
  auto ct = CurrentCiphertext(meta->id, meta->version);
  if (!ct) return Fail(ct.error());
  ItemWithCiphertext out{std::move(*meta), std::move(*ct)};
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
  auto versions = db_.Rows(std::string("SELECT ") + kVersionColumns +
                               " FROM item_versions WHERE item_id = ? ORDER BY version",
                           ReadVersionRow, item_id);
  if (!versions) return versions;
  std::vector<ItemVersion> out = std::move(*versions);
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
  if (Status s = db_.Run("UPDATE collections SET offline_cache = ? WHERE id = ?",
                         int64_t{offline_cache}, collection_id);
      !s.ok()) {
    return s;
  }
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
  for (ItemMeta& m : *items) {
    if (m.updated_ms < since_ms) continue;
    auto ct = CurrentCiphertext(m.id, m.version);
    if (!ct) return Fail(ct.error());
    versions[m.id] = m.version;
    out.push_back({std::move(m), std::move(*ct)});
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
  return db_.Run(
      "INSERT OR REPLACE INTO item_flags (item_id, kind, reason, raised_ms) "
      "VALUES (?, ?, ?, ?)",
      item_id, f.kind, f.reason, f.raised_ms);
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
  if (Status s = db_.Run("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", key, value);
      !s.ok()) {
    return s;
  }
  return Append(actor, "setting.put", "setting:" + key, nlohmann::json::object());
}

Status TxnImpl::CreateInvite(const Actor& actor, const Invite& invite) {
  if (auto role = ParseTeamRole(invite.role); !role) return role.error();
  if (invite.name.empty()) return Status::InvalidArgument("an invite needs the new member's name");
  if (Status s =
          db_.Run("INSERT INTO invites (code_hash, role, name, created_by, created_ms, expires_ms) "
                  "VALUES (?, ?, ?, ?, ?, ?)",
                  invite.code_hash, invite.role, invite.name, invite.created_by, NowMs(),
                  invite.expires_ms);
      !s.ok()) {
    return s;
  }
  return Append(actor, "invite.create",
                "invite:" + crypto::ToHex(std::span(invite.code_hash).first(8)),
                {{"role", invite.role}, {"name", invite.name}, {"expires_ms", invite.expires_ms}});
}

Result<Member> TxnImpl::RedeemInvite(const crypto::Hash& code_hash, Member m) {
  struct Stored {
    std::string role;
    std::string name;
    int64_t expires_ms;
    bool used;
  };
  auto invite = Required(
      db_.Row(
          "SELECT role, name, expires_ms, used_ms FROM invites WHERE code_hash = ?",
          [](Statement& st) {
            return Stored{st.ColumnText(0), st.ColumnText(1), st.ColumnInt(2), !st.ColumnIsNull(3)};
          },
          code_hash),
      [] { return Status::NotFound("unknown invite code"); });
  if (!invite) return Fail(invite.error());
  m.role = std::move(invite->role);
  m.name = std::move(invite->name);
  const int64_t now = NowMs();
  if (invite->used) return Fail(Status::FailedPrecondition("this invite code was already used"));
  if (now >= invite->expires_ms) {
    return Fail(Status::FailedPrecondition("this invite code has expired"));
  }
  // Insert the member first: used_by references it.
  if (Status s = AddMember({m.id}, m); !s.ok()) return Fail(s);
  if (Status s = db_.Run("UPDATE invites SET used_ms = ?, used_by = ? WHERE code_hash = ?", now,
                         m.id, code_hash);
      !s.ok()) {
    return Fail(s);
  }
  m.status = "active";
  m.created_ms = now;
  return m;
}

Status TxnImpl::CreateSession(const Actor& actor, const Session& session) {
  if (Status s = db_.Run("INSERT INTO sessions (token_hash, member_id, created_ms, expires_ms) "
                         "VALUES (?, ?, ?, ?)",
                         session.token_hash, session.member_id, NowMs(), session.expires_ms);
      !s.ok()) {
    return s;
  }
  // Expired sessions of anyone are swept here: logins are rare, so this is
  // cheap and keeps the table small without a timer.
  if (Status s = db_.Run("DELETE FROM sessions WHERE expires_ms <= ?", NowMs()); !s.ok()) return s;
  return Append(actor, "auth.login", "member:" + session.member_id,
                {{"expires_ms", session.expires_ms}});
}

Status TxnImpl::DeleteSession(const Actor& actor, const crypto::Hash& token_hash) {
  if (Status s = db_.Run("DELETE FROM sessions WHERE token_hash = ?", token_hash); !s.ok()) {
    return s;
  }
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
  return db_.Run(
      "INSERT INTO audit_checkpoints (seq, hash, time_ms, signature) VALUES (?, ?, ?, ?)", cp.seq,
      cp.hash, cp.time_ms, cp.signature);
}

// --- TxnImpl: notice outbox and members' addresses ---------------------------

constexpr char kDeliveryColumns[] =
    "d.id, d.notice_id, d.channel, d.member_id, d.address, d.state, d.attempts, "
    "d.next_attempt_ms, d.last_error, d.delivered_ms, d.ended_ms, n.kind, n.text, n.details, "
    "n.created_ms FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id";

std::optional<DeliveryState> ParseDeliveryState(const std::string& s) {
  for (DeliveryState d : {DeliveryState::kPending, DeliveryState::kDelivered,
                          DeliveryState::kFailed, DeliveryState::kSkipped}) {
    if (DeliveryStateName(d) == s) return d;
  }
  return std::nullopt;
}

Delivery ReadDeliveryRow(Statement& st) {
  Delivery d;
  d.id = st.ColumnInt(0);
  d.notice_id = st.ColumnInt(1);
  d.channel = st.ColumnText(2) == "email" ? DeliveryChannel::kEmail : DeliveryChannel::kWebhook;
  d.member_id = st.ColumnText(3);
  d.address = st.ColumnText(4);
  d.state = ParseDeliveryState(st.ColumnText(5)).value_or(DeliveryState::kFailed);
  d.attempts = st.ColumnInt(6);
  d.next_attempt_ms = st.ColumnInt(7);
  d.last_error = st.ColumnText(8);
  if (!st.ColumnIsNull(9)) d.delivered_ms = st.ColumnInt(9);
  if (!st.ColumnIsNull(10)) d.ended_ms = st.ColumnInt(10);
  d.kind = st.ColumnText(11);
  d.text = st.ColumnText(12);
  d.details = st.ColumnText(13);
  d.created_ms = st.ColumnInt(14);
  return d;
}

// Keeps a whole UTF-8 sequence at the cut, so the text stays valid.
std::string CutUtf8(std::string s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

Result<std::vector<Delivery>> TxnImpl::ListDueDeliveries(int64_t now_ms, int64_t limit) {
  return db_.Rows(std::string("SELECT ") + kDeliveryColumns +
                      " WHERE d.state = 'pending' AND d.next_attempt_ms <= ? "
                      "ORDER BY d.next_attempt_ms, d.id LIMIT ?",
                  ReadDeliveryRow, now_ms, limit);
}

Result<std::vector<Delivery>> TxnImpl::ListDeliveries(int64_t notice_id) {
  return db_.Rows(
      std::string("SELECT ") + kDeliveryColumns + " WHERE ? = 0 OR d.notice_id = ? ORDER BY d.id",
      ReadDeliveryRow, notice_id, notice_id);
}

Status TxnImpl::EnqueueNotice(const Notice& notice) {
  if (notice.kind.empty() || notice.text.empty()) {
    return Status::InvalidArgument("a notice needs a kind and a text");
  }
  auto details = nlohmann::json::parse(notice.details, nullptr, /*allow_exceptions=*/false);
  if (details.is_discarded() || !details.is_object()) {
    return Status::InvalidArgument("notice details must be a JSON object");
  }
  // Resolve addresses now: a later change of address or a removal does not
  // redirect a notice already queued.
  std::vector<std::pair<std::string, std::string>> mail;  // member id, address
  for (const std::string& id : notice.member_ids) {
    if (std::any_of(mail.begin(), mail.end(), [&](const auto& m) { return m.first == id; })) {
      continue;
    }
    auto m = GetMember(id);
    if (!m) return m.error();
    if (m->status == "active" && !m->email.empty()) mail.emplace_back(id, m->email);
  }
  const int64_t now = NowMs();
  {
    if (Status s =
            db_.Run("INSERT INTO notices (kind, text, details, created_ms) VALUES (?, ?, ?, ?)",
                    notice.kind, notice.text, details.dump(), now);
        !s.ok()) {
      return s.WithContext("queue notice");
    }
  }
  const int64_t notice_id = db_.LastInsertRowId();
  constexpr std::string_view kInsertDelivery =
      "INSERT INTO notice_deliveries (notice_id, channel, member_id, address, next_attempt_ms) "
      "VALUES (?, ?, ?, ?, ?)";
  if (Status s = db_.Run(kInsertDelivery, notice_id, "webhook", "", "", now); !s.ok()) {
    return s.WithContext("queue notice");
  }
  for (const auto& [member_id, address] : mail) {
    if (Status s = db_.Run(kInsertDelivery, notice_id, "email", member_id, address, now); !s.ok()) {
      return s.WithContext("queue notice");
    }
  }
  return Status::OK();
}

Status TxnImpl::SetMemberEmail(const Actor& actor, const std::string& member_id,
                               const std::string& email) {
  auto m = GetMember(member_id);
  if (!m) return m.error();
  if (m->status != "active") {
    return Status::FailedPrecondition("member " + member_id + " was removed");
  }
  if (Status s = db_.Run("UPDATE members SET email = ? WHERE id = ?", email, member_id); !s.ok()) {
    return s;
  }
  return Append(actor, "member.email", "member:" + member_id, {{"set", !email.empty()}});
}

Status TxnImpl::RecordDeliveryAttempt(int64_t delivery_id, DeliveryState state,
                                      const std::string& error, int64_t next_attempt_ms) {
  auto current = Required(
      db_.Row("SELECT state FROM notice_deliveries WHERE id = ?", ReadText0, delivery_id), [&] {
        return Status::NotFound("delivery " + std::to_string(delivery_id) + " does not exist");
      });
  if (!current) return current.error();
  if (*current != "pending") {
    return Status::FailedPrecondition("delivery " + std::to_string(delivery_id) + " is " +
                                      *current);
  }
  const int64_t now = NowMs();
  const bool ended = state != DeliveryState::kPending;
  const auto now_if = [now](bool b) { return b ? std::optional<int64_t>(now) : std::nullopt; };
  return db_.Run(
      "UPDATE notice_deliveries SET state = ?, attempts = attempts + ?, "
      "next_attempt_ms = ?, last_error = ?, delivered_ms = ?, ended_ms = ? "
      "WHERE id = ?",
      DeliveryStateName(state), int64_t{state == DeliveryState::kSkipped ? 0 : 1},
      state == DeliveryState::kPending ? next_attempt_ms : now, CutUtf8(error, 200),
      now_if(state == DeliveryState::kDelivered), now_if(ended), delivery_id);
}

Result<int64_t> TxnImpl::PruneNotices(const Actor& actor, int64_t created_before_ms) {
  // A notice goes only with all of its deliveries over: one still pending
  // may yet be delivered, however old it is.
  constexpr const char* kPrunable =
      "SELECT id FROM notices WHERE created_ms < ? AND NOT EXISTS (SELECT 1 FROM "
      "notice_deliveries d WHERE d.notice_id = notices.id AND d.state = 'pending')";
  for (const char* head : {"DELETE FROM notice_deliveries WHERE notice_id IN (",
                           "DELETE FROM notices WHERE id IN ("}) {
    if (Status s = db_.Run(std::string(head) + kPrunable + ")", created_before_ms); !s.ok()) {
      return Fail(s.WithContext("prune notices"));
    }
  }
  const int64_t pruned = db_.Changes();
  if (pruned == 0) return pruned;
  if (Status s = Append(actor, "notices.prune", "notices",
                        {{"created_before_ms", created_before_ms}, {"notices", pruned}});
      !s.ok()) {
    return Fail(s);
  }
  return pruned;
}

// --- end of notice outbox ----------------------------------------------------

// --- TxnImpl: emergency access (DESIGN.md §6) ----------------------------------

Result<std::vector<std::string>> TxnImpl::Strings(const std::string& sql, const std::string& arg) {
  return db_.Rows(sql, ReadText0, arg);
}

Result<std::vector<EmergencyGrant>> TxnImpl::SelectGrants(const std::string& where,
                                                          const std::string& arg) {
  const std::string sql =
      "SELECT id, grantor_id, deputy_id, mode, wait_s, confirmations_required, "
      "access_window_s, status, created_ms, ended_ms FROM emergency_grants " +
      where + " ORDER BY created_ms, id";
  const auto read = [](Statement& st) {
    EmergencyGrant g;
    g.id = st.ColumnText(0);
    g.grantor_id = st.ColumnText(1);
    g.deputy_id = st.ColumnText(2);
    g.mode = st.ColumnText(3);
    g.wait_s = st.ColumnInt(4);
    g.confirmations_required = st.ColumnInt(5);
    g.access_window_s = st.ColumnInt(6);
    g.status = st.ColumnText(7);
    g.created_ms = st.ColumnInt(8);
    if (!st.ColumnIsNull(9)) g.ended_ms = st.ColumnInt(9);
    return g;
  };
  auto grants = arg.empty() ? db_.Rows(sql, read) : db_.Rows(sql, read, arg);
  if (!grants) return grants;
  std::vector<EmergencyGrant> out = std::move(*grants);
  for (EmergencyGrant& g : out) {
    auto cols = Strings(
        "SELECT collection_id FROM emergency_grant_collections WHERE grant_id = ? "
        "ORDER BY collection_id",
        g.id);
    if (!cols) return Fail(cols.error());
    g.collections = std::move(*cols);
  }
  return out;
}

Result<std::vector<EmergencyRequest>> TxnImpl::SelectRequests(const std::string& where,
                                                              const std::string& arg) {
  const std::string sql =
      "SELECT id, grant_id, state, reason, requested_ms, release_ms, decided_by, "
      "decided_ms, released_ms, expires_ms, reminded_24h_ms, reminded_1h_ms "
      "FROM emergency_requests " +
      where + " ORDER BY requested_ms, rowid";
  const auto read = [](Statement& st) {
    EmergencyRequest r;
    r.id = st.ColumnText(0);
    r.grant_id = st.ColumnText(1);
    r.state = st.ColumnText(2);
    r.reason = st.ColumnText(3);
    r.requested_ms = st.ColumnInt(4);
    r.release_ms = st.ColumnInt(5);
    if (!st.ColumnIsNull(6)) r.decided_by = st.ColumnText(6);
    if (!st.ColumnIsNull(7)) r.decided_ms = st.ColumnInt(7);
    if (!st.ColumnIsNull(8)) r.released_ms = st.ColumnInt(8);
    if (!st.ColumnIsNull(9)) r.expires_ms = st.ColumnInt(9);
    r.reminded_24h = !st.ColumnIsNull(10);
    r.reminded_1h = !st.ColumnIsNull(11);
    return r;
  };
  auto requests = arg.empty() ? db_.Rows(sql, read) : db_.Rows(sql, read, arg);
  if (!requests) return requests;
  std::vector<EmergencyRequest> out = std::move(*requests);
  for (EmergencyRequest& r : out) {
    auto who = Strings(
        "SELECT member_id FROM emergency_confirmations WHERE request_id = ? "
        "ORDER BY confirmed_ms, member_id",
        r.id);
    if (!who) return Fail(who.error());
    r.confirmations = std::move(*who);
  }
  return out;
}

Result<EmergencyGrant> TxnImpl::GetEmergencyGrant(const std::string& id) {
  auto g = SelectGrants("WHERE id = ?", id);
  if (!g) return Fail(g.error());
  if (g->empty()) return Fail(Missing("emergency grant", id));
  return std::move(g->front());
}

Result<std::vector<EmergencyGrant>> TxnImpl::ListEmergencyGrants() { return SelectGrants("", ""); }

Result<EmergencyRequest> TxnImpl::GetEmergencyRequest(const std::string& id) {
  auto r = SelectRequests("WHERE id = ?", id);
  if (!r) return Fail(r.error());
  if (r->empty()) return Fail(Missing("emergency request", id));
  return std::move(r->front());
}

Result<std::vector<EmergencyRequest>> TxnImpl::ListEmergencyRequests(const std::string& grant_id) {
  return grant_id.empty() ? SelectRequests("", "") : SelectRequests("WHERE grant_id = ?", grant_id);
}

Result<std::optional<EmergencyRequest>> TxnImpl::NewestEmergencyRequest(
    const std::string& grant_id) {
  auto all = SelectRequests("WHERE grant_id = ?", grant_id);
  if (!all) return Fail(all.error());
  if (all->empty()) return std::optional<EmergencyRequest>();
  return std::optional<EmergencyRequest>(std::move(all->back()));
}

Result<std::vector<EmergencyRequest>> TxnImpl::ListOpenEmergencyRequests() {
  return SelectRequests("WHERE state IN ('waiting', 'released')", "");
}

namespace {

Status CheckGrantNumbers(int64_t wait_s, int64_t confirmations, int64_t window_s) {
  if (wait_s < 3600 || wait_s > emergency::kMaxWaitHours * 3600) {
    return Status::InvalidArgument("the wait must be 1 to " +
                                   std::to_string(emergency::kMaxWaitHours) + " hours");
  }
  if (confirmations < 0 || confirmations > emergency::kMaxConfirmations) {
    return Status::InvalidArgument("confirmations_required must be 0 to " +
                                   std::to_string(emergency::kMaxConfirmations));
  }
  if (window_s < 3600 || window_s > emergency::kMaxWindowHours * 3600) {
    return Status::InvalidArgument("the access window must be 1 to " +
                                   std::to_string(emergency::kMaxWindowHours) + " hours");
  }
  return Status::OK();
}

}  // namespace

Status TxnImpl::CreateEmergencyGrant(const Actor& actor, const EmergencyGrant& g,
                                     const std::vector<SealedKey>& keys) {
  if (g.mode != "view" && g.mode != "takeover") {
    return Status::InvalidArgument("mode must be view or takeover");
  }
  if (Status s = CheckGrantNumbers(g.wait_s, g.confirmations_required, g.access_window_s);
      !s.ok()) {
    return s;
  }
  if (keys.empty()) return Status::InvalidArgument("a grant needs at least one collection key");
  std::vector<std::string> scope;
  for (const SealedKey& k : keys) {
    if (k.holder != KeyHolder::kGrant || k.holder_id != g.id) {
      return Status::InvalidArgument("a grant's keys must be held by the grant");
    }
    if (std::find(scope.begin(), scope.end(), k.collection_id) != scope.end()) {
      return Status::InvalidArgument("collection " + k.collection_id + " is listed twice");
    }
    auto c = GetCollection(k.collection_id);
    if (!c) return c.error();
    if (k.key_version != c->key_version) {
      return Status::FailedPrecondition("the key of collection " + k.collection_id +
                                        " is for version " + std::to_string(k.key_version) +
                                        ", the collection is at " + std::to_string(c->key_version));
    }
    scope.push_back(k.collection_id);
  }
  std::sort(scope.begin(), scope.end());
  {
    if (Status s = db_.Run("INSERT INTO emergency_grants (id, grantor_id, deputy_id, mode, wait_s, "
                           "confirmations_required, access_window_s, status, created_ms) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)",
                           g.id, g.grantor_id, g.deputy_id, g.mode, g.wait_s,
                           g.confirmations_required, g.access_window_s, NowMs());
        !s.ok()) {
      return s.IsAlreadyExists() ? Status::AlreadyExists("emergency grant " + g.id + " exists") : s;
    }
  }
  for (const SealedKey& k : keys) {
    if (Status s = db_.Run("INSERT INTO emergency_grant_collections (grant_id, collection_id) "
                           "VALUES (?, ?)",
                           g.id, k.collection_id);
        !s.ok()) {
      return s;
    }
    if (Status s = InsertSealedKey(k); !s.ok()) return s;
  }
  return Append(actor, "emergency.grant.create", "grant:" + g.id,
                {{"grantor", g.grantor_id},
                 {"deputy", g.deputy_id},
                 {"mode", g.mode},
                 {"wait_s", g.wait_s},
                 {"confirmations_required", g.confirmations_required},
                 {"access_window_s", g.access_window_s},
                 {"collections", scope}});
}

Status TxnImpl::ChangeEmergencyGrant(const Actor& actor, const std::string& id, int64_t wait_s,
                                     int64_t confirmations_required, int64_t access_window_s) {
  if (Status s = CheckGrantNumbers(wait_s, confirmations_required, access_window_s); !s.ok()) {
    return s;
  }
  auto g = GetEmergencyGrant(id);
  if (!g) return g.error();
  if (g->status != "active") return Status::FailedPrecondition("the grant is " + g->status);
  if (Status s = db_.Run("UPDATE emergency_grants SET wait_s = ?, confirmations_required = ?, "
                         "access_window_s = ? WHERE id = ?",
                         wait_s, confirmations_required, access_window_s, id);
      !s.ok()) {
    return s;
  }
  return Append(actor, "emergency.grant.change", "grant:" + id,
                {{"wait_s", {g->wait_s, wait_s}},
                 {"confirmations_required", {g->confirmations_required, confirmations_required}},
                 {"access_window_s", {g->access_window_s, access_window_s}}});
}

Status TxnImpl::EndEmergencyGrant(const Actor& actor, const std::string& id,
                                  const std::string& status, const std::string& reason) {
  if (status != "revoked" && status != "declined") {
    return Status::InvalidArgument("a grant ends revoked or declined");
  }
  auto g = GetEmergencyGrant(id);
  if (!g) return g.error();
  if (g->status != "active") return Status::FailedPrecondition("the grant is " + g->status);
  auto newest = NewestEmergencyRequest(id);
  if (!newest) return newest.error();
  if (*newest && ((*newest)->state == "waiting" || (*newest)->state == "released")) {
    return Status::FailedPrecondition("cancel the grant's open request first");
  }
  {
    if (Status s = db_.Run("UPDATE emergency_grants SET status = ?, ended_ms = ? WHERE id = ?",
                           status, NowMs(), id);
        !s.ok()) {
      return s;
    }
  }
  // The escrowed keys serve no one any more.
  if (Status s =
          db_.Run("DELETE FROM sealed_keys WHERE holder_kind = 'grant' AND holder_id = ?", id);
      !s.ok()) {
    return s;
  }
  return Append(actor, status == "revoked" ? "emergency.grant.revoke" : "emergency.grant.decline",
                "grant:" + id, {{"deputy", g->deputy_id}, {"reason", reason}});
}

Status TxnImpl::CreateEmergencyRequest(const Actor& actor, const EmergencyRequest& r) {
  auto g = GetEmergencyGrant(r.grant_id);
  if (!g) return g.error();
  if (g->status != "active") return Status::FailedPrecondition("the grant is " + g->status);
  if (r.reason.empty() || r.reason.size() > emergency::kMaxReasonBytes) {
    return Status::InvalidArgument("the reason must be 1 to 500 bytes");
  }
  if (Status s =
          db_.Run("INSERT INTO emergency_requests (id, grant_id, state, reason, requested_ms, "
                  "release_ms) VALUES (?, ?, 'waiting', ?, ?, ?)",
                  r.id, r.grant_id, r.reason, r.requested_ms, r.release_ms);
      !s.ok()) {
    return s;
  }
  return Append(actor, "emergency.request", "request:" + r.id,
                {{"grant", r.grant_id}, {"reason", r.reason}, {"release_ms", r.release_ms}});
}

Status TxnImpl::ConfirmEmergencyRequest(const Actor& actor, const std::string& request_id) {
  auto r = GetEmergencyRequest(request_id);
  if (!r) return r.error();
  if (r->state != "waiting") {
    return Status::FailedPrecondition("cannot confirm: the request is " + r->state);
  }
  if (Status s =
          db_.Run("INSERT INTO emergency_confirmations (request_id, member_id, confirmed_ms) "
                  "VALUES (?, ?, ?)",
                  request_id, actor.id, NowMs());
      !s.ok()) {
    return s.IsAlreadyExists() ? Status::FailedPrecondition("you confirmed this request already")
                               : s;
  }
  return Append(actor, "emergency.confirm", "request:" + request_id,
                {{"grant", r->grant_id}, {"confirmations", r->confirmations.size() + 1}});
}

Status TxnImpl::TransitionEmergencyRequest(const Actor& actor, const EmergencyTransition& t) {
  auto to = emergency::ParseState(t.to);
  if (!to) return to.error();
  auto r = GetEmergencyRequest(t.request_id);
  if (!r) return r.error();
  if (r->state != "waiting" && r->state != "released") {
    return Status::FailedPrecondition("the request is " + r->state);
  }
  auto g = GetEmergencyGrant(r->grant_id);
  if (!g) return g.error();
  const bool release = *to == emergency::State::kReleased;
  if (release && r->state != "waiting") {
    return Status::FailedPrecondition("the request is " + r->state);
  }
  {
    if (Status s = db_.Run("UPDATE emergency_requests SET state = ?, "
                           "decided_by = CASE WHEN ? THEN ? ELSE decided_by END, "
                           "decided_ms = CASE WHEN ? THEN ? ELSE decided_ms END, "
                           "released_ms = CASE WHEN ? THEN ? ELSE released_ms END, "
                           "expires_ms = CASE WHEN ? THEN ? ELSE expires_ms END WHERE id = ?",
                           t.to, int64_t{t.decided}, actor.id, int64_t{t.decided}, t.at_ms,
                           int64_t{release}, t.at_ms, int64_t{release}, t.expires_ms, t.request_id);
        !s.ok()) {
      return s;
    }
  }
  nlohmann::json details = {
      {"grant", g->id}, {"from", r->state}, {"to", t.to}, {"at_ms", t.at_ms}, {"reason", t.reason}};
  if (!release) return Append(actor, t.action, "request:" + t.request_id, details);
  if (t.action != "emergency.release") {
    if (Status s = Append(actor, t.action, "request:" + t.request_id, details); !s.ok()) return s;
  }

  // Whatever the deputy can now read is exposed: rotate it, re-key it.
  const RotationFlagRecord flag{std::string(ToString(RotationFlagKind::kEmergencyAccess)),
                                "rotate: exposed via emergency access", t.at_ms};
  int64_t flagged = 0;
  for (const std::string& c : g->collections) {
    auto items = Strings("SELECT id FROM items WHERE collection_id = ?", c);
    if (!items) return items.error();
    for (const std::string& item : *items) {
      if (Status s = InsertFlag(item, flag); !s.ok()) return s;
      ++flagged;
    }
    if (Status s = db_.Run("UPDATE collections SET needs_rekey = 1 WHERE id = ?", c); !s.ok()) {
      return s;
    }
  }
  details["mode"] = g->mode;
  details["deputy"] = g->deputy_id;
  details["expires_ms"] = t.expires_ms;
  details["items_flagged"] = flagged;
  details["collections_to_rekey"] = g->collections;
  if (Status s = Append(actor, "emergency.release", "request:" + t.request_id, details); !s.ok()) {
    return s;
  }
  if (g->mode != "takeover") return Status::OK();
  auto deputy = GetMember(g->deputy_id);
  if (!deputy) return deputy.error();
  if (t.takeover_keys.size() != g->collections.size()) {
    return Status::InvalidArgument("a takeover needs the deputy's key for every collection");
  }
  if (deputy->role == "member") {
    if (Status s = SetMemberRole(actor, deputy->id, "admin"); !s.ok()) return s;
  }
  for (const SealedKey& k : t.takeover_keys) {
    if (std::find(g->collections.begin(), g->collections.end(), k.collection_id) ==
        g->collections.end()) {
      return Status::InvalidArgument("a takeover key is for a collection outside the grant");
    }
    if (Status s = GrantAccess(actor, k.collection_id, deputy->id, "manage", k); !s.ok()) {
      return s;
    }
  }
  return Status::OK();
}

Status TxnImpl::MarkEmergencyReminder(const Actor& actor, const std::string& request_id,
                                      const std::string& which) {
  const char* sql =
      which == "24h"  ? "UPDATE emergency_requests SET reminded_24h_ms = ? WHERE id = ?"
      : which == "1h" ? "UPDATE emergency_requests SET reminded_1h_ms = ? WHERE id = ?"
                      : nullptr;
  if (sql == nullptr) return Status::InvalidArgument("reminders are 24h or 1h");
  if (Status s = db_.Run(sql, NowMs(), request_id); !s.ok()) return s;
  if (db_.Changes() != 1) return Missing("emergency request", request_id);
  return Append(actor, "emergency.reminder", "request:" + request_id, {{"before", which}});
}

Result<ItemWithCiphertext> TxnImpl::FetchEmergencyItem(const Actor& actor,
                                                       const std::string& request_id,
                                                       const std::string& item_id) {
  auto r = GetEmergencyRequest(request_id);
  if (!r) return Fail(r.error());
  auto g = GetEmergencyGrant(r->grant_id);
  if (!g) return Fail(g.error());
  auto meta = GetItemMeta(item_id);
  if (!meta || std::find(g->collections.begin(), g->collections.end(), meta->collection_id) ==
                   g->collections.end()) {
    // Out of scope reads as absent: the deputy learns nothing about it.
    return Fail(Status::NotFound("item " + item_id + " is not in this request's scope"));
  }
  auto ct = CurrentCiphertext(meta->id, meta->version);
  if (!ct) return Fail(ct.error());
  ItemWithCiphertext out{std::move(*meta), std::move(*ct)};
  if (Status s = Append(actor, "emergency.item.read", "item:" + item_id,
                        {{"request", request_id}, {"version", out.meta.version}});
      !s.ok()) {
    return Fail(s);
  }
  return out;
}

Status TxnImpl::RekeyCollection(const Actor& actor, const Rekey& r) {
  auto c = GetCollection(r.collection_id);
  if (!c) return c.error();
  if (r.key_version != c->key_version + 1) {
    return Status::FailedPrecondition("collection " + r.collection_id + " is at key version " +
                                      std::to_string(c->key_version) + ": the new one is " +
                                      std::to_string(c->key_version + 1));
  }
  // Exactly the expected set, each once: a missing holder would lose the
  // collection, an extra one would gain it.
  auto same_set = [](std::vector<std::string> want, std::vector<std::string> got,
                     const std::string& what) -> Status {
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    if (std::adjacent_find(got.begin(), got.end()) != got.end()) {
      return Status::InvalidArgument(what + " lists one twice");
    }
    for (const std::string& w : want) {
      if (!std::binary_search(got.begin(), got.end(), w)) {
        return Status::InvalidArgument(what + " misses " + w);
      }
    }
    for (const std::string& g : got) {
      if (!std::binary_search(want.begin(), want.end(), g)) {
        return Status::InvalidArgument(what + " names " + g + ", which should not get one");
      }
    }
    return Status::OK();
  };
  auto members =
      Strings("SELECT member_id FROM collection_access WHERE collection_id = ?", r.collection_id);
  if (!members) return members.error();
  std::vector<std::string> got;
  for (const auto& [id, box] : r.member_keys) got.push_back(id);
  if (Status s = same_set(*members, got, "member_keys"); !s.ok()) return s;
  auto grants = Strings(
      "SELECT g.id FROM emergency_grants g JOIN emergency_grant_collections c "
      "ON c.grant_id = g.id WHERE g.status = 'active' AND c.collection_id = ?",
      r.collection_id);
  if (!grants) return grants.error();
  got.clear();
  for (const auto& [id, box] : r.grant_keys) got.push_back(id);
  if (Status s = same_set(*grants, got, "grant_keys"); !s.ok()) return s;
  auto item_ids = Strings("SELECT id FROM items WHERE collection_id = ?", r.collection_id);
  if (!item_ids) return item_ids.error();
  got.clear();
  for (const RekeyedItem& i : r.items) got.push_back(i.id);
  if (Status s = same_set(*item_ids, got, "items"); !s.ok()) return s;

  const int64_t now = NowMs();
  for (const RekeyedItem& i : r.items) {
    auto meta = GetItemMeta(i.id);
    if (!meta) return meta.error();
    if (meta->version != i.expected_version || meta->pending_version) {
      return Status::FailedPrecondition("item " + i.id + " changed meanwhile (now at version " +
                                        std::to_string(meta->version) + ")");
    }
    {
      if (Status s = db_.Run(
              "UPDATE item_versions SET state = 'previous' WHERE item_id = ? AND version = ?", i.id,
              i.expected_version);
          !s.ok()) {
        return s;
      }
    }
    {
      if (Status s =
              db_.Run("INSERT INTO item_versions (item_id, version, key_version, state, "
                      "ciphertext, created_ms, created_by) VALUES (?, ?, ?, 'current', ?, ?, ?)",
                      i.id, meta->next_version, r.key_version, i.ciphertext, now, actor.id);
          !s.ok()) {
        return s;
      }
    }
    if (Status s = db_.Run("UPDATE items SET version = ?, key_version = ?, updated_ms = ?, "
                           "updated_by = ? WHERE id = ?",
                           meta->next_version, r.key_version, now, actor.id, i.id);
        !s.ok()) {
      return s;
    }
  }
  {
    if (Status s = db_.Run("UPDATE collections SET key_version = ?, needs_rekey = 0 WHERE id = ?",
                           r.key_version, r.collection_id);
        !s.ok()) {
      return s;
    }
  }
  for (const auto& [id, box] : r.member_keys) {
    if (Status s = InsertSealedKey({r.collection_id, r.key_version, KeyHolder::kMember, id, box});
        !s.ok()) {
      return s;
    }
  }
  for (const auto& [id, box] : r.grant_keys) {
    if (Status s = InsertSealedKey({r.collection_id, r.key_version, KeyHolder::kGrant, id, box});
        !s.ok()) {
      return s;
    }
  }
  if (r.recovery_key) {
    if (Status s = InsertSealedKey(
            {r.collection_id, r.key_version, KeyHolder::kRecovery, "recovery", *r.recovery_key});
        !s.ok()) {
      return s;
    }
  }
  return Append(actor, "collection.rekey", "collection:" + r.collection_id,
                {{"from", c->key_version},
                 {"to", r.key_version},
                 {"items", r.items.size()},
                 {"member_keys", r.member_keys.size()},
                 {"grant_keys", r.grant_keys.size()},
                 {"recovery", r.recovery_key.has_value()}});
}

// --- end of emergency access ----------------------------------------------------
// --- TxnImpl: two-phase rotation and item metadata ----------------------------

TimePoint TimeOfMs(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

Result<TxnImpl::StoredRotation> TxnImpl::LoadRotation(const std::string& item_id) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return Fail(meta.error());
  std::optional<ItemVersion> pending;
  if (meta->pending_version) {
    auto row = Required(
        db_.Row(std::string("SELECT ") + kVersionColumns +
                    " FROM item_versions WHERE item_id = ? AND version = ? AND state = 'pending'",
                ReadVersionRow, item_id, *meta->pending_version),
        [&] {
          return Status::Corruption("item " + item_id + " has no row for its pending version");
        });
    if (!row) return Fail(row.error());
    pending = std::move(*row);
  }
  // Replays what the rows record: flags raised before the rotation began,
  // the begin, then flags raised while it was pending. Begin also checks the
  // pending number against every number used so far (next_version - 1).
  RotationState state(static_cast<uint64_t>(meta->version), TimeOfMs(meta->last_rotated_ms));
  const int64_t begun_ms = pending ? pending->created_ms : INT64_MAX;
  auto raise = [&](bool before_begin) {
    for (const RotationFlagRecord& f : meta->flags) {
      if ((f.raised_ms < begun_ms) != before_begin) continue;
      auto kind = ParseRotationFlagKind(f.kind);
      state.RaiseFlag({kind ? *kind : RotationFlagKind::kManual, f.reason, TimeOfMs(f.raised_ms)});
    }
  };
  raise(true);
  if (pending) {
    if (Status s = state.Begin(TimeOfMs(begun_ms), static_cast<uint64_t>(pending->version));
        !s.ok()) {
      return Fail(Status::Corruption("item " + item_id + ": " + s.message()));
    }
    raise(false);
  }
  return StoredRotation{std::move(*meta), std::move(pending), std::move(state)};
}

Status TxnImpl::SetVersionState(const std::string& item_id, int64_t version,
                                std::string_view state) {
  return db_.Run("UPDATE item_versions SET state = ? WHERE item_id = ? AND version = ?", state,
                 item_id, version);
}

Result<int64_t> TxnImpl::BeginRotation(const Actor& actor, const std::string& item_id,
                                       int64_t expected_version,
                                       const std::vector<uint8_t>& ciphertext) {
  auto r = LoadRotation(item_id);
  if (!r) return Fail(r.error());
  if (r->meta.version != expected_version) {
    return Fail(Status::FailedPrecondition(
        "item " + item_id + " is at version " + std::to_string(r->meta.version) + ", not " +
        std::to_string(expected_version) + " (changed meanwhile)"));
  }
  const int64_t now = NowMs();
  const int64_t version = r->meta.next_version;
  if (Status s = r->state.Begin(TimeOfMs(now), static_cast<uint64_t>(version)); !s.ok()) {
    return Fail(s);
  }
  {
    if (Status s =
            db_.Run("INSERT INTO item_versions (item_id, version, key_version, state, ciphertext, "
                    "created_ms, created_by) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
                    item_id, version, r->meta.key_version, ciphertext, now, actor.id);
        !s.ok()) {
      return Fail(s);
    }
  }
  if (Status s = db_.Run("UPDATE items SET pending_version = ? WHERE id = ?", version, item_id);
      !s.ok()) {
    return Fail(s);
  }
  if (Status s = Append(actor, "item.rotate.begin", "item:" + item_id,
                        {{"current", r->meta.version}, {"pending", version}});
      !s.ok()) {
    return Fail(s);
  }
  return version;
}

Status TxnImpl::ConfirmRotation(const Actor& actor, const std::string& item_id,
                                int64_t pending_version) {
  auto r = LoadRotation(item_id);
  if (!r) return r.error();
  const int64_t now = NowMs();
  const int64_t old_version = r->meta.version;
  if (Status s = r->state.Confirm(TimeOfMs(now)); !s.ok()) return s;
  if (r->pending->version != pending_version) {
    return Status::FailedPrecondition("the pending version of item " + item_id + " is " +
                                      std::to_string(r->pending->version) + ", not " +
                                      std::to_string(pending_version));
  }
  if (Status s = SetVersionState(item_id, old_version, "previous"); !s.ok()) return s;
  if (Status s = SetVersionState(item_id, pending_version, "current"); !s.ok()) return s;
  {
    if (Status s =
            db_.Run("UPDATE items SET version = ?, pending_version = NULL, last_rotated_ms = ?, "
                    "updated_ms = ?, updated_by = ? WHERE id = ?",
                    pending_version, now, now, actor.id, item_id);
        !s.ok()) {
      return s;
    }
  }
  // The state machine decides which flags the new secret settles; the rows
  // follow it, and the event keeps why each cleared flag was raised.
  nlohmann::json cleared = nlohmann::json::array();
  for (const RotationFlagRecord& f : r->meta.flags) {
    auto kind = ParseRotationFlagKind(f.kind);
    if (kind && r->state.flags().Has(*kind)) continue;
    if (Status s =
            db_.Run("DELETE FROM item_flags WHERE item_id = ? AND kind = ?", item_id, f.kind);
        !s.ok()) {
      return s;
    }
    cleared.push_back({{"kind", f.kind}, {"reason", f.reason}, {"raised_ms", f.raised_ms}});
  }
  return Append(actor, "item.rotate.confirm", "item:" + item_id,
                {{"version", pending_version}, {"previous", old_version}, {"cleared", cleared}});
}

Status TxnImpl::AbortRotation(const Actor& actor, const std::string& item_id) {
  auto r = LoadRotation(item_id);
  if (!r) return r.error();
  if (Status s = r->state.Abort(TimeOfMs(NowMs())); !s.ok()) return s;
  const int64_t version = r->pending->version;
  if (Status s = SetVersionState(item_id, version, "aborted"); !s.ok()) return s;
  if (Status s = db_.Run("UPDATE items SET pending_version = NULL WHERE id = ?", item_id);
      !s.ok()) {
    return s;
  }
  return Append(actor, "item.rotate.abort", "item:" + item_id,
                {{"current", r->meta.version}, {"aborted", version}});
}

Result<ItemVersion> TxnImpl::FetchPendingVersion(const Actor& actor, const std::string& item_id) {
  auto r = LoadRotation(item_id);
  if (!r) return Fail(r.error());
  if (!r->pending) {
    return Fail(Status::FailedPrecondition("no rotation of item " + item_id + " is pending"));
  }
  if (Status s = Append(actor, "item.read", "item:" + item_id,
                        {{"version", r->pending->version}, {"state", "pending"}});
      !s.ok()) {
    return Fail(s);
  }
  return std::move(*r->pending);
}

Status TxnImpl::UpdateItemMeta(const Actor& actor, const std::string& item_id,
                               const ItemMetaChange& change) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return meta.error();
  ItemMeta next = *meta;
  nlohmann::json changed = nlohmann::json::object();
  if (change.name && *change.name != meta->name) {
    next.name = *change.name;
    changed["name"] = {meta->name, next.name};
  }
  if (change.url && *change.url != meta->url) {
    next.url = *change.url;
    changed["url"] = {meta->url, next.url};
  }
  if (change.channel && *change.channel != meta->channel) {
    next.channel = *change.channel;
    changed["channel"] = {meta->channel, next.channel};
  }
  if (change.rotation_period_s && *change.rotation_period_s != meta->rotation_period_s) {
    next.rotation_period_s = *change.rotation_period_s;
    changed["rotation_period_days"] = {meta->rotation_period_s / 86400,
                                       next.rotation_period_s / 86400};
  }
  if (Status s = ValidateItemMeta(next); !s.ok()) return s;
  if (changed.empty()) {
    return Status::InvalidArgument("nothing to change: the item already has these values");
  }
  if (Status s = db_.Run("UPDATE items SET name = ?, url = ?, channel = ?, rotation_period_s = ?, "
                         "updated_ms = ?, updated_by = ? WHERE id = ?",
                         next.name, next.url, next.channel, next.rotation_period_s, NowMs(),
                         actor.id, item_id);
      !s.ok()) {
    return NameTaken(s, next.name);
  }
  return Append(actor, "item.meta", "item:" + item_id, changed);
}

std::string_view DeliveryChannelName(DeliveryChannel c) {
  return c == DeliveryChannel::kEmail ? "email" : "webhook";
}

std::string_view DeliveryStateName(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPending: return "pending";
    case DeliveryState::kDelivered: return "delivered";
    case DeliveryState::kFailed: return "failed";
    case DeliveryState::kSkipped: return "skipped";
  }
  return "failed";
}

Result<std::unique_ptr<Vault>> Vault::Open(Env& env, const std::string& path,
                                           const SecureBuffer& key, Mode mode) {
  auto db = Db::Open(env, path, key,
                     mode == Mode::kCreateNew ? Db::Mode::kCreateNew : Db::Mode::kOpenExisting);
  if (!db) return Fail(db.error());
  auto vault =
      std::make_unique<VaultImpl>(env, path, SecureBuffer::CopyOf(key.bytes()), std::move(*db));
  if (Status s = vault->Init(mode); !s.ok()) return Fail(s);
  return std::unique_ptr<Vault>(std::move(vault));
}

}  // namespace vault
