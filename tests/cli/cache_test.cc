// The offline cache module on its own: created 0600 under a sealed key,
// found by name through an index, holds no plaintext, and a damaged,
// foreign or half-present cache is a clear Corruption (the caller removes it
// and syncs again), never a crash or a silent wrong answer.
#include "cache.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "temp_dir.h"
#include "test_util.h"
#include "vault/crypto.h"
#include "vault/identity.h"

namespace {

using cli::Cache;
using cli::CachedCollection;
using cli::CachedItem;
using nlohmann::json;
namespace crypto = vault::crypto;

constexpr char kMember[] = "0123456789abcdef0123456789abcdef";

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(crypto::Init()); }

  std::string dir() const { return home_.File("cache"); }

  std::unique_ptr<Cache> OpenOrDie(bool create) {
    auto c = Cache::Open(env_, dir(), kMember, keys_, create);
    EXPECT_TRUE(c.has_value()) << c.error().ToString();
    return c ? std::move(*c) : nullptr;
  }

  static CachedItem Item(const std::string& id, const std::string& name, int64_t version) {
    return {id,
            "c0000000000000000000000000000001",
            version,
            1,
            json{{"id", id}, {"name", name}, {"channel", "facebook"}, {"version", version}},
            {0xde, 0xad, 0xbe, static_cast<uint8_t>(version)}};
  }
  static CachedCollection Collection(int64_t as_of) {
    return {"c0000000000000000000000000000001", "Sotsiaalmeedia", 1, {1, 2, 3}, as_of};
  }

  std::string ReadAll(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }
  void Overwrite(const std::string& path, const std::string& bytes, size_t at = 0) {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(at));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  vault::Env& env_ = vault::Env::Default();
  testing_util::TempDir home_;
  vault::Identity identity_ = vault::Identity::Generate(env_);
  cli::IdentityKeys keys_{identity_};
};

TEST_F(CacheTest, MissingCacheIsNotFoundUnlessCreated) {
  EXPECT_FALSE(Cache::Exists(env_, dir()));
  EXPECT_STATUS(Cache::Open(env_, dir(), kMember, keys_, false), kNotFound);
  EXPECT_FALSE(env_.FileExists(dir() + "/cache.db"));
  ASSERT_NE(OpenOrDie(true), nullptr);
  EXPECT_TRUE(Cache::Exists(env_, dir()));
}

TEST_F(CacheTest, FilesArePrivateAndTheKeyIsSealed) {
  ASSERT_NE(OpenOrDie(true), nullptr);
  ASSERT_OK_AND_ASSIGN(uint32_t dir_mode, env_.FileMode(dir()));
  EXPECT_EQ(dir_mode & 0777, 0700u);
  for (const char* f : {"/cache.db", "/cache.key"}) {
    ASSERT_OK_AND_ASSIGN(uint32_t mode, env_.FileMode(dir() + f));
    EXPECT_EQ(mode & 0777, 0600u) << f;
  }
  // Magic, then a sealed box of 32 bytes: the key itself is not there.
  const std::string key = ReadAll(dir() + "/cache.key");
  EXPECT_EQ(key.size(), 16 + crypto::kSealOverheadBytes + 32);
  EXPECT_EQ(key.rfind("baton-cache-key", 0), 0u);
}

TEST_F(CacheTest, FindsByNameAndIdAcrossReopens) {
  {
    auto c = OpenOrDie(true);
    ASSERT_NE(c, nullptr);
    ASSERT_OK(
        c->ApplySync(Collection(1000),
                     {Item("a0000000000000000000000000000001", "Facebooki leht – Käsitöö", 1),
                      Item("a0000000000000000000000000000002", "Instagram", 3)},
                     {"a0000000000000000000000000000001", "a0000000000000000000000000000002"}));
  }
  auto c = OpenOrDie(false);
  ASSERT_NE(c, nullptr);
  ASSERT_OK_AND_ASSIGN(auto by_name, c->Find("Facebooki leht – Käsitöö"));
  ASSERT_EQ(by_name.size(), 1u);
  EXPECT_EQ(by_name[0].id, "a0000000000000000000000000000001");
  EXPECT_EQ(by_name[0].meta["channel"], "facebook");
  EXPECT_EQ(by_name[0].ciphertext, (std::vector<uint8_t>{0xde, 0xad, 0xbe, 1}));
  ASSERT_OK_AND_ASSIGN(auto by_id, c->Find("a0000000000000000000000000000002"));
  ASSERT_EQ(by_id.size(), 1u);
  EXPECT_EQ(by_id[0].version, 3);
  ASSERT_OK_AND_ASSIGN(auto none, c->Find("facebooki leht – käsitöö"));  // exact names only
  EXPECT_TRUE(none.empty());
  ASSERT_OK_AND_ASSIGN(auto col, c->GetCollection("c0000000000000000000000000000001"));
  ASSERT_TRUE(col.has_value());
  EXPECT_EQ(col->as_of_ms, 1000);
  EXPECT_EQ(col->sealed_key, (std::vector<uint8_t>{1, 2, 3}));
}

