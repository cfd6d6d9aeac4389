// Db: a thin RAII layer over one SQLCipher connection.
//
// Used by the vault store; not a general ORM. A connection is not
// thread-safe: one thread at a time. Statements are prepared once and cached
// per connection.
#ifndef BATON_VAULT_DB_H_
#define BATON_VAULT_DB_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace vault {

class Statement;

class Db {
 public:
  enum class Mode { kOpenExisting, kCreateNew };

  // Opens (or creates) an encrypted database at `path` with a raw 32-byte
  // key (SQLCipher's passphrase KDF is never used). Errors:
  //   NotFound          kOpenExisting and there is no file
  //   AlreadyExists     kCreateNew and a file is there
  //   InvalidArgument   the file is not a baton vault (e.g. plain SQLite)
  //   WrongPassphrase   the key does not open the vault
  // Nothing is written to an existing file by Open itself. SQLite does its own
  // file I/O on the real file system; `env` supplies only randomness.
  static Result<std::unique_ptr<Db>> Open(Env& env, const std::string& path,
                                          const SecureBuffer& key, Mode mode);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  // A cached prepared statement, reset and with bindings cleared.
  Result<Statement*> Prepare(std::string_view sql);

  int64_t LastInsertRowId() const;
  int Changes() const;
  sqlite3* raw() { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> cache_;
};

// A prepared statement. Bind* take 1-based indexes; Column* 0-based.
class Statement {
 public:
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, std::string_view v);
  Statement& Bind(int i, std::span<const uint8_t> v);
  Statement& BindNull(int i);

  // Steps once: true with a row, false when done.
  Result<bool> Step();
  // Steps to completion, expecting no rows.
  Status Run();

  int64_t ColumnInt(int i);
  std::string ColumnText(int i);
  std::vector<uint8_t> ColumnBlob(int i);
  bool ColumnIsNull(int i);

  void Reset();

 private:
  friend class Db;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Status BindStatus();
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit()
// succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Db& db);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;
};

}  // namespace vault

#endif  // BATON_VAULT_DB_H_
