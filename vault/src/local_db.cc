#include "vault/local_db.h"

#include <utility>

#include "db.h"

namespace vault {
namespace {

class RowImpl final : public LocalDb::Row {
 public:
  explicit RowImpl(Statement& st) : st_(st) {}
  int64_t Int(int column) override { return st_.ColumnInt(column); }
  std::string Text(int column) override { return st_.ColumnText(column); }
  std::vector<uint8_t> Blob(int column) override { return st_.ColumnBlob(column); }
  bool IsNull(int column) override { return st_.ColumnIsNull(column); }

 private:
  Statement& st_;
};

class LocalDbImpl final : public LocalDb {
 public:
  explicit LocalDbImpl(std::unique_ptr<Db> db) : db_(std::move(db)) {}

  Status Exec(std::string_view sql) override { return db_->Exec(sql); }

  Status Run(std::string_view sql, std::initializer_list<Arg> args) override {
    auto st = Prepare(sql, args);
    if (!st) return st.error();
    return (*st)->Run();
  }

  Status Each(std::string_view sql, std::initializer_list<Arg> args,
              const std::function<bool(Row&)>& fn) override {
    auto st = Prepare(sql, args);
    if (!st) return st.error();
    Status s;
    for (;;) {
      auto row = (*st)->Step();
      if (!row) {
        s = row.error();
        break;
      }
      RowImpl r(**st);
      if (!*row || !fn(r)) break;
    }
    (*st)->Reset();
    return s;
  }

  Status InTransaction(const std::function<Status()>& fn) override {
    auto txn = Transaction::Begin(*db_);
    if (!txn) return txn.error();
    if (Status s = fn(); !s.ok()) return s;  // the destructor rolls back
    return txn->Commit();
  }

 private:
  Result<Statement*> Prepare(std::string_view sql, std::initializer_list<Arg> args) {
    auto st = db_->Prepare(sql);
    if (!st) return st;
    int i = 0;
    for (const Arg& a : args) {
      ++i;
      std::visit(
          [&](const auto& v) {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::nullptr_t>) {
          (*st)->BindNull(i);
        } else {
          (*st)->Bind(i, v);
        }
          },
          a);
    }
    return st;
  }

  std::unique_ptr<Db> db_;
};

}  // namespace

Result<std::unique_ptr<LocalDb>> LocalDb::Open(const Options& options, const std::string& path) {
  auto db = Db::Open(options, path);
  if (!db) return Fail(db.error());
  return std::unique_ptr<LocalDb>(std::make_unique<LocalDbImpl>(std::move(*db)));
}

}  // namespace vault
