#include "http_util.h"

#include "vault/crypto.h"

namespace server {

using vault::Status;

ApiError BadRequest(std::string code, std::string message) {
  return {400, std::move(code), std::move(message)};
}

ApiError FromStatus(const Status& s) {
  using C = Status::Code;
  int http = 500;
  switch (s.code()) {
    case C::kOk: http = 200; break;
    case C::kNotFound: http = 404; break;
    case C::kInvalidArgument:
    case C::kUnsupported: http = 400; break;
    case C::kUnauthenticated:
    case C::kWrongPassphrase: http = 401; break;
    case C::kPermissionDenied: http = 403; break;
    case C::kAlreadyExists:
    case C::kFailedPrecondition:
    case C::kWaitPeriodActive: http = 409; break;
    case C::kResourceExhausted: http = 429; break;
    case C::kCorruption:
    case C::kIOError:
    case C::kInternal: http = 500; break;
  }
  // Server-side failures say little: details go to the operator's log.
  std::string message = http >= 500 ? "internal error" : s.message();
  return {http, std::string(vault::CodeName(s.code())), std::move(message)};
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

std::optional<Body> Body::Parse(const std::string& text, std::initializer_list<FieldSpec> spec,
                                ApiError& error) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    error = BadRequest("malformed_json", "the request body is not valid JSON");
    return std::nullopt;
  }
  return Parse(j, spec, error);
}

std::optional<Body> Body::Parse(const nlohmann::json& j, std::initializer_list<FieldSpec> spec,
                                ApiError& error) {
  if (!j.is_object()) {
    error = BadRequest("malformed_json", "the request body must be a JSON object");
    return std::nullopt;
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
      error = BadRequest("unknown_field",
                         printable ? "unknown field \"" + key + "\"" : "unknown field");
      return std::nullopt;
    }
    if (!HasType(value, f->type)) {
      error = BadRequest("wrong_type",
                         std::string("field \"") + f->name + "\" must be " + TypeName(f->type));
      return std::nullopt;
    }
  }
  for (const FieldSpec& s : spec) {
    if (s.required && !j.contains(s.name)) {
      error = BadRequest("missing_field", std::string("field \"") + s.name + "\" is required");
      return std::nullopt;
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

std::optional<std::vector<uint8_t>> DecodeBase64Field(const std::string& text, const char* field,
                                                      ApiError& error) {
  auto bytes = vault::crypto::FromBase64(text);
  if (!bytes) {
    error = BadRequest("bad_encoding", std::string("field \"") + field + "\" is not base64");
    return std::nullopt;
  }
  return std::move(*bytes);
}

}  // namespace server
