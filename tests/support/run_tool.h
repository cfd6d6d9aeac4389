// Runs an independent tool (age, pdftoppm, zbarimg, ...) for interop tests.
#ifndef BATON_TESTS_SUPPORT_RUN_TOOL_H_
#define BATON_TESTS_SUPPORT_RUN_TOOL_H_

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace testing_util {

// Runs argv (args[0] an absolute path) with stdin from /dev/null, stdout to
// the file `out` and stderr to `err`, or to `out` as well when `err` is
// empty. Returns the exit status, or -1 if it could not start or did not
// exit normally.
inline int RunTool(const std::vector<std::string>& args, const std::string& out,
                   const std::string& err = "") {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (err.empty()) {
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  }
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace testing_util

#endif  // BATON_TESTS_SUPPORT_RUN_TOOL_H_
