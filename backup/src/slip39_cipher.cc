#include "slip39_cipher.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <climits>
#include <string_view>

namespace backup::slip39::internal {
namespace {

using vault::Result;
using vault::SecureBuffer;

constexpr int kRounds = 4;
constexpr int kBaseIterations = 10000 / kRounds;
constexpr std::string_view kSaltPrefix = "shamir";

Result<SecureBuffer> Feistel(const SecureBuffer& in, std::span<const uint8_t> passphrase,
                             const CipherParams& params, bool decrypt) {
  const size_t half = in.size() / 2;
  // Password: the round number, then the passphrase.
  SecureBuffer password(1 + passphrase.size());
  std::copy(passphrase.begin(), passphrase.end(), password.data() + 1);
  // Salt: "shamir" and the identifier unless extendable, then R.
  const size_t prefix = params.extendable ? 0 : kSaltPrefix.size() + 2;
  SecureBuffer salt(prefix + half);
  if (!params.extendable) {
    std::copy(kSaltPrefix.begin(), kSaltPrefix.end(), salt.data());
    salt.data()[kSaltPrefix.size()] = static_cast<uint8_t>(params.identifier >> 8);
    salt.data()[kSaltPrefix.size() + 1] = static_cast<uint8_t>(params.identifier);
  }
  SecureBuffer left = SecureBuffer::CopyOf(in.bytes().first(half));
  SecureBuffer right = SecureBuffer::CopyOf(in.bytes().subspan(half));
  SecureBuffer round_key(half);
  const int iterations = kBaseIterations << params.iteration_exponent;
  if (password.size() > INT_MAX || salt.size() > INT_MAX) {
    return vault::Fail(vault::Status::InvalidArgument("the passphrase is too long"));
  }
  for (int r = 0; r < kRounds; ++r) {
    password.data()[0] = static_cast<uint8_t>(decrypt ? kRounds - 1 - r : r);
    std::copy(right.data(), right.data() + half, salt.data() + prefix);
    if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),
                          static_cast<int>(password.size()), salt.data(),
                          static_cast<int>(salt.size()), iterations, EVP_sha256(),
                          static_cast<int>(half), round_key.data()) != 1) {
      return vault::Fail(vault::Status::Internal("PBKDF2 failed"));
    }
    // (L, R) = (R, L xor F(i, R))
    for (size_t k = 0; k < half; ++k) left.data()[k] ^= round_key.data()[k];
    std::swap(left, right);
  }
  SecureBuffer out(in.size());
  std::copy(right.data(), right.data() + half, out.data());
  std::copy(left.data(), left.data() + half, out.data() + half);
  return out;
}

}  // namespace

Result<SecureBuffer> Encrypt(const SecureBuffer& in, std::span<const uint8_t> passphrase,
                             const CipherParams& params) {
  return Feistel(in, passphrase, params, /*decrypt=*/false);
}

Result<SecureBuffer> Decrypt(const SecureBuffer& in, std::span<const uint8_t> passphrase,
                             const CipherParams& params) {
  return Feistel(in, passphrase, params, /*decrypt=*/true);
}

}  // namespace backup::slip39::internal
