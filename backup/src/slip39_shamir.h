// Shamir's secret sharing over GF(256) as SLIP-39 does it: the secret at
// x = 255, a digest of it at x = 254, shares at x = 0..15.
#ifndef BATON_BACKUP_SRC_SLIP39_SHAMIR_H_
#define BATON_BACKUP_SRC_SLIP39_SHAMIR_H_

#include <cstdint>
#include <span>
#include <vector>

#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::slip39::internal {

struct Point {
  uint8_t x = 0;
  const vault::SecureBuffer* y = nullptr;
};

// SplitSecret of slip-0039.md: `count` shares (x = 0..count-1) of which any
// `threshold` give `secret` back. Randomness from `env`.
// REQUIRES: 1 <= threshold <= count <= 16, secret.size() >= 16.
std::vector<vault::SecureBuffer> SplitSecret(vault::Env& env, int threshold, int count,
                                             const vault::SecureBuffer& secret);

// RecoverSecret of slip-0039.md. Corruption if the digest does not match.
// REQUIRES: points.size() == threshold >= 1, distinct x, equal y sizes >= 16.
vault::Result<vault::SecureBuffer> RecoverSecret(int threshold, std::span<const Point> points);

}  // namespace backup::slip39::internal

#endif  // BATON_BACKUP_SRC_SLIP39_SHAMIR_H_
