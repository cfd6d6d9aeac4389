// unlock, lock, status: the local agent (cli/src/agent.h).
#include <CLI/CLI.hpp>

#include "agent.h"
#include "cli/exit_codes.h"
#include "context.h"

namespace cli {
namespace {

using nlohmann::json;
using vault::Status;

int Unlock(Context& ctx, int minutes) {
  if (minutes < 1 || minutes > 24 * 60) {
    return ctx.Fail(Status::InvalidArgument("--timeout-minutes must be 1 to 1440"));
  }
  auto p = ctx.profile();
  if (!p) return ctx.Fail(p.error());
  auto paths = AgentSocketPaths(ctx.environ, (*p)->name, (*p)->dir);
  if (!paths) return ctx.Fail(paths.error());
  if (Status s = CheckPrivateDir(paths->dir, /*create=*/true); !s.ok()) return ctx.Fail(s);
  if (auto running = ConnectProfileAgent(ctx.env, ctx.environ, **p); running) {
    ctx.console.out << "An agent already runs for profile " << (*p)->name
                    << "; run baton lock first to restart it.\n";
    return kExitOk;
  } else if (running.error().IsUnauthenticated()) {
    return ctx.Fail(running.error());
  }
  auto id = ctx.identity();
  if (!id) return ctx.Fail(id.error());
  // The agent gets its own copy of the seed (identity.h: the seed may be
  // handed to the local agent, and nowhere else).
  auto copy = vault::Identity::FromSeed(vault::SecureBuffer::CopyOf((*id)->seed().bytes()));
  if (!copy) return ctx.Fail(copy.error());
  AgentConfig config;
  config.socket_path = paths->socket;
  config.member_id = (*p)->member_id;
  config.idle_timeout = std::chrono::minutes(minutes);
  AgentServer server(std::move(*copy), std::move(config));
  if (Status s = server.Listen(); !s.ok()) return ctx.Fail(s);
  if (Status s = StartAgentProcess(server); !s.ok()) return ctx.Fail(s);
  auto agent = ConnectProfileAgent(ctx.env, ctx.environ, **p);
  if (!agent) {
    return ctx.Fail(Status::Internal("the agent does not answer: " + agent.error().message()));
  }
  if (ctx.options.json) {
    ctx.console.out << json{{"agent", true},
                            {"profile", (*p)->name},
                            {"socket", paths->socket},
                            {"idle_timeout_minutes", minutes}}
                           .dump()
                    << "\n";
  } else {
    ctx.console.out << "Agent started, locks after " << minutes << " min idle\n";
  }
  return kExitOk;
}

// Only an agent that holds this profile's identity is stopped: another
// identity's agent at the profile's socket is someone else's business.
int Lock(Context& ctx) {
  auto p = ctx.profile();
  if (!p) return ctx.Fail(p.error());
  auto agent = ConnectProfileAgent(ctx.env, ctx.environ, **p);
  if (!agent && !agent.error().IsNotFound()) return ctx.Fail(agent.error());
  if (agent) {
    if (Status s = (*agent)->Lock(); !s.ok()) return ctx.Fail(s);
  }
  const bool was_running = agent.has_value();
  if (ctx.options.json) {
    ctx.console.out << json{{"locked", was_running}, {"profile", (*p)->name}}.dump() << "\n";
  } else if (was_running) {
    ctx.console.out << "Agent stopped; the identity of profile " << (*p)->name
                    << " is forgotten.\n";
  } else {
    ctx.console.out << "No agent runs for profile " << (*p)->name << ".\n";
  }
  return kExitOk;
}

int AgentStatus(Context& ctx) {
  auto p = ctx.profile();
  if (!p) return ctx.Fail(p.error());
  auto agent = ConnectProfileAgent(ctx.env, ctx.environ, **p);
  if (!agent && agent.error().IsUnauthenticated()) return ctx.Fail(agent.error());
  std::string problem;
  if (!agent && !agent.error().IsNotFound()) problem = agent.error().message();
  if (ctx.options.json) {
    json out = {{"profile", (*p)->name},
                {"server_url", (*p)->server_url},
                {"member_id", (*p)->member_id},
                {"agent", agent.has_value()}};
    if (agent) out["locks_in_seconds"] = (*agent)->locks_in_seconds();
    if (!problem.empty()) out["agent_problem"] = problem;
    ctx.console.out << out.dump() << "\n";
  } else {
    ctx.console.out << "profile    " << (*p)->name << "\n"
                    << "server     " << (*p)->server_url << "\n"
                    << "member id  " << (*p)->member_id << "\n"
                    << "agent      ";
    if (agent) {
      ctx.console.out << "running (locks in " << (*agent)->locks_in_seconds()
                      << " s unless used)\n";
    } else if (!problem.empty()) {
      ctx.console.out << "unusable: " << problem << "\n";
    } else {
      ctx.console.out << "not running (commands ask for the passphrase)\n";
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterAgentCommands(CLI::App& app, Context& ctx) {
  auto minutes = std::make_shared<int>(kAgentDefaultIdleMinutes);
  auto* unlock = app.add_subcommand(
      "unlock", "Start an agent that keeps this profile's identity unlocked (like ssh-agent)");
  unlock->add_option("--timeout-minutes", *minutes, "Forget the identity after N idle minutes")
      ->capture_default_str();
  unlock->callback([&ctx, minutes] { ctx.exit_code = Unlock(ctx, *minutes); });
  app.add_subcommand("lock", "Stop this profile's agent: forget the identity now")
      ->callback([&ctx] { ctx.exit_code = Lock(ctx); });
  app.add_subcommand("status", "Profile, server, member id, and whether an agent runs")
      ->callback([&ctx] { ctx.exit_code = AgentStatus(ctx); });
}

}  // namespace cli
