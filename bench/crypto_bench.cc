// Crypto benchmarks for baton.
//
// Every vault::crypto / vault::kdf wrapper is measured beside the raw
// libsodium (or libargon2) call it wraps, in the same run, so the wrapper's
// overhead reads as a ratio of medians (goal: <= 1.05). The raw variants do
// the same cryptographic work as the wrapper (e.g. a fresh random nonce per
// AEAD seal) but write into a buffer allocated once outside the loop, which
// is what a caller of the bare C API would do.
//
// Also measured: libsodium's Argon2id against Debian's reference libargon2,
// and the largest Argon2id memory each reaches within 0.5 s.
// Figures and the command line used: bench/RESULTS.md.

#include <argon2.h>
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/kdf.h"
#include "vault/secure_buffer.h"

namespace {

namespace crypto = vault::crypto;
namespace kdf = vault::kdf;
using vault::Env;
using vault::SecureBuffer;

// Associated data of the size baton binds to an item (an id plus a version).
constexpr uint8_t kAd[24] = {'i', 't', 'e', 'm', ':', '0', '1', '2', '3', '4', '5', '6',
                             '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', ':', 'v', '1'};
constexpr size_t kCollectionKeyBytes = 32;  // what a sealed box carries in baton
constexpr uint8_t kPassphrase[] = {'c', 'o', 'r', 'r', 'e', 'c', 't', ' ', 'h', 'o', 'r',
                                   's', 'e', ' ', 'b', 'a', 't', 't', 'e', 'r', 'y'};
constexpr int kArgon2Iterations = 5;  // one derivation takes 0.1 s to 1 s
constexpr double kReachBudgetSeconds = 0.5;

// Setup failures make every figure meaningless: stop at once.
template <typename T>
T Must(vault::Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "crypto_bench: %s: %s\n", what, r.error().ToString().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

std::vector<uint8_t> Payload(size_t n) { return std::vector<uint8_t>(n, 0x5a); }

// --- 1. AEAD XChaCha20-Poly1305 ---------------------------------------------

void BM_AeadSealWrapper(benchmark::State& state) {
  Env& env = Env::Default();
  const SecureBuffer key = crypto::RandomKey(env);
  const auto plain = Payload(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto box = crypto::AeadSeal(env, key, plain, kAd);
    if (!box) {
      state.SkipWithError("AeadSeal failed");
      break;
    }
    benchmark::DoNotOptimize(box->data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_AeadSealRaw(benchmark::State& state) {
  Env& env = Env::Default();
  const SecureBuffer key = crypto::RandomKey(env);
  const auto plain = Payload(static_cast<size_t>(state.range(0)));
  std::vector<uint8_t> box(crypto::kAeadNonceBytes + plain.size() + crypto::kAeadTagBytes);
  for (auto _ : state) {
    // A fresh nonce per call, as AeadSeal draws one.
    randombytes_buf(box.data(), crypto::kAeadNonceBytes);
    unsigned long long ct_len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(box.data() + crypto::kAeadNonceBytes, &ct_len,
                                               plain.data(), plain.size(), kAd, sizeof kAd, nullptr,
                                               box.data(), key.data());
    benchmark::DoNotOptimize(box.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_AeadOpenWrapper(benchmark::State& state) {
  Env& env = Env::Default();
  const SecureBuffer key = crypto::RandomKey(env);
  const auto box = Must(
      crypto::AeadSeal(env, key, Payload(static_cast<size_t>(state.range(0))), kAd), "AeadSeal");
  for (auto _ : state) {
    auto plain = crypto::AeadOpen(key, box, kAd);
    if (!plain) {
      state.SkipWithError("AeadOpen failed");
      break;
    }
    benchmark::DoNotOptimize(plain->data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_AeadOpenRaw(benchmark::State& state) {
  Env& env = Env::Default();
  const SecureBuffer key = crypto::RandomKey(env);
  const auto box = Must(
      crypto::AeadSeal(env, key, Payload(static_cast<size_t>(state.range(0))), kAd), "AeadSeal");
  std::vector<uint8_t> plain(static_cast<size_t>(state.range(0)));
  const size_t ct_len = box.size() - crypto::kAeadNonceBytes;
  for (auto _ : state) {
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), nullptr, nullptr,
                                                   box.data() + crypto::kAeadNonceBytes, ct_len,
                                                   kAd, sizeof kAd, box.data(), key.data()) != 0) {
      state.SkipWithError("decrypt failed");
      break;
    }
    benchmark::DoNotOptimize(plain.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

// Attribution, not a wrapper: the raw decrypt plus the sodium_malloc'd
// output buffer AeadOpen returns (a SecureBuffer). If this matches the
// wrapper, the secure allocation is the whole overhead.
void BM_AeadOpenRawSecureBuffer(benchmark::State& state) {
  Env& env = Env::Default();
  const SecureBuffer key = crypto::RandomKey(env);
  const auto box = Must(
      crypto::AeadSeal(env, key, Payload(static_cast<size_t>(state.range(0))), kAd), "AeadSeal");
  const size_t ct_len = box.size() - crypto::kAeadNonceBytes;
  for (auto _ : state) {
    SecureBuffer plain(static_cast<size_t>(state.range(0)));
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), nullptr, nullptr,
                                                   box.data() + crypto::kAeadNonceBytes, ct_len,
                                                   kAd, sizeof kAd, box.data(), key.data()) != 0) {
      state.SkipWithError("decrypt failed");
      break;
    }
    benchmark::DoNotOptimize(plain.data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

// The hot-loop form: decrypt into one SecureBuffer reused across calls.
void BM_AeadOpenIntoWrapper(benchmark::State& state) {
  Env& env = Env::Default();
  const SecureBuffer key = crypto::RandomKey(env);
  const auto box = Must(
      crypto::AeadSeal(env, key, Payload(static_cast<size_t>(state.range(0))), kAd), "AeadSeal");
  SecureBuffer plain(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    if (!crypto::AeadOpenInto(key, box, kAd, plain.bytes()).ok()) {
      state.SkipWithError("AeadOpenInto failed");
      break;
    }
    benchmark::DoNotOptimize(plain.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_AeadSealWrapper)->Arg(256)->Arg(64 << 10);
BENCHMARK(BM_AeadSealRaw)->Arg(256)->Arg(64 << 10);
BENCHMARK(BM_AeadOpenWrapper)->Arg(256)->Arg(64 << 10);
BENCHMARK(BM_AeadOpenRaw)->Arg(256)->Arg(64 << 10);
BENCHMARK(BM_AeadOpenIntoWrapper)->Arg(256)->Arg(64 << 10);
BENCHMARK(BM_AeadOpenRawSecureBuffer)->Arg(256)->Arg(64 << 10);

// --- 2. Sealed boxes (a 32-byte collection key) -----------------------------

crypto::BoxKeyPair NewBoxKeyPair() {
  return Must(crypto::BoxKeyPairFromSeed(crypto::RandomKey(Env::Default())), "box key pair");
}

void BM_SealToWrapper(benchmark::State& state) {
  const crypto::BoxKeyPair recipient = NewBoxKeyPair();
  const auto payload = Payload(kCollectionKeyBytes);
  for (auto _ : state) {
    auto sealed = crypto::SealTo(recipient.public_key, payload);
    if (!sealed) {
      state.SkipWithError("SealTo failed");
      break;
    }
    benchmark::DoNotOptimize(sealed->data());
  }
}

void BM_SealToRaw(benchmark::State& state) {
  const crypto::BoxKeyPair recipient = NewBoxKeyPair();
  const auto payload = Payload(kCollectionKeyBytes);
  std::vector<uint8_t> sealed(payload.size() + crypto_box_SEALBYTES);
  for (auto _ : state) {
    if (crypto_box_seal(sealed.data(), payload.data(), payload.size(),
                        recipient.public_key.data()) != 0) {
      state.SkipWithError("crypto_box_seal failed");
      break;
    }
    benchmark::DoNotOptimize(sealed.data());
    benchmark::ClobberMemory();
  }
}

void BM_OpenSealedWrapper(benchmark::State& state) {
  const crypto::BoxKeyPair recipient = NewBoxKeyPair();
  const auto sealed =
      Must(crypto::SealTo(recipient.public_key, Payload(kCollectionKeyBytes)), "SealTo");
  for (auto _ : state) {
    auto plain = crypto::OpenSealed(recipient, sealed);
    if (!plain) {
      state.SkipWithError("OpenSealed failed");
      break;
    }
    benchmark::DoNotOptimize(plain->data());
  }
}

void BM_OpenSealedRaw(benchmark::State& state) {
  const crypto::BoxKeyPair recipient = NewBoxKeyPair();
  const auto sealed =
      Must(crypto::SealTo(recipient.public_key, Payload(kCollectionKeyBytes)), "SealTo");
  std::vector<uint8_t> plain(kCollectionKeyBytes);
  for (auto _ : state) {
    if (crypto_box_seal_open(plain.data(), sealed.data(), sealed.size(),
                             recipient.public_key.data(), recipient.secret_key.data()) != 0) {
      state.SkipWithError("crypto_box_seal_open failed");
      break;
    }
    benchmark::DoNotOptimize(plain.data());
    benchmark::ClobberMemory();
  }
}

// Attribution, as for AEAD: the raw open plus OpenSealed's SecureBuffer.
void BM_OpenSealedRawSecureBuffer(benchmark::State& state) {
  const crypto::BoxKeyPair recipient = NewBoxKeyPair();
  const auto sealed =
      Must(crypto::SealTo(recipient.public_key, Payload(kCollectionKeyBytes)), "SealTo");
  for (auto _ : state) {
    SecureBuffer plain(kCollectionKeyBytes);
    if (crypto_box_seal_open(plain.data(), sealed.data(), sealed.size(),
                             recipient.public_key.data(), recipient.secret_key.data()) != 0) {
      state.SkipWithError("crypto_box_seal_open failed");
      break;
    }
    benchmark::DoNotOptimize(plain.data());
  }
}

void BM_OpenSealedIntoWrapper(benchmark::State& state) {
  const crypto::BoxKeyPair recipient = NewBoxKeyPair();
  const auto sealed =
      Must(crypto::SealTo(recipient.public_key, Payload(kCollectionKeyBytes)), "SealTo");
  SecureBuffer plain(kCollectionKeyBytes);
  for (auto _ : state) {
    if (!crypto::OpenSealedInto(recipient, sealed, plain.bytes()).ok()) {
      state.SkipWithError("OpenSealedInto failed");
      break;
    }
    benchmark::DoNotOptimize(plain.data());
    benchmark::ClobberMemory();
  }
}

BENCHMARK(BM_SealToWrapper);
BENCHMARK(BM_SealToRaw);
BENCHMARK(BM_OpenSealedWrapper);
BENCHMARK(BM_OpenSealedRaw);
BENCHMARK(BM_OpenSealedIntoWrapper);
BENCHMARK(BM_OpenSealedRawSecureBuffer);

// --- 3. Ed25519 ---------------------------------------------------------------

crypto::SigningKeyPair NewSigningKeyPair() {
  return Must(crypto::SigningKeyPairFromSeed(crypto::RandomKey(Env::Default())),
              "signing key pair");
}

void BM_SignWrapper(benchmark::State& state) {
  const crypto::SigningKeyPair key = NewSigningKeyPair();
  const auto message = Payload(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto sig = crypto::Sign(key, message);
    if (!sig) {
      state.SkipWithError("Sign failed");
      break;
    }
    benchmark::DoNotOptimize(sig->data());
  }
}

void BM_SignRaw(benchmark::State& state) {
  const crypto::SigningKeyPair key = NewSigningKeyPair();
  const auto message = Payload(static_cast<size_t>(state.range(0)));
  crypto::Signature sig{};
  for (auto _ : state) {
    crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(),
                         key.secret_key.data());
    benchmark::DoNotOptimize(sig.data());
    benchmark::ClobberMemory();
  }
}

void BM_VerifyWrapper(benchmark::State& state) {
  const crypto::SigningKeyPair key = NewSigningKeyPair();
  const auto message = Payload(static_cast<size_t>(state.range(0)));
  const crypto::Signature sig = Must(crypto::Sign(key, message), "Sign");
  for (auto _ : state) {
    if (!crypto::Verify(key.public_key, message, sig).ok()) {
      state.SkipWithError("Verify failed");
      break;
    }
  }
}

void BM_VerifyRaw(benchmark::State& state) {
  const crypto::SigningKeyPair key = NewSigningKeyPair();
  const auto message = Payload(static_cast<size_t>(state.range(0)));
  const crypto::Signature sig = Must(crypto::Sign(key, message), "Sign");
  for (auto _ : state) {
    if (crypto_sign_verify_detached(sig.data(), message.data(), message.size(),
                                    key.public_key.data()) != 0) {
      state.SkipWithError("crypto_sign_verify_detached failed");
      break;
    }
  }
}

BENCHMARK(BM_SignWrapper)->Arg(32)->Arg(64);
BENCHMARK(BM_SignRaw)->Arg(32)->Arg(64);
BENCHMARK(BM_VerifyWrapper)->Arg(32)->Arg(64);
BENCHMARK(BM_VerifyRaw)->Arg(32)->Arg(64);

// --- 4. Argon2id at the calibrated parameters -------------------------------

// Set once in main() by kdf::Calibrate before any benchmark runs.
kdf::Params g_calibrated;

std::vector<uint8_t> Salt() { return crypto::RandomBytes(Env::Default(), kdf::kSaltBytes); }

void AddParamCounters(benchmark::State& state, uint64_t memory_mib, uint32_t t, uint32_t p) {
  state.counters["m_MiB"] = static_cast<double>(memory_mib);
  state.counters["t"] = t;
  state.counters["p"] = p;
}

void BM_Argon2idCalibratedWrapper(benchmark::State& state) {
  const auto salt = Salt();
  for (auto _ : state) {
    auto key = kdf::DeriveKey(kPassphrase, salt, g_calibrated);
    if (!key) {
      state.SkipWithError("DeriveKey failed");
      break;
    }
    benchmark::DoNotOptimize(key->data());
  }
  AddParamCounters(state, g_calibrated.memory_bytes / kdf::kMiB, g_calibrated.iterations, 1);
}

void BM_Argon2idCalibratedRaw(benchmark::State& state) {
  const auto salt = Salt();
  uint8_t key[32];
  for (auto _ : state) {
    if (crypto_pwhash(key, sizeof key, reinterpret_cast<const char*>(kPassphrase),
                      sizeof kPassphrase, salt.data(), g_calibrated.iterations,
                      g_calibrated.memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
      state.SkipWithError("crypto_pwhash failed");
      break;
    }
    benchmark::DoNotOptimize(key);
    benchmark::ClobberMemory();
  }
  AddParamCounters(state, g_calibrated.memory_bytes / kdf::kMiB, g_calibrated.iterations, 1);
}

BENCHMARK(BM_Argon2idCalibratedWrapper)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(kArgon2Iterations)
    ->UseRealTime();
BENCHMARK(BM_Argon2idCalibratedRaw)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(kArgon2Iterations)
    ->UseRealTime();

// --- 5. libsodium vs libargon2 ----------------------------------------------

// Args: memory in MiB, iterations. libsodium's Argon2id has one lane.
void BM_Argon2idLibsodium(benchmark::State& state) {
  const auto salt = Salt();
  const kdf::Params p{static_cast<uint32_t>(state.range(1)),
                      static_cast<uint64_t>(state.range(0)) * kdf::kMiB, 1};
  for (auto _ : state) {
    auto key = kdf::DeriveKey(kPassphrase, salt, p);
    if (!key) {
      state.SkipWithError("DeriveKey failed");
      break;
    }
    benchmark::DoNotOptimize(key->data());
  }
  AddParamCounters(state, static_cast<uint64_t>(state.range(0)), p.iterations, 1);
}

kdf::ReferenceInput ReferenceArgs(const benchmark::State& state, const std::vector<uint8_t>& salt) {
  kdf::ReferenceInput in;
  in.type = kdf::Argon2Type::kId;
  in.password = kPassphrase;
  in.salt = salt;
  in.memory_kib = static_cast<uint32_t>(state.range(0) * 1024);
  in.iterations = static_cast<uint32_t>(state.range(1));
  in.lanes = static_cast<uint32_t>(state.range(2));
  in.threads = static_cast<uint32_t>(state.range(3));
  return in;
}

// Args: memory in MiB, iterations, lanes, threads.
void BM_Argon2idLibargon2(benchmark::State& state) {
  const auto salt = Salt();
  const kdf::ReferenceInput in = ReferenceArgs(state, salt);
  for (auto _ : state) {
    auto key = kdf::DeriveReference(in);
    if (!key) {
      state.SkipWithError("DeriveReference failed");
      break;
    }
    benchmark::DoNotOptimize(key->data());
  }
  AddParamCounters(state, static_cast<uint64_t>(state.range(0)), in.iterations, in.lanes);
}

// The raw libargon2 call beside DeriveReference (argon2_ctx with the same
// context; argon2id_hash_raw would force threads == lanes).
void BM_Argon2idLibargon2Raw(benchmark::State& state) {
  const auto salt = Salt();
  const kdf::ReferenceInput in = ReferenceArgs(state, salt);
  uint8_t key[32];
  for (auto _ : state) {
    argon2_context ctx{};
    ctx.out = key;
    ctx.outlen = sizeof key;
    ctx.pwd = const_cast<uint8_t*>(in.password.data());
    ctx.pwdlen = static_cast<uint32_t>(in.password.size());
    ctx.salt = const_cast<uint8_t*>(in.salt.data());
    ctx.saltlen = static_cast<uint32_t>(in.salt.size());
    ctx.t_cost = in.iterations;
    ctx.m_cost = in.memory_kib;
    ctx.lanes = in.lanes;
    ctx.threads = in.threads;
    ctx.version = ARGON2_VERSION_13;
    ctx.flags = ARGON2_DEFAULT_FLAGS;
    if (argon2_ctx(&ctx, Argon2_id) != ARGON2_OK) {
      state.SkipWithError("argon2_ctx failed");
      break;
    }
    benchmark::DoNotOptimize(key);
    benchmark::ClobberMemory();
  }
  AddParamCounters(state, static_cast<uint64_t>(state.range(0)), in.iterations, in.lanes);
}

BENCHMARK(BM_Argon2idLibsodium)
    ->ArgNames({"m_MiB", "t"})
    ->Args({64, 3})
    ->Args({256, 3})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(kArgon2Iterations)
    ->UseRealTime();
BENCHMARK(BM_Argon2idLibargon2)
    ->ArgNames({"m_MiB", "t", "lanes", "threads"})
    ->Args({64, 3, 1, 1})
    ->Args({64, 3, 2, 2})
    ->Args({256, 3, 2, 2})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(kArgon2Iterations)
    ->UseRealTime();
BENCHMARK(BM_Argon2idLibargon2Raw)
    ->ArgNames({"m_MiB", "t", "lanes", "threads"})
    ->Args({64, 3, 1, 1})
    ->Args({64, 3, 2, 2})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(kArgon2Iterations)
    ->UseRealTime();

// --- 6. Memory reached in 0.5 s -----------------------------------------------

// Seconds one derivation with `mib` MiB takes. The minimum of two runs: on a
// shared machine noise only ever adds time.
double SecondsAt(const std::function<bool(uint64_t)>& derive, uint64_t mib) {
  double best = 1e9;
  for (int i = 0; i < 2; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (!derive(mib)) return 1e9;  // could not allocate: treat as too slow
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

struct Reach {
  uint64_t mib = 0;    // largest memory within the budget (0: not even 64 MiB)
  double seconds = 0;  // measured time at that memory
  int probes = 0;      // memory sizes tried
};

// Doubles from 64 MiB until a derivation exceeds the budget, then bisects
// between the last size within it and the first beyond it to 16 MiB.
Reach FindMemoryWithin(const char* name, const std::function<bool(uint64_t)>& derive) {
  Reach r;
  uint64_t over = 0;
  auto probe = [&](uint64_t mib) {
    const double s = SecondsAt(derive, mib);
    ++r.probes;
    std::fprintf(stderr, "  %-22s %5llu MiB: %.3f s\n", name, static_cast<unsigned long long>(mib),
                 s);
    if (s <= kReachBudgetSeconds) {
      r.mib = mib;
      r.seconds = s;
    } else {
      over = mib;
    }
  };
  for (uint64_t mib = kdf::kMinMemoryBytes / kdf::kMiB;
       mib <= kdf::kMaxMemoryBytes / kdf::kMiB && over == 0; mib *= 2) {
    probe(mib);
  }
  if (r.mib == 0 || over == 0) return r;  // below the floor, or the 4 GiB cap reached
  while (over - r.mib > 16) probe(r.mib + (over - r.mib) / 2);
  return r;
}

void ReportReach(benchmark::State& state, const char* name,
                 const std::function<bool(uint64_t)>& derive) {
  Reach r;
  for (auto _ : state) r = FindMemoryWithin(name, derive);
  state.counters["MiB_in_0.5s"] = static_cast<double>(r.mib);
  state.counters["s_at_MiB"] = r.seconds;
  state.counters["probes"] = r.probes;
}

void BM_MemoryIn500msLibsodium(benchmark::State& state) {
  const auto salt = Salt();
  ReportReach(state, "libsodium p=1 t=3", [&salt](uint64_t mib) {
    return kdf::DeriveKey(kPassphrase, salt, {3, mib * kdf::kMiB, 1}).has_value();
  });
}

void BM_MemoryIn500msLibargon2(benchmark::State& state) {
  const auto salt = Salt();
  ReportReach(state, "libargon2 p=2 t=3", [&salt](uint64_t mib) {
    kdf::ReferenceInput in;
    in.password = kPassphrase;
    in.salt = salt;
    in.iterations = 3;
    in.memory_kib = static_cast<uint32_t>(mib * 1024);
    in.lanes = 2;
    in.threads = 2;
    return kdf::DeriveReference(in).has_value();
  });
}

// One search per run: it is itself a series of timed derivations, and
// repeating it five times would add minutes for no better figure.
BENCHMARK(BM_MemoryIn500msLibsodium)
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(1)
    ->UseRealTime();
BENCHMARK(BM_MemoryIn500msLibargon2)
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(1)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (vault::Status s = crypto::Init(); !s.ok()) {
    std::fprintf(stderr, "crypto_bench: Init: %s\n", s.ToString().c_str());
    return 1;
  }
  // The parameters a new identity would get on this machine right now.
  const kdf::Calibration c =
      Must(kdf::Calibrate({}, kdf::MeasuredCost(Env::Default())), "Calibrate");
  g_calibrated = c.params;
  std::fprintf(
      stderr, "calibrated Argon2id: t=%u m=%llu MiB p=%u (%.0f ms at the last of %d probes)\n",
      c.params.iterations, static_cast<unsigned long long>(c.params.memory_bytes / kdf::kMiB),
      c.params.parallelism, std::chrono::duration<double, std::milli>(c.expected).count(),
      c.probes);
  benchmark::AddCustomContext("argon2id_calibrated",
                              "t=" + std::to_string(c.params.iterations) + " m=" +
                                  std::to_string(c.params.memory_bytes / kdf::kMiB) + "MiB p=1");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
