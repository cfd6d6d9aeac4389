// member invite|list|role|remove|email: the team and its roles.
#include <CLI/CLI.hpp>

#include "bootstrap.h"
#include "cli/exit_codes.h"
#include "commands/subcommands.h"
#include "context.h"
#include "lookup.h"
#include "trust.h"
#include "vault/api_json_roster.h"

namespace cli {
namespace {

using nlohmann::json;
using vault::Status;
namespace crypto = vault::crypto;

// On a team with a roster, the invite carries the team's commitment and a
// fresh invite key: the inviter signs member.invite for the key's public
// half (sent with the invite), and only the invitee, who holds the secret
// half in the code, can use it to vouch for their own keys.
int MemberInvite(Context& ctx, const std::string& role, const std::string& name) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto p = ctx.profile();
  if (!p) return ctx.Fail(p.error());
  // A server that does not sign its escrow key keeps no roster (as in join).
  auto info = (*c)->Get("/v1/server", &vault::api::ServerInfoFromJson);
  if (!info) return ctx.Fail(info.error());
  const Status escrow = CheckEscrowKey(*info, (*p)->server_audit_key);
  if (escrow.IsUntrustedKey()) return ctx.Fail(escrow);
  auto state = escrow.ok() ? FetchRoster(**c) : vault::Result<vault::roster::State>();
  if (!state) return ctx.Fail(state.error());
  json body = {{"role", role}, {"name", name}};
  vault::SecureBuffer secret(kInviteSecretBytes);
  const bool committed = state->ActiveMember((*p)->member_id) != nullptr;
  if (committed) {
    ctx.env.RandomBytes(secret.bytes());
    auto invite_key = vault::roster::InviteKeyPair(secret);
    if (!invite_key) return ctx.Fail(invite_key.error());
    auto keys = ctx.keys();
    if (!keys) return ctx.Fail(keys.error());
    auto entry = SignEntry(
        **keys, vault::roster::Next(
                    *state, (*p)->member_id, StatementTime(ctx.env),
                    vault::roster::MemberInvite{
                        .invite_pk = invite_key->public_key,
                        .role = vault::ParseTeamRole(role).value_or(vault::TeamRole::kMember)}));
    if (!entry) return ctx.Fail(entry.error());
    body["roster"] = vault::api::RosterEntriesToJson(std::span(&*entry, 1));
  } else if (state->size > 0) {
    ctx.console.err << "baton: you are not in the team's roster yet, so this code carries no "
                       "team commitment: the new member must compare the team fingerprint and "
                       "be vouched for\n";
  }
  auto r = (*c)->Send("POST", "/v1/invites", body, &vault::api::InviteAnswerFromJson);
  if (!r) return ctx.Fail(r.error());
  if (committed) r->code = InviteCodeWithSuffix(r->code, state->team_id, secret);
  if (ctx.options.json) {
    ctx.console.out << vault::api::InviteAnswerToJson(*r).dump() << "\n";
  } else {
    ctx.console.out << Printable(r->code) << "\n";
    ctx.console.err << "Invite for " << Printable(name) << " (" << role
                    << "): single use; give it to them over a channel you trust.\n";
  }
  return kExitOk;
}

// A member who joined without an invite key (a code from batond, or from
// an inviter outside the roster) enters the roster when an owner or admin
// vouches for the keys the server shows, after comparing their words with
// the member's. The role is the server's, which the invite set; the roster
// refuses a vouch above what the signer may give.
int MemberVouch(Context& ctx, const std::string& who, const std::string& words_given) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto p = ctx.profile();
  if (!p) return ctx.Fail(p.error());
  auto m = LookupMember(**c, who);
  if (!m) return ctx.Fail(m.error());
  auto state = FetchRoster(**c);
  if (!state) return ctx.Fail(state.error());
  if (state->size == 0) {
    return ctx.Fail(Status::FailedPrecondition(
        "this team has no roster yet: an owner starts it with `baton team adopt`"));
  }
  if (const auto* known = state->ActiveMember(m->id); known != nullptr) {
    ctx.console.out << Printable(m->name) << " is already in the team's roster\n";
    return kExitOk;
  }
  const std::string words = MemberFingerprintWords(*m);
  ctx.console.err << Printable(m->name) << " (" << vault::ToString(m->role)
                  << ")'s key fingerprint: " << words
                  << "\nCompare it with the one they saw when they joined.\n";
  if (Status s = ConfirmWords(ctx.console, words, words_given, "--fingerprint"); !s.ok()) {
    return ctx.Fail(s);
  }
  auto keys = ctx.keys();
  if (!keys) return ctx.Fail(keys.error());
  auto entry =
      SignEntry(**keys, vault::roster::Next(*state, (*p)->member_id, StatementTime(ctx.env),
                                            vault::roster::MemberAdd{
                                                .member_id = m->id,
                                                .signing_pk = m->signing_public_key,
                                                .box_pk = m->box_public_key,
                                                .role = m->role,
                                                .name = m->name,
                                            }));
  if (!entry) return ctx.Fail(entry.error());
  if (Status s = AppendToRoster(**c, *state, std::span(&*entry, 1)); !s.ok()) return ctx.Fail(s);
  ctx.console.out << "Vouched for " << Printable(m->name) << " as " << vault::ToString(m->role)
                  << "\n";
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
  if (r->empty()) ctx.console.out << "No members.\n";
  for (const auto& m : *r) {
    ctx.console.out << Printable(m.name) << "\t" << vault::ToString(m.role) << "\t"
                    << vault::ToString(m.status) << "\t" << Printable(m.id) << "\t"
                    << MemberFingerprintWords(m) << "\n";
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
  {
    auto who = std::make_shared<std::string>();
    auto words = std::make_shared<std::string>();
    auto* cmd = member->add_subcommand(
        "vouch", "Vouch in the team roster for a member's keys, after comparing their words");
    cmd->add_option("member", *who, "Name or id")->required();
    cmd->add_option("--fingerprint", *words,
                    "The member's key fingerprint words, as they read them to you (else type "
                    "yes after comparing)");
    cmd->callback([&ctx, who, words] { ctx.exit_code = MemberVouch(ctx, *who, *words); });
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
