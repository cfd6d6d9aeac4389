// item rm, list, search, history: items by name, and what happened to them.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>

#include "cli/exit_codes.h"
#include "commands/item_commands.h"
#include "item_ops.h"
#include "item_view.h"
#include "lookup.h"
#include "short_names.h"

namespace cli {
namespace {

// Lower case for ASCII and the Latin-1 letters (À..Þ → à..þ), enough for
// names like "Öö" or "Õun" in the languages baton is used with.
std::string Fold(std::string_view s) {
  std::string out(s);
  for (size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<uint8_t>(out[i]);
    if (c >= 'A' && c <= 'Z') {
      out[i] = static_cast<char>(c + 32);
    } else if (c == 0xc3 && i + 1 < out.size()) {
      const auto next = static_cast<uint8_t>(out[i + 1]);
      if (next >= 0x80 && next <= 0x9e && next != 0x97) out[i + 1] = static_cast<char>(next + 0x20);
      ++i;
    }
  }
  return out;
}

int ItemRemove(Context& ctx, const std::string& which) {
  auto ref = ctx.FindItem(which);
  if (!ref) return ctx.Fail(ref.error());
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto r = (*c)->Send("DELETE", "/v1/items/" + ref->id, std::nullopt, &vault::api::ObjectFromJson);
  if (!r) return ctx.Fail(HideUnlisted(ctx, r.error(), which));
  ctx.SyncCacheQuietly();
  if (ctx.options.json) {
    ctx.console.out << r->dump() << "\n";
  } else {
    ctx.console.out << "Deleted " << Printable(ref->meta.value("name", "")) << " (item id "
                    << Printable(ref->id) << ")\n";
  }
  return kExitOk;
}

int ItemList(Context& ctx, const std::string& collection) {
  auto items = ListItemMeta(ctx, collection);
  if (!items) return ctx.Fail(items.error());
  PrintItemTable(ctx, *items);
  ctx.SyncCacheQuietly();
  return kExitOk;
}

int ItemSearch(Context& ctx, const std::string& text) {
  auto items = ListItemMeta(ctx, "");
  if (!items) return ctx.Fail(items.error());
  const std::string needle = Fold(text);
  std::vector<json> hits;
  for (auto& it : *items) {
    for (const char* key : {"name", "url", "channel"}) {
      if (Fold(it.value(key, "")).find(needle) != std::string::npos) {
        hits.push_back(std::move(it));
        break;
      }
    }
  }
  PrintItemTable(ctx, hits);
  return kExitOk;
}

int ItemHistory(Context& ctx, const std::string& which, bool show) {
  auto ref = ctx.FindItem(which);
  if (!ref) return ctx.Fail(ref.error());
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto r = (*c)->Get("/v1/items/" + ref->id + "/history", &vault::api::HistoryFromJson);
  if (!r) return ctx.Fail(HideUnlisted(ctx, r.error(), which));
  // Names for member ids where the role may list members; ids otherwise.
  const std::map<std::string, std::string> names = MemberNames(**c);
  std::sort(r->begin(), r->end(), [](const vault::ItemVersion& a, const vault::ItemVersion& b) {
    return a.version < b.version;
  });
  // What is shown of each version: all but its ciphertext.
  json versions = json::array();
  std::vector<envelope::ItemPayload> payloads;
  for (const auto& v : *r) {
    json shown = vault::api::ItemVersionToJson(v);
    shown.erase("ciphertext");
    if (auto it = names.find(v.created_by); it != names.end())
      shown["created_by_name"] = it->second;
    versions.push_back(std::move(shown));
    if (!show) continue;
    auto p = Decrypt(ctx, ref->id, ref->collection_id, v.version, v.key_version, v.ciphertext);
    if (!p) return ctx.Fail(p.error());
    payloads.push_back(std::move(*p));
  }
  auto& out = ctx.console.out;
  if (ctx.options.json) {
    out << "[";
    for (size_t i = 0; i < versions.size(); ++i) {
      if (i > 0) out << ",";
      vault::SecretJson o = SecretJsonOf(versions[i]);
      if (show) {
        o["username"] = SecretText(payloads[i].username);
        o["password"] = SecretText(payloads[i].password);
      }
      WriteSecretJson(out, o);
    }
    out << "]\n";
    return kExitOk;
  }
  out << "History of " << Printable(ref->meta.value("name", "")) << " (" << Printable(ref->id)
      << ")\n";
  for (size_t i = 0; i < versions.size(); ++i) {
    const json& v = versions[i];
    const std::string by = v.value("created_by", "");
    out << "  v" << v.value("version", int64_t{0}) << "  " << Pad(v.value("state", ""), 8) << "  "
        << DateTime(v.value("created_ms", int64_t{0})) << "  by "
        << Printable(v.value("created_by_name", by));
    if (show) {
      out << "  password ";
      WritePrintable(out, View(payloads[i].password));
    }
    out << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterItemRemove(CLI::App& item, Context& ctx) {
  auto which = std::make_shared<std::string>();
  auto* cmd = item.add_subcommand("rm", "Delete an item and all its versions");
  cmd->add_option("item", *which, "Item id or name")->required();
  cmd->callback([&ctx, which] { ctx.exit_code = ItemRemove(ctx, *which); });
}

void RegisterItemList(CLI::App& item, Context& ctx) {
  auto collection = std::make_shared<std::string>();
  auto* cmd = item.add_subcommand(
      "list", "Items (metadata only): channel, collection, version, rotation due date, flags");
  cmd->add_option("collection", *collection, "Only this collection (id or name)");
  cmd->callback([&ctx, collection] { ctx.exit_code = ItemList(ctx, *collection); });
}

void RegisterItemSearch(CLI::App& item, Context& ctx) {
  auto text = std::make_shared<std::string>();
  auto* cmd = item.add_subcommand(
      "search", "Find items whose name, URL or channel contains TEXT (any case; decrypts nothing)");
  cmd->add_option("text", *text, "Text to look for")->required();
  cmd->callback([&ctx, text] { ctx.exit_code = ItemSearch(ctx, *text); });
}

void RegisterItemHistory(CLI::App& item, Context& ctx) {
  auto which = std::make_shared<std::string>();
  auto show = std::make_shared<bool>(false);
  auto* cmd =
      item.add_subcommand("history", "Versions of an item: when and by whom (an audited read)");
  cmd->add_option("item", *which, "Item id or name")->required();
  cmd->add_flag("--show", *show, "Also decrypt each version and show its username and password");
  cmd->callback([&ctx, which, show] { ctx.exit_code = ItemHistory(ctx, *which, *show); });
}

}  // namespace cli
