// The item commands, one file each, registered by RegisterItemCommands
// (items.cc) in the order `baton item --help` lists them.
#ifndef BATON_CLI_SRC_COMMANDS_ITEM_COMMANDS_H_
#define BATON_CLI_SRC_COMMANDS_ITEM_COMMANDS_H_

#include "context.h"
#include "item_ops.h"

namespace cli {

// On `item`.
void RegisterItemAdd(CLI::App& item, Context& ctx);
void RegisterItemGet(CLI::App& item, Context& ctx);
void RegisterItemEdit(CLI::App& item, Context& ctx);
void RegisterItemRemove(CLI::App& item, Context& ctx);
void RegisterItemList(CLI::App& item, Context& ctx);
void RegisterItemSearch(CLI::App& item, Context& ctx);
void RegisterItemHistory(CLI::App& item, Context& ctx);
// At the top level.
void RegisterRotateCommand(CLI::App& app, Context& ctx);
void RegisterTotpCommand(CLI::App& app, Context& ctx);
// The item's current TOTP code and seconds left (also for `baton recover`).
int PrintTotpCode(Context& ctx, const OpenedItem& item);
void RegisterGenerateCommand(CLI::App& app, Context& ctx);

}  // namespace cli

#endif  // BATON_CLI_SRC_COMMANDS_ITEM_COMMANDS_H_
