// member ..., collection ...: the team and its collections, one group to a
// file (member.cc, collection.cc); team adopt|trust: bringing a team from
// before the roster, and a profile from before its pins, onto the roster;
// team status: what this profile verified, with words to notice a fork.
#include <CLI/CLI.hpp>

#include "bootstrap.h"
#include "cli/exit_codes.h"
#include "commands/subcommands.h"
#include "context.h"
#include "lookup.h"

namespace cli {
namespace {

using vault::Status;
namespace crypto = vault::crypto;
namespace roster = vault::roster;

// What the adopting owner can vouch for about one collection: its key
// (opened, so its check value is known) and who holds it.
struct AdoptedCollection {
  std::string id;
  std::string name;
  int64_t key_version = 0;
  crypto::Hash kcv{};
  std::vector<vault::api::AccessEntry> holders;
};

vault::Result<AdoptedCollection> OpenForAdoption(Context& ctx, ApiClient& c,
                                                 const vault::Collection& col) {
  auto key = ctx.collection_key(col.id);
  if (!key) return vault::Fail(key.error());
  AdoptedCollection out;
  out.id = col.id;
  out.name = col.name;
  out.key_version = (*key)->version;
  auto kcv = roster::KeyCheckValue((*key)->key, col.id, out.key_version);
  if (!kcv) return vault::Fail(kcv.error());
  out.kcv = *kcv;
  auto holders = c.Get("/v1/collections/" + col.id + "/grants", &vault::api::AccessListFromJson);
  if (!holders) return vault::Fail(holders.error());
  out.holders = std::move(*holders);
  return out;
}

// Appends `body` as the next statement of `scratch`, signed by `signer`.
Status AddStatement(KeyOps& keys, const std::string& signer, int64_t now, roster::State& scratch,
                    roster::Body body, std::vector<roster::Entry>& entries) {
  auto entry = SignEntry(keys, roster::Next(scratch, signer, now, std::move(body)));
  if (!entry) return entry.error();
  if (Status s = roster::Apply(scratch, *entry); !s.ok()) return s;
  entries.push_back(std::move(*entry));
  return Status::OK();
}

// A team from before the roster: its owner vouches for what the server
// says today (members and their keys, the escrow and recovery keys, each
// collection it can open with its key and holders), after comparing each
// member's key words with that member.
int TeamAdopt(Context& ctx, bool confirmed) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto p = ctx.profile();
  if (!p) return ctx.Fail(p.error());
  auto state = FetchRoster(**c);
  if (!state) return ctx.Fail(state.error());
  if (state->size > 0) {
    return ctx.Fail(Status::AlreadyExists(
        "the team already has a roster; a profile without pins runs `baton team trust`"));
  }
  auto info = (*c)->Get("/v1/server", &vault::api::ServerInfoFromJson);
  if (!info) return ctx.Fail(info.error());
  if (info->audit_public_key != (*p)->server_audit_key) {
    return ctx.Fail(
        Status::UntrustedKey("the server's audit key is not the one this profile "
                             "pinned; nothing was adopted"));
  }
  if (Status s = CheckEscrowKey(*info, (*p)->server_audit_key); !s.ok()) return ctx.Fail(s);
  auto members = (*c)->Get("/v1/members", &vault::api::MembersFromJson);
  if (!members) return ctx.Fail(members.error());
  auto collections = (*c)->Get("/v1/collections", &vault::api::CollectionsFromJson);
  if (!collections) return ctx.Fail(collections.error());

