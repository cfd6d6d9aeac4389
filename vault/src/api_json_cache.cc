#include "vault/api_json_cache.h"

#include "api_json_fields.h"

namespace vault::api {

using internal::Field;
using internal::FromJson;
using internal::ListOf;
using internal::Reader;
using internal::Records;
using nlohmann::json;

namespace {

constexpr auto kCurrentFields = std::tuple{
    Field("id", &CacheAnswer::Current::id),
    Field("version", &CacheAnswer::Current::version),
};

// The changed items travel as ItemWithCiphertextToJson writes them.
constexpr auto kCacheAnswerFields = std::tuple{
    Field("collection_id", &CacheAnswer::collection_id),
    Field("as_of_ms", &CacheAnswer::as_of_ms),
    Field("key_version", &CacheAnswer::key_version),
    Field("sealed_key", &CacheAnswer::sealed_key),
    Field("current", &CacheAnswer::current, Records(kCurrentFields)),
};

}  // namespace

json CacheAnswerToJson(const CacheAnswer& a) {
  internal::Writer w;
  WriteFields(kCacheAnswerFields, w, a);
  json items = json::array();
  for (const auto& it : a.items) items.push_back(ItemWithCiphertextToJson(it));
  w.PutJson("items", std::move(items));
  return std::move(w).Take();
}

Result<CacheAnswer> CacheAnswerFromJson(const json& j, std::string_view route) {
  auto a = FromJson<CacheAnswer>(kCacheAnswerFields, j, route);
  if (!a) return a;
  auto items = ListOf<ItemWithCiphertext>(j, "items", route, &ItemWithCiphertextFromJson);
  if (!items) return Fail(items.error());
  a->items = std::move(*items);
  return a;
}

json AcknowledgedToJson(const std::vector<std::string>& ids) { return {{"acknowledged", ids}}; }

Result<std::vector<std::string>> AcknowledgedFromJson(const json& j, std::string_view route) {
  Reader r(j);
  std::vector<std::string> ids;
  r.Get("acknowledged", ids);
  if (!r.problem().empty()) return Fail(MalformedAnswer(route, r.problem()));
  return ids;
}

}  // namespace vault::api
