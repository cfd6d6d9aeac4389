// The team recovery key: one 32-byte master secret, split into SLIP-39
// shares for custodians, from which the client derives every key recovery
// needs. Each key has its own KDF context, so no key serves two protocols:
// the box pair that collection keys are sealed to, and the X25519 identity
// that age backups are encrypted to. The contexts are part of the format: a
// changed label derives other keys, and old shares would open nothing.
#ifndef BATON_BACKUP_RECOVERY_KEY_H_
#define BATON_BACKUP_RECOVERY_KEY_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::recovery {

inline constexpr size_t kMasterSecretBytes = 32;

// crypto_kdf contexts (exactly 8 bytes each) and the subkey number used
// under each; SECURITY.md's key hierarchy lists them.
inline constexpr std::string_view kBoxKeyContext = "bt-rcbox";
inline constexpr std::string_view kAgeKeyContext = "bt-rcage";
inline constexpr uint64_t kSubkeyId = 1;

struct RecoveryKeys {
  // Collection keys are sealed to this pair (libsodium sealed boxes).
  vault::crypto::BoxKeyPair box;
  // The age X25519 identity's 32-byte secret scalar and its public half
  // (X25519 of the base point), which backups are encrypted to.
  vault::SecureBuffer age_identity;
  vault::crypto::PublicKey age_public_key{};
};

// A fresh master secret from the Env's randomness, in locked memory.
vault::SecureBuffer GenerateMasterSecret(vault::Env& env);

// Derives the recovery keys from a master secret (the same secret always
// gives the same keys). InvalidArgument unless it is kMasterSecretBytes.
vault::Result<RecoveryKeys> DeriveRecoveryKeys(const vault::SecureBuffer& master_secret);

}  // namespace backup::recovery

#endif  // BATON_BACKUP_RECOVERY_KEY_H_
