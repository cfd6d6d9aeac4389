// SLIP-39 split and combine: round trips over sizes and group layouts, the
// spec's passphrase behaviour, and every refusal with its message.
#include "backup/slip39.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "fake_env.h"
#include "test_util.h"
#include "vault/crypto.h"

namespace backup::slip39 {
namespace {

using testing_util::FakeEnv;
using vault::SecureBuffer;
using vault::crypto::AsBytes;

using Groups = std::vector<std::vector<Mnemonic>>;

SecureBuffer SecretOf(size_t n, uint8_t seed) {
  SecureBuffer s(n);
  for (size_t i = 0; i < n; ++i) s.data()[i] = static_cast<uint8_t>(seed + 37 * i);
  return s;
}

bool Same(const SecureBuffer& a, const SecureBuffer& b) {
  return std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin(), b.bytes().end());
}

// Fast options: the fewest PBKDF2 iterations the format has.
SplitOptions Layout(int group_threshold, std::vector<GroupSpec> groups, bool extendable = true) {
  SplitOptions o;
  o.group_threshold = group_threshold;
  o.groups = std::move(groups);
  o.iteration_exponent = 0;
  o.extendable = extendable;
  return o;
}

std::vector<std::string> Words(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

vault::Result<SecureBuffer> CombineTexts(const std::vector<std::string>& texts,
                                         std::string_view passphrase = "") {
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  return Combine(views, AsBytes(passphrase));
}

std::string Text(const Mnemonic& m) { return std::string(MnemonicText(m)); }

class Slip39Test : public ::testing::Test {
 protected:
  // Splits a 16-byte secret 2-of-3 in one group.
  void SetUp() override {
    auto groups = Split(env_, secret_, AsBytes("pass"), Layout(1, {{2, 3}}));
    ASSERT_OK(groups);
    for (const auto& m : (*groups)[0]) shares_.push_back(Text(m));
  }

  FakeEnv env_;
  SecureBuffer secret_ = SecretOf(16, 7);
  std::vector<std::string> shares_;
};

// --- Round trips ---------------------------------------------------------------

struct RoundTrip {
  size_t bytes;
  bool extendable;
};

void PrintTo(const RoundTrip& r, std::ostream* os) {
  *os << r.bytes << " bytes, " << (r.extendable ? "extendable" : "not extendable");
}

class Slip39RoundTripTest : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(Slip39RoundTripTest, AnyThreeOfFiveRecover) {
  FakeEnv env;
  const SecureBuffer secret = SecretOf(GetParam().bytes, 1);
  ASSERT_OK_AND_ASSIGN(Groups groups, Split(env, secret, AsBytes("TREZOR"),
                                            Layout(1, {{3, 5}}, GetParam().extendable)));
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_EQ(groups[0].size(), 5u);
  const size_t words = GetParam().bytes == 16 ? 20 : 33;
  EXPECT_EQ(Words(MnemonicText(groups[0][0])).size(), words);
  int subsets = 0;
  for (int mask = 0; mask < 32; ++mask) {
    if (__builtin_popcount(static_cast<unsigned>(mask)) != 3) continue;
    std::vector<std::string> chosen;
    for (int i = 0; i < 5; ++i) {
      if ((mask >> i) & 1) chosen.push_back(Text(groups[0][static_cast<size_t>(i)]));
    }
    ASSERT_OK_AND_ASSIGN(SecureBuffer back, CombineTexts(chosen, "TREZOR"));
    EXPECT_TRUE(Same(back, secret)) << "subset " << mask;
    ++subsets;
  }
  EXPECT_EQ(subsets, 10);
}

INSTANTIATE_TEST_SUITE_P(SizesAndFlag, Slip39RoundTripTest,
                         ::testing::Values(RoundTrip{16, true}, RoundTrip{16, false},
                                           RoundTrip{32, true}, RoundTrip{32, false}),
                         [](const ::testing::TestParamInfo<RoundTrip>& p) {
  return std::to_string(p.param.bytes) + "Bytes" +
         (p.param.extendable ? "Extendable" : "NotExtendable");
});

TEST(Slip39LayoutTest, AnyTwoOfThreeGroupsRecover) {
  FakeEnv env;
  const SecureBuffer secret = SecretOf(32, 3);
  const std::vector<GroupSpec> specs = {{2, 3}, {1, 1}, {3, 5}};
  ASSERT_OK_AND_ASSIGN(Groups groups, Split(env, secret, {}, Layout(2, specs)));
  ASSERT_EQ(groups.size(), 3u);
  for (size_t g = 0; g < 3; ++g) EXPECT_EQ(groups[g].size(), static_cast<size_t>(specs[g].count));
  for (size_t a = 0; a < 3; ++a) {
    for (size_t b = a + 1; b < 3; ++b) {
      std::vector<std::string> chosen;
      // The last `threshold` members of each group, to use other indices
      // than the first ones.
      for (size_t g : {b, a}) {
        for (size_t m = groups[g].size() - static_cast<size_t>(specs[g].threshold);
             m < groups[g].size(); ++m) {
          chosen.push_back(Text(groups[g][m]));
        }
      }
      ASSERT_OK_AND_ASSIGN(SecureBuffer back, CombineTexts(chosen));
      EXPECT_TRUE(Same(back, secret)) << "groups " << a << " and " << b;
    }
  }
}

TEST(Slip39LayoutTest, SixteenGroupsOfSixteen) {
  FakeEnv env;
  const SecureBuffer secret = SecretOf(16, 9);
  ASSERT_OK_AND_ASSIGN(Groups groups,
                       Split(env, secret, {}, Layout(16, std::vector<GroupSpec>(16, {16, 16}))));
  std::vector<std::string> all;
  for (const auto& g : groups) {
    for (const auto& m : g) all.push_back(Text(m));
  }
  ASSERT_EQ(all.size(), 256u);
  ASSERT_OK_AND_ASSIGN(SecureBuffer back, CombineTexts(all));
  EXPECT_TRUE(Same(back, secret));
}

TEST(Slip39LayoutTest, OneOfOneIsTheWholeSecret) {
  FakeEnv env;
  const SecureBuffer secret = SecretOf(16, 4);
  ASSERT_OK_AND_ASSIGN(Groups groups, Split(env, secret, {}, Layout(1, {{1, 1}})));
  ASSERT_OK_AND_ASSIGN(SecureBuffer back, CombineTexts({Text(groups[0][0])}));
  EXPECT_TRUE(Same(back, secret));
}

TEST_F(Slip39Test, SameSeedSameShares) {
  FakeEnv again;
  ASSERT_OK_AND_ASSIGN(Groups groups, Split(again, secret_, AsBytes("pass"), Layout(1, {{2, 3}})));
  EXPECT_EQ(Text(groups[0][1]), shares_[1]);
}

TEST_F(Slip39Test, InspectReadsTheFields) {
  SplitOptions o = Layout(2, {{2, 3}, {3, 4}}, /*extendable=*/false);
  o.identifier = 0x1234;
  o.iteration_exponent = 2;
  ASSERT_OK_AND_ASSIGN(Groups groups, Split(env_, secret_, {}, o));
  ASSERT_OK_AND_ASSIGN(ShareInfo info, Inspect(MnemonicText(groups[1][2])));
  EXPECT_EQ(info.identifier, 0x1234);
  EXPECT_FALSE(info.extendable);
  EXPECT_EQ(info.iteration_exponent, 2);
  EXPECT_EQ(info.group_index, 2);
  EXPECT_EQ(info.group_threshold, 2);
  EXPECT_EQ(info.group_count, 2);
  EXPECT_EQ(info.member_index, 3);
  EXPECT_EQ(info.member_threshold, 3);
  EXPECT_EQ(info.secret_bytes, 16u);
  // Inspect reads with Combine's rules and messages.
  auto bad = Inspect("  ");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "share 1 is empty");
}

// The spec has no passphrase check: a wrong one gives another secret, so
// that a decoy passphrase cannot be told from the real one.
TEST_F(Slip39Test, WrongPassphraseGivesAnotherSecret) {
  ASSERT_OK_AND_ASSIGN(SecureBuffer right, CombineTexts({shares_[0], shares_[1]}, "pass"));
  ASSERT_OK_AND_ASSIGN(SecureBuffer wrong, CombineTexts({shares_[0], shares_[1]}, "Pass"));
  EXPECT_TRUE(Same(right, secret_));
  EXPECT_FALSE(Same(wrong, secret_));
  EXPECT_EQ(wrong.size(), secret_.size());
}

TEST_F(Slip39Test, ForgivingInput) {
  std::vector<std::string> words = Words(shares_[0]);
  std::string messy = "\n  ";
  for (size_t i = 0; i < words.size(); ++i) {
    std::string w = i % 2 == 0 ? words[i].substr(0, 4) : words[i];
    if (i % 3 == 0) std::transform(w.begin(), w.end(), w.begin(), ::toupper);
    messy += w + (i % 5 == 4 ? "\r\n" : " \t ");
  }
  ASSERT_OK_AND_ASSIGN(SecureBuffer back, CombineTexts({shares_[2], messy}, "pass"));
  EXPECT_TRUE(Same(back, secret_));
}

// --- Refusals when combining -----------------------------------------------------

void ExpectError(const vault::Result<SecureBuffer>& r, vault::Status::Code code,
                 std::string_view message) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), code) << r.error().ToString();
  EXPECT_EQ(r.error().message(), message);
}

