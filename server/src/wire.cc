#include <algorithm>

#include "server_impl.h"

namespace server::internal {

int64_t Millis(vault::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

ApiResult<crypto::PublicKey> DecodeKey(const std::string& b64, const char* field) {
  auto bytes = DecodeBase64Field(b64, field);
  if (!bytes) return Reject(bytes.error());
  if (bytes->size() != crypto::kPublicKeyBytes) {
    return Reject(
        BadRequest("bad_key", std::string("field \"") + field + "\" must be a 32-byte key"));
  }
  crypto::PublicKey key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

}  // namespace server::internal
