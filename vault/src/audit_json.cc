#include "vault/audit_json.h"

#include <algorithm>
#include <string>

#include "vault/crypto.h"

namespace vault::audit {
namespace {

using nlohmann::json;

Status Malformed(const std::string& what) {
  return Status::Corruption("the server sent a malformed " + what);
}

bool GetInt(const json& j, const char* field, int64_t& out) {
  if (!j.contains(field) || !j[field].is_number_integer()) return false;
  out = j[field].get<int64_t>();
  return true;
}

bool GetString(const json& j, const char* field, std::string& out) {
  if (!j.contains(field) || !j[field].is_string()) return false;
  out = j[field].get<std::string>();
  return true;
}

template <size_t N>
bool GetBytes(const json& j, const char* field, std::array<uint8_t, N>& out, bool hex) {
  std::string text;
  if (!GetString(j, field, text)) return false;
  auto bytes = hex ? crypto::FromHex(text) : crypto::FromBase64(text);
  if (!bytes || bytes->size() != N) return false;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return true;
}

}  // namespace

json EventToJson(const Event& e) {
  return {{"seq", e.seq},
          {"time_ms", e.time_ms},
          {"actor", e.actor},
          {"action", e.action},
          {"target", e.target},
          {"details", e.details},
          {"prev_hash", crypto::ToHex(e.prev_hash)},
          {"hash", crypto::ToHex(e.hash)}};
}

json CheckpointToJson(const Checkpoint& cp) {
  return {{"seq", cp.seq},
          {"hash", crypto::ToHex(cp.hash)},
          {"time_ms", cp.time_ms},
          {"signature", crypto::ToBase64(cp.signature)}};
}

Result<Event> EventFromJson(const json& j) {
  Event e;
  if (!j.is_object() || !GetInt(j, "seq", e.seq) || !GetInt(j, "time_ms", e.time_ms) ||
      !GetString(j, "actor", e.actor) || !GetString(j, "action", e.action) ||
      !GetString(j, "target", e.target) || !GetString(j, "details", e.details) ||
      !GetBytes(j, "prev_hash", e.prev_hash, true) || !GetBytes(j, "hash", e.hash, true)) {
    return Fail(Malformed("audit event"));
  }
  return e;
}

Result<Checkpoint> CheckpointFromJson(const json& j) {
  Checkpoint cp;
  if (!j.is_object() || !GetInt(j, "seq", cp.seq) || !GetInt(j, "time_ms", cp.time_ms) ||
      !GetBytes(j, "hash", cp.hash, true)) {
    return Fail(Malformed("audit checkpoint"));
  }
  if (!GetBytes(j, "signature", cp.signature, false)) {
    return Fail(Malformed("checkpoint signature"));
  }
  return cp;
}

}  // namespace vault::audit
