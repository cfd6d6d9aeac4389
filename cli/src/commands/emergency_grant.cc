// emergency grant|change|revoke|decline: who may ask for what, and how it
// ends.

#include <CLI/CLI.hpp>
#include <optional>

#include "bootstrap.h"
#include "cli/exit_codes.h"
#include "commands/emergency_commands.h"
#include "emergency.h"
#include "lookup.h"
#include "short_names.h"
#include "trust.h"
#include "vault/envelope.h"

namespace cli {
namespace {

namespace em = emergency;

struct GrantOptions {
  std::string deputy;
  std::vector<std::string> collections;
  std::string mode = "view";
  std::string wait;
  int confirmations = 0;
  std::string window;
  std::string fingerprint;
};

// The escrow key to seal for: the roster's; for a legacy team the server's,
// refused if its signature by the audit key this profile pinned does not
// verify or is missing.
Result<crypto::PublicKey> EscrowKey(Context& ctx, ApiClient& c, const TeamTrust& trust) {
  if (const vault::roster::State* state = trust.roster()) return state->escrow_pk;
  auto p = ctx.profile();
  if (!p) return Fail(p.error());
  auto info = c.Get("/v1/server", &vault::api::ServerInfoFromJson);
  if (!info) return Fail(info.error());
  if (Status s = CheckEscrowKey(*info, (*p)->server_audit_key); !s.ok()) return Fail(s);
  return info->escrow_public_key;
}

int Grant(Context& ctx, const GrantOptions& o) {
  auto wait = em::ParseHours(o.wait, "--wait", em::kMinWaitHours, em::kMaxWaitHours);
  if (!wait) return ctx.Fail(wait.error());
  std::optional<int64_t> window;
  if (!o.window.empty()) {
    auto w = em::ParseHours(o.window, "--window", em::kMinWindowHours, em::kMaxWindowHours);
    if (!w) return ctx.Fail(w.error());
    window = *w;
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto deputy = LookupMember(**c, o.deputy);
  if (!deputy) return ctx.Fail(deputy.error());
  auto trust = ctx.trust();
  if (!trust) return ctx.Fail(trust.error());
  if (Status s = (*trust)->RequirePinnedRoster(); !s.ok()) return ctx.Fail(s);
  auto vouched = (*trust)->VouchedMember(deputy->id, deputy->name);
  if (!vouched) return ctx.Fail(vouched.error());
  if (*vouched != nullptr) {
    deputy->signing_public_key = (*vouched)->signing_pk;
    deputy->box_public_key = (*vouched)->box_pk;
  }
  auto escrow = EscrowKey(ctx, **c, **trust);
  if (!escrow) return ctx.Fail(escrow.error());
  const std::string name = deputy->name;
  const std::string words = MemberFingerprintWords(*deputy);
  ctx.console.err << Printable(name) << "'s key fingerprint: " << words << "\n";
  if (!o.fingerprint.empty() && o.fingerprint != words) {
    return ctx.Fail(Status::Unauthenticated(
        "the deputy's key fingerprint does not match the one given; nothing was shared"));
  }

  json keys = json::array();
  em::Names names;
  for (const auto& which : o.collections) {
    auto col = LookupCollection(**c, which);
    if (!col) return ctx.Fail(col.error());
    const std::string id = col->collection.id;
    if (names.contains(id)) {
      return ctx.Fail(Status::InvalidArgument("collection " + which + " is named twice"));
    }
    names[id] = col->collection.name;
    auto key = ctx.write_key(id);
    if (!key) return ctx.Fail(key.error());
    auto sealed = envelope::SealForEscrow(**key, deputy->box_public_key, *escrow);
    if (!sealed) return ctx.Fail(sealed.error());
    keys.push_back({{"collection_id", id},
                    {"key_version", (*key)->version},
                    {"escrow_sealed_key", crypto::ToBase64(*sealed)}});
  }
  const std::string id = crypto::RandomId(ctx.env);
  json body = {{"id", id},
               {"deputy_id", deputy->id},
               {"mode", o.mode},
               {"wait_hours", *wait},
               {"confirmations_required", o.confirmations},
               {"keys", keys}};
  if (window) body["access_window_hours"] = *window;
  auto mode = vault::emergency::ParseGrantMode(o.mode);
  if (!mode) return ctx.Fail(mode.error());
  std::vector<std::string> collection_ids;
  for (const auto& [cid, shown] : names) collection_ids.push_back(cid);
  auto r = SendWithStatements(
      ctx, "POST", "/v1/emergency/grants", body,
      [&](const vault::roster::State&) -> Result<std::vector<vault::roster::Body>> {
        return std::vector<vault::roster::Body>{
            vault::roster::EmergencyGrant{id, deputy->id, *mode, collection_ids}};
      },
      &vault::api::GrantAnswerFromJson);
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    ctx.console.out << vault::api::GrantAnswerToJson(*r).dump() << "\n";
    return kExitOk;
  }
  em::Names members = {{deputy->id, name}};
  ctx.console.out << "Created emergency grant " << id << ".\n"
                  << em::GrantInWords(*r, members, names) << "\n"
                  << "Tell " << Printable(name)
                  << " the grant id. If they ever need access they run:\n"
                  << "  baton emergency request " << id.substr(0, 8) << " --reason \"...\"\n";
  return kExitOk;
}

struct ChangeOptions {
  std::string grant;
  std::string wait;
  std::optional<int> confirmations;
  std::string window;
};

int Change(Context& ctx, const ChangeOptions& o) {
  if (Status s = CheckGivenId(o.grant, "grant"); !s.ok()) return ctx.Fail(s);
  json body = json::object();
  if (!o.wait.empty()) {
    auto w = em::ParseHours(o.wait, "--wait", em::kMinWaitHours, em::kMaxWaitHours);
    if (!w) return ctx.Fail(w.error());
    body["wait_hours"] = *w;
  }
  if (!o.window.empty()) {
    auto w = em::ParseHours(o.window, "--window", em::kMinWindowHours, em::kMaxWindowHours);
    if (!w) return ctx.Fail(w.error());
    body["access_window_hours"] = *w;
  }
  if (o.confirmations) body["confirmations_required"] = *o.confirmations;
  if (body.empty()) {
    return ctx.Fail(
        Status::InvalidArgument("nothing to change: give --wait, --confirmations or --window"));
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grant = FindGrant(**c, o.grant);
  if (!grant) return ctx.Fail(grant.error());
  auto r = SendForGrant(**c, "PATCH", "/v1/emergency/grants/" + grant->grant.id, body);
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    ctx.console.out << vault::api::GrantAnswerToJson(*r).dump() << "\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  ctx.console.out << "Changed emergency grant " << grant->grant.id << ".\n"
                  << em::GrantInWords(*r, d.members, d.collections) << "\n";
  return kExitOk;
}

int Revoke(Context& ctx, const std::string& given) {
  if (Status s = CheckGivenId(given, "grant"); !s.ok()) return ctx.Fail(s);
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grant = FindGrant(**c, given);
  if (!grant) return ctx.Fail(grant.error());
  const std::string grant_id = grant->grant.id;
  auto r = SendWithStatements(
      ctx, "DELETE", "/v1/emergency/grants/" + grant_id, json::object(),
      [&](const vault::roster::State& state) -> Result<std::vector<vault::roster::Body>> {
        // A grant made before the roster has no statement to end.
        if (!state.grants.contains(grant_id)) return std::vector<vault::roster::Body>{};
        return std::vector<vault::roster::Body>{vault::roster::EmergencyEnd{grant_id}};
      },
      &vault::api::ObjectFromJson);
  if (!r) return ctx.Fail(r.error());
  const Directory d = LoadDirectory(**c);
  ctx.console.out << "Revoked emergency grant " << grant->grant.id << " for "
                  << em::ShownName(d.members, grant->grant.deputy_id)
                  << ". A waiting request is cancelled and open access has ended; nothing more "
                     "will be released. Items already read stay flagged for rotation.\n";
  return kExitOk;
}

int Decline(Context& ctx, const std::string& given) {
  if (Status s = CheckGivenId(given, "grant"); !s.ok()) return ctx.Fail(s);
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grant = FindGrant(**c, given);
  if (!grant) return ctx.Fail(grant.error());
  auto r = (*c)->Send("POST", "/v1/emergency/grants/" + grant->grant.id + "/decline",
                      json::object(), &vault::api::ObjectFromJson);
  if (!r) return ctx.Fail(r.error());
  const Directory d = LoadDirectory(**c);
  ctx.console.out << "You declined the emergency grant from "
                  << em::ShownName(d.members, grant->grant.grantor_id)
                  << ". It can no longer be used; the admins see that you declined.\n";
  return kExitOk;
}

}  // namespace

void RegisterEmergencyGrant(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<GrantOptions>();
  auto* cmd = group.add_subcommand("grant",
                                   "Let a deputy ask for emergency access to collections (admins)");
  cmd->add_option("deputy", o->deputy, "The deputy: member name or id")->required();
  cmd->add_option("--collection", o->collections, "Collection name (repeat for several)")
      ->required()
      ->take_all();
  cmd->add_option("--mode", o->mode, "view (read only) or takeover (the deputy becomes an admin)")
      ->check(CLI::IsMember({"view", "takeover"}))
      ->capture_default_str();
  cmd->add_option("--wait", o->wait,
                  "How long after a request access opens unless rejected: 1h to 90d (48h, 7d)")
      ->required();
  cmd->add_option("--confirmations", o->confirmations,
                  "How many other deputies must confirm (two-person rule), 0 to 10")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  cmd->add_option("--window", o->window,
                  "How long access stays open once released: 1h to 30d (default: the server's, "
                  "72h)");
  cmd->add_option("--fingerprint", o->fingerprint,
                  "The deputy's key fingerprint words, as they read them to you; refuse on "
                  "mismatch");
  cmd->callback([&ctx, o] { ctx.exit_code = Grant(ctx, *o); });
}

void RegisterEmergencyChange(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<ChangeOptions>();
  auto* cmd = group.add_subcommand(
      "change", "Change a grant's wait, confirmations or window (not while a request runs)");
  cmd->add_option("grant", o->grant, "Grant id")->required();
  cmd->add_option("--wait", o->wait, "New wait: 1h to 90d");
  cmd->add_option("--confirmations", o->confirmations, "New number of confirmations, 0 to 10")
      ->check(CLI::Range(0, 10));
  cmd->add_option("--window", o->window, "New access window: 1h to 30d");
  cmd->callback([&ctx, o] { ctx.exit_code = Change(ctx, *o); });
}

void RegisterEmergencyRevoke(CLI::App& group, Context& ctx) {
  auto id = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand(
      "revoke", "End a grant: cancels a waiting request, closes open access (admins)");
  cmd->add_option("grant", *id, "Grant id")->required();
  cmd->callback([&ctx, id] { ctx.exit_code = Revoke(ctx, *id); });
}

void RegisterEmergencyDecline(CLI::App& group, Context& ctx) {
  auto id = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand("decline", "As the deputy: refuse a grant made to you");
  cmd->add_option("grant", *id, "Grant id")->required();
  cmd->callback([&ctx, id] { ctx.exit_code = Decline(ctx, *id); });
}

}  // namespace cli
