// Calendar feed tokens in the store: one per member at most, kept only as
// their BLAKE2b-256 hash. Functions over the store's transactions, like its
// own methods; each change is audited in the same transaction.
#ifndef BATON_VAULT_CALENDAR_FEED_H_
#define BATON_VAULT_CALENDAR_FEED_H_

#include <cstdint>
#include <string>

#include "vault/crypto.h"
#include "vault/status.h"
#include "vault/store.h"

namespace vault::calendar {

struct Feed {
  crypto::Hash token_hash{};  // BLAKE2b-256 of the token; the token is never stored
  std::string member_id;
  bool all = false;  // every item the member can see, not only theirs
  int64_t created_ms = 0;
};

// Stores `feed` in place of the member's previous one (whose URL stops
// working). Audited "calendar.create" with whether it covers all items.
Status PutFeed(WriteTxn& t, const Actor& actor, const Feed& feed);
// Deletes the member's feed; NotFound if they have none. Audited
// "calendar.revoke".
Status DeleteFeed(WriteTxn& t, const Actor& actor, const std::string& member_id);
// The feed whose token hashes to `token_hash`, compared in constant time;
// NotFound otherwise.
Result<Feed> FindFeed(ReadTxn& t, const crypto::Hash& token_hash);

}  // namespace vault::calendar

#endif  // BATON_VAULT_CALENDAR_FEED_H_
