// Member identity: a 32-byte seed and the key pairs derived from it, and the
// passphrase-protected file that stores it (DESIGN.md §3, §5).
//
// From the seed, crypto_kdf derives two independent subkeys: one seeds an
// Ed25519 signing pair (login, signatures), the other an X25519 box pair
// (collection keys are sealed to it). One key is never used for both.
//
// Identity file, version 1 (all integers little-endian), 212 bytes:
//   0   8  magic "BATON-ID"
//   8   2  format version (1)
//   10  1  KDF algorithm (1 = Argon2id v1.3, libsodium crypto_pwhash)
//   11  1  AEAD algorithm (1 = XChaCha20-Poly1305-IETF)
//   12  4  KDF iterations t
//   16  8  KDF memory in bytes m
//   24  4  KDF parallelism p
//   28 16  KDF salt
//   44 32  Ed25519 public key
//   76 32  X25519 public key
//   108 72 AEAD box of the seed: nonce(24) || ciphertext(32) || tag(16),
//          key = Argon2id(passphrase, salt, t, m), associated data = bytes 0..107
//   180 32 BLAKE2b-256 of bytes 0..179 (an unkeyed checksum: it tells damage
//          from a wrong passphrase; the AEAD tag is what resists tampering)
#ifndef BATON_VAULT_IDENTITY_H_
#define BATON_VAULT_IDENTITY_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/kdf.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault {

class Identity {
 public:
  // A new identity from env's randomness.
  static Identity Generate(Env& env);
  // REQUIRES: seed is crypto::kKeyBytes long (else InvalidArgument).
  static Result<Identity> FromSeed(SecureBuffer seed);

  Identity(Identity&&) noexcept = default;
  Identity& operator=(Identity&&) noexcept = default;

  const crypto::SigningKeyPair& signing() const { return signing_; }
  const crypto::BoxKeyPair& box() const { return box_; }
  const crypto::PublicKey& signing_public_key() const { return signing_.public_key; }
  const crypto::PublicKey& box_public_key() const { return box_.public_key; }
  // The seed itself: only for re-encrypting the identity file or handing it
  // to the local agent. Never send it anywhere else.
  const SecureBuffer& seed() const { return seed_; }

  // A short, stable fingerprint of both public keys (hex, 32 digits) for
  // comparing identities out of band.
  std::string Fingerprint() const;

 private:
  Identity() = default;
  SecureBuffer seed_;
  crypto::SigningKeyPair signing_;
  crypto::BoxKeyPair box_;
};

// Six words (EFF large list) naming a member's two public keys, for people
// to compare out of band before sealing a collection key to that member.
// About 77 bits: BLAKE2b-256 of both keys, read as base-7776 digits.
std::string FingerprintWords(const crypto::PublicKey& signing_key,
                             const crypto::PublicKey& box_key);
// The same six words for any hash (a roster head, for members to compare).
std::string HashWords(const crypto::Hash& h);

inline constexpr size_t kIdentityFileBytes = 212;
inline constexpr uint16_t kIdentityFileVersion = 1;

// What an identity file says about itself, without the passphrase.
struct IdentityFileInfo {
  uint16_t version = 0;
  kdf::Params kdf;
  crypto::PublicKey signing_public_key{};
  crypto::PublicKey box_public_key{};
};

// Parses and checks an identity file without deriving any key: magic,
// version, length, checksum, algorithms and KDF limits. Errors:
//   InvalidArgument  not an identity file, or KDF parameters out of limits
//   Unsupported      a version or algorithm this build does not know
//   Corruption       truncated, trailing bytes, or checksum mismatch
Result<IdentityFileInfo> InspectIdentityFile(std::span<const uint8_t> file);

// Encrypts `id` under `passphrase` with `params` (fresh salt and nonce).
Result<std::vector<uint8_t>> EncodeIdentityFile(Env& env, const Identity& id,
                                                std::span<const uint8_t> passphrase,
                                                const kdf::Params& params);
// The inverse. On top of InspectIdentityFile's errors: WrongPassphrase if
// the passphrase does not open the seed; Corruption if the opened seed does
// not match the public keys in the header.
Result<Identity> DecodeIdentityFile(std::span<const uint8_t> file,
                                    std::span<const uint8_t> passphrase);

// Writes an identity file atomically with mode 0600. AlreadyExists if `path`
// exists and !overwrite.
Status SaveIdentity(Env& env, const std::string& path, const Identity& id,
                    std::span<const uint8_t> passphrase, const kdf::Params& params,
                    bool overwrite = false);
Result<Identity> LoadIdentity(Env& env, const std::string& path,
                              std::span<const uint8_t> passphrase);
// Re-encrypts the file at `path` under a new passphrase and parameters, with
// a new salt and nonce, atomically: on any failure the old file is untouched.
Status ChangeIdentityPassphrase(Env& env, const std::string& path,
                                std::span<const uint8_t> old_passphrase,
                                std::span<const uint8_t> new_passphrase,
                                const kdf::Params& new_params);

}  // namespace vault

#endif  // BATON_VAULT_IDENTITY_H_
