#include "backup/recovery_key.h"

#include <sodium.h>

#include <string>

namespace backup::recovery {

using vault::Fail;
using vault::Result;
using vault::SecureBuffer;
using vault::Status;
namespace crypto = vault::crypto;

SecureBuffer GenerateMasterSecret(vault::Env& env) { return crypto::RandomKey(env); }

Result<RecoveryKeys> DeriveRecoveryKeys(const SecureBuffer& master_secret) {
  if (master_secret.size() != kMasterSecretBytes) {
    return Fail(Status::InvalidArgument("a recovery master secret must be " +
                                        std::to_string(kMasterSecretBytes) + " bytes, not " +
                                        std::to_string(master_secret.size())));
  }
  auto box_seed = crypto::DeriveSubkey(master_secret, kSubkeyId, kBoxKeyContext);
  if (!box_seed) return Fail(box_seed.error());
  auto box = crypto::BoxKeyPairFromSeed(*box_seed);
  if (!box) return Fail(box.error());
  auto age_identity = crypto::DeriveSubkey(master_secret, kSubkeyId, kAgeKeyContext);
  if (!age_identity) return Fail(age_identity.error());

  RecoveryKeys keys;
  keys.box = std::move(*box);
  // age uses the derived bytes as the X25519 scalar itself (clamped by
  // X25519), unlike crypto_box's seed, which libsodium hashes first.
  if (crypto_scalarmult_base(keys.age_public_key.data(), age_identity->data()) != 0) {
    return Fail(Status::Internal("X25519 of the age identity failed"));
  }
  keys.age_identity = std::move(*age_identity);
  return keys;
}

}  // namespace backup::recovery
