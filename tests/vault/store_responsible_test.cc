// Each item's responsible member in the store: the creator by default, a
// change only to someone who can read the collection, and the migration
// that gave items stored before it their creator or the first owner.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "db.h"
#include "fake_env.h"
#include "schema.h"
#include "temp_dir.h"
#include "test_util.h"
#include "vault/store.h"

namespace vault {
namespace {

using testing_util::FakeEnv;
using testing_util::TempDir;

class StoreResponsibleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(crypto::Init());
    path_ = dir_.File("vault.db");
    key_ = crypto::RandomKey(env_);
  }

  void OpenFresh() {
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

  // Owner o1 with collection c1 (where member m1 has view access) and item
  // i1 created by o1; member m2 without access; auditor a1.
  void Populate() {
    ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
      for (const auto& [id, role] :
           {std::pair{"o1", TeamRole::kOwner}, std::pair{"m1", TeamRole::kMember},
            std::pair{"m2", TeamRole::kMember}, std::pair{"a1", TeamRole::kAuditor}}) {
        if (Status s = t.AddMember(owner_, NewMember(id, role)); !s.ok()) return s;
      }
      Collection c{"c1", "Social", 1, true, false, 0};
      if (Status s = t.CreateCollection(owner_, c, {{"c1", 1, KeyHolder::kMember, "o1", {1}}});
          !s.ok()) {
        return s;
      }
      if (Status s =
              t.GrantAccess(owner_, "c1", "m1", "view", {"c1", 1, KeyHolder::kMember, "m1", {2}});
          !s.ok()) {
        return s;
      }
      ItemMeta m;
      m.id = "i1";
      m.collection_id = "c1";
      m.name = "Facebook page";
      m.channel = "facebook";
      m.rotation_period_s = 90 * 86400;
      m.responsible_id = "m2";  // ignored: the creator is responsible
      return t.CreateItem(owner_, m, {9, 9, 9});
    }));
  }

  Result<ItemMeta> Item(const std::string& id) {
    Result<ItemMeta> out = Fail(Status::Internal("not read"));
    EXPECT_OK(vault_->Read([&](ReadTxn& t) -> Status {
      out = t.GetItemMeta(id);
      return Status::OK();
    }));
    return out;
  }

  Status SetResponsible(const std::string& member_id) {
    return vault_->Write([&](WriteTxn& t) {
      WriteTxn::ItemMetaChange change;
      change.responsible_id = member_id;
      return t.UpdateItemMeta(owner_, "i1", change);
    });
  }

  std::vector<audit::Event> Audit() {
    std::vector<audit::Event> out;
    EXPECT_OK(vault_->Read([&](ReadTxn& t) -> Status {
      auto events = t.ReadAudit(1, 1000);
      if (!events) return events.error();
      out = *events;
      return Status::OK();
    }));
    return out;
  }

  FakeEnv env_;
  TempDir dir_;
  std::string path_;
  SecureBuffer key_;
  std::unique_ptr<Store> vault_;
  Actor owner_{"o1"};
};

TEST_F(StoreResponsibleTest, CreatorIsResponsibleForANewItem) {
  OpenFresh();
  Populate();
  ASSERT_OK_AND_ASSIGN(ItemMeta m, Item("i1"));
  EXPECT_EQ(m.responsible_id, "o1");
}

TEST_F(StoreResponsibleTest, AMemberWhoCanReadTheCollectionMayBecomeResponsible) {
  OpenFresh();
  Populate();
  ASSERT_OK(SetResponsible("m1"));
  ASSERT_OK_AND_ASSIGN(ItemMeta m, Item("i1"));
  EXPECT_EQ(m.responsible_id, "m1");
  const auto events = Audit();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().action, "item.meta");
  EXPECT_NE(events.back().details.find("\"responsible\":[\"o1\",\"m1\"]"), std::string::npos)
      << events.back().details;
}

