// Typed answers of the API and their JSON codecs (docs/api.md): batond
// encodes with them, and a client decodes with them, so a malformed answer
// becomes a clear Status (Internal: "the server sent a malformed answer to
// GET /v1/members: ...") instead of an exception. Request bodies are
// declared in vault/api.h.
#ifndef BATON_VAULT_API_JSON_H_
#define BATON_VAULT_API_JSON_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"
#include "vault/store.h"

namespace vault::api {

// The answer to POST /v1/invites. `code` is shown once and never stored.
struct InviteAnswer {
  std::string code;
  std::string role;
  std::string name;
  int64_t expires_ms = 0;
};

nlohmann::json MemberToJson(const Member& m);
nlohmann::json CollectionToJson(const Collection& c);
// rotation_period_s travels as whole days (rotation_period_days).
nlohmann::json ItemMetaToJson(const ItemMeta& m);
nlohmann::json InviteAnswerToJson(const InviteAnswer& a);

// Decoders of answers to `route` ("GET /v1/members/…", for the message).
// Never throw: any missing field, wrong type or bad key is an Internal
// status naming the route and the field.
Result<Member> MemberFromJson(const nlohmann::json& j, std::string_view route);
Result<Collection> CollectionFromJson(const nlohmann::json& j, std::string_view route);
Result<ItemMeta> ItemMetaFromJson(const nlohmann::json& j, std::string_view route);
Result<InviteAnswer> InviteAnswerFromJson(const nlohmann::json& j, std::string_view route);
// A list under `field` of an object answer, e.g. {"members": [...]}.
Result<std::vector<Member>> MembersFromJson(const nlohmann::json& j, std::string_view route);
Result<std::vector<ItemMeta>> ItemsFromJson(const nlohmann::json& j, std::string_view route);

// The status for an answer to `route` that is not what the API promises.
Status MalformedAnswer(std::string_view route, std::string_view problem);

}  // namespace vault::api

#endif  // BATON_VAULT_API_JSON_H_
