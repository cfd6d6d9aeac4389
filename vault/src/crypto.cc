#include "vault/crypto.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace vault::crypto {
namespace {

static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kAeadNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kAeadTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(kPublicKeyBytes == crypto_sign_PUBLICKEYBYTES);
static_assert(kPublicKeyBytes == crypto_box_PUBLICKEYBYTES);
static_assert(kSignSecretKeyBytes == crypto_sign_SECRETKEYBYTES);
static_assert(kSignatureBytes == crypto_sign_BYTES);
static_assert(kSealOverheadBytes == crypto_box_SEALBYTES);
static_assert(kKeyBytes == crypto_sign_SEEDBYTES && kKeyBytes == crypto_box_SEEDBYTES);
static_assert(kKeyBytes == crypto_kdf_KEYBYTES);

Status CheckSize(std::string_view what, size_t got, size_t want) {
  if (got == want) return Status::OK();
  return Status::InvalidArgument(std::string(what) + " must be " + std::to_string(want) +
                                 " bytes, got " + std::to_string(got));
}

// Known answer: RFC 8032 §7.1, TEST 1 (Ed25519, empty message).
Status SelfTest() {
  static constexpr char kSeedHex[] =
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  static constexpr char kPublicHex[] =
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  static constexpr char kSignatureHex[] =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
      "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
  auto seed_bytes = FromHex(kSeedHex);
  if (!seed_bytes) return Status::Internal("self-test: bad constant");
  SecureBuffer seed = SecureBuffer::CopyOf(*seed_bytes);
  auto pair = SigningKeyPairFromSeed(seed);
  if (!pair || ToHex(pair->public_key) != kPublicHex) {
    return Status::Internal("self-test failed: Ed25519 key derivation");
  }
  auto sig = Sign(*pair, {});
  if (!sig || ToHex(*sig) != kSignatureHex || !Verify(pair->public_key, {}, *sig).ok()) {
    return Status::Internal("self-test failed: Ed25519 signature");
  }
  // AEAD round trip and tamper detection under a fixed key.
  SecureBuffer key(kKeyBytes);
  std::memset(key.data(), 0x42, key.size());
  uint8_t nonce[kAeadNonceBytes] = {};
  const uint8_t msg[3] = {'a', 'b', 'c'};
  uint8_t box[sizeof msg + kAeadTagBytes];
  unsigned long long box_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(box, &box_len, msg, sizeof msg, nullptr, 0, nullptr,
                                             nonce, key.data());
  box[0] ^= 1;
  uint8_t out[sizeof msg];
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, nullptr, nullptr, box, box_len, nullptr, 0,
                                                 nonce, key.data()) == 0) {
    return Status::Internal("self-test failed: AEAD accepted a forgery");
  }
  return Status::OK();
}

}  // namespace

Status Init() {
  static std::once_flag once;
  static Status result;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      result = Status::Internal("libsodium failed to initialise");
      return;
    }
    result = SelfTest();
  });
  return result;
}

SecureBuffer RandomKey(Env& env) {
  SecureBuffer key(kKeyBytes);
  env.RandomBytes(key.bytes());
  return key;
}

Bytes RandomBytes(Env& env, size_t n) {
  Bytes out(n);
  env.RandomBytes(out);
  return out;
}

std::string RandomId(Env& env) {
  uint8_t raw[16];
  env.RandomBytes(raw);
  return ToHex(raw);
}

Result<Bytes> AeadSeal(Env& env, const SecureBuffer& key, ByteView plaintext, ByteView ad) {
  if (Status s = CheckSize("AEAD key", key.size(), kKeyBytes); !s.ok()) return Fail(s);
  Bytes box(kAeadNonceBytes + plaintext.size() + kAeadTagBytes);
  env.RandomBytes(std::span(box).first(kAeadNonceBytes));
  unsigned long long ct_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(box.data() + kAeadNonceBytes, &ct_len,
                                             plaintext.data(), plaintext.size(), ad.data(),
                                             ad.size(), nullptr, box.data(), key.data());
  return box;
}