TEST_F(StoreResponsibleTest, OnlyAnActiveReaderOfTheCollectionMayBeResponsible) {
  OpenFresh();
  Populate();
  ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
    if (Status s = t.AddMember(owner_, NewMember("gone", TeamRole::kMember)); !s.ok()) return s;
    if (Status s =
            t.GrantAccess(owner_, "c1", "gone", "view", {"c1", 1, KeyHolder::kMember, "gone", {3}});
        !s.ok()) {
      return s;
    }
    return t.RemoveMember(owner_, "gone");
  }));
  const size_t events = Audit().size();
  // No access, an auditor, removed, unknown, empty.
  for (const std::string who : {"m2", "a1", "gone", "nobody", ""}) {
    Status s = SetResponsible(who);
    EXPECT_TRUE(s.IsInvalidArgument()) << who << ": " << s.ToString();
    EXPECT_NE(s.message().find("can read the item's collection"), std::string::npos) << who;
    ASSERT_OK_AND_ASSIGN(ItemMeta m, Item("i1"));
    EXPECT_EQ(m.responsible_id, "o1") << who;
  }
  EXPECT_EQ(Audit().size(), events);
}

TEST_F(StoreResponsibleTest, SettingTheSameMemberAgainIsNothingToChange) {
  OpenFresh();
  Populate();
  EXPECT_STATUS(SetResponsible("o1"), kInvalidArgument);
}

// A vault at schema 4 (before responsible members): items get their
// creator, or the first owner when the creator was removed.
TEST_F(StoreResponsibleTest, MigrationGivesOldItemsTheirCreatorOrTheFirstOwner) {
  {
    ASSERT_OK_AND_ASSIGN(
        auto db, Db::Open({.env = &env_, .key = &key_, .mode = OpenMode::kCreateNew}, path_));
    for (size_t v = 0; v < 4; ++v) ASSERT_OK(db->Exec(schema::kMigrations[v]));
    ASSERT_OK(db->Exec(
        "PRAGMA user_version = 4;"
        "INSERT INTO members (id, name, role, status, sign_pk, box_pk, created_ms) VALUES "
        " ('o2', 'Later owner', 'owner', 'active', zeroblob(32), zeroblob(32), 20),"
        " ('o1', 'First owner', 'owner', 'active', zeroblob(32), zeroblob(32), 10),"
        " ('m1', 'Maker', 'member', 'active', zeroblob(32), zeroblob(32), 30),"
        " ('m2', 'Leaver', 'member', 'removed', zeroblob(32), zeroblob(32), 40);"
        "INSERT INTO collections (id, name, key_version, created_ms) VALUES ('c1', 'Social', 1, 1);"
        "INSERT INTO items (id, collection_id, name, channel, url, rotation_period_s, "
        " last_rotated_ms, version, key_version, updated_ms, updated_by) VALUES "
        " ('i1', 'c1', 'Kept', 'facebook', '', 86400, 1, 2, 1, 1, 'o2'),"
        " ('i2', 'c1', 'Orphaned', 'x', '', 86400, 1, 1, 1, 1, 'm2');"
        "INSERT INTO item_versions (item_id, version, key_version, state, ciphertext, "
        " created_ms, created_by) VALUES "
        " ('i1', 1, 1, 'previous', x'01', 1, 'm1'),"
        " ('i1', 2, 1, 'current', x'02', 2, 'o2'),"
        " ('i2', 1, 1, 'current', x'03', 1, 'm2');"));
  }
  ASSERT_OK_AND_ASSIGN(
      vault_, Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting}, path_));
  EXPECT_EQ(vault_->schema_version(), kSchemaVersion);
  ASSERT_OK_AND_ASSIGN(ItemMeta kept, Item("i1"));
  EXPECT_EQ(kept.responsible_id, "m1");  // the first version's author, not the last
  ASSERT_OK_AND_ASSIGN(ItemMeta orphaned, Item("i2"));
  EXPECT_EQ(orphaned.responsible_id, "o1");  // the creator left: the earliest owner
}

}  // namespace
}  // namespace vault
