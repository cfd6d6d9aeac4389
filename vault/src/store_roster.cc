// The stored team roster (vault/roster.h): entries exactly as signed, in
// seq order. The store keeps the chain append-only; whether an entry may
// follow is roster::Apply's to say, before the server appends it.
#include <string>
#include <vector>

#include "txn_impl.h"

namespace vault {

Result<std::vector<roster::Entry>> TxnImpl::RosterEntries(uint64_t from) {
  return db_.Rows(
      "SELECT statement, signature FROM roster WHERE seq >= ? ORDER BY seq",
      [](Statement& st) {
    roster::Entry e;
    return OnceOk(st.Columns(e.statement, e.signature), e);
      },
      static_cast<int64_t>(from));
}

Status TxnImpl::AppendRoster(const Actor& actor, uint64_t seq, std::string_view kind,
                             const roster::Entry& entry, const crypto::Hash& hash) {
  auto size = db_.Row("SELECT count(*) FROM roster", ReadFirst<int64_t>);
  if (!size) return size.error();
  if (!*size || static_cast<uint64_t>(**size) != seq) {
    return Status::FailedPrecondition("the roster has changed: entry " + std::to_string(seq) +
                                      " does not follow it");
  }
  if (Status s = db_.Run("INSERT INTO roster (seq, statement, signature, hash) VALUES (?, ?, ?, ?)",
                         static_cast<int64_t>(seq), entry.statement, entry.signature, hash);
      !s.ok()) {
    return s.WithContext("roster append");
  }
  return Append(actor, "roster.append", "roster:" + std::to_string(seq),
                {{"seq", seq}, {"kind", kind}, {"hash", crypto::ToHex(hash)}});
}

}  // namespace vault
