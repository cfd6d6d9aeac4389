#include "vault/generator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fake_env.h"
#include "test_util.h"

namespace vault::gen {
namespace {

using testing_util::FakeEnv;

std::string Str(const SecureBuffer& b) { return std::string(b.data(), b.data() + b.size()); }

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

class GeneratorTest : public ::testing::Test {
 protected:
  std::string Password(const PasswordPolicy& policy) {
    auto r = GeneratePassword(env_, policy);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? Str(*r) : std::string();
  }
  std::string Passphrase(const PassphrasePolicy& policy) {
    auto r = GeneratePassphrase(env_, policy);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? Str(*r) : std::string();
  }
  FakeEnv env_{20260101};
};

// --- Passwords ----------------------------------------------------------------

TEST_F(GeneratorTest, DefaultPolicyHoldsOverManyDraws) {
  const PasswordPolicy policy;
  ASSERT_OK_AND_ASSIGN(std::string alphabet, PasswordAlphabet(policy));
  EXPECT_EQ(alphabet.size(), 94u);
  for (int i = 0; i < 2000; ++i) {
    const std::string pw = Password(policy);
    ASSERT_EQ(pw.size(), 20u);
    EXPECT_NE(pw.find_first_of(kLowercase), std::string::npos) << pw;
    EXPECT_NE(pw.find_first_of(kUppercase), std::string::npos) << pw;
    EXPECT_NE(pw.find_first_of(kDigits), std::string::npos) << pw;
    EXPECT_NE(pw.find_first_of(kSymbols), std::string::npos) << pw;
    EXPECT_EQ(pw.find_first_not_of(alphabet), std::string::npos) << pw;
  }
}

TEST_F(GeneratorTest, EveryLengthAndClassCombination) {
  for (int mask = 1; mask < 16; ++mask) {
    PasswordPolicy policy;
    policy.lowercase = mask & 1;
    policy.uppercase = mask & 2;
    policy.digits = mask & 4;
    policy.symbols = mask & 8;
    for (int length : {kMinLength, 9, 13, 64, kMaxLength}) {
      policy.length = length;
      for (int i = 0; i < 20; ++i) {
        const std::string pw = Password(policy);
        ASSERT_EQ(pw.size(), static_cast<size_t>(length));
        const std::string_view classes[] = {kLowercase, kUppercase, kDigits, kSymbols};
        for (int c = 0; c < 4; ++c) {
          const bool present = pw.find_first_of(classes[c]) != std::string::npos;
          EXPECT_EQ(present, (mask >> c) & 1) << "mask " << mask << " class " << c << ": " << pw;
        }
      }
    }
  }
}

TEST_F(GeneratorTest, ShortPasswordsWithSmallClassesStillHaveEachClass) {
  // One digit and one symbol left out of 54 characters: most raw draws miss
  // one of them, so this exercises the redraw loop.
  PasswordPolicy policy;
  policy.length = kMinLength;
  policy.exclude = "012345678" + std::string(kSymbols.substr(1));
  for (int i = 0; i < 200; ++i) {
    const std::string pw = Password(policy);
    EXPECT_NE(pw.find('9'), std::string::npos) << pw;
    EXPECT_NE(pw.find('!'), std::string::npos) << pw;
  }
}

TEST_F(GeneratorTest, ExclusionsAreRespected) {
  PasswordPolicy policy;
  policy.avoid_ambiguous = true;
  policy.exclude = "abc{}\\\"'`XYZ9 ";
  ASSERT_OK_AND_ASSIGN(std::string alphabet, PasswordAlphabet(policy));
  const std::string banned = std::string(kAmbiguous) + policy.exclude;
  EXPECT_EQ(alphabet.find_first_of(banned), std::string::npos) << alphabet;
  EXPECT_EQ(alphabet.size(), 94u - 6 - 14 + 1);  // the space was never in it
  for (int i = 0; i < 3000; ++i) {
    const std::string pw = Password(policy);
    ASSERT_EQ(pw.find_first_of(banned), std::string::npos) << pw;
  }
}

TEST_F(GeneratorTest, DeterministicUnderFakeEnvSeed) {
  FakeEnv a(7), b(7), c(8);
  const PasswordPolicy policy;
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK_AND_ASSIGN(SecureBuffer pa, GeneratePassword(a, policy));
    ASSERT_OK_AND_ASSIGN(SecureBuffer pb, GeneratePassword(b, policy));
    ASSERT_OK_AND_ASSIGN(SecureBuffer pc, GeneratePassword(c, policy));
    EXPECT_EQ(Str(pa), Str(pb));
    EXPECT_NE(Str(pa), Str(pc));
  }
  PassphrasePolicy phrase;
  ASSERT_OK_AND_ASSIGN(SecureBuffer qa, GeneratePassphrase(a, phrase));
  ASSERT_OK_AND_ASSIGN(SecureBuffer qb, GeneratePassphrase(b, phrase));
  EXPECT_EQ(Str(qa), Str(qb));
}

TEST_F(GeneratorTest, CharactersAreUniformChiSquare) {
  // 2000 passwords of 100 characters = 200k draws over 94 characters. Class
  // requirements would skew single-character frequencies, so they are off.
  PasswordPolicy policy;
  policy.length = 100;
  policy.require_each_class = false;
  ASSERT_OK_AND_ASSIGN(std::string alphabet, PasswordAlphabet(policy));
  std::map<char, int> counts;
  int total = 0;
  for (int i = 0; i < 2000; ++i) {
    for (char c : Password(policy)) {
      ++counts[c];
      ++total;
    }
  }
  ASSERT_EQ(total, 200000);
  ASSERT_EQ(counts.size(), alphabet.size()) << "every allowed character appears";
  const double expected = static_cast<double>(total) / static_cast<double>(alphabet.size());
  double chi2 = 0;
  for (char c : alphabet) {
    const double d = counts[c] - expected;
    chi2 += d * d / expected;
  }
  // 93 degrees of freedom: mean 93, sd about 13.6. The seed is fixed, so this
  // cannot flake; the bound (mean + 8 sd) still catches any real bias.
  EXPECT_LT(chi2, 93 + 8 * std::sqrt(2.0 * 93)) << chi2;
}

TEST_F(GeneratorTest, ImpossiblePoliciesAreRejected) {
  struct Case {
    std::string name;
    PasswordPolicy policy;
    std::string message_part;
  };
  std::vector<Case> cases;
  PasswordPolicy p;
  p.lowercase = p.uppercase = p.digits = p.symbols = false;
  cases.push_back({"all classes off", p, "no character class"});
  p = {};
  p.length = kMinLength - 1;
  cases.push_back({"too short", p, "between 8 and 128"});
  p.length = kMaxLength + 1;
  cases.push_back({"too long", p, "between 8 and 128"});
  p = {};
  p.exclude = std::string(kDigits);
  cases.push_back({"digits all excluded", p, "digits class"});
  p = {};
  p.avoid_ambiguous = true;
  p.exclude = "23456789";
  cases.push_back({"digits excluded with ambiguous", p, "digits class"});
  p = {};
  p.uppercase = p.digits = p.symbols = false;
  p.exclude = std::string(kLowercase);
  cases.push_back({"everything excluded", p, "lowercase class"});
  p = {};
  p.require_each_class = false;
  p.exclude = std::string(kSymbols);
  cases.push_back({"enabled class emptied without requirement", p, "symbols class"});
  p = {};
  p.exclude = "\xc3\xa9";
  cases.push_back({"non-ASCII exclusion", p, "printable ASCII"});
  p = {};
  p.exclude = std::string("a\0b", 3);
  cases.push_back({"control character exclusion", p, "printable ASCII"});

  for (const Case& c : cases) {
    const Status s = CheckPasswordPolicy(c.policy);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.name << ": " << s.ToString();
    EXPECT_NE(s.message().find(c.message_part), std::string::npos) << c.name << ": " << s.message();
    EXPECT_STATUS(GeneratePassword(env_, c.policy), kInvalidArgument) << c.name;
    EXPECT_STATUS(PasswordEntropyBits(c.policy), kInvalidArgument) << c.name;
    EXPECT_STATUS(PasswordAlphabet(c.policy), kInvalidArgument) << c.name;
  }
}

TEST_F(GeneratorTest, EntropyOfKnownPolicies) {
  PasswordPolicy lower_only;
  lower_only.length = 10;
  lower_only.uppercase = lower_only.digits = lower_only.symbols = false;
  ASSERT_OK_AND_ASSIGN(double bits, PasswordEntropyBits(lower_only));
  EXPECT_NEAR(bits, 10 * std::log2(26.0), 1e-9);  // 47.004...

  PasswordPolicy unconstrained;
  unconstrained.require_each_class = false;
  ASSERT_OK_AND_ASSIGN(bits, PasswordEntropyBits(unconstrained));
  EXPECT_NEAR(bits, 20 * std::log2(94.0), 1e-9);  // 131.09...

  // The default policy: log2 of the exact count of 20-character strings over
  // 94 characters with each of the four classes (26, 26, 10, 32), computed
  // with big integers in Python.
  ASSERT_OK_AND_ASSIGN(bits, PasswordEntropyBits(PasswordPolicy{}));
  EXPECT_NEAR(bits, 130.925867010866, 1e-9);
}

TEST_F(GeneratorTest, EntropyMatchesBruteForceCount) {
  // lower {a,b}, upper {A}, digits {0,1,2}: count the 8-character strings
  // over those 6 characters that use all three classes.
  PasswordPolicy policy;
  policy.length = 8;
  policy.symbols = false;
  policy.exclude = std::string(kLowercase.substr(2)) + std::string(kUppercase.substr(1)) +
                   std::string(kDigits.substr(3));
  ASSERT_OK_AND_ASSIGN(std::string alphabet, PasswordAlphabet(policy));
  ASSERT_EQ(alphabet, "abA012");
  uint64_t count = 0;
  uint64_t all = 1;
  for (int i = 0; i < 8; ++i) all *= 6;
  for (uint64_t x = 0; x < all; ++x) {
    int seen = 0;
    uint64_t y = x;
    for (int i = 0; i < 8; ++i, y /= 6) {
      const uint64_t d = y % 6;  // index into "abA012"
      seen |= d < 2 ? 1 : d < 3 ? 2 : 4;
    }
    if (seen == 7) ++count;
  }
  ASSERT_OK_AND_ASSIGN(double bits, PasswordEntropyBits(policy));
  EXPECT_NEAR(bits, std::log2(static_cast<double>(count)), 1e-9) << count;

  policy.require_each_class = false;
  ASSERT_OK_AND_ASSIGN(bits, PasswordEntropyBits(policy));
  EXPECT_NEAR(bits, 8 * std::log2(6.0), 1e-9);
}

// --- Randomness ---------------------------------------------------------------

// The reference: randombytes_uniform() over 4 little-endian bytes per draw.
uint32_t ReferenceUniform(FakeEnv& env, uint32_t bound, int* rejections) {
  if (bound < 2) return 0;
  const uint64_t min = (uint64_t{1} << 32) % bound;
  for (;;) {
    uint8_t b[4];
    env.RandomBytes(b);
    const uint32_t r = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
    if (r >= min) return r % bound;
    ++*rejections;
  }
}

TEST_F(GeneratorTest, UniformRandomIsRejectionSamplingLikeLibsodium) {
  FakeEnv a(99), b(99);
  int rejections = 0;
  // 2^31 + 1 rejects almost half of all 32-bit values.
  for (uint32_t bound : {0x80000001u, 3u, 7776u, 94u, 0xffffffffu}) {
    for (int i = 0; i < 2000; ++i) {
      const uint32_t got = UniformRandom(a, bound);
      ASSERT_EQ(got, ReferenceUniform(b, bound, &rejections)) << bound << " draw " << i;
      ASSERT_LT(got, bound);
    }
  }
  EXPECT_GT(rejections, 500) << "the rejection path was exercised";
  EXPECT_EQ(UniformRandom(a, 0), 0u);
  EXPECT_EQ(UniformRandom(a, 1), 0u);
}

// --- Passphrases --------------------------------------------------------------

TEST_F(GeneratorTest, WordListIsTheEffLargeList) {
  const auto words = WordList();
  ASSERT_EQ(words.size(), 7776u);
  EXPECT_EQ(words.front(), "abacus");
  EXPECT_EQ(words.back(), "zoom");
  const std::set<std::string_view> unique(words.begin(), words.end());
  EXPECT_EQ(unique.size(), words.size());
  for (std::string_view w : words) {
    ASSERT_GE(w.size(), 3u) << w;
    ASSERT_EQ(w.find_first_not_of("abcdefghijklmnopqrstuvwxyz-"), std::string_view::npos) << w;
  }
}

TEST_F(GeneratorTest, PassphraseWordsComeFromTheList) {
  const std::set<std::string_view> list(WordList().begin(), WordList().end());
  PassphrasePolicy policy;
  policy.separator = " ";
  for (int words : {kMinWords, kDefaultWords, kMaxWords}) {
    policy.words = words;
    for (int i = 0; i < 200; ++i) {
      const std::vector<std::string> parts = Split(Passphrase(policy), ' ');
      ASSERT_EQ(parts.size(), static_cast<size_t>(words));
      for (const std::string& w : parts) ASSERT_TRUE(list.count(w)) << w;
    }
  }
}

TEST_F(GeneratorTest, PassphraseWithCapitalsAndNumber) {
  const std::set<std::string_view> list(WordList().begin(), WordList().end());
  PassphrasePolicy policy;
  policy.words = 5;
  policy.separator = ".";
  policy.capitalize = true;
  policy.include_number = true;
  std::set<size_t> number_positions;
  for (int i = 0; i < 500; ++i) {
    const std::vector<std::string> parts = Split(Passphrase(policy), '.');
    ASSERT_EQ(parts.size(), 5u);
    int digits = 0;
    for (size_t k = 0; k < parts.size(); ++k) {
      std::string w = parts[k];
      ASSERT_TRUE(w[0] >= 'A' && w[0] <= 'Z') << w;
      w[0] = static_cast<char>(w[0] - 'A' + 'a');
      if (w.back() >= '0' && w.back() <= '9') {
        ++digits;
        number_positions.insert(k);
        w.pop_back();
      }
      ASSERT_TRUE(list.count(w)) << w;
    }
    ASSERT_EQ(digits, 1);
  }
  EXPECT_EQ(number_positions.size(), 5u) << "the number lands on every word position";
}

TEST_F(GeneratorTest, PassphraseEmptySeparator) {
  PassphrasePolicy policy;
  policy.separator = "";
  policy.words = 3;
  const std::string p = Passphrase(policy);
  EXPECT_GE(p.size(), 9u);
  EXPECT_EQ(p.find_first_not_of("abcdefghijklmnopqrstuvwxyz-"), std::string::npos) << p;
}

TEST_F(GeneratorTest, BadPassphrasePoliciesAreRejected) {
  struct Case {
    std::string name;
    PassphrasePolicy policy;
    std::string message_part;
  };
  std::vector<Case> cases;
  PassphrasePolicy p;
  p.words = kMinWords - 1;
  cases.push_back({"too few words", p, "between 3 and 20"});
  p.words = kMaxWords + 1;
  cases.push_back({"too many words", p, "between 3 and 20"});
  p = {};
  p.separator = "123456789";
  cases.push_back({"separator too long", p, "longer than 8"});
  for (std::string sep : {"a", "1", "-x-", "\t", "\xc3\xa9"}) {
    p = {};
    p.separator = sep;
    cases.push_back({"separator " + sep, p, "spaces and ASCII punctuation"});
  }
  for (const Case& c : cases) {
    const Status s = CheckPassphrasePolicy(c.policy);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.name << ": " << s.ToString();
    EXPECT_NE(s.message().find(c.message_part), std::string::npos) << c.name << ": " << s.message();
    EXPECT_STATUS(GeneratePassphrase(env_, c.policy), kInvalidArgument) << c.name;
    EXPECT_STATUS(PassphraseEntropyBits(c.policy), kInvalidArgument) << c.name;
  }
}

TEST_F(GeneratorTest, PassphraseEntropy) {
  PassphrasePolicy policy;
  ASSERT_OK_AND_ASSIGN(double bits, PassphraseEntropyBits(policy));
  EXPECT_NEAR(bits, 77.54887502163469, 1e-9);  // 6 * log2(7776)
  policy.capitalize = true;
  policy.separator = " ";
  ASSERT_OK_AND_ASSIGN(bits, PassphraseEntropyBits(policy));
  EXPECT_NEAR(bits, 77.54887502163469, 1e-9);
  policy.include_number = true;
  ASSERT_OK_AND_ASSIGN(bits, PassphraseEntropyBits(policy));
  EXPECT_NEAR(bits, 77.54887502163469 + std::log2(60.0), 1e-9);
}

}  // namespace
}  // namespace vault::gen
