// Statement::Columns, the one way the store reads a row: each column by the
// type of what it fills, and Corruption for a value this build never writes.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db.h"
#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"
#include "vault/crypto.h"
#include "vault/policy.h"

namespace vault {
namespace {

using testing_util::FakeEnv;
using testing_util::TempDir;

class StoreRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(crypto::Init());
    key_ = crypto::RandomKey(env_);
    ASSERT_OK_AND_ASSIGN(db_, Db::Open({.env = &env_, .key = &key_, .mode = OpenMode::kCreateNew},
                                       dir_.File("t.db")));
  }

  // Reads the one row `sql` makes into `out`.
  template <typename... Out>
  Status ReadRow(const std::string& sql, Out&&... out) {
    Status read = Status::Internal("no row");
    Status s = db_->Each(sql, [&](Statement& st) {
      read = st.Columns(std::forward<Out>(out)...);
      return false;
    });
    return s.ok() ? read : s;
  }

  FakeEnv env_;
  TempDir dir_;
  SecureBuffer key_;
  std::unique_ptr<Db> db_;
};

TEST_F(StoreRowsTest, FillsEachArgumentFromItsColumnInOrder) {
  std::string text;
  int64_t number = 0;
  std::vector<uint8_t> blob;
  bool yes = false;
  bool no = true;
  std::string last;
  ASSERT_OK(
      ReadRow("SELECT 'first', -42, x'00ff10', 7, 0, 'last'", text, number, blob, yes, no, last));
  EXPECT_EQ(text, "first");
  EXPECT_EQ(number, -42);
  EXPECT_EQ(blob, (std::vector<uint8_t>{0x00, 0xff, 0x10}));
  EXPECT_TRUE(yes);
  EXPECT_FALSE(no);
  EXPECT_EQ(last, "last");
}

TEST_F(StoreRowsTest, PresenceOfAColumnReadsAsABoolThroughIsNotNull) {
  bool set = false;
  bool unset = true;
  ASSERT_OK(ReadRow("SELECT 5 IS NOT NULL, NULL IS NOT NULL", set, unset));
  EXPECT_TRUE(set);
  EXPECT_FALSE(unset);
}

TEST_F(StoreRowsTest, FixedSizeKeyTakesABlobOfExactlyItsSize) {
  crypto::PublicKey key{};
  crypto::Signature signature{};
  ASSERT_OK(ReadRow("SELECT zeroblob(31) || x'ab', randomblob(64)", key, signature));
  EXPECT_EQ(key[31], 0xab);
  EXPECT_EQ(key[0], 0x00);
}

TEST_F(StoreRowsTest, WrongSizeKeyBlobIsCorruption) {
  crypto::PublicKey key{};
  key.fill(0x11);
  Status short_key = ReadRow("SELECT zeroblob(31)", key);
  EXPECT_TRUE(short_key.IsCorruption()) << short_key.ToString();
  EXPECT_EQ(key[0], 0x11) << "a refused key is not half-copied";

  Status long_key = ReadRow("SELECT zeroblob(33)", key);
  EXPECT_TRUE(long_key.IsCorruption()) << long_key.ToString();
  crypto::Hash hash{};
  Status empty = ReadRow("SELECT x''", hash);
  EXPECT_TRUE(empty.IsCorruption()) << empty.ToString();
}

TEST_F(StoreRowsTest, NullIntoAnOptionalIsNullopt) {
  std::optional<int64_t> number = 9;
  std::optional<std::string> text = "stale";
  std::optional<std::vector<uint8_t>> blob = std::vector<uint8_t>{1};
  std::optional<crypto::Hash> hash = crypto::Hash{};
  ASSERT_OK(ReadRow("SELECT NULL, NULL, NULL, NULL", number, text, blob, hash));
  EXPECT_FALSE(number.has_value());
  EXPECT_FALSE(text.has_value());
  EXPECT_FALSE(blob.has_value());
  EXPECT_FALSE(hash.has_value());
}

