// Db: a thin RAII layer over one SQLCipher connection.
//
// Used by the store and LocalDb; not a general ORM. Private to libvault. A connection is not
// thread-safe: one thread at a time. Statements are prepared once and cached
// per connection.
#ifndef BATON_VAULT_SRC_DB_H_
#define BATON_VAULT_SRC_DB_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "vault/env.h"
#include "vault/options.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace vault {

class Statement;

// What a row reader makes: T for a reader returning T or Result<T>.
template <typename T>
struct RowValue {
  using type = T;
};
template <typename T>
struct RowValue<Result<T>> {
  using type = T;
};
template <typename Read>
using RowOf = typename RowValue<std::invoke_result_t<Read&, Statement&>>::type;

// The enum `name` names, through `parse` (a Result<Enum>(std::string_view)).
// A stored name this build does not know was not written by it (a newer
// baton, or tampering): Corruption, not a default.
template <typename Parse>
auto StoredEnum(std::string_view name, const Parse& parse) -> decltype(parse(name)) {
  auto value = parse(name);
  if (!value) return Fail(Status::Corruption("stored data: " + value.error().message()));
  return value;
}

// A text column read as the enum it names (see Statement::Columns). `Out` is
// the enum, or a std::optional of it.
template <typename Out, typename Parse>
struct NamedColumn {
  Out& out;
  Parse parse;
};
template <typename Out, typename Parse>
NamedColumn<Out, Parse> Named(Out& out, Parse parse) {
  return {out, parse};
}

