// join, init, whoami, server info.
#include <CLI/CLI.hpp>

#include "bootstrap.h"
#include "cli/exit_codes.h"
#include "context.h"
#include "item_view.h"
#include "vault/kdf.h"

namespace cli {
namespace {

using nlohmann::json;
using vault::Status;
namespace crypto = vault::crypto;
namespace roster = vault::roster;

struct JoinOptions {
  std::string url;
  std::string code_in_argv;  // refused: see RefuseCodeInArgv
  bool code_stdin = false;
  std::string fingerprint;       // expected server certificate, if known
  std::string team_fingerprint;  // the team's words, for a code without a commitment
  bool owner = false;
};

// A new passphrase: from the file, or typed twice on the terminal.
vault::Result<vault::SecureBuffer> NewPassphrase(Context& ctx) {
  if (!ctx.options.passphrase_file.empty()) {
    return ReadSecretFile(ctx.env, ctx.console.in, ctx.options.passphrase_file);
  }
  auto first = ctx.console.read_secret("New passphrase for your baton identity: ");
  if (!first) return first;
  auto second = ctx.console.read_secret("Repeat it: ");
  if (!second) return second;
  if (!crypto::ConstantTimeEqual(first->bytes(), second->bytes())) {
    return vault::Fail(Status::InvalidArgument("the two passphrases differ"));
  }
  return first;
}

// A code on the command line sits in /proc/PID/cmdline, readable by every
// local user, through the prompts and the KDF calibration: another user
// could redeem it first. So it is a usage error, before anything is sent.
int RefuseCodeInArgv(Context& ctx, const JoinOptions& o) {
  const char* verb = o.owner ? "init" : "join";
  ctx.console.err << "baton: the invite code is not taken on the command line (other users of "
                     "this machine can read it there); run `baton "
                  << verb << " URL` and type it at the prompt, or pipe it with `baton " << verb
                  << " URL --code-stdin`\n";
  return kExitUsage;
}

// The invite code, into locked memory: the first line of standard input
// with --code-stdin (a passphrase from `--passphrase-file -` is the line
// after it), else typed on the terminal with echo off.
vault::Result<vault::SecureBuffer> ReadInviteCode(Context& ctx, const JoinOptions& o) {
  if (o.code_stdin) return ReadSecretFile(ctx.env, ctx.console.in, "-");
  auto code = ctx.console.read_secret("Invite code: ");
  if (!code && code.error().IsFailedPrecondition()) {
    return vault::Fail(Status::FailedPrecondition(
        "no terminal to ask for the invite code; pipe it with --code-stdin"));
  }
  return code;
}

// The roster once the new member is signed in, before anything is saved:
// the first owner of a new team writes its genesis; a code with a team
// commitment must name the team the server shows, and its invite key
// vouches for the new keys; without one, the person compares the team's
// fingerprint and an admin vouches later. Returns the state to pin.
vault::Result<roster::State> EnterRoster(Context& ctx, const JoinOptions& o, ApiClient& client,
                                         const InviteCode& code, const vault::api::ServerInfo& info,
                                         const vault::Identity& id, const vault::Member& me) {
  IdentityKeys keys(id);
  auto state = FetchRoster(client);
  if (!state) return state;
  const int64_t now = StatementTime(ctx.env);
  if (code.has_suffix) {
    if (state->size == 0 ||
        !crypto::ConstantTimeEqual(std::span(state->team_id).first(kTeamCommitmentBytes),
                                   code.team_commitment)) {
      return vault::Fail(Status::UntrustedKey(
          "the invite code names another team than the one this server shows: nothing was "
          "saved; ask whoever invited you which server to use"));
    }
    auto invite_key = roster::InviteKeyPair(code.invite_secret);
    if (!invite_key) return vault::Fail(invite_key.error());
    auto invite_sig = crypto::Sign(
        *invite_key,
        roster::JoinMessage(state->team_id, me.id, id.signing_public_key(), id.box_public_key()));
    if (!invite_sig) return vault::Fail(invite_sig.error());
    auto entry =
        SignEntry(keys, roster::Next(*state, me.id, now,
                                     roster::MemberJoin{.invite_pk = invite_key->public_key,
                                                        .signing_pk = id.signing_public_key(),
                                                        .box_pk = id.box_public_key(),
                                                        .name = me.name,
                                                        .invite_signature = *invite_sig}));
    if (!entry) return vault::Fail(entry.error());
    if (Status s = AppendToRoster(client, *state, std::span(&*entry, 1)); !s.ok()) {
      return vault::Fail(s);
    }
    return state;
  }
  if (state->size == 0) {
    if (!o.owner) return state;  // a team from before the roster
    auto entry =
        SignEntry(keys, roster::Next(*state, me.id, now,
                                     roster::TeamCreate{.signing_pk = id.signing_public_key(),
                                                        .box_pk = id.box_public_key(),
                                                        .owner_name = me.name,
                                                        .server_audit_pk = info.audit_public_key,
                                                        .escrow_pk = info.escrow_public_key}));
    if (!entry) return vault::Fail(entry.error());
    if (Status s = AppendToRoster(client, *state, std::span(&*entry, 1)); !s.ok()) {
      return vault::Fail(s);
    }
    return state;
  }
  // A code from batond (invite-owner) on a team that has a roster: only
  // the person can tell whether this is their team.
  const std::string words = roster::TeamFingerprint(*state);
  ctx.console.err << "This invite code does not say which team it is for. The team's "
                     "fingerprint is:\n  "
                  << words << "\nCompare it with the one a member of the team reads to you.\n";
  if (Status s = ConfirmWords(ctx.console, words, o.team_fingerprint, "--team-fingerprint");
      !s.ok()) {
    return vault::Fail(s);
  }
  return state;
}

int Join(Context& ctx, const JoinOptions& o) {
  if (!o.code_in_argv.empty()) return RefuseCodeInArgv(ctx, o);
  // Only a profile that is not there is made: a damaged one (or one whose
  // pin is gone) keeps its identity file rather than being overwritten.
  if (auto existing = LoadProfile(ctx.env, ctx.home(), ctx.options.profile); existing) {
    return ctx.Fail(Status::AlreadyExists("profile \"" + ctx.options.profile +
                                          "\" exists; use --profile NAME for another server"));
  } else if (!existing.error().IsNotFound()) {
    return ctx.Fail(existing.error());
  }
  if (!o.fingerprint.empty() && !IsWellFormedFingerprint(o.fingerprint)) {
    return ctx.Fail(Status::InvalidArgument(
        "--fingerprint is the server certificate's SHA-256 as batond prints it (AB:CD:...)"));
  }
  auto address = ParseServerUrl(o.url);
  if (!address) return ctx.Fail(address.error());
  ApiClient client(*address, o.fingerprint,
                   o.fingerprint.empty() ? Trust::kFirstUse : Trust::kPinned);
  auto info = client.Get("/v1/server", &vault::api::ServerInfoFromJson);
  if (!info) return ctx.Fail(info.error());
  // The escrow key goes into the genesis: it must be the one the audit key
  // (pinned from now on) vouches for. A server that does not sign it is
  // refused rather than trusted: stripping the signature must not start a
  // team without a roster.
  if (Status escrow = CheckEscrowKey(*info, info->audit_public_key); !escrow.ok())
    return ctx.Fail(escrow);
  ctx.console.err << "Server certificate SHA-256 fingerprint:\n  " << client.seen_fingerprint()
                  << "\n";
  if (o.fingerprint.empty()) {
    ctx.console.err << "Compare it with the one batond printed; it is pinned from now on.\n";
  }
  auto typed = ReadInviteCode(ctx, o);
  if (!typed) return ctx.Fail(typed.error());
  auto code = SplitInviteCode(*typed);
  if (!code) return ctx.Fail(code.error());
  auto passphrase = NewPassphrase(ctx);
  if (!passphrase) return ctx.Fail(passphrase.error());

  ctx.console.err << "Calibrating the passphrase KDF (about a second)...";
  auto cal = vault::kdf::Calibrate({}, vault::kdf::MeasuredCost(ctx.env), [&](int probe, int max) {
    ctx.console.err << " " << probe << "/" << max << std::flush;
  });
  ctx.console.err << "\n";
  if (!cal) return ctx.Fail(cal.error());
  ctx.console.err << "Argon2id: " << cal->params.memory_bytes / vault::kdf::kMiB << " MiB, "
                  << cal->params.iterations << " passes, about "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(cal->expected).count()
                  << " ms per unlock\n";

  Profile profile;
  profile.name = ctx.options.profile;
  profile.server_url = o.url;
  profile.fingerprint = client.seen_fingerprint();
  profile.server_audit_key = info->audit_public_key;
  vault::Identity id = vault::Identity::Generate(ctx.env);
  auto joined = client.Send("POST", "/v1/join",
                            json{{"invite_code", std::string(View(code->server_code))},
                                 {"signing_public_key", crypto::ToBase64(id.signing_public_key())},
                                 {"box_public_key", crypto::ToBase64(id.box_public_key())}},
                            &vault::api::MemberFromJson);
  if (!joined) return ctx.Fail(joined.error());
  profile.member_id = joined->id;
  profile.member_name = joined->name;
  roster::State state;
  {
    IdentityKeys keys(id);
    if (auto login = SignIn(client, keys, joined->id, info->audit_public_key); !login) {
      return ctx.Fail(login.error());
    }
    auto entered = EnterRoster(ctx, o, client, *code, *info, id, *joined);
    if (!entered) {
      // The code is spent and the server keeps the member it made for it;
      // say so, so that the record does not linger unexplained.
      ctx.console.err << "baton: the server registered \"" << Printable(joined->name)
                      << "\" when the code was redeemed; if this is your team, an admin removes "
                         "that member (baton member remove) and invites you again\n";
      return ctx.Fail(entered.error());
    }
    state = std::move(*entered);
  }
  // Profile first (it creates the directory), then the identity.
  if (Status s = SaveProfile(ctx.env, ctx.home(), profile); !s.ok()) return ctx.Fail(s);
  if (Status s = vault::SaveIdentity(ctx.env, profile.identity_path(), id, passphrase->bytes(),
                                     cal->params);
      !s.ok()) {
    return ctx.Fail(s);
  }
  if (state.size > 0) {
    if (Status s = WriteFirstPins(ctx.env, profile.dir, state); !s.ok()) return ctx.Fail(s);
  }
  const bool vouched = state.ActiveMember(profile.member_id) != nullptr;
  if (ctx.options.json) {
    json out = {{"member_id", profile.member_id},
                {"name", profile.member_name},
                {"role", std::string(vault::ToString(joined->role))},
                {"fingerprint_words",
                 vault::FingerprintWords(id.signing_public_key(), id.box_public_key())}};
    if (state.size > 0) {
      out["team_fingerprint"] = roster::TeamFingerprint(state);
      out["vouched"] = vouched;
    }
    ctx.console.out << out.dump() << "\n";
  } else {
    ctx.console.out << "Joined as " << Printable(profile.member_name) << " ("
                    << vault::ToString(joined->role) << "), member id "
                    << Printable(profile.member_id) << "\n"
                    << "Your key fingerprint: "
                    << vault::FingerprintWords(id.signing_public_key(), id.box_public_key())
                    << "\n";
    if (o.owner) {
      ctx.console.out << "You are the team's first owner. Next, so that the team can recover "
                         "without you or the server: `baton recovery setup --threshold 3 "
                         "--shares 5` (docs/recovery.md).\n";
    }
    if (state.size > 0) {
      ctx.console.out << "Team fingerprint: " << roster::TeamFingerprint(state) << "\n";
    }
    if (state.size > 0 && !vouched) {
      ctx.console.out << "An owner or admin must vouch for your key: read them your key "
                         "fingerprint and have them run\n  baton member vouch "
                      << Printable(profile.member_name) << " --fingerprint \"words\"\n";
    }
  }
  return kExitOk;
}

int WhoAmI(Context& ctx) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto me = (*c)->Get("/v1/me", &vault::api::MemberFromJson);
  if (!me) return ctx.Fail(me.error());
  auto p = ctx.profile();
  if (ctx.options.json) {
    json out = vault::api::MemberToJson(*me);
    out["profile"] = (*p)->name;
    out["server_url"] = (*p)->server_url;
    ctx.console.out << out.dump() << "\n";
  } else {
    ctx.console.out << Printable(me->name) << " (" << vault::ToString(me->role) << ") on "
                    << (*p)->server_url << " [profile " << (*p)->name << "]\nmember id "
                    << Printable(me->id) << "\n";
  }
  return kExitOk;
}

int ServerInfo(Context& ctx) {
  auto p = ctx.profile();
  if (!p) return ctx.Fail(p.error());
  auto address = ParseServerUrl((*p)->server_url);
  if (!address) return ctx.Fail(address.error());
  ApiClient client(*address, (*p)->fingerprint);
  auto info = client.Get("/v1/server", &vault::api::ServerInfoFromJson);
  if (!info) return ctx.Fail(info.error());
  if (ctx.options.json) {
    json out = vault::api::ServerInfoToJson(*info);
    out["url"] = (*p)->server_url;
    out["fingerprint"] = (*p)->fingerprint;
    ctx.console.out << out.dump() << "\n";
  } else {
    ctx.console.out << "server       " << (*p)->server_url << "\n"
                    << "version      " << Printable(info->version) << "\n"
                    << "certificate  " << (*p)->fingerprint << " (pinned)\n"
                    << "audit key    " << crypto::ToBase64(info->audit_public_key) << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterAccountCommands(CLI::App& app, Context& ctx) {
  for (bool owner : {false, true}) {
    auto o = std::make_shared<JoinOptions>();
    o->owner = owner;
    auto* cmd = app.add_subcommand(owner ? "init" : "join",
                                   owner ? "Become the first owner of a new batond (owner invite)"
                                         : "Join a team's server with an invite code");
    cmd->add_option("url", o->url, "Server URL, https://HOST:PORT")->required();
    // Hidden: only so that a code given there gets a message saying how to
    // pass it instead.
    cmd->add_option("code", o->code_in_argv)->group("");
    cmd->add_flag("--code-stdin", o->code_stdin,
                  "Read the invite code from the first line of standard input (before the "
                  "passphrase, with --passphrase-file -) instead of the terminal");
    cmd->add_option("--fingerprint", o->fingerprint,
                    "Require this server certificate fingerprint (SHA-256, colon hex)");
    cmd->add_option("--team-fingerprint", o->team_fingerprint,
                    "For a code without a team commitment: the team's fingerprint words, as a "
                    "member reads them to you");
    cmd->callback([&ctx, o] { ctx.exit_code = Join(ctx, *o); });
  }
  app.add_subcommand("whoami", "Show who this profile signs in as")->callback([&ctx] {
    ctx.exit_code = WhoAmI(ctx);
  });
  auto* server = app.add_subcommand("server", "The server");
  server->require_subcommand(1);
  server->add_subcommand("info", "Version, pinned certificate and keys of the server")
      ->callback([&ctx] { ctx.exit_code = ServerInfo(ctx); });
}

}  // namespace cli
