// The passphrase cipher of SLIP-39: a four-round Feistel network with
// PBKDF2-HMAC-SHA256 as its round function (slip-0039.md, "Encryption of
// the master secret"). No passphrase is wrong: each decrypts to a secret.
#ifndef BATON_BACKUP_SRC_SLIP39_CIPHER_H_
#define BATON_BACKUP_SRC_SLIP39_CIPHER_H_

#include <cstdint>
#include <span>

#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::slip39::internal {

struct CipherParams {
  int iteration_exponent = 0;  // 0..15
  uint16_t identifier = 0;     // salt unless extendable
  bool extendable = false;
};

// REQUIRES: an even, non-zero number of bytes in `in`.
vault::Result<vault::SecureBuffer> Encrypt(const vault::SecureBuffer& in,
                                           std::span<const uint8_t> passphrase,
                                           const CipherParams& params);
vault::Result<vault::SecureBuffer> Decrypt(const vault::SecureBuffer& in,
                                           std::span<const uint8_t> passphrase,
                                           const CipherParams& params);

}  // namespace backup::slip39::internal

#endif  // BATON_BACKUP_SRC_SLIP39_CIPHER_H_
