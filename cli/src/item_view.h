// Showing items: one item the way `baton item get` does (also for commands
// that obtain the item another way, an emergency request), item tables,
// dates, and JSON that holds secrets.
#ifndef BATON_CLI_SRC_ITEM_VIEW_H_
#define BATON_CLI_SRC_ITEM_VIEW_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "context.h"
#include "item_ops.h"
#include "vault/env.h"
#include "vault/envelope.h"
#include "vault/rotation.h"
#include "vault/secret_json.h"
#include "vault/secure_buffer.h"

namespace cli {

std::string_view View(const vault::SecureBuffer& b);
void WriteRaw(std::ostream& out, const vault::SecureBuffer& b);
// Secrets in JSON output go through vault::SecretJson, whose every
// allocation is wiped when it is freed. SecretJsonOf: the non-secret members
// of `base` (none if it is not an object), to which secrets are added as
// SecretText.
vault::SecretJson SecretJsonOf(const nlohmann::json& base);
vault::SecretString SecretText(const vault::SecureBuffer& b);
// `doc` on one line (without a newline); a secret that is not valid UTF-8
// shows U+FFFD where it is not.
void WriteSecretJson(std::ostream& out, const vault::SecretJson& doc);
// `base` as WriteSecretJson writes it, plus `secret` as member `key` unless
// it is null, and a newline: the --json output of a command that made a
// secret (shown only when asked for).
void WriteJsonWithSecret(std::ostream& out, const nlohmann::json& base, const char* key,
                         const vault::SecureBuffer* secret);
// "<label>: <secret>\n", the secret raw.
void WriteLabelledSecret(std::ostream& out, std::string_view label,
                         const vault::SecureBuffer& secret);

// "2026-01-31" (UTC).
std::string Date(int64_t ms);
// "2026-01-31 14:05Z".
std::string DateTime(int64_t ms);

// Columns line up for UTF-8 text: count code points, not bytes.
size_t DisplayWidth(std::string_view s);
std::string Pad(const std::string& s, size_t width);

vault::DueInfo DueOf(Context& ctx, const nlohmann::json& meta);
std::string FlagNames(const nlohmann::json& meta);
// Metadata plus where the item stands for rotation.
nlohmann::json WithDue(Context& ctx, nlohmann::json meta);

// With `field` prints only that field, raw; else every field, secrets masked
// unless `show` (or as JSON with --json). Returns the exit code.
int ShowOpenedItem(Context& ctx, const OpenedItem* item, const std::string& field, bool show);
// `meta` as GET /v1/items/:id returns it without the ciphertext (plus
// "collection", the collection's name, if known); as ShowOpenedItem.
int ShowItem(Context& ctx, nlohmann::json meta, vault::envelope::ItemPayload payload,
             const std::string& field, bool show);

// Rows of cells already made printable, in columns aligned for UTF-8.
void WriteTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

// Metadata of items as a table (or JSON with --json), with due dates.
void PrintItemTable(Context& ctx, const std::vector<nlohmann::json>& items);

}  // namespace cli

#endif  // BATON_CLI_SRC_ITEM_VIEW_H_
