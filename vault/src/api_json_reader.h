// The field reader behind the answer decoders of vault/api_json*.h: reads
// an object's fields without throwing, and keeps the first problem for the
// message that names the route and the field.
#ifndef BATON_VAULT_SRC_API_JSON_READER_H_
#define BATON_VAULT_SRC_API_JSON_READER_H_

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/api_json.h"
#include "vault/crypto.h"
#include "vault/status.h"

namespace vault::api::internal {

using nlohmann::json;

// Reads the fields of one JSON object without throwing; the first problem
// is kept and later reads do nothing.
class Reader {
 public:
  explicit Reader(const json& j) : j_(j) {
    if (!j.is_object()) problem_ = "expected a JSON object";
  }

  void Get(const char* name, std::string& out) {
    if (const json* v = Find(name, "a string", &json::is_string)) out = v->get<std::string>();
  }
  void Get(const char* name, int64_t& out) {
    if (const json* v = Find(name, "an integer", &json::is_number_integer)) out = v->get<int64_t>();
  }
  void Get(const char* name, bool& out) {
    if (const json* v = Find(name, "true or false", &json::is_boolean)) out = v->get<bool>();
  }
  void Get(const char* name, crypto::PublicKey& out) {
    std::string b64;
    Get(name, b64);
    if (!problem_.empty()) return;
    auto bytes = crypto::FromBase64(b64);
    if (!bytes || bytes->size() != out.size()) {
      problem_ = std::string("field \"") + name + "\" must be a base64 32-byte key";
      return;
    }
    std::copy(bytes->begin(), bytes->end(), out.begin());
  }
  // A string naming a value of an enum, read with its parser.
  template <typename Enum>
  void Get(const char* name, Enum& out, Result<Enum> (*parse)(std::string_view)) {
    std::string text;
    Get(name, text);
    if (!problem_.empty()) return;
    auto value = parse(text);
    if (!value) {
      problem_ = std::string("field \"") + name + "\": " + value.error().message();
      return;
    }
    out = *value;
  }
  void Get(const char* name, std::vector<uint8_t>& out) {
    std::string b64;
    Get(name, b64);
    if (!problem_.empty()) return;
    auto bytes = crypto::FromBase64(b64);
    if (!bytes) {
      problem_ = std::string("field \"") + name + "\" must be base64";
      return;
    }
    out = std::move(*bytes);
  }
  void GetOptional(const char* name, std::optional<crypto::PublicKey>& out) {
    if (!problem_.empty() || !j_.contains(name)) return;
    crypto::PublicKey v{};
    Get(name, v);
    if (problem_.empty()) out = v;
  }
  void Get(const char* name, std::vector<std::string>& out) {
    const json* list = Array(name);
    if (list == nullptr) return;
    for (const json& e : *list) {
      if (!e.is_string()) {
        problem_ = std::string("field \"") + name + "\" must be a list of strings";
        return;
      }
      out.push_back(e.get<std::string>());
    }
  }
  void GetOptional(const char* name, std::optional<std::string>& out) {
    if (!problem_.empty() || !j_.contains(name)) return;
    std::string v;
    Get(name, v);
    if (problem_.empty()) out = std::move(v);
  }
  void GetOptional(const char* name, std::optional<int64_t>& out) {
    if (!problem_.empty() || !j_.contains(name)) return;
    int64_t v = 0;
    Get(name, v);
    if (problem_.empty()) out = v;
  }
  // The array under `name`, or null (and a problem).
  const json* Array(const char* name) { return Find(name, "a list", &json::is_array); }

  const std::string& problem() const { return problem_; }

 private:
  const json* Find(const char* name, const char* type, bool (json::*is)() const noexcept) {
    if (!problem_.empty()) return nullptr;
    auto it = j_.find(name);
    if (it == j_.end()) {
      problem_ = std::string("field \"") + name + "\" is missing";
      return nullptr;
    }
    if (!((*it).*is)()) {
      problem_ = std::string("field \"") + name + "\" must be " + type;
      return nullptr;
    }
    return &*it;
  }

  const json& j_;
  std::string problem_;
};

template <typename T>
Result<T> Done(const Reader& r, std::string_view route, T value) {
  if (!r.problem().empty()) return Fail(MalformedAnswer(route, r.problem()));
  return value;
}

// A list of `T` under `field`, each decoded with `one`.
template <typename T>
Result<std::vector<T>> ListOf(const json& j, const char* field, std::string_view route,
                              Result<T> (*one)(const json&, std::string_view)) {
  Reader r(j);
  const json* list = r.Array(field);
  if (list == nullptr) return Fail(MalformedAnswer(route, r.problem()));
  std::vector<T> out;
  out.reserve(list->size());
  for (const json& e : *list) {
    auto v = one(e, route);
    if (!v) return Fail(v.error());
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace vault::api::internal

#endif  // BATON_VAULT_SRC_API_JSON_READER_H_
