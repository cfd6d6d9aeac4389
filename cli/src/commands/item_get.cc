// item get: an item fetched (an audited read), decrypted and shown.

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"
#include "commands/item_commands.h"
#include "item_ops.h"
#include "item_view.h"
#include "short_names.h"

namespace cli {
namespace {

int ItemGet(Context& ctx, const std::string& which, const std::string& field, bool show,
            bool pending = false) {
  auto item =
      pending ? FetchPendingItem(ctx, which) : FetchItem(ctx, which, /*allow_offline=*/true);
  if (!item) return ctx.Fail(item.error());
  return ShowOpenedItem(ctx, &*item, field, show);
}

}  // namespace

void RegisterItemGet(CLI::App& item, Context& ctx) {
  auto which = std::make_shared<std::string>();
  auto field = std::make_shared<std::string>();
  auto show = std::make_shared<bool>(false);
  auto* cmd = item.add_subcommand(
      "get", "Fetch and decrypt an item (an audited read); secrets are masked unless --show");
  cmd->add_option("item", *which, "Item id or name")->required();
  cmd->add_option("--field", *field,
                  "Print only this field, raw, for scripts: username, password, totp (the "
                  "current code), totp-uri, notes, backup-codes, url, or a custom field name");
  cmd->add_flag("--show", *show, "Show secrets instead of ********");
  auto pending = std::make_shared<bool>(false);
  cmd->add_flag("--pending", *pending,
                "The new secret of the rotation under way instead of the current one");
  cmd->callback([&ctx, which, field, show, pending] {
    ctx.exit_code = ItemGet(ctx, *which, *field, *show, *pending);
  });
}

}  // namespace cli
