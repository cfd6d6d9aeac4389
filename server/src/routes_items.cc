#include <algorithm>

#include "server_impl.h"

namespace server::internal {
namespace {

// An item's metadata as stored, for the answer to a write.
Result<json> StoredItemMeta(vault::WriteTxn& t, const std::string& id) {
  auto stored = t.GetItemMeta(id);
  if (!stored) return Fail(stored.error());
  return ItemMetaToJson(*stored);
}

// Takes the metadata fields present in `body` (name, channel, url,
// rotation_period_days) into `meta` and checks the result, for item creation
// and metadata edits alike; the error answer if a field is bad.
ApiResult<void> CheckItemMetaFields(const Body& body, vault::ItemMeta& meta) {
  if (body.Has("name")) meta.name = body.Str("name");
  if (body.Has("channel")) meta.channel = body.Str("channel");
  if (body.Has("url")) meta.url = body.Str("url");
  if (meta.name.empty() || meta.name.size() > 200) {
    return Reject(BadRequest("bad_name", "name must be 1 to 200 bytes"));
  }
  if (auto channel = vault::ParseChannelType(meta.channel); !channel) {
    return Reject(BadRequest("bad_channel", channel.error().message()));
  }
  if (body.Has("rotation_period_days")) {
    const int64_t days = body.Int("rotation_period_days");
    if (days < vault::kMinRotationPeriod.count() || days > vault::kMaxRotationPeriod.count()) {
      return Reject(BadRequest("bad_period", "rotation_period_days must be 1 to 3650"));
    }
    meta.rotation_period_s = days * 86400;
  }
  return {};
}

}  // namespace

void ServerImpl::ListItems(const httplib::Request& req, httplib::Response& res, const Caller&) {
  const std::string id = req.matches[1];
  json out = json::array();
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto col = t.GetCollection(id);
        if (!col) return col.error();
        auto items = t.ListItems(id);
        if (!items) return items.error();
        for (const auto& m : *items) out.push_back(ItemMetaToJson(m));
        return Status::OK();
      })) {
    SendJson(res, 200, {{"items", out}});
  }
}

void ServerImpl::CreateItem(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string id = req.matches[1];
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/collections/:id/items"));
  if (!body) return SendError(res, body.error());
  vault::ItemMeta meta;
  meta.id = body->Str("id");
  if (!IsId(meta.id)) return SendError(res, BadRequest("bad_id", "id must be 32 hex digits"));
  meta.collection_id = id;
  meta.name = body->Str("name");
  meta.channel = body->Str("channel");
  meta.url = body->Has("url") ? body->Str("url") : "";
  if (auto channel = vault::ParseChannelType(meta.channel)) {
    meta.rotation_period_s = vault::DefaultRotationPeriod(*channel).count() * 86400;
  }
  if (auto checked = CheckItemMetaFields(*body, meta); !checked) {
    return SendError(res, checked.error());
  }
  meta.key_version = body->Int("key_version");
  auto ct = DecodeBase64Field(body->Str("ciphertext"), "ciphertext");
  if (!ct) return SendError(res, ct.error());
  WriteAndAnswerCreated(
      res, [&](vault::WriteTxn& t) { return t.CreateItem(c.actor(), meta, *ct); },
      [&](vault::WriteTxn& t) { return StoredItemMeta(t, meta.id); });
}

void ServerImpl::GetItem(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string id = req.matches[1];
  json out;
  if (req.has_param("version")) {
    // The pending secret, for a teammate logging in while a rotation is under way.
    if (req.get_param_value("version") != "pending") {
      return SendError(res, BadRequest("bad_version", "version may only be \"pending\""));
    }
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          auto v = t.FetchPendingVersion(c.actor(), id);
          if (!v) return v.error();
          auto meta = t.GetItemMeta(id);
          if (!meta) return meta.error();
          out = ItemMetaToJson(*meta);
          out["version"] = v->version;
          out["key_version"] = v->key_version;
          out["state"] = ToString(v->state);
          out["ciphertext"] = crypto::ToBase64(v->ciphertext);
          return Status::OK();
        })) {
      SendJson(res, 200, out);
    }
    return;
  }
  // Only the read and its audit event run inside the batch (one thread
  // runs a whole group commit's batch in turn); the answer is built after.
  std::optional<vault::ItemWithCiphertext> item;
  if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
        auto fetched = t.FetchItem(c.actor(), id);
        if (!fetched) return fetched.error();
        item = std::move(*fetched);
        return Status::OK();
      })) {
    out = vault::api::ItemWithCiphertextToJson(*item);
    SendJson(res, 200, out);
  }
}

