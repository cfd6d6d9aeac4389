// collection rekey: a new collection key after someone who held the old one
// left (or an emergency release). Everything is prepared on this machine and
// sent as one request, which the server applies atomically or not at all.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <optional>
#include <set>

#include "bootstrap.h"
#include "cli/exit_codes.h"
#include "context.h"
#include "item_ops.h"
#include "lookup.h"
#include "short_names.h"
#include "trust.h"
#include "vault/api_json_emergency.h"
#include "vault/emergency.h"
#include "vault/envelope.h"

namespace cli {
namespace {

std::string Count(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

struct Escrowed {
  std::string grant_id;
  crypto::PublicKey deputy{};
};

// Who gets the new key: every member with access, the recovery key if the
// team has one, and through the escrow key every active emergency grant
// covering the collection.
struct Holders {
  std::vector<envelope::Recipient> recipients;
  size_t member_count = 0;
  bool has_recovery = false;
  std::vector<Escrowed> escrowed;
  std::optional<crypto::PublicKey> escrow;
};

// From the roster: its keys only. The server's list of holders must be the
// roster's, or someone the roster does not know would get the key (or
// someone it knows would silently lose it).
Result<Holders> RosterHolders(Context& ctx, const vault::roster::State& state,
                              const std::string& id,
                              const std::vector<vault::api::AccessEntry>& listed) {
  auto col = state.collections.find(id);
  if (col == state.collections.end()) {
    return Fail(Status::UntrustedKey("collection " + id +
                                     " is not in the team roster; nothing was changed"));
  }
  std::set<std::string> on_server, in_roster;
  for (const auto& h : listed) on_server.insert(h.member_id);
  for (const auto& [member_id, access] : col->second.access) {
    if (access != vault::CollectionAccess::kNone && state.ActiveMember(member_id) != nullptr) {
      in_roster.insert(member_id);
    }
  }
  if (on_server != in_roster) {
    return Fail(
        Status::UntrustedKey("the server's list of who holds " + col->second.name +
                             " differs from the team roster's; nothing was sealed or changed"));
  }
  Holders out;
  for (const std::string& member_id : in_roster) {
    out.recipients.push_back({member_id, state.ActiveMember(member_id)->box_pk});
  }
  out.member_count = out.recipients.size();
  out.has_recovery = state.recovery_pk.has_value();
  if (out.has_recovery) out.recipients.push_back({"recovery", *state.recovery_pk});
  for (const auto& [grant_id, g] : state.grants) {
    if (!g.active ||
        std::find(g.collection_ids.begin(), g.collection_ids.end(), id) == g.collection_ids.end()) {
      continue;
    }
    const vault::roster::Member* deputy = state.ActiveMember(g.deputy_id);
    if (deputy == nullptr) continue;  // a removed deputy gets nothing new
    ctx.console.err << Printable(deputy->name) << " holds an emergency grant on "
                    << Printable(col->second.name) << "\n";
    out.escrowed.push_back({g.id, deputy->box_pk});
  }
  if (!out.escrowed.empty()) out.escrow = state.escrow_pk;
  return out;
}

// A legacy team without a roster: the server's word, shown as fingerprints.
Result<Holders> ServerHolders(Context& ctx, ApiClient& c, const std::string& id,
                              const std::vector<vault::api::AccessEntry>& listed) {
  auto members = c.Get("/v1/members", &vault::api::MembersFromJson);
  if (!members) return Fail(members.error());
  auto info = c.Get("/v1/server", &vault::api::ServerInfoFromJson);
  if (!info) return Fail(info.error());
  auto grants = c.Get("/v1/emergency/grants", &vault::api::GrantsFromJson);
  if (!grants) return Fail(grants.error());
  auto member = [&](const std::string& member_id) -> const vault::Member* {
    for (const auto& m : *members) {
      if (m.id == member_id) return &m;
    }
    return nullptr;
  };
  Holders out;
  for (const auto& h : listed) {
    const vault::Member* m = member(h.member_id);
    if (m == nullptr) {
      return Fail(Status::Corruption("member " + h.member_id +
                                     " has access but is not listed; nothing was changed"));
    }
    ctx.console.err << Printable(m->name) << "'s key fingerprint: " << MemberFingerprintWords(*m)
                    << "\n";
    out.recipients.push_back({m->id, m->box_public_key});
  }
  out.member_count = out.recipients.size();
  out.has_recovery = info->recovery_public_key.has_value();
  if (out.has_recovery) out.recipients.push_back({"recovery", *info->recovery_public_key});
  for (const auto& [g, request] : *grants) {
    const bool active = g.status == vault::emergency::GrantStatus::kActive;
    if (!active ||
        std::find(g.collections.begin(), g.collections.end(), id) == g.collections.end()) {
      continue;
    }
    const vault::Member* deputy = member(g.deputy_id);
    if (deputy == nullptr) {
      return Fail(Status::Corruption("the deputy of grant " + g.id +
                                     " is not listed; nothing was changed"));
    }
    ctx.console.err << Printable(deputy->name)
                    << "'s key fingerprint (emergency deputy): " << MemberFingerprintWords(*deputy)
                    << "\n";
    out.escrowed.push_back({g.id, deputy->box_public_key});
  }
  if (!out.escrowed.empty()) {
    auto p = ctx.profile();
    if (!p) return Fail(p.error());
    if (Status s = CheckEscrowKey(*info, (*p)->server_audit_key); !s.ok()) return Fail(s);
    out.escrow = info->escrow_public_key;
  }
  return out;
}

int Rekey(Context& ctx, const std::string& which) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto col = LookupCollection(**c, which);
  if (!col) return ctx.Fail(col.error());
  const std::string id = col->collection.id;
  const std::string name = col->collection.name;
  auto old_key = ctx.collection_key(id);
  if (!old_key) return ctx.Fail(old_key.error());
  if ((*old_key)->version != col->collection.key_version) {
    return ctx.Fail(Status::FailedPrecondition(
        "you hold key version " + std::to_string((*old_key)->version) + " of " + name +
        ", but the collection is at version " + std::to_string(col->collection.key_version) +
        "; nothing was changed"));
  }

  auto trust = ctx.trust();
  if (!trust) return ctx.Fail(trust.error());
  if (Status s = (*trust)->RequirePinnedRoster(); !s.ok()) return ctx.Fail(s);
  auto holders = (*c)->Get("/v1/collections/" + id + "/grants", &vault::api::AccessListFromJson);
  if (!holders) return ctx.Fail(holders.error());
  const vault::roster::State* state = (*trust)->roster();
  auto who = state != nullptr ? RosterHolders(ctx, *state, id, *holders)
                              : ServerHolders(ctx, **c, id, *holders);
  if (!who) return ctx.Fail(who.error());
  const std::vector<envelope::Recipient>& recipients = who->recipients;
  const size_t member_count = who->member_count;
  const bool has_recovery = who->has_recovery;
  const std::vector<Escrowed>& escrowed = who->escrowed;
  const std::optional<crypto::PublicKey>& escrow = who->escrow;

  // Every item at its current version (each fetch is an audited read).
  auto listed = (*c)->Get("/v1/collections/" + id + "/items", &vault::api::ItemsFromJson);
  if (!listed) return ctx.Fail(listed.error());
  std::vector<envelope::StoredVersion> versions;
  for (const auto& it : *listed) {
    auto item = (*c)->Get("/v1/items/" + it.id, &vault::api::ItemWithCiphertextFromJson);
    if (!item) return ctx.Fail(item.error());
    const vault::ItemMeta& meta = item->meta;
    if (meta.key_version != (*old_key)->version) {
      return ctx.Fail(Status::FailedPrecondition("item " + meta.name +
                                                 " is under another key version than the "
                                                 "collection's; nothing was changed"));
    }
    // The server stores the re-encrypted copy as the item's next version.
    versions.push_back({it.id, meta.version, std::move(item->ciphertext), meta.next_version});
  }

  auto rekeyed = envelope::Rekey(ctx.env, **old_key, versions, recipients, has_recovery);
  if (!rekeyed) return ctx.Fail(rekeyed.error());
  json body = {{"key_version", rekeyed->key.version},
               {"member_keys", json::array()},
               {"grant_keys", json::array()},
               {"items", json::array()}};
  for (const auto& [holder, sealed] : rekeyed->sealed) {
    if (holder == "recovery") {
      body["recovery_sealed_key"] = crypto::ToBase64(sealed);
    } else {
      body["member_keys"].push_back(
          {{"member_id", holder}, {"sealed_key", crypto::ToBase64(sealed)}});
    }
  }
  for (const auto& g : escrowed) {
    auto sealed = envelope::SealForEscrow(rekeyed->key, g.deputy, *escrow);
    if (!sealed) return ctx.Fail(sealed.error());
    body["grant_keys"].push_back(
        {{"grant_id", g.grant_id}, {"escrow_sealed_key", crypto::ToBase64(*sealed)}});
  }
  for (const auto& v : rekeyed->versions) {
    body["items"].push_back({{"id", v.item_id},
                             {"expected_version", v.version},
                             {"ciphertext", crypto::ToBase64(v.ciphertext)}});
  }
  const envelope::CollectionKey& new_key = rekeyed->key;
  auto r = SendWithStatements(
      ctx, "POST", "/v1/collections/" + id + "/rekey", body,
      [&](const vault::roster::State&) -> Result<std::vector<vault::roster::Body>> {
        auto kcv = vault::roster::KeyCheckValue(new_key.key, id, new_key.version);
        if (!kcv) return Fail(kcv.error());
        return std::vector<vault::roster::Body>{
            vault::roster::CollectionKey{id, new_key.version, *kcv}};
      },
      &vault::api::CollectionFromJson);
  if (!r) return ctx.Fail(r.error());
  if (Status s = (*trust)->PinKeyVersion(id, new_key.version); !s.ok()) return ctx.Fail(s);
  if (ctx.options.json) {
    ctx.console.out << vault::api::CollectionToJson(*r).dump() << "\n";
    return kExitOk;
  }
  ctx.console.out << "Re-keyed " << Printable(name) << " (key version " << rekeyed->key.version
                  << "): " << Count(versions.size(), "item", "items") << ", "
                  << Count(member_count, "member", "members") << ", "
                  << Count(escrowed.size(), "emergency grant", "emergency grants")
                  << (has_recovery ? ", the recovery key" : "")
                  << "; the old key opens only old history.\n";
  return kExitOk;
}

}  // namespace

void RegisterRekeyCommand(CLI::App& app, Context& ctx) {
  auto* collection = app.get_subcommand("collection");
  auto which = std::make_shared<std::string>();
  auto* cmd = collection->add_subcommand(
      "rekey",
      "Replace the collection key: re-encrypt every item, seal the new key to everyone with "
      "access");
  cmd->add_option("collection", *which, "Name or id")->required();
  cmd->callback([&ctx, which] { ctx.exit_code = Rekey(ctx, *which); });
}

}  // namespace cli
