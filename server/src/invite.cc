#include "server/invite.h"

#include <cstdint>

#include "vault/crypto.h"

namespace server {

IssuedInvite NewInvite(vault::Env& env, vault::TeamRole role, std::string_view name,
                       std::string_view created_by, std::chrono::seconds ttl) {
  uint8_t raw[16];
  env.RandomBytes(raw);
  IssuedInvite out;
  out.code = vault::crypto::ToHex(raw);
  out.record.code_hash = vault::crypto::Blake2b256(vault::crypto::AsBytes(out.code));
  out.record.role = role;
  out.record.name = name;
  out.record.created_by = created_by;
  out.record.expires_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>((env.Now() + ttl).time_since_epoch())
          .count();
  return out;
}

}  // namespace server
