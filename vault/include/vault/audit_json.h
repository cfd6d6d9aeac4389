// The wire encoding of audit events and checkpoints (docs/api.md): hashes
// in hex, signatures in base64. batond writes it; clients parse it and
// refuse anything malformed before verifying the chain.
#ifndef BATON_VAULT_AUDIT_JSON_H_
#define BATON_VAULT_AUDIT_JSON_H_

#include <nlohmann/json.hpp>

#include "vault/audit.h"
#include "vault/status.h"

namespace vault::audit {

nlohmann::json EventToJson(const Event& e);
nlohmann::json CheckpointToJson(const Checkpoint& cp);

// Corruption naming what was malformed, for any missing field, wrong type,
// or hash/signature of the wrong length.
Result<Event> EventFromJson(const nlohmann::json& j);
Result<Checkpoint> CheckpointFromJson(const nlohmann::json& j);

}  // namespace vault::audit

#endif  // BATON_VAULT_AUDIT_JSON_H_
