#include "http_util.h"

#include "vault/api_status.h"
#include "vault/crypto.h"

namespace server {

using vault::Status;

ApiError BadRequest(std::string code, std::string message) {
  return {400, std::move(code), std::move(message)};
}

ApiError FromStatus(const Status& s, Conflicts conflicts) {
  const int http = vault::api::RowFor(s.code()).http;
  // Server-side failures say little: details go to the operator's log.
  std::string message = http >= 500 ? "internal error" : s.message();
  std::string code(vault::CodeName(s.code()));
  if (http == 409 && conflicts == Conflicts::kAsConflict) code = "conflict";
  return {http, std::move(code), std::move(message)};
}

void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void SendError(httplib::Response& res, const ApiError& e) {
  SendJson(res, e.status, {{"error", {{"code", e.code}, {"message", e.message}}}});
}

ApiResult<Body> Body::Parse(const std::string& text, const vault::api::BodySchema& schema) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Reject(BadRequest("malformed_json", "the request body is not valid JSON"));
  }
  return Parse(j, schema);
}

ApiResult<Body> Body::Parse(const nlohmann::json& j, const vault::api::BodySchema& schema) {
  if (auto checked = vault::api::CheckBody(j, schema); !checked) {
    return Reject(BadRequest(std::move(checked.error().code), std::move(checked.error().message)));
  }
  return Body(j);
}

bool IsId(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

ApiResult<std::vector<uint8_t>> DecodeBase64Field(const std::string& text, const char* field) {
  auto bytes = vault::crypto::FromBase64(text);
  if (!bytes) {
    return Reject(BadRequest("bad_encoding", std::string("field \"") + field + "\" is not base64"));
  }
  return std::move(*bytes);
}

}  // namespace server