using Code = vault::Status::Code;

TEST_F(Slip39Test, TooFewShares) {
  FakeEnv env;
  ASSERT_OK_AND_ASSIGN(Groups groups, Split(env, secret_, {}, Layout(1, {{3, 5}})));
  ExpectError(CombineTexts({Text(groups[0][0]), Text(groups[0][3])}), Code::kFailedPrecondition,
              "2 of 3 shares given; 1 more needed");
}

TEST(Slip39GroupTest, TooFewGroupsAndMembers) {
  FakeEnv env;
  ASSERT_OK_AND_ASSIGN(Groups groups,
                       Split(env, SecretOf(16, 2), {}, Layout(2, {{2, 3}, {1, 1}, {2, 2}})));
  ExpectError(CombineTexts({Text(groups[0][0]), Text(groups[0][1])}), Code::kFailedPrecondition,
              "shares of 1 of 2 groups given; 1 more group needed");
  ExpectError(CombineTexts({Text(groups[1][0]), Text(groups[0][2])}), Code::kFailedPrecondition,
              "group 1: 1 of 2 shares given; 1 more needed");
  ExpectError(CombineTexts({Text(groups[1][0]), Text(groups[2][0]), Text(groups[2][1]),
                            Text(groups[0][0]), Text(groups[0][1])}),
              Code::kInvalidArgument,
              "shares of 3 groups given, but this set takes exactly 2; leave out the shares of "
              "1 group");
}

