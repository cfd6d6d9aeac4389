// The server's sign-in guards on their own, on a FakeEnv clock: Challenges
// (single-use nonces bound to a member, with a lifetime) and LoginLimiter (failed logins per key in
// a sliding window).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "auth.h"
#include "fake_env.h"

namespace {

using server::Challenges;
using server::LoginLimiter;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing_util::FakeEnv;

// --- Challenges ----------------------------------------------------------------

class ChallengesTest : public ::testing::Test {
 protected:
  FakeEnv env_;
  Challenges challenges_{env_, seconds(60)};
};

TEST_F(ChallengesTest, ANonceIsFreshBase64UrlAndOpensOnceForItsMember) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string nonce = challenges_.Issue("m1");
    EXPECT_EQ(nonce.size(), 43u) << nonce;  // 32 random bytes, unpadded
    EXPECT_EQ(
        nonce.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << nonce;
    EXPECT_TRUE(seen.insert(nonce).second) << "issued twice: " << nonce;
  }
  const std::string nonce = challenges_.Issue("m1");
  EXPECT_TRUE(challenges_.Consume(nonce, "m1"));
  EXPECT_FALSE(challenges_.Consume(nonce, "m1")) << "a nonce opens once";
}

TEST_F(ChallengesTest, AnUnknownNonceIsRefused) {
  EXPECT_FALSE(challenges_.Consume("", "m1"));
  EXPECT_FALSE(challenges_.Consume("never-issued", "m1"));
  const std::string nonce = challenges_.Issue("m1");
  EXPECT_FALSE(challenges_.Consume(nonce + "x", "m1"));
  EXPECT_TRUE(challenges_.Consume(nonce, "m1")) << "a near miss does not spend the real one";
}

TEST_F(ChallengesTest, AnotherMembersAttemptSpendsTheNonce) {
  const std::string nonce = challenges_.Issue("m1");
  EXPECT_FALSE(challenges_.Consume(nonce, "m2"));
  EXPECT_FALSE(challenges_.Consume(nonce, "m1")) << "each nonce allows a single attempt";
}

TEST_F(ChallengesTest, ANonceExpiresAtItsTtl) {
  const std::string on_time = challenges_.Issue("m1");
  const std::string late = challenges_.Issue("m1");
  env_.AdvanceTime(seconds(60) - nanoseconds(1));
  EXPECT_TRUE(challenges_.Consume(on_time, "m1"));
  env_.AdvanceTime(nanoseconds(1));
  EXPECT_FALSE(challenges_.Consume(late, "m1"));
  // Issuing sweeps expired nonces; fresh ones are unaffected.
  const std::string fresh = challenges_.Issue("m1");
  EXPECT_TRUE(challenges_.Consume(fresh, "m1"));
}

// --- LoginLimiter ----------------------------------------------------------------

class LoginLimiterTest : public ::testing::Test {
 protected:
  FakeEnv env_;
  LoginLimiter limiter_{env_, 3, seconds(60)};
};

TEST_F(LoginLimiterTest, BlocksAtTheLimitUntilTheWindowPasses) {
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
  limiter_.RecordFailure("m1");
  limiter_.RecordFailure("m1");
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt) << "below the limit";
  limiter_.RecordFailure("m1");
  EXPECT_EQ(limiter_.RetryAfter("m1"), seconds(60));
  env_.AdvanceTime(seconds(59));
  EXPECT_EQ(limiter_.RetryAfter("m1"), seconds(1));
  env_.AdvanceTime(seconds(1));
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
}

TEST_F(LoginLimiterTest, TheWindowSlidesOneFailureAtATime) {
  limiter_.RecordFailure("m1");  // t = 0
  env_.AdvanceTime(seconds(10));
  limiter_.RecordFailure("m1");  // t = 10
  env_.AdvanceTime(seconds(10));
  limiter_.RecordFailure("m1");  // t = 20
  EXPECT_EQ(limiter_.RetryAfter("m1"), seconds(40)) << "until the t = 0 failure leaves";
  env_.AdvanceTime(seconds(40));  // t = 60: two failures left in the window
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
  limiter_.RecordFailure("m1");  // t = 60: three again
  EXPECT_EQ(limiter_.RetryAfter("m1"), seconds(10)) << "until the t = 10 failure leaves";
}

TEST_F(LoginLimiterTest, TheWaitIsRoundedUpToWholeSeconds) {
  for (int i = 0; i < 3; ++i) limiter_.RecordFailure("m1");
  env_.AdvanceTime(seconds(60) - milliseconds(1));
  EXPECT_EQ(limiter_.RetryAfter("m1"), seconds(1)) << "never 0 while blocked";
  env_.AdvanceTime(milliseconds(1));
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
  for (int i = 0; i < 3; ++i) limiter_.RecordFailure("m2");
  env_.AdvanceTime(milliseconds(1500));
  EXPECT_EQ(limiter_.RetryAfter("m2"), seconds(59));
}

TEST_F(LoginLimiterTest, KeysAreCountedApartAndResetClearsOne) {
  for (int i = 0; i < 3; ++i) {
    limiter_.RecordFailure("m1");
    limiter_.RecordFailure("127.0.0.1");
  }
  limiter_.RecordFailure("m2");
  EXPECT_NE(limiter_.RetryAfter("m1"), std::nullopt);
  EXPECT_NE(limiter_.RetryAfter("127.0.0.1"), std::nullopt);
  EXPECT_EQ(limiter_.RetryAfter("m2"), std::nullopt);
  limiter_.Reset("m1");
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
  EXPECT_NE(limiter_.RetryAfter("127.0.0.1"), std::nullopt) << "only the key reset";
  limiter_.Reset("never-seen");  // harmless
  // After a reset the count starts from zero.
  limiter_.RecordFailure("m1");
  limiter_.RecordFailure("m1");
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
}

TEST_F(LoginLimiterTest, ASprayOfKeysKeepsEveryLiveCount) {
  // Past 100,000 keys the limiter drops the keys whose failures have left
  // the window; a blocked key is not among them.
  for (int i = 0; i < 3; ++i) limiter_.RecordFailure("victim");
  for (int i = 0; i < 100'001; ++i) limiter_.RecordFailure("spray-" + std::to_string(i));
  EXPECT_EQ(limiter_.RetryAfter("victim"), seconds(60));
  env_.AdvanceTime(seconds(60));
  limiter_.RecordFailure("one-more");
  EXPECT_EQ(limiter_.RetryAfter("victim"), std::nullopt);
  EXPECT_EQ(limiter_.RetryAfter("spray-0"), std::nullopt);
}

}  // namespace
