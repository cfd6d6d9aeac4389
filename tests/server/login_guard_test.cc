// The server's sign-in guards on their own, on a FakeEnv clock: Challenges
// (single-use nonces bound to a member and an address, with a lifetime and
// limits that keep one client's flood away from others' nonces) and
// RateLimiter (events per key in a sliding window).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "auth.h"
#include "fake_env.h"

namespace {

using server::Challenges;
using server::RateLimiter;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing_util::FakeEnv;

constexpr char kHere[] = "192.0.2.1";

// --- Challenges ----------------------------------------------------------------

class ChallengesTest : public ::testing::Test {
 protected:
  FakeEnv env_;
  Challenges challenges_{env_, seconds(60)};

  // A nonce for `member` at `address`, which must be issued.
  std::string Issue(const std::string& member, const std::string& address = kHere) {
    auto nonce = challenges_.Issue(member, address);
    EXPECT_TRUE(nonce.has_value()) << (nonce ? "" : nonce.error().why);
    return nonce.value_or("");
  }
  bool Consume(const std::string& nonce, const std::string& member,
               const std::string& address = kHere) {
    return challenges_.Consume(nonce, member, address);
  }
};

TEST_F(ChallengesTest, ANonceIsFreshBase64UrlAndOpensOnceForItsMember) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string nonce = Issue("m1");
    EXPECT_EQ(nonce.size(), 43u) << nonce;  // 32 random bytes, unpadded
    EXPECT_EQ(
        nonce.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << nonce;
    EXPECT_TRUE(seen.insert(nonce).second) << "issued twice: " << nonce;
  }
  const std::string nonce = Issue("m1");
  EXPECT_TRUE(Consume(nonce, "m1"));
  EXPECT_FALSE(Consume(nonce, "m1")) << "a nonce opens once";
}

TEST_F(ChallengesTest, AnUnknownNonceIsRefused) {
  EXPECT_FALSE(Consume("", "m1"));
  EXPECT_FALSE(Consume("never-issued", "m1"));
  const std::string nonce = Issue("m1");
  EXPECT_FALSE(Consume(nonce + "x", "m1"));
  EXPECT_TRUE(Consume(nonce, "m1")) << "a near miss does not spend the real one";
}

TEST_F(ChallengesTest, AnotherMembersAttemptSpendsTheNonce) {
  const std::string nonce = Issue("m1");
  EXPECT_FALSE(Consume(nonce, "m2"));
  EXPECT_FALSE(Consume(nonce, "m1")) << "each nonce allows a single attempt";
}

TEST_F(ChallengesTest, ANonceExpiresAtItsTtl) {
  const std::string on_time = Issue("m1");
  const std::string late = Issue("m1");
  env_.AdvanceTime(seconds(60) - nanoseconds(1));
  EXPECT_TRUE(Consume(on_time, "m1"));
  env_.AdvanceTime(nanoseconds(1));
  EXPECT_FALSE(Consume(late, "m1"));
  // Issuing sweeps expired nonces; fresh ones are unaffected.
  const std::string fresh = Issue("m1");
  EXPECT_TRUE(Consume(fresh, "m1"));
}

TEST_F(ChallengesTest, ANonceIsBoundToItsAddress) {
  const std::string nonce = Issue("m1");
  EXPECT_FALSE(Consume(nonce, "m1", "198.51.100.7"));
  EXPECT_FALSE(Consume(nonce, "m1")) << "the attempt from elsewhere spent it";
}

// --- Challenge limits --------------------------------------------------------------

constexpr char kElsewhere[] = "198.51.100.7";

