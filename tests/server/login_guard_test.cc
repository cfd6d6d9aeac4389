// The server's sign-in guards on their own, on a FakeEnv clock: Challenges
// (stateless nonces that carry their expiry and a MAC over the member they
// were issued for, spent only when redeemed) and RateLimiter (events per key
// in a sliding window).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "auth.h"
#include "fake_env.h"
#include "vault/crypto.h"

namespace {

using server::Challenges;
using server::RateLimiter;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing_util::FakeEnv;
namespace crypto = vault::crypto;

// --- Challenges ----------------------------------------------------------------

// The nonce's layout: expiry (8 bytes), random (16 bytes), tag (32 bytes).
constexpr size_t kExpiryEnd = 8;
constexpr size_t kRandomEnd = 24;
constexpr size_t kNonceBytes = 56;

class ChallengesTest : public ::testing::Test {
 protected:
  FakeEnv env_;
  Challenges challenges_{env_, seconds(60)};

  // `nonce` with the byte at `index` changed.
  static std::string Flip(const std::string& nonce, size_t index) {
    auto raw = crypto::FromBase64(nonce, crypto::Base64::kUrlNoPadding);
    EXPECT_TRUE(raw.has_value());
    if (!raw) return "";
    (*raw)[index] ^= 0x01;
    return crypto::ToBase64(*raw, crypto::Base64::kUrlNoPadding);
  }
};

TEST_F(ChallengesTest, ANonceIsFreshBase64UrlAndValidForItsMember) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string nonce = challenges_.Issue("m1");
    EXPECT_EQ(nonce.size(), 75u) << nonce;  // 56 bytes, unpadded
    EXPECT_EQ(
        nonce.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << nonce;
    EXPECT_TRUE(seen.insert(nonce).second) << "issued twice: " << nonce;
    EXPECT_TRUE(challenges_.Valid(nonce, "m1"));
  }
  EXPECT_EQ(challenges_.used(), 0u) << "issuing and checking store nothing";
}

TEST_F(ChallengesTest, ANonceIsValidOnlyForTheMemberItWasIssuedFor) {
  const std::string nonce = challenges_.Issue("m1");
  EXPECT_FALSE(challenges_.Valid(nonce, "m2"));
  EXPECT_FALSE(challenges_.Valid(nonce, "m1x"));
  EXPECT_FALSE(challenges_.Valid(nonce, ""));
  EXPECT_TRUE(challenges_.Valid(nonce, "m1")) << "asking for another member spends nothing";
}

TEST_F(ChallengesTest, ATamperedNonceIsInvalidInEveryRegion) {
  const std::string nonce = challenges_.Issue("m1");
  for (size_t i = 0; i < kNonceBytes; ++i) {
    const char* region = i < kExpiryEnd ? "expiry" : i < kRandomEnd ? "random" : "tag";
    EXPECT_FALSE(challenges_.Valid(Flip(nonce, i), "m1")) << region << " byte " << i;
  }
  EXPECT_FALSE(challenges_.Valid(nonce.substr(0, nonce.size() - 1), "m1")) << "truncated";
  EXPECT_FALSE(challenges_.Valid(nonce + "A", "m1")) << "lengthened";
  EXPECT_FALSE(challenges_.Valid("", "m1"));
  EXPECT_FALSE(challenges_.Valid("not base64!", "m1"));
  EXPECT_FALSE(challenges_.Valid(std::string(75, 'A'), "m1")) << "made up";
  EXPECT_TRUE(challenges_.Valid(nonce, "m1"));
}

TEST_F(ChallengesTest, ANonceFromAnotherProcessIsInvalid) {
  // Another secret, as after a restart: the same member, the same clock.
  Challenges other(env_, seconds(60));
  EXPECT_FALSE(challenges_.Valid(other.Issue("m1"), "m1"));
}

TEST_F(ChallengesTest, ANonceExpiresAtItsTtl) {
  const std::string nonce = challenges_.Issue("m1");
  env_.AdvanceTime(seconds(60) - milliseconds(1));
  EXPECT_TRUE(challenges_.Valid(nonce, "m1"));
  env_.AdvanceTime(milliseconds(1));
  EXPECT_FALSE(challenges_.Valid(nonce, "m1"));
  EXPECT_FALSE(challenges_.Redeem(nonce)) << "an expired nonce cannot be redeemed";
  EXPECT_TRUE(challenges_.Valid(challenges_.Issue("m1"), "m1")) << "a new one is fresh";
}

TEST_F(ChallengesTest, ARedeemedNonceCannotBeRedeemedAgain) {
  const std::string nonce = challenges_.Issue("m1");
  const std::string other = challenges_.Issue("m1");
  ASSERT_TRUE(challenges_.Redeem(nonce));
  EXPECT_FALSE(challenges_.Valid(nonce, "m1"));
  EXPECT_FALSE(challenges_.Redeem(nonce)) << "only one of two racing sign-ins gets it";
  EXPECT_TRUE(challenges_.Valid(other, "m1")) << "the member's other nonces are untouched";
  EXPECT_TRUE(challenges_.Redeem(other));
  EXPECT_EQ(challenges_.used(), 2u);
}

