// Interop with the reference tool: files baton writes open with Debian's
// `age -d`, and files `age -r` writes (binary and armored) open with baton.
// The tool is a test dependency (scripts/setup installs it), so its absence
// fails these tests rather than skipping them.
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "backup/age.h"
#include "fake_env.h"
#include "run_tool.h"
#include "temp_dir.h"
#include "test_util.h"

namespace {

namespace age = backup::age;

constexpr const char* kAge = "/usr/bin/age";
constexpr const char* kAgeKeygen = "/usr/bin/age-keygen";

using testing_util::RunTool;

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
}

class AgeInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access(kAge, X_OK), 0) << kAge << " is missing: run scripts/setup";
    ASSERT_EQ(access(kAgeKeygen, X_OK), 0) << kAgeKeygen << " is missing: run scripts/setup";
    plain_.resize(3 * 64 * 1024 + 123);
    for (size_t i = 0; i < plain_.size(); ++i) plain_[i] = static_cast<char>(i * 7 + i / 251);
  }

  // Runs a tool and fails with its output if it does not exit 0.
  void MustRun(const std::vector<std::string>& args) {
    const std::string log = dir_.File("log");
    EXPECT_EQ(RunTool(args, log), 0) << args[0] << " " << args[1] << ": " << ReadFile(log);
  }

  // An identity from age-keygen, read from its key file.
  age::Identity KeygenIdentity(const std::string& key_file) {
    MustRun({kAgeKeygen, "-o", key_file});
    std::istringstream lines(ReadFile(key_file));
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("AGE-SECRET-KEY-1")) {
        auto id = age::Identity::Parse(line);
        EXPECT_TRUE(id.has_value());
        if (id) return std::move(*id);
      }
    }
    ADD_FAILURE() << "no identity in the age-keygen file";
    return age::Identity::Generate(env_);
  }

  vault::Status BatonDecrypt(const age::Identity& id, const std::string& file, std::string* out) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream plain;
    const vault::Status s = age::Decrypt(std::span(&id, 1), in, plain);
    *out = plain.str();
    return s;
  }

  testing_util::FakeEnv env_{11};
  testing_util::TempDir dir_;
  std::string plain_;
};

TEST_F(AgeInteropTest, AgeOpensWhatBatonWrites) {
  const age::Identity id = KeygenIdentity(dir_.File("key.txt"));
  for (bool armor : {false, true}) {
    std::istringstream in(plain_);
    std::ofstream out(dir_.File("baton.age"), std::ios::binary | std::ios::trunc);
    const age::Recipient to = id.recipient();
    ASSERT_OK(age::Encrypt(env_, std::span(&to, 1), in, out, {.armor = armor}));
    out.close();
    MustRun(
        {kAge, "-d", "-i", dir_.File("key.txt"), "-o", dir_.File("out"), dir_.File("baton.age")});
    EXPECT_EQ(ReadFile(dir_.File("out")), plain_) << "armor " << armor;
  }
}

TEST_F(AgeInteropTest, AgeOpensBatonIdentityFiles) {
  const age::Identity id = age::Identity::Generate(env_);
  const vault::SecureBuffer text = id.Format();
  WriteFile(dir_.File("key.txt"),
            std::string(reinterpret_cast<const char*>(text.data()), text.size()) + "\n");
  const age::Recipient to = id.recipient();
  std::istringstream in(plain_);
  std::ofstream out(dir_.File("baton.age"), std::ios::binary | std::ios::trunc);
  ASSERT_OK(age::Encrypt(env_, std::span(&to, 1), in, out));
  out.close();
  MustRun({kAge, "-d", "-i", dir_.File("key.txt"), "-o", dir_.File("out"), dir_.File("baton.age")});
  EXPECT_EQ(ReadFile(dir_.File("out")), plain_);
}

TEST_F(AgeInteropTest, BatonOpensWhatAgeWrites) {
  const age::Identity id = age::Identity::Generate(env_);
  const age::Identity other = age::Identity::Generate(env_);
  WriteFile(dir_.File("plain"), plain_);
  for (bool armor : {false, true}) {
    std::vector<std::string> args = {kAge, "-r", other.recipient().Format(), "-r",
                                     id.recipient().Format()};
    if (armor) args.push_back("-a");
    args.insert(args.end(), {"-o", dir_.File("age.age"), dir_.File("plain")});
    MustRun(args);
    const std::string file = ReadFile(dir_.File("age.age"));
    EXPECT_EQ(file.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"), armor);
    std::string got;
    ASSERT_OK(BatonDecrypt(id, dir_.File("age.age"), &got)) << "armor " << armor;
    EXPECT_EQ(got, plain_);
  }
}

TEST_F(AgeInteropTest, AgeRefusesABatonFileForSomeoneElse) {
  KeygenIdentity(dir_.File("key.txt"));
  const age::Recipient stranger = age::Identity::Generate(env_).recipient();
  std::istringstream in(plain_);
  std::ofstream out(dir_.File("baton.age"), std::ios::binary | std::ios::trunc);
  ASSERT_OK(age::Encrypt(env_, std::span(&stranger, 1), in, out));
  out.close();
  EXPECT_NE(RunTool({kAge, "-d", "-i", dir_.File("key.txt"), "-o", dir_.File("out"),
                     dir_.File("baton.age")},
                    dir_.File("log")),
            0);
}

}  // namespace
