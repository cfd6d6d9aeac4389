// Private helpers shared by baton's fixed-size binary files (the identity
// file, the server key file): little-endian integers, and the common frame
// of magic, u16 version right after it, one exact length, and a trailing
// BLAKE2b-256 checksum of everything before it.
#ifndef BATON_VAULT_SRC_BINARY_FORMAT_H_
#define BATON_VAULT_SRC_BINARY_FORMAT_H_

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/kdf.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault::binary_format {

template <std::unsigned_integral T>
T LoadLE(std::span<const uint8_t> in, size_t off) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(in[off + i]) << (8 * i);
  return v;
}

template <std::unsigned_integral T>
void StoreLE(std::span<uint8_t> out, size_t off, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

struct Frame {
  std::string_view magic;  // at offset 0; the u16 version follows it
  std::string_view name;   // starts the messages: "identity file"
  std::string_view kind;   // completes "not a ...": "baton identity file"
  uint16_t version = 0;    // the one version this build reads
  size_t size = 0;         // the whole file, checksum included
};

// Checks, in this order: the magic (InvalidArgument "not a <kind>"), the
// version (Unsupported), the exact size (Corruption: truncated or trailing
// bytes), the checksum (Corruption: damaged). A proper prefix of the magic
// counts as a truncated file, not as a foreign one.
inline Status CheckFrame(std::span<const uint8_t> file, const Frame& f) {
  const std::string name(f.name);
  const size_t magic_len = std::min(file.size(), f.magic.size());
  if (!std::equal(file.begin(), file.begin() + static_cast<ptrdiff_t>(magic_len),
                  f.magic.begin())) {
    return Status::InvalidArgument("not a " + std::string(f.kind));
  }
  const size_t off_version = f.magic.size();
  if (file.size() < off_version + 2) {
    return Status::Corruption(name + " is truncated (" + std::to_string(file.size()) + " bytes)");
  }
  const uint16_t version = LoadLE<uint16_t>(file, off_version);
  if (version != f.version) {
    return Status::Unsupported(name + " version " + std::to_string(version) +
                               " is not supported (this baton reads version " +
                               std::to_string(f.version) + ")");
  }
  if (file.size() < f.size) {
    return Status::Corruption(name + " is truncated (" + std::to_string(file.size()) + " of " +
                              std::to_string(f.size) + " bytes)");
  }
  if (file.size() > f.size) {
    return Status::Corruption(name + " has " + std::to_string(file.size() - f.size) +
                              " unexpected trailing bytes");
  }
  const size_t body = f.size - crypto::kHashBytes;
  const crypto::Hash sum = crypto::Blake2b256(file.first(body));
  if (!crypto::ConstantTimeEqual(sum, file.subspan(body))) {
    return Status::Corruption(name + " is damaged (checksum mismatch)");
  }
  return Status::OK();
}

// Writes the magic and the version at the start of `out`.
inline void StoreFrameHeader(std::span<uint8_t> out, const Frame& f) {
  std::copy(f.magic.begin(), f.magic.end(), out.begin());
  StoreLE<uint16_t>(out, f.magic.size(), f.version);
}

// Fills the last crypto::kHashBytes of `out` with the checksum of the rest.
inline void StoreChecksum(std::span<uint8_t> out) {
  const size_t body = out.size() - crypto::kHashBytes;
  const crypto::Hash sum = crypto::Blake2b256(out.first(body));
  std::copy(sum.begin(), sum.end(), out.begin() + static_cast<ptrdiff_t>(body));
}

// The algorithm bytes of a passphrase-sealed file.
inline constexpr uint8_t kKdfArgon2id13 = 1;
inline constexpr uint8_t kAeadXChaCha20Poly1305 = 1;

inline Status CheckPassphrase(std::span<const uint8_t> passphrase) {
  if (passphrase.empty()) return Status::InvalidArgument("the passphrase is empty");
  return Status::OK();
}

// Argon2id's parameters as both files store them from `off`: u32
// iterations, u64 memory bytes, u32 parallelism.
inline constexpr size_t kKdfParamsBytes = 16;

inline kdf::Params LoadKdfParams(std::span<const uint8_t> in, size_t off) {
  kdf::Params p;
  p.iterations = LoadLE<uint32_t>(in, off);
  p.memory_bytes = LoadLE<uint64_t>(in, off + 4);
  p.parallelism = LoadLE<uint32_t>(in, off + 12);
  return p;
}

inline void StoreKdfParams(std::span<uint8_t> out, size_t off, const kdf::Params& p) {
  StoreLE<uint32_t>(out, off, p.iterations);
  StoreLE<uint64_t>(out, off + 4, p.memory_bytes);
  StoreLE<uint32_t>(out, off + 12, p.parallelism);
}

// Where a file keeps its passphrase-sealed secret: the salt of the key
// derivation, then later the AEAD box, whose associated data is everything
// before it.
struct PassphraseBox {
  size_t off_salt = 0;
  size_t off_box = 0;
  size_t box_bytes = 0;
};

// The offsets of a key file: the magic at 0, the u16 version after it, a
// protection byte if the format has one (the server key file's: sealed or
// plain), the KDF and AEAD algorithm bytes, the KDF parameters, the salt,
// two public keys, the box (nonce, secret, tag) and the checksum. Everything
// before the box is its associated data.
struct KeyFileLayout {
  size_t version = 0;
  size_t protection = 0;  // 0 (the magic's offset): the format has none
  size_t kdf_alg = 0;
  size_t aead_alg = 0;
  size_t kdf_params = 0;
  size_t salt = 0;
  size_t first_public_key = 0;
  size_t second_public_key = 0;
  size_t box = 0;  // = the header's length
  size_t box_bytes = 0;
  size_t checksum = 0;
  size_t size = 0;  // the whole file

  static constexpr KeyFileLayout Of(size_t magic_bytes, bool protection_byte, size_t secret_bytes) {
    KeyFileLayout l;
    l.version = magic_bytes;
    if (protection_byte) l.protection = l.version + 2;
    l.kdf_alg = l.version + 2 + (protection_byte ? 1 : 0);
    l.aead_alg = l.kdf_alg + 1;
    l.kdf_params = l.aead_alg + 1;
    l.salt = l.kdf_params + kKdfParamsBytes;
    l.first_public_key = l.salt + kdf::kSaltBytes;
    l.second_public_key = l.first_public_key + crypto::kPublicKeyBytes;
    l.box = l.second_public_key + crypto::kPublicKeyBytes;
    l.box_bytes = crypto::kAeadNonceBytes + secret_bytes + crypto::kAeadTagBytes;
    l.checksum = l.box + l.box_bytes;
    l.size = l.checksum + crypto::kHashBytes;
    return l;
  }
  constexpr PassphraseBox Box() const { return {salt, box, box_bytes}; }

  // Writes the algorithm bytes and the KDF parameters of a sealed file.
  void StoreSealing(std::span<uint8_t> out, const kdf::Params& params) const {
    out[kdf_alg] = kKdfArgon2id13;
    out[aead_alg] = kAeadXChaCha20Poly1305;
    StoreKdfParams(out, kdf_params, params);
  }
  // Whether a sealed file names the KDF and cipher this build seals with.
  bool SealedWithKnownAlgorithms(std::span<const uint8_t> file) const {
    return file[kdf_alg] == kKdfArgon2id13 && file[aead_alg] == kAeadXChaCha20Poly1305;
  }
};

// Fills the salt and seals `secret` into the box under the key derived from
// `passphrase`. Everything before the box must already be written.
inline Status SealWithPassphrase(Env& env, std::span<uint8_t> out, const PassphraseBox& b,
                                 std::span<const uint8_t> passphrase, const kdf::Params& params,
                                 std::span<const uint8_t> secret) {
  env.RandomBytes(out.subspan(b.off_salt, kdf::kSaltBytes));
  auto key = kdf::DeriveKey(passphrase, out.subspan(b.off_salt, kdf::kSaltBytes), params);
  if (!key) return key.error();
  auto box = crypto::AeadSeal(env, *key, secret, out.first(b.off_box));
  if (!box) return box.error();
  if (box->size() != b.box_bytes) return Status::Internal("unexpected AEAD box size");
  std::copy(box->begin(), box->end(), out.begin() + static_cast<ptrdiff_t>(b.off_box));
  return Status::OK();
}

// The secret in the box of a file whose frame checked out; WrongPassphrase
// if it does not open (the checksum matched, so the file is as written).
inline Result<SecureBuffer> OpenWithPassphrase(std::span<const uint8_t> file, const Frame& f,
                                               const PassphraseBox& b,
                                               std::span<const uint8_t> passphrase,
                                               const kdf::Params& params) {
  auto key = kdf::DeriveKey(passphrase, file.subspan(b.off_salt, kdf::kSaltBytes), params);
  if (!key) return Fail(key.error());
  auto secret = crypto::AeadOpen(*key, file.subspan(b.off_box, b.box_bytes), file.first(b.off_box));
  if (!secret) {
    return Fail(Status::WrongPassphrase("wrong passphrase for this " + std::string(f.name)));
  }
  return secret;
}

}  // namespace vault::binary_format

#endif  // BATON_VAULT_SRC_BINARY_FORMAT_H_