TEST_F(Slip39Test, MoreSharesThanTheThreshold) {
  ExpectError(CombineTexts(shares_), Code::kInvalidArgument,
              "3 shares given, but exactly 2 are needed; leave 1 out");
}

TEST_F(Slip39Test, ShareGivenTwice) {
  ExpectError(CombineTexts({shares_[0], shares_[1], shares_[2], shares_[0]}),
              Code::kInvalidArgument, "share 4 was given twice (also as share 1)");
}

TEST_F(Slip39Test, SharesOfDifferentSets) {
  FakeEnv other(99);
  ASSERT_OK_AND_ASSIGN(Groups groups, Split(other, secret_, AsBytes("pass"), Layout(1, {{2, 3}})));
  ExpectError(CombineTexts({shares_[0], Text(groups[0][1])}), Code::kInvalidArgument,
              "these shares belong to different sets (shares 1 and 2 differ in identifier)");
}

TEST_F(Slip39Test, UnknownWordWithSuggestion) {
  std::vector<std::string> words = Words(shares_[1]);
  ASSERT_EQ(words.size(), 20u);
  const std::string right = words[16];
  std::string typo = right;
  typo[2] = typo[2] == 'q' ? 'x' : 'q';
  words[16] = typo;
  ExpectError(CombineTexts({shares_[0], Join(words)}, "pass"), Code::kInvalidArgument,
              "share 2, word 17 '" + typo + "' is not in the list (did you mean '" + right + "'?)");
}

