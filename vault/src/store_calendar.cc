// Calendar feed tokens (vault/calendar_feed.h), stored beside the store's
// own tables through its transaction object.
#include <nlohmann/json.hpp>

#include "txn_impl.h"
#include "vault/calendar_feed.h"

namespace vault::calendar {
namespace {

// Every ReadTxn and WriteTxn of libvault is a TxnImpl.
Db& DbOf(ReadTxn& t) { return static_cast<TxnImpl&>(t).db(); }

}  // namespace

Status PutFeed(WriteTxn& t, const Actor& actor, const Feed& feed) {
  Db& db = DbOf(t);
  if (Status s = db.Run("DELETE FROM calendar_feeds WHERE member_id = ?", feed.member_id);
      !s.ok()) {
    return s;
  }
  if (Status s = db.Run("INSERT INTO calendar_feeds (token_hash, member_id, scope, created_ms) "
                        "VALUES (?, ?, ?, ?)",
                        feed.token_hash, feed.member_id, std::string(feed.all ? "all" : "mine"),
                        feed.created_ms);
      !s.ok()) {
    return s;
  }
  return t.Record(actor, "calendar.create", "member:" + feed.member_id,
                  nlohmann::json{{"all", feed.all}}.dump());
}

Status DeleteFeed(WriteTxn& t, const Actor& actor, const std::string& member_id) {
  Db& db = DbOf(t);
  auto found = db.Row("SELECT COUNT(*) FROM calendar_feeds WHERE member_id = ?", ReadFirst<int64_t>,
                      member_id);
  if (!found) return found.error();
  if (found->value_or(0) == 0) return Status::NotFound("you have no calendar feed");
  if (Status s = db.Run("DELETE FROM calendar_feeds WHERE member_id = ?", member_id); !s.ok()) {
    return s;
  }
  return t.Record(actor, "calendar.revoke", "member:" + member_id, "{}");
}

Result<Feed> FindFeed(ReadTxn& t, const crypto::Hash& token_hash) {
  // The lookup is by the hash of a 256-bit random token, so its timing says
  // nothing usable about any token; the stored hash is then compared in
  // constant time all the same.
  auto feed = DbOf(t).Row(
      "SELECT token_hash, member_id, scope, created_ms FROM calendar_feeds WHERE token_hash = ?",
      [&](Statement& st) -> Result<Feed> {
        Feed f;
        std::string scope;
        if (Status s = st.Columns(f.token_hash, f.member_id, scope, f.created_ms); !s.ok()) {
          return Fail(s);
        }
        f.all = scope == "all";
        return f;
      },
      token_hash);
  if (!feed) return Fail(feed.error());
  if (!*feed || !crypto::ConstantTimeEqual((*feed)->token_hash, token_hash)) {
    return Fail(Status::NotFound("no such calendar feed"));
  }
  return **feed;
}

}  // namespace vault::calendar
