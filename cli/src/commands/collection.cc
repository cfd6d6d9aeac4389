// collection create|list|grant|revoke|set: collections and who may use them.
#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"
#include "commands/subcommands.h"
#include "context.h"
#include "lookup.h"
#include "recovery_seal.h"
#include "trust.h"

namespace cli {

vault::Result<std::optional<vault::crypto::PublicKey>> RecoveryKey(Context& ctx,
                                                                   const TeamTrust& trust) {
  if (const vault::roster::State* state = trust.roster()) return state->recovery_pk;
  auto c = ctx.client();
  if (!c) return vault::Fail(c.error());
  auto info = (*c)->Get("/v1/server", &vault::api::ServerInfoFromJson);
  if (!info) return vault::Fail(info.error());
  return info->recovery_public_key;
}

namespace {

using nlohmann::json;
using vault::Status;
namespace crypto = vault::crypto;

int CollectionCreate(Context& ctx, const std::string& name, bool offline_cache) {
  auto me = ctx.keys();
  if (!me) return ctx.Fail(me.error());
  auto trust = ctx.trust();
  if (!trust) return ctx.Fail(trust.error());
  if (Status s = (*trust)->RequirePinnedRoster(); !s.ok()) return ctx.Fail(s);
  const std::string id = crypto::RandomId(ctx.env);
  const auto key = vault::envelope::NewCollectionKey(ctx.env, id);
  auto sealed = vault::envelope::SealCollectionKey(key, (*me)->box_public_key());
  if (!sealed) return ctx.Fail(sealed.error());
  json body = {{"id", id},
               {"name", name},
               {"sealed_key", crypto::ToBase64(*sealed)},
               {"offline_cache", offline_cache}};
  auto recovery = RecoveryKey(ctx, **trust);
  if (!recovery) return ctx.Fail(recovery.error());
  if (*recovery) {
    auto to_recovery = vault::envelope::SealCollectionKey(key, **recovery);
    if (!to_recovery) return ctx.Fail(to_recovery.error());
    body["recovery_sealed_key"] = crypto::ToBase64(*to_recovery);
  }
  auto r = SendWithStatements(
      ctx, "POST", "/v1/collections", body,
      [&](const vault::roster::State&) -> vault::Result<std::vector<vault::roster::Body>> {
        auto kcv = vault::roster::KeyCheckValue(key.key, id, key.version);
        if (!kcv) return vault::Fail(kcv.error());
        return std::vector<vault::roster::Body>{
            vault::roster::CollectionCreate{id, name, key.version, *kcv}};
      },
      &vault::api::CollectionFromJson);
  if (!r) return ctx.Fail(r.error());
  if (Status s = (*trust)->PinKeyVersion(id, key.version); !s.ok()) return ctx.Fail(s);
  if (ctx.options.json) {
    ctx.console.out << vault::api::CollectionToJson(*r).dump() << "\n";
  } else {
    ctx.console.out << "Created collection " << Printable(name) << " (" << id << ")\n";
  }
  return kExitOk;
}

int CollectionList(Context& ctx) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto r = (*c)->Get("/v1/collections", &vault::api::CollectionsFromJson);
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    json out = json::array();
    for (const auto& col : *r) out.push_back(vault::api::CollectionEntryToJson(col));
    ctx.console.out << out.dump() << "\n";
    return kExitOk;
  }
  if (r->empty()) ctx.console.out << "No collections.\n";
  for (const auto& [col, access] : *r) {
    ctx.console.out << Printable(col.name) << "\t" << Printable(access) << "\t"
                    << (col.needs_rekey ? "needs re-key\t" : "") << Printable(col.id) << "\n";
  }
  return kExitOk;
}

// A collection and a member, both looked up on the server, with the client
// that found them.
struct CollectionAndMember {
  ApiClient* client;
  vault::api::CollectionEntry collection;
  vault::Member member;
};