TEST_F(Slip39Test, SuggestionsForSwapsAndTwoSlips) {
  ExpectError(CombineTexts({"ACADMEIC " + shares_[0]}), Code::kInvalidArgument,
              "share 1, word 1 'ACADMEIC' is not in the list (did you mean 'academic'?)");
  ExpectError(CombineTexts({"akademik " + shares_[0]}), Code::kInvalidArgument,
              "share 1, word 1 'akademik' is not in the list (did you mean 'academic'?)");
}

TEST_F(Slip39Test, UnknownWordsWithoutSuggestion) {
  ExpectError(CombineTexts({"zzzzzzzzzz " + shares_[0]}), Code::kInvalidArgument,
              "share 1, word 1 'zzzzzzzzzz' is not in the list");
  // Three letters are not a unique prefix; and what is shown is printable.
  ExpectError(CombineTexts({"aca " + shares_[0]}), Code::kInvalidArgument,
              "share 1, word 1 'aca' is not in the list");
  ExpectError(CombineTexts({shares_[0], "\x1b[2Jxx\x07 " + shares_[1]}), Code::kInvalidArgument,
              "share 2, word 1 '?[2Jxx?' is not in the list");
  ExpectError(CombineTexts({std::string(40, 'w')}), Code::kInvalidArgument,
              "share 1, word 1 '" + std::string(20, 'w') + "...' is not in the list");
}

TEST_F(Slip39Test, ChecksumFails) {
  std::vector<std::string> words = Words(shares_[0]);
  std::swap(words[6], words[7]);
  ExpectError(CombineTexts({shares_[1], shares_[2], Join(words)}), Code::kInvalidArgument,
              "share 3: checksum fails \u2014 a word is mistyped");
}

TEST_F(Slip39Test, EmptyOrBadLength) {
  ExpectError(CombineTexts({}), Code::kInvalidArgument, "no shares given");
  ExpectError(CombineTexts({" \n\t "}), Code::kInvalidArgument, "share 1 is empty");
  std::vector<std::string> words = Words(shares_[0]);
  words.pop_back();
  ExpectError(CombineTexts({Join(words)}), Code::kInvalidArgument,
              "share 1 has 19 words, too few: a share has at least 20");
  words = Words(shares_[0]);
  words.push_back("academic");
  ExpectError(CombineTexts({Join(words)}), Code::kInvalidArgument,
              "share 1 has 21 words, a length no share has (20 for a 128-bit secret, 33 for "
              "256-bit)");
  std::string long_text;
  for (int i = 0; i < 60; ++i) long_text += "academic ";
  ExpectError(CombineTexts({long_text}), Code::kInvalidArgument,
              "share 1 has more than 59 words; a share has 20 (128-bit secret) or 33 (256-bit)");
}

// Vector 3 of the published set: right checksum, padding bits not zero.
TEST_F(Slip39Test, PaddingNotZero) {
  ExpectError(CombineTexts({"duckling enlarge academic academic email result length solution "
                            "fridge kidney coal piece deal husband erode duke ajar music cargo "
                            "fitness"}),
              Code::kInvalidArgument,
              "share 1: its padding bits are not zero \u2014 not a valid share");
}

// Vector 11: two shares claim member index 3 of one set.
TEST_F(Slip39Test, TwoDifferentSharesInOnePlace) {
  ExpectError(CombineTexts({"device stay academic always dive coal antenna adult black exceed "
                            "stadium herald advance soldier busy dryer daughter evaluate "
                            "minister laser",
                            "device stay academic always dwarf afraid robin gravity crunch "
                            "adjust soul branch walnut coastal dream costume scholar mortgage "
                            "mountain pumps"}),
              Code::kInvalidArgument,
              "shares 1 and 2 are both member 3 but differ \u2014 one of them is damaged or "
              "from another set");
}

