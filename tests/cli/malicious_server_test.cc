// A server that rolls a client back: it answers with an item version, a key
// version or a cache state older than one the client has already seen. Each
// attack must end with exit 7 (Rollback) and a message naming the check, and
// nothing may be written: no new item version, no sealed key, no changed
// offline cache. The honest paths through the same proxy keep working.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "cache.h"
#include "cli/exit_codes.h"
#include "cli/malicious_server_fixture.h"
#include "key_ops.h"
#include "profile.h"
#include "vault/identity.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

using testing_util::kCachePath;
using testing_util::kItemPath;
using testing_util::kItemsPath;
using testing_util::kKeyPath;

class RollbackTest : public testing_util::MaliciousServerFixture {
 protected:
  void SetUp() override {
    MaliciousServerFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  }

  // Every item version the store holds, across items.
  int64_t StoredItemVersions() {
    int64_t n = 0;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto cols = t.ListCollections();
      if (!cols) return cols.error();
      for (const auto& col : *cols) {
        auto items = t.ListItems(col.id);
        if (!items) return items.error();
        for (const auto& it : *items) n += it.version;
      }
      return vault::Status::OK();
    }));
    return n;
  }

  // The item versions in `profile`'s offline cache, by item id.
  std::map<std::string, int64_t> CachedVersions(const std::string& profile) {
    vault::Env& env = vault::Env::Default();
    auto p = cli::LoadProfile(env, home_.path(), profile);
    EXPECT_TRUE(p.has_value());
    if (!p) return {};
    const std::string pass = "correct horse battery staple";
    auto id = vault::LoadIdentity(env, p->identity_path(), vault::crypto::AsBytes(pass));
    EXPECT_TRUE(id.has_value());
    if (!id) return {};
    cli::IdentityKeys keys(*id);
    auto cache = cli::Cache::Open(env, p->cache_dir(), p->member_id, keys, false);
    EXPECT_TRUE(cache.has_value());
    if (!cache) return {};
    auto cols = (*cache)->ListCollections();
    std::map<std::string, int64_t> out;
    for (const auto& c : cols.value_or(std::vector<cli::CachedCollection>{})) {
      auto v = (*cache)->Versions(c.id);
      if (v) out.insert(v->begin(), v->end());
    }
    return out;
  }
};

TEST_F(RollbackTest, AnItemVersionOlderThanOneSeenIsRefused) {
  ASSERT_NO_FATAL_FAILURE(AddItem("owner", "Bank login", "pw-one"));
  proxy_->Record("GET", kItemPath);
  EXPECT_EQ(As("bookkeeper", {"item", "get", "Bank login", "--field", "password"}).out, "pw-one\n");
  ASSERT_EQ(As("owner", {"item", "edit", "Bank login", "--password-stdin"}, 0, "pw-two\n").code, 0);
  EXPECT_EQ(As("bookkeeper", {"item", "get", "Bank login", "--field", "password"}).out, "pw-two\n");
  ASSERT_EQ(proxy_->Recorded("GET", kItemPath), 3u)
      << "two reads by the bookkeeper, one by the edit";

  // The server hands out the first version again, as if the edit never was.
  proxy_->Replay("GET", kItemPath, 0);
  CliResult r =
      As("bookkeeper", {"item", "get", "Bank login", "--field", "password"}, cli::kExitConflict);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("the server sent version 1 of Bank login, but this client has seen "
                       "version 2"),
            std::string::npos)
      << r.err;
}

TEST_F(RollbackTest, AnOldKeyAfterARemovalAndReKeyIsRefusedAndNothingIsEncryptedUnderIt) {
  // Ants may read Banking, then leaves; the owner re-keys, so the key Ants
  // knew must never protect anything new.
  ASSERT_EQ(As("owner", {"collection", "grant", "Banking", "Ants", "view"}).code, 0);
  ASSERT_NO_FATAL_FAILURE(AddItem("owner", "Bank login", "pw-one"));
  proxy_->Record("GET", kKeyPath);
  ASSERT_NO_FATAL_FAILURE(AddItem("bookkeeper", "Card PIN", "1234"));
  ASSERT_EQ(As("owner", {"member", "remove", "Ants"}).code, 0);
  ASSERT_EQ(As("owner", {"collection", "rekey", "Banking"}).code, 0);
  ASSERT_NO_FATAL_FAILURE(AddItem("bookkeeper", "Payroll", "pay-2"));
  ASSERT_EQ(proxy_->Recorded("GET", kKeyPath), 3u) << "two by the bookkeeper, one by the re-key";

  // The server hands the bookkeeper the key from before the re-key.
  proxy_->Replay("GET", kKeyPath, 0);
  const int64_t versions = StoredItemVersions();
  const int posts = proxy_->Seen("POST", kItemsPath);
  CliResult r =
      As("bookkeeper",
         {"item", "add", "Banking", "Tax office", "--channel", "other", "--password-stdin"},
         cli::kExitConflict, "tax-3\n");
  EXPECT_NE(r.err.find("the server sent key version 1 of"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("this client has seen key version 2"), std::string::npos) << r.err;
  EXPECT_EQ(proxy_->Seen("POST", kItemsPath), posts) << "an item was posted under the old key";
  EXPECT_EQ(StoredItemVersions(), versions);
}

TEST_F(RollbackTest, ASyncThatGoesBackLeavesTheCacheUnchanged) {
  ASSERT_NO_FATAL_FAILURE(AddItem("owner", "Bank login", "pw-one"));
  proxy_->Record("GET", kCachePath);
  ASSERT_EQ(As("bookkeeper", {"sync"}).code, 0);
  ASSERT_EQ(As("owner", {"item", "edit", "Bank login", "--password-stdin"}, 0, "pw-two\n").code, 0);
  ASSERT_EQ(As("bookkeeper", {"sync"}).code, 0);
  const auto before = CachedVersions("bookkeeper");
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before.begin()->second, 2);

  // The first, full answer again: version 1 of the item.
  proxy_->Replay("GET", kCachePath, 0);
  CliResult r = As("bookkeeper", {"sync"}, cli::kExitConflict);
  EXPECT_NE(r.err.find("the server sent version 1 of Bank login"), std::string::npos) << r.err;
  EXPECT_EQ(CachedVersions("bookkeeper"), before);
}

TEST_F(RollbackTest, HonestEditsReadsAndReKeysStillWork) {
  ASSERT_NO_FATAL_FAILURE(AddItem("owner", "Bank login", "pw-one"));
  for (const char* pw : {"pw-two", "pw-three"}) {
    ASSERT_EQ(As("bookkeeper", {"item", "edit", "Bank login", "--password-stdin"}, 0,
                 std::string(pw) + "\n")
                  .code,
              0);
    EXPECT_EQ(As("owner", {"item", "get", "Bank login", "--field", "password"}).out,
              std::string(pw) + "\n");
  }
  ASSERT_EQ(As("owner", {"collection", "rekey", "Banking"}).code, 0);
  EXPECT_EQ(As("bookkeeper", {"item", "get", "Bank login", "--field", "password"}).out,
            "pw-three\n");
  ASSERT_EQ(As("bookkeeper", {"sync"}).code, 0);
  EXPECT_EQ(As("bookkeeper", {"item", "edit", "Bank login", "--password-stdin"}, 0, "pw-4\n").code,
            0);
  EXPECT_EQ(As("owner", {"item", "get", "Bank login", "--field", "password"}).out, "pw-4\n");
}

}  // namespace
