// The API contract (docs/api.md), declared once for batond, baton, the fuzz
// targets and the tests: the field list of every request body, and the
// check that applies it. Answers have typed codecs in vault/api_json.h.
#ifndef BATON_VAULT_API_H_
#define BATON_VAULT_API_H_

#include <expected>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace vault::api {

enum class FieldType { kString, kInt, kArray, kObject, kBool };

struct Field {
  const char* name;
  FieldType type;
  bool required = true;
};

// The fields of one JSON object body. `key` is "METHOD /pattern", as in
// server::Routes(); the entries of a list field are "METHOD /pattern field[]".
struct BodySchema {
  std::string_view key;
  std::span<const Field> fields;
};

// Every request body the API accepts, routes with an optional body included
// (their schema says what a non-empty body may hold).
std::span<const BodySchema> RequestBodies();

// The schema under `key`. REQUIRES: it exists (a route's own key is a
// constant of its handler); aborts otherwise.
const BodySchema& RequestBody(std::string_view key);

// Why a body does not fit its schema, as the API answers it (a 400):
// code malformed_json, unknown_field, wrong_type or missing_field.
struct BodyError {
  std::string code;
  std::string message;
};

// Checks a parsed body against `schema`: an object, no unknown field, each
// field of its declared type, each required field present. Messages name
// the field, but an unknown field's name only if it is short and printable.
std::expected<void, BodyError> CheckBody(const nlohmann::json& body, const BodySchema& schema);

// "a string", "an integer", ... for messages.
std::string_view TypeName(FieldType type);

}  // namespace vault::api

#endif  // BATON_VAULT_API_H_
