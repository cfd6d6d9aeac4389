#include "vault/api_json_emergency.h"

#include "api_json_fields.h"

namespace vault::api {

using internal::Field;
using internal::FromJson;
using internal::InUnits;
using internal::ListOf;
using internal::ToJson;
using nlohmann::json;

namespace {

constexpr int64_t kHour = 3600;

using Request = EmergencyRequest;
constexpr auto kRequest = &RequestAnswer::request;

constexpr auto kRequestAnswerFields = std::tuple{
    Field("id", kRequest, &Request::id),
    Field("grant_id", kRequest, &Request::grant_id),
    Field("deputy_id", &RequestAnswer::deputy_id),
    Field("state", kRequest, &Request::state, emergency::ParseState),
    Field("reason", kRequest, &Request::reason),
    Field("requested_ms", kRequest, &Request::requested_ms),
    Field("release_ms", kRequest, &Request::release_ms),
    Field("confirmations", kRequest, &Request::confirmations),
    Field("confirmations_required", &RequestAnswer::confirmations_required),
    Field("decided_by", kRequest, &Request::decided_by),
    Field("decided_ms", kRequest, &Request::decided_ms),
    Field("released_ms", kRequest, &Request::released_ms),
    Field("expires_ms", kRequest, &Request::expires_ms),
    Field("admins_notified", &RequestAnswer::admins_notified),
};

using Grant = EmergencyGrant;
constexpr auto kGrant = &GrantAnswer::grant;

// The newest request travels as RequestAnswerToJson writes it, or null.
constexpr auto kGrantAnswerFields = std::tuple{
    Field("id", kGrant, &Grant::id),
    Field("grantor_id", kGrant, &Grant::grantor_id),
    Field("deputy_id", kGrant, &Grant::deputy_id),
    Field("mode", kGrant, &Grant::mode, emergency::ParseGrantMode),
    Field("wait_hours", kGrant, &Grant::wait_s, InUnits{kHour}),
    Field("confirmations_required", kGrant, &Grant::confirmations_required),
    Field("access_window_hours", kGrant, &Grant::access_window_s, InUnits{kHour}),
    Field("status", kGrant, &Grant::status, emergency::ParseGrantStatus),
    Field("collections", kGrant, &Grant::collections),
    Field("created_ms", kGrant, &Grant::created_ms),
    Field("ended_ms", kGrant, &Grant::ended_ms),
};

}  // namespace

json RequestAnswerToJson(const RequestAnswer& a) { return ToJson(kRequestAnswerFields, a); }
Result<RequestAnswer> RequestAnswerFromJson(const json& j, std::string_view route) {
  return FromJson<RequestAnswer>(kRequestAnswerFields, j, route);
}

json GrantAnswerToJson(const GrantAnswer& a) {
  json out = ToJson(kGrantAnswerFields, a);
  out["request"] = a.request ? RequestAnswerToJson(*a.request) : json(nullptr);
  return out;
}

Result<GrantAnswer> GrantAnswerFromJson(const json& j, std::string_view route) {
  auto a = FromJson<GrantAnswer>(kGrantAnswerFields, j, route);
  if (!a) return a;
  if (auto it = j.find("request"); it != j.end() && !it->is_null()) {
    auto request = RequestAnswerFromJson(*it, route);
    if (!request) return Fail(request.error());
    a->request = std::move(*request);
  }
  return a;
}

Result<std::vector<GrantAnswer>> GrantsFromJson(const json& j, std::string_view route) {
  return ListOf<GrantAnswer>(j, "grants", route, &GrantAnswerFromJson);
}

Result<std::vector<RequestAnswer>> RequestsFromJson(const json& j, std::string_view route) {
  return ListOf<RequestAnswer>(j, "requests", route, &RequestAnswerFromJson);
}

Result<std::map<std::string, std::string>> GrantCollectionNamesFromJson(const json& j,
                                                                        std::string_view route) {
  std::map<std::string, std::string> names;
  const auto grants = j.find("grants");
  if (!j.is_object() || grants == j.end() || !grants->is_array()) {
    return Fail(MalformedAnswer(route, "grants is not a list"));
  }
  for (const json& g : *grants) {
    const auto it = g.is_object() ? g.find("collection_names") : g.end();
    if (!g.is_object() || it == g.end()) continue;  // a server that sends no names
    if (!it->is_object()) return Fail(MalformedAnswer(route, "collection_names is not an object"));
    for (const auto& [id, name] : it->items()) {
      if (!name.is_string()) {
        return Fail(MalformedAnswer(route, "collection_names." + id + " is not a string"));
      }
      names[id] = name.get<std::string>();
    }
  }
  return names;
}

}  // namespace vault::api