TEST_F(CacheTest, TheLookupUsesTheNameIndex) {
  auto c = OpenOrDie(true);
  ASSERT_NE(c, nullptr);
  c.reset();
  // The plan, asked of SQLite through a second handle on the same file.
  auto key_file = ReadAll(dir() + "/cache.key");
  auto key = keys_.OpenSealed(crypto::AsBytes(std::string_view(key_file).substr(16)));
  ASSERT_TRUE(key.has_value());
  ASSERT_OK_AND_ASSIGN(auto db,
                       vault::LocalDb::Open({.env = &env_, .key = &*key}, dir() + "/cache.db"));
  std::string plan;
  ASSERT_OK(db->Each("EXPLAIN QUERY PLAN SELECT id FROM items WHERE name = ?1 OR id = ?1", {},
                     [&](vault::LocalDb::Row& row) {
    plan += row.Text(3) + "\n";
    return true;
  }));
  EXPECT_NE(plan.find("items_by_name"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

TEST_F(CacheTest, HoldsNoPlaintextOnDisk) {
  auto c = OpenOrDie(true);
  ASSERT_NE(c, nullptr);
  ASSERT_OK(c->ApplySync(Collection(1),
                         {Item("a0000000000000000000000000000001", "Facebooki leht – Käsitöö", 1)},
                         {"a0000000000000000000000000000001"}));
  c.reset();
  const std::string db = ReadAll(dir() + "/cache.db");
  EXPECT_EQ(db.find("Facebooki"), std::string::npos);
  EXPECT_EQ(db.find("SQLite format"), std::string::npos);
  EXPECT_EQ(db.find("a0000000000000000000000000000001"), std::string::npos);
}

TEST_F(CacheTest, SyncDropsWhatTheServerNoLongerHas) {
  auto c = OpenOrDie(true);
  ASSERT_NE(c, nullptr);
  const std::string a = "a0000000000000000000000000000001", b = "a0000000000000000000000000000002";
  ASSERT_OK(c->ApplySync(Collection(1), {Item(a, "A", 1), Item(b, "B", 1)}, {a, b}));
  // A sync with nothing new keeps what is cached.
  ASSERT_OK(c->ApplySync(Collection(2), {}, {a, b}));
  ASSERT_OK_AND_ASSIGN(auto kept, c->Versions(Collection(0).id));
  EXPECT_EQ(kept.size(), 2u);
  ASSERT_OK(c->ApplySync(Collection(3), {Item(a, "A", 2)}, {a}));
  ASSERT_OK_AND_ASSIGN(auto versions, c->Versions(Collection(0).id));
  EXPECT_EQ(versions, (std::map<std::string, int64_t>{{a, 2}}));
  ASSERT_OK(c->DropCollection(Collection(0).id));
  ASSERT_OK_AND_ASSIGN(auto found, c->Find("A"));
  EXPECT_TRUE(found.empty());
  ASSERT_OK_AND_ASSIGN(auto col, c->GetCollection(Collection(0).id));
  EXPECT_FALSE(col.has_value());
}

TEST_F(CacheTest, OfflineReadsStayUntilAcknowledged) {
  auto c = OpenOrDie(true);
  ASSERT_NE(c, nullptr);
  ASSERT_OK(c->AddOfflineRead({"r1", "a1", 1, 200}));
  ASSERT_OK(c->AddOfflineRead({"r2", "a2", 4, 100}));
  ASSERT_OK_AND_ASSIGN(auto reads, c->OfflineReads(10));
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].id, "r2");  // oldest first
  ASSERT_OK(c->DeleteOfflineReads({"r2"}));
  c.reset();
  c = OpenOrDie(false);
  ASSERT_OK_AND_ASSIGN(reads, c->OfflineReads(10));
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].item_id, "a1");
}

