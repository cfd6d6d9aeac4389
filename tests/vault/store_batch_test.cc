// Group commit under injected savepoint failures: a writer whose changes
// cannot be rolled back must not have them committed by the batch. And the
// commit observers: what each commit reports.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"
#include "txn_impl.h"
#include "vault/store.h"

namespace vault {
namespace {

using testing_util::FakeEnv;
using testing_util::TempDir;

class StoreBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(crypto::Init());
    key_ = crypto::RandomKey(env_);
    ASSERT_OK_AND_ASSIGN(vault_,
                         Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kCreateNew},
                                     dir_.File("vault.db")));
    impl_ = dynamic_cast<StoreImpl*>(vault_.get());
    ASSERT_NE(impl_, nullptr);
  }

  Member NewMember(const std::string& id) {
    Member m;
    m.id = id;
    m.name = "name-" + id;
    m.role = TeamRole::kMember;
    env_.RandomBytes(m.signing_public_key);
    env_.RandomBytes(m.box_public_key);
    return m;
  }

  // Every ROLLBACK TO fails as an I/O error would, without running.
  void BreakRollbackTo() {
    impl_->TEST_InjectSavepointFault([](std::string_view sql) {
      return sql.starts_with("ROLLBACK TO") ? Status::IOError("injected") : Status::OK();
    });
  }

  bool HasMember(const std::string& id) {
    bool found = false;
    EXPECT_OK(vault_->Read([&](ReadTxn& t) -> Status {
      auto m = t.GetMember(id);
      found = m.has_value();
      return m || m.error().IsNotFound() ? Status::OK() : m.error();
    }));
    return found;
  }

  FakeEnv env_;
  TempDir dir_;
  SecureBuffer key_;
  std::unique_ptr<Store> vault_;
  StoreImpl* impl_ = nullptr;
};

TEST_F(StoreBatchTest, FailedRollbackToDoesNotCommitTheFailedWriter) {
  BreakRollbackTo();
  Status s = vault_->Write([&](WriteTxn& t) -> Status {
    if (Status added = t.AddMember({"server"}, NewMember("half")); !added.ok()) return added;
    return Status::FailedPrecondition("the writer gives up after a change");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(HasMember("half"));

  // The store goes on: the next batch starts from the committed state.
  impl_->TEST_InjectSavepointFault(nullptr);
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.AddMember({"server"}, NewMember("next")); }));
  EXPECT_TRUE(HasMember("next"));
  ASSERT_OK(vault_->Read([&](ReadTxn& t) -> Status {
    auto events = t.ReadAudit(1, 100);
    if (!events) return events.error();
    audit::Head head;
    for (const audit::Event& e : *events) {
      EXPECT_EQ(e.seq, head.seq + 1);
      EXPECT_EQ(e.prev_hash, head.hash);
      EXPECT_EQ(audit::ComputeHash(e.prev_hash, e), e.hash);
      head = {e.seq, e.hash};
    }
    return Status::OK();
  }));
}

TEST_F(StoreBatchTest, FailedRollbackToFailsTheWholeBatch) {
  BreakRollbackTo();
  Status ok_writer;
  Status failing_writer;
  std::thread a;
  std::thread b;
  // The leader's batch holds only itself; the two writers queued while it
  // runs make up the next batch, in whichever order they arrived.
  ASSERT_OK(vault_->Write([&](WriteTxn&) -> Status {
    a = std::thread([&] {
      ok_writer =
          vault_->Write([&](WriteTxn& t) { return t.AddMember({"server"}, NewMember("a")); });
    });
    b = std::thread([&] {
      failing_writer = vault_->Write([&](WriteTxn& t) -> Status {
        if (Status added = t.AddMember({"server"}, NewMember("b")); !added.ok()) return added;
        return Status::FailedPrecondition("the writer gives up after a change");
      });
    });
    while (impl_->TEST_QueuedWriters() < 3) std::this_thread::yield();
    return Status::OK();
  }));
  a.join();
  b.join();
  EXPECT_FALSE(ok_writer.ok());
  EXPECT_FALSE(failing_writer.ok());
  EXPECT_FALSE(HasMember("a"));
  EXPECT_FALSE(HasMember("b"));
}

// Store::AddCommitObserver: each commit in which a write succeeded is
// reported once, saying whether it touched the tables that decide who may
// do what; a failed write or batch, or a read, reports nothing. (The
// server's authorization cache relies on it: session_cache_test.)
class CommitObserverTest : public StoreBatchTest {
 protected:
  void SetUp() override {
    StoreBatchTest::SetUp();
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

TEST_F(CommitObserverTest, ABatchThatFailsAsAWholeReportsNothing) {
  BreakRollbackTo();
  EXPECT_FALSE(vault_
                   ->Write([&](WriteTxn& t) -> Status {
                     if (Status s = t.AddMember(kActor, NewMember("m1")); !s.ok()) return s;
                     return Status::FailedPrecondition("the writer gives up after a change");
                   })
                   .ok());
  EXPECT_TRUE(seen_.empty());
}

}  // namespace
}  // namespace vault