TEST(ChallengeLimitsTest, AFloodFromOneAddressLeavesOtherAddressesNoncesAlone) {
  FakeEnv env;
  Challenges challenges(env, seconds(60), {.issues_per_window = 1'000'000});
  const std::string victim = *challenges.Issue("admin", kElsewhere);
  int issued = 0;
  for (int i = 0; i < 10'000; ++i) {
    // Many member ids, and the victim's own id, all from one address.
    auto nonce = challenges.Issue(i % 2 ? "admin" : "m" + std::to_string(i), kHere);
    if (nonce) {
      ++issued;
    } else {
      EXPECT_EQ(nonce.error().why, "too many challenges outstanding for this address");
      EXPECT_EQ(nonce.error().retry_after, seconds(60));
    }
  }
  EXPECT_EQ(issued, 256 + 10'000 / 2 - 8) << "256 outstanding at most; the admin's pair evicts";
  EXPECT_EQ(challenges.outstanding(), 257u);
  EXPECT_TRUE(challenges.Consume(victim, "admin", kElsewhere));
}

TEST(ChallengeLimitsTest, APairsNinthChallengeEvictsOnlyThatPairsOldest) {
  FakeEnv env;
  Challenges challenges(env, seconds(60));
  std::vector<std::string> mine;
  for (int i = 0; i < 8; ++i) mine.push_back(*challenges.Issue("m1", kHere));
  const std::string other_member = *challenges.Issue("m2", kHere);
  const std::string other_address = *challenges.Issue("m1", kElsewhere);
  mine.push_back(*challenges.Issue("m1", kHere));
  EXPECT_EQ(challenges.outstanding(), 10u);
  EXPECT_FALSE(challenges.Consume(mine[0], "m1", kHere)) << "the pair's oldest was evicted";
  for (size_t i = 1; i < mine.size(); ++i) {
    EXPECT_TRUE(challenges.Consume(mine[i], "m1", kHere)) << i;
  }
  EXPECT_TRUE(challenges.Consume(other_member, "m2", kHere));
  EXPECT_TRUE(challenges.Consume(other_address, "m1", kElsewhere));
}

TEST(ChallengeLimitsTest, WhenFullIssuingIsRefusedRatherThanEvicting) {
  FakeEnv env;
  Challenges challenges(env, seconds(60), {.total = 4});
  std::vector<std::string> live;
  for (int i = 0; i < 4; ++i) {
    live.push_back(*challenges.Issue("m" + std::to_string(i), "192.0.2." + std::to_string(i)));
    env.AdvanceTime(seconds(1));
  }
  auto refused = challenges.Issue("m9", kElsewhere);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().why, "too many challenges outstanding");
  EXPECT_EQ(refused.error().retry_after, seconds(56)) << "until the oldest expires";
  EXPECT_FALSE(challenges.Issue("m0", "192.0.2.0").has_value()) << "its own pair is not full";
  env.AdvanceTime(seconds(56));  // t = 60: the first has expired
  const std::string late = *challenges.Issue("m9", kElsewhere);
  EXPECT_EQ(challenges.outstanding(), 4u);
  for (int i = 1; i < 4; ++i) {
    EXPECT_TRUE(
        challenges.Consume(live[i], "m" + std::to_string(i), "192.0.2." + std::to_string(i)))
        << i;
  }
  EXPECT_TRUE(challenges.Consume(late, "m9", kElsewhere));
}

TEST(ChallengeLimitsTest, IssuingIsRateLimitedPerAddressUntilTheWindowPasses) {
  FakeEnv env;
  Challenges challenges(env, seconds(60));
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(challenges.Issue("m" + std::to_string(i), kHere).has_value()) << i;
  }
  auto refused = challenges.Issue("admin", kHere);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().why, "too many challenges from this address");
  EXPECT_EQ(refused.error().retry_after, seconds(60));
  EXPECT_TRUE(challenges.Issue("admin", kElsewhere).has_value())
      << "another address is not limited";
  env.AdvanceTime(seconds(59));
  refused = challenges.Issue("admin", kHere);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().retry_after, seconds(1));
  env.AdvanceTime(seconds(1));
  const std::string nonce = *challenges.Issue("admin", kHere);
  EXPECT_TRUE(challenges.Consume(nonce, "admin", kHere));
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