TEST_F(CacheTest, DamagedKeyFileIsCorruption) {
  ASSERT_NE(OpenOrDie(true), nullptr);
  const std::string key = ReadAll(dir() + "/cache.key");
  for (const auto& [label, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"truncated", key.substr(0, key.size() - 1)},
           {"bad magic", "X" + key.substr(1)},
           {"flipped box", key.substr(0, 40) + static_cast<char>(key[40] ^ 1) + key.substr(41)},
           {"empty", ""}}) {
    SCOPED_TRACE(label);
    ASSERT_OK(env_.WriteFileAtomic(dir() + "/cache.key", crypto::AsBytes(bytes), 0600));
    auto c = Cache::Open(env_, dir(), kMember, keys_, true);
    EXPECT_STATUS(c, kCorruption);
    if (!c) {
      EXPECT_NE(c.error().message().find("rebuilt on the next sync"), std::string::npos);
    }
  }
  // The caller removes it and starts again.
  ASSERT_OK(Cache::Remove(env_, dir()));
  EXPECT_FALSE(Cache::Exists(env_, dir()));
  EXPECT_NE(OpenOrDie(true), nullptr);
}

TEST_F(CacheTest, DamagedDatabaseIsCorruption) {
  ASSERT_NE(OpenOrDie(true), nullptr);
  Overwrite(dir() + "/cache.db", std::string(64, 'x'));
  EXPECT_STATUS(Cache::Open(env_, dir(), kMember, keys_, false), kCorruption);
}

TEST_F(CacheTest, HalfACacheIsCorruption) {
  ASSERT_NE(OpenOrDie(true), nullptr);
  ASSERT_OK(env_.RemoveFile(dir() + "/cache.key"));
  EXPECT_STATUS(Cache::Open(env_, dir(), kMember, keys_, true), kCorruption);
  ASSERT_OK(Cache::Remove(env_, dir()));
  ASSERT_NE(OpenOrDie(true), nullptr);
  ASSERT_OK(env_.RemoveFile(dir() + "/cache.db"));
  EXPECT_STATUS(Cache::Open(env_, dir(), kMember, keys_, false), kCorruption);
}

// Another baton of the same profile holding the file is no damage: the
// cache is reported busy and left in place (found with parallel `item add`).
TEST_F(CacheTest, ABusyCacheIsNotDamaged) {
  ASSERT_NE(OpenOrDie(true), nullptr);
  auto key_file = ReadAll(dir() + "/cache.key");
  auto key = keys_.OpenSealed(crypto::AsBytes(std::string_view(key_file).substr(16)));
  ASSERT_TRUE(key.has_value());
  ASSERT_OK_AND_ASSIGN(auto holder,
                       vault::LocalDb::Open({.env = &env_, .key = &*key}, dir() + "/cache.db"));
  ASSERT_OK(holder->Exec("BEGIN EXCLUSIVE;"));
  auto busy = Cache::Open(env_, dir(), kMember, keys_, false);
  ASSERT_FALSE(busy.has_value());
  EXPECT_FALSE(busy.error().IsCorruption()) << busy.error().ToString();
  ASSERT_OK(holder->Exec("ROLLBACK;"));
  holder.reset();
  EXPECT_NE(OpenOrDie(false), nullptr);
}

TEST_F(CacheTest, AnotherMembersCacheDoesNotOpen) {
  ASSERT_NE(OpenOrDie(true), nullptr);
  vault::Identity other = vault::Identity::Generate(env_);
  cli::IdentityKeys other_keys(other);
  EXPECT_STATUS(Cache::Open(env_, dir(), kMember, other_keys, false), kCorruption);
  // Same keys, another member id recorded: refused as well.
  EXPECT_STATUS(Cache::Open(env_, dir(), "ffffffffffffffffffffffffffffffff", keys_, false),
                kCorruption);
}

}  // namespace