Status AeadOpenInto(const SecureBuffer& key, ByteView box, ByteView ad, std::span<uint8_t> out) {
  if (Status s = CheckSize("AEAD key", key.size(), kKeyBytes); !s.ok()) return s;
  if (box.size() < kAeadNonceBytes + kAeadTagBytes) {
    return Status::Corruption("encrypted data is too short");
  }
  const size_t ct_len = box.size() - kAeadNonceBytes;
  if (Status s = CheckSize("AEAD output", out.size(), ct_len - kAeadTagBytes); !s.ok()) return s;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), nullptr, nullptr,
                                                 box.data() + kAeadNonceBytes, ct_len, ad.data(),
                                                 ad.size(), box.data(), key.data()) != 0) {
    sodium_memzero(out.data(), out.size());
    return Status::Corruption("encrypted data does not authenticate");
  }
  return Status::OK();
}

Result<SecureBuffer> AeadOpen(const SecureBuffer& key, ByteView box, ByteView ad) {
  if (box.size() < kAeadNonceBytes + kAeadTagBytes) {
    if (Status s = CheckSize("AEAD key", key.size(), kKeyBytes); !s.ok()) return Fail(s);
    return Fail(Status::Corruption("encrypted data is too short"));
  }
  SecureBuffer plain(box.size() - kAeadNonceBytes - kAeadTagBytes);
  if (Status s = AeadOpenInto(key, box, ad, plain.bytes()); !s.ok()) return Fail(s);
  return plain;
}

Result<SigningKeyPair> SigningKeyPairFromSeed(const SecureBuffer& seed) {
  if (Status s = CheckSize("signing seed", seed.size(), kKeyBytes); !s.ok()) return Fail(s);
  SigningKeyPair pair;
  pair.secret_key = SecureBuffer(kSignSecretKeyBytes);
  crypto_sign_seed_keypair(pair.public_key.data(), pair.secret_key.data(), seed.data());
  return pair;
}

Result<BoxKeyPair> BoxKeyPairFromSeed(const SecureBuffer& seed) {
  if (Status s = CheckSize("box seed", seed.size(), kKeyBytes); !s.ok()) return Fail(s);
  BoxKeyPair pair;
  pair.secret_key = SecureBuffer(crypto_box_SECRETKEYBYTES);
  crypto_box_seed_keypair(pair.public_key.data(), pair.secret_key.data(), seed.data());
  return pair;
}

Result<Bytes> SealTo(const PublicKey& recipient, ByteView plaintext) {
  Bytes sealed(plaintext.size() + kSealOverheadBytes);
  if (crypto_box_seal(sealed.data(), plaintext.data(), plaintext.size(), recipient.data()) != 0) {
    return Fail(Status::InvalidArgument("recipient public key is not a valid X25519 key"));
  }
  return sealed;
}

Status OpenSealedInto(const BoxKeyPair& recipient, ByteView sealed, std::span<uint8_t> out) {
  if (Status s =
          CheckSize("box secret key", recipient.secret_key.size(), crypto_box_SECRETKEYBYTES);
      !s.ok()) {
    return s;
  }
  if (sealed.size() < kSealOverheadBytes) return Status::Corruption("sealed box is too short");
  if (Status s = CheckSize("sealed box output", out.size(), sealed.size() - kSealOverheadBytes);
      !s.ok()) {
    return s;
  }
  if (crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), recipient.public_key.data(),
                           recipient.secret_key.data()) != 0) {
    sodium_memzero(out.data(), out.size());
    return Status::Corruption("sealed box does not open with this key");
  }
  return Status::OK();
}

Result<SecureBuffer> OpenSealed(const BoxKeyPair& recipient, ByteView sealed) {
  if (sealed.size() < kSealOverheadBytes)
    return Fail(Status::Corruption("sealed box is too short"));
  SecureBuffer plain(sealed.size() - kSealOverheadBytes);
  if (Status s = OpenSealedInto(recipient, sealed, plain.bytes()); !s.ok()) return Fail(s);
  return plain;
}

