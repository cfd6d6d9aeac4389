#include "vault/kdf.h"

#include <argon2.h>
#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace vault::kdf {
namespace {

std::string MiB(uint64_t bytes) { return std::to_string(bytes / kMiB) + " MiB"; }

// Reference (libargon2) inputs can come from imported files, so bound them
// too; KeePass databases use far less than this.
constexpr uint32_t kMaxReferenceIterations = 4096;
constexpr uint32_t kMaxReferenceLanes = 64;

}  // namespace

Status Validate(const Params& p) {
  if (p.memory_bytes < kMinMemoryBytes) {
    return Status::InvalidArgument("KDF memory " + std::to_string(p.memory_bytes) +
                                   " bytes is below the minimum of " + MiB(kMinMemoryBytes));
  }
  if (p.memory_bytes > kMaxMemoryBytes) {
    return Status::InvalidArgument("KDF memory " + MiB(p.memory_bytes) +
                                   " exceeds the maximum of " + MiB(kMaxMemoryBytes));
  }
  if (p.memory_bytes % 1024 != 0) {
    return Status::InvalidArgument("KDF memory must be a whole number of KiB");
  }
  if (p.iterations < 1 || p.iterations > kMaxIterations) {
    return Status::InvalidArgument("KDF iterations " + std::to_string(p.iterations) +
                                   " outside 1.." + std::to_string(kMaxIterations));
  }
  if (p.parallelism != 1) {
    return Status::InvalidArgument("KDF parallelism " + std::to_string(p.parallelism) +
                                   " is not supported (libsodium's Argon2id uses 1 lane)");
  }
  return Status::OK();
}

