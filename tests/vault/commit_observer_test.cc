// Store::AddCommitObserver: each commit in which a write succeeded is
// reported once, saying whether it touched the tables that decide who may
// do what; a write that failed, or a read, reports nothing. (The server's
// authorization cache relies on it: session_cache_test.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"
#include "vault/store.h"

namespace vault {
namespace {

using testing_util::FakeEnv;
using testing_util::TempDir;

class CommitObserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(crypto::Init());
    key_ = crypto::RandomKey(env_);
    ASSERT_OK_AND_ASSIGN(vault_,
                         Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kCreateNew},
                                     dir_.File("vault.db")));
    // Owner "o1" and collection "c1", before anything is observed.
    ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
      if (Status s = t.AddMember(kActor, NewMember("o1")); !s.ok()) return s;
      Collection c{"c1", "Social", 1, true, false, 0};
      std::vector<SealedKey> keys = {{"c1", 1, KeyHolder::kMember, "o1", {1, 2, 3}}};
      return t.CreateCollection(kActor, c, keys);
    }));
    observer_ = vault_->AddCommitObserver([this](const CommitInfo& c) { seen_.push_back(c); });
  }

  void TearDown() override { vault_->RemoveCommitObserver(observer_); }

  Member NewMember(const std::string& id) {
    Member m;
    m.id = id;
    m.name = "name-" + id;
    m.role = "member";
    env_.RandomBytes(m.signing_public_key);
    env_.RandomBytes(m.box_public_key);
    return m;
  }

  ItemMeta NewItem(const std::string& id) {
    ItemMeta m;
    m.id = id;
    m.collection_id = "c1";
    m.name = "item-" + id;
    m.channel = "facebook";
    m.rotation_period_s = 86400;
    return m;
  }

  inline static const Actor kActor{"server"};
  FakeEnv env_;
  TempDir dir_;
  SecureBuffer key_;
  std::unique_ptr<Store> vault_;
  uint64_t observer_ = 0;
  std::vector<CommitInfo> seen_;
};

TEST_F(CommitObserverTest, AWriteToAnAuthTableReportsAnAuthChange) {
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.AddMember(kActor, NewMember("m1")); }));
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_TRUE(seen_[0].auth_changed);

  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.SetMemberRole(kActor, "m1", "admin"); }));
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_TRUE(seen_[1].auth_changed);
}

TEST_F(CommitObserverTest, AWriteToItemsOnlyReportsNoAuthChange) {
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.CreateItem(kActor, NewItem("i1"), {9}); }));
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_FALSE(seen_[0].auth_changed);

  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.UpdateItem(kActor, "i1", 1, {8}); }));
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_FALSE(seen_[1].auth_changed);

  // Deleting an item takes away what access to it allowed.
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.DeleteItem(kActor, "i1"); }));
  ASSERT_EQ(seen_.size(), 3u);
  EXPECT_TRUE(seen_[2].auth_changed);
}

TEST_F(CommitObserverTest, AFailedWriteReportsNothing) {
  EXPECT_FALSE(vault_
                   ->Write([&](WriteTxn& t) -> Status {
                     if (Status s = t.AddMember(kActor, NewMember("m1")); !s.ok()) return s;
                     return Status::Internal("abandoned after an auth change");
                   })
                   .ok());
  EXPECT_TRUE(seen_.empty());

  // The rolled-back change is not counted later either.
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.CreateItem(kActor, NewItem("i1"), {9}); }));
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_FALSE(seen_[0].auth_changed);
}

TEST_F(CommitObserverTest, AReadReportsNothing) {
  ASSERT_OK(vault_->Read([&](ReadTxn& t) -> Status {
    auto m = t.GetMember("o1");
    return m ? Status::OK() : m.error();
  }));
  EXPECT_TRUE(seen_.empty());
}

TEST_F(CommitObserverTest, EveryObserverHearsAndARemovedOneNoLonger) {
  int second = 0;
  const uint64_t id = vault_->AddCommitObserver([&](const CommitInfo&) { ++second; });
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.AddMember(kActor, NewMember("m1")); }));
  EXPECT_EQ(seen_.size(), 1u);
  EXPECT_EQ(second, 1);

  vault_->RemoveCommitObserver(id);
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.AddMember(kActor, NewMember("m2")); }));
  EXPECT_EQ(seen_.size(), 2u);
  EXPECT_EQ(second, 1);
}

}  // namespace
}  // namespace vault