vault::Result<CollectionAndMember> FindCollectionAndMember(Context& ctx, const std::string& which,
                                                           const std::string& who) {
  auto c = ctx.client();
  if (!c) return vault::Fail(c.error());
  auto col = LookupCollection(**c, which);
  if (!col) return vault::Fail(col.error());
  auto m = LookupMember(**c, who);
  if (!m) return vault::Fail(m.error());
  return CollectionAndMember{*c, std::move(*col), std::move(*m)};
}

// The member's keys as the roster vouches for them (TeamTrust::VouchedMember).
Status UseRosterKeys(const TeamTrust& trust, vault::Member& m) {
  auto vouched = trust.VouchedMember(m.id, m.name);
  if (!vouched) return vouched.error();
  if (*vouched != nullptr) {
    m.signing_public_key = (*vouched)->signing_pk;
    m.box_public_key = (*vouched)->box_pk;
  }
  return Status::OK();
}

// One CollectionAccessSet statement.
StatementsFn AccessStatement(const std::string& collection_id, const std::string& member_id,
                             vault::CollectionAccess access) {
  return [=](const vault::roster::State&) -> vault::Result<std::vector<vault::roster::Body>> {
    return std::vector<vault::roster::Body>{
        vault::roster::CollectionAccessSet{collection_id, member_id, access}};
  };
}

int CollectionGrant(Context& ctx, const std::string& which, const std::string& who,
                    const std::string& access, const std::string& expected_words) {
  auto found = FindCollectionAndMember(ctx, which, who);
  if (!found) return ctx.Fail(found.error());
  const vault::api::CollectionEntry& col = found->collection;
  vault::Member& m = found->member;
  auto trust = ctx.trust();
  if (!trust) return ctx.Fail(trust.error());
  if (Status s = (*trust)->RequirePinnedRoster(); !s.ok()) return ctx.Fail(s);
  if (Status s = UseRosterKeys(**trust, m); !s.ok()) return ctx.Fail(s);
  auto parsed = vault::ParseCollectionAccess(access);
  if (!parsed) return ctx.Fail(parsed.error());
  const std::string words = MemberFingerprintWords(m);
  ctx.console.err << Printable(m.name) << "'s key fingerprint: " << words << "\n";
  if (!expected_words.empty() && expected_words != words) {
    return ctx.Fail(Status::Unauthenticated(
        "the member's key fingerprint does not match the one given; nothing was shared"));
  }
  auto key = ctx.write_key(col.collection.id);
  if (!key) return ctx.Fail(key.error());
  auto sealed = vault::envelope::SealCollectionKey(**key, m.box_public_key);
  if (!sealed) return ctx.Fail(sealed.error());
  auto r = SendWithStatements(ctx, "POST", "/v1/collections/" + col.collection.id + "/grants",
                              json{{"member_id", m.id},
                                   {"access", access},
                                   {"key_version", (*key)->version},
                                   {"sealed_key", crypto::ToBase64(*sealed)}},
                              AccessStatement(col.collection.id, m.id, *parsed),
                              &vault::api::ObjectFromJson);
  if (!r) return ctx.Fail(r.error());
  ctx.console.out << "Granted " << access << " on " << Printable(col.collection.name) << " to "
                  << Printable(m.name) << "\n";
  return kExitOk;
}

int CollectionRevoke(Context& ctx, const std::string& which, const std::string& who) {
  auto found = FindCollectionAndMember(ctx, which, who);
  if (!found) return ctx.Fail(found.error());
  const vault::api::CollectionEntry& col = found->collection;
  const vault::Member& m = found->member;
  auto r = SendWithStatements(
      ctx, "DELETE", "/v1/collections/" + col.collection.id + "/grants/" + m.id, json::object(),
      AccessStatement(col.collection.id, m.id, vault::CollectionAccess::kNone),
      &vault::api::ObjectFromJson);
  if (!r) return ctx.Fail(r.error());
  ctx.console.out << "Revoked " << Printable(m.name) << "'s access to "
                  << Printable(col.collection.name)
                  << "; the collection is marked for re-keying.\n";
  return kExitOk;
}

