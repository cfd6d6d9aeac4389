// Crypto primitives of baton: thin, checked wrappers over libsodium.
//
// Nothing here re-implements a primitive; every function calls libsodium and
// adds size checks, a Status on failure, and SecureBuffer for secret output.
// Call Init() once per process before anything else (it also runs
// known-answer self-tests and fails closed if they do not pass).
#ifndef BATON_VAULT_CRYPTO_H_
#define BATON_VAULT_CRYPTO_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault::crypto {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline constexpr size_t kKeyBytes = 32;        // AEAD keys, seeds, subkeys
inline constexpr size_t kAeadNonceBytes = 24;  // XChaCha20-Poly1305
inline constexpr size_t kAeadTagBytes = 16;
inline constexpr size_t kPublicKeyBytes = 32;  // Ed25519 and X25519
inline constexpr size_t kSignSecretKeyBytes = 64;
inline constexpr size_t kSignatureBytes = 64;
inline constexpr size_t kSealOverheadBytes = 48;  // ephemeral pk + MAC
inline constexpr size_t kHashBytes = 32;          // BLAKE2b-256

using PublicKey = std::array<uint8_t, kPublicKeyBytes>;
using Signature = std::array<uint8_t, kSignatureBytes>;
using Hash = std::array<uint8_t, kHashBytes>;

// Initialises libsodium and runs the self-tests. Safe to call repeatedly and
// from several threads.
Status Init();

// Views a string's bytes (for associated data, messages, labels).
inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// --- random ---------------------------------------------------------------

SecureBuffer RandomKey(Env& env);  // kKeyBytes of randomness
Bytes RandomBytes(Env& env, size_t n);
// A 128-bit random identifier as 32 lower-case hex digits.
std::string RandomId(Env& env);

// --- AEAD: XChaCha20-Poly1305 (IETF) ---------------------------------------
//
// A box is nonce || ciphertext || tag; the nonce is random per call. The
// associated data is authenticated but not stored: the caller must supply the
// same bytes to open it.

Result<Bytes> AeadSeal(Env& env, const SecureBuffer& key, ByteView plaintext, ByteView ad);
// Corruption if the key, the box or the associated data do not match: the
// box does not authenticate. (The identity file turns this into
// WrongPassphrase after its own integrity check.)
Result<SecureBuffer> AeadOpen(const SecureBuffer& key, ByteView box, ByteView ad);
// The same into caller-owned memory (e.g. a SecureBuffer reused across a
// loop): each AeadOpen allocates a fresh SecureBuffer, and sodium_malloc's
// guard pages and mlock cost ~50 us here (bench/RESULTS.md). `out` must be
// exactly box.size() - kAeadNonceBytes - kAeadTagBytes bytes; it is zeroed
// on failure.
Status AeadOpenInto(const SecureBuffer& key, ByteView box, ByteView ad, std::span<uint8_t> out);

// --- Key pairs --------------------------------------------------------------

struct SigningKeyPair {
  PublicKey public_key{};
  SecureBuffer secret_key;  // libsodium's 64-byte Ed25519 secret key
};

struct BoxKeyPair {
  PublicKey public_key{};
  SecureBuffer secret_key;  // 32-byte X25519 scalar
};

// Deterministic key pairs from a 32-byte seed.
Result<SigningKeyPair> SigningKeyPairFromSeed(const SecureBuffer& seed);
Result<BoxKeyPair> BoxKeyPairFromSeed(const SecureBuffer& seed);

// --- Sealed boxes (anonymous encryption to an X25519 public key) ------------

Result<Bytes> SealTo(const PublicKey& recipient, ByteView plaintext);
// Corruption if the box was not sealed to this key pair or was modified.
Result<SecureBuffer> OpenSealed(const BoxKeyPair& recipient, ByteView sealed);
// The same into caller-owned memory of exactly sealed.size() -
// kSealOverheadBytes bytes (see AeadOpenInto); zeroed on failure.
Status OpenSealedInto(const BoxKeyPair& recipient, ByteView sealed, std::span<uint8_t> out);

// --- Ed25519 ----------------------------------------------------------------

Result<Signature> Sign(const SigningKeyPair& key, ByteView message);
// Unauthenticated if the signature does not verify.
Status Verify(const PublicKey& public_key, ByteView message, ByteView signature);

// --- Hashing and key derivation ----------------------------------------------

Hash Blake2b256(ByteView data);
// BLAKE2b-256 of the concatenation of `parts`, without concatenating.
Hash Blake2b256(std::initializer_list<ByteView> parts);
// Keyed BLAKE2b-256 (a MAC). REQUIRES: 16 <= key size <= 64.
Result<Hash> Blake2b256Keyed(const SecureBuffer& key, ByteView data);

// Derives subkey number `id` of `length` bytes (16..64) from a 32-byte master
// key with libsodium's crypto_kdf (BLAKE2b). `context` is exactly 8 bytes and
// names the purpose, so subkeys for different purposes are independent.
Result<SecureBuffer> DeriveSubkey(const SecureBuffer& master, uint64_t id, std::string_view context,
                                  size_t length = kKeyBytes);

// --- Comparison and codecs --------------------------------------------------

// Constant-time for equal sizes; false when the sizes differ.
bool ConstantTimeEqual(ByteView a, ByteView b);

std::string ToHex(ByteView data);
Result<Bytes> FromHex(std::string_view hex);
// Standard base64 with padding, or base64url without padding.
enum class Base64 { kStandard, kUrlNoPadding };
std::string ToBase64(ByteView data, Base64 variant = Base64::kStandard);
Result<Bytes> FromBase64(std::string_view text, Base64 variant = Base64::kStandard);

}  // namespace vault::crypto

#endif  // BATON_VAULT_CRYPTO_H_
