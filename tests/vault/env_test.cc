#include "vault/env.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"

namespace vault {
namespace {

using testing_util::FakeEnv;
using testing_util::TempDir;

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

class PosixEnvTest : public ::testing::Test {
 protected:
  Env& env_ = Env::Default();
  TempDir dir_;
};

TEST_F(PosixEnvTest, AtomicWriteCreatesFileWithExactMode) {
  const std::string path = dir_.File("secret");
  const mode_t old_umask = ::umask(0);  // a permissive umask must not widen it
  Status s = env_.WriteFileAtomic(path, Bytes("hello"), 0600);
  ::umask(old_umask);
  ASSERT_OK(s);
  ASSERT_OK_AND_ASSIGN(uint32_t mode, env_.FileMode(path));
  EXPECT_EQ(mode, 0600u);
  ASSERT_OK_AND_ASSIGN(auto data, env_.ReadFile(path));
  EXPECT_EQ(data, Bytes("hello"));
}

TEST_F(PosixEnvTest, AtomicWriteReplacesAndLeavesNoTemporaryFiles) {
  const std::string path = dir_.File("f");
  ASSERT_OK(env_.WriteFileAtomic(path, Bytes("one"), 0600));
  ASSERT_OK(env_.WriteFileAtomic(path, Bytes("two"), 0600));
  ASSERT_OK_AND_ASSIGN(auto data, env_.ReadFile(path));
  EXPECT_EQ(data, Bytes("two"));
  ASSERT_OK_AND_ASSIGN(auto names, env_.ListDir(dir_.path()));
  EXPECT_EQ(names, std::vector<std::string>{"f"});
}

TEST_F(PosixEnvTest, FailedRenameRemovesTemporaryAndKeepsTarget) {
  // rename() over a non-empty directory fails, even for root.
  const std::string target = dir_.File("busy");
  ASSERT_OK(env_.CreateDir(target, 0700));
  ASSERT_OK(env_.WriteFileAtomic(target + "/inside", Bytes("old"), 0600));
  Status s = env_.WriteFileAtomic(target, Bytes("new"), 0600);
  EXPECT_FALSE(s.ok());
  ASSERT_OK_AND_ASSIGN(auto names, env_.ListDir(dir_.path()));
  EXPECT_EQ(names, std::vector<std::string>{"busy"});  // no temporary left behind
  ASSERT_OK_AND_ASSIGN(auto data, env_.ReadFile(target + "/inside"));
  EXPECT_EQ(data, Bytes("old"));
}

TEST_F(PosixEnvTest, WriteIntoMissingDirectoryFailsCleanly) {
  Status s = env_.WriteFileAtomic(dir_.File("nope/f"), Bytes("x"), 0600);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
}

TEST_F(PosixEnvTest, CreateDirSetsModeAndRefusesExisting) {
  const std::string sub = dir_.File("d");
  ASSERT_OK(env_.CreateDir(sub, 0700));
  ASSERT_OK_AND_ASSIGN(uint32_t mode, env_.FileMode(sub));
  EXPECT_EQ(mode, 0700u);
  EXPECT_TRUE(env_.CreateDir(sub, 0700).IsAlreadyExists());
}

TEST_F(PosixEnvTest, ReadMissingFileIsNotFound) {
  EXPECT_STATUS(env_.ReadFile(dir_.File("missing")), kNotFound);
}

TEST_F(PosixEnvTest, RemoveAndRename) {
  const std::string a = dir_.File("a"), b = dir_.File("b");
  ASSERT_OK(env_.WriteFileAtomic(a, Bytes("x"), 0600));
  ASSERT_OK(env_.Rename(a, b));
  EXPECT_FALSE(env_.FileExists(a));
  EXPECT_TRUE(env_.FileExists(b));
  ASSERT_OK(env_.RemoveFile(b));
  EXPECT_FALSE(env_.FileExists(b));
  EXPECT_TRUE(env_.RemoveFile(b).IsNotFound());
}

TEST_F(PosixEnvTest, RandomBytesDiffer) {
  std::array<uint8_t, 32> a{}, b{};
  env_.RandomBytes(a);
  env_.RandomBytes(b);
  EXPECT_NE(a, b);
}

TEST(FakeEnvTest, TimeMovesOnlyWhenTold) {
  FakeEnv env;
  const TimePoint t0 = env.Now();
  EXPECT_EQ(env.Now(), t0);
  env.AdvanceTime(std::chrono::days(90));
  EXPECT_EQ(env.Now() - t0, std::chrono::days(90));
}

TEST(FakeEnvTest, SeededRandomIsReproducibleAndAdvances) {
  FakeEnv a(7), b(7), c(8);
  std::array<uint8_t, 16> x{}, y{}, z{}, x2{};
  a.RandomBytes(x);
  b.RandomBytes(y);
  c.RandomBytes(z);
  a.RandomBytes(x2);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  EXPECT_NE(x, x2);
}

TEST(FakeEnvTest, InjectedWriteFailureChangesNothing) {
  FakeEnv env;
  ASSERT_OK(env.WriteFileAtomic("f", Bytes("old"), 0600));
  env.FailNextWrites(1);
  EXPECT_TRUE(env.WriteFileAtomic("f", Bytes("new"), 0600).IsIOError());
  ASSERT_OK_AND_ASSIGN(auto data, env.ReadFile("f"));
  EXPECT_EQ(data, Bytes("old"));
  ASSERT_OK(env.WriteFileAtomic("f", Bytes("new"), 0600));
}

}  // namespace
}  // namespace vault
