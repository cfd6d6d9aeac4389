// SQLITE_HAS_CODEC exposes sqlite3_key in SQLCipher's header.
#define SQLITE_HAS_CODEC 1
#include "db.h"

#include <sodium.h>
#include <sqlcipher/sqlite3.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace vault {
namespace {

// Every baton vault's SQLCipher salt (the file's first 16 bytes) starts with
// this marker, followed by 8 random bytes. With a random 256-bit raw key the
// salt only diversifies the per-page HMAC key, so a fixed prefix costs
// nothing, and it lets Open tell "wrong key" from "not a vault".
constexpr char kSaltMarker[8] = {'B', 'A', 'T', 'O', 'N', 'V', 'L', 'T'};
constexpr char kPlainSqlite[16] = "SQLite format 3";  // with its NUL: 16 bytes

Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return Status::AlreadyExists(msg);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return Status::Corruption(msg);
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: return Status::IOError(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Status::ResourceExhausted(msg);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: return Status::PermissionDenied(msg);
    default: return Status::Internal(msg);
  }
}

// Checks the first 16 bytes of an existing file before SQLCipher sees it.
// `files` is the real file system: SQLite does its own file I/O, so the
// checks must look where it looks.
Status CheckHeader(Env& files, const std::string& path) {
  auto bytes = files.ReadFilePrefix(path, 16);
  if (!bytes) return bytes.error();
  if (bytes->size() >= sizeof kPlainSqlite &&
      std::memcmp(bytes->data(), kPlainSqlite, sizeof kPlainSqlite) == 0) {
    return Status::InvalidArgument(path + " is a plain SQLite database, not a baton vault");
  }
  if (bytes->size() < 16 || std::memcmp(bytes->data(), kSaltMarker, sizeof kSaltMarker) != 0) {
    return Status::InvalidArgument(path + " is not a baton vault");
  }
  return Status::OK();
}

// "x'<64 hex key>[<32 hex salt>]'" in locked memory: SQLCipher's raw-key
// syntax, which skips its passphrase KDF.
SecureBuffer RawKeySpec(const SecureBuffer& key, std::span<const uint8_t> salt) {
  SecureBuffer spec(3 + 2 * key.size() + 2 * salt.size() + 1);
  char* p = reinterpret_cast<char*>(spec.data());
  *p++ = 'x';
  *p++ = '\'';
  sodium_bin2hex(p, 2 * key.size() + 1, key.data(), key.size());
  p += 2 * key.size();
  if (!salt.empty()) {
    sodium_bin2hex(p, 2 * salt.size() + 1, salt.data(), salt.size());
    p += 2 * salt.size();
  }
  *p++ = '\'';
  spec.Truncate(static_cast<size_t>(p - reinterpret_cast<char*>(spec.data())));
  return spec;
}

}  // namespace

Result<std::unique_ptr<Db>> Db::Open(const Options& options, const std::string& path) {
  if (options.key == nullptr || options.key->size() != 32) {
    return Fail(Status::InvalidArgument("a vault key must be 32 bytes"));
  }
  const SecureBuffer& key = *options.key;
  const OpenMode mode = options.mode;
  Env& env = options.env != nullptr ? *options.env : Env::Default();
  Env& files = Env::Default();
  const bool exists = files.FileExists(path);
  if (mode == OpenMode::kOpenExisting) {
    if (!exists) return Fail(Status::NotFound("no vault at " + path));
    if (Status s = CheckHeader(files, path); !s.ok()) return Fail(s);
  } else if (exists) {
    return Fail(Status::AlreadyExists(path + " exists; refusing to overwrite it"));
  } else if (Status s = files.WriteFileAtomic(path, {}, 0600); !s.ok()) {
    // An empty file is a new database to SQLite; creating it first makes it
    // 0600 whatever the umask, and SQLite gives its -wal and -shm files the
    // database file's mode.
    return Fail(s);
  }

  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                    (mode == OpenMode::kCreateNew ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<Db> db(new Db(raw));
  if (rc != SQLITE_OK) return Fail(SqliteStatus(raw, rc, "open " + path));
  sqlite3_extended_result_codes(raw, 1);
  // Before the first read: another process writing the file (a second
  // client on the same cache) must make this one wait, not fail "busy".
  sqlite3_busy_timeout(raw, 5000);

  uint8_t salt[16];
  std::memcpy(salt, kSaltMarker, sizeof kSaltMarker);
  env.RandomBytes(std::span(salt).subspan(sizeof kSaltMarker));
  SecureBuffer spec = RawKeySpec(key, mode == OpenMode::kCreateNew ? std::span<const uint8_t>(salt)
                                                                   : std::span<const uint8_t>());
  rc = sqlite3_key(raw, spec.data(), static_cast<int>(spec.size()));
  if (rc != SQLITE_OK) return Fail(SqliteStatus(raw, rc, "set vault key"));
  // 4 KiB pages: SQLCipher 3's default 1 KiB page makes bulk inserts 1.8x
  // slower than 4 KiB here (bench/RESULTS.md, section 9). Not stored in the
  // file, so it is set on every open.
  if (Status s = db->Exec("PRAGMA cipher_page_size = 4096;"); !s.ok()) return Fail(s);
  // The first read decrypts page 1: a wrong key shows here, before anything
  // is written.
  rc = sqlite3_exec(raw, "SELECT count(*) FROM sqlite_master;", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    if ((rc & 0xff) == SQLITE_NOTADB) {
      return Fail(Status::WrongPassphrase("the key does not open the vault at " + path));
    }
    return Fail(SqliteStatus(raw, rc, "read " + path));
  }
  return db;
}

Db::~Db() {
  cache_.clear();  // statements before the connection
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Status Db::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::OK();
  std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return SqliteStatus(nullptr, rc, msg);
}

Result<Statement*> Db::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->Reset();
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Fail(SqliteStatus(db_, rc, "prepare"));
  auto owned = std::unique_ptr<Statement>(new Statement(db_, stmt));
  Statement* out = owned.get();
  cache_.emplace(std::string(sql), std::move(owned));
  return out;
}

