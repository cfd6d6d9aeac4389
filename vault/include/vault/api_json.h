// Typed answers of the API and their JSON codecs (docs/api.md): batond
// encodes with them, and a client decodes with them, so a malformed answer
// becomes a clear Status (Internal: "the server sent a malformed answer to
// GET /v1/members: ...") instead of an exception. Request bodies are
// declared in vault/api.h.
#ifndef BATON_VAULT_API_JSON_H_
#define BATON_VAULT_API_JSON_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/audit.h"
#include "vault/crypto.h"
#include "vault/status.h"
#include "vault/store.h"

namespace vault::api {

// The answer to POST /v1/invites. `code` is shown once and never stored.
struct InviteAnswer {
  std::string code;
  TeamRole role = TeamRole::kMember;
  std::string name;
  int64_t expires_ms = 0;
};

// A collection as GET /v1/collections lists it: with the caller's access
// ("read", "write", "manage" or "none").
struct CollectionEntry {
  Collection collection;
  std::string access;
};

// Who holds access to a collection (GET /v1/collections/:id/grants).
struct AccessEntry {
  std::string member_id;
  std::string access;
};

// The caller's sealed copy of a collection key (GET /v1/collections/:id/key).
struct SealedKeyAnswer {
  std::string collection_id;
  int64_t key_version = 0;
  std::vector<uint8_t> sealed;
};

// GET /v1/server. The recovery key exists once an owner has set one.
struct ServerInfo {
  std::string version;
  crypto::PublicKey audit_public_key{};
  crypto::PublicKey escrow_public_key{};
  std::optional<crypto::PublicKey> recovery_public_key;
  // Ed25519 by the audit key over "baton.escrow-key.v1" NUL || escrow key
  // (EscrowKeyMessage): a client that pinned the audit key trusts the escrow
  // key only with it. Absent from servers older than the team roster.
  std::optional<crypto::Signature> escrow_key_signature;
  // The last backup batond serve wrote on its schedule (unix ms) and its
  // size in bytes; absent until one was written since it started.
  std::optional<int64_t> last_backup_at;
  std::optional<int64_t> last_backup_bytes;
};

// The bytes the audit key signs to vouch for the escrow key.
crypto::Bytes EscrowKeyMessage(const crypto::PublicKey& escrow_public_key);

// POST /v1/auth/challenge and POST /v1/auth/login.
struct Challenge {
  std::string nonce;
  int64_t expires_ms = 0;  // when the nonce stops being accepted
};
struct LoginAnswer {
  std::string token;
  int64_t expires_ms = 0;
  Member member;
};

nlohmann::json MemberToJson(const Member& m);
nlohmann::json CollectionToJson(const Collection& c);
// rotation_period_s travels as whole days (rotation_period_days).
nlohmann::json ItemMetaToJson(const ItemMeta& m);
nlohmann::json InviteAnswerToJson(const InviteAnswer& a);
nlohmann::json CollectionEntryToJson(const CollectionEntry& e);
nlohmann::json AccessEntryToJson(const AccessEntry& e);
nlohmann::json SealedKeyAnswerToJson(const SealedKeyAnswer& a);
// GET /v1/items/:id: the metadata and "ciphertext" in base64.
nlohmann::json ItemWithCiphertextToJson(const ItemWithCiphertext& item);
nlohmann::json ServerInfoToJson(const ServerInfo& info);
nlohmann::json ChallengeToJson(const Challenge& c);
nlohmann::json LoginAnswerToJson(const LoginAnswer& a);
// One version in GET /v1/items/:id/history, its ciphertext in base64.
nlohmann::json ItemVersionToJson(const ItemVersion& v);

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
Result<CollectionEntry> CollectionEntryFromJson(const nlohmann::json& j, std::string_view route);
Result<std::vector<CollectionEntry>> CollectionsFromJson(const nlohmann::json& j,
                                                         std::string_view route);
Result<AccessEntry> AccessEntryFromJson(const nlohmann::json& j, std::string_view route);
// {"grants": [...]}.
Result<std::vector<AccessEntry>> AccessListFromJson(const nlohmann::json& j,
                                                    std::string_view route);
Result<SealedKeyAnswer> SealedKeyAnswerFromJson(const nlohmann::json& j, std::string_view route);
// {"keys": [...]} of GET /v1/emergency/requests/:id/keys.
Result<std::vector<SealedKeyAnswer>> SealedKeysFromJson(const nlohmann::json& j,
                                                        std::string_view route);
Result<ItemWithCiphertext> ItemWithCiphertextFromJson(const nlohmann::json& j,
                                                      std::string_view route);
Result<ItemVersion> ItemVersionFromJson(const nlohmann::json& j, std::string_view route);
// {"versions": [...]}.
Result<std::vector<ItemVersion>> HistoryFromJson(const nlohmann::json& j, std::string_view route);
Result<ServerInfo> ServerInfoFromJson(const nlohmann::json& j, std::string_view route);
Result<Challenge> ChallengeFromJson(const nlohmann::json& j, std::string_view route);
Result<LoginAnswer> LoginAnswerFromJson(const nlohmann::json& j, std::string_view route);
// A page of GET /v1/audit ({"events": [...]}), each event checked by
// audit::EventFromJson.
Result<std::vector<audit::Event>> AuditPageFromJson(const nlohmann::json& j,
                                                    std::string_view route);
// GET /v1/audit/head, and {"checkpoints": [...]} of GET /v1/audit/checkpoints.
Result<audit::Checkpoint> CheckpointAnswerFromJson(const nlohmann::json& j, std::string_view route);
Result<std::vector<audit::Checkpoint>> CheckpointsFromJson(const nlohmann::json& j,
                                                           std::string_view route);
// Any JSON object, for answers the caller only shows or ignores.
Result<nlohmann::json> ObjectFromJson(const nlohmann::json& j, std::string_view route);

// The status for an answer to `route` that is not what the API promises.
Status MalformedAnswer(std::string_view route, std::string_view problem);

}  // namespace vault::api

#endif  // BATON_VAULT_API_JSON_H_
