// LocalDb: an encrypted SQLite database (SQLCipher under a raw 32-byte key)
// for a program's own tables, such as the client's offline cache. The
// team's data lives in a Store; this is for state kept beside it. The
// database file is created 0600 and starts with baton's salt marker, so
// Open tells a wrong key from a file that is not one of ours.
//
// Not thread-safe: one thread at a time uses a LocalDb.
#ifndef BATON_VAULT_LOCAL_DB_H_
#define BATON_VAULT_LOCAL_DB_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vault/options.h"
#include "vault/status.h"

namespace vault {

class LocalDb {
 public:
  // A value bound to ?1..?N: NULL, an integer, text or bytes.
  using Arg = std::variant<std::nullptr_t, int64_t, std::string_view, std::span<const uint8_t>>;

  // One result row; valid only inside the callback that received it.
  // Columns are 0-based.
  class Row {
   public:
    virtual int64_t Int(int column) = 0;
    virtual std::string Text(int column) = 0;
    virtual std::vector<uint8_t> Blob(int column) = 0;
    virtual bool IsNull(int column) = 0;

   protected:
    ~Row() = default;
  };

  // Opens or creates the database at `path`. Errors: NotFound,
  // AlreadyExists, InvalidArgument (no key, or not a baton database),
  // WrongPassphrase (wrong key), ResourceExhausted (another process holds
  // it), IOError.
  static Result<std::unique_ptr<LocalDb>> Open(const Options& options, const std::string& path);
  virtual ~LocalDb() = default;

  // Runs one or more statements without arguments or rows (e.g. a schema).
  virtual Status Exec(std::string_view sql) = 0;
  // Runs one statement with `args`, expecting no rows.
  virtual Status Run(std::string_view sql, std::initializer_list<Arg> args) = 0;
  // Calls fn for each row, in order, until it returns false.
  virtual Status Each(std::string_view sql, std::initializer_list<Arg> args,
                      const std::function<bool(Row&)>& fn) = 0;
  // Runs fn in a write transaction (BEGIN IMMEDIATE): committed if it
  // returns OK, rolled back otherwise.
  virtual Status InTransaction(const std::function<Status()>& fn) = 0;
};

}  // namespace vault

#endif  // BATON_VAULT_LOCAL_DB_H_
