// Server keys: the secrets batond holds (DESIGN.md §2, §3), and the file that
// stores them.
//
// Three independent 32-byte random secrets: the SQLCipher raw database key,
// the seed of the Ed25519 audit-signing pair (checkpoints of the audit
// chain), and the seed of the X25519 escrow pair. None is derived from
// another; the pairs come from their seeds through libsodium.
//
// Server key file, version 1 (integers little-endian), 277 bytes in both
// modes, so the length and the checksum are checked before the mode byte is
// trusted:
//   0    8  magic "BATON-SK"
//   8    2  format version (1)
//   10   1  protection (0 = plain, 1 = sealed by an operator passphrase)
//   11   1  KDF algorithm (plain: 0; sealed: 1 = Argon2id v1.3, crypto_pwhash)
//   12   1  AEAD algorithm (plain: 0; sealed: 1 = XChaCha20-Poly1305-IETF)
//   13   4  KDF iterations t  (plain: 0)
//   17   8  KDF memory in bytes m (plain: 0)
//   25   4  KDF parallelism p (plain: 0)
//   29  16  KDF salt (plain: zero)
//   45  32  Ed25519 audit public key
//   77  32  X25519 escrow public key
//   109 136 the secrets S = db key(32) || audit seed(32) || escrow seed(32):
//            sealed: nonce(24) || AEAD(S)(96) || tag(16), key =
//                    Argon2id(passphrase, salt, t, m), associated data =
//                    bytes 0..108 (the whole header)
//            plain:  zero(24) || S || zero(16)
//   245 32  BLAKE2b-256 of bytes 0..244 (an unkeyed checksum: it tells damage
//           from a wrong passphrase; in sealed mode the AEAD tag is what
//           resists tampering, in plain mode nothing does)
//
// Plain mode is the default so that batond can start unattended; it relies
// on the file being 0600 in a 0700 data directory (see SECURITY.md).
#ifndef BATON_VAULT_SERVER_KEYS_H_
#define BATON_VAULT_SERVER_KEYS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/kdf.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault {

class ServerKeys {
 public:
  // Three fresh secrets from env's randomness.
  static ServerKeys Generate(Env& env);
  // REQUIRES: each secret is crypto::kKeyBytes long (else InvalidArgument).
  static Result<ServerKeys> FromSecrets(SecureBuffer db_key, SecureBuffer audit_seed,
                                        SecureBuffer escrow_seed);

  ServerKeys(ServerKeys&&) noexcept = default;
  ServerKeys& operator=(ServerKeys&&) noexcept = default;

  // The SQLCipher raw key (Store options take it as is).
  const SecureBuffer& db_key() const { return db_key_; }
  // Signs audit checkpoints.
  const crypto::SigningKeyPair& audit() const { return audit_; }
  // Opens what is escrowed to the server.
  const crypto::BoxKeyPair& escrow() const { return escrow_; }
  const crypto::PublicKey& audit_public_key() const { return audit_.public_key; }
  const crypto::PublicKey& escrow_public_key() const { return escrow_.public_key; }
  // The seeds themselves: only for writing the key file.
  const SecureBuffer& audit_seed() const { return audit_seed_; }
  const SecureBuffer& escrow_seed() const { return escrow_seed_; }

 private:
  ServerKeys() = default;
  SecureBuffer db_key_;
  SecureBuffer audit_seed_;
  SecureBuffer escrow_seed_;
  crypto::SigningKeyPair audit_;
  crypto::BoxKeyPair escrow_;
};

inline constexpr size_t kServerKeyFileBytes = 277;
inline constexpr uint16_t kServerKeyFileVersion = 1;

enum class ServerKeyProtection : uint8_t {
  kPlain = 0,       // secrets stored as is; the file mode protects them
  kPassphrase = 1,  // secrets sealed under Argon2id(operator passphrase)
};

// What a server key file says about itself, without any passphrase.
struct ServerKeyFileInfo {
  uint16_t version = 0;
  ServerKeyProtection protection = ServerKeyProtection::kPlain;
  std::optional<kdf::Params> kdf;  // set exactly when protection is kPassphrase
  crypto::PublicKey audit_public_key{};
  crypto::PublicKey escrow_public_key{};

  bool needs_passphrase() const { return protection == ServerKeyProtection::kPassphrase; }
};

// How to seal a file under an operator passphrase. The span must outlive the
// call it is passed to.
struct ServerKeyPassphrase {
  std::span<const uint8_t> passphrase;
  kdf::Params params;
};

// Parses and checks a server key file without deriving any key, in this
// order: magic, version, length, checksum, protection and algorithms, that a
// plain file's passphrase fields are zero, KDF limits. Errors:
//   InvalidArgument  not a server key file, or KDF parameters out of limits
//   Unsupported      a version, protection mode or algorithm this build does
//                    not know
//   Corruption       truncated, trailing bytes, checksum mismatch, or a plain
//                    file with non-zero passphrase fields
// Cheap (no KDF): batond calls it to know whether to ask for a passphrase.
Result<ServerKeyFileInfo> InspectServerKeyFile(std::span<const uint8_t> file);

// Encodes `keys` in plain mode, or sealed under `seal` (fresh salt and
// nonce; params checked with kdf::Validate, the passphrase must not be
// empty). The result is a SecureBuffer because a plain file is the secrets.
Result<SecureBuffer> EncodeServerKeys(Env& env, const ServerKeys& keys,
                                      const std::optional<ServerKeyPassphrase>& seal = {});

// The inverse. On top of InspectServerKeyFile's errors:
//   InvalidArgument     a passphrase was given for a plain file, or it is empty
//   FailedPrecondition  the file is sealed and no passphrase was given
//   WrongPassphrase     the passphrase does not open the secrets
//   Corruption          the secrets do not reproduce the header's public keys
Result<ServerKeys> DecodeServerKeys(std::span<const uint8_t> file,
                                    std::optional<std::span<const uint8_t>> passphrase = {});

// Writes a server key file atomically with mode 0600. AlreadyExists if
// `path` exists and !overwrite. On any failure an existing file is unchanged.
Status SaveServerKeys(Env& env, const std::string& path, const ServerKeys& keys,
                      const std::optional<ServerKeyPassphrase>& seal = {}, bool overwrite = false);
// Reads and decodes the file at `path` (errors carry the path as context).
// The bytes read are wiped after decoding.
Result<ServerKeys> LoadServerKeys(Env& env, const std::string& path,
                                  std::optional<std::span<const uint8_t>> passphrase = {});

}  // namespace vault

#endif  // BATON_VAULT_SERVER_KEYS_H_
