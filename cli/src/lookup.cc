#include "lookup.h"

#include <algorithm>
#include <vector>

#include "vault/identity.h"

namespace cli {

using nlohmann::json;
using vault::Status;
namespace crypto = vault::crypto;

vault::Result<json> LookupMember(ApiClient& client, const std::string& name_or_id) {
  auto members = client.Call("GET", "/v1/members");
  if (!members) return vault::Fail(members.error());
  for (const auto& m : (*members)["members"]) {
    if (m.value("id", "") == name_or_id || m.value("name", "") == name_or_id) return m;
  }
  return vault::Fail(Status::NotFound("no member named " + name_or_id));
}

vault::Result<json> LookupCollection(ApiClient& client, const std::string& name_or_id) {
  auto cols = client.Call("GET", "/v1/collections");
  if (!cols) return vault::Fail(cols.error());
  std::vector<json> by_name;
  for (const auto& col : (*cols)["collections"]) {
    if (col.value("id", "") == name_or_id) return col;
    if (col.value("name", "") == name_or_id) by_name.push_back(col);
  }
  if (by_name.empty()) return vault::Fail(Status::NotFound("no collection named " + name_or_id));
  if (by_name.size() > 1) {
    std::string ids;
    for (const auto& col : by_name) ids += (ids.empty() ? "" : ", ") + col.value("id", "");
    return vault::Fail(Status::FailedPrecondition("several collections are named " + name_or_id +
                                                  "; use the collection id: " + ids));
  }
  return by_name.front();
}

std::string MemberFingerprintWords(const json& member) {
  auto sign = crypto::FromBase64(member.value("signing_public_key", ""));
  auto box = crypto::FromBase64(member.value("box_public_key", ""));
  if (!sign || !box || sign->size() != 32 || box->size() != 32) return "(malformed keys)";
  crypto::PublicKey s{}, b{};
  std::copy(sign->begin(), sign->end(), s.begin());
  std::copy(box->begin(), box->end(), b.begin());
  return vault::FingerprintWords(s, b);
}

vault::Result<crypto::PublicKey> PublicKeyField(const json& object, const std::string& field) {
  auto raw = crypto::FromBase64(object.value(field, ""));
  if (!raw || raw->size() != crypto::kPublicKeyBytes) {
    return vault::Fail(Status::Corruption("the server sent a malformed " + field));
  }
  crypto::PublicKey key{};
  std::copy(raw->begin(), raw->end(), key.begin());
  return key;
}

vault::Result<crypto::PublicKey> MemberBoxKey(const json& member) {
  return PublicKeyField(member, "box_public_key");
}

}  // namespace cli
