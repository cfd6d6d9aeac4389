#include "vault/store.h"

#include <gtest/gtest.h>

#include <sqlcipher/sqlite3.h>
#include <fstream>
#include <thread>

#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"
#include "vault/emergency.h"

namespace vault {
namespace {

using testing_util::FakeEnv;
using testing_util::TempDir;

std::vector<uint8_t> FileBytes(const std::string& path) {
  auto r = Env::Default().ReadFile(path);
  return r ? *r : std::vector<uint8_t>();
}

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(crypto::Init());
    path_ = dir_.File("vault.db");
    key_ = crypto::RandomKey(env_);
    ASSERT_OK_AND_ASSIGN(
        vault_, Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kCreateNew}, path_));
  }

  Member NewMember(const std::string& id, TeamRole role) {
    Member m;
    m.id = id;
    m.name = "name-" + id;
    m.role = role;
    env_.RandomBytes(m.signing_public_key);
    env_.RandomBytes(m.box_public_key);
    return m;
  }

  // Runs `sql` on the closed vault file through SQLCipher directly, past
  // the store's checks.
  void RawExec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    std::string spec = "x'" + crypto::ToHex(key_.bytes()) + "'";
    ASSERT_EQ(
        sqlite3_exec(db, ("PRAGMA key = \"" + spec + "\";").c_str(), nullptr, nullptr, nullptr),
        SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, ("PRAGMA cipher_page_size = 4096; " + sql).c_str(), nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }

  // Owner "o1", collection "c1" with a sealed key for o1 and recovery, item "i1".
  void Populate() {
    ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
      if (Status s = t.AddMember(owner_, NewMember("o1", TeamRole::kOwner)); !s.ok()) return s;
      Collection c{"c1", "Social", 1, true, false, 0};
      std::vector<SealedKey> keys = {{"c1", 1, KeyHolder::kMember, "o1", {1, 2, 3}},
                                     {"c1", 1, KeyHolder::kRecovery, "recovery", {4, 5, 6}}};
      if (Status s = t.CreateCollection(owner_, c, keys); !s.ok()) return s;
      ItemMeta m;
      m.id = "i1";
      m.collection_id = "c1";
      m.name = "Facebook page";
      m.channel = "facebook";
      m.rotation_period_s = 90 * 86400;
      return t.CreateItem(owner_, m, {9, 9, 9});
    }));
  }

  // After Populate(): member "d1", the deputy of grant "g1" over c1, and
  // their waiting request "r1".
  void AddGrantAndRequest() {
    ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
      if (Status s = t.AddMember(owner_, NewMember("d1", TeamRole::kMember)); !s.ok()) return s;
      EmergencyGrant g;
      g.id = "g1";
      g.grantor_id = "o1";
      g.deputy_id = "d1";
      g.mode = emergency::GrantMode::kTakeover;
      g.wait_s = 48 * 3600;
      g.access_window_s = 72 * 3600;
      if (Status s = t.CreateEmergencyGrant(owner_, g, {{"c1", 1, KeyHolder::kGrant, "g1", {7}}});
          !s.ok()) {
        return s;
      }
      EmergencyRequest r;
      r.id = "r1";
      r.grant_id = "g1";
      r.reason = "away";
      r.requested_ms = 1;
      r.release_ms = 2;
      return t.CreateEmergencyRequest(Actor{"d1"}, r);
    }));
  }

  int64_t AuditLength() {
    int64_t n = -1;
    EXPECT_OK(vault_->Read([&](ReadTxn& t) -> Status {
      auto head = t.AuditHead();
      if (!head) return head.error();
      n = head->seq;
      return Status::OK();
    }));
    return n;
  }

  FakeEnv env_;
  TempDir dir_;
  std::string path_;
  SecureBuffer key_;
  std::unique_ptr<Store> vault_;
  Actor owner_{"o1"};
};

TEST_F(VaultTest, CreatesSchemaAndReopens) {
  EXPECT_EQ(vault_->schema_version(), kSchemaVersion);
  Populate();
  vault_.reset();
  ASSERT_OK_AND_ASSIGN(
      auto again,
      Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting}, path_));
  ASSERT_OK(again->Read([](ReadTxn& t) -> Status {
    auto item = t.GetItemMeta("i1");
    if (!item) return item.error();
    EXPECT_EQ(item->name, "Facebook page");
    EXPECT_EQ(item->version, 1);
    return Status::OK();
  }));
}

