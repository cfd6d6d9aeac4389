// SLIP-39 split and combine times (backup/slip39.h), beside the floor they
// cannot go below: the cipher's four PBKDF2-HMAC-SHA256 calls alone, raw
// OpenSSL, same sizes and iterations. split / floor and combine / floor
// show what the sharing, the checksums and the word codec add.
// Figures and the command line used: bench/RESULTS.md.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backup/slip39.h"
#include "vault/env.h"
#include "vault/secure_buffer.h"

namespace {

namespace slip39 = backup::slip39;
using vault::SecureBuffer;

constexpr std::string_view kPassphrase = "correct horse battery staple";

std::span<const uint8_t> Passphrase() {
  return {reinterpret_cast<const uint8_t*>(kPassphrase.data()), kPassphrase.size()};
}

// Args: secret bytes, iteration exponent, layout (0: one group 3 of 5;
// 1: 2 of the groups {2 of 3, 3 of 5, 1 of 1}).
slip39::SplitOptions Options(const benchmark::State& state) {
  slip39::SplitOptions o;
  o.iteration_exponent = static_cast<int>(state.range(1));
  if (state.range(2) == 0) {
    o.groups = {{3, 5}};
  } else {
    o.group_threshold = 2;
    o.groups = {{2, 3}, {3, 5}, {1, 1}};
  }
  return o;
}

SecureBuffer Secret(const benchmark::State& state) {
  SecureBuffer s(static_cast<size_t>(state.range(0)));
  vault::Env::Default().RandomBytes(s.bytes());
  return s;
}

void BM_Split(benchmark::State& state) {
  const SecureBuffer secret = Secret(state);
  const slip39::SplitOptions o = Options(state);
  for (auto _ : state) {
    auto shares = slip39::Split(vault::Env::Default(), secret, Passphrase(), o);
    if (!shares) state.SkipWithError(shares.error().ToString().c_str());
    benchmark::DoNotOptimize(shares);
  }
}

void BM_Combine(benchmark::State& state) {
  const SecureBuffer secret = Secret(state);
  auto shares = slip39::Split(vault::Env::Default(), secret, Passphrase(), Options(state));
  if (!shares) {
    state.SkipWithError(shares.error().ToString().c_str());
    return;
  }
  // The threshold of each layout: 3 of group 1, or 2 of group 1 and 3 of 2.
  std::vector<std::string_view> chosen;
  for (size_t m = 0; m < 3 - static_cast<size_t>(state.range(2)); ++m) {
    chosen.push_back(slip39::MnemonicText((*shares)[0][m]));
  }
  if (state.range(2) == 1) {
    for (size_t m = 0; m < 3; ++m) chosen.push_back(slip39::MnemonicText((*shares)[1][m]));
  }
  for (auto _ : state) {
    auto back = slip39::Combine(chosen, Passphrase());
    if (!back) state.SkipWithError(back.error().ToString().c_str());
    benchmark::DoNotOptimize(back);
  }
}

// The four Feistel rounds' PBKDF2 calls and nothing else.
void BM_Pbkdf2Floor(benchmark::State& state) {
  const size_t half = static_cast<size_t>(state.range(0)) / 2;
  const int iterations = 2500 << state.range(1);
  std::vector<uint8_t> password(1 + kPassphrase.size());
  std::copy(kPassphrase.begin(), kPassphrase.end(), password.begin() + 1);
  std::vector<uint8_t> salt(half, 7), out(half);
  for (auto _ : state) {
    for (uint8_t round = 0; round < 4; ++round) {
      password[0] = round;
      PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),
                        static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(half), out.data());
      salt.assign(out.begin(), out.end());
    }
    benchmark::DoNotOptimize(out);
  }
}

void Cases(benchmark::internal::Benchmark* b) {
  b->ArgNames({"bytes", "e", "layout"})->Unit(benchmark::kMillisecond);
  for (int64_t bytes : {16, 32}) {
    for (int64_t e : {0, 1}) {
      for (int64_t layout : {0, 1}) b->Args({bytes, e, layout});
    }
  }
}

BENCHMARK(BM_Split)->Apply(Cases);
BENCHMARK(BM_Combine)->Apply(Cases);
BENCHMARK(BM_Pbkdf2Floor)->Apply(Cases);

}  // namespace

BENCHMARK_MAIN();
