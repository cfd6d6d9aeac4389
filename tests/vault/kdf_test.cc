#include "vault/kdf.h"

#include <argon2.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "fake_env.h"
#include "test_util.h"
#include "vault/crypto.h"

namespace vault::kdf {
namespace {

using crypto::AsBytes;
using crypto::Bytes;
using crypto::FromHex;
using crypto::ToHex;
using namespace std::chrono_literals;

// --- RFC 9106 §5 vectors (libargon2) ----------------------------------------

struct Rfc9106Vector {
  std::string name;
  nlohmann::json json;
};

std::vector<Rfc9106Vector> LoadRfc9106() {
  std::ifstream in(BATON_TEST_VECTORS_DIR "/argon2/argon2-rfc9106.json");
  if (!in) throw std::runtime_error("cannot open argon2-rfc9106.json");
  const nlohmann::json doc = nlohmann::json::parse(in);
  std::vector<Rfc9106Vector> out;
  for (const auto& v : doc.at("vectors")) out.push_back({v.at("type").get<std::string>(), v});
  return out;
}

void PrintTo(const Rfc9106Vector& v, std::ostream* os) { *os << v.name; }

class Rfc9106Test : public ::testing::TestWithParam<Rfc9106Vector> {};

Bytes Hex(const nlohmann::json& j, const char* key) {
  auto b = FromHex(j.at(key).get<std::string>());
  if (!b) throw std::runtime_error(std::string("bad hex in ") + key);
  return *b;
}

TEST_P(Rfc9106Test, ReferenceLibraryReproducesTag) {
  const nlohmann::json& v = GetParam().json;
  ASSERT_EQ(v.at("version").get<int>(), 19);
  const int type_code = v.at("type_code").get<int>();
  ReferenceInput in;
  in.type = type_code == 0 ? Argon2Type::kD : type_code == 1 ? Argon2Type::kI : Argon2Type::kId;
  const Bytes password = Hex(v, "password_hex"), salt = Hex(v, "salt_hex");
  const Bytes secret = Hex(v, "secret_hex"), ad = Hex(v, "associated_data_hex");
  in.password = password;
  in.salt = salt;
  in.secret = secret;
  in.associated_data = ad;
  in.iterations = v.at("passes").get<uint32_t>();
  in.memory_kib = v.at("memory_kib").get<uint32_t>();
  in.lanes = v.at("parallelism").get<uint32_t>();
  in.threads = in.lanes;
  in.out_len = v.at("tag_length").get<size_t>();
  ASSERT_OK_AND_ASSIGN(SecureBuffer tag, DeriveReference(in));
  EXPECT_EQ(ToHex(tag.bytes()), v.at("tag_hex").get<std::string>());

  // One changed input changes the tag (the vector is not matched by luck).
  Bytes other_secret = secret;
  other_secret[0] ^= 1;
  in.secret = other_secret;
  ASSERT_OK_AND_ASSIGN(SecureBuffer changed, DeriveReference(in));
  EXPECT_NE(ToHex(changed.bytes()), v.at("tag_hex").get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(Vectors, Rfc9106Test, ::testing::ValuesIn(LoadRfc9106()),
                         [](const auto& p) { return p.param.name; });

// libsodium's crypto_pwhash cannot run the RFC vectors (they use 4 lanes, a
// secret and associated data); at one lane it must agree with the reference
// implementation bit for bit, which ties it to the vectors above.
TEST(KdfTest, LibsodiumMatchesLibargon2AtOneLane) {
  const uint8_t salt[kSaltBytes] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  for (uint32_t t : {1u, 3u}) {
    const Params p{t, kMinMemoryBytes, 1};
    ASSERT_OK_AND_ASSIGN(SecureBuffer sodium, DeriveKey(AsBytes("correct horse"), salt, p));
    ReferenceInput in;
    in.password = AsBytes("correct horse");
    in.salt = salt;
    in.iterations = t;
    in.memory_kib = static_cast<uint32_t>(p.memory_bytes / 1024);
    ASSERT_OK_AND_ASSIGN(SecureBuffer ref, DeriveReference(in));
    EXPECT_EQ(ToHex(sodium.bytes()), ToHex(ref.bytes())) << "t=" << t;
  }
}

TEST(KdfTest, DeriveKeyDependsOnPassphraseSaltAndParams) {
  uint8_t salt[kSaltBytes] = {};
  const Params p{1, kMinMemoryBytes, 1};
  ASSERT_OK_AND_ASSIGN(SecureBuffer a, DeriveKey(AsBytes("pass"), salt, p));
  ASSERT_OK_AND_ASSIGN(SecureBuffer b, DeriveKey(AsBytes("pasS"), salt, p));
  salt[0] = 1;
  ASSERT_OK_AND_ASSIGN(SecureBuffer c, DeriveKey(AsBytes("pass"), salt, p));
  salt[0] = 0;
  ASSERT_OK_AND_ASSIGN(SecureBuffer d, DeriveKey(AsBytes("pass"), salt, {2, kMinMemoryBytes, 1}));
  ASSERT_OK_AND_ASSIGN(SecureBuffer e, DeriveKey(AsBytes("pass"), salt, p));
  EXPECT_NE(ToHex(a.bytes()), ToHex(b.bytes()));
  EXPECT_NE(ToHex(a.bytes()), ToHex(c.bytes()));
  EXPECT_NE(ToHex(a.bytes()), ToHex(d.bytes()));
  EXPECT_EQ(ToHex(a.bytes()), ToHex(e.bytes()));
}

TEST(KdfTest, ValidateRejectsOutOfBoundsParameters) {
  EXPECT_OK(Validate({3, kMinMemoryBytes, 1}));
  EXPECT_OK(Validate({1, kMaxMemoryBytes, 1}));
  EXPECT_STATUS(Validate({3, kMinMemoryBytes - 1024, 1}), kInvalidArgument);
  EXPECT_STATUS(Validate({3, 64ull << 30, 1}), kInvalidArgument);  // 64 GiB
  EXPECT_STATUS(Validate({3, kMinMemoryBytes + 1, 1}), kInvalidArgument);
  EXPECT_STATUS(Validate({0, kMinMemoryBytes, 1}), kInvalidArgument);
  EXPECT_STATUS(Validate({kMaxIterations + 1, kMinMemoryBytes, 1}), kInvalidArgument);
  EXPECT_STATUS(Validate({3, kMinMemoryBytes, 2}), kInvalidArgument);
}

TEST(KdfTest, DeriveKeyRejectsBadInputsWithoutRunning) {
  const uint8_t salt[kSaltBytes] = {};
  EXPECT_STATUS(DeriveKey(AsBytes("p"), salt, {3, 64ull << 30, 1}), kInvalidArgument);
  EXPECT_STATUS(DeriveKey(AsBytes("p"), std::span(salt).first(8), {1, kMinMemoryBytes, 1}),
                kInvalidArgument);
  EXPECT_STATUS(DeriveKey(AsBytes("p"), salt, {1, kMinMemoryBytes, 1}, 8), kInvalidArgument);
}

TEST(KdfTest, ReferenceRejectsAbsurdInputs) {
  ReferenceInput in;
  in.password = AsBytes("p");
  const uint8_t salt[16] = {};
  in.salt = salt;
  in.memory_kib = 64u << 20;  // 64 GiB
  EXPECT_STATUS(DeriveReference(in), kInvalidArgument);
  in.memory_kib = 1024;
  in.lanes = 0;
  EXPECT_STATUS(DeriveReference(in), kInvalidArgument);
  in.lanes = 2;
  in.threads = 3;
  EXPECT_STATUS(DeriveReference(in), kInvalidArgument);
  in.threads = 2;
  in.salt = std::span(salt).first(4);  // libargon2 wants at least 8
  EXPECT_STATUS(DeriveReference(in), kInvalidArgument);
}

// --- Calibration (with a cost model: no real time passes) -------------------

// A machine on which one Argon2 pass over one MiB costs `ns_per_mib_pass`.
CostProbe LinearModel(double ns_per_mib_pass, int* calls = nullptr) {
  return [=](const Params& p) -> Result<std::chrono::nanoseconds> {
    if (calls) ++*calls;
    const double ns = ns_per_mib_pass * static_cast<double>(p.memory_bytes / kMiB) * p.iterations;
    return std::chrono::nanoseconds(static_cast<int64_t>(ns));
  };
}

TEST(KdfCalibrationTest, FastMachineGetsMoreMemoryWithinTarget) {
  // 0.5 ms per MiB-pass: 64 MiB x 3 = 96 ms, so memory grows.
  ASSERT_OK_AND_ASSIGN(Calibration c, Calibrate({}, LinearModel(500'000)));
  EXPECT_GE(c.expected, 500ms);
  EXPECT_LE(c.expected, 1000ms);
  EXPECT_GT(c.params.memory_bytes, kMinMemoryBytes);
  EXPECT_EQ(c.params.iterations, 3u);
  EXPECT_EQ(c.params.parallelism, 1u);
  EXPECT_OK(Validate(c.params));
  EXPECT_LE(c.probes, 3);
}

TEST(KdfCalibrationTest, SlowMachineKeepsTheMemoryFloor) {
  // 20 ms per MiB-pass: even 64 MiB x 1 takes 1.28 s.
  ASSERT_OK_AND_ASSIGN(Calibration c, Calibrate({}, LinearModel(20'000'000)));
  EXPECT_EQ(c.params.memory_bytes, kMinMemoryBytes);
  EXPECT_EQ(c.params.iterations, 1u);
}

TEST(KdfCalibrationTest, CappedMemoryRaisesIterations) {
  CalibrationOptions o;
  o.max_memory_bytes = 128 * kMiB;
  ASSERT_OK_AND_ASSIGN(Calibration c, Calibrate(o, LinearModel(500'000)));
  EXPECT_EQ(c.params.memory_bytes, 128 * kMiB);
  EXPECT_GT(c.params.iterations, 3u);
  EXPECT_GE(c.expected, 500ms);
  EXPECT_LE(c.expected, 1000ms);
}

TEST(KdfCalibrationTest, ReportsProgressAndBoundsProbes) {
  int calls = 0;
  std::vector<int> seen;
  // A non-linear machine (cost jumps past 256 MiB) still stops.
  CostProbe jumpy = [&](const Params& p) -> Result<std::chrono::nanoseconds> {
    ++calls;
    return p.memory_bytes > 256 * kMiB ? 5s : 10ms;
  };
  ASSERT_OK_AND_ASSIGN(Calibration c,
                       Calibrate({}, jumpy, [&](int probe, int) { seen.push_back(probe); }));
  EXPECT_LE(calls, 4);
  EXPECT_EQ(static_cast<int>(seen.size()), calls);
  EXPECT_GE(c.params.memory_bytes, kMinMemoryBytes);
}

TEST(KdfCalibrationTest, ProbeFailureIsReturned) {
  CostProbe broken = [](const Params&) -> Result<std::chrono::nanoseconds> {
    return Fail(Status::ResourceExhausted("no memory"));
  };
  EXPECT_STATUS(Calibrate({}, broken), kResourceExhausted);
}

TEST(KdfCalibrationTest, RejectsBadOptions) {
  CalibrationOptions o;
  o.target_high = 100ms;
  EXPECT_STATUS(Calibrate(o, LinearModel(1)), kInvalidArgument);
  o = {};
  o.max_memory_bytes = kMiB;
  EXPECT_STATUS(Calibrate(o, LinearModel(1)), kInvalidArgument);
}

TEST(KdfCalibrationTest, MeasuredCostUsesTheEnvClock) {
  testing_util::FakeEnv env;  // its monotonic clock does not move by itself
  auto t = MeasuredCost(env)({1, kMinMemoryBytes, 1});
  ASSERT_OK(t);
  EXPECT_EQ(t->count(), 0);
}

TEST(KdfCalibrationTest, RealMachineNeverGoesBelowFloor) {
  // A short target on the real clock: the floor still holds.
  CalibrationOptions o;
  o.target_low = 20ms;
  o.target_high = 40ms;
  ASSERT_OK_AND_ASSIGN(Calibration c, Calibrate(o, MeasuredCost(Env::Default())));
  EXPECT_GE(c.params.memory_bytes, kMinMemoryBytes);
  EXPECT_OK(Validate(c.params));
}

}  // namespace
}  // namespace vault::kdf
