// totp: the current 2FA code of an item.

#include "vault/totp.h"

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"
#include "commands/item_commands.h"
#include "item_ops.h"
#include "item_view.h"
#include "short_names.h"

namespace cli {

int PrintTotpCode(Context& ctx, const OpenedItem& item) {
  if (item.payload.totp_uri.empty()) {
    return ctx.Fail(Status::NotFound(item.meta.value("name", "") + " has no TOTP seed"));
  }
  auto params = vault::totp::ParseOtpauthUri(View(item.payload.totp_uri));
  if (!params) return ctx.Fail(params.error());
  const vault::TimePoint now = ctx.env.Now();
  auto code = vault::totp::TotpCode(*params, now);
  if (!code) return ctx.Fail(code.error());
  const int64_t left = vault::totp::TotpSecondsLeft(*params, now).count();
  if (ctx.options.json) {
    ctx.console.out << json{{"code", *code}, {"seconds_left", left}}.dump() << "\n";
  } else {
    ctx.console.out << *code << "  (" << left << " s left)\n";
  }
  return kExitOk;
}

namespace {

int Totp(Context& ctx, const std::string& which) {
  auto item = FetchItem(ctx, which, /*allow_offline=*/true);
  if (!item) return ctx.Fail(item.error());
  return PrintTotpCode(ctx, *item);
}

}  // namespace

void RegisterTotpCommand(CLI::App& app, Context& ctx) {
  auto which = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("totp", "Current TOTP (2FA) code of an item and seconds left");
  cmd->add_option("item", *which, "Item id or name")->required();
  cmd->callback([&ctx, which] { ctx.exit_code = Totp(ctx, *which); });
}

}  // namespace cli
