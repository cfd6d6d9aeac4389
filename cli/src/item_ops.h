// Finding, fetching and decrypting items and collections: the one place the
// item commands (and rotate, emergency open, the offline cache, rekey) do it.
#ifndef BATON_CLI_SRC_ITEM_OPS_H_
#define BATON_CLI_SRC_ITEM_OPS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "context.h"
#include "vault/api_json.h"
#include "vault/envelope.h"
#include "vault/status.h"

namespace cli {

// An item fetched (an audited read) and decrypted.
struct OpenedItem {
  nlohmann::json meta;  // as GET /v1/items/:id returns it, without the ciphertext
  vault::envelope::ItemPayload payload;
};

// A collection by id or exact name (LookupCollection, lookup.h).
vault::Result<vault::api::CollectionEntry> FindCollection(Context& ctx, const std::string& which);

// Item metadata (never ciphertext) of one collection, or of every collection
// this member may see; each item gains "collection" (the collection's name).
vault::Result<std::vector<nlohmann::json>> ListItemMeta(Context& ctx,
                                                        const std::string& collection);

// One version's ciphertext opened with the member's collection key;
// FailedPrecondition if the member holds another key version. The ids bind
// the ciphertext: another item's fails to open.
vault::Result<vault::envelope::ItemPayload> Decrypt(Context& ctx, const std::string& item_id,
                                                    const std::string& collection_id,
                                                    int64_t version, int64_t key_version,
                                                    std::span<const uint8_t> ciphertext);

// An opened item's payload encrypted as its next version, for PUT
// /v1/items/:id or a rotation: under the collection's latest key
// (Context::write_key), numbered after any aborted rotation.
struct NewVersion {
  std::string ciphertext_b64;
  int64_t expected_version = 0;  // the version it replaces
  int64_t version = 0;
  int64_t key_version = 0;  // the collection's latest, sent as key_version
};
vault::Result<NewVersion> EncryptNextVersion(Context& ctx, const OpenedItem& item);

// With `allow_offline` (reads only), the offline cache answers when the
// server cannot be reached, and stderr says so.
vault::Result<OpenedItem> FetchItem(Context& ctx, const std::string& name_or_id,
                                    bool allow_offline = false);

// The secret of the rotation under way (an audited read): what the password
// on the site is about to become, or already is. meta["version"] is the
// pending version.
vault::Result<OpenedItem> FetchPendingItem(Context& ctx, const std::string& name_or_id);

// The collection's name, or "" if it cannot be known.
std::string CollectionNameOf(Context& ctx, const std::string& id);

}  // namespace cli

#endif  // BATON_CLI_SRC_ITEM_OPS_H_