int64_t Db::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Db::Changes() const { return sqlite3_changes(db_); }

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int i, int64_t v) {
  if (int rc = sqlite3_bind_int64(stmt_, i, v); rc != SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int i, std::string_view v) {
  if (int rc = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      rc != SQLITE_OK) {
    bind_error_ = rc;
  }
  return *this;
}

Statement& Statement::Bind(int i, std::span<const uint8_t> v) {
  // A zero-length blob, not NULL, for an empty span.
  static const uint8_t kEmpty = 0;
  const void* data = v.empty() ? &kEmpty : v.data();
  if (int rc = sqlite3_bind_blob(stmt_, i, data, static_cast<int>(v.size()), SQLITE_TRANSIENT);
      rc != SQLITE_OK) {
    bind_error_ = rc;
  }
  return *this;
}

Statement& Statement::BindNull(int i) {
  if (int rc = sqlite3_bind_null(stmt_, i); rc != SQLITE_OK) bind_error_ = rc;
  return *this;
}

Status Statement::BindStatus() {
  if (bind_error_ == 0) return Status::OK();
  return SqliteStatus(db_, bind_error_, "bind");
}

Result<bool> Statement::Step() {
  if (Status s = BindStatus(); !s.ok()) return Fail(s);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Fail(SqliteStatus(db_, rc, "step"));
}

Status Statement::Run() {
  for (;;) {
    auto row = Step();
    if (!row) {
      Reset();
      return row.error();
    }
    if (!*row) break;
  }
  Reset();
  return Status::OK();
}

int64_t Statement::ColumnInt(int i) { return sqlite3_column_int64(stmt_, i); }

std::string Statement::ColumnText(int i) {
  const auto* p = sqlite3_column_text(stmt_, i);
  const int n = sqlite3_column_bytes(stmt_, i);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
}

std::vector<uint8_t> Statement::ColumnBlob(int i) {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, i));
  const int n = sqlite3_column_bytes(stmt_, i);
  return p == nullptr ? std::vector<uint8_t>() : std::vector<uint8_t>(p, p + n);
}

bool Statement::ColumnIsNull(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

Status Statement::ReadColumn(int i, std::string& out) {
  out = ColumnText(i);
  return Status::OK();
}

Status Statement::ReadColumn(int i, int64_t& out) {
  out = ColumnInt(i);
  return Status::OK();
}

Status Statement::ReadColumn(int i, bool& out) {
  out = ColumnInt(i) != 0;
  return Status::OK();
}

Status Statement::ReadColumn(int i, std::vector<uint8_t>& out) {
  out = ColumnBlob(i);
  return Status::OK();
}

// A key or hash of another length is not one this build wrote.
Status Statement::ReadFixedBlob(int i, std::span<uint8_t> out) {
  const std::vector<uint8_t> blob = ColumnBlob(i);
  if (blob.size() != out.size()) {
    return Status::Corruption("stored data: column " + std::to_string(i) + " holds " +
                              std::to_string(blob.size()) + " bytes, not " +
                              std::to_string(out.size()));
  }
  std::copy(blob.begin(), blob.end(), out.begin());
  return Status::OK();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = 0;
}

Result<Transaction> Transaction::Begin(Db& db) {
  if (Status s = db.Exec("BEGIN IMMEDIATE;"); !s.ok()) return Fail(s);
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->Exec("ROLLBACK;");
}

Status Transaction::Commit() {
  Status s = db_->Exec("COMMIT;");
  if (s.ok()) db_ = nullptr;
  return s;
}

}  // namespace vault
