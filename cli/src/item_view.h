// Showing a decrypted item the way `baton item get` does, for commands that
// obtain the item another way (an emergency request).
#ifndef BATON_CLI_SRC_ITEM_VIEW_H_
#define BATON_CLI_SRC_ITEM_VIEW_H_

#include <nlohmann/json.hpp>
#include <string>

#include "context.h"
#include "vault/envelope.h"

namespace cli {

// `meta` as GET /v1/items/:id returns it without the ciphertext (plus
// "collection", the collection's name, if known). With `field` prints only
// that field, raw; else every field, secrets masked unless `show` (or as
// JSON with --json). Returns the exit code.
int ShowItem(Context& ctx, nlohmann::json meta, vault::envelope::ItemPayload payload,
             const std::string& field, bool show);

}  // namespace cli

#endif  // BATON_CLI_SRC_ITEM_VIEW_H_
