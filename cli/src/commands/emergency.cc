// emergency grant|list|show|change|revoke|decline|request|status|approve|
// reject|confirm|open (DESIGN.md §6, the contract in docs/api.md).
//
// The people using these commands may be under stress: every answer says in
// plain words what just happened, what happens next and when (UTC), and bad
// input is refused before anything is sent.
#include <CLI/CLI.hpp>

#include "commands/emergency_commands.h"

namespace cli {

void RegisterEmergencyCommands(CLI::App& app, Context& ctx) {
  auto* em_cmd = app.add_subcommand(
      "emergency", "Emergency access: a deputy can ask for a collection after a wait");
  em_cmd->require_subcommand(1);
  RegisterEmergencyGrant(*em_cmd, ctx);
  RegisterEmergencyList(*em_cmd, ctx);
  RegisterEmergencyShow(*em_cmd, ctx);
  RegisterEmergencyChange(*em_cmd, ctx);
  RegisterEmergencyRevoke(*em_cmd, ctx);
  RegisterEmergencyDecline(*em_cmd, ctx);
  RegisterEmergencyRequest(*em_cmd, ctx);
  RegisterEmergencyStatus(*em_cmd, ctx);
  RegisterEmergencyDecide(*em_cmd, ctx);
  RegisterEmergencyOpen(*em_cmd, ctx);
}

}  // namespace cli
