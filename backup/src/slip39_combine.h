// The checks and interpolations of "Combining the shares" (slip-0039.md),
// up to the encrypted master secret: all of Combine but the slow cipher.
#ifndef BATON_BACKUP_SRC_SLIP39_COMBINE_H_
#define BATON_BACKUP_SRC_SLIP39_COMBINE_H_

#include <span>
#include <string_view>

#include "slip39_cipher.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::slip39::internal {

struct EncryptedSecret {
  vault::SecureBuffer value;
  CipherParams params;
};

vault::Result<EncryptedSecret> RecoverEncryptedSecret(std::span<const std::string_view> shares);

}  // namespace backup::slip39::internal

#endif  // BATON_BACKUP_SRC_SLIP39_COMBINE_H_