class Db {
 public:
  // Opens (or creates) an encrypted database at `path`. Errors:
  //   NotFound          kOpenExisting and there is no file
  //   AlreadyExists     kCreateNew and a file is there
  //   InvalidArgument   no key, or the file is not a baton vault (e.g. plain
  //                     SQLite)
  //   WrongPassphrase   the key does not open the vault
  // Nothing is written to an existing file by Open itself. SQLite does its own
  // file I/O on the real file system; the env supplies only randomness.
  static Result<std::unique_ptr<Db>> Open(const Options& options, const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  // A cached prepared statement, reset and with bindings cleared.
  Result<Statement*> Prepare(std::string_view sql);

  // The statement helpers below prepare `sql` (cached), bind `args` to
  // ?1..?N and leave the statement reset, whatever happens. An argument is
  // an integer, text, bytes, or a std::optional of one (nullopt: NULL).
  //
  // Runs a statement that returns no rows.
  template <typename... Args>
  Status Run(std::string_view sql, const Args&... args);
  // Calls fn(Statement&) for each row, in order, until it returns false.
  template <typename Fn, typename... Args>
  Status Each(std::string_view sql, Fn&& fn, const Args&... args);
  // Every row, as read(Statement&) makes it. `read` returns a T, or a
  // Result<T> when it may refuse a row (a stored name this build does not
  // know); the first refusal is then the answer.
  template <typename Read, typename... Args>
  auto Rows(std::string_view sql, Read&& read, const Args&... args)
      -> Result<std::vector<RowOf<Read>>>;
  // The first row, if there is one.
  template <typename Read, typename... Args>
  auto Row(std::string_view sql, Read&& read, const Args&... args)
      -> Result<std::optional<RowOf<Read>>>;

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
  template <typename T>
  Statement& Bind(int i, const std::optional<T>& v) {
    return v ? Bind(i, *v) : BindNull(i);
  }
  // Binds `args` to ?1..?N.
  template <typename... Args>
  Statement& BindAll(const Args&... args) {
    int i = 0;
    (Bind(++i, args), ...);
    return *this;
  }

  // Steps once: true with a row, false when done.
  Result<bool> Step();
  // Steps to completion, expecting no rows.
  Status Run();

  int64_t ColumnInt(int i);
  std::string ColumnText(int i);
  std::vector<uint8_t> ColumnBlob(int i);
  bool ColumnIsNull(int i);

  // Reads columns 0..N-1 of the row into `out`, in order, each by its type:
  //   std::string              text
  //   int64_t                  an integer
  //   bool                     an integer, true unless 0
  //   std::vector<uint8_t>     a blob
  //   std::array<uint8_t, N>   a blob of exactly N bytes (a key, a hash)
  //   std::optional<T>         NULL: nullopt; otherwise as T
  //   Named(value, parse)      text naming an enum (StoredEnum's rule)
  // A NULL read into a non-optional is what SQLite makes of it: 0, false, an
  // empty text or blob; a fixed-size blob or an enum then refuses it.
  // Corruption at the first column that does not hold its type's value;
  // the columns after it are left as they were.
  template <typename... Out>
  Status Columns(Out&&... out) {
    int i = 0;
    Status s = Status::OK();
    (void)((s = ReadColumn(i++, out)).ok() && ...);
    return s;
  }

  void Reset();

 private:
  friend class Db;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Status BindStatus();

  Status ReadColumn(int i, std::string& out);
  Status ReadColumn(int i, int64_t& out);
  Status ReadColumn(int i, bool& out);
  Status ReadColumn(int i, std::vector<uint8_t>& out);
  Status ReadFixedBlob(int i, std::span<uint8_t> out);
  template <size_t N>
  Status ReadColumn(int i, std::array<uint8_t, N>& out) {
    return ReadFixedBlob(i, out);
  }
  template <typename T>
  Status ReadColumn(int i, std::optional<T>& out) {
    return ReadNullable(i, out, [&](T& value) { return ReadColumn(i, value); });
  }
  template <typename Enum, typename Parse>
  Status ReadColumn(int i, const NamedColumn<Enum, Parse>& named) {
    auto value = StoredEnum(ColumnText(i), named.parse);
    if (!value) return value.error();
    named.out = *value;
    return Status::OK();
  }
  template <typename Enum, typename Parse>
  Status ReadColumn(int i, const NamedColumn<std::optional<Enum>, Parse>& named) {
    return ReadNullable(i, named.out,
                        [&](Enum& value) { return ReadColumn(i, Named(value, named.parse)); });
  }
  // `out` is nullopt for a NULL, else what read(T&) makes of the column.
  template <typename T, typename Read>
  Status ReadNullable(int i, std::optional<T>& out, const Read& read) {
    if (ColumnIsNull(i)) {
      out.reset();
      return Status::OK();
    }
    T value{};
    Status s = read(value);
    if (s.ok()) out = std::move(value);
    return s;
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;
};

// `value` (moved out unless const) once `s`, the step that made it or must
// precede handing it out, is OK; `s` otherwise. A row reader:
// `return OnceOk(st.Columns(m.id, m.name), m);`.
template <typename T>
Result<std::remove_const_t<T>> OnceOk(Status s, T& value) {
  if (!s.ok()) return Fail(std::move(s));
  return std::move(value);
}

// Column 0 of a row, as a T: a row reader for a one-column SELECT.
template <typename T>
Result<T> ReadFirst(Statement& st) {
  T value{};
  return OnceOk(st.Columns(value), value);
}

template <typename... Args>
Status Db::Run(std::string_view sql, const Args&... args) {
  auto st = Prepare(sql);
  if (!st) return st.error();
  return (*st)->BindAll(args...).Run();
}

template <typename Fn, typename... Args>
Status Db::Each(std::string_view sql, Fn&& fn, const Args&... args) {
  auto prepared = Prepare(sql);
  if (!prepared) return prepared.error();
  Statement& st = (*prepared)->BindAll(args...);
  for (;;) {
    auto row = st.Step();
    if (!row) {
      st.Reset();
      return row.error();
    }
    if (!*row || !fn(st)) break;
  }
  st.Reset();
  return Status::OK();
}

template <typename Read, typename... Args>
auto Db::Rows(std::string_view sql, Read&& read, const Args&... args)
    -> Result<std::vector<RowOf<Read>>> {
  std::vector<RowOf<Read>> out;
  Status refused = Status::OK();
  Status s = Each(
      sql,
      [&](Statement& st) {
    Result<RowOf<Read>> row = read(st);
    if (!row) {
      refused = row.error();
      return false;
    }
    out.push_back(std::move(*row));
    return true;
      },
      args...);
  if (!s.ok()) return Fail(s);
  if (!refused.ok()) return Fail(refused);
  return out;
}

template <typename Read, typename... Args>
auto Db::Row(std::string_view sql, Read&& read, const Args&... args)
    -> Result<std::optional<RowOf<Read>>> {
  std::optional<Result<RowOf<Read>>> row;
  Status s = Each(
      sql,
      [&](Statement& st) {
    row = read(st);
    return false;
      },
      args...);
  if (!s.ok()) return Fail(s);
  if (!row) return std::optional<RowOf<Read>>();
  if (!*row) return Fail(row->error());
  return std::optional<RowOf<Read>>(std::move(**row));
}

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

#endif  // BATON_VAULT_SRC_DB_H_
