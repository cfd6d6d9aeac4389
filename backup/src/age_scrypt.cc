// scrypt (passphrase) stanzas, for decrypting files `age -p` writes.
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <array>

#include "age_internal.h"

namespace backup::age::internal {
namespace {

constexpr std::string_view kSaltLabel = "age-encryption.org/v1/scrypt";
constexpr size_t kSaltBytes = 16;
constexpr size_t kBodyBytes = kFileKeyBytes + crypto_aead_chacha20poly1305_IETF_ABYTES;
constexpr std::array<uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES> kZeroNonce{};

vault::Status Bad(std::string_view why) {
  return vault::Status::Corruption("age header: " + std::string(why));
}

// The spec's ^[1-9][0-9]*$, at most kMaxScryptWorkFactor.
vault::Result<int> WorkFactor(std::string_view text) {
  if (text.empty() || text.size() > 2 || text[0] < '1' || text[0] > '9' ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return vault::Fail(Bad("malformed scrypt work factor"));
  }
  const int wf = text.size() == 1 ? text[0] - '0' : (text[0] - '0') * 10 + (text[1] - '0');
  if (wf > kMaxScryptWorkFactor) return vault::Fail(Bad("scrypt work factor too high"));
  return wf;
}

}  // namespace

vault::Status CheckScryptAlone(const Header& header) {
  const bool any = std::any_of(header.stanzas.begin(), header.stanzas.end(),
                               [](const Stanza& s) { return s.args.front() == "scrypt"; });
  if (any && header.stanzas.size() != 1) {
    return Bad("a passphrase stanza must be the only one");
  }
  return vault::Status::OK();
}

vault::Result<std::optional<vault::SecureBuffer>> UnwrapScrypt(
    const vault::SecureBuffer& passphrase, const Stanza& stanza) {
  using Found = std::optional<vault::SecureBuffer>;
  if (stanza.args.front() != "scrypt") return Found();
  if (stanza.args.size() != 3) return vault::Fail(Bad("scrypt stanza needs two arguments"));
  auto salt = FromBase64Raw(stanza.args[1]);
  if (!salt || salt->size() != kSaltBytes) return vault::Fail(Bad("malformed scrypt salt"));
  auto wf = WorkFactor(stanza.args[2]);
  if (!wf) return vault::Fail(wf.error());
  // Checked before the costly KDF and decrypting, as for X25519.
  if (stanza.body.size() != kBodyBytes) return vault::Fail(Bad("scrypt body of the wrong size"));

  std::vector<uint8_t> full_salt(kSaltLabel.begin(), kSaltLabel.end());
  full_salt.insert(full_salt.end(), salt->begin(), salt->end());
  const uint64_t n = uint64_t{1} << *wf;
  constexpr uint64_t kR = 8;
  vault::SecureBuffer wrap_key(kKeyBytes);
  if (EVP_PBE_scrypt(reinterpret_cast<const char*>(passphrase.data()), passphrase.size(),
                     full_salt.data(), full_salt.size(), n, kR, 1, 128 * kR * (n + 2) + 4096,
                     wrap_key.data(), wrap_key.size()) != 1) {
    return vault::Fail(vault::Status::ResourceExhausted("scrypt failed (out of memory?)"));
  }
  vault::SecureBuffer file_key(kFileKeyBytes);
  if (crypto_aead_chacha20poly1305_ietf_decrypt(file_key.data(), nullptr, nullptr,
                                                stanza.body.data(), stanza.body.size(), nullptr, 0,
                                                kZeroNonce.data(), wrap_key.data()) != 0) {
    return Found();
  }
  return Found(std::move(file_key));
}

}  // namespace backup::age::internal
