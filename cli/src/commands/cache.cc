// sync: brings the offline cache up to date (cli/src/cache.h).
#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"
#include "context.h"
#include "recovery_seal.h"

namespace cli {
namespace {

using nlohmann::json;

int Sync(Context& ctx) {
  auto report = ctx.SyncCache();
  if (!report) return ctx.Fail(report.error());
  SealRecoveryCopiesAtSync(ctx);
  if (ctx.options.json) {
    ctx.console.out << json{{"collections", report->collections},
                            {"items_fetched", report->items_fetched},
                            {"items_cached", report->items_cached},
                            {"dropped", report->dropped}}
                           .dump()
                    << "\n";
    return kExitOk;
  }
  ctx.console.out << "Offline cache: " << report->items_cached << " items in "
                  << report->collections << " collections (" << report->items_fetched
                  << " fetched now)\n";
  for (const std::string& name : report->dropped) {
    ctx.console.out << "Dropped " << Printable(name)
                    << " from the offline cache (its offline cache is off, or your access ended)\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterCacheCommands(CLI::App& app, Context& ctx) {
  app.add_subcommand("sync",
                     "Update the encrypted offline cache, so that item get and totp work while "
                     "the server is unreachable (an audited read per collection)")
      ->callback([&ctx] { ctx.exit_code = Sync(ctx); });
}

}  // namespace cli
