#include "vault/totp.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_env.h"
#include "test_util.h"
#include "vault/crypto.h"

namespace vault::totp {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;
using testing_util::FakeEnv;

std::string Str(const SecureBuffer& b) { return std::string(b.data(), b.data() + b.size()); }

std::string Hex(const SecureBuffer& b) { return crypto::ToHex(b.bytes()); }

SecureBuffer FromHexOrDie(std::string_view hex) {
  auto bytes = crypto::FromHex(hex);
  if (!bytes) throw std::runtime_error("bad hex in test");
  return SecureBuffer::CopyOf(*bytes);
}

SecureBuffer Ascii(std::string_view s) { return SecureBuffer::CopyOf(crypto::AsBytes(s)); }

Algorithm AlgorithmFromName(const std::string& name) {
  if (name == "SHA1") return Algorithm::kSha1;
  if (name == "SHA256") return Algorithm::kSha256;
  if (name == "SHA512") return Algorithm::kSha512;
  throw std::runtime_error("unknown mode in vectors: " + name);
}

// 2026-01-01T00:00:00Z, FakeEnv's start time.
constexpr int64_t kFakeEnvStart = 1767225600;

// --- RFC 4226 Appendix D ------------------------------------------------------

nlohmann::json LoadOtpVectors() {
  std::ifstream in(BATON_TEST_VECTORS_DIR "/otp/otp-rfc4226-rfc6238.json");
  if (!in) throw std::runtime_error("cannot open otp-rfc4226-rfc6238.json");
  return nlohmann::json::parse(in);
}

struct HotpVector {
  std::string secret_hex;
  uint64_t count;
  uint32_t truncated;
  std::string hotp;
};

std::vector<HotpVector> LoadHotp() {
  const nlohmann::json doc = LoadOtpVectors().at("hotp_rfc4226");
  std::vector<HotpVector> out;
  for (const auto& v : doc.at("vectors")) {
    out.push_back({doc.at("secret_hex").get<std::string>(), v.at("count").get<uint64_t>(),
                   v.at("truncated_dec").get<uint32_t>(), v.at("hotp").get<std::string>()});
  }
  return out;
}

void PrintTo(const HotpVector& v, std::ostream* os) { *os << "count " << v.count; }

class HotpRfc4226Test : public ::testing::TestWithParam<HotpVector> {};

TEST_P(HotpRfc4226Test, SixDigitCode) {
  const HotpVector& v = GetParam();
  const SecureBuffer secret = FromHexOrDie(v.secret_hex);
  ASSERT_OK_AND_ASSIGN(std::string code, HotpCode(secret.bytes(), Algorithm::kSha1, v.count, 6));
  EXPECT_EQ(code, v.hotp);
}

TEST_P(HotpRfc4226Test, EightDigitCodeIsTruncatedValueModulo1e8) {
  const HotpVector& v = GetParam();
  const SecureBuffer secret = FromHexOrDie(v.secret_hex);
  std::string want = std::to_string(v.truncated % 100000000);
  want.insert(0, 8 - want.size(), '0');
  ASSERT_OK_AND_ASSIGN(std::string code, HotpCode(secret.bytes(), Algorithm::kSha1, v.count, 8));
  EXPECT_EQ(code, want);
}

INSTANTIATE_TEST_SUITE_P(Vectors, HotpRfc4226Test, ::testing::ValuesIn(LoadHotp()),
                         [](const auto& p) { return "count" + std::to_string(p.param.count); });

// --- RFC 6238 Appendix B ------------------------------------------------------

struct TotpVector {
  int64_t unix_time;
  std::string mode;
  std::string seed_hex;
  uint64_t t;
  std::string totp;
};

std::vector<TotpVector> LoadTotp() {
  const nlohmann::json doc = LoadOtpVectors().at("totp_rfc6238");
  if (doc.at("T0").get<int>() != 0 || doc.at("X_seconds").get<int>() != 30 ||
      doc.at("digits").get<int>() != 8) {
    throw std::runtime_error("unexpected RFC 6238 parameters");
  }
  std::vector<TotpVector> out;
  for (const auto& v : doc.at("vectors")) {
    const std::string mode = v.at("mode").get<std::string>();
    out.push_back({v.at("unix_time").get<int64_t>(), mode,
                   doc.at("seeds_hex").at(mode).get<std::string>(),
                   std::stoull(v.at("T_hex").get<std::string>(), nullptr, 16),
                   v.at("totp").get<std::string>()});
  }
  return out;
}

void PrintTo(const TotpVector& v, std::ostream* os) { *os << v.mode << " at " << v.unix_time; }

class TotpRfc6238Test : public ::testing::TestWithParam<TotpVector> {
 protected:
  TotpParams Params() const {
    TotpParams p;
    p.secret = FromHexOrDie(GetParam().seed_hex);
    p.algorithm = AlgorithmFromName(GetParam().mode);
    p.digits = 8;
    p.period = seconds(30);
    p.account = "rfc6238";
    return p;
  }
};

TEST_P(TotpRfc6238Test, CodeAtUnixTime) {
  const TotpVector& v = GetParam();
  ASSERT_OK_AND_ASSIGN(std::string code, TotpCode(Params(), sys_seconds(seconds(v.unix_time))));
  EXPECT_EQ(code, v.totp);
}

TEST_P(TotpRfc6238Test, EqualsHotpOfTimeStep) {
  const TotpVector& v = GetParam();
  const TotpParams p = Params();
  ASSERT_EQ(static_cast<uint64_t>(v.unix_time / 30), v.t);
  ASSERT_OK_AND_ASSIGN(std::string code, HotpCode(p.secret.bytes(), p.algorithm, v.t, 8));
  EXPECT_EQ(code, v.totp);
}

std::string VectorName(const ::testing::TestParamInfo<TotpVector>& p) {
  return p.param.mode + "_" + std::to_string(p.param.unix_time);
}

INSTANTIATE_TEST_SUITE_P(Vectors, TotpRfc6238Test, ::testing::ValuesIn(LoadTotp()), VectorName);

// A nanosecond system_clock ends in 2262, so the year-2603 rows cannot be a
// TimePoint (the sys_seconds overload above covers them): the clock path runs
// on every other row.
constexpr int64_t kLastTimePointSecond = 9'000'000'000;

std::vector<TotpVector> TimePointVectors() {
  std::vector<TotpVector> out;
  for (TotpVector& v : LoadTotp()) {
    if (v.unix_time <= kLastTimePointSecond) out.push_back(std::move(v));
  }
  return out;
}

TEST(TotpRfc6238Rows, AllButTheYear2603RowsReachTheClockPath) {
  // RFC 6238 has 18 rows, three (one per algorithm) at 20000000000.
  EXPECT_EQ(LoadTotp().size(), 18u);
  EXPECT_EQ(TimePointVectors().size(), 15u);
}

class TotpRfc6238ClockTest : public TotpRfc6238Test {};

TEST_P(TotpRfc6238ClockTest, CodeThroughTimePointAndFakeClock) {
  const TotpVector& v = GetParam();
  FakeEnv env;
  env.SetTime(TimePoint(seconds(v.unix_time)));
  ASSERT_OK_AND_ASSIGN(std::string code, TotpCode(Params(), env.Now()));
  EXPECT_EQ(code, v.totp);
}

INSTANTIATE_TEST_SUITE_P(Vectors, TotpRfc6238ClockTest, ::testing::ValuesIn(TimePointVectors()),
                         VectorName);

// --- URI parsing: good URIs ---------------------------------------------------

struct GoodUri {
  std::string name;
  std::string uri;
  std::string issuer;
  std::string account;
  Algorithm algorithm;
  int digits;
  int period;
  std::string secret_hex;
};

void PrintTo(const GoodUri& u, std::ostream* os) { *os << u.uri; }

constexpr char kHelloHex[] = "48656c6c6f21deadbeef";  // JBSWY3DPEHPK3PXP
constexpr char kAcmeHex[] = "3dc6caa4824a6d288767b2331e20b43166cb85d9";

const std::vector<GoodUri>& GoodUris() {
  static const std::vector<GoodUri> uris = {
      {"GoogleExample",
       "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
       "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
       "ACME Co", "john.doe@email.com", Algorithm::kSha1, 6, 30, kAcmeHex},
      {"Defaults", "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
       "Example", "alice@google.com", Algorithm::kSha1, 6, 30, kHelloHex},
      {"NoIssuer", "otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP", "", "alice", Algorithm::kSha1, 6,
       30, kHelloHex},
      {"IssuerOnlyAsParameter", "otpauth://totp/alice?secret=JBSWY3DPEHPK3PXP&issuer=Foo%20Bar",
       "Foo Bar", "alice", Algorithm::kSha1, 6, 30, kHelloHex},
      {"IssuerOnlyInLabel", "otpauth://totp/Foo:alice?secret=JBSWY3DPEHPK3PXP", "Foo", "alice",
       Algorithm::kSha1, 6, 30, kHelloHex},
      {"EncodedColonSeparator", "otpauth://totp/Foo%3Aalice?secret=JBSWY3DPEHPK3PXP", "Foo",
       "alice", Algorithm::kSha1, 6, 30, kHelloHex},
      {"SpacesBeforeAccount", "otpauth://totp/Foo:%20%20alice?secret=JBSWY3DPEHPK3PXP", "Foo",
       "alice", Algorithm::kSha1, 6, 30, kHelloHex},
      {"NonAsciiLabel",
       "otpauth://totp/Caf%C3%A9%20%C3%84:j%C3%BCrgen?secret=JBSWY3DPEHPK3PXP"
       "&issuer=Caf%C3%A9%20%C3%84",
       "Café Ä", "jürgen", Algorithm::kSha1, 6, 30, kHelloHex},
      {"NonAsciiInIssuerParameterOnly",
       "otpauth://totp/me?secret=JBSWY3DPEHPK3PXP&issuer=%E6%9D%B1%E4%BA%AC", "東京", "me",
       Algorithm::kSha1, 6, 30, kHelloHex},
      {"LowerCaseSecret", "otpauth://totp/a?secret=jbswy3dpehpk3pxp", "", "a", Algorithm::kSha1, 6,
       30, kHelloHex},
      {"SpacedSecret", "otpauth://totp/a?secret=JBSW%20Y3DP%20EHPK%203PXP", "", "a",
       Algorithm::kSha1, 6, 30, kHelloHex},
      {"PaddedSecret", "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGE%3D%3D%3D%3D%3D%3D", "", "a",
       Algorithm::kSha1, 6, 30, "3132333435363738393031"},
      {"LiteralPadding", "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGE======", "", "a",
       Algorithm::kSha1, 6, 30, "3132333435363738393031"},
      {"Sha256EightDigits60s",
       "otpauth://totp/a?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&algorithm=SHA256&digits=8"
       "&period=60",
       "", "a", Algorithm::kSha256, 8, 60, kAcmeHex},
      {"Sha512LowerCaseSevenDigits15s",
       "otpauth://totp/a?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&algorithm=sha512&digits=7"
       "&period=15",
       "", "a", Algorithm::kSha512, 7, 15, kAcmeHex},
      {"PeriodUpperBound", "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=300", "", "a",
       Algorithm::kSha1, 6, 300, kHelloHex},
      {"UpperCaseSchemeTypeAndNames", "OTPAUTH://TOTP/a?SECRET=JBSWY3DPEHPK3PXP&Digits=8", "", "a",
       Algorithm::kSha1, 8, 30, kHelloHex},
      {"UnknownParametersIgnored",
       "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&image=https%3A%2F%2Fx.test%2Fi.png&color=red", "",
       "a", Algorithm::kSha1, 6, 30, kHelloHex},
      {"EmptyParametersAndFragmentIgnored", "otpauth://totp/a?&secret=JBSWY3DPEHPK3PXP&&#frag", "",
       "a", Algorithm::kSha1, 6, 30, kHelloHex},
      {"PlusIsLiteral", "otpauth://totp/a+b?secret=JBSWY3DPEHPK3PXP", "", "a+b", Algorithm::kSha1,
       6, 30, kHelloHex},
      {"ColonInAccount", "otpauth://totp/Foo:user:name?secret=JBSWY3DPEHPK3PXP", "Foo", "user:name",
       Algorithm::kSha1, 6, 30, kHelloHex},
      {"EmptyIssuerPrefix", "otpauth://totp/:a%3Ab?secret=JBSWY3DPEHPK3PXP", "", "a:b",
       Algorithm::kSha1, 6, 30, kHelloHex},
      {"EmptyIssuerParameterUsesPrefix", "otpauth://totp/Foo:a?secret=JBSWY3DPEHPK3PXP&issuer=",
       "Foo", "a", Algorithm::kSha1, 6, 30, kHelloHex},
      {"TwentySixSymbolSecret", "otpauth://totp/a?secret=JBSWY3DPEHPK3PXPJBSWY3DPEH", "", "a",
       Algorithm::kSha1, 6, 30, "48656c6c6f21deadbeef48656c6c6f21"},
  };
  return uris;
}

class TotpUriGoodTest : public ::testing::TestWithParam<GoodUri> {};

TEST_P(TotpUriGoodTest, Parses) {
  const GoodUri& u = GetParam();
  ASSERT_OK_AND_ASSIGN(TotpParams p, ParseOtpauthUri(u.uri));
  EXPECT_EQ(p.issuer, u.issuer);
  EXPECT_EQ(p.account, u.account);
  EXPECT_EQ(p.algorithm, u.algorithm);
  EXPECT_EQ(p.digits, u.digits);
  EXPECT_EQ(p.period, seconds(u.period));
  EXPECT_EQ(Hex(p.secret), u.secret_hex);
}

TEST_P(TotpUriGoodTest, CanonicalUriRoundTrips) {
  ASSERT_OK_AND_ASSIGN(TotpParams p, ParseOtpauthUri(GetParam().uri));
  ASSERT_OK_AND_ASSIGN(SecureBuffer uri, ToOtpauthUri(p));
  ASSERT_OK_AND_ASSIGN(TotpParams q, ParseOtpauthUri(Str(uri)));
  EXPECT_EQ(q.issuer, p.issuer);
  EXPECT_EQ(q.account, p.account);
  EXPECT_EQ(q.algorithm, p.algorithm);
  EXPECT_EQ(q.digits, p.digits);
  EXPECT_EQ(q.period, p.period);
  EXPECT_EQ(Hex(q.secret), Hex(p.secret));
  ASSERT_OK_AND_ASSIGN(SecureBuffer again, ToOtpauthUri(q));
  EXPECT_EQ(Str(again), Str(uri)) << "canonical form is a fixed point";
}

INSTANTIATE_TEST_SUITE_P(Table, TotpUriGoodTest, ::testing::ValuesIn(GoodUris()),
                         [](const auto& p) { return p.param.name; });

// --- URI parsing: bad URIs ----------------------------------------------------

struct BadUri {
  std::string name;
  std::string uri;
  std::string message_part;  // expected somewhere in the error message
  std::string secret_text;   // must not appear in the error message
};

void PrintTo(const BadUri& u, std::ostream* os) { *os << u.name; }

const std::vector<BadUri>& BadUris() {
  static const std::string kS = "JBSWY3DPEHPK3PXP";
  static const std::vector<BadUri> uris = {
      {"Empty", "", "must start with otpauth://", kS},
      {"HttpScheme", "https://example.com/totp/a?secret=" + kS, "must start with otpauth://", kS},
      {"Hotp", "otpauth://hotp/a?secret=" + kS + "&counter=1", "not supported", kS},
      {"UnknownType", "otpauth://motp/a?secret=" + kS, "unknown OTP type", kS},
      {"NoSlashAfterType", "otpauth://totp", "no label", kS},
      {"EmptyLabel", "otpauth://totp/?secret=" + kS, "no label", kS},
      {"IssuerButNoAccount", "otpauth://totp/Foo:?secret=" + kS, "no account", kS},
      {"OnlySpacesAsAccount", "otpauth://totp/Foo:%20%20?secret=" + kS, "no account", kS},
      {"NoQuery", "otpauth://totp/a", "no secret", kS},
      {"NoSecret", "otpauth://totp/a?issuer=Foo&digits=6", "no secret", kS},
      {"EmptySecret", "otpauth://totp/a?secret=&issuer=Foo", "secret is empty", kS},
      {"SecretOnlySpaces", "otpauth://totp/a?secret=%20%20", "secret is empty", kS},
      {"SecretWithDigitOne", "otpauth://totp/a?secret=JBSWY3DPEHPK3PX1", "not valid base32",
       "JBSWY3DPEHPK3PX1"},
      {"SecretWithDigitEight", "otpauth://totp/a?secret=8BSWY3DPEHPK3PXP", "not valid base32",
       "8BSWY3DPEHPK3PXP"},
      {"SecretWithHyphen", "otpauth://totp/a?secret=JBSW-Y3DP-EHPK-3PXP", "not valid base32",
       "JBSW-Y3DP-EHPK-3PXP"},
      {"SecretNonAscii", "otpauth://totp/a?secret=JBSWY3DPEHPK3PX%C3%A9", "not valid base32",
       "JBSWY3DPEHPK3PX"},
      {"DataAfterPadding", "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGE==A===", "after '='",
       "GEZDGNBVGY3TQOJQGE"},
      {"ImpossibleLength", "otpauth://totp/a?secret=JBSWY3DPEHPK3PXPJ", "length",
       "JBSWY3DPEHPK3PXPJ"},
      {"SecretTooShort", "otpauth://totp/a?secret=JBSWY3DPEE", "too short", "JBSWY3DPEE"},
      {"SecretTooLong", "otpauth://totp/a?secret=" + std::string(416, 'A'), "too long",
       std::string(416, 'A')},
      {"SecretBadPercentEscape", "otpauth://totp/a?secret=JBSWY3DP%ZZEHPK3PXP", "percent-escape",
       "JBSWY3DP"},
      {"UnknownAlgorithm", "otpauth://totp/a?secret=" + kS + "&algorithm=MD5", "'MD5'", kS},
      {"AlgorithmWithHyphen", "otpauth://totp/a?secret=" + kS + "&algorithm=SHA-256",
       "not supported", kS},
      {"EmptyAlgorithm", "otpauth://totp/a?secret=" + kS + "&algorithm=", "not supported", kS},
      {"DigitsTooFew", "otpauth://totp/a?secret=" + kS + "&digits=5", "between 6 and 8", kS},
      {"DigitsTooMany", "otpauth://totp/a?secret=" + kS + "&digits=9", "between 6 and 8", kS},
      {"DigitsNotNumber", "otpauth://totp/a?secret=" + kS + "&digits=six", "decimal", kS},
      {"DigitsEmpty", "otpauth://totp/a?secret=" + kS + "&digits=", "decimal", kS},
      {"DigitsSigned", "otpauth://totp/a?secret=" + kS + "&digits=%2B6", "decimal", kS},
      {"DigitsHuge", "otpauth://totp/a?secret=" + kS + "&digits=99999999999", "decimal", kS},
      {"PeriodTooShort", "otpauth://totp/a?secret=" + kS + "&period=14", "between 15 and 300", kS},
      {"PeriodTooLong", "otpauth://totp/a?secret=" + kS + "&period=301", "between 15 and 300", kS},
      {"PeriodZero", "otpauth://totp/a?secret=" + kS + "&period=0", "between 15 and 300", kS},
      {"PeriodNegative", "otpauth://totp/a?secret=" + kS + "&period=-30", "decimal", kS},
      {"DuplicateSecret", "otpauth://totp/a?secret=" + kS + "&secret=GEZDGNBVGY3TQOJQ",
       "'secret' appears more than once", kS},
      {"DuplicateDigitsDifferentCase", "otpauth://totp/a?secret=" + kS + "&digits=6&DIGITS=8",
       "'digits' appears more than once", kS},
      {"DuplicateIssuer", "otpauth://totp/a?issuer=A&secret=" + kS + "&issuer=A",
       "'issuer' appears more than once", kS},
      {"IssuerMismatch", "otpauth://totp/Foo:a?secret=" + kS + "&issuer=Bar", "does not match", kS},
      {"ParameterWithoutValue", "otpauth://totp/a?" + kS + "&issuer=Foo", "no '='", kS},
      {"BadEscapeInLabel", "otpauth://totp/Foo%G1:a?secret=" + kS, "percent-escape", kS},
      {"TruncatedEscapeInLabel", "otpauth://totp/a%4?secret=" + kS, "percent-escape", kS},
      {"BadEscapeInIssuer", "otpauth://totp/a?secret=" + kS + "&issuer=%", "percent-escape", kS},
      {"InvalidUtf8InLabel", "otpauth://totp/Caf%C3%28:a?secret=" + kS, "UTF-8", kS},
      {"OverlongUtf8InAccount", "otpauth://totp/%C0%AF?secret=" + kS, "UTF-8", kS},
      {"SurrogateInIssuer", "otpauth://totp/a?secret=" + kS + "&issuer=%ED%A0%80", "UTF-8", kS},
      {"ControlCharacterInAccount", "otpauth://totp/a%0Ab?secret=" + kS, "control character", kS},
      {"TooLong", "otpauth://totp/" + std::string(kMaxUriBytes, 'a') + "?secret=" + kS,
       "longer than", kS},
  };
  return uris;
}

class TotpUriBadTest : public ::testing::TestWithParam<BadUri> {};

TEST_P(TotpUriBadTest, RejectedWithClearMessageWithoutSecret) {
  const BadUri& u = GetParam();
  auto result = ParseOtpauthUri(u.uri);
  ASSERT_FALSE(result.has_value());
  EXPECT_STATUS(result, kInvalidArgument);
  const std::string& msg = result.error().message();
  EXPECT_NE(msg.find(u.message_part), std::string::npos) << msg;
  EXPECT_EQ(msg.find(u.secret_text), std::string::npos) << msg;
  // Nor any recognisable piece of it.
  if (u.secret_text.size() >= 8) {
    EXPECT_EQ(msg.find(u.secret_text.substr(0, 8)), std::string::npos) << msg;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, TotpUriBadTest, ::testing::ValuesIn(BadUris()),
                         [](const auto& p) { return p.param.name; });

// --- Codes and time -----------------------------------------------------------

class TotpTest : public ::testing::Test {
 protected:
  TotpParams Parse(const std::string& uri) {
    auto p = ParseOtpauthUri(uri);
    EXPECT_TRUE(p.has_value()) << p.error().ToString();
    return p ? std::move(*p) : TotpParams{};
  }
  FakeEnv env_;  // starts at 2026-01-01T00:00:00Z
};

// Expected codes computed independently with Python's hmac module.
TEST_F(TotpTest, CodesFromParsedUrisMatchIndependentImplementation) {
  ASSERT_EQ(env_.Now(), TimePoint(seconds(kFakeEnvStart)));
  TotpParams a = Parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP");
  EXPECT_EQ(TotpCode(a, env_.Now()).value_or("error"), "260025");
  TotpParams b = Parse(
      "otpauth://totp/b?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&algorithm=SHA256&digits=8"
      "&period=60");
  EXPECT_EQ(TotpCode(b, env_.Now()).value_or("error"), "93588901");
  TotpParams c = Parse(
      "otpauth://totp/c?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&algorithm=SHA512&digits=7"
      "&period=15");
  EXPECT_EQ(TotpCode(c, env_.Now()).value_or("error"), "9733626");
}

TEST_F(TotpTest, CodeHoldsForThePeriodAndChangesAtTheBoundary) {
  TotpParams p = Parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP");
  ASSERT_OK_AND_ASSIGN(std::string first, TotpCode(p, env_.Now()));
  env_.AdvanceTime(std::chrono::milliseconds(29'999));
  EXPECT_EQ(TotpCode(p, env_.Now()).value_or("error"), first);
  env_.AdvanceTime(std::chrono::milliseconds(1));
  EXPECT_EQ(TotpCode(p, env_.Now()).value_or("error"), "307890");
}

TEST_F(TotpTest, SecondsLeftAtPeriodBoundaries) {
  TotpParams p = Parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP");
  // kFakeEnvStart is a multiple of 30 and of 60.
  EXPECT_EQ(TotpSecondsLeft(p, env_.Now()), seconds(30));
  env_.AdvanceTime(std::chrono::milliseconds(1));
  EXPECT_EQ(TotpSecondsLeft(p, env_.Now()), seconds(30));
  env_.AdvanceTime(std::chrono::milliseconds(999));
  EXPECT_EQ(TotpSecondsLeft(p, env_.Now()), seconds(29));
  env_.AdvanceTime(seconds(28));
  EXPECT_EQ(TotpSecondsLeft(p, env_.Now()), seconds(1));
  env_.AdvanceTime(std::chrono::milliseconds(999));
  EXPECT_EQ(TotpSecondsLeft(p, env_.Now()), seconds(1));
  env_.AdvanceTime(std::chrono::milliseconds(1));
  EXPECT_EQ(TotpSecondsLeft(p, env_.Now()), seconds(30));

  p.period = seconds(60);
  EXPECT_EQ(TotpSecondsLeft(p, env_.Now()), seconds(30));
  env_.AdvanceTime(seconds(30));
  EXPECT_EQ(TotpSecondsLeft(p, env_.Now()), seconds(60));
}

TEST_F(TotpTest, SecondsLeftBeforeEpochStaysInRange) {
  TotpParams p = Parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP");
  env_.SetTime(TimePoint(seconds(-1)));
  EXPECT_EQ(TotpSecondsLeft(p, env_.Now()), seconds(1));
  p.period = seconds(0);
  EXPECT_EQ(TotpSecondsLeft(p, env_.Now()), seconds(0));
}

TEST_F(TotpTest, TimeBeforeEpochIsRejected) {
  TotpParams p = Parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP");
  env_.SetTime(TimePoint(seconds(-30)));
  EXPECT_STATUS(TotpCode(p, env_.Now()), kInvalidArgument);
  env_.SetTime(TimePoint(seconds(0)));
  EXPECT_OK(TotpCode(p, env_.Now()));
}

TEST_F(TotpTest, CodesAreZeroPadded) {
  // RFC 6238 row 1111111109/SHA1 is "07081804"; its 6-digit tail keeps the zero.
  TotpParams p;
  p.secret = Ascii("12345678901234567890");
  p.digits = 6;
  p.account = "x";
  ASSERT_OK_AND_ASSIGN(std::string code, TotpCode(p, sys_seconds(seconds(1111111109))));
  EXPECT_EQ(code, "081804");
}

TEST_F(TotpTest, InvalidParamsAreRejected) {
  TotpParams p = Parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP");
  p.digits = 9;
  EXPECT_STATUS(TotpCode(p, env_.Now()), kInvalidArgument);
  EXPECT_STATUS(ToOtpauthUri(p), kInvalidArgument);
  p.digits = 6;
  p.period = seconds(0);
  EXPECT_STATUS(TotpCode(p, env_.Now()), kInvalidArgument);
  p.period = seconds(30);
  p.algorithm = static_cast<Algorithm>(42);
  EXPECT_STATUS(TotpCode(p, env_.Now()), kInvalidArgument);
  EXPECT_STATUS(HotpCode(p.secret.bytes(), p.algorithm, 0, 6), kInvalidArgument);
  p.algorithm = Algorithm::kSha1;
  p.secret = SecureBuffer(9);
  EXPECT_STATUS(TotpCode(p, env_.Now()), kInvalidArgument);
  EXPECT_STATUS(ToOtpauthUri(p), kInvalidArgument);
}

TEST_F(TotpTest, HotpRejectsBadArguments) {
  const SecureBuffer secret = Ascii("12345678901234567890");
  EXPECT_STATUS(HotpCode(secret.bytes(), Algorithm::kSha1, 0, 5), kInvalidArgument);
  EXPECT_STATUS(HotpCode(secret.bytes(), Algorithm::kSha1, 0, 9), kInvalidArgument);
  EXPECT_STATUS(HotpCode(secret.bytes().first(9), Algorithm::kSha1, 0, 6), kInvalidArgument);
  EXPECT_STATUS(HotpCode({}, Algorithm::kSha1, 0, 6), kInvalidArgument);
  EXPECT_OK(HotpCode(secret.bytes().first(10), Algorithm::kSha1, 0, 6));
  EXPECT_OK(HotpCode(secret.bytes(), Algorithm::kSha1, UINT64_MAX, 6));
}

// --- Canonical URIs -----------------------------------------------------------

TEST_F(TotpTest, CanonicalUriForm) {
  TotpParams p = Parse(
      "otpauth://totp/ACME%20Co:john.doe@email.com?period=30&digits=6&algorithm=sha1"
      "&issuer=ACME%20Co&secret=hxdm%20vjec%20jjws%20rb3h%20wizr%204ifu%20gftm%20xboz");
  ASSERT_OK_AND_ASSIGN(SecureBuffer uri, ToOtpauthUri(p));
  EXPECT_EQ(Str(uri),
            "otpauth://totp/ACME%20Co:john.doe%40email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
            "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30");
}

TEST_F(TotpTest, CanonicalUriOfNonAsciiLabelAndNoPadding) {
  TotpParams p;
  p.secret = Ascii("12345678901");  // 11 bytes: base32 needs padding, which we omit
  p.algorithm = Algorithm::kSha512;
  p.digits = 8;
  p.period = seconds(60);
  p.issuer = "Café Ä";
  p.account = "jürgen";
  ASSERT_OK_AND_ASSIGN(SecureBuffer uri, ToOtpauthUri(p));
  EXPECT_EQ(Str(uri),
            "otpauth://totp/Caf%C3%A9%20%C3%84:j%C3%BCrgen?secret=GEZDGNBVGY3TQOJQGE"
            "&issuer=Caf%C3%A9%20%C3%84&algorithm=SHA512&digits=8&period=60");
}

TEST_F(TotpTest, ColonsInIssuerOrAccountRoundTrip) {
  struct Case {
    std::string issuer, account;
  };
  for (const Case& c : {Case{"", "a:b"}, Case{"X:Y", "acct"}, Case{"X:Y", "a:b"}, Case{"", "plain"},
                        Case{"Big Co", "a b"}}) {
    TotpParams p;
    p.secret = Ascii("12345678901234567890");
    p.issuer = c.issuer;
    p.account = c.account;
    ASSERT_OK_AND_ASSIGN(SecureBuffer uri, ToOtpauthUri(p));
    ASSERT_OK_AND_ASSIGN(TotpParams q, ParseOtpauthUri(Str(uri)));
    EXPECT_EQ(q.issuer, c.issuer) << Str(uri);
    EXPECT_EQ(q.account, c.account) << Str(uri);
  }
}

TEST_F(TotpTest, RandomSecretsOfEveryLengthRoundTrip) {
  for (size_t n = kMinSecretBytes; n <= 80; ++n) {
    TotpParams p;
    p.secret = SecureBuffer(n);
    env_.RandomBytes(p.secret.bytes());
    p.account = "len" + std::to_string(n);
    ASSERT_OK_AND_ASSIGN(SecureBuffer uri, ToOtpauthUri(p));
    ASSERT_OK_AND_ASSIGN(TotpParams q, ParseOtpauthUri(Str(uri)));
    EXPECT_EQ(Hex(q.secret), Hex(p.secret)) << n;
  }
}

TEST_F(TotpTest, ToOtpauthUriRejectsBadLabels) {
  TotpParams p;
  p.secret = Ascii("12345678901234567890");
  EXPECT_STATUS(ToOtpauthUri(p), kInvalidArgument);  // empty account
  p.account = " alice";
  EXPECT_STATUS(ToOtpauthUri(p), kInvalidArgument);
  p.account = "a\nb";
  EXPECT_STATUS(ToOtpauthUri(p), kInvalidArgument);
  p.account = "alice";
  p.issuer = "\xff";
  EXPECT_STATUS(ToOtpauthUri(p), kInvalidArgument);
}

TEST_F(TotpTest, AlgorithmNames) {
  EXPECT_EQ(AlgorithmName(Algorithm::kSha1), "SHA1");
  EXPECT_EQ(AlgorithmName(Algorithm::kSha256), "SHA256");
  EXPECT_EQ(AlgorithmName(Algorithm::kSha512), "SHA512");
}

}  // namespace
}  // namespace vault::totp
