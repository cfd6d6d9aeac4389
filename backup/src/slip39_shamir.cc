#include "slip39_shamir.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <array>

namespace backup::slip39::internal {
namespace {

using vault::SecureBuffer;

constexpr uint8_t kSecretIndex = 255;
constexpr uint8_t kDigestIndex = 254;
constexpr size_t kDigestBytes = 4;

// Multiplication modulo x^8 + x^4 + x^3 + x + 1 without branches or tables
// indexed by secret bytes, so its timing says nothing about them.
uint8_t Mul(uint8_t a, uint8_t b) {
  uint8_t r = 0;
  for (int i = 0; i < 8; ++i) {
    r ^= static_cast<uint8_t>(-(b & 1)) & a;
    b = static_cast<uint8_t>(b >> 1);
    a = static_cast<uint8_t>((a << 1) ^ (static_cast<uint8_t>(-(a >> 7)) & 0x1b));
  }
  return r;
}

// a^254, the inverse of a non-zero a.
uint8_t Inverse(uint8_t a) {
  uint8_t r = 1;
  for (int i = 0; i < 7; ++i) {
    a = Mul(a, a);
    r = Mul(r, a);
  }
  return r;
}

// The Lagrange polynomial through `points`, evaluated at `x`, byte by byte.
SecureBuffer Interpolate(std::span<const Point> points, uint8_t x) {
  SecureBuffer out(points.front().y->size());
  for (const Point& p : points) {
    uint8_t basis = 1;
    for (const Point& q : points) {
      if (&q == &p) continue;
      basis =
          Mul(basis, Mul(static_cast<uint8_t>(x ^ q.x), Inverse(static_cast<uint8_t>(p.x ^ q.x))));
    }
    for (size_t k = 0; k < out.size(); ++k) out.data()[k] ^= Mul(basis, p.y->data()[k]);
  }
  return out;
}

// The first four bytes of HMAC-SHA256(key = the digest share's random part,
// message = the secret).
std::array<uint8_t, kDigestBytes> Digest(std::span<const uint8_t> random_part,
                                         const SecureBuffer& secret) {
  std::array<uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), random_part.data(), static_cast<int>(random_part.size()), secret.data(),
       secret.size(), mac.data(), &mac_len);
  std::array<uint8_t, kDigestBytes> out{};
  std::copy(mac.begin(), mac.begin() + kDigestBytes, out.begin());
  sodium_memzero(mac.data(), mac.size());
  return out;
}

}  // namespace

std::vector<SecureBuffer> SplitSecret(vault::Env& env, int threshold, int count,
                                      const SecureBuffer& secret) {
  std::vector<SecureBuffer> shares;
  if (threshold == 1) {
    for (int i = 0; i < count; ++i) shares.push_back(SecureBuffer::CopyOf(secret.bytes()));
    return shares;
  }
  const size_t n = secret.size();
  SecureBuffer digest(n);
  env.RandomBytes(digest.bytes().subspan(kDigestBytes));
  const auto d = Digest(digest.bytes().subspan(kDigestBytes), secret);
  std::copy(d.begin(), d.end(), digest.data());

  // T - 2 random shares, then the rest on the polynomial through them, the
  // digest and the secret. Reserved, so the points' addresses stay valid.
  shares.reserve(static_cast<size_t>(count));
  std::vector<Point> base;
  for (int i = 0; i < threshold - 2; ++i) {
    SecureBuffer y(n);
    env.RandomBytes(y.bytes());
    shares.push_back(std::move(y));
  }
  for (int i = 0; i < threshold - 2; ++i) {
    base.push_back({static_cast<uint8_t>(i), &shares[static_cast<size_t>(i)]});
  }
  base.push_back({kDigestIndex, &digest});
  base.push_back({kSecretIndex, &secret});
  for (int i = threshold - 2; i < count; ++i) {
    shares.push_back(Interpolate(base, static_cast<uint8_t>(i)));
  }
  return shares;
}

vault::Result<SecureBuffer> RecoverSecret(int threshold, std::span<const Point> points) {
  if (threshold == 1) return SecureBuffer::CopyOf(points.front().y->bytes());
  SecureBuffer secret = Interpolate(points, kSecretIndex);
  const SecureBuffer digest = Interpolate(points, kDigestIndex);
  const auto want = Digest(digest.bytes().subspan(kDigestBytes), secret);
  if (CRYPTO_memcmp(want.data(), digest.data(), kDigestBytes) != 0) {
    return vault::Fail(vault::Status::Corruption("the digest check fails"));
  }
  return secret;
}

}  // namespace backup::slip39::internal
