// GET /v1/continuity's answer (docs/api.md, "Continuity report") and its
// codec: batond encodes the report with it, baton decodes it.
#ifndef BATON_VAULT_API_JSON_CONTINUITY_H_
#define BATON_VAULT_API_JSON_CONTINUITY_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "vault/continuity.h"
#include "vault/status.h"

namespace vault::api {

nlohmann::json ContinuityReportToJson(const continuity::Report& r);
Result<continuity::Report> ContinuityReportFromJson(const nlohmann::json& j,
                                                    std::string_view route);

}  // namespace vault::api

#endif  // BATON_VAULT_API_JSON_CONTINUITY_H_
