// runbook CHANNEL, runbook --list: the built-in per-platform steps; no
// server or profile needed.
#include <CLI/CLI.hpp>
#include <string>

#include "cli/exit_codes.h"
#include "commands/subcommands.h"
#include "context.h"
#include "item_input.h"
#include "runbook.h"

namespace cli {
namespace {

nlohmann::json RunbookJson(const Runbook& r) {
  return {{"channel", r.channel},
          {"title", r.title},
          {"checked", r.checked},
          {"checked_against", r.checked_against},
          {"password", r.password},
          {"sessions", r.sessions},
          {"backup_codes", r.backup_codes},
          {"second_admin", r.second_admin},
          {"sources", r.sources}};
}

int RunbookList(Context& ctx) {
  auto all = LoadRunbooks();
  if (!all) return ctx.Fail(all.error());
  if (ctx.options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : *all) out.push_back({{"channel", r.channel}, {"title", r.title}});
    ctx.console.out << out.dump() << "\n";
    return kExitOk;
  }
  for (const auto& r : *all) {
    ctx.console.out << r.channel
                    << std::string(r.channel.size() < 18 ? 18 - r.channel.size() : 1, ' ')
                    << Printable(r.title) << "\n";
  }
  return kExitOk;
}

int RunbookShow(Context& ctx, const std::string& channel) {
  auto r = FindRunbook(channel);
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    ctx.console.out << RunbookJson(*r).dump() << "\n";
  } else {
    PrintRunbook(ctx.console.out, *r);
  }
  return kExitOk;
}

}  // namespace

void RegisterRunbookCommand(CLI::App& app, Context& ctx) {
  auto channel = std::make_shared<std::string>();
  auto list = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "runbook",
      "How to change a platform's password, end its other sessions, renew its 2FA backup codes "
      "and give a second person admin rights");
  auto* ch = cmd->add_option("channel", *channel,
                             "Channel type: facebook, instagram, x, linkedin, tiktok, youtube, "
                             "google-business, email, domain-registrar, other");
  auto* ls = cmd->add_flag("--list", *list, "List the channels that have a runbook");
  ch->excludes(ls);
  cmd->callback([&ctx, channel, list, ch] {
    if (*list) {
      ctx.exit_code = RunbookList(ctx);
    } else if (ch->count() == 0) {
      ctx.exit_code = Usage(ctx, "give a channel, or --list to see them");
    } else {
      ctx.exit_code = RunbookShow(ctx, *channel);
    }
  });
}

}  // namespace cli
