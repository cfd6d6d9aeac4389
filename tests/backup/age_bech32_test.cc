// The Bech32 codec against the BIP-173 test vectors
// (https://github.com/bitcoin/bips/blob/master/bip-0173.mediawiki#test-vectors),
// and the age key encodings built on it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backup/age.h"
#include "bech32.h"
#include "test_util.h"

namespace {

namespace bech32 = backup::bech32;
namespace age = backup::age;

TEST(Bech32, AcceptsTheValidBip173Vectors) {
  const std::vector<std::string> valid = {
      "A12UEL5L",
      "a12uel5l",
      "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
      "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
      "11" + std::string(82, 'q') + "c8247j",  // 90 characters
      "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
      "?1ezyfcl",
  };
  for (const std::string& s : valid) EXPECT_OK(bech32::Split(s)) << s;
  ASSERT_OK_AND_ASSIGN(auto parts, bech32::Split("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"));
  EXPECT_EQ(parts.hrp, "abcdef");
  std::vector<uint8_t> want;
  for (uint8_t v = 0; v < 32; ++v) want.push_back(v);
  EXPECT_EQ(parts.values, want);
}

TEST(Bech32, RefusesTheInvalidBip173Vectors) {
  // Left out: "an84…1569pvx", invalid in BIP-173 only for its length, which
  // age does not limit.
  const std::vector<std::string> invalid = {
      std::string("\x20") + "1nwldj5",   // HRP character out of range
      std::string("\x7f") + "1axkwrx",   // HRP character out of range
      std::string("\x80") + "1eym55h",   // HRP character out of range
      "pzry9x0s0muk",                    // no separator
      "1pzry9x0s0muk",                   // empty HRP
      "x1b4n0q5v",                       // invalid data character
      "li1dgmt3",                        // too short checksum
      std::string("de1lg7wt") + "\xff",  // invalid character in checksum
      "A1G7SGD8",                        // checksum over the upper-case HRP
      "10a06t8",                         // empty HRP
      "1qzzfhee",                        // empty HRP
      "A12uEL5L",                        // mixed case
  };
  for (const std::string& s : invalid) EXPECT_STATUS(bech32::Split(s), kInvalidArgument) << s;
}

// 32 bytes take 52 five-bit values, with 4 bits of padding that must be
// zero; 54 values would end in 6 bits of padding, more than a value holds.
TEST(Bech32, RefusesNonZeroOrOverlongPadding) {
  const std::vector<uint8_t> key(32, 0);
  const vault::SecureBuffer good = bech32::Encode("age", key, false);
  const std::string text(reinterpret_cast<const char*>(good.data()), good.size());
  ASSERT_OK(bech32::Decode(text, "age"));
  ASSERT_OK_AND_ASSIGN(auto parts, bech32::Split(text));
  ASSERT_EQ(parts.values.size(), 52u);
  const std::string alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  std::string data = text.substr(4, 52);
  data.back() = alphabet[1];  // value 1: a padding bit set
  // The codec cannot write such strings, so the test checksums them with
  // BIP-173's reference polymod.
  auto polymod = [](const std::vector<uint8_t>& values) {
    const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t chk = 1;
    for (uint8_t v : values) {
      const uint32_t top = chk >> 25;
      chk = ((chk & 0x1ffffff) << 5) ^ v;
      for (int i = 0; i < 5; ++i) chk ^= ((top >> i) & 1) ? gen[i] : 0;
    }
    return chk;
  };
  auto with_checksum = [&](const std::string& payload) {
    std::vector<uint8_t> values = {3, 3, 3, 0, 1, 7, 5};  // "age" expanded
    for (char ch : payload) values.push_back(static_cast<uint8_t>(alphabet.find(ch)));
    values.insert(values.end(), 6, 0);
    const uint32_t chk = polymod(values) ^ 1;
    std::string out = "age1" + payload;
    for (int i = 0; i < 6; ++i) out.push_back(alphabet[(chk >> (5 * (5 - i))) & 31]);
    return out;
  };
  ASSERT_EQ(with_checksum(text.substr(4, 52)), text) << "the test's own encoder is wrong";
  EXPECT_STATUS(bech32::Decode(with_checksum(data), "age"), kInvalidArgument);
  EXPECT_STATUS(bech32::Decode(with_checksum(text.substr(4, 52) + "qq"), "age"), kInvalidArgument);
  EXPECT_OK(bech32::Decode(with_checksum(text.substr(4, 52) + "q"), "age"));  // 33 bytes
}

TEST(Bech32, EncodesWhatItDecodes) {
  const std::vector<uint8_t> data = {0, 1, 2, 0xfe, 0xff, 0x80, 0x7f};
  const vault::SecureBuffer text = bech32::Encode("test", data, false);
  const std::string s(reinterpret_cast<const char*>(text.data()), text.size());
  ASSERT_OK_AND_ASSIGN(auto back, bech32::Decode(s, "test"));
  EXPECT_EQ(std::vector<uint8_t>(back.bytes().begin(), back.bytes().end()), data);
  EXPECT_STATUS(bech32::Decode(s, "tesu"), kInvalidArgument);
}

// The spec's own example key pair (age.md, "The X25519 recipient type"):
// the identity's public key is the recipient it shows.
TEST(AgeKeys, SpecExampleIdentityGivesItsRecipient) {
  const std::string identity =
      "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
  ASSERT_OK_AND_ASSIGN(auto id, age::Identity::Parse(identity));
  EXPECT_EQ(id.recipient().Format(),
            "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj");
  const vault::SecureBuffer formatted = id.Format();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(formatted.data()), formatted.size()),
            identity);
  ASSERT_OK_AND_ASSIGN(auto r, age::Recipient::Parse(id.recipient().Format()));
  EXPECT_EQ(r.key(), id.recipient().key());
}

