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
  const std::string id = col->value("id", "");
  const std::string name = col->value("name", "");
  auto old_key = ctx.collection_key(id);
  if (!old_key) return ctx.Fail(old_key.error());
  if ((*old_key)->version != col->value("key_version", int64_t{0})) {
    return ctx.Fail(Status::FailedPrecondition(
        "you hold key version " + std::to_string((*old_key)->version) + " of " + name +
        ", but the collection is at version " +
        std::to_string(col->value("key_version", int64_t{0})) + "; nothing was changed"));
  }

  // Who must get the new key: every member with access, the recovery key if
  // the team has one, every active emergency grant covering the collection.
  auto members = (*c)->Call("GET", "/v1/members");
  if (!members) return ctx.Fail(members.error());
  auto holders = (*c)->Call("GET", "/v1/collections/" + id + "/grants");
  if (!holders) return ctx.Fail(holders.error());
  auto info = (*c)->Call("GET", "/v1/server");
  if (!info) return ctx.Fail(info.error());
  auto grants = (*c)->Call("GET", "/v1/emergency/grants");
  if (!grants) return ctx.Fail(grants.error());
  auto member = [&](const std::string& member_id) -> const json* {
    for (const auto& m : (*members)["members"]) {
      if (m.value("id", "") == member_id) return &m;
    }
    return nullptr;
  };

  std::vector<envelope::Recipient> recipients;
  for (const auto& h : (*holders)["grants"]) {
    const json* m = member(h.value("member_id", ""));
    if (m == nullptr) {
      return ctx.Fail(Status::Corruption("member " + h.value("member_id", "") +
                                         " has access but is not listed; nothing was changed"));
    }
    auto box = MemberBoxKey(*m);
    if (!box) return ctx.Fail(box.error());
    ctx.console.err << m->value("name", "") << "'s key fingerprint: " << MemberFingerprintWords(*m)
                    << "\n";
    recipients.push_back({m->value("id", ""), *box});
  }
  const size_t member_count = recipients.size();
  const bool has_recovery = info->contains("recovery_public_key");
  if (has_recovery) {
    auto rk = PublicKeyField(*info, "recovery_public_key");
    if (!rk) return ctx.Fail(rk.error());
    recipients.push_back({"recovery", *rk});
  }
  struct Escrowed {
    std::string grant_id;
    crypto::PublicKey deputy{};
  };
  std::vector<Escrowed> escrowed;
  for (const auto& g : (*grants)["grants"]) {
    const auto& cols = g.value("collections", json::array());
    if (g.value("status", "") != "active" ||
        std::find(cols.begin(), cols.end(), id) == cols.end()) {
      continue;
    }
    const json* deputy = member(g.value("deputy_id", ""));
    if (deputy == nullptr) {
      return ctx.Fail(Status::Corruption("the deputy of grant " + g.value("id", "") +
                                         " is not listed; nothing was changed"));
    }
    auto box = MemberBoxKey(*deputy);
    if (!box) return ctx.Fail(box.error());
    ctx.console.err << deputy->value("name", "")
                    << "'s key fingerprint (emergency deputy): " << MemberFingerprintWords(*deputy)
                    << "\n";
    escrowed.push_back({g.value("id", ""), *box});
  }
  std::optional<crypto::PublicKey> escrow;
  if (!escrowed.empty()) {
    auto e = PublicKeyField(*info, "escrow_public_key");
    if (!e) return ctx.Fail(e.error());
    escrow = *e;
  }

  // Every item at its current version (each fetch is an audited read).
  auto listed = (*c)->Call("GET", "/v1/collections/" + id + "/items");
  if (!listed) return ctx.Fail(listed.error());
  std::vector<envelope::StoredVersion> versions;
  for (const auto& it : (*listed)["items"]) {
    const std::string item_id = it.value("id", "");
    auto item = (*c)->Call("GET", "/v1/items/" + item_id);
    if (!item) return ctx.Fail(item.error());
    if (item->value("key_version", int64_t{0}) != (*old_key)->version) {
      return ctx.Fail(Status::FailedPrecondition("item " + item->value("name", item_id) +
                                                 " is under another key version than the "
                                                 "collection's; nothing was changed"));
    }
    auto ct = TakeCiphertext(*item);
    if (!ct) return ctx.Fail(ct.error());
    const int64_t version = item->value("version", int64_t{0});
    // The server stores the re-encrypted copy as the item's next version.
    versions.push_back(
        {item_id, version, std::move(*ct), item->value("next_version", version + 1)});
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
  auto r = (*c)->Call("POST", "/v1/collections/" + id + "/rekey", body);
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    ctx.console.out << r->dump() << "\n";
    return kExitOk;
  }
  ctx.console.out << "Re-keyed " << name << " (key version " << rekeyed->key.version
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
