// The answers of the emergency routes (docs/api.md, "Emergency access") and
// their codecs, as vault/api_json.h does for the rest: batond encodes
// grants and requests with them, baton decodes them.
#ifndef BATON_VAULT_API_JSON_EMERGENCY_H_
#define BATON_VAULT_API_JSON_EMERGENCY_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"
#include "vault/store.h"

namespace vault::api {

// A request as the API shows it: the record, with what the grant adds.
struct RequestAnswer {
  EmergencyRequest request;
  std::string deputy_id;
  int64_t confirmations_required = 0;
  int64_t admins_notified = 0;  // how many admins were told
};

// A grant with its newest request, if any. wait_s and access_window_s
// travel as whole hours.
struct GrantAnswer {
  EmergencyGrant grant;
  std::optional<RequestAnswer> request;
};

nlohmann::json RequestAnswerToJson(const RequestAnswer& a);
nlohmann::json GrantAnswerToJson(const GrantAnswer& a);

// Never throw; Internal naming `route` and the field (MalformedAnswer).
Result<RequestAnswer> RequestAnswerFromJson(const nlohmann::json& j, std::string_view route);
Result<GrantAnswer> GrantAnswerFromJson(const nlohmann::json& j, std::string_view route);
// {"grants": [...]} and {"requests": [...]}.
Result<std::vector<GrantAnswer>> GrantsFromJson(const nlohmann::json& j, std::string_view route);
Result<std::vector<RequestAnswer>> RequestsFromJson(const nlohmann::json& j,
                                                    std::string_view route);
// Collection id -> name from the optional "collection_names" of each grant
// in {"grants": [...]}: a deputy cannot list a grant's collections, yet
// should know by name what they may ask for.
Result<std::map<std::string, std::string>> GrantCollectionNamesFromJson(const nlohmann::json& j,
                                                                        std::string_view route);

}  // namespace vault::api

#endif  // BATON_VAULT_API_JSON_EMERGENCY_H_
