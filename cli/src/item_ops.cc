#include "item_ops.h"

#include <algorithm>
#include <map>
#include <utility>

#include "item_view.h"
#include "lookup.h"
#include "short_names.h"
#include "vault/crypto.h"

namespace cli {

namespace api = vault::api;

Result<vault::api::CollectionEntry> FindCollection(Context& ctx, const std::string& which) {
  auto c = ctx.client();
  if (!c) return Fail(c.error());
  return LookupCollection(**c, which);
}

// Item metadata (never ciphertext) of one collection, or of every collection
// this member may see; each item gains "collection" (the collection's name)
// and "responsible" (the responsible member's name, or their id where the
// role may not list members).
Result<std::vector<json>> ListItemMeta(Context& ctx, const std::string& collection) {
  auto c = ctx.client();
  if (!c) return Fail(c.error());
  std::vector<api::CollectionEntry> cols;
  if (!collection.empty()) {
    auto col = FindCollection(ctx, collection);
    if (!col) return Fail(col.error());
    cols.push_back(std::move(*col));
  } else {
    auto all = (*c)->Get("/v1/collections", &api::CollectionsFromJson);
    if (!all) return Fail(all.error());
    cols = std::move(*all);
  }
  const std::map<std::string, std::string> names = MemberNames(**c);
  std::vector<json> out;
  for (const auto& col : cols) {
    auto items = (*c)->Get("/v1/collections/" + col.collection.id + "/items", &api::ItemsFromJson);
    if (!items) {
      if (collection.empty() && items.error().IsPermissionDenied()) continue;
      return Fail(items.error());
    }
    for (const auto& it : *items) {
      json j = api::ItemMetaToJson(it);
      j["collection"] = col.collection.name;
      auto name = names.find(it.responsible_id);
      j["responsible"] = name != names.end() ? name->second : it.responsible_id;
      out.push_back(std::move(j));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return std::pair(a.value("collection", ""), a.value("name", "")) <
           std::pair(b.value("collection", ""), b.value("name", ""));
  });
  return out;
}

Result<envelope::ItemPayload> Decrypt(Context& ctx, const std::string& item_id,
                                      const std::string& collection_id, int64_t version,
                                      int64_t key_version, std::span<const uint8_t> ciphertext) {
  auto key = ctx.collection_key(collection_id, key_version);
  if (!key) return Fail(key.error());
  if ((*key)->version != key_version) {
    return Fail(Status::FailedPrecondition(
        "item version " + std::to_string(version) + " is encrypted under collection key version " +
        std::to_string(key_version) + ", but this member holds key version " +
        std::to_string((*key)->version)));
  }
  return envelope::DecryptItem(**key, {item_id, collection_id, version, key_version}, ciphertext);
}

Result<NewVersion> EncryptNextVersion(Context& ctx, const OpenedItem& item) {
  const std::string id = item.meta.value("id", "");
  const std::string collection_id = item.meta.value("collection_id", "");
  NewVersion out;
  out.expected_version = item.meta.value("version", int64_t{0});
  // Numbers of aborted rotations are skipped; servers before next_version
  // had none.
  out.version = item.meta.value("next_version", out.expected_version + 1);
  auto key = ctx.write_key(collection_id);
  if (!key) return Fail(key.error());
  // Only under the latest key: a server that kept an older one (a removed
  // member's) gets nothing new under it; it refuses a stale key_version.
  out.key_version = (*key)->version;
  auto ct = envelope::EncryptItem(ctx.env, **key, {id, collection_id, out.version, out.key_version},
                                  item.payload);
  if (!ct) return Fail(ct.error());
  out.ciphertext_b64 = crypto::ToBase64(*ct);
  return out;
}

Result<OpenedItem> FetchItem(Context& ctx, const std::string& name_or_id, bool allow_offline) {
  auto read = ctx.ReadItem(name_or_id, allow_offline);
  if (!read) return Fail(read.error());
  if (read->offline) {
    ctx.console.err << "baton: offline, as of " << DateTime(read->as_of_ms)
                    << " (the server cannot be reached; this read is reported to it later)\n";
  }
  const ItemRef& ref = read->ref;
  OpenedItem item;
  item.meta = std::move(read->meta);
  const int64_t version = item.meta.value("version", int64_t{0});
  auto pins = ctx.pins();
  if (!pins) return Fail(pins.error());
  if (Status s = (*pins)->CheckItem(ref.id, version, ref.meta.value("name", ref.id)); !s.ok()) {
    return Fail(s);
  }
  // The id is the one asked for, so a server answering with another item's
  // ciphertext fails to decrypt.
  auto payload = Decrypt(ctx, ref.id, item.meta.value("collection_id", ref.collection_id), version,
                         item.meta.value("key_version", int64_t{0}), read->ciphertext);
  if (!payload) return Fail(payload.error());
  // Raised only once it decrypted: a made-up version number must not lock
  // the item out.
  if (Status s = (*pins)->PinItem(ref.id, version); !s.ok()) return Fail(s);
  item.payload = std::move(*payload);
  item.meta["id"] = ref.id;
  item.meta["collection"] = ref.meta.value("collection", "");
  return item;
}

std::string CollectionNameOf(Context& ctx, const std::string& id) {
  auto c = ctx.client();
  if (!c) return "";
  auto cols = (*c)->Get("/v1/collections", &api::CollectionsFromJson);
  if (!cols) return "";
  for (const auto& col : *cols) {
    if (col.collection.id == id) return col.collection.name;
  }
  return "";
}

Result<OpenedItem> FetchPendingItem(Context& ctx, const std::string& name_or_id) {
  auto ref = ctx.FindItem(name_or_id);
  if (!ref) return Fail(ref.error());
  auto c = ctx.client();
  if (!c) return Fail(c.error());
  auto reply =
      (*c)->Get("/v1/items/" + ref->id + "?version=pending", &api::ItemWithCiphertextFromJson);
  if (!reply) {
    if (reply.error().IsFailedPrecondition()) {
      return Fail(Status::FailedPrecondition("no rotation of " + ref->meta.value("name", "") +
                                             " is pending"));
    }
    return Fail(HideUnlisted(ctx, reply.error(), name_or_id));
  }
  OpenedItem item;
  item.meta = api::ItemMetaToJson(reply->meta);
  auto payload = Decrypt(ctx, ref->id, reply->meta.collection_id, reply->meta.version,
                         reply->meta.key_version, reply->ciphertext);
  if (!payload) return Fail(payload.error());
  item.payload = std::move(*payload);
  item.meta["id"] = ref->id;
  item.meta["collection"] = ref->meta.value("collection", "");
  return item;
}

}  // namespace cli