TEST_F(ChallengesTest, AFloodOfChallengesForTheAdminLeavesTheirOwnValid) {
  // Behind one NAT the flood and the admin are one address; nothing the
  // flood asks for is stored, so there is nothing to evict or use up.
  const std::string admins = challenges_.Issue("admin");
  for (int i = 0; i < 100'000; ++i) {
    const std::string nonce = challenges_.Issue("admin");
    if (i % 10'000 == 0) {
      ASSERT_TRUE(challenges_.Valid(nonce, "admin")) << i;
    }
  }
  EXPECT_EQ(challenges_.used(), 0u);
  EXPECT_TRUE(challenges_.Valid(admins, "admin"));
  EXPECT_TRUE(challenges_.Redeem(admins));
}

TEST_F(ChallengesTest, TheUsedSetIsSweptAfterExpiry) {
  std::vector<std::string> early;
  for (int i = 0; i < 3; ++i) early.push_back(challenges_.Issue("m" + std::to_string(i)));
  env_.AdvanceTime(seconds(30));
  const std::string late = challenges_.Issue("m9");
  for (const auto& nonce : early) ASSERT_TRUE(challenges_.Redeem(nonce));
  ASSERT_TRUE(challenges_.Redeem(late));
  EXPECT_EQ(challenges_.used(), 4u);
  env_.AdvanceTime(seconds(30));  // the early ones have expired
  EXPECT_EQ(challenges_.used(), 1u);
  EXPECT_FALSE(challenges_.Redeem(late)) << "still remembered";
  EXPECT_FALSE(challenges_.Valid(early[0], "m0")) << "forgotten, but expired";
  env_.AdvanceTime(seconds(30));
  EXPECT_EQ(challenges_.used(), 0u);
}

// --- RateLimiter ----------------------------------------------------------------

class RateLimiterTest : public ::testing::Test {
 protected:
  FakeEnv env_;
  RateLimiter limiter_{env_, 3, seconds(60)};
};

TEST_F(RateLimiterTest, BlocksAtTheLimitUntilTheWindowPasses) {
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
  limiter_.Record("m1");
  limiter_.Record("m1");
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt) << "below the limit";
  limiter_.Record("m1");
  EXPECT_EQ(limiter_.RetryAfter("m1"), seconds(60));
  env_.AdvanceTime(seconds(59));
  EXPECT_EQ(limiter_.RetryAfter("m1"), seconds(1));
  env_.AdvanceTime(seconds(1));
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
}

TEST_F(RateLimiterTest, TheWindowSlidesOneFailureAtATime) {
  limiter_.Record("m1");  // t = 0
  env_.AdvanceTime(seconds(10));
  limiter_.Record("m1");  // t = 10
  env_.AdvanceTime(seconds(10));
  limiter_.Record("m1");  // t = 20
  EXPECT_EQ(limiter_.RetryAfter("m1"), seconds(40)) << "until the t = 0 failure leaves";
  env_.AdvanceTime(seconds(40));  // t = 60: two failures left in the window
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
  limiter_.Record("m1");  // t = 60: three again
  EXPECT_EQ(limiter_.RetryAfter("m1"), seconds(10)) << "until the t = 10 failure leaves";
}

TEST_F(RateLimiterTest, TheWaitIsRoundedUpToWholeSeconds) {
  for (int i = 0; i < 3; ++i) limiter_.Record("m1");
  env_.AdvanceTime(seconds(60) - milliseconds(1));
  EXPECT_EQ(limiter_.RetryAfter("m1"), seconds(1)) << "never 0 while blocked";
  env_.AdvanceTime(milliseconds(1));
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
  for (int i = 0; i < 3; ++i) limiter_.Record("m2");
  env_.AdvanceTime(milliseconds(1500));
  EXPECT_EQ(limiter_.RetryAfter("m2"), seconds(59));
}

TEST_F(RateLimiterTest, KeysAreCountedApartAndResetClearsOne) {
  for (int i = 0; i < 3; ++i) {
    limiter_.Record("m1");
    limiter_.Record("127.0.0.1");
  }
  limiter_.Record("m2");
  EXPECT_NE(limiter_.RetryAfter("m1"), std::nullopt);
  EXPECT_NE(limiter_.RetryAfter("127.0.0.1"), std::nullopt);
  EXPECT_EQ(limiter_.RetryAfter("m2"), std::nullopt);
  limiter_.Reset("m1");
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
  EXPECT_NE(limiter_.RetryAfter("127.0.0.1"), std::nullopt) << "only the key reset";
  limiter_.Reset("never-seen");  // harmless
  // After a reset the count starts from zero.
  limiter_.Record("m1");
  limiter_.Record("m1");
  EXPECT_EQ(limiter_.RetryAfter("m1"), std::nullopt);
}

TEST_F(RateLimiterTest, ASprayOfKeysKeepsEveryLiveCount) {
  // Past 100,000 keys the limiter drops the keys whose failures have left
  // the window; a blocked key is not among them.
  for (int i = 0; i < 3; ++i) limiter_.Record("victim");
  for (int i = 0; i < 100'001; ++i) limiter_.Record("spray-" + std::to_string(i));
  EXPECT_EQ(limiter_.RetryAfter("victim"), seconds(60));
  env_.AdvanceTime(seconds(60));
  limiter_.Record("one-more");
  EXPECT_EQ(limiter_.RetryAfter("victim"), std::nullopt);
  EXPECT_EQ(limiter_.RetryAfter("spray-0"), std::nullopt);
}

}  // namespace
