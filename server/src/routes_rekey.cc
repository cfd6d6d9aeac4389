// Re-keying a collection (docs/api.md): the client re-encrypts every item
// under a new key and seals it to every holder; the server checks the set
// is complete and swaps it in at once.
#include <algorithm>

#include "server_impl.h"

namespace server::internal {

void ServerImpl::RekeyCollection(const httplib::Request& req, httplib::Response& res,
                                 const Caller& c) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/collections/:id/rekey"));
  if (!body) return SendError(res, body.error());
  vault::WriteTxn::Rekey r;
  r.collection_id = req.matches[1];
  r.key_version = body->Int("key_version");
  // Each list entry is an object of its own small schema.
  auto pairs =
      [&](const char* list, const char* id_field, const char* key_field,
          std::vector<std::pair<std::string, std::vector<uint8_t>>>& out) -> ApiResult<void> {
    const vault::api::BodySchema& schema =
        vault::api::RequestBody(std::string("POST /v1/collections/:id/rekey ") + list + "[]");
    for (const json& entry : body->Json(list)) {
      auto e = Body::Parse(entry, schema);
      if (!e) return Reject(e.error());
      if (!IsId(e->Str(id_field))) {
        return Reject(BadRequest("bad_id", std::string(id_field) + " is 32 lower-case hex digits"));
      }
      auto box = DecodeBase64Field(e->Str(key_field), key_field);
      if (!box) return Reject(box.error());
      out.emplace_back(e->Str(id_field), std::move(*box));
    }
    return {};
  };
  if (auto members = pairs("member_keys", "member_id", "sealed_key", r.member_keys); !members) {
    return SendError(res, members.error());
  }
  if (auto grants = pairs("grant_keys", "grant_id", "escrow_sealed_key", r.grant_keys); !grants) {
    return SendError(res, grants.error());
  }
  if (body->Has("recovery_sealed_key")) {
    auto box = DecodeBase64Field(body->Str("recovery_sealed_key"), "recovery_sealed_key");
    if (!box) return SendError(res, box.error());
    r.recovery_key = std::move(*box);
  }
  for (const json& entry : body->Json("items")) {
    auto e = Body::Parse(entry, vault::api::RequestBody("POST /v1/collections/:id/rekey items[]"));
    if (!e) return SendError(res, e.error());
    if (!IsId(e->Str("id"))) {
      return SendError(res, BadRequest("bad_id", "item ids are 32 lower-case hex digits"));
    }
    auto ct = DecodeBase64Field(e->Str("ciphertext"), "ciphertext");
    if (!ct) return SendError(res, ct.error());
    r.items.push_back({e->Str("id"), e->Int("expected_version"), std::move(*ct)});
  }
  auto roster = RosterOf(*body);
  if (!roster) return SendError(res, roster.error());
  roster->claim = vault::roster::CollectionKey{r.collection_id, r.key_version, {}};
  json out;
  if (WriteWithRoster(
          res, c, *roster,
          [&](vault::WriteTxn& t) -> Status {
            auto recovery = t.GetSetting("recovery_public_key");
            if (!recovery) return recovery.error();
            if (*recovery && !r.recovery_key) {
              return Status::InvalidArgument(
                  "this team has a recovery key: seal the new key to it too "
                  "(recovery_sealed_key)");
            }
            if (Status s = t.RekeyCollection(c.actor(), r); !s.ok()) return s;
            auto col = t.GetCollection(r.collection_id);
            if (!col) return col.error();
            out = CollectionToJson(*col);
            return Status::OK();
          },
          Conflicts::kAsConflict)) {
    SendJson(res, 200, out);
  }
}

void ServerImpl::RegisterRekeyRoutes() {
  static constexpr Route kRoutes[] = {
      {"POST", "/v1/collections/:id/rekey", &ServerImpl::RekeyCollection},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