namespace {

// A client that sends key_version encrypted under that key; a collection
// re-keyed since would store a ciphertext its members cannot trust, so the
// write is refused (409 conflict, set `stale`) and the client fetches the
// new key first.
Status CheckKeyVersion(vault::WriteTxn& t, const std::string& item_id, const Body& body,
                       bool& stale) {
  if (!body.Has("key_version")) return Status::OK();
  auto meta = t.GetItemMeta(item_id);
  if (!meta) return meta.error();
  auto col = t.GetCollection(meta->collection_id);
  if (!col) return col.error();
  if (col->key_version == body.Int("key_version")) return Status::OK();
  stale = true;
  return Status::FailedPrecondition("the collection's key is at version " +
                                    std::to_string(col->key_version));
}

void SendStaleKey(httplib::Response& res) {
  SendError(res, {409, "conflict", "the collection was re-keyed: fetch its key again"});
}

}  // namespace

void ServerImpl::UpdateItem(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string id = req.matches[1];
  auto body = Body::Parse(req.body, vault::api::RequestBody("PUT /v1/items/:id"));
  if (!body) return SendError(res, body.error());
  auto ct = DecodeBase64Field(body->Str("ciphertext"), "ciphertext");
  if (!ct) return SendError(res, ct.error());
  json out;
  bool stale_key = false;
  if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
        if (Status s = CheckKeyVersion(t, id, *body, stale_key); !s.ok()) return s;
        if (Status s = t.UpdateItem(c.actor(), id, body->Int("expected_version"), *ct); !s.ok()) {
          return s;
        }
        auto meta = t.GetItemMeta(id);
        if (!meta) return meta.error();
        out = ItemMetaToJson(*meta);
        return Status::OK();
      })) {
    SendJson(res, 200, out);
  } else if (stale_key) {
    SendStaleKey(res);
  }
}

void ServerImpl::DeleteItem(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string id = req.matches[1];
  if (WriteOr(res, [&](vault::WriteTxn& t) { return t.DeleteItem(c.actor(), id); })) {
    SendJson(res, 200, {{"id", id}, {"deleted", true}});
  }
}

void ServerImpl::ItemHistory(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  const std::string id = req.matches[1];
  json out = json::array();
  if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
        auto versions = t.FetchHistory(c.actor(), id);
        if (!versions) return versions.error();
        for (const auto& v : *versions) {
          out.push_back(vault::api::ItemVersionToJson(v));
        }
        return Status::OK();
      })) {
    SendJson(res, 200, {{"versions", out}});
  }
}

void ServerImpl::EditItemMeta(const httplib::Request& req, httplib::Response& res,
                              const Caller& c) {
  const std::string id = req.matches[1];
  auto body = Body::Parse(req.body, vault::api::RequestBody("PATCH /v1/items/:id"));
  if (!body) return SendError(res, body.error());
  if (!body->Has("name") && !body->Has("url") && !body->Has("channel") &&
      !body->Has("rotation_period_days") && !body->Has("responsible_id") &&
      !body->Has("second_admin")) {
    return SendError(res, BadRequest("empty_change",
                                     "give at least one of name, url, channel, "
                                     "rotation_period_days, responsible_id, second_admin"));
  }
  if (body->Has("second_admin")) {
    // A statement about the team's continuity, which admins answer for.
    if (c.role != TeamRole::kOwner && c.role != TeamRole::kAdmin) {
      return SendError(res, FromStatus(Status::PermissionDenied(
                                "only owners and admins record whether a platform has a "
                                "second admin")));
    }
    const std::string v = body->Str("second_admin");
    if (std::ranges::find(vault::kSecondAdminValues, v) == vault::kSecondAdminValues.end()) {
      return SendError(res,
                       BadRequest("invalid_argument", "second_admin must be yes, no or unknown"));
    }
  }
  {
    // The fields given are checked as creation checks them; the others
    // keep their stored (valid) values, stood in for by valid ones here.
    vault::ItemMeta given;
    given.name = "-";
    given.channel = "other";
    if (auto checked = CheckItemMetaFields(*body, given); !checked) {
      return SendError(res, checked.error());
    }
  }
  vault::WriteTxn::ItemMetaChange change;
  if (body->Has("name")) change.name = body->Str("name");
  if (body->Has("url")) change.url = body->Str("url");
  if (body->Has("channel")) change.channel = body->Str("channel");
  if (body->Has("rotation_period_days")) {
    change.rotation_period_s = body->Int("rotation_period_days") * 86400;
  }
  if (body->Has("responsible_id")) change.responsible_id = body->Str("responsible_id");
  if (body->Has("second_admin")) change.second_admin = body->Str("second_admin");
  WriteAndAnswerOk(
      res, [&](vault::WriteTxn& t) { return t.UpdateItemMeta(c.actor(), id, change); },
      [&](vault::WriteTxn& t) { return StoredItemMeta(t, id); });
}

