// X25519 recipients and identities, and the stanzas that wrap a file key
// to them.
#include <sodium.h>

#include <algorithm>
#include <array>

#include "age_internal.h"
#include "bech32.h"

namespace backup::age {
namespace {

constexpr std::string_view kRecipientHrp = "age";
constexpr std::string_view kIdentityHrp = "age-secret-key-";
constexpr std::string_view kX25519Info = "age-encryption.org/v1/X25519";
constexpr size_t kBodyBytes = internal::kFileKeyBytes + crypto_aead_chacha20poly1305_IETF_ABYTES;

// The fixed all-zero nonce: each wrap key encrypts exactly one file key.
constexpr std::array<uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> kZeroNonce{};

vault::Result<vault::SecureBuffer> WrapKey(std::span<const uint8_t> shared,
                                           std::span<const uint8_t> share,
                                           const std::array<uint8_t, kKeyBytes>& recipient) {
  std::array<uint8_t, 2 * kKeyBytes> salt{};
  std::copy(share.begin(), share.end(), salt.begin());
  std::copy(recipient.begin(), recipient.end(), salt.begin() + kKeyBytes);
  return internal::Hkdf(shared, salt, kX25519Info);
}

}  // namespace

vault::Result<Recipient> Recipient::Parse(std::string_view text) {
  auto key = bech32::Decode(text, kRecipientHrp);
  if (!key) return vault::Fail(key.error().WithContext("not an age recipient"));
  if (key->size() != kKeyBytes) {
    return vault::Fail(vault::Status::InvalidArgument("not an age recipient: wrong key length"));
  }
  std::array<uint8_t, kKeyBytes> bytes{};
  std::copy(key->bytes().begin(), key->bytes().end(), bytes.begin());
  return Recipient(bytes);
}

std::string Recipient::Format() const {
  const vault::SecureBuffer text = bech32::Encode(kRecipientHrp, key_, false);
  return {reinterpret_cast<const char*>(text.data()), text.size()};
}

Identity Identity::Generate(vault::Env& env) {
  vault::SecureBuffer secret(kKeyBytes);
  env.RandomBytes(secret.bytes());
  return *FromSecret(secret.bytes());
}

vault::Result<Identity> Identity::FromSecret(std::span<const uint8_t> secret) {
  if (secret.size() != kKeyBytes) {
    return vault::Fail(vault::Status::InvalidArgument("an age identity needs 32 secret bytes"));
  }
  std::array<uint8_t, kKeyBytes> pub{};
  crypto_scalarmult_base(pub.data(), secret.data());
  return Identity(vault::SecureBuffer::CopyOf(secret), Recipient::FromKey(pub));
}

vault::Result<Identity> Identity::Parse(std::string_view text) {
  auto secret = bech32::Decode(text, kIdentityHrp);
  if (!secret) return vault::Fail(secret.error().WithContext("not an age identity"));
  if (secret->size() != kKeyBytes) {
    return vault::Fail(vault::Status::InvalidArgument("not an age identity: wrong key length"));
  }
  return FromSecret(secret->bytes());
}

vault::SecureBuffer Identity::Format() const {
  return bech32::Encode(kIdentityHrp, secret(), true);
}

namespace internal {

vault::Result<Stanza> WrapX25519(vault::Env& env, const Recipient& recipient,
                                 std::span<const uint8_t> file_key) {
  vault::SecureBuffer ephemeral(kKeyBytes);
  env.RandomBytes(ephemeral.bytes());
  std::array<uint8_t, kKeyBytes> share{};
  crypto_scalarmult_base(share.data(), ephemeral.data());
  vault::SecureBuffer shared(kKeyBytes);
  if (crypto_scalarmult(shared.data(), ephemeral.data(), recipient.key().data()) != 0) {
    return vault::Fail(vault::Status::InvalidArgument("the age recipient is not a usable key"));
  }
  auto wrap_key = WrapKey(shared.bytes(), share, recipient.key());
  if (!wrap_key) return vault::Fail(wrap_key.error());
  Stanza stanza{{"X25519", ToBase64Raw(share)}, std::vector<uint8_t>(kBodyBytes)};
  crypto_aead_chacha20poly1305_ietf_encrypt(stanza.body.data(), nullptr, file_key.data(),
                                            file_key.size(), nullptr, 0, nullptr, kZeroNonce.data(),
                                            wrap_key->data());
  return stanza;
}

vault::Result<std::optional<vault::SecureBuffer>> UnwrapX25519(const Identity& identity,
                                                               const Stanza& stanza) {
  using Found = std::optional<vault::SecureBuffer>;
  if (stanza.args.front() != "X25519") return Found();
  if (stanza.args.size() != 2) {
    return vault::Fail(vault::Status::Corruption("age header: X25519 stanza needs one argument"));
  }
  auto share = FromBase64Raw(stanza.args[1]);
  if (!share || share->size() != kKeyBytes) {
    return vault::Fail(vault::Status::Corruption("age header: malformed X25519 share"));
  }
  // Checked before decrypting so no oracle tells bodies of other sizes apart.
  if (stanza.body.size() != kBodyBytes) {
    return vault::Fail(vault::Status::Corruption("age header: X25519 body of the wrong size"));
  }
  vault::SecureBuffer shared(kKeyBytes);
  if (crypto_scalarmult(shared.data(), identity.secret().data(), share->data()) != 0) {
    return vault::Fail(vault::Status::Corruption("age header: X25519 share is a low-order point"));
  }
  auto wrap_key = WrapKey(shared.bytes(), *share, identity.recipient().key());
  if (!wrap_key) return vault::Fail(wrap_key.error());
  vault::SecureBuffer file_key(kFileKeyBytes);
  if (crypto_aead_chacha20poly1305_ietf_decrypt(file_key.data(), nullptr, nullptr,
                                                stanza.body.data(), stanza.body.size(), nullptr, 0,
                                                kZeroNonce.data(), wrap_key->data()) != 0) {
    return Found();
  }
  return Found(std::move(file_key));
}

}  // namespace internal
}  // namespace backup::age
