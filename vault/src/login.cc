#include "vault/login.h"

#include <algorithm>
#include <cstring>

namespace vault {

std::vector<uint8_t> LoginMessage(const crypto::PublicKey& server_key, const std::string& member_id,
                                  const std::string& nonce) {
  // domain || server key || u8 len || member id || u8 len || nonce. Written
  // into a presized buffer: g++ 12 warns spuriously on vector::insert here.
  static constexpr char kDomain[] = "baton.login.v1";  // with its NUL
  const size_t id_len = std::min<size_t>(member_id.size(), 255);
  const size_t nonce_len = std::min<size_t>(nonce.size(), 255);
  std::vector<uint8_t> out(sizeof kDomain + server_key.size() + 2 + id_len + nonce_len);
  uint8_t* p = out.data();
  std::memcpy(p, kDomain, sizeof kDomain);
  p += sizeof kDomain;
  std::memcpy(p, server_key.data(), server_key.size());
  p += server_key.size();
  *p++ = static_cast<uint8_t>(id_len);
  std::memcpy(p, member_id.data(), id_len);
  p += id_len;
  *p++ = static_cast<uint8_t>(nonce_len);
  std::memcpy(p, nonce.data(), nonce_len);
  return out;
}

}  // namespace vault
