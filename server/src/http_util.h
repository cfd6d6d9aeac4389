// Request parsing and error responses for the API. Private to the server.
#ifndef BATON_SERVER_SRC_HTTP_UTIL_H_
#define BATON_SERVER_SRC_HTTP_UTIL_H_

#include <httplib.h>

#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/api.h"
#include "vault/status.h"

namespace server {

// An error as the client sees it: HTTP status, a stable code, a message.
struct ApiError {
  int status = 500;
  std::string code;
  std::string message;
};

// How a route names a 409 on the wire: by the Status code, or, for the
// emergency and re-key refusals, all as "conflict" (docs/api.md).
enum class Conflicts { kByStatus, kAsConflict };

// The error answer for a failed Status (vault/api_status.h).
ApiError FromStatus(const vault::Status& s, Conflicts conflicts = Conflicts::kByStatus);
void SendError(httplib::Response& res, const ApiError& e);
void SendJson(httplib::Response& res, int status, const nlohmann::json& body);

// A value, or the error answer explaining why there is none.
template <typename T>
using ApiResult = std::expected<T, ApiError>;

inline std::unexpected<ApiError> Reject(ApiError e) {
  return std::unexpected<ApiError>(std::move(e));
}

// A JSON object body checked against its schema (vault/api.h): malformed
// JSON, a non-object, an unknown field, a wrong type or a missing field is a
// 400 with codes malformed_json / unknown_field / wrong_type / missing_field.
class Body {
 public:
  static ApiResult<Body> Parse(const std::string& text, const vault::api::BodySchema& schema);
  static ApiResult<Body> Parse(const nlohmann::json& object, const vault::api::BodySchema& schema);

  bool Has(const char* name) const { return json_.contains(name); }
  const std::string& Str(const char* name) const {
    return json_.at(name).get_ref<const std::string&>();
  }
  int64_t Int(const char* name) const { return json_.at(name).get<int64_t>(); }
  bool Bool(const char* name) const { return json_.at(name).get<bool>(); }
  const nlohmann::json& Json(const char* name) const { return json_.at(name); }

 private:
  explicit Body(nlohmann::json j) : json_(std::move(j)) {}
  nlohmann::json json_;
};

ApiError BadRequest(std::string code, std::string message);

// Ids baton generates are 32 lower-case hex digits.
bool IsId(std::string_view s);
// Decodes standard base64 (with padding) or reports a 400 naming `field`.
ApiResult<std::vector<uint8_t>> DecodeBase64Field(const std::string& text, const char* field);

}  // namespace server

#endif  // BATON_SERVER_SRC_HTTP_UTIL_H_
