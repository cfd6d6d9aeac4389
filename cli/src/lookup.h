// Finding members and collections by name or id, and a member's keys as the
// server lists them: shared by the command groups that seal keys to members
// (collection grant, emergency grant, collection rekey).
#ifndef BATON_CLI_SRC_LOOKUP_H_
#define BATON_CLI_SRC_LOOKUP_H_

#include <nlohmann/json.hpp>
#include <string>

#include "api_client.h"
#include "vault/crypto.h"
#include "vault/status.h"

namespace cli {

// A member by id or exact name, as GET /v1/members lists them. NotFound.
vault::Result<nlohmann::json> LookupMember(ApiClient& client, const std::string& name_or_id);
// A collection as GET /v1/collections lists it: the one whose id is
// `name_or_id`, else the only one so named. NotFound if none;
// FailedPrecondition naming the candidates' ids if several share the name.
vault::Result<nlohmann::json> LookupCollection(ApiClient& client, const std::string& name_or_id);
// The member's key fingerprint words (vault::FingerprintWords), to be read
// aloud and compared before anything is sealed to them.
std::string MemberFingerprintWords(const nlohmann::json& member);
// A base64 public key in a server answer (e.g. GET /v1/server's
// "escrow_public_key"); Corruption if missing or malformed.
vault::Result<vault::crypto::PublicKey> PublicKeyField(const nlohmann::json& object,
                                                       const std::string& field);
// The member's X25519 box key; Corruption if the server sent a malformed one.
vault::Result<vault::crypto::PublicKey> MemberBoxKey(const nlohmann::json& member);

}  // namespace cli

#endif  // BATON_CLI_SRC_LOOKUP_H_
