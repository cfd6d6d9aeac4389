// member invite|list|role|remove|email: the team and its roles.
#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"
#include "commands/subcommands.h"
#include "context.h"
#include "lookup.h"
#include "trust.h"

namespace cli {
namespace {

using nlohmann::json;
using vault::Status;
namespace crypto = vault::crypto;

int MemberInvite(Context& ctx, const std::string& role, const std::string& name) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto r = (*c)->Send("POST", "/v1/invites", json{{"role", role}, {"name", name}},
                      &vault::api::InviteAnswerFromJson);
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    ctx.console.out << vault::api::InviteAnswerToJson(*r).dump() << "\n";
  } else {
    ctx.console.out << Printable(r->code) << "\n";
    ctx.console.err << "Invite for " << Printable(name) << " (" << role
                    << "): single use; give it to them over a channel you trust.\n";
  }
  return kExitOk;
}

int MemberList(Context& ctx) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto r = (*c)->Get("/v1/members", &vault::api::MembersFromJson);
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    json out = json::array();
    for (const auto& m : *r) {
      json shown = vault::api::MemberToJson(m);
      shown["fingerprint_words"] = MemberFingerprintWords(m);
      out.push_back(std::move(shown));
    }
    ctx.console.out << out.dump() << "\n";
    return kExitOk;
  }
  for (const auto& m : *r) {
    ctx.console.out << Printable(m.name) << "\t" << vault::ToString(m.role) << "\t"
                    << vault::ToString(m.status) << "\t" << Printable(m.id) << "\n";
  }
  return kExitOk;
}

int MemberRole(Context& ctx, const std::string& who, const std::string& role) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto m = LookupMember(**c, who);
  if (!m) return ctx.Fail(m.error());
  auto parsed = vault::ParseTeamRole(role);
  if (!parsed) return ctx.Fail(parsed.error());
  const std::string id = m->id;
  auto r = SendWithStatements(
      ctx, "PATCH", "/v1/members/" + id, json{{"role", role}},
      [&](const vault::roster::State& state) -> vault::Result<std::vector<vault::roster::Body>> {
        // A member the roster does not know yet has no role in it to change.
        if (state.ActiveMember(id) == nullptr) return std::vector<vault::roster::Body>{};
        return std::vector<vault::roster::Body>{vault::roster::MemberRole{id, *parsed}};
      },
      &vault::api::ObjectFromJson);
  if (!r) return ctx.Fail(r.error());
  ctx.console.out << Printable(m->name) << " is now " << role << "\n";
  return kExitOk;
}

int MemberRemove(Context& ctx, const std::string& who) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto m = LookupMember(**c, who);
  if (!m) return ctx.Fail(m.error());
  const std::string id = m->id;
  auto r = SendWithStatements(
      ctx, "DELETE", "/v1/members/" + id, json::object(),
      [&](const vault::roster::State& state) -> vault::Result<std::vector<vault::roster::Body>> {
        if (state.ActiveMember(id) == nullptr) return std::vector<vault::roster::Body>{};
        return std::vector<vault::roster::Body>{vault::roster::MemberRemove{id}};
      },
      &vault::api::ObjectFromJson);
  if (!r) return ctx.Fail(r.error());
  ctx.console.out << "Removed " << Printable(m->name)
                  << ". Every item they could read is flagged for rotation; run `baton due`.\n";
  return kExitOk;
}

// Your own address for notices; "" removes it.
int MemberEmail(Context& ctx, const std::string& address, bool clear) {
  if (clear == !address.empty()) {
    ctx.console.err << "baton: give an ADDRESS or --clear, not both\n";
    return kExitUsage;
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto r = (*c)->Send("PUT", "/v1/me/email", json{{"email", address}}, &vault::api::MemberFromJson);
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    ctx.console.out << vault::api::MemberToJson(*r).dump() << "\n";
  } else if (clear) {
    ctx.console.out << "No e-mail address: notices reach you by the team webhook only.\n";
  } else {
    ctx.console.out << "Notices for you go to " << Printable(r->email) << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterMemberCommands(CLI::App& app, Context& ctx) {
  auto* member = app.add_subcommand("member", "Team members");
  member->require_subcommand(1);
  {
    auto role = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto* cmd = member->add_subcommand("invite", "Create a one-time invite code");
    cmd->add_option("role", *role, "owner, admin, member or auditor")
        ->required()
        ->check(CLI::IsMember({"owner", "admin", "member", "auditor"}));
    cmd->add_option("name", *name, "The new member's name")->required();
    cmd->callback([&ctx, role, name] { ctx.exit_code = MemberInvite(ctx, *role, *name); });
  }
  member->add_subcommand("list", "List members, roles and key fingerprints")->callback([&ctx] {
    ctx.exit_code = MemberList(ctx);
  });
  {
    auto who = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>();
    auto* cmd = member->add_subcommand("role", "Change a member's team role");
    cmd->add_option("member", *who, "Name or id")->required();
    cmd->add_option("role", *role, "owner, admin, member or auditor")
        ->required()
        ->check(CLI::IsMember({"owner", "admin", "member", "auditor"}));
    cmd->callback([&ctx, who, role] { ctx.exit_code = MemberRole(ctx, *who, *role); });
  }
  {
    auto who = std::make_shared<std::string>();
    auto* cmd = member->add_subcommand(
        "remove", "Remove a member (their items are flagged, collections marked for re-keying)");
    cmd->add_option("member", *who, "Name or id")->required();
    cmd->callback([&ctx, who] { ctx.exit_code = MemberRemove(ctx, *who); });
  }
  {
    auto address = std::make_shared<std::string>();
    auto clear = std::make_shared<bool>(false);
    auto* cmd = member->add_subcommand(
        "email", "Set the address where batond e-mails you notices (emergency access, reminders)");
    cmd->add_option("address", *address, "name@example.org");
    cmd->add_flag("--clear", *clear, "Remove your address");
    cmd->callback([&ctx, address, clear] { ctx.exit_code = MemberEmail(ctx, *address, *clear); });
  }
}

}  // namespace cli
