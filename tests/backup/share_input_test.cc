// Recovery shares as custodians bring them (backup/share_input.h): typed one
// at a time with a running count and a precise error for the share at fault,
// or a file of shares; an age identity file.
#include "backup/share_input.h"

#include <deque>
#include <sstream>

#include "fake_env.h"
#include "team_recovery.h"
#include "temp_dir.h"
#include "test_util.h"

namespace testing_util {
namespace {

using backup::recovery::PromptShares;
using vault::SecureBuffer;

// A terminal that answers the prompts with `lines`, then has no more input.
class FakeTerminal {
 public:
  explicit FakeTerminal(std::deque<std::string> lines) : lines_(std::move(lines)) {}
  backup::recovery::SecretReader Reader() {
    return [this](std::string_view prompt) -> vault::Result<SecureBuffer> {
      prompts_.emplace_back(prompt);
      if (lines_.empty()) return vault::Fail(vault::Status::FailedPrecondition("no terminal"));
      SecureBuffer out = SecureBuffer::CopyOf(vault::crypto::AsBytes(lines_.front()));
      lines_.pop_front();
      return out;
    };
  }
  const std::vector<std::string>& prompts() const { return prompts_; }

 private:
  std::deque<std::string> lines_;
  std::vector<std::string> prompts_;
};

std::string Hex(const SecureBuffer& b) { return vault::crypto::ToHex(b.bytes()); }

class ShareInputTest : public ::testing::Test {
 protected:
  FakeEnv env_;
  TeamRecovery team_ = MakeTeamRecovery(env_);
  TeamRecovery other_ = MakeTeamRecovery(env_);
};

TEST_F(ShareInputTest, PromptCountsSharesAndAsksAgainAfterABadOne) {
  std::string typo = team_.shares[1];
  typo.replace(0, typo.find(' '), "zzzzz");
  FakeTerminal tty({team_.shares[0], typo, team_.shares[0], other_.shares[1], team_.shares[1],
                    "  " + team_.shares[4] + "  "});
  std::ostringstream status;
  auto secret = PromptShares(tty.Reader(), status);
  ASSERT_TRUE(secret.has_value()) << secret.error().ToString();
  auto expected = backup::slip39::Combine(
      std::vector<std::string_view>{team_.shares[2], team_.shares[3], team_.shares[0]}, {});
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(Hex(*secret), Hex(*expected));
  const std::string text = status.str();
  EXPECT_NE(text.find("share 1 accepted; 2 more needed\n"), std::string::npos) << text;
  EXPECT_NE(text.find("share 2, word 1 'zzzzz' is not in the list"), std::string::npos) << text;
  EXPECT_NE(text.find("share 2 was given twice (also as share 1); type share 2 again"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("these shares belong to different sets"), std::string::npos) << text;
  EXPECT_NE(text.find("share 2 accepted; 1 more needed\n"), std::string::npos) << text;
  EXPECT_NE(text.find("share 3 accepted; that is enough\n"), std::string::npos) << text;
  EXPECT_EQ(tty.prompts(), (std::vector<std::string>{"Share 1: ", "Share 2: ", "Share 2: ",
                                                     "Share 2: ", "Share 2: ", "Share 3: "}));
  // No secret is echoed back.
  EXPECT_EQ(text.find(team_.shares[0].substr(0, 20)), std::string::npos);
}

TEST_F(ShareInputTest, TheEndOfInputBeforeEnoughSharesIsAnError) {
  FakeTerminal tty({team_.shares[0], team_.shares[1]});
  std::ostringstream status;
  EXPECT_STATUS(PromptShares(tty.Reader(), status), kFailedPrecondition);
  EXPECT_NE(status.str().find("share 2 accepted; 1 more needed"), std::string::npos);
}

TEST_F(ShareInputTest, UnlockFromSharesGivesTheRecoveryKeysAndTheirAgeIdentity) {
  FakeTerminal tty({team_.shares[0], team_.shares[1], team_.shares[2]});
  std::ostringstream status;
  auto unlocked = backup::recovery::Unlock(env_, {}, tty.Reader(), status);
  ASSERT_TRUE(unlocked.has_value()) << unlocked.error().ToString();
  ASSERT_TRUE(unlocked->keys.has_value());
  ASSERT_TRUE(unlocked->identity.has_value());
  EXPECT_EQ(unlocked->keys->box.public_key, team_.keys.box.public_key);
  EXPECT_EQ(unlocked->identity->recipient().Format(), team_.age_recipient());
}

TEST_F(ShareInputTest, ASharesFileOneALineOrInBlocks) {
  TempDir dir;
  vault::Env& files = vault::Env::Default();
  const std::string path = dir.File("shares");
  std::string blocks = "# two blank-line separated shares, one over two lines\n";
  std::string spanning = team_.shares[3];
  spanning[spanning.find(' ', 30)] = '\n';
  blocks += team_.shares[1] + "\n\n" + spanning + "\n\n\n" + team_.shares[4] + "\n";
  for (const std::string& text : {team_.SharesText({1, 2, 3}), blocks}) {
    ASSERT_OK(files.WriteFileAtomic(path, vault::crypto::AsBytes(text), 0600));
    auto unlocked = backup::recovery::Unlock(files, {.shares_file = path}, {}, std::cerr);
    ASSERT_TRUE(unlocked.has_value()) << unlocked.error().ToString();
    EXPECT_EQ(unlocked->identity->recipient().Format(), team_.age_recipient());
  }
  ASSERT_OK(files.WriteFileAtomic(path, vault::crypto::AsBytes(team_.SharesText({1, 2})), 0600));
  auto few = backup::recovery::Unlock(files, {.shares_file = path}, {}, std::cerr);
  EXPECT_STATUS(few, kFailedPrecondition);
  EXPECT_NE(few.error().message().find(path + ": 2 of 3 shares given; 1 more needed"),
            std::string::npos)
      << few.error().message();
  EXPECT_STATUS(backup::recovery::Unlock(files, {.shares_file = dir.File("absent")}, {}, std::cerr),
                kNotFound);
}

TEST_F(ShareInputTest, AnIdentityFileGivesOnlyTheAgeIdentity) {
  TempDir dir;
  vault::Env& files = vault::Env::Default();
  auto identity = backup::age::Identity::Generate(env_);
  SecureBuffer key = identity.Format();
  const std::string text = "# created: today\n\n  " +
                           std::string(reinterpret_cast<const char*>(key.data()), key.size()) +
                           " \r\n";
  const std::string path = dir.File("id");
  ASSERT_OK(files.WriteFileAtomic(path, vault::crypto::AsBytes(text), 0600));
  auto unlocked = backup::recovery::Unlock(files, {.identity_file = path}, {}, std::cerr);
  ASSERT_TRUE(unlocked.has_value()) << unlocked.error().ToString();
  EXPECT_FALSE(unlocked->keys.has_value());
  EXPECT_EQ(unlocked->identity->recipient().Format(), identity.recipient().Format());
  ASSERT_OK(files.WriteFileAtomic(path, vault::crypto::AsBytes("AGE-SECRET-KEY-1QQQ\n"), 0600));
  auto bad = backup::recovery::ReadIdentityFile(files, path);
  EXPECT_STATUS(bad, kInvalidArgument);
  EXPECT_EQ(bad.error().message().find("QQQ"), std::string::npos) << bad.error().message();
}

}  // namespace
}  // namespace testing_util
