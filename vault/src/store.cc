// The store: opening, schema migrations, the group commit of writers, the
// pool of reader connections and the commit observers.
#include <algorithm>
#include <memory>
#include <utility>

#include "schema.h"
#include "txn_impl.h"

namespace vault {
namespace {

// The tables whose rows decide who may do what (CommitInfo::auth_changed), with
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

}  // namespace

Status StoreImpl::Init() {
  // Read the schema version before anything writes, so a vault written by a
  // newer baton is left exactly as it is.
  auto stored = writer_->Row("PRAGMA user_version;", ReadFirst<int64_t>);
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
Status StoreImpl::WatchAuthTables() {
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

Result<int64_t> StoreImpl::AuthChanges() {
  auto n = writer_->Row("SELECT n FROM temp.auth_changes", ReadFirst<int64_t>);
  if (!n) return Fail(n.error());
  if (!*n) return Fail(Status::Internal("temp.auth_changes is empty"));
  return **n;
}

// SAVEPOINT and RELEASE run for every writer in a batch: prepared once.
Status StoreImpl::ExecCached(std::string_view sql) {
  if (savepoint_fault_) {
    if (Status s = savepoint_fault_(sql); !s.ok()) return s;
  }
  return writer_->Run(sql);
}

Status StoreImpl::RunOne(const std::function<Status(WriteTxn&)>& fn) {
  TxnImpl txn(*this, *writer_, &head_);
  try {
    return fn(txn);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("write failed: ") + e.what());
  }
}

void StoreImpl::RunBatch(const std::vector<Writer*>& batch) {
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
  // If the count cannot be read, assume a change.
  auto changes = AuthChanges();
  const bool auth_changed = !changes || *changes != auth_changes_;
  Status committed = txn->Commit();
  if (!committed.ok()) {
    // The transaction's destructor rolls it back: nothing changed.
    head_ = batch_start;
    for (Writer* w : batch) {
      if (w->status.ok()) w->status = committed.WithContext("commit");
    }
    return;
  }
  if (changes) auth_changes_ = *changes;
  // Observers hear of the commit only now that it is visible to new reads,
  // and before any of its writers returns (the leader wakes them after
  // RunBatch): a reader that sees what an observer did also sees the commit.
  if (std::ranges::any_of(batch, [](const Writer* w) { return w->status.ok(); })) {
    NotifyCommit({.auth_changed = auth_changed});
  }
}

void StoreImpl::NotifyCommit(const CommitInfo& info) {
  std::lock_guard lock(observers_mu_);
  for (const auto& [id, observer] : observers_) observer(info);
}

uint64_t StoreImpl::AddCommitObserver(CommitObserver observer) {
  std::lock_guard lock(observers_mu_);
  const uint64_t id = next_observer_++;
  observers_.emplace(id, std::move(observer));
  return id;
}

void StoreImpl::RemoveCommitObserver(uint64_t id) {
  std::lock_guard lock(observers_mu_);
  observers_.erase(id);
}

Status StoreImpl::Write(const std::function<Status(WriteTxn&)>& fn) {
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

Result<std::unique_ptr<Db>> StoreImpl::TakeReader() {
  {
    std::lock_guard lock(mu_);
    if (!readers_.empty()) {
      auto db = std::move(readers_.back());
      readers_.pop_back();
      return db;
    }
  }
  auto db = Db::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting}, path_);
  if (!db) return Fail(db.error());
  if (Status s = ConfigureConnection(**db); !s.ok()) return Fail(s);
  return std::move(*db);
}

void StoreImpl::ReturnReader(std::unique_ptr<Db> db) {
  std::lock_guard lock(mu_);
  readers_.push_back(std::move(db));
}

Status StoreImpl::Read(const std::function<Status(ReadTxn&)>& fn) {
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

Status StoreImpl::CheckIntegrity() {
  auto db = TakeReader();
  if (!db) return db.error();
  auto rows = (*db)->Rows("PRAGMA integrity_check;", ReadFirst<std::string>);
  ReturnReader(std::move(*db));
  if (!rows) return rows.error();
  std::string findings;
  for (const std::string& finding : *rows) findings += (findings.empty() ? "" : "; ") + finding;
  if (findings != "ok") return Status::Corruption("integrity check: " + findings);
  return Status::OK();
}

Result<std::unique_ptr<Store>> Store::Open(const Options& options, const std::string& path) {
  auto db = Db::Open(options, path);
  if (!db) return Fail(db.error());
  Env& env = options.env != nullptr ? *options.env : Env::Default();
  auto vault = std::make_unique<StoreImpl>(env, path, SecureBuffer::CopyOf(options.key->bytes()),
                                           std::move(*db));
  if (Status s = vault->Init(); !s.ok()) return Fail(s);
  return std::unique_ptr<Store>(std::move(vault));
}

}  // namespace vault