void ServerImpl::BeginRotation(const httplib::Request& req, httplib::Response& res,
                               const Caller& c) {
  const std::string id = req.matches[1];
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/items/:id/rotation"));
  if (!body) return SendError(res, body.error());
  auto ct = DecodeBase64Field(body->Str("ciphertext"), "ciphertext");
  if (!ct) return SendError(res, ct.error());
  bool stale_key = false;
  WriteAndAnswerCreated(
      res,
      [&](vault::WriteTxn& t) -> Status {
        if (Status s = CheckKeyVersion(t, id, *body, stale_key); !s.ok()) return s;
        // The client encrypted for the number it was told (next_version);
        // a ciphertext bound to another number would never decrypt.
        if (body->Has("pending_version")) {
          auto meta = t.GetItemMeta(id);
          if (!meta) return meta.error();
          if (meta->next_version != body->Int("pending_version")) {
            return Status::FailedPrecondition("the next version of item " + id + " is " +
                                              std::to_string(meta->next_version) + ", not " +
                                              std::to_string(body->Int("pending_version")));
          }
        }
        auto v = t.BeginRotation(c.actor(), id, body->Int("expected_version"), *ct);
        return v ? Status::OK() : v.error();
      },
      [&](vault::WriteTxn& t) { return StoredItemMeta(t, id); });
  if (stale_key) SendStaleKey(res);
}

void ServerImpl::ConfirmRotation(const httplib::Request& req, httplib::Response& res,
                                 const Caller& c) {
  const std::string id = req.matches[1];
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/items/:id/rotation/confirm"));
  if (!body) return SendError(res, body.error());
  WriteAndAnswerOk(
      res,
      [&](vault::WriteTxn& t) {
    return t.ConfirmRotation(c.actor(), id, body->Int("pending_version"));
      },
      [&](vault::WriteTxn& t) { return StoredItemMeta(t, id); });
}

void ServerImpl::AbandonRotation(const httplib::Request& req, httplib::Response& res,
                                 const Caller& c) {
  const std::string id = req.matches[1];
  WriteAndAnswerOk(
      res, [&](vault::WriteTxn& t) { return t.AbortRotation(c.actor(), id); },
      [&](vault::WriteTxn& t) { return StoredItemMeta(t, id); });
}

void ServerImpl::RegisterItemRoutes() {
  static constexpr Route kRoutes[] = {
      {"GET", "/v1/collections/:id/items", &ServerImpl::ListItems},
      {"POST", "/v1/collections/:id/items", &ServerImpl::CreateItem},
      {"GET", "/v1/items/:id", &ServerImpl::GetItem},
      {"PUT", "/v1/items/:id", &ServerImpl::UpdateItem},
      {"DELETE", "/v1/items/:id", &ServerImpl::DeleteItem},
      {"GET", "/v1/items/:id/history", &ServerImpl::ItemHistory},
      {"PATCH", "/v1/items/:id", &ServerImpl::EditItemMeta},
      {"POST", "/v1/items/:id/rotation", &ServerImpl::BeginRotation},
      {"POST", "/v1/items/:id/rotation/confirm", &ServerImpl::ConfirmRotation},
      {"DELETE", "/v1/items/:id/rotation", &ServerImpl::AbandonRotation},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
