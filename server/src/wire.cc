#include <algorithm>

#include "server_impl.h"

namespace server::internal {

int64_t Millis(vault::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

json MemberJson(const vault::Member& m) {
  return {{"id", m.id},
          {"name", m.name},
          {"role", m.role},
          {"status", m.status},
          {"signing_public_key", crypto::ToBase64(m.signing_public_key)},
          {"box_public_key", crypto::ToBase64(m.box_public_key)},
          {"created_ms", m.created_ms},
          {"email", m.email}};
}

json ItemMetaJson(const vault::ItemMeta& m) {
  json flags = json::array();
  for (const auto& f : m.flags) {
    flags.push_back({{"kind", f.kind}, {"reason", f.reason}, {"raised_ms", f.raised_ms}});
  }
  json out = {{"id", m.id},
              {"collection_id", m.collection_id},
              {"name", m.name},
              {"channel", m.channel},
              {"url", m.url},
              {"rotation_period_days", m.rotation_period_s / 86400},
              {"last_rotated_ms", m.last_rotated_ms},
              {"version", m.version},
              {"key_version", m.key_version},
              {"updated_ms", m.updated_ms},
              {"updated_by", m.updated_by},
              {"flags", flags}};
  if (m.pending_version) out["pending_version"] = *m.pending_version;
  out["next_version"] = m.next_version;
  return out;
}

json CollectionJson(const vault::Collection& c) {
  return {{"id", c.id},
          {"name", c.name},
          {"key_version", c.key_version},
          {"offline_cache", c.offline_cache},
          {"needs_rekey", c.needs_rekey},
          {"created_ms", c.created_ms}};
}

ApiResult<crypto::PublicKey> DecodeKey(const std::string& b64, const char* field) {
  auto bytes = DecodeBase64Field(b64, field);
  if (!bytes) return Reject(bytes.error());
  if (bytes->size() != crypto::kPublicKeyBytes) {
    return Reject(BadRequest("bad_key", std::string("field \"") + field + "\" must be a 32-byte key"));
  }
  crypto::PublicKey key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

}  // namespace server::internal
