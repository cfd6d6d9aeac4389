// Registrars that a command group's registrar (context.h) calls for the
// commands it keeps in other files: team.cc for member.cc and
// collection.cc, audit.cc for due.cc, calendar.cc, runbook.cc and
// continuity.cc.
#ifndef BATON_CLI_SRC_COMMANDS_SUBCOMMANDS_H_
#define BATON_CLI_SRC_COMMANDS_SUBCOMMANDS_H_

#include "context.h"

namespace cli {

void RegisterMemberCommands(CLI::App& app, Context& ctx);      // member
void RegisterCollectionCommands(CLI::App& app, Context& ctx);  // collection
void RegisterDueCommand(CLI::App& app, Context& ctx);          // due
void RegisterCalendarCommand(CLI::App& app, Context& ctx);     // calendar
void RegisterRunbookCommand(CLI::App& app, Context& ctx);      // runbook
void RegisterContinuityCommand(CLI::App& app, Context& ctx);   // continuity

}  // namespace cli

#endif  // BATON_CLI_SRC_COMMANDS_SUBCOMMANDS_H_
