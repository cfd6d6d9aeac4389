// backup::age Encrypt/Decrypt: round trips and every kind of bad input.
#include "backup/age.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "fake_env.h"
#include "test_util.h"

namespace {

namespace age = backup::age;

constexpr size_t kChunk = 64 * 1024;

class AgeTest : public ::testing::Test {
 protected:
  std::string Plaintext(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
    return s;
  }
  std::string Encrypt(const std::string& plain, const std::vector<age::Recipient>& to,
                      bool armor = false) {
    std::istringstream in(plain);
    std::ostringstream out;
    EXPECT_OK(age::Encrypt(env_, to, in, out, {.armor = armor}));
    return out.str();
  }
  vault::Status Decrypt(const std::string& file, const age::Identity& id, std::string* plain) {
    std::istringstream in(file);
    std::ostringstream out;
    const vault::Status s = age::Decrypt(std::span(&id, 1), in, out);
    *plain = out.str();
    return s;
  }

  testing_util::FakeEnv env_{7};
  age::Identity alice_ = age::Identity::Generate(env_);
  age::Identity bob_ = age::Identity::Generate(env_);
};

TEST_F(AgeTest, RoundTripsAtChunkBoundaries) {
  for (size_t n :
       {size_t{0}, size_t{1}, kChunk - 1, kChunk, kChunk + 1, 2 * kChunk, 3 * kChunk + 5}) {
    for (bool armor : {false, true}) {
      const std::string plain = Plaintext(n);
      const std::string file = Encrypt(plain, {alice_.recipient()}, armor);
      std::string got;
      ASSERT_OK(Decrypt(file, alice_, &got)) << n << " armor " << armor;
      EXPECT_EQ(got, plain) << n << " armor " << armor;
    }
  }
}

TEST_F(AgeTest, WritesTheFormatTheSpecDescribes) {
  const std::string file = Encrypt("hi", {alice_.recipient()});
  EXPECT_TRUE(file.starts_with("age-encryption.org/v1\n-> X25519 ")) << file;
  // header + 16-byte nonce + one final chunk of 2 bytes and its tag
  const size_t header_end = file.find("\n---") + 4 + 1 + 43 + 1;
  EXPECT_EQ(file.size(), header_end + 16 + 2 + 16);
  const std::string armored = Encrypt("hi", {alice_.recipient()}, true);
  EXPECT_TRUE(armored.starts_with("-----BEGIN AGE ENCRYPTED FILE-----\n"));
  EXPECT_TRUE(armored.ends_with("\n-----END AGE ENCRYPTED FILE-----\n"));
}

TEST_F(AgeTest, EveryRecipientCanOpenAndOthersCannot) {
  const std::string plain = Plaintext(1000);
  const std::string file = Encrypt(plain, {alice_.recipient(), bob_.recipient()});
  std::string got;
  ASSERT_OK(Decrypt(file, bob_, &got));
  EXPECT_EQ(got, plain);
  ASSERT_OK(Decrypt(file, alice_, &got));
  EXPECT_EQ(got, plain);

  const age::Identity eve = age::Identity::Generate(env_);
  const vault::Status s = Decrypt(file, eve, &got);
  EXPECT_TRUE(s.IsWrongPassphrase()) << s.ToString();
  EXPECT_EQ(s.message(), "no identity matches any recipient");
  EXPECT_EQ(got, "");
}

TEST_F(AgeTest, EncryptNeedsARecipient) {
  std::istringstream in("x");
  std::ostringstream out;
  EXPECT_STATUS(age::Encrypt(env_, {}, in, out), kInvalidArgument);
}

TEST_F(AgeTest, FreshKeysAndNoncesPerFile) {
  const std::string a = Encrypt("same", {alice_.recipient()});
  const std::string b = Encrypt("same", {alice_.recipient()});
  EXPECT_NE(a, b);
}

// Any single flipped bit, in the header, its MAC or the payload, is caught.
TEST_F(AgeTest, EveryTamperedByteIsRefused) {
  const std::string plain = Plaintext(300);
  const std::string file = Encrypt(plain, {alice_.recipient()});
  const size_t mac_at = file.find("\n--- ") + 5;
  for (size_t i = 0; i < file.size(); ++i) {
    std::string bad = file;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    std::string got;
    const vault::Status s = Decrypt(bad, alice_, &got);
    ASSERT_FALSE(s.ok()) << "byte " << i << " flipped went unnoticed";
    EXPECT_EQ(got, "") << "byte " << i;
  }
  // The last base64 character of the MAC holds only padding bits in its low
  // bits, so flip a middle one to keep the base64 canonical.
  std::string bad_mac = file;
  bad_mac[mac_at + 10] = bad_mac[mac_at + 10] == 'A' ? 'B' : 'A';
  std::string got;
  EXPECT_EQ(Decrypt(bad_mac, alice_, &got).message(), "header MAC mismatch");
  std::string bad_payload = file;
  bad_payload[file.size() - 20] ^= 0x40;
  EXPECT_EQ(Decrypt(bad_payload, alice_, &got).message(), "payload damaged at chunk 0");
}

TEST_F(AgeTest, DamageInALaterChunkNamesItAndKeepsEarlierChunks) {
  const std::string plain = Plaintext(3 * kChunk);
  std::string file = Encrypt(plain, {alice_.recipient()});
  // The third chunk starts 2 sealed chunks after the payload nonce.
  const size_t payload_at = file.size() - (3 * (kChunk + 16));
  file[payload_at + 2 * (kChunk + 16) + 5] ^= 0x01;
  std::string got;
  const vault::Status s = Decrypt(file, alice_, &got);
  EXPECT_EQ(s.message(), "payload damaged at chunk 2");
  EXPECT_EQ(got, plain.substr(0, 2 * kChunk));
}

TEST_F(AgeTest, EveryTruncationIsRefused) {
  const std::string plain = Plaintext(kChunk + 100);
  const std::string file = Encrypt(plain, {alice_.recipient()});
  const size_t nonce_end = file.find("\n--- ") + 5 + 43 + 1 + 16;
  for (size_t n = 0; n < file.size(); n += (n < nonce_end + 40 ? 1 : 997)) {
    std::string got;
    const vault::Status s = Decrypt(file.substr(0, n), alice_, &got);
    ASSERT_FALSE(s.ok()) << "cut at " << n;
    if (n >= nonce_end) {
      EXPECT_TRUE(s.message().starts_with("payload")) << n << ": " << s.ToString();
    }
  }
  std::string got;
  EXPECT_EQ(Decrypt(file.substr(0, file.size() - 100 - 16), alice_, &got).message(),
            "payload truncated: no final chunk");
  EXPECT_EQ(got, plain.substr(0, kChunk));
}

TEST_F(AgeTest, RefusesWhatIsNotAnAgeFile) {
  std::string got;
  const std::vector<std::string> not_age = {"", "hello", "age-encryption.org\n",
                                            std::string("\x00\x01\x02", 3)};
  for (const std::string& bad : not_age) {
    const vault::Status s = Decrypt(bad, alice_, &got);
    EXPECT_NE(s.message().find("not an age file"), std::string::npos) << s.ToString();
  }
  EXPECT_TRUE(Decrypt("age-encryption.org/v2\n", alice_, &got).IsUnsupported());
}

// Header text of a file for alice, with its stanza lines replaced.
std::string WithStanza(const std::string& file, const std::string& stanza) {
  const size_t start = file.find('\n') + 1;
  const size_t end = file.find("\n---") + 1;
  return file.substr(0, start) + stanza + file.substr(end);
}

TEST_F(AgeTest, RefusesEmptyAndHugeStanzaLines) {
  const std::string file = Encrypt("x", {alice_.recipient()});
  std::string got;
  const std::vector<std::string> stanzas = {
      "-> \n\n",        "->\n\n", "-> X25519  abc\n\n",
      "-> X25519 \n\n", "\n",     "-> a\n" + std::string(65, 'A') + "\n"};
  for (const std::string& stanza : stanzas) {
    const vault::Status s = Decrypt(WithStanza(file, stanza), alice_, &got);
    EXPECT_TRUE(s.message().starts_with("age header: ")) << stanza << " -> " << s.ToString();
  }
  // A megabyte-long argument line is refused once it passes the line limit,
  // without reading the rest into memory.
  const std::string huge = "-> " + std::string(1 << 20, 'a') + "\n\n";
  EXPECT_EQ(Decrypt(WithStanza(file, huge), alice_, &got).message(), "age header: line too long");
  // So is a header made of very many short stanzas.
  std::string many;
  for (int i = 0; i < 80000; ++i) many += "-> grease " + std::to_string(i) + "\n" + "\n";
  EXPECT_EQ(Decrypt(WithStanza(file, many), alice_, &got).message(), "age header: too large");
}

TEST_F(AgeTest, ArmorIsStrict) {
  const std::string plain = Plaintext(200);
  const std::string armored = Encrypt(plain, {alice_.recipient()}, true);
  std::string got;
  ASSERT_OK(Decrypt("\n \t" + armored + " \n", alice_, &got));
  EXPECT_EQ(got, plain);
  const std::vector<std::string> bad_armor = {armored + "x", "x" + armored,
                                              armored.substr(0, armored.size() - 5)};
  for (const std::string& bad : bad_armor) {
    const vault::Status s = Decrypt(bad, alice_, &got);
    EXPECT_TRUE(s.message().starts_with("age armor: ")) << s.ToString();
  }
  std::string spaced = armored;
  spaced.insert(spaced.find('\n', 40), " ");
  EXPECT_TRUE(Decrypt(spaced, alice_, &got).message().starts_with("age armor: "));
}

}  // namespace