TEST(AgeKeys, AcceptsLowerCaseIdentityAndUpperCaseRecipient) {
  EXPECT_OK(age::Identity::Parse(
      "age-secret-key-1gfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpq4egaex"));
  EXPECT_OK(
      age::Recipient::Parse("AGE1ZVKYG2LQZRAA2LNJVQEJ32NKUU0UES2S82HZRYE869XEEXVN73EQUNUJWJ"));
}

TEST(AgeKeys, RefusesBadChecksumWrongPrefixAndWrongLength) {
  // One character changed: the checksum no longer matches.
  EXPECT_STATUS(
      age::Recipient::Parse("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwq"),
      kInvalidArgument);
  EXPECT_STATUS(age::Identity::Parse(
                    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEQ"),
                kInvalidArgument);
  // A valid identity is not a recipient, nor the reverse.
  EXPECT_STATUS(age::Recipient::Parse(
                    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"),
                kInvalidArgument);
  EXPECT_STATUS(
      age::Identity::Parse("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"),
      kInvalidArgument);
  // Valid Bech32 under "age" but 16 bytes, not 32.
  const std::vector<uint8_t> short_key(16, 7);
  const vault::SecureBuffer text = bech32::Encode("age", short_key, false);
  EXPECT_STATUS(
      age::Recipient::Parse(std::string(reinterpret_cast<const char*>(text.data()), text.size())),
      kInvalidArgument);
  EXPECT_STATUS(age::Recipient::Parse(""), kInvalidArgument);
}

TEST(AgeKeys, ErrorsNeverQuoteTheSecret) {
  const std::string bad =
      "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEQ";
  auto r = age::Identity::Parse(bad);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message().find("GFPYYSJZ"), std::string::npos) << r.error().ToString();
}

TEST(AgeKeys, FromSecretNeedsThirtyTwoBytes) {
  std::vector<uint8_t> secret(32, 0x42);
  ASSERT_OK_AND_ASSIGN(auto a, age::Identity::FromSecret(secret));
  ASSERT_OK_AND_ASSIGN(auto b, age::Identity::FromSecret(secret));
  EXPECT_EQ(a.recipient().key(), b.recipient().key());
  secret.pop_back();
  EXPECT_STATUS(age::Identity::FromSecret(secret), kInvalidArgument);
}

}  // namespace