  auto& err = ctx.console.err;
  err << "Adopting this team into a signed roster. Compare each member's key fingerprint "
         "with that member (in person or on a call you trust) before you confirm:\n";
  const vault::Member* me = nullptr;
  for (const auto& m : *members) {
    if (m.status != vault::MemberStatus::kActive) continue;
    if (m.id == (*p)->member_id) me = &m;
    err << "  " << Printable(m.name) << " (" << vault::ToString(m.role)
        << "): " << MemberFingerprintWords(m) << "\n";
  }
  if (me == nullptr || me->role != vault::TeamRole::kOwner) {
    return ctx.Fail(Status::PermissionDenied("only an active owner adopts the team"));
  }
  err << "Escrow key: " << crypto::ToBase64(info->escrow_public_key) << "\n";
  if (info->recovery_public_key) {
    err << "Recovery key: " << crypto::ToBase64(*info->recovery_public_key) << "\n";
  }
  std::vector<AdoptedCollection> adopted;
  for (const auto& entry : *collections) {
    auto col = OpenForAdoption(ctx, **c, entry.collection);
    if (!col) {
      err << "  not adopted: " << Printable(entry.collection.name)
          << " (you cannot open its key or list its holders: " << Printable(col.error().message())
          << "); its members' clients will not trust its key until it is in the roster\n";
      continue;
    }
    err << "  collection " << Printable(col->name) << ", key version " << col->key_version
        << ", held by " << col->holders.size() << " member(s)\n";
    adopted.push_back(std::move(*col));
  }
  if (!confirmed) {
    auto answer = ctx.console.read_secret("Type yes if every member confirmed their words: ");
    if (!answer || !crypto::ConstantTimeEqual(answer->bytes(), crypto::AsBytes("yes"))) {
      return ctx.Fail(Status::UntrustedKey(
          "not confirmed; nothing was adopted (compare the words, then pass --confirm)"));
    }
  }

