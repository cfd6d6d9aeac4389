// The record of sent reminder digests (vault/reminders.h), stored beside the
// store's own tables through its transaction object.
#include "txn_impl.h"
#include "vault/reminders.h"
#include "vault/time_format.h"

namespace vault::reminders {
namespace {

// Every ReadTxn and WriteTxn of libvault is a TxnImpl.
Db& DigestDb(ReadTxn& t) { return static_cast<TxnImpl&>(t).db(); }

std::string DayKey(std::chrono::sys_days day) {
  return FormatUtc(ToUnixMs(TimePoint(day)), UtcFormat::kDate);
}

}  // namespace

Result<std::set<DigestKey>> SentOn(ReadTxn& t, std::chrono::sys_days day) {
  auto rows = DigestDb(t).Rows(
      "SELECT member_id, kind FROM reminder_digests WHERE day = ? ORDER BY member_id, kind",
      [&](Statement& st) -> Result<DigestKey> {
        DigestKey k{{}, day, DigestKind::kDaily};
        return OnceOk(st.Columns(k.member_id, Named(k.kind, ParseDigestKind)), k);
      },
      DayKey(day));
  if (!rows) return Fail(rows.error());
  return std::set<DigestKey>(rows->begin(), rows->end());
}

Status RecordAndEnqueue(WriteTxn& t, const DigestKey& key, const Notice& notice) {
  Db& db = DigestDb(t);
  const std::string day = DayKey(key.day);
  const std::string kind(ToString(key.kind));
  auto found =
      db.Row("SELECT COUNT(*) FROM reminder_digests WHERE member_id = ? AND day = ? AND kind = ?",
             ReadFirst<int64_t>, key.member_id, day, kind);
  if (!found) return found.error();
  if (found->value_or(0) != 0) {
    return Status::AlreadyExists("the " + kind + " digest of " + day + " was already sent");
  }
  if (Status s = t.EnqueueNotice(notice); !s.ok()) return s;
  // The notice just queued has the highest id: ids only grow within a
  // transaction, and pruning never removes the newest.
  auto notice_id = db.Row("SELECT MAX(id) FROM notices", ReadFirst<int64_t>);
  if (!notice_id) return notice_id.error();
  return db.Run(
      "INSERT INTO reminder_digests (member_id, day, kind, notice_id) VALUES (?, ?, ?, ?)",
      key.member_id, day, kind, notice_id->value_or(0));
}

Result<std::vector<std::pair<std::string, TimePoint>>> PendingSince(ReadTxn& t) {
  return DigestDb(t).Rows(
      "SELECT item_id, created_ms FROM item_versions WHERE state = 'pending' ORDER BY item_id",
      [](Statement& st) -> Result<std::pair<std::string, TimePoint>> {
        std::string id;
        int64_t ms = 0;
        if (Status s = st.Columns(id, ms); !s.ok()) return Fail(s);
        return std::pair(std::move(id), FromUnixMs(ms));
      });
}

Result<DeliveryCounts> CountDeliveries(ReadTxn& t) {
  Db& db = DigestDb(t);
  DeliveryCounts out;
  auto digests = db.Row("SELECT COUNT(*) FROM reminder_digests", ReadFirst<int64_t>);
  if (!digests) return Fail(digests.error());
  out.digests = digests->value_or(0);
  for (auto [state, field] : {std::pair("delivered", &DeliveryCounts::delivered),
                              std::pair("failed", &DeliveryCounts::failed)}) {
    auto n = db.Row(
        "SELECT COUNT(*) FROM notice_deliveries d JOIN reminder_digests r "
        "ON r.notice_id = d.notice_id WHERE d.state = ?",
        ReadFirst<int64_t>, std::string(state));
    if (!n) return Fail(n.error());
    out.*field = n->value_or(0);
  }
  return out;
}

}  // namespace vault::reminders
