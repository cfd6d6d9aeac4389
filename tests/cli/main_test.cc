#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/main.h"
#include "server/main.h"

namespace {

int RunMain(int (*main_fn)(int, char**), std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return main_fn(static_cast<int>(args.size()), argv.data());
}

TEST(MainTest, VersionAndHelpExitZero) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunMain(cli::Main, {"baton", "--version"}), 0);
  EXPECT_EQ(RunMain(server::Main, {"batond", "--version"}), 0);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("baton " BATON_VERSION), std::string::npos) << out;
  EXPECT_NE(out.find("batond " BATON_VERSION), std::string::npos) << out;
}

TEST(MainTest, UnknownOptionFails) {
  ::testing::internal::CaptureStderr();
  EXPECT_NE(RunMain(cli::Main, {"baton", "--no-such-flag"}), 0);
  EXPECT_NE(RunMain(server::Main, {"batond", "--no-such-flag"}), 0);
  ::testing::internal::GetCapturedStderr();
}

}  // namespace
