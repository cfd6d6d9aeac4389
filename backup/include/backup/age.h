// age: the file encryption format of backups (https://age-encryption.org/v1,
// DESIGN.md §9), so that a backup opens with the stock `age` tool and
// without the server.
//
// Recipients and identities are X25519 keys written in Bech32 ("age1…" and
// "AGE-SECRET-KEY-1…"). Encrypt and Decrypt stream: they hold one 64 KiB
// chunk at a time, whatever the size of the file.
//
// Decrypt's errors name the class of failure at the start of the message,
// so a caller (and the test kit) can tell them apart:
//   "not an age file…", "age header: …"      the header does not parse
//   "unsupported age version"                 (Unsupported)
//   "no identity matches any recipient"       (WrongPassphrase)
//   "header MAC mismatch"                     (Corruption)
//   "payload truncated…", "payload damaged at chunk N", "payload: …"
//   "age armor: …"                            the ASCII armor is not strict PEM
//                                             (or the file is neither format)
// Plaintext written to `out` before a payload error is authentic, but the
// file is incomplete: treat the whole output as unusable.
#ifndef BATON_BACKUP_AGE_H_
#define BATON_BACKUP_AGE_H_

#include <array>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::age {

inline constexpr size_t kKeyBytes = 32;

// A public X25519 key files are encrypted to.
class Recipient {
 public:
  // InvalidArgument unless `text` is an "age1…" Bech32 string (all lower or
  // all upper case) with a valid checksum and a 32-byte key.
  static vault::Result<Recipient> Parse(std::string_view text);
  static Recipient FromKey(const std::array<uint8_t, kKeyBytes>& key) { return Recipient(key); }

  std::string Format() const;  // "age1…", lower case
  const std::array<uint8_t, kKeyBytes>& key() const { return key_; }

 private:
  explicit Recipient(const std::array<uint8_t, kKeyBytes>& key) : key_(key) {}
  std::array<uint8_t, kKeyBytes> key_;
};

// A secret X25519 key that opens files encrypted to its Recipient. The secret
// lives only in locked memory.
class Identity {
 public:
  static Identity Generate(vault::Env& env);
  // From 32 secret bytes, e.g. derived from a recovery key. Any 32 bytes are
  // a valid X25519 secret; InvalidArgument on another size.
  static vault::Result<Identity> FromSecret(std::span<const uint8_t> secret);
  // InvalidArgument unless `text` is an "AGE-SECRET-KEY-1…" Bech32 string
  // with a valid checksum and a 32-byte key. The message never quotes it.
  static vault::Result<Identity> Parse(std::string_view text);

  // "AGE-SECRET-KEY-1…" (upper case, as age-keygen writes it), in locked
  // memory because it is the secret.
  vault::SecureBuffer Format() const;
  const Recipient& recipient() const { return recipient_; }
  std::span<const uint8_t> secret() const { return secret_.bytes(); }

 private:
  Identity(vault::SecureBuffer secret, const Recipient& recipient)
      : secret_(std::move(secret)), recipient_(recipient) {}
  vault::SecureBuffer secret_;
  Recipient recipient_;
};

struct EncryptOptions {
  // PEM-like ASCII armor ("-----BEGIN AGE ENCRYPTED FILE-----") instead of
  // binary.
  bool armor = false;
};

// Encrypts all of `in` to every recipient (at least one) and writes the age
// file to `out`. The file key and nonces come from env.RandomBytes.
vault::Status Encrypt(vault::Env& env, std::span<const Recipient> recipients, std::istream& in,
                      std::ostream& out, const EncryptOptions& options = {});

// Decrypts the age file in `in` (binary, or armored: told apart by its first
// bytes) with the first identity that opens it, writing the plaintext to `out`
// one authenticated chunk at a time.
vault::Status Decrypt(std::span<const Identity> identities, std::istream& in, std::ostream& out);

// Decrypts a passphrase-encrypted age file (an scrypt stanza, as `age -p`
// writes), with the same errors as Decrypt. Work factors above 2^22 are
// refused as a malformed header.
vault::Status DecryptWithPassphrase(const vault::SecureBuffer& passphrase, std::istream& in,
                                    std::ostream& out);

}  // namespace backup::age

#endif  // BATON_BACKUP_AGE_H_
