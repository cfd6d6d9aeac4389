// Group commit under injected savepoint failures: a writer whose changes
// cannot be rolled back must not have them committed by the batch.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <thread>

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

}  // namespace
}  // namespace vault