TEST_F(VaultTest, FileIsEncryptedAndMarked) {
  Populate();
  vault_.reset();
  const auto bytes = FileBytes(path_);
  ASSERT_GE(bytes.size(), 4096u);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "BATONVLT");
  const std::string text(bytes.begin(), bytes.end());
  EXPECT_EQ(text.find("Facebook page"), std::string::npos);
  EXPECT_EQ(text.find("SQLite format"), std::string::npos);
}

TEST_F(VaultTest, DatabaseFilesArePrivate) {
  Populate();
  for (const std::string& f : {path_, path_ + "-wal"}) {
    ASSERT_OK_AND_ASSIGN(uint32_t mode, Env::Default().FileMode(f));
    EXPECT_EQ(mode, 0600u) << f;
  }
}

TEST_F(VaultTest, WrongKeyIsDistinctAndChangesNothing) {
  Populate();
  vault_.reset();
  const auto before = FileBytes(path_);
  SecureBuffer wrong = crypto::RandomKey(env_);
  EXPECT_STATUS(Store::Open({.env = &env_, .key = &wrong, .mode = OpenMode::kOpenExisting}, path_),
                kWrongPassphrase);
  EXPECT_EQ(FileBytes(path_), before);
}

TEST_F(VaultTest, PlainSqliteAndRandomFilesAreNotVaults) {
  const std::string plain = dir_.File("plain.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(plain.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x);", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const auto plain_before = FileBytes(plain);
  auto r = Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting}, plain);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsInvalidArgument());
  EXPECT_NE(r.error().message().find("plain SQLite"), std::string::npos);
  EXPECT_EQ(FileBytes(plain), plain_before);

  const std::string junk = dir_.File("junk");
  std::ofstream(junk) << std::string(8192, 'x');
  EXPECT_STATUS(Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting}, junk),
                kInvalidArgument);
}

TEST_F(VaultTest, MissingAndExistingPaths) {
  EXPECT_STATUS(Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting},
                            dir_.File("none.db")),
                kNotFound);
  EXPECT_STATUS(Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kCreateNew}, path_),
                kAlreadyExists);
  const SecureBuffer short_key(16);
  EXPECT_STATUS(Store::Open({.env = &env_, .key = &short_key, .mode = OpenMode::kCreateNew},
                            dir_.File("x.db")),
                kInvalidArgument);
}

TEST_F(VaultTest, NewerSchemaIsRefusedAndLeftUntouched) {
  ASSERT_OK(vault_->Write([](WriteTxn&) { return Status::OK(); }));
  vault_.reset();
  {
    // Stamp a future schema version through SQLCipher directly.
    RawExec("PRAGMA user_version = 99;");
  }
  const auto before = FileBytes(path_);
  auto r = Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting}, path_);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsUnsupported()) << r.error().ToString();
  EXPECT_NE(r.error().message().find("99"), std::string::npos);
  EXPECT_EQ(FileBytes(path_), before);
}

TEST_F(VaultTest, UnknownStoredNameIsCorruptionNotADefault) {
  Populate();
  for (std::string set : {"role = 'superuser'", "role = 'owner', status = 'Active'"}) {
    SCOPED_TRACE(set);
    vault_.reset();
    RawExec("PRAGMA ignore_check_constraints = ON; UPDATE members SET " + set +
            " WHERE id = 'o1';");
    ASSERT_OK_AND_ASSIGN(
        vault_, Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting}, path_));
    EXPECT_STATUS(vault_->Read([](ReadTxn& t) -> Status {
      auto m = t.GetMember("o1");
      return m ? Status::OK() : m.error();
    }),
                  kCorruption);
    EXPECT_STATUS(vault_->Read([](ReadTxn& t) -> Status {
      auto all = t.ListMembers();
      return all ? Status::OK() : all.error();
    }),
                  kCorruption);
  }
}

TEST_F(VaultTest, UnknownStoredFlagKindIsCorruption) {
  Populate();
  vault_.reset();
  RawExec(
      "PRAGMA ignore_check_constraints = ON; INSERT INTO item_flags (item_id, kind, reason, "
      "raised_ms) VALUES ('i1', 'hunch', 'r', 1);");
  ASSERT_OK_AND_ASSIGN(
      vault_, Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting}, path_));
  EXPECT_STATUS(vault_->Read([](ReadTxn& t) -> Status {
    auto item = t.GetItemMeta("i1");
    return item ? Status::OK() : item.error();
  }),
                kCorruption);
}

