// Fuzzes the client's answer decoders (vault/api_json*.h) as a hostile
// server would: any bytes, parsed as JSON, go through every decoder; each
// yields a value or the Internal "malformed answer" status, never a throw
// or a crash, and what decodes encodes back to something that decodes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "vault/api_json.h"
#include "vault/api_json_cache.h"
#include "vault/api_json_emergency.h"

namespace {

constexpr std::string_view kRoute = "GET /v1/fuzz";

template <typename T, typename Encode>
void Check(vault::Result<T> (*decode)(const nlohmann::json&, std::string_view),
           const nlohmann::json& j, Encode encode) {
  auto v = decode(j, kRoute);
  if (!v) {
    if (!v.error().IsInternal()) std::abort();
    return;
  }
  if (!decode(encode(*v), kRoute)) std::abort();
}

template <typename T>
void CheckList(vault::Result<T> (*decode)(const nlohmann::json&, std::string_view),
               const nlohmann::json& j) {
  auto v = decode(j, kRoute);
  if (!v && !v.error().IsInternal()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace api = vault::api;
  const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  Check(&api::MemberFromJson, j, &api::MemberToJson);
  Check(&api::CollectionEntryFromJson, j, &api::CollectionEntryToJson);
  Check(&api::ItemMetaFromJson, j, &api::ItemMetaToJson);
  Check(&api::ItemWithCiphertextFromJson, j, &api::ItemWithCiphertextToJson);
  Check(&api::ItemVersionFromJson, j, &api::ItemVersionToJson);
  Check(&api::SealedKeyAnswerFromJson, j, &api::SealedKeyAnswerToJson);
  Check(&api::ServerInfoFromJson, j, &api::ServerInfoToJson);
  Check(&api::InviteAnswerFromJson, j, &api::InviteAnswerToJson);
  Check(&api::GrantAnswerFromJson, j, &api::GrantAnswerToJson);
  Check(&api::RequestAnswerFromJson, j, &api::RequestAnswerToJson);
  Check(&api::CacheAnswerFromJson, j, &api::CacheAnswerToJson);
  CheckList(&api::MembersFromJson, j);
  CheckList(&api::CollectionsFromJson, j);
  CheckList(&api::ItemsFromJson, j);
  CheckList(&api::HistoryFromJson, j);
  CheckList(&api::LoginAnswerFromJson, j);
  CheckList(&api::AuditPageFromJson, j);
  CheckList(&api::CheckpointsFromJson, j);
  CheckList(&api::GrantsFromJson, j);
  CheckList(&api::RequestsFromJson, j);
  CheckList(&api::AcknowledgedFromJson, j);
  return 0;
}
