// Passphrase key derivation.
//
// baton derives keys from passphrases with Argon2id. The identity KDF runs
// on libsodium's crypto_pwhash (Argon2id v1.3, one lane): on this project's
// machines it is about 3x faster than Debian's portable reference libargon2,
// so the same wait buys more memory. libargon2 is used where libsodium cannot
// serve: Argon2d, parallel lanes, secret and associated-data inputs (KeePass
// import), and as an independent cross-check in tests.
#ifndef BATON_VAULT_KDF_H_
#define BATON_VAULT_KDF_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>

#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault::kdf {

inline constexpr size_t kSaltBytes = 16;
inline constexpr uint64_t kMiB = 1024 * 1024;
// The floor for any passphrase KDF baton creates or accepts.
inline constexpr uint64_t kMinMemoryBytes = 64 * kMiB;
// Beyond these, stored parameters are treated as absurd (a damaged or hostile
// file must not make us allocate tens of GiB or spin for hours).
inline constexpr uint64_t kMaxMemoryBytes = 4096 * kMiB;
inline constexpr uint32_t kMaxIterations = 64;

struct Params {
  uint32_t iterations = 3;                  // t
  uint64_t memory_bytes = kMinMemoryBytes;  // m, a whole number of KiB
  uint32_t parallelism = 1;                 // p; libsodium's Argon2id is single-lane

  bool operator==(const Params&) const = default;
};

// OK if `p` is within the limits above (and p == 1); InvalidArgument naming
// the offending figure otherwise.
Status Validate(const Params& p);

// Argon2id via libsodium. Output of `out_len` bytes (16..64).
// REQUIRES: salt is kSaltBytes. Fails with InvalidArgument on bad
// parameters, ResourceExhausted if the memory cannot be had.
Result<SecureBuffer> DeriveKey(std::span<const uint8_t> passphrase, std::span<const uint8_t> salt,
                               const Params& p, size_t out_len = 32);

// --- libargon2 (reference implementation) -----------------------------------

enum class Argon2Type { kD, kI, kId };

struct ReferenceInput {
  Argon2Type type = Argon2Type::kId;
  std::span<const uint8_t> password;
  std::span<const uint8_t> salt;
  std::span<const uint8_t> secret;           // K, may be empty
  std::span<const uint8_t> associated_data;  // X, may be empty
  uint32_t iterations = 3;
  uint32_t memory_kib = 65536;
  uint32_t lanes = 1;
  uint32_t threads = 1;
  size_t out_len = 32;
};

// Argon2 v1.3 through libargon2's argon2_ctx. The input spans are not
// modified (libargon2 is told not to wipe them).
Result<SecureBuffer> DeriveReference(const ReferenceInput& in);

// --- Calibration ------------------------------------------------------------

struct CalibrationOptions {
  std::chrono::milliseconds target_low{500};
  std::chrono::milliseconds target_high{1000};
  uint64_t max_memory_bytes = 1024 * kMiB;
  uint32_t iterations = 3;  // preferred t; raised only when memory is capped
};

// How long one derivation with `p` takes. The default measures libsodium's
// Argon2id on this machine with env.MonotonicNow(); tests pass a model.
using CostProbe = std::function<Result<std::chrono::nanoseconds>(const Params&)>;
CostProbe MeasuredCost(Env& env);

struct Calibration {
  Params params;
  std::chrono::nanoseconds expected;  // the last measured duration
  int probes = 0;                     // derivations run while calibrating
};

// Picks parameters whose cost falls in [target_low, target_high] where the
// machine allows, preferring memory over iterations, never below
// kMinMemoryBytes (on a slow machine the floor wins over the target).
// `progress`, if set, is called after each probe with (probe, expected total).
Result<Calibration> Calibrate(const CalibrationOptions& options, const CostProbe& cost,
                              const std::function<void(int, int)>& progress = {});

}  // namespace vault::kdf

#endif  // BATON_VAULT_KDF_H_
