#include <algorithm>
#include <array>
#include <cstdlib>

#include "vault/api.h"

namespace vault::api {

namespace {

constexpr FieldType kStr = FieldType::kString;
constexpr FieldType kInt = FieldType::kInt;
constexpr FieldType kArr = FieldType::kArray;
constexpr FieldType kBool = FieldType::kBool;
constexpr bool kOptional = false;

// Sessions and joining.
constexpr Field kJoin[] = {
    {"invite_code", kStr}, {"signing_public_key", kStr}, {"box_public_key", kStr}};
constexpr Field kChallenge[] = {{"member_id", kStr}};
constexpr Field kLogin[] = {{"member_id", kStr}, {"nonce", kStr}, {"signature", kStr}};
constexpr Field kSetEmail[] = {{"email", kStr}};
// Team: invites, members, collections, access.
// "roster": signed statements (vault/api_json_roster.h) applied in the same
// transaction as the change they describe.
constexpr Field kCreateInvite[] = {{"role", kStr}, {"name", kStr}, {"roster", kArr, kOptional}};
constexpr Field kChangeMember[] = {{"role", kStr}, {"roster", kArr, kOptional}};
constexpr Field kCreateCollection[] = {{"id", kStr},
                                       {"name", kStr},
                                       {"sealed_key", kStr},
                                       {"recovery_sealed_key", kStr, kOptional},
                                       {"offline_cache", kBool, kOptional},
                                       {"roster", kArr, kOptional}};
// Without sealed_key: an access change for a member who holds the key
// already. With it: never a different box for a version they hold.
constexpr Field kGrantAccess[] = {{"member_id", kStr},
                                  {"access", kStr},
                                  {"key_version", kInt},
                                  {"sealed_key", kStr, kOptional},
                                  {"roster", kArr, kOptional}};
// The bodies a DELETE may carry: only roster entries.
constexpr Field kRosterOnly[] = {{"roster", kArr, kOptional}};
// Items.
constexpr Field kCreateItem[] = {{"id", kStr},
                                 {"name", kStr},
                                 {"channel", kStr},
                                 {"url", kStr, kOptional},
                                 {"rotation_period_days", kInt, kOptional},
                                 {"key_version", kInt},
                                 {"ciphertext", kStr}};
// key_version: the key the client encrypted under; 409 if it is not the
// collection's current one.
constexpr Field kUpdateItem[] = {
    {"expected_version", kInt}, {"ciphertext", kStr}, {"key_version", kInt, kOptional}};
constexpr Field kEditItemMeta[] = {
    {"name", kStr, kOptional},           {"url", kStr, kOptional},
    {"channel", kStr, kOptional},        {"rotation_period_days", kInt, kOptional},
    {"responsible_id", kStr, kOptional}, {"second_admin", kStr, kOptional}};
// The calendar feed: of every item the caller can see (owners and admins).
constexpr Field kCreateCalendarFeed[] = {{"all", kBool, kOptional}};
constexpr Field kBeginRotation[] = {{"expected_version", kInt},
                                    {"pending_version", kInt, kOptional},
                                    {"ciphertext", kStr},
                                    {"key_version", kInt, kOptional}};
constexpr Field kConfirmRotation[] = {{"pending_version", kInt}};
// Re-keying a collection.
constexpr Field kRekey[] = {
    {"key_version", kInt}, {"member_keys", kArr}, {"recovery_sealed_key", kStr, kOptional},
    {"grant_keys", kArr},  {"items", kArr},       {"roster", kArr, kOptional}};
constexpr Field kRekeyMemberKey[] = {{"member_id", kStr}, {"sealed_key", kStr}};
constexpr Field kRekeyGrantKey[] = {{"grant_id", kStr}, {"escrow_sealed_key", kStr}};
constexpr Field kRekeyItem[] = {{"id", kStr}, {"expected_version", kInt}, {"ciphertext", kStr}};
// The offline cache.
constexpr Field kSetCaching[] = {{"offline_cache", kBool}};
constexpr Field kOfflineReads[] = {{"reads", kArr}};
constexpr Field kOfflineRead[] = {
    {"id", kStr}, {"item_id", kStr}, {"read_ms", kInt}, {"version", kInt}};
// Emergency access.
constexpr Field kCreateGrant[] = {{"id", kStr},
                                  {"deputy_id", kStr},
                                  {"mode", kStr},
                                  {"wait_hours", kInt},
                                  {"confirmations_required", kInt, kOptional},
                                  {"access_window_hours", kInt, kOptional},
                                  {"keys", kArr},
                                  {"roster", kArr, kOptional}};
constexpr Field kGrantKey[] = {
    {"collection_id", kStr}, {"key_version", kInt}, {"escrow_sealed_key", kStr}};
constexpr Field kChangeGrant[] = {{"wait_hours", kInt, kOptional},
                                  {"confirmations_required", kInt, kOptional},
                                  {"access_window_hours", kInt, kOptional}};
constexpr Field kRequestAccess[] = {{"reason", kStr}};
constexpr Field kDecide[] = {{"reason", kStr, kOptional}};
// The recovery key's set-up; shares[] are its custodians' check values.
constexpr Field kPutRecovery[] = {{"recovery_public_key", kStr},
                                  {"age_recipient", kStr},
                                  {"threshold", kInt},
                                  {"shares", kArr},
                                  {"roster", kArr, kOptional}};
constexpr Field kRecoveryShare[] = {{"index", kInt}, {"custodian", kStr}, {"check", kStr}};
constexpr Field kRecoveryCheck[] = {{"index", kInt}, {"check", kStr}};
constexpr Field kRecoveryCopy[] = {{"key_version", kInt}, {"recovery_sealed_key", kStr}};
// A printed break-glass sheet, for the audit log.
constexpr Field kRecordSheet[] = {
    {"kind", kStr}, {"fingerprint", kStr, kOptional}, {"items", kInt, kOptional}};
// The team roster (vault/api_json_roster.h has the entries' codec).
constexpr Field kAppendRoster[] = {{"entries", kArr}};
// An owner's export (baton export --age), recorded in the audit log.
constexpr Field kRecordExport[] = {{"format", kStr}, {"items", kInt}};

constexpr BodySchema kBodies[] = {
    {"POST /v1/join", kJoin},
    {"POST /v1/auth/challenge", kChallenge},
    {"POST /v1/auth/login", kLogin},
    {"PUT /v1/me/email", kSetEmail},
    {"POST /v1/calendar", kCreateCalendarFeed},
    {"POST /v1/invites", kCreateInvite},
    {"PATCH /v1/members/:id", kChangeMember},
    {"POST /v1/collections", kCreateCollection},
    {"POST /v1/collections/:id/grants", kGrantAccess},
    {"POST /v1/collections/:id/items", kCreateItem},
    {"PUT /v1/items/:id", kUpdateItem},
    {"PATCH /v1/items/:id", kEditItemMeta},
    {"POST /v1/items/:id/rotation", kBeginRotation},
    {"POST /v1/items/:id/rotation/confirm", kConfirmRotation},
    {"POST /v1/collections/:id/rekey", kRekey},
    {"POST /v1/collections/:id/rekey member_keys[]", kRekeyMemberKey},
    {"POST /v1/collections/:id/rekey grant_keys[]", kRekeyGrantKey},
    {"POST /v1/collections/:id/rekey items[]", kRekeyItem},
    {"PATCH /v1/collections/:id", kSetCaching},
    {"POST /v1/offline-reads", kOfflineReads},
    {"POST /v1/offline-reads reads[]", kOfflineRead},
    {"POST /v1/emergency/grants", kCreateGrant},
    {"POST /v1/emergency/grants keys[]", kGrantKey},
    {"PATCH /v1/emergency/grants/:id", kChangeGrant},
    {"POST /v1/emergency/grants/:id/decline", {}},
    {"POST /v1/emergency/grants/:id/requests", kRequestAccess},
    {"POST /v1/emergency/requests/:id/approve", kDecide},
    {"POST /v1/emergency/requests/:id/reject", kDecide},
    {"POST /v1/emergency/requests/:id/confirm", {}},
    {"POST /v1/roster", kAppendRoster},
    {"PUT /v1/recovery", kPutRecovery},
    {"PUT /v1/recovery shares[]", kRecoveryShare},
    {"POST /v1/recovery/check", kRecoveryCheck},
    {"POST /v1/collections/:id/recovery-key", kRecoveryCopy},
    {"POST /v1/exports", kRecordExport},
    {"POST /v1/sheets", kRecordSheet},
    {"DELETE /v1/members/:id", kRosterOnly},
    {"DELETE /v1/collections/:id/grants/:member", kRosterOnly},
    {"DELETE /v1/emergency/grants/:id", kRosterOnly},
};

}  // namespace

std::span<const BodySchema> RequestBodies() { return kBodies; }

const BodySchema& RequestBody(std::string_view key) {
  for (const BodySchema& b : kBodies) {
    if (b.key == key) return b;
  }
  std::abort();  // a handler names a body missing from the table
}

std::string_view TypeName(FieldType t) {
  switch (t) {
    case FieldType::kString: return "a string";
    case FieldType::kInt: return "an integer";
    case FieldType::kArray: return "a list";
    case FieldType::kObject: return "an object";
    case FieldType::kBool: return "true or false";
  }
  return "?";
}

namespace {

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

std::unexpected<BodyError> Bad(std::string code, std::string message) {
  return std::unexpected<BodyError>(BodyError{std::move(code), std::move(message)});
}

}  // namespace

std::expected<void, BodyError> CheckBody(const nlohmann::json& j, const BodySchema& schema) {
  if (!j.is_object()) return Bad("malformed_json", "the request body must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    const Field* f = nullptr;
    for (const Field& s : schema.fields) {
      if (key == s.name) f = &s;
    }
    if (f == nullptr) {
      // The field name is echoed only if short and printable.
      const bool printable = key.size() <= 32 && std::all_of(key.begin(), key.end(), [](char c) {
                               return c >= 0x20 && c < 0x7f;
                             });
      return Bad("unknown_field", printable ? "unknown field \"" + key + "\"" : "unknown field");
    }
    if (!HasType(value, f->type)) {
      return Bad("wrong_type", std::string("field \"") + f->name + "\" must be " +
                                   std::string(TypeName(f->type)));
    }
  }
  for (const Field& s : schema.fields) {
    if (s.required && !j.contains(s.name)) {
      return Bad("missing_field", std::string("field \"") + s.name + "\" is required");
    }
  }
  return {};
}

}  // namespace vault::api
