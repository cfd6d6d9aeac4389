#include "cli/main.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "cli/exit_codes.h"
#include "context.h"
#include "vault/crypto.h"
#include "vault/hardening.h"

extern char** environ;

namespace cli {
namespace {

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    if (auto eq = kv.find('='); eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

}  // namespace

int Run(Console& console, vault::Env& env, const std::map<std::string, std::string>& environ,
        int argc, char** argv) {
  Context ctx(console, env, environ);
  CLI::App app{"baton: the team credential vault (end-to-end encrypted)", "baton"};
  app.set_version_flag("--version", "baton " BATON_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--profile", ctx.options.profile, "Profile (one per server)")
      ->envname("BATON_PROFILE")
      ->capture_default_str();
  app.add_flag("--json", ctx.options.json, "Machine-readable output");
  app.add_option("--passphrase-file", ctx.options.passphrase_file,
                 "Read the identity passphrase from FILE (- for stdin) instead of the terminal");
  RegisterAccountCommands(app, ctx);
  RegisterTeamCommands(app, ctx);
  RegisterItemCommands(app, ctx);
  RegisterAuditCommands(app, ctx);
  RegisterCompletionCommand(app, ctx);
  RegisterAgentCommands(app, ctx);
  RegisterCacheCommands(app, ctx);
  RegisterEmergencyCommands(app, ctx);
  RegisterRekeyCommand(app, ctx);
  RegisterRecoveryCommands(app, ctx);
  RegisterRecoverCommand(app, ctx);
  RegisterExportCommand(app, ctx);
  RegisterSheetCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, console.out, console.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, console.out, console.err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, console.out, console.err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, console.out, console.err);
    return kExitUsage;
  }
  return ctx.exit_code;
}

int Main(int argc, char** argv) {
  if (vault::Status s = vault::DisableCoreDumps(); !s.ok()) {
    std::cerr << "baton: " << s.ToString() << "\n";
    return kExitError;
  }
  if (vault::Status s = vault::crypto::Init(); !s.ok()) {
    std::cerr << "baton: " << s.ToString() << "\n";
    return kExitError;
  }
  // A server that closes the connection mid-write is an error to report,
  // not a reason to die silently (TLS writes can raise SIGPIPE).
  std::signal(SIGPIPE, SIG_IGN);
  Console console = StandardConsole();
  try {
    return Run(console, vault::Env::Default(), Environment(), argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "baton: internal error: " << e.what() << "\n";
    return kExitError;
  }
}

}  // namespace cli
