// The answers of the offline-cache routes (docs/api.md, "Offline cache") and
// their codecs, as vault/api_json.h does for the rest.
#ifndef BATON_VAULT_API_JSON_CACHE_H_
#define BATON_VAULT_API_JSON_CACHE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"
#include "vault/store.h"

namespace vault::api {

// GET /v1/collections/:id/cache: what changed since the time asked for,
// and the versions the collection holds now.
struct CacheAnswer {
  struct Current {
    std::string id;
    int64_t version = 0;
  };
  std::string collection_id;
  int64_t as_of_ms = 0;  // server time of this answer
  int64_t key_version = 0;
  // The caller's own sealed key at key_version; absent if it holds none.
  std::optional<std::vector<uint8_t>> sealed_key;
  std::vector<Current> current;
  std::vector<ItemWithCiphertext> items;  // changed since the time asked for
};

nlohmann::json CacheAnswerToJson(const CacheAnswer& a);
// POST /v1/offline-reads: the report ids the server recorded.
nlohmann::json AcknowledgedToJson(const std::vector<std::string>& ids);

// Never throw; Internal naming `route` and the field (MalformedAnswer).
Result<CacheAnswer> CacheAnswerFromJson(const nlohmann::json& j, std::string_view route);
Result<std::vector<std::string>> AcknowledgedFromJson(const nlohmann::json& j,
                                                      std::string_view route);

}  // namespace vault::api

#endif  // BATON_VAULT_API_JSON_CACHE_H_
