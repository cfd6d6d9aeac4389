// item add|get|edit|rm|list|search|history, totp, generate, rotate.
//
// Secrets never come from argv: passwords, TOTP URIs, notes, backup codes
// and custom field values are read from the terminal (echo off), stdin or a
// file. Decrypted values stay in SecureBuffers; they are printed only when
// the user asked for them (--show, --field): raw, straight from locked
// memory (never through a std::string), or as JSON through vault::SecretJson,
// whose memory is wiped when freed.
#include <CLI/CLI.hpp>

#include "commands/item_commands.h"

namespace cli {

void RegisterItemCommands(CLI::App& app, Context& ctx) {
  auto* item = app.add_subcommand("item", "Credentials: add, show, change, remove, find");
  item->require_subcommand(1);
  RegisterItemAdd(*item, ctx);
  RegisterItemGet(*item, ctx);
  RegisterItemEdit(*item, ctx);
  RegisterItemRemove(*item, ctx);
  RegisterItemList(*item, ctx);
  RegisterItemSearch(*item, ctx);
  RegisterItemHistory(*item, ctx);
  RegisterRotateCommand(app, ctx);
  RegisterTotpCommand(app, ctx);
  RegisterGenerateCommand(app, ctx);
}

}  // namespace cli
