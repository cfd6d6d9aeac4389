// member ..., collection ...: the team and its collections, one group to a
// file (member.cc, collection.cc).
#include <CLI/CLI.hpp>

#include "commands/subcommands.h"

namespace cli {

void RegisterTeamCommands(CLI::App& app, Context& ctx) {
  RegisterMemberCommands(app, ctx);
  RegisterCollectionCommands(app, ctx);
}

}  // namespace cli
