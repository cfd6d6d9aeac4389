// Showing items: one item the way `baton item get` does (also for commands
// that obtain the item another way, an emergency request), item tables,
// dates, and JSON with secrets written straight from locked memory.
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
#include "vault/envelope.h"
#include "vault/env.h"
#include "vault/rotation.h"
#include "vault/secure_buffer.h"

namespace cli {

std::string_view View(const vault::SecureBuffer& b);
void WriteRaw(std::ostream& out, const vault::SecureBuffer& b);
// A JSON string written byte by byte, so a secret never lands in a
// std::string on its way out. UTF-8 passes through unchanged.
void WriteJsonString(std::ostream& out, std::span<const uint8_t> s);

// A JSON object: the non-secret members from `base`, then secret members
// written from locked memory. Close() ends it.
class SecretJson {
 public:
  SecretJson(std::ostream& out, const nlohmann::json& base) : out_(out) {
    std::string text = base.is_object() ? base.dump() : "{}";
    text.pop_back();  // the closing brace
    empty_ = text.size() == 1;
    out_ << text;
  }
  void Add(std::string_view key, const vault::SecureBuffer& value) {
    Key(key);
    WriteJsonString(out_, value.bytes());
  }
  void AddArray(std::string_view key, const std::vector<vault::SecureBuffer>& values) {
    Key(key);
    out_.put('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_.put(',');
      WriteJsonString(out_, values[i].bytes());
    }
    out_.put(']');
  }
  void AddFields(std::string_view key, const std::vector<vault::envelope::CustomField>& fields) {
    Key(key);
    out_.put('{');
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out_.put(',');
      out_ << nlohmann::json(fields[i].name).dump() << ':';
      WriteJsonString(out_, fields[i].value.bytes());
    }
    out_.put('}');
  }
  void Close() { out_.put('}'); }

 private:
  void Key(std::string_view key) {
    if (!empty_) out_.put(',');
    empty_ = false;
    out_ << nlohmann::json(std::string(key)).dump() << ':';
  }
  std::ostream& out_;
  bool empty_ = true;
};

vault::TimePoint TimeOfMs(int64_t ms);
int64_t MsOf(vault::TimePoint t);
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

// Metadata of items as a table (or JSON with --json), with due dates.
void PrintItemTable(Context& ctx, const std::vector<nlohmann::json>& items);

}  // namespace cli

#endif  // BATON_CLI_SRC_ITEM_VIEW_H_
