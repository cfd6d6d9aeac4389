// The 45 published SLIP-39 vectors (vectors/slip39/SOURCE.md): valid sets
// combine with the passphrase "TREZOR" to the given master secret, invalid
// ones are refused. The vectors' BIP-32 keys are not checked: baton does not
// derive them. Each valid share also encodes back to its exact words, so the
// shares baton writes are those other SLIP-39 tools write.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "backup/slip39.h"
#include "slip39_share.h"
#include "test_util.h"
#include "vault/crypto.h"

namespace backup::slip39 {
namespace {

struct Vector {
  int number = 0;
  std::string description;
  std::vector<std::string> mnemonics;
  std::string secret_hex;  // empty: combining must fail
};

void PrintTo(const Vector& v, std::ostream* os) { *os << v.description; }

std::vector<Vector> LoadVectors() {
  std::ifstream in(BATON_SLIP39_VECTORS);
  if (!in) throw std::runtime_error("cannot open " BATON_SLIP39_VECTORS);
  std::vector<Vector> out;
  for (const auto& v : nlohmann::json::parse(in)) {
    out.push_back({static_cast<int>(out.size() + 1), v.at(0).get<std::string>(),
                   v.at(1).get<std::vector<std::string>>(), v.at(2).get<std::string>()});
  }
  return out;
}

constexpr std::string_view kPassphrase = "TREZOR";

TEST(Slip39VectorsFileTest, HasAllFortyFive) {
  const std::vector<Vector> vectors = LoadVectors();
  ASSERT_EQ(vectors.size(), 45u);
  int valid = 0;
  for (const Vector& v : vectors) valid += v.secret_hex.empty() ? 0 : 1;
  EXPECT_EQ(valid, 15);
}

class Slip39VectorTest : public ::testing::TestWithParam<Vector> {};

// Why each invalid vector must be refused, as a part of the message, so a
// refusal for another reason fails the test.
std::string_view Reason(int number) {
  static const std::map<int, std::string_view> kReasons = {
      {2, "checksum fails"},
      {3, "padding bits are not zero"},
      {5, "1 of 2 shares given; 1 more needed"},
      {6, "different sets (shares 1 and 2 differ in identifier)"},
      {7, "different sets (shares 1 and 2 differ in iteration exponent)"},
      {8, "different sets (shares 1 and 3 differ in group threshold)"},
      {9, "different sets (shares 1 and 2 differ in group count)"},
      {10, "group threshold (2) is more than its group count (1)"},
      {11, "are both member 3 but differ"},
      {12, "different sets (shares 1 and 2 differ in member threshold)"},
      {13, "digest check fails"},
      {14, "1 of 2 groups given; 1 more group needed"},
      {15, "1 of 2 groups given; 1 more group needed"},
      {16, "group 4: 1 of 2 shares given; 1 more needed"},
      {39, "19 words, too few"},
      {40, "21 words, a length no share has"},
  };
  // The 256-bit vectors 21 to 35 repeat the 128-bit ones 2 to 16.
  const auto it = kReasons.find(number >= 21 && number <= 35 ? number - 19 : number);
  return it == kReasons.end() ? std::string_view() : it->second;
}

TEST_P(Slip39VectorTest, CombinesOrRefuses) {
  const Vector& v = GetParam();
  const std::vector<std::string_view> shares(v.mnemonics.begin(), v.mnemonics.end());
  auto secret = Combine(shares, vault::crypto::AsBytes(kPassphrase));
  if (v.secret_hex.empty()) {
    ASSERT_FALSE(secret.has_value()) << "accepted an invalid set";
    const std::string_view reason = Reason(v.number);
    ASSERT_FALSE(reason.empty()) << "no reason listed for vector " << v.number;
    EXPECT_NE(secret.error().message().find(reason), std::string::npos)
        << secret.error().ToString();
    return;
  }
  ASSERT_OK(secret);
  EXPECT_EQ(vault::crypto::ToHex(secret->bytes()), v.secret_hex);
}

TEST_P(Slip39VectorTest, ValidSharesEncodeToTheirWords) {
  const Vector& v = GetParam();
  if (v.secret_hex.empty()) return;
  for (size_t i = 0; i < v.mnemonics.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(internal::Share share,
                         internal::DecodeShare(v.mnemonics[i], static_cast<int>(i + 1)));
    EXPECT_EQ(MnemonicText(internal::EncodeShare(share)), v.mnemonics[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(Published, Slip39VectorTest, ::testing::ValuesIn(LoadVectors()),
                         [](const ::testing::TestParamInfo<Vector>& p) {
  return "Vector" + std::to_string(p.param.number) +
         (p.param.secret_hex.empty() ? "Invalid" : "Valid");
});

}  // namespace
}  // namespace backup::slip39