namespace {

// libsodium's base64 decoder takes some bytes >= 0x80 for digits; the
// parser must still see them as the non-base64 they are (found by
// age_header_fuzz).
TEST_F(AgeTest, HighBytesAreNotBase64) {
  const std::string file = Encrypt("x", {alice_.recipient()});
  std::string got;
  std::string mac = file;
  mac[file.find("\n--- ") + 5 + 41] = '\x80';
  EXPECT_EQ(Decrypt(mac, alice_, &got).message(), "age header: malformed MAC");
  std::string armored = Encrypt("x", {alice_.recipient()}, true);
  armored[armored.find('\n') + 10] = '\x80';
  EXPECT_EQ(Decrypt(armored, alice_, &got).message(), "age armor: invalid base64");
}

}  // namespace

namespace {

// The passphrase API refuses files to keys; the testkit's scrypt cases
// cover passphrase files themselves.
TEST_F(AgeTest, PassphraseDoesNotOpenAFileForAKey) {
  const std::string file = Encrypt("secret", {alice_.recipient()});
  std::istringstream in(file);
  std::ostringstream out;
  const std::string pass = "correct horse";
  const vault::Status s = age::DecryptWithPassphrase(
      vault::SecureBuffer::CopyOf({reinterpret_cast<const uint8_t*>(pass.data()), pass.size()}), in,
      out);
  EXPECT_TRUE(s.IsWrongPassphrase()) << s.ToString();
  EXPECT_EQ(out.str(), "");
}

}  // namespace