TEST_F(VaultTest, UnknownStoredVersionStateIsCorruption) {
  Populate();
  vault_.reset();
  RawExec(
      "PRAGMA ignore_check_constraints = ON; UPDATE item_versions SET state = 'stale' "
      "WHERE item_id = 'i1';");
  ASSERT_OK_AND_ASSIGN(
      vault_, Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting}, path_));
  EXPECT_STATUS(vault_->Write([](WriteTxn& t) -> Status {
    auto history = t.FetchHistory({"o1"}, "i1");
    return history ? Status::OK() : history.error();
  }),
                kCorruption);
}

// A grant "g1" from o1 to deputy "d1" over c1, with a waiting request "r1";
// then each of its stored names in turn becomes one this build does not know.
TEST_F(VaultTest, UnknownStoredGrantOrRequestNameIsCorruption) {
  Populate();
  AddGrantAndRequest();
  ASSERT_OK(vault_->Read([](ReadTxn& t) -> Status {
    auto g = t.GetEmergencyGrant("g1");
    if (!g) return g.error();
    EXPECT_EQ(g->mode, emergency::GrantMode::kTakeover);
    EXPECT_EQ(g->status, emergency::GrantStatus::kActive);
    auto r = t.GetEmergencyRequest("r1");
    if (!r) return r.error();
    EXPECT_EQ(r->state, emergency::State::kWaiting);
    return Status::OK();
  }));
  const auto reopen_after = [&](const std::string& sql) {
    vault_.reset();
    RawExec("PRAGMA ignore_check_constraints = ON; " + sql);
    ASSERT_OK_AND_ASSIGN(
        vault_, Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting}, path_));
  };
  const auto read_grant = [](ReadTxn& t) -> Status {
    auto g = t.ListEmergencyGrants();
    return g ? Status::OK() : g.error();
  };
  const auto read_request = [](ReadTxn& t) -> Status {
    auto r = t.GetEmergencyRequest("r1");
    return r ? Status::OK() : r.error();
  };

  reopen_after("UPDATE emergency_requests SET state = 'paused' WHERE id = 'r1';");
  EXPECT_STATUS(vault_->Read(read_request), kCorruption);
  EXPECT_OK(vault_->Read(read_grant));
  reopen_after(
      "UPDATE emergency_requests SET state = 'waiting'; "
      "UPDATE emergency_grants SET status = 'suspended' WHERE id = 'g1';");
  EXPECT_OK(vault_->Read(read_request));
  EXPECT_STATUS(vault_->Read(read_grant), kCorruption);
  reopen_after("UPDATE emergency_grants SET status = 'active', mode = 'edit';");
  EXPECT_STATUS(vault_->Read(read_grant), kCorruption);
}

TEST_F(VaultTest, RequestChangesOnlyToAStateARequestCanBeIn) {
  Populate();
  AddGrantAndRequest();
  const int64_t before = AuditLength();
  for (const auto to : {emergency::State::kNone, static_cast<emergency::State>(42)}) {
    EmergencyTransition t;
    t.request_id = "r1";
    t.action = "emergency.reject";
    t.to = to;
    EXPECT_STATUS(
        vault_->Write([&](WriteTxn& w) { return w.TransitionEmergencyRequest(owner_, t); }),
        kInvalidArgument);
  }
  EXPECT_EQ(AuditLength(), before);
  ASSERT_OK(vault_->Read([](ReadTxn& t) -> Status {
    auto r = t.GetEmergencyRequest("r1");
    if (!r) return r.error();
    EXPECT_EQ(r->state, emergency::State::kWaiting);
    return Status::OK();
  }));
}

TEST_F(VaultTest, EveryMutationAndFetchIsAudited) {
  Populate();
  const int64_t after_populate = AuditLength();
  EXPECT_EQ(after_populate, 3);  // member.add, collection.create, item.create
  ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
    auto item = t.FetchItem({"o1"}, "i1");
    if (!item) return item.error();
    EXPECT_EQ(item->ciphertext, (std::vector<uint8_t>{9, 9, 9}));
    return t.UpdateItem({"o1"}, "i1", 1, {7, 7});
  }));
  ASSERT_OK(vault_->Read([](ReadTxn& t) -> Status {
    auto events = t.ReadAudit(1, 100);
    if (!events) return events.error();
    std::vector<std::string> actions;
    for (const auto& e : *events) actions.push_back(e.action);
    EXPECT_EQ(actions, (std::vector<std::string>{"member.add", "collection.create", "item.create",
                                                 "item.read", "item.update"}));
    EXPECT_EQ(events->at(3).target, "item:i1");
    EXPECT_EQ(events->at(3).actor, "o1");
    return Status::OK();
  }));
}

