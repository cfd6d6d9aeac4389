// collection rekey: a new collection key after someone who held the old one
// left (or an emergency release). Everything is prepared on this machine and
// sent as one request, which the server applies atomically or not at all.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <optional>

#include "cli/exit_codes.h"
#include "context.h"
#include "item_ops.h"
#include "lookup.h"
#include "short_names.h"
#include "vault/api_json_emergency.h"
#include "vault/emergency.h"
#include "vault/envelope.h"

namespace cli {
namespace {

std::string Count(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
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

  // Who must get the new key: every member with access, the recovery key if
  // the team has one, every active emergency grant covering the collection.
  auto members = (*c)->Get("/v1/members", &vault::api::MembersFromJson);
  if (!members) return ctx.Fail(members.error());
  auto holders = (*c)->Get("/v1/collections/" + id + "/grants", &vault::api::AccessListFromJson);
  if (!holders) return ctx.Fail(holders.error());
  auto info = (*c)->Get("/v1/server", &vault::api::ServerInfoFromJson);
  if (!info) return ctx.Fail(info.error());
  auto grants = (*c)->Get("/v1/emergency/grants", &vault::api::GrantsFromJson);
  if (!grants) return ctx.Fail(grants.error());
  auto member = [&](const std::string& member_id) -> const vault::Member* {
    for (const auto& m : *members) {
      if (m.id == member_id) return &m;
    }
    return nullptr;
  };

  std::vector<envelope::Recipient> recipients;
  for (const auto& h : *holders) {
    const vault::Member* m = member(h.member_id);
    if (m == nullptr) {
      return ctx.Fail(Status::Corruption("member " + h.member_id +
                                         " has access but is not listed; nothing was changed"));
    }
    ctx.console.err << Printable(m->name) << "'s key fingerprint: " << MemberFingerprintWords(*m)
                    << "\n";
    recipients.push_back({m->id, m->box_public_key});
  }
  const size_t member_count = recipients.size();
  const bool has_recovery = info->recovery_public_key.has_value();
  if (has_recovery) recipients.push_back({"recovery", *info->recovery_public_key});
  struct Escrowed {
    std::string grant_id;
    crypto::PublicKey deputy{};
  };
  std::vector<Escrowed> escrowed;
  for (const auto& [g, request] : *grants) {
    const bool active = g.status == vault::emergency::GrantStatus::kActive;
    if (!active ||
        std::find(g.collections.begin(), g.collections.end(), id) == g.collections.end()) {
      continue;
    }
    const vault::Member* deputy = member(g.deputy_id);
    if (deputy == nullptr) {
      return ctx.Fail(Status::Corruption("the deputy of grant " + g.id +
                                         " is not listed; nothing was changed"));
    }
    ctx.console.err << Printable(deputy->name)
                    << "'s key fingerprint (emergency deputy): " << MemberFingerprintWords(*deputy)
                    << "\n";
    escrowed.push_back({g.id, deputy->box_public_key});
  }
  std::optional<crypto::PublicKey> escrow;
  if (!escrowed.empty()) escrow = info->escrow_public_key;

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
  auto r =
      (*c)->Send("POST", "/v1/collections/" + id + "/rekey", body, &vault::api::CollectionFromJson);
  if (!r) return ctx.Fail(r.error());
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
