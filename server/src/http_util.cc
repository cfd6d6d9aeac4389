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

namespace {

const char* TypeName(FieldType t) {
  switch (t) {
    case FieldType::kString: return "a string";
    case FieldType::kInt: return "an integer";
    case FieldType::kArray: return "a list";
    case FieldType::kObject: return "an object";
    case FieldType::kBool: return "true or false";
  }
  return "?";
}

bool HasType(const nlohmann::json& v, FieldType t) {
  switch (t) {
    case FieldType::kString: return v.is_string();
    case FieldType::kInt: return v.is_number_integer();
    case FieldType::kArray: return v.is_array();
    case FieldType::kObject: return v.is_object();
    case FieldType::kBool: return v.is_boolean();
  }
  return false;
}

}  // namespace

ApiResult<Body> Body::Parse(const std::string& text, std::initializer_list<FieldSpec> spec) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Reject(BadRequest("malformed_json", "the request body is not valid JSON"));
  }
  return Parse(j, spec);
}

ApiResult<Body> Body::Parse(const nlohmann::json& j, std::initializer_list<FieldSpec> spec) {
  if (!j.is_object()) {
    return Reject(BadRequest("malformed_json", "the request body must be a JSON object"));
  }
  for (const auto& [key, value] : j.items()) {
    const FieldSpec* f = nullptr;
    for (const FieldSpec& s : spec) {
      if (key == s.name) f = &s;
    }
    if (f == nullptr) {
      // The field name is echoed only if short and printable.
      const bool printable = key.size() <= 32 && std::all_of(key.begin(), key.end(), [](char c) {
                               return c >= 0x20 && c < 0x7f;
                             });
      return Reject(BadRequest("unknown_field",
                               printable ? "unknown field \"" + key + "\"" : "unknown field"));
    }
    if (!HasType(value, f->type)) {
      return Reject(BadRequest("wrong_type",
                               std::string("field \"") + f->name + "\" must be " + TypeName(f->type)));
    }
  }
  for (const FieldSpec& s : spec) {
    if (s.required && !j.contains(s.name)) {
      return Reject(
          BadRequest("missing_field", std::string("field \"") + s.name + "\" is required"));
    }
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