TEST_F(VaultTest, FailedWriteRollsBackChangeAndEvent) {
  Populate();
  const int64_t before = AuditLength();
  Status s = vault_->Write([&](WriteTxn& t) -> Status {
    if (Status st = t.UpdateItem({"o1"}, "i1", 1, {1}); !st.ok()) return st;
    return Status::Internal("the request failed after the update");
  });
  EXPECT_TRUE(s.IsInternal());
  EXPECT_EQ(AuditLength(), before);
  ASSERT_OK(vault_->Read([](ReadTxn& t) -> Status {
    auto item = t.GetItemMeta("i1");
    EXPECT_EQ(item->version, 1);
    return Status::OK();
  }));
  // The chain continues correctly after the rollback.
  ASSERT_OK(vault_->Write([](WriteTxn& t) { return t.UpdateItem({"o1"}, "i1", 1, {2}); }));
  EXPECT_EQ(AuditLength(), before + 1);
}

TEST_F(VaultTest, LostUpdateIsRefused) {
  Populate();
  ASSERT_OK(vault_->Write([](WriteTxn& t) { return t.UpdateItem({"o1"}, "i1", 1, {2}); }));
  EXPECT_STATUS(vault_->Write([](WriteTxn& t) { return t.UpdateItem({"o1"}, "i1", 1, {3}); }),
                kFailedPrecondition);
  ASSERT_OK(vault_->Write([](WriteTxn& t) -> Status {
    auto history = t.FetchHistory({"o1"}, "i1");
    if (!history) return history.error();
    EXPECT_EQ(history->size(), 2u);
    EXPECT_EQ(history->at(0).state, ItemVersionState::kPrevious);
    EXPECT_EQ(history->at(1).state, ItemVersionState::kCurrent);
    return Status::OK();
  }));
}

TEST_F(VaultTest, BadReferencesAndDuplicatesAreClearErrors) {
  Populate();
  EXPECT_STATUS(vault_->Write([](WriteTxn& t) { return t.FetchItem({"o1"}, "nope").error(); }),
                kNotFound);
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) {
    return t.AddMember(owner_, NewMember("o2", TeamRole::kOwner));
  }),
                kOk);
  Member dup = NewMember("o3", TeamRole::kOwner);
  dup.name = "name-o2";
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) { return t.AddMember(owner_, dup); }),
                kAlreadyExists);
  Member bad_role = NewMember("o4", static_cast<TeamRole>(42));
  EXPECT_FALSE(vault_->Write([&](WriteTxn& t) { return t.AddMember(owner_, bad_role); }).ok());
  ItemMeta orphan;
  orphan.id = "i9";
  orphan.collection_id = "c-missing";
  orphan.name = "x";
  orphan.channel = "other";
  orphan.rotation_period_s = 86400;
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) { return t.CreateItem(owner_, orphan, {1}); }),
                kNotFound);
}

TEST_F(VaultTest, BadNamesAreRejectedAndChangeNothing) {
  Populate();
  const int64_t before = AuditLength();
  ItemMeta m;
  m.id = "i2";
  m.collection_id = "c1";
  m.name = "Mystery";
  m.channel = "myspace";
  m.rotation_period_s = 86400;
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) { return t.CreateItem(owner_, m, {1}); }),
                kInvalidArgument);
  m.channel = "x";
  m.rotation_period_s = 3600;  // not whole days
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) { return t.CreateItem(owner_, m, {1}); }),
                kInvalidArgument);
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) {
    return t.FlagItem(owner_, "i1", {static_cast<RotationFlagKind>(99), "just because", 0});
  }),
                kInvalidArgument);
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) { return t.SetMemberRole(owner_, "o1", "root"); }),
                kInvalidArgument);
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) {
    return t.GrantAccess(owner_, "c1", "o1", "all", {"c1", 1, KeyHolder::kMember, "o1", {5}});
  }),
                kInvalidArgument);
  EXPECT_EQ(AuditLength(), before);
  ASSERT_OK(vault_->Write([&](WriteTxn& t) {
    return t.FlagItem(owner_, "i1", {RotationFlagKind::kBreach, "password reuse found", 0});
  }));
}