// Vector 13: well-formed shares whose digest does not match.
TEST_F(Slip39Test, DigestFails) {
  ExpectError(CombineTexts({"guilt walnut academic acid deliver remove equip listen vampire "
                            "tactics nylon rhythm failure husband fatigue alive blind enemy "
                            "teaspoon rebound",
                            "guilt walnut academic agency brave hamster hobo declare herd taste "
                            "alpha slim criminal mild arcade formal romp branch pink ambition"}),
              Code::kCorruption,
              "the shares do not fit together (their digest check fails) \u2014 one of them is "
              "damaged or from another set");
}

TEST_F(Slip39Test, PassphraseMustBePrintableAscii) {
  ExpectError(CombineTexts({shares_[0], shares_[1]}, "caf\xc3\xa9"), Code::kInvalidArgument,
              "the passphrase may hold only printable ASCII characters (space to '~')");
}

// --- Refusals when splitting -------------------------------------------------------

void ExpectSplitError(const SecureBuffer& secret, const SplitOptions& o, std::string_view message,
                      std::string_view passphrase = "") {
  FakeEnv env;
  auto r = Split(env, secret, AsBytes(passphrase), o);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsInvalidArgument()) << r.error().ToString();
  EXPECT_EQ(r.error().message(), message);
}

TEST(Slip39SplitTest, RefusesBadParameters) {
  const SecureBuffer s = SecretOf(16, 1);
  ExpectSplitError(s, Layout(1, {{4, 3}}),
                   "group 1: threshold 4 is not between 1 and its 3 shares");
  ExpectSplitError(s, Layout(1, {{2, 2}, {2, 17}}), "group 2: a group has 1 to 16 shares, not 17");
  ExpectSplitError(s, Layout(1, {{0, 2}}),
                   "group 1: threshold 0 is not between 1 and its 2 shares");
  ExpectSplitError(s, Layout(1, {{1, 3}}),
                   "group 1: threshold 1 with 3 shares makes copies of one share; make 1 share, "
                   "or set a threshold of 2 or more");
  ExpectSplitError(s, Layout(3, {{1, 1}, {2, 3}}),
                   "group threshold 3 is not between 1 and the 2 groups");
  ExpectSplitError(s, Layout(0, {{1, 1}}), "group threshold 0 is not between 1 and the 1 groups");
  ExpectSplitError(s, Layout(1, std::vector<GroupSpec>(17, {1, 1})),
                   "a set has 1 to 16 groups, not 17");
  ExpectSplitError(s, Layout(1, {}), "a set has 1 to 16 groups, not 0");
  SplitOptions o = Layout(1, {{1, 1}});
  o.iteration_exponent = 16;
  ExpectSplitError(s, o, "the iteration exponent must be from 0 to 15, not 16");
  o = Layout(1, {{1, 1}});
  o.identifier = 0x8000;
  ExpectSplitError(s, o, "the identifier must fit in 15 bits");
  ExpectSplitError(s, Layout(1, {{1, 1}}),
                   "the passphrase may hold only printable ASCII characters (space to '~')",
                   "tab\there");
}

TEST(Slip39SplitTest, RefusesBadSecretSizes) {
  for (size_t n : {0, 14, 15, 17, 33, 66}) {
    ExpectSplitError(SecretOf(n, 1), Layout(1, {{1, 1}}),
                     "the master secret has " + std::to_string(n) +
                         " bytes; it must have an even number from 16 to 64");
  }
}

TEST(Slip39SplitTest, SixtyFourBytesRoundTrip) {
  FakeEnv env;
  const SecureBuffer secret = SecretOf(64, 5);
  ASSERT_OK_AND_ASSIGN(Groups groups, Split(env, secret, {}, Layout(1, {{2, 2}})));
  EXPECT_EQ(Words(MnemonicText(groups[0][0])).size(), 59u);
  ASSERT_OK_AND_ASSIGN(SecureBuffer back, CombineTexts({Text(groups[0][1]), Text(groups[0][0])}));
  EXPECT_TRUE(Same(back, secret));
}

}  // namespace
}  // namespace backup::slip39
