#include "vault/api_json_recovery.h"

#include "api_json_fields.h"

namespace vault::api {

using internal::Field;
using internal::FromJson;
using internal::Records;
using nlohmann::json;

namespace {

constexpr auto kRecoveryCheckKeyFields = std::tuple{
    Field("check_key", &RecoveryCheckKey::check_key),
};

constexpr auto kRecoveryShareFields = std::tuple{
    Field("index", &RecoveryStatus::Share::index),
    Field("custodian", &RecoveryStatus::Share::custodian),
    Field("last_checked_ms", &RecoveryStatus::Share::last_checked_ms),
};

constexpr auto kRecoveryUnsealedFields = std::tuple{
    Field("id", &RecoveryStatus::Unsealed::id),
    Field("name", &RecoveryStatus::Unsealed::name),
    Field("key_version", &RecoveryStatus::Unsealed::key_version),
};

constexpr auto kRecoveryStatusFields = std::tuple{
    Field("threshold", &RecoveryStatus::threshold),
    Field("shares", &RecoveryStatus::shares, Records(kRecoveryShareFields)),
    Field("check_key", &RecoveryStatus::check_key),
    Field("unsealed", &RecoveryStatus::unsealed, Records(kRecoveryUnsealedFields)),
};

constexpr auto kRecoveryUnsealedListFields = std::tuple{
    Field("unsealed", &RecoveryUnsealed::unsealed, Records(kRecoveryUnsealedFields)),
};

constexpr auto kRecoveryCheckAnswerFields = std::tuple{
    Field("matches", &RecoveryCheckAnswer::matches),
    Field("index", &RecoveryCheckAnswer::index),
    Field("shares", &RecoveryCheckAnswer::shares),
    Field("threshold", &RecoveryCheckAnswer::threshold),
};

}  // namespace

json RecoveryCheckKeyToJson(const RecoveryCheckKey& a) {
  return internal::ToJson(kRecoveryCheckKeyFields, a);
}
json RecoveryStatusToJson(const RecoveryStatus& a) {
  return internal::ToJson(kRecoveryStatusFields, a);
}
json RecoveryUnsealedToJson(const RecoveryUnsealed& a) {
  return internal::ToJson(kRecoveryUnsealedListFields, a);
}
json RecoveryCheckAnswerToJson(const RecoveryCheckAnswer& a) {
  return internal::ToJson(kRecoveryCheckAnswerFields, a);
}

Result<RecoveryCheckKey> RecoveryCheckKeyFromJson(const json& j, std::string_view route) {
  return FromJson<RecoveryCheckKey>(kRecoveryCheckKeyFields, j, route);
}
Result<RecoveryStatus> RecoveryStatusFromJson(const json& j, std::string_view route) {
  return FromJson<RecoveryStatus>(kRecoveryStatusFields, j, route);
}
Result<RecoveryUnsealed> RecoveryUnsealedFromJson(const json& j, std::string_view route) {
  return FromJson<RecoveryUnsealed>(kRecoveryUnsealedListFields, j, route);
}
Result<RecoveryCheckAnswer> RecoveryCheckAnswerFromJson(const json& j, std::string_view route) {
  return FromJson<RecoveryCheckAnswer>(kRecoveryCheckAnswerFields, j, route);
}

}  // namespace vault::api
