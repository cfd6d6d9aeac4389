// The answers of the recovery routes (docs/api.md, "Recovery") and their
// codecs, as vault/api_json.h does for the rest.
#ifndef BATON_VAULT_API_JSON_RECOVERY_H_
#define BATON_VAULT_API_JSON_RECOVERY_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/crypto.h"
#include "vault/status.h"

namespace vault::api {

// GET /v1/recovery/check-key: the key of the team's share check values.
struct RecoveryCheckKey {
  crypto::Hash check_key{};
};

// GET /v1/recovery. threshold 0 and no shares: not set up.
struct RecoveryStatus {
  struct Share {
    int64_t index = 0;
    std::string custodian;
    std::optional<int64_t> last_checked_ms;  // the last check that matched
  };
  struct Unsealed {
    std::string id;
    std::string name;
    int64_t key_version = 0;
  };
  int64_t threshold = 0;
  std::vector<Share> shares;
  crypto::Hash check_key{};
  // Collections whose current key version has no recovery copy.
  std::vector<Unsealed> unsealed;
};

// GET /v1/recovery/unsealed: the unsealed collections the caller can seal
// (holds a key for and may manage).
struct RecoveryUnsealed {
  std::vector<RecoveryStatus::Unsealed> unsealed;
};

// POST /v1/recovery/check.
struct RecoveryCheckAnswer {
  bool matches = false;
  int64_t index = 0;
  int64_t shares = 0;
  int64_t threshold = 0;
};

nlohmann::json RecoveryCheckKeyToJson(const RecoveryCheckKey& a);
nlohmann::json RecoveryStatusToJson(const RecoveryStatus& a);
nlohmann::json RecoveryUnsealedToJson(const RecoveryUnsealed& a);
nlohmann::json RecoveryCheckAnswerToJson(const RecoveryCheckAnswer& a);

// Never throw; Internal naming `route` and the field (MalformedAnswer).
Result<RecoveryCheckKey> RecoveryCheckKeyFromJson(const nlohmann::json& j, std::string_view route);
Result<RecoveryStatus> RecoveryStatusFromJson(const nlohmann::json& j, std::string_view route);
Result<RecoveryUnsealed> RecoveryUnsealedFromJson(const nlohmann::json& j, std::string_view route);
Result<RecoveryCheckAnswer> RecoveryCheckAnswerFromJson(const nlohmann::json& j,
                                                        std::string_view route);

}  // namespace vault::api

#endif  // BATON_VAULT_API_JSON_RECOVERY_H_