  auto keys = ctx.keys();
  if (!keys) return ctx.Fail(keys.error());
  const std::string& signer = (*p)->member_id;
  const int64_t now = StatementTime(ctx.env);
  roster::State scratch;
  std::vector<roster::Entry> entries;
  Status s = AddStatement(**keys, signer, now, scratch,
                          roster::TeamCreate{.signing_pk = me->signing_public_key,
                                             .box_pk = me->box_public_key,
                                             .owner_name = me->name,
                                             .server_audit_pk = info->audit_public_key,
                                             .escrow_pk = info->escrow_public_key},
                          entries);
  for (const auto& m : *members) {
    if (!s.ok()) break;
    if (m.status != vault::MemberStatus::kActive || m.id == signer) continue;
    s = AddStatement(**keys, signer, now, scratch,
                     roster::MemberAdd{.member_id = m.id,
                                       .signing_pk = m.signing_public_key,
                                       .box_pk = m.box_public_key,
                                       .role = m.role,
                                       .name = m.name},
                     entries);
  }
  if (s.ok() && info->recovery_public_key) {
    s = AddStatement(**keys, signer, now, scratch,
                     roster::RecoverySet{.recovery_pk = info->recovery_public_key}, entries);
  }
  for (const auto& col : adopted) {
    if (!s.ok()) break;
    s = AddStatement(**keys, signer, now, scratch,
                     roster::CollectionCreate{.collection_id = col.id,
                                              .name = col.name,
                                              .key_version = col.key_version,
                                              .kcv = col.kcv},
                     entries);
    for (const auto& h : col.holders) {
      auto access = vault::ParseCollectionAccess(h.access);
      if (!s.ok() || h.member_id == signer || !access) continue;
      s = AddStatement(**keys, signer, now, scratch,
                       roster::CollectionAccessSet{.collection_id = col.id,
                                                   .member_id = h.member_id,
                                                   .access = *access},
                       entries);
    }
  }
  if (!s.ok()) return ctx.Fail(s);
  if (Status a = AppendToRoster(**c, *state, entries); !a.ok()) return ctx.Fail(a);
  if (Status w = WriteFirstPins(ctx.env, (*p)->dir, *state); !w.ok()) return ctx.Fail(w);
  ctx.console.out << "Adopted: " << entries.size() << " statements; team fingerprint "
                  << roster::TeamFingerprint(*state)
                  << "\nEach member runs `baton team trust` and compares it with you.\n";
  return kExitOk;
}

// A profile from before the roster (or its pins) starts trusting the
// team's roster as it is now, once its person compared the fingerprint.
int TrustTeamRoster(Context& ctx, const std::string& words_given) {
  auto p = ctx.profile();
  if (!p) return ctx.Fail(p.error());
  auto pinned = ctx.pins();
  if (!pinned) return ctx.Fail(pinned.error());
  if (!(*pinned)->pins().team_id.empty()) {
    return ctx.Fail(Status::AlreadyExists("this profile already trusts the team's roster"));
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto state = FetchRoster(**c);
  if (!state) return ctx.Fail(state.error());
  if (state->size == 0) {
    return ctx.Fail(Status::FailedPrecondition(
        "the team has no roster yet: an owner starts it with `baton team adopt`"));
  }
  if (state->server_audit_pk != (*p)->server_audit_key) {
    return ctx.Fail(
        Status::UntrustedKey("the roster names another server audit key than the one this "
                             "profile pinned; nothing was trusted"));
  }
  const std::string words = roster::TeamFingerprint(*state);
  ctx.console.err << "The team's fingerprint:\n  " << words
                  << "\nCompare it with the one your team's owner reads to you.\n";
  if (Status s = ConfirmWords(ctx.console, words, words_given, "--fingerprint"); !s.ok()) {
    return ctx.Fail(s);
  }
  if (Status s = WriteFirstPins(ctx.env, (*p)->dir, *state); !s.ok()) return ctx.Fail(s);
  ctx.console.out << "This profile now trusts the team's roster (" << state->size << " statements)";
  if (state->ActiveMember((*p)->member_id) == nullptr) {
    ctx.console.out << "; you are not in it yet: an owner or admin runs `baton member vouch "
                    << Printable((*p)->member_name) << "`";
  }
  ctx.console.out << "\n";
  return kExitOk;
}

// What this profile knows of the roster, with the words two members read
// to each other to notice a fork: the same statement count with other
// head words means the server shows them different rosters.
int TeamStatus(Context& ctx) {
  auto t = ctx.trust();
  if (!t) return ctx.Fail(t.error());
  const roster::State* state = (*t)->roster();
  const bool pinned = !(*t)->pins().team_id.empty();
  if (ctx.options.json) {
    nlohmann::json out = {{"legacy", state == nullptr}, {"pinned", pinned}, {"size", 0}};
    if (state != nullptr) {
      out["size"] = state->size;
      out["team_fingerprint"] = roster::TeamFingerprint(*state);
      out["head_words"] = vault::HashWords(state->head);
    }
    ctx.console.out << out.dump(2) << "\n";
    return kExitOk;
  }
  if (state == nullptr) {
    ctx.console.out << "This team has no signed roster yet: an owner starts it with baton team "
                       "adopt.\n";
    return kExitOk;
  }
  ctx.console.out << "Team roster: " << state->size << " statements"
                  << (pinned ? ", pinned by this profile" : ", not pinned yet (baton team trust)")
                  << "\nTeam fingerprint: " << roster::TeamFingerprint(*state)
                  << "\nHead words (statement " << state->size
                  << "): " << vault::HashWords(state->head)
                  << "\nA member who sees the same number of statements with other head words is "
                     "shown another roster: the server forked it.\n";
  return kExitOk;
}

}  // namespace

void RegisterTeamCommands(CLI::App& app, Context& ctx) {
  RegisterMemberCommands(app, ctx);
  RegisterCollectionCommands(app, ctx);
  auto* team = app.add_subcommand("team", "The team's signed roster");
  team->require_subcommand(1);
  {
    auto confirmed = std::make_shared<bool>(false);
    auto* cmd = team->add_subcommand(
        "adopt",
        "Owners: start the signed roster of a team from before it, vouching for "
        "today's members, keys and collections");
    cmd->add_flag("--confirm", *confirmed,
                  "Every member's key words were compared with them (else type yes)");
    cmd->callback([&ctx, confirmed] { ctx.exit_code = TeamAdopt(ctx, *confirmed); });
  }
  {
    auto words = std::make_shared<std::string>();
    auto* cmd = team->add_subcommand(
        "trust", "Start trusting the team's roster from this profile (made before it existed)");
    cmd->add_option("--fingerprint", *words,
                    "The team's fingerprint words, as your owner reads them (else type yes)");
    cmd->callback([&ctx, words] { ctx.exit_code = TrustTeamRoster(ctx, *words); });
  }
  team->add_subcommand("status", "The roster this profile verified, with words to compare")
      ->callback([&ctx] { ctx.exit_code = TeamStatus(ctx); });
}

}  // namespace cli
