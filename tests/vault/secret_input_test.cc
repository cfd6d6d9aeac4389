// Reading secrets from a file or standard input (vault/secret_input.h).
#include "vault/secret_input.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "fake_env.h"
#include "test_util.h"
#include "vault/crypto.h"

namespace vault {
namespace {

std::string Text(const SecureBuffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

class SecretInputTest : public ::testing::Test {
 protected:
  void Put(const std::string& path, const std::string& text) {
    env_.files()[path] = std::vector<uint8_t>(text.begin(), text.end());
  }
  testing_util::FakeEnv env_;
};

TEST_F(SecretInputTest, StandardInputGivesTheFirstLineWithoutItsEnding) {
  std::istringstream in("correct horse\r\nsecond line\n");
  ASSERT_OK_AND_ASSIGN(SecureBuffer s, ReadSecretFile(env_, in, "-"));
  EXPECT_EQ(Text(s), "correct horse");
  std::string rest;
  std::getline(in, rest);
  EXPECT_EQ(rest, "second line") << "only the first line is consumed";
}

TEST_F(SecretInputTest, StandardInputWithoutANewlineIsTheWholeText) {
  std::istringstream in("no newline");
  ASSERT_OK_AND_ASSIGN(SecureBuffer s, ReadSecretFile(env_, in, "-"));
  EXPECT_EQ(Text(s), "no newline");
}

TEST_F(SecretInputTest, AnEmptyStandardInputIsRefused) {
  for (const char* text : {"", "\n", "\r\n"}) {
    std::istringstream in(text);
    auto s = ReadSecretFile(env_, in, "-");
    EXPECT_STATUS(s, kInvalidArgument) << "input \"" << text << "\"";
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().message(), "the secret on standard input is empty");
  }
}

TEST_F(SecretInputTest, AFileLosesOnlyItsTrailingLineEndings) {
  Put("/p", "pass phrase with spaces \n\r\n");
  std::istringstream unused("not this");
  ASSERT_OK_AND_ASSIGN(SecureBuffer s, ReadSecretFile(env_, unused, "/p"));
  EXPECT_EQ(Text(s), "pass phrase with spaces ");
}

TEST_F(SecretInputTest, AnEmptyOrMissingFileIsAnErrorNamingIt) {
  Put("/empty", "\n");
  std::istringstream in;
  auto empty = ReadSecretFile(env_, in, "/empty");
  EXPECT_STATUS(empty, kInvalidArgument);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().message(), "/empty is empty");
  EXPECT_STATUS(ReadSecretFile(env_, in, "/missing"), kNotFound);
}

TEST_F(SecretInputTest, ALineOver4096BytesIsRefusedNotCutShort) {
  std::istringstream fits(std::string(4096, 'x') + "\n");
  ASSERT_OK_AND_ASSIGN(SecureBuffer s, ReadSecretFile(env_, fits, "-"));
  EXPECT_EQ(s.size(), 4096u);
  std::istringstream fits_without_newline(std::string(4096, 'y'));
  EXPECT_OK(ReadSecretFile(env_, fits_without_newline, "-"));
  std::istringstream too_long(std::string(4097, 'x') + "\n");
  auto r = ReadSecretFile(env_, too_long, "-");
  EXPECT_STATUS(r, kInvalidArgument);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "the secret on standard input is longer than 4096 bytes");
}

}  // namespace
}  // namespace vault