Result<Signature> Sign(const SigningKeyPair& key, ByteView message) {
  if (Status s = CheckSize("signing key", key.secret_key.size(), kSignSecretKeyBytes); !s.ok()) {
    return Fail(s);
  }
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), key.secret_key.data());
  return sig;
}

Status Verify(const PublicKey& public_key, ByteView message, ByteView signature) {
  if (signature.size() != kSignatureBytes) {
    return Status::Unauthenticated("signature has the wrong length");
  }
  if (crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                  public_key.data()) != 0) {
    return Status::Unauthenticated("signature does not verify");
  }
  return Status::OK();
}

Hash Blake2b256(ByteView data) {
  Hash out{};
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

Hash Blake2b256(std::initializer_list<ByteView> parts) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kHashBytes);
  for (ByteView part : parts) crypto_generichash_update(&state, part.data(), part.size());
  Hash out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

Result<Hash> Blake2b256Keyed(const SecureBuffer& key, ByteView data) {
  if (key.size() < crypto_generichash_KEYBYTES_MIN ||
      key.size() > crypto_generichash_KEYBYTES_MAX) {
    return Fail(Status::InvalidArgument("BLAKE2b key must be 16 to 64 bytes"));
  }
  Hash out{};
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), key.data(), key.size());
  return out;
}

Result<SecureBuffer> DeriveSubkey(const SecureBuffer& master, uint64_t id, std::string_view context,
                                  size_t length) {
  if (Status s = CheckSize("master key", master.size(), kKeyBytes); !s.ok()) return Fail(s);
  if (context.size() != crypto_kdf_CONTEXTBYTES) {
    return Fail(Status::InvalidArgument("KDF context must be exactly 8 bytes"));
  }
  if (length < crypto_kdf_BYTES_MIN || length > crypto_kdf_BYTES_MAX) {
    return Fail(Status::InvalidArgument("subkey length must be 16 to 64 bytes"));
  }
  char ctx[crypto_kdf_CONTEXTBYTES];
  std::memcpy(ctx, context.data(), sizeof ctx);
  SecureBuffer out(length);
  crypto_kdf_derive_from_key(out.data(), length, id, ctx, master.data());
  return out;
}

bool ConstantTimeEqual(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string ToHex(ByteView data) {
  std::string out(data.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data.data(), data.size());
  out.pop_back();
  return out;
}

Result<Bytes> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Fail(Status::InvalidArgument("hex text has an odd length"));
  if (hex.empty()) return Bytes{};  // sodium_hex2bin must not get a null buffer
  Bytes out(hex.size() / 2);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 ||
      end != hex.data() + hex.size()) {
    return Fail(Status::InvalidArgument("text is not valid hex"));
  }
  out.resize(len);
  return out;
}

namespace {
int SodiumVariant(Base64 v) {
  return v == Base64::kStandard ? sodium_base64_VARIANT_ORIGINAL
                                : sodium_base64_VARIANT_URLSAFE_NO_PADDING;
}

// libsodium 1.0.18 decodes every byte >= 0x80 as a digit ('/'), so without
// this check many texts would decode to the same bytes.
bool IsBase64Digit(char c, Base64 v) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return v == Base64::kStandard ? (c == '+' || c == '/' || c == '=') : (c == '-' || c == '_');
}
}  // namespace

std::string ToBase64(ByteView data, Base64 variant) {
  const int v = SodiumVariant(variant);
  std::string out(sodium_base64_encoded_len(data.size(), v), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), v);
  out.pop_back();  // the terminating NUL
  return out;
}

Result<Bytes> FromBase64(std::string_view text, Base64 variant) {
  if (!std::all_of(text.begin(), text.end(),
                   [variant](char c) { return IsBase64Digit(c, variant); })) {
    return Fail(Status::InvalidArgument("text is not valid base64"));
  }
  Bytes out(text.size() / 4 * 3 + 3);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        SodiumVariant(variant)) != 0 ||
      end != text.data() + text.size()) {
    return Fail(Status::InvalidArgument("text is not valid base64"));
  }
  out.resize(len);
  return out;
}

}  // namespace vault::crypto
