// AuthCache on its own: entries are found only under the epoch they were
// read in, a newer epoch evicts everything older, facts of an older epoch are
// never stored, and a full cache starts over. (session_cache_test proves the
// server's use of it against a real batond.)
#include <gtest/gtest.h>

#include <string>

#include "auth.h"

namespace {

using server::AuthCache;
using server::AuthFacts;
using vault::crypto::Hash;

Hash TokenHash(uint8_t fill) {
  Hash h{};
  h.fill(fill);
  return h;
}

AuthFacts Facts(const std::string& member_id,
                vault::CollectionAccess access = vault::CollectionAccess::kNone) {
  AuthFacts f;
  f.member.id = member_id;
  f.member.status = vault::MemberStatus::kActive;
  f.role = vault::TeamRole::kMember;
  f.session_expires_ms = 1'000;
  f.access = access;
  return f;
}

TEST(AuthCacheTest, AnEmptyCacheHasNothing) {
  AuthCache cache(8);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.Get(TokenHash(1), "", 0), nullptr);
  EXPECT_EQ(cache.Get(TokenHash(1), "item:a", 1), nullptr);
}

TEST(AuthCacheTest, FactsAreFoundUnderTheirTokenResourceAndEpoch) {
  AuthCache cache(8);
  cache.Put(TokenHash(1), "item:a", 5, Facts("m1", vault::CollectionAccess::kEdit));
  auto hit = cache.Get(TokenHash(1), "item:a", 5);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->member.id, "m1");
  EXPECT_EQ(hit->role, vault::TeamRole::kMember);
  EXPECT_EQ(hit->session_expires_ms, 1'000);
  EXPECT_EQ(hit->access, vault::CollectionAccess::kEdit);

  EXPECT_EQ(cache.Get(TokenHash(2), "item:a", 5), nullptr) << "another token";
  EXPECT_EQ(cache.Get(TokenHash(1), "item:b", 5), nullptr) << "another resource";
  EXPECT_EQ(cache.Get(TokenHash(1), "", 5), nullptr) << "no resource is a resource of its own";
  EXPECT_EQ(cache.Get(TokenHash(1), "item:a", 6), nullptr) << "a newer epoch";
  EXPECT_EQ(cache.Get(TokenHash(1), "item:a", 4), nullptr) << "an older epoch";
}

TEST(AuthCacheTest, PutReplacesTheFactsOfTheSameKey) {
  AuthCache cache(8);
  cache.Put(TokenHash(1), "", 1, Facts("m1"));
  cache.Put(TokenHash(1), "", 1, Facts("m2"));
  EXPECT_EQ(cache.size(), 1u);
  ASSERT_NE(cache.Get(TokenHash(1), "", 1), nullptr);
  EXPECT_EQ(cache.Get(TokenHash(1), "", 1)->member.id, "m2");
}

TEST(AuthCacheTest, ANewerEpochEvictsEverythingOlder) {
  AuthCache cache(8);
  cache.Put(TokenHash(1), "", 1, Facts("m1"));
  cache.Put(TokenHash(2), "", 1, Facts("m2"));
  EXPECT_EQ(cache.size(), 2u);
  cache.Put(TokenHash(3), "", 2, Facts("m3"));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get(TokenHash(1), "", 1), nullptr);
  EXPECT_EQ(cache.Get(TokenHash(1), "", 2), nullptr);
  ASSERT_NE(cache.Get(TokenHash(3), "", 2), nullptr);
}

TEST(AuthCacheTest, FactsOfAnOlderEpochAreNotStored) {
  AuthCache cache(8);
  cache.Put(TokenHash(1), "", 7, Facts("m1"));
  // Read before an authorization change, stored after a newer read: stale.
  cache.Put(TokenHash(2), "", 6, Facts("m2"));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get(TokenHash(2), "", 6), nullptr);
  EXPECT_EQ(cache.Get(TokenHash(2), "", 7), nullptr);
  EXPECT_NE(cache.Get(TokenHash(1), "", 7), nullptr) << "the newer entries stay";
}

TEST(AuthCacheTest, AFullCacheStartsOver) {
  AuthCache cache(4);
  for (uint8_t i = 0; i < 4; ++i) cache.Put(TokenHash(i), "", 1, Facts("m" + std::to_string(i)));
  EXPECT_EQ(cache.size(), 4u);
  cache.Put(TokenHash(9), "", 1, Facts("m9"));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get(TokenHash(0), "", 1), nullptr);
  ASSERT_NE(cache.Get(TokenHash(9), "", 1), nullptr);
  EXPECT_EQ(cache.Get(TokenHash(9), "", 1)->member.id, "m9");
}

TEST(AuthCacheTest, AnEntryHandedOutOutlivesItsEviction) {
  AuthCache cache(8);
  cache.Put(TokenHash(1), "collection:c", 1, Facts("m1", vault::CollectionAccess::kView));
  auto held = cache.Get(TokenHash(1), "collection:c", 1);
  ASSERT_NE(held, nullptr);
  cache.Put(TokenHash(2), "", 2, Facts("m2"));  // evicts it
  EXPECT_EQ(cache.Get(TokenHash(1), "collection:c", 1), nullptr);
  EXPECT_EQ(held->member.id, "m1");
  EXPECT_EQ(held->access, vault::CollectionAccess::kView);
}

}  // namespace
