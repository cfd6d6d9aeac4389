#include <algorithm>

#include "server_impl.h"

namespace server::internal {

void ServerImpl::RegisterItemRoutes() {
  auto& S = Spec;
  Register(S("GET", "/v1/collections/:id/items"), [this](const auto& req, auto& res, const Caller&) {
    const std::string id = req.matches[1];
    json out = json::array();
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          auto col = t.GetCollection(id);
          if (!col) return col.error();
          auto items = t.ListItems(id);
          if (!items) return items.error();
          for (const auto& m : *items) out.push_back(ItemMetaJson(m));
          return Status::OK();
        })) {
      SendJson(res, 200, {{"items", out}});
    }
  });
  Register(S("POST", "/v1/collections/:id/items"), [this](const auto& req, auto& res,
                                                           const Caller& c) {
    const std::string id = req.matches[1];
    ApiError error;
    auto body = Body::Parse(req.body,
                            {{"id", FieldType::kString},
                             {"name", FieldType::kString},
                             {"channel", FieldType::kString},
                             {"url", FieldType::kString, false},
                             {"rotation_period_days", FieldType::kInt, false},
                             {"key_version", FieldType::kInt},
                             {"ciphertext", FieldType::kString}},
                            error);
    if (!body) return SendError(res, error);
    vault::ItemMeta meta;
    meta.id = body->Str("id");
    if (!IsId(meta.id)) return SendError(res, BadRequest("bad_id", "id must be 32 hex digits"));
    meta.collection_id = id;
    meta.name = body->Str("name");
    if (meta.name.empty() || meta.name.size() > 200) {
      return SendError(res, BadRequest("bad_name", "name must be 1 to 200 bytes"));
    }
    meta.channel = body->Str("channel");
    auto channel = vault::ParseChannelType(meta.channel);
    if (!channel) return SendError(res, BadRequest("bad_channel", channel.error().message()));
    meta.url = body->Has("url") ? body->Str("url") : "";
    const int64_t days = body->Has("rotation_period_days")
                             ? body->Int("rotation_period_days")
                             : vault::DefaultRotationPeriod(*channel).count();
    if (days < 1 || days > 3650) {
      return SendError(res, BadRequest("bad_period", "rotation_period_days must be 1 to 3650"));
    }
    meta.rotation_period_s = days * 86400;
    meta.key_version = body->Int("key_version");
    auto ct = DecodeBase64Field(body->Str("ciphertext"), "ciphertext", error);
    if (!ct) return SendError(res, error);
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          if (Status s = t.CreateItem(c.actor(), meta, *ct); !s.ok()) return s;
          auto stored = t.GetItemMeta(meta.id);
          if (!stored) return stored.error();
          meta = std::move(*stored);
          return Status::OK();
        })) {
      SendJson(res, 201, ItemMetaJson(meta));
    }
  });
  Register(S("GET", "/v1/items/:id"), [this](const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    json out;
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          auto item = t.FetchItem(c.actor(), id);
          if (!item) return item.error();
          out = ItemMetaJson(item->meta);
          out["ciphertext"] = crypto::ToBase64(item->ciphertext);
          return Status::OK();
        })) {
      SendJson(res, 200, out);
    }
  });
  Register(S("PUT", "/v1/items/:id"), [this](const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    ApiError error;
    auto body = Body::Parse(req.body,
                            {{"expected_version", FieldType::kInt},
                             {"ciphertext", FieldType::kString}},
                            error);
    if (!body) return SendError(res, error);
    auto ct = DecodeBase64Field(body->Str("ciphertext"), "ciphertext", error);
    if (!ct) return SendError(res, error);
    json out;
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          if (Status s = t.UpdateItem(c.actor(), id, body->Int("expected_version"), *ct); !s.ok()) {
            return s;
          }
          auto meta = t.GetItemMeta(id);
          if (!meta) return meta.error();
          out = ItemMetaJson(*meta);
          return Status::OK();
        })) {
      SendJson(res, 200, out);
    }
  });
  Register(S("DELETE", "/v1/items/:id"), [this](const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    if (WriteOr(res, [&](vault::WriteTxn& t) { return t.DeleteItem(c.actor(), id); })) {
      SendJson(res, 200, {{"id", id}, {"deleted", true}});
    }
  });
  Register(S("GET", "/v1/items/:id/history"), [this](const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    json out = json::array();
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          auto versions = t.FetchHistory(c.actor(), id);
          if (!versions) return versions.error();
          for (const auto& v : *versions) {
            out.push_back({{"version", v.version},
                           {"key_version", v.key_version},
                           {"state", v.state},
                           {"ciphertext", crypto::ToBase64(v.ciphertext)},
                           {"created_ms", v.created_ms},
                           {"created_by", v.created_by}});
          }
          return Status::OK();
        })) {
      SendJson(res, 200, {{"versions", out}});
    }
  });
}

}  // namespace server::internal
