#include "vault/hardening.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vault {
namespace {

TEST(HardeningTest, DisableCoreDumpsInChild) {
  // In a child, so the test runner itself stays debuggable.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const bool before = CoreDumpsDisabled();
    const bool ok = DisableCoreDumps().ok();
    ::_exit(!before && ok && CoreDumpsDisabled() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace vault