Result<SecureBuffer> DeriveKey(std::span<const uint8_t> passphrase, std::span<const uint8_t> salt,
                               const Params& p, size_t out_len) {
  if (Status s = Validate(p); !s.ok()) return Fail(s);
  if (salt.size() != crypto_pwhash_SALTBYTES) {
    return Fail(Status::InvalidArgument("KDF salt must be 16 bytes"));
  }
  if (out_len < 16 || out_len > 64) {
    return Fail(Status::InvalidArgument("KDF output must be 16 to 64 bytes"));
  }
  SecureBuffer out(out_len);
  if (crypto_pwhash(out.data(), out.size(), reinterpret_cast<const char*>(passphrase.data()),
                    passphrase.size(), salt.data(), p.iterations, p.memory_bytes,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Fail(Status::ResourceExhausted("Argon2id could not allocate " + MiB(p.memory_bytes)));
  }
  return out;
}

Result<SecureBuffer> DeriveReference(const ReferenceInput& in) {
  if (uint64_t{in.memory_kib} * 1024 > kMaxMemoryBytes) {
    return Fail(Status::InvalidArgument("Argon2 memory exceeds " + MiB(kMaxMemoryBytes)));
  }
  if (in.iterations < 1 || in.iterations > kMaxReferenceIterations) {
    return Fail(Status::InvalidArgument("Argon2 iterations outside 1.." +
                                        std::to_string(kMaxReferenceIterations)));
  }
  if (in.lanes < 1 || in.lanes > kMaxReferenceLanes || in.threads < 1 || in.threads > in.lanes) {
    return Fail(Status::InvalidArgument("Argon2 lanes/threads out of range"));
  }
  if (in.out_len < 4 || in.out_len > 1024) {
    return Fail(Status::InvalidArgument("Argon2 output must be 4 to 1024 bytes"));
  }
  SecureBuffer out(in.out_len);
  // libargon2 takes non-const pointers only because it can wipe its inputs;
  // the flags below tell it not to, so the const_casts never write.
  argon2_context ctx{};
  ctx.out = out.data();
  ctx.outlen = static_cast<uint32_t>(out.size());
  ctx.pwd = const_cast<uint8_t*>(in.password.data());
  ctx.pwdlen = static_cast<uint32_t>(in.password.size());
  ctx.salt = const_cast<uint8_t*>(in.salt.data());
  ctx.saltlen = static_cast<uint32_t>(in.salt.size());
  ctx.secret = const_cast<uint8_t*>(in.secret.data());
  ctx.secretlen = static_cast<uint32_t>(in.secret.size());
  ctx.ad = const_cast<uint8_t*>(in.associated_data.data());
  ctx.adlen = static_cast<uint32_t>(in.associated_data.size());
  ctx.t_cost = in.iterations;
  ctx.m_cost = in.memory_kib;
  ctx.lanes = in.lanes;
  ctx.threads = in.threads;
  ctx.version = ARGON2_VERSION_13;
  ctx.flags = ARGON2_DEFAULT_FLAGS;
  const argon2_type type = in.type == Argon2Type::kD   ? Argon2_d
                           : in.type == Argon2Type::kI ? Argon2_i
                                                       : Argon2_id;
  const int rc = argon2_ctx(&ctx, type);
  if (rc == ARGON2_MEMORY_ALLOCATION_ERROR) {
    return Fail(Status::ResourceExhausted("Argon2 could not allocate its memory"));
  }
  if (rc != ARGON2_OK) {
    return Fail(Status::InvalidArgument(std::string("Argon2: ") + argon2_error_message(rc)));
  }
  return out;
}

CostProbe MeasuredCost(Env& env) {
  return [&env](const Params& p) -> Result<std::chrono::nanoseconds> {
    // A fixed dummy passphrase: only the time matters.
    static constexpr uint8_t kPass[] = {'c', 'a', 'l', 'i', 'b', 'r', 'a', 't', 'e'};
    uint8_t salt[kSaltBytes] = {};
    const auto start = env.MonotonicNow();
    auto key = DeriveKey(kPass, salt, p);
    if (!key) return Fail(key.error());
    return env.MonotonicNow() - start;
  };
}

Result<Calibration> Calibrate(const CalibrationOptions& o, const CostProbe& cost,
                              const std::function<void(int, int)>& progress) {
  if (o.target_low <= std::chrono::milliseconds(0) || o.target_high < o.target_low) {
    return Fail(Status::InvalidArgument("calibration target window is empty"));
  }
  if (o.max_memory_bytes < kMinMemoryBytes || o.max_memory_bytes > kMaxMemoryBytes) {
    return Fail(Status::InvalidArgument("calibration memory cap must be between " +
                                        MiB(kMinMemoryBytes) + " and " + MiB(kMaxMemoryBytes)));
  }
  constexpr int kMaxProbes = 4;
  const double low = std::chrono::duration<double, std::nano>(o.target_low).count();
  const double high = std::chrono::duration<double, std::nano>(o.target_high).count();
  const double mid = (low + high) / 2;

  Calibration c;
  c.params = {std::clamp<uint32_t>(o.iterations, 1, kMaxIterations), kMinMemoryBytes, 1};
  for (;;) {
    auto t = cost(c.params);
    if (!t) return Fail(t.error());
    c.expected = *t;
    ++c.probes;
    if (progress) progress(c.probes, kMaxProbes);
    const double took = std::max<double>(1.0, static_cast<double>(t->count()));
    if ((took >= low && took <= high) || c.probes == kMaxProbes) return c;

    // Argon2's cost grows about linearly in memory x iterations: aim the next
    // probe at the middle of the window. Memory first, in whole MiB.
    const double work = mid / took * static_cast<double>(c.params.memory_bytes / kMiB) *
                        c.params.iterations;  // MiB x iterations
    Params next = c.params;
    next.iterations = std::clamp<uint32_t>(o.iterations, 1, kMaxIterations);
    double mib = std::floor(work / next.iterations);
    const double max_mib = static_cast<double>(o.max_memory_bytes / kMiB);
    const double min_mib = static_cast<double>(kMinMemoryBytes / kMiB);
    if (mib > max_mib) {
      mib = max_mib;
      next.iterations = static_cast<uint32_t>(
          std::clamp(std::floor(work / max_mib), 1.0, static_cast<double>(kMaxIterations)));
    } else if (mib < min_mib) {
      // Too slow even at the floor: keep the floor, spend fewer iterations.
      mib = min_mib;
      next.iterations = static_cast<uint32_t>(
          std::clamp(std::floor(work / min_mib), 1.0, static_cast<double>(next.iterations)));
    }
    next.memory_bytes = static_cast<uint64_t>(mib) * kMiB;
    if (next == c.params) return c;  // nothing left to adjust
    c.params = next;
  }
}

}  // namespace vault::kdf
