// due: the items to rotate, flagged and overdue first.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "commands/subcommands.h"
#include "context.h"
#include "item_view.h"
#include "lookup.h"
#include "short_names.h"
#include "vault/rotation.h"
#include "vault/time_format.h"

namespace cli {
namespace {

struct DueOptions {
  int64_t window_days = vault::kDefaultDueSoonWindow.count();
  bool exit_code = false;  // kExitAttention when anything is overdue or flagged
};

struct DueItem {
  vault::ItemMeta meta;
  std::string collection;
  std::string responsible;  // a name, or the id where members cannot be listed
};

int Due(Context& ctx, const DueOptions& o) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto cols = (*c)->Get("/v1/collections", &vault::api::CollectionsFromJson);
  if (!cols) return ctx.Fail(cols.error());
  const std::map<std::string, std::string> names = MemberNames(**c);
  std::map<std::string, DueItem> by_id;
  std::vector<vault::ItemRotation> rotations;
  for (const auto& col : *cols) {
    // Metadata only: names, periods, flags; never a ciphertext.
    auto items =
        (*c)->Get("/v1/collections/" + col.collection.id + "/items", &vault::api::ItemsFromJson);
    if (!items) {
      if (items.error().IsPermissionDenied()) continue;
      return ctx.Fail(items.error());
    }
    for (const auto& it : *items) {
      vault::ItemRotation r;
      r.item_id = it.id;
      r.period = std::chrono::days(it.rotation_period_s / 86400);
      r.last_rotated = vault::FromUnixMs(it.last_rotated_ms);
      for (const auto& f : it.flags) {
        r.flags.Raise({f.kind, f.reason, vault::FromUnixMs(f.raised_ms)});
      }
      auto name = names.find(it.responsible_id);
      by_id[r.item_id] = {it, col.collection.name,
                          name != names.end() ? name->second : it.responsible_id};
      rotations.push_back(std::move(r));
    }
  }
  const auto window = std::chrono::days(o.window_days);
  const vault::DueReport report = vault::SortByDue(rotations, ctx.env.Now(), window);
  // `overdue` holds the flagged items too.
  const int done = o.exit_code && !report.overdue.empty() ? kExitAttention : kExitOk;

  auto entry_json = [&](const vault::DueEntry& e) {
    const DueItem& item = by_id.at(e.item.item_id);
    json flags = json::array();
    for (const auto& f : e.item.flags.List()) {
      flags.push_back({{"kind", std::string(vault::ToString(f.kind))},
                       {"reason", f.reason},
                       {"raised_ms", vault::ToUnixMs(f.raised_at)}});
    }
    return json{
        {"id", e.item.item_id},
        {"name", item.meta.name},
        {"collection_id", item.meta.collection_id},
        {"collection", item.collection},
        {"channel", item.meta.channel},
        {"responsible_id", item.meta.responsible_id},
        {"responsible", item.responsible},
        {"status", std::string(vault::ToString(e.due.status))},
        {"due_ms", vault::ToUnixMs(e.due.due_at)},
        {"due", vault::FormatUtc(vault::ToUnixMs(e.due.due_at), vault::UtcFormat::kIso8601)},
        {"flags", flags},
        // A pending rotation leaves the item as due as before (the
        // old password is in use until confirmed) but says what is next.
        {"pending_version", item.meta.pending_version ? json(*item.meta.pending_version) : json()}};
  };
  const std::pair<const char*, const std::vector<vault::DueEntry>*> groups[] = {
      {"overdue", &report.overdue},
      {"due_soon", &report.due_soon},
      {"later", &report.later}};

  if (ctx.options.json) {
    json out = json::object();
    for (const auto& [key, entries] : groups) {
      out[key] = json::array();
      for (const auto& e : *entries) out[key].push_back(entry_json(e));
    }
    out["window_days"] = o.window_days;
    ctx.console.out << out.dump() << "\n";
    return done;
  }
  if (rotations.empty()) {
    ctx.console.out << "No items.\n";
    return kExitOk;
  }
  size_t name_w = 4, col_w = 10, who_w = 11;
  for (const auto& [id, item] : by_id) {
    name_w = std::max(name_w, DisplayWidth(Printable(item.meta.name)));
    col_w = std::max(col_w, DisplayWidth(Printable(item.collection)));
    who_w = std::max(who_w, DisplayWidth(Printable(item.responsible)));
  }
  const char* titles[] = {"Overdue", "Due soon", "Later"};
  bool first = true;
  for (size_t g = 0; g < std::size(groups); ++g) {
    const auto& entries = *groups[g].second;
    if (entries.empty()) continue;
    if (!first) ctx.console.out << "\n";
    first = false;
    ctx.console.out << titles[g];
    if (g == 1) ctx.console.out << " (within " << o.window_days << " days)";
    ctx.console.out << ":\n  " << Pad("NAME", name_w) << "  " << Pad("COLLECTION", col_w) << "  "
                    << Pad("RESPONSIBLE", who_w) << "  DUE         STATUS    FLAGS\n";
    for (const auto& e : entries) {
      const DueItem& item = by_id.at(e.item.item_id);
      const std::string name = Printable(item.meta.name);
      std::string reasons;
      for (const auto& f : e.item.flags.List()) {
        if (!reasons.empty()) reasons += "; ";
        reasons += std::string(vault::ToString(f.kind));
        if (!f.reason.empty()) reasons += ": " + Printable(f.reason);
      }
      if (item.meta.pending_version) {
        if (!reasons.empty()) reasons += "; ";
        reasons += "rotation to v" + std::to_string(*item.meta.pending_version) +
                   " pending: confirm with `" +
                   BatonCommand(ctx.options.profile, {"rotate", item.meta.name, "--confirm"}) + "`";
      }
      ctx.console.out << "  " << Pad(name, name_w) << "  " << Pad(Printable(item.collection), col_w)
                      << "  " << Pad(Printable(item.responsible), who_w) << "  "
                      << vault::FormatUtc(vault::ToUnixMs(e.due.due_at), vault::UtcFormat::kDate)
                      << "  "
                      << (reasons.empty() ? std::string(vault::ToString(e.due.status))
                                          : Pad(std::string(vault::ToString(e.due.status)), 8) +
                                                "  " + reasons);
      ctx.console.out << "\n";
    }
  }
  return done;
}

}  // namespace

void RegisterDueCommand(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<DueOptions>();
  auto* cmd = app.add_subcommand("due", "Items to rotate: flagged and overdue, due soon, later");
  cmd->add_option("--window-days", o->window_days, "What counts as due soon, in days")
      ->check(CLI::Range(int64_t{0}, int64_t{vault::kMaxRotationPeriod.count()}))
      ->capture_default_str();
  cmd->add_flag("--exit-code", o->exit_code,
                "Exit 10 when anything is overdue or flagged (for cron and monitoring)");
  cmd->callback([&ctx, o] { ctx.exit_code = Due(ctx, *o); });
}

}  // namespace cli
