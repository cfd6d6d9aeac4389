#include "vault/api_json.h"

#include <algorithm>
#include <optional>

#include "api_json_fields.h"

#include "vault/audit_json.h"
#include "vault/crypto.h"

namespace vault::api {

using internal::ListOf;
using internal::Reader;
using nlohmann::json;

Status MalformedAnswer(std::string_view route, std::string_view problem) {
  return Status::Internal("the server sent a malformed answer to " + std::string(route) + ": " +
                          std::string(problem));
}

namespace {

using internal::Field;
using internal::FromJson;
using internal::InUnits;
using internal::Nest;
using internal::Records;
using internal::ToJson;

constexpr int64_t kDay = 86400;

constexpr auto kMemberFields = std::tuple{
    Field("id", &Member::id),
    Field("name", &Member::name),
    Field("role", &Member::role, ParseTeamRole),
    Field("status", &Member::status, ParseMemberStatus),
    Field("signing_public_key", &Member::signing_public_key),
    Field("box_public_key", &Member::box_public_key),
    Field("created_ms", &Member::created_ms),
    Field("email", &Member::email),
};

constexpr auto kCollectionFields = std::tuple{
    Field("id", &Collection::id),
    Field("name", &Collection::name),
    Field("key_version", &Collection::key_version),
    Field("offline_cache", &Collection::offline_cache),
    Field("needs_rekey", &Collection::needs_rekey),
    Field("created_ms", &Collection::created_ms),
};

// A kind this baton does not know (a newer server's) still means "rotate
// now", so it reads as a manual flag rather than a bad answer.
Result<RotationFlagKind> ParseFlagKindOrManual(std::string_view name) {
  return ReportedFlagKind(name);
}

constexpr auto kFlagFields = std::tuple{
    Field("kind", &RotationFlagRecord::kind, ParseFlagKindOrManual),
    Field("reason", &RotationFlagRecord::reason),
    Field("raised_ms", &RotationFlagRecord::raised_ms),
};

constexpr auto kItemMetaFields = std::tuple{
    Field("id", &ItemMeta::id),
    Field("collection_id", &ItemMeta::collection_id),
    Field("name", &ItemMeta::name),
    Field("channel", &ItemMeta::channel),
    Field("url", &ItemMeta::url),
    Field("rotation_period_days", &ItemMeta::rotation_period_s, InUnits{kDay}),
    Field("last_rotated_ms", &ItemMeta::last_rotated_ms),
    Field("version", &ItemMeta::version),
    Field("key_version", &ItemMeta::key_version),
    Field("updated_ms", &ItemMeta::updated_ms),
    Field("updated_by", &ItemMeta::updated_by),
    Field("pending_version", &ItemMeta::pending_version),
    Field("next_version", &ItemMeta::next_version),
    Field("flags", &ItemMeta::flags, Records(kFlagFields)),
    Field("responsible_id", &ItemMeta::responsible_id),
    Field("second_admin", &ItemMeta::second_admin),
};

constexpr auto kItemWithCiphertextFields =
    std::tuple_cat(Nest(&ItemWithCiphertext::meta, kItemMetaFields),
                   std::tuple{Field("ciphertext", &ItemWithCiphertext::ciphertext)});

constexpr auto kInviteAnswerFields = std::tuple{
    Field("code", &InviteAnswer::code),
    Field("role", &InviteAnswer::role, ParseTeamRole),
    Field("name", &InviteAnswer::name),
    Field("expires_ms", &InviteAnswer::expires_ms),
};

constexpr auto kCollectionEntryFields =
    std::tuple_cat(Nest(&CollectionEntry::collection, kCollectionFields),
                   std::tuple{Field("access", &CollectionEntry::access)});

constexpr auto kAccessEntryFields = std::tuple{
    Field("member_id", &AccessEntry::member_id),
    Field("access", &AccessEntry::access),
};

constexpr auto kSealedKeyAnswerFields = std::tuple{
    Field("collection_id", &SealedKeyAnswer::collection_id),
    Field("key_version", &SealedKeyAnswer::key_version),
    Field("sealed_key", &SealedKeyAnswer::sealed),
};

constexpr auto kItemVersionFields = std::tuple{
    Field("version", &ItemVersion::version),
    Field("key_version", &ItemVersion::key_version),
    Field("state", &ItemVersion::state, ParseItemVersionState),
    Field("ciphertext", &ItemVersion::ciphertext),
    Field("created_ms", &ItemVersion::created_ms),
    Field("created_by", &ItemVersion::created_by),
};

constexpr auto kServerInfoFields = std::tuple{
    Field("version", &ServerInfo::version),
    Field("audit_public_key", &ServerInfo::audit_public_key),
    Field("escrow_public_key", &ServerInfo::escrow_public_key),
    Field("recovery_public_key", &ServerInfo::recovery_public_key),
    Field("escrow_key_signature", &ServerInfo::escrow_key_signature),
    Field("last_backup_at", &ServerInfo::last_backup_at),
    Field("last_backup_bytes", &ServerInfo::last_backup_bytes),
};

constexpr auto kChallengeFields = std::tuple{
    Field("nonce", &Challenge::nonce),
    Field("expires_ms", &Challenge::expires_ms),
};

constexpr auto kLoginAnswerFields = std::tuple{
    Field("token", &LoginAnswer::token),
    Field("expires_ms", &LoginAnswer::expires_ms),
    Field("member", &LoginAnswer::member, internal::Object(kMemberFields)),
};

}  // namespace

json MemberToJson(const Member& m) { return ToJson(kMemberFields, m); }
Result<Member> MemberFromJson(const json& j, std::string_view route) {
  return FromJson<Member>(kMemberFields, j, route);
}

json CollectionToJson(const Collection& c) { return ToJson(kCollectionFields, c); }
Result<Collection> CollectionFromJson(const json& j, std::string_view route) {
  return FromJson<Collection>(kCollectionFields, j, route);
}

json ItemMetaToJson(const ItemMeta& m) { return ToJson(kItemMetaFields, m); }
Result<ItemMeta> ItemMetaFromJson(const json& j, std::string_view route) {
  return FromJson<ItemMeta>(kItemMetaFields, j, route);
}

json InviteAnswerToJson(const InviteAnswer& a) { return ToJson(kInviteAnswerFields, a); }
Result<InviteAnswer> InviteAnswerFromJson(const json& j, std::string_view route) {
  return FromJson<InviteAnswer>(kInviteAnswerFields, j, route);
}

Result<std::vector<Member>> MembersFromJson(const json& j, std::string_view route) {
  return ListOf<Member>(j, "members", route, &MemberFromJson);
}

Result<std::vector<ItemMeta>> ItemsFromJson(const json& j, std::string_view route) {
  return ListOf<ItemMeta>(j, "items", route, &ItemMetaFromJson);
}

json CollectionEntryToJson(const CollectionEntry& e) { return ToJson(kCollectionEntryFields, e); }
Result<CollectionEntry> CollectionEntryFromJson(const json& j, std::string_view route) {
  return FromJson<CollectionEntry>(kCollectionEntryFields, j, route);
}

Result<std::vector<CollectionEntry>> CollectionsFromJson(const json& j, std::string_view route) {
  return ListOf<CollectionEntry>(j, "collections", route, &CollectionEntryFromJson);
}

json AccessEntryToJson(const AccessEntry& e) { return ToJson(kAccessEntryFields, e); }
Result<AccessEntry> AccessEntryFromJson(const json& j, std::string_view route) {
  return FromJson<AccessEntry>(kAccessEntryFields, j, route);
}

Result<std::vector<AccessEntry>> AccessListFromJson(const json& j, std::string_view route) {
  return ListOf<AccessEntry>(j, "grants", route, &AccessEntryFromJson);
}

json SealedKeyAnswerToJson(const SealedKeyAnswer& a) { return ToJson(kSealedKeyAnswerFields, a); }
Result<SealedKeyAnswer> SealedKeyAnswerFromJson(const json& j, std::string_view route) {
  return FromJson<SealedKeyAnswer>(kSealedKeyAnswerFields, j, route);
}

Result<std::vector<SealedKeyAnswer>> SealedKeysFromJson(const json& j, std::string_view route) {
  return ListOf<SealedKeyAnswer>(j, "keys", route, &SealedKeyAnswerFromJson);
}

json ItemWithCiphertextToJson(const ItemWithCiphertext& item) {
  return ToJson(kItemWithCiphertextFields, item);
}
Result<ItemWithCiphertext> ItemWithCiphertextFromJson(const json& j, std::string_view route) {
  return FromJson<ItemWithCiphertext>(kItemWithCiphertextFields, j, route);
}

json ItemVersionToJson(const ItemVersion& v) { return ToJson(kItemVersionFields, v); }
Result<ItemVersion> ItemVersionFromJson(const json& j, std::string_view route) {
  return FromJson<ItemVersion>(kItemVersionFields, j, route);
}

Result<std::vector<ItemVersion>> HistoryFromJson(const json& j, std::string_view route) {
  return ListOf<ItemVersion>(j, "versions", route, &ItemVersionFromJson);
}

crypto::Bytes EscrowKeyMessage(const crypto::PublicKey& escrow_public_key) {
  constexpr std::string_view kDomain{"baton.escrow-key.v1\0", 20};
  crypto::Bytes out(kDomain.size() + escrow_public_key.size());
  std::copy(kDomain.begin(), kDomain.end(), out.begin());
  std::copy(escrow_public_key.begin(), escrow_public_key.end(), out.begin() + kDomain.size());
  return out;
}

json ServerInfoToJson(const ServerInfo& info) { return ToJson(kServerInfoFields, info); }
Result<ServerInfo> ServerInfoFromJson(const json& j, std::string_view route) {
  return FromJson<ServerInfo>(kServerInfoFields, j, route);
}

json ChallengeToJson(const Challenge& c) { return ToJson(kChallengeFields, c); }
Result<Challenge> ChallengeFromJson(const json& j, std::string_view route) {
  return FromJson<Challenge>(kChallengeFields, j, route);
}

json LoginAnswerToJson(const LoginAnswer& a) { return ToJson(kLoginAnswerFields, a); }
Result<LoginAnswer> LoginAnswerFromJson(const json& j, std::string_view route) {
  return FromJson<LoginAnswer>(kLoginAnswerFields, j, route);
}

Result<std::vector<audit::Event>> AuditPageFromJson(const json& j, std::string_view route) {
  Reader r(j);
  const json* list = r.Array("events");
  if (list == nullptr) return Fail(MalformedAnswer(route, r.problem()));
  std::vector<audit::Event> out;
  out.reserve(list->size());
  for (const json& e : *list) {
    auto event = audit::EventFromJson(e);
    if (!event) return Fail(MalformedAnswer(route, event.error().message()));
    out.push_back(std::move(*event));
  }
  return out;
}

Result<audit::Checkpoint> CheckpointAnswerFromJson(const json& j, std::string_view route) {
  auto cp = audit::CheckpointFromJson(j);
  if (!cp) return Fail(MalformedAnswer(route, cp.error().message()));
  return std::move(*cp);
}

Result<std::vector<audit::Checkpoint>> CheckpointsFromJson(const json& j, std::string_view route) {
  return ListOf<audit::Checkpoint>(j, "checkpoints", route, &CheckpointAnswerFromJson);
}

Result<json> ObjectFromJson(const json& j, std::string_view route) {
  if (!j.is_object()) return Fail(MalformedAnswer(route, "expected a JSON object"));
  return j;
}

}  // namespace vault::api