int CollectionSet(Context& ctx, const std::string& which, const std::string& offline_cache) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto col = LookupCollection(**c, which);
  if (!col) return ctx.Fail(col.error());
  auto r =
      (*c)->Send("PATCH", "/v1/collections/" + col->collection.id,
                 json{{"offline_cache", offline_cache == "on"}}, &vault::api::CollectionFromJson);
  if (!r) return ctx.Fail(r.error());
  if (offline_cache == "off") {
    // This client forgets it at once; the others when they next sync.
    ctx.SyncCacheQuietly();
  }
  if (ctx.options.json) {
    ctx.console.out << vault::api::CollectionToJson(*r).dump() << "\n";
  } else {
    ctx.console.out << "Offline cache of " << Printable(r->name) << ": " << offline_cache
                    << (offline_cache == "off"
                            ? " (members' copies are dropped when their client next syncs)"
                            : "")
                    << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterCollectionCommands(CLI::App& app, Context& ctx) {
  auto* collection = app.add_subcommand("collection", "Collections of items");
  collection->require_subcommand(1);
  {
    auto name = std::make_shared<std::string>();
    auto no_cache = std::make_shared<bool>(false);
    auto* cmd = collection->add_subcommand("create", "Create a collection (you manage it)");
    cmd->add_option("name", *name, "Name")->required();
    cmd->add_flag("--no-offline-cache", *no_cache, "Members may not keep an offline copy");
    cmd->callback(
        [&ctx, name, no_cache] { ctx.exit_code = CollectionCreate(ctx, *name, !*no_cache); });
  }
  collection->add_subcommand("list", "Collections you can see")->callback([&ctx] {
    ctx.exit_code = CollectionList(ctx);
  });
  {
    auto which = std::make_shared<std::string>();
    auto who = std::make_shared<std::string>();
    auto access = std::make_shared<std::string>();
    auto words = std::make_shared<std::string>();
    auto* cmd = collection->add_subcommand(
        "grant", "Give a member access (seals the collection key to their key)");
    cmd->add_option("collection", *which, "Name or id")->required();
    cmd->add_option("member", *who, "Name or id")->required();
    cmd->add_option("access", *access, "view, edit or manage")
        ->required()
        ->check(CLI::IsMember({"view", "edit", "manage"}));
    cmd->add_option("--fingerprint", *words,
                    "The member's key fingerprint words, as they read them to you; refuse on "
                    "mismatch");
    cmd->callback([&ctx, which, who, access, words] {
      ctx.exit_code = CollectionGrant(ctx, *which, *who, *access, *words);
    });
  }
  {
    auto which = std::make_shared<std::string>();
    auto who = std::make_shared<std::string>();
    auto* cmd = collection->add_subcommand("revoke", "Take a member's access away");
    cmd->add_option("collection", *which, "Name or id")->required();
    cmd->add_option("member", *who, "Name or id")->required();
    cmd->callback([&ctx, which, who] { ctx.exit_code = CollectionRevoke(ctx, *which, *who); });
  }
  {
    auto which = std::make_shared<std::string>();
    auto offline_cache = std::make_shared<std::string>();
    auto* cmd = collection->add_subcommand("set", "Change a collection's settings (admins)");
    cmd->add_option("collection", *which, "Name or id")->required();
    cmd->add_option("--offline-cache", *offline_cache,
                    "on: members may keep an encrypted offline copy; off: they may not")
        ->required()
        ->check(CLI::IsMember({"on", "off"}));
    cmd->callback([&ctx, which, offline_cache] {
      ctx.exit_code = CollectionSet(ctx, *which, *offline_cache);
    });
  }
}

}  // namespace cli
