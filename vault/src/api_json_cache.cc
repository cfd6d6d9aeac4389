#include "vault/api_json_cache.h"

#include "api_json_reader.h"

namespace vault::api {

using internal::Reader;
using nlohmann::json;

json CacheAnswerToJson(const CacheAnswer& a) {
  json current = json::array();
  for (const auto& c : a.current) current.push_back({{"id", c.id}, {"version", c.version}});
  json items = json::array();
  for (const auto& it : a.items) items.push_back(ItemWithCiphertextToJson(it));
  json out = {{"collection_id", a.collection_id},
              {"as_of_ms", a.as_of_ms},
              {"key_version", a.key_version},
              {"current", std::move(current)},
              {"items", std::move(items)}};
  if (a.sealed_key) out["sealed_key"] = crypto::ToBase64(*a.sealed_key);
  return out;
}

Result<CacheAnswer> CacheAnswerFromJson(const json& j, std::string_view route) {
  Reader r(j);
  CacheAnswer a;
  r.Get("collection_id", a.collection_id);
  r.Get("as_of_ms", a.as_of_ms);
  r.Get("key_version", a.key_version);
  if (r.problem().empty() && j.contains("sealed_key")) {
    std::vector<uint8_t> sealed;
    r.Get("sealed_key", sealed);
    a.sealed_key = std::move(sealed);
  }
  const json* current = r.Array("current");
  const json* items = r.Array("items");
  if (!r.problem().empty()) return Fail(MalformedAnswer(route, r.problem()));
  for (const json& c : *current) {
    Reader cr(c);
    CacheAnswer::Current entry;
    cr.Get("id", entry.id);
    cr.Get("version", entry.version);
    if (!cr.problem().empty()) return Fail(MalformedAnswer(route, "current: " + cr.problem()));
    a.current.push_back(std::move(entry));
  }
  for (const json& it : *items) {
    auto item = ItemWithCiphertextFromJson(it, route);
    if (!item) return Fail(item.error());
    a.items.push_back(std::move(*item));
  }
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