TEST_F(VaultTest, GrantAndRevokeAccess) {
  Populate();
  ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
    if (Status s = t.AddMember(owner_, NewMember("m1", TeamRole::kMember)); !s.ok()) return s;
    return t.GrantAccess(owner_, "c1", "m1", "view", {"c1", 1, KeyHolder::kMember, "m1", {5}});
  }));
  ASSERT_OK(vault_->Read([](ReadTxn& t) -> Status {
    EXPECT_EQ(t.GetAccess("c1", "m1").value_or(""), "view");
    auto key = t.GetSealedKey("c1", KeyHolder::kMember, "m1");
    EXPECT_TRUE(key.has_value());
    return Status::OK();
  }));
  // A key for the wrong member or version is refused.
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) {
    return t.GrantAccess(owner_, "c1", "m1", "edit", {"c1", 2, KeyHolder::kMember, "m1", {5}});
  }),
                kFailedPrecondition);
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.RevokeAccess(owner_, "c1", "m1"); }));
  ASSERT_OK(vault_->Read([](ReadTxn& t) -> Status {
    EXPECT_STATUS(t.GetAccess("c1", "m1"), kNotFound);
    EXPECT_STATUS(t.GetSealedKey("c1", KeyHolder::kMember, "m1"), kNotFound);
    EXPECT_TRUE(t.GetCollection("c1")->needs_rekey);
    return Status::OK();
  }));
}

TEST_F(VaultTest, RemovingAMemberFlagsWhatTheyCouldRead) {
  Populate();
  ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
    if (Status s = t.AddMember(owner_, NewMember("m1", TeamRole::kMember)); !s.ok()) return s;
    if (Status s =
            t.GrantAccess(owner_, "c1", "m1", "edit", {"c1", 1, KeyHolder::kMember, "m1", {5}});
        !s.ok()) {
      return s;
    }
    return t.RemoveMember(owner_, "m1");
  }));
  ASSERT_OK(vault_->Read([](ReadTxn& t) -> Status {
    auto item = t.GetItemMeta("i1");
    if (!item) return item.error();
    EXPECT_EQ(item->flags.size(), 1u);
    EXPECT_EQ(item->flags.at(0).kind, RotationFlagKind::kMemberRemoved);
    EXPECT_TRUE(t.GetCollection("c1")->needs_rekey);
    EXPECT_EQ(t.GetMember("m1")->status, MemberStatus::kRemoved);
    EXPECT_STATUS(t.GetSealedKey("c1", KeyHolder::kMember, "m1"), kNotFound);
    return Status::OK();
  }));
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) { return t.RemoveMember(owner_, "m1"); }),
                kFailedPrecondition);
}

TEST_F(VaultTest, ConcurrentWritersShareCommitsAndKeepTheChain) {
  Populate();
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Status s = vault_->Write([&](WriteTxn& txn) -> Status {
          auto item = txn.FetchItem({"o1"}, "i1");
          return item ? Status::OK() : item.error();
        });
        if (!s.ok()) ++failures;
        (void)t;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(AuditLength(), 3 + kThreads * kPerThread);
  ASSERT_OK(vault_->Read([](ReadTxn& t) -> Status {
    audit::Verifier v(crypto::PublicKey{}, {});
    Status s = t.ScanAudit(1, [&](const audit::Event& e) { return v.Add(e); });
    audit::Report r = v.Finish();
    EXPECT_TRUE(r.ok) << r.problem;
    return s;
  }));
}

TEST_F(VaultTest, CheckpointsAreStoredAndVerify) {
  Populate();
  ASSERT_OK_AND_ASSIGN(auto server, crypto::SigningKeyPairFromSeed(crypto::RandomKey(env_)));
  ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
    auto head = t.AuditHead();
    auto cp = audit::SignCheckpoint(server, *head, 1);
    return t.AddCheckpoint(*cp);
  }));
  ASSERT_OK(vault_->Read([&](ReadTxn& t) -> Status {
    auto cps = t.ListCheckpoints();
    if (!cps) return cps.error();
    EXPECT_EQ(cps->size(), 1u);
    audit::Verifier v(server.public_key, *cps);
    Status s = t.ScanAudit(1, [&](const audit::Event& e) { return v.Add(e); });
    audit::Report r = v.Finish();
    EXPECT_TRUE(r.ok) << r.problem;
    EXPECT_EQ(r.checkpoints_verified, 1);
    return s;
  }));
}

TEST_F(VaultTest, RecordRejectsNonObjectDetails) {
  EXPECT_STATUS(vault_->Write([](WriteTxn& t) { return t.Record({"s"}, "x", "y", "[1]"); }),
                kInvalidArgument);
  EXPECT_STATUS(vault_->Write([](WriteTxn& t) { return t.Record({"s"}, "x", "y", "{"); }),
                kInvalidArgument);
  EXPECT_OK(vault_->Write([](WriteTxn& t) { return t.Record({"s"}, "login", "member:o1", "{}"); }));
}

}  // namespace
}  // namespace vault