TEST_F(StoreRowsTest, ValueIntoAnOptionalIsReadAsItsType) {
  std::optional<int64_t> number;
  std::optional<std::string> text;
  std::optional<int64_t> zero;
  ASSERT_OK(ReadRow("SELECT 12, 'decided-by', 0", number, text, zero));
  EXPECT_EQ(number, 12);
  EXPECT_EQ(text, "decided-by");
  EXPECT_EQ(zero, 0) << "0 is a value, not NULL";

  std::optional<crypto::PublicKey> key;
  Status bad = ReadRow("SELECT zeroblob(3)", key);
  EXPECT_TRUE(bad.IsCorruption()) << bad.ToString();
  EXPECT_FALSE(key.has_value());
}

// What SQLite makes of a NULL: the schema's NOT NULL keeps it from the
// columns read this way, so no default is invented beyond SQLite's own.
TEST_F(StoreRowsTest, NullIntoANonOptionalIsSqlitesZeroOrEmpty) {
  int64_t number = 5;
  std::string text = "stale";
  std::vector<uint8_t> blob = {1, 2};
  bool flag = true;
  ASSERT_OK(ReadRow("SELECT NULL, NULL, NULL, NULL", number, text, blob, flag));
  EXPECT_EQ(number, 0);
  EXPECT_EQ(text, "");
  EXPECT_TRUE(blob.empty());
  EXPECT_FALSE(flag);

  crypto::Hash hash{};
  EXPECT_TRUE(ReadRow("SELECT NULL", hash).IsCorruption());
  TeamRole role = TeamRole::kMember;
  EXPECT_TRUE(ReadRow("SELECT NULL", Named(role, ParseTeamRole)).IsCorruption());
}

TEST_F(StoreRowsTest, EnumColumnIsReadThroughItsParser) {
  TeamRole role = TeamRole::kMember;
  std::optional<TeamRole> maybe_role;
  std::optional<TeamRole> no_role = TeamRole::kOwner;
  ASSERT_OK(ReadRow("SELECT 'auditor', 'admin', NULL", Named(role, ParseTeamRole),
                    Named(maybe_role, ParseTeamRole), Named(no_role, ParseTeamRole)));
  EXPECT_EQ(role, TeamRole::kAuditor);
  EXPECT_EQ(maybe_role, TeamRole::kAdmin);
  EXPECT_FALSE(no_role.has_value());
}

TEST_F(StoreRowsTest, UnknownEnumNameIsCorruptionAndStopsTheRow) {
  std::string id = "untouched";
  TeamRole role = TeamRole::kMember;
  int64_t after = -1;
  Status s = ReadRow("SELECT 'm1', 'superuser', 3", id, Named(role, ParseTeamRole), after);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("superuser"), std::string::npos) << s.message();
  EXPECT_EQ(id, "m1");
  EXPECT_EQ(role, TeamRole::kMember);
  EXPECT_EQ(after, -1) << "columns after a refusal are left as they were";

  std::optional<TeamRole> maybe_role;
  EXPECT_TRUE(ReadRow("SELECT 'Owner'", Named(maybe_role, ParseTeamRole)).IsCorruption());
  EXPECT_FALSE(maybe_role.has_value());
}

TEST_F(StoreRowsTest, RowReadersGiveTheValueOrTheFirstRefusal) {
  ASSERT_OK(
      db_->Exec("CREATE TABLE t (n INTEGER, role TEXT);"
                "INSERT INTO t VALUES (1, 'owner'), (2, 'nobody'), (3, 'admin');"));
  ASSERT_OK_AND_ASSIGN(auto numbers, db_->Rows("SELECT n FROM t ORDER BY n", ReadFirst<int64_t>));
  EXPECT_EQ(numbers, (std::vector<int64_t>{1, 2, 3}));

  const auto read_role = [](Statement& st) {
    TeamRole role = TeamRole::kMember;
    return OnceOk(st.Columns(Named(role, ParseTeamRole)), role);
  };
  auto roles = db_->Rows("SELECT role FROM t ORDER BY n", read_role);
  ASSERT_FALSE(roles.has_value());
  EXPECT_TRUE(roles.error().IsCorruption()) << roles.error().ToString();
  ASSERT_OK_AND_ASSIGN(auto first, db_->Row("SELECT role FROM t WHERE n = 3", read_role));
  EXPECT_EQ(first, TeamRole::kAdmin);
}

}  // namespace
}  // namespace vault
