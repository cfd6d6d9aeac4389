// The agent as people run it, through the real `baton` binary: two homes
// with a profile of the same name side by side, an agent of another identity
// at a profile's socket, and the agent's secrets in locked memory (with
// SecureBuffer::Relock, which puts them there after fork).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "agent.h"
#include "cli/cli_fixture.h"
#include "temp_dir.h"
#include "test_util.h"
#include "vault/secure_buffer.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

// VmLck of /proc/<pid>/status: the process's locked memory in kB, or -1.
[[maybe_unused]] long LockedKb(const std::string& pid) {
  std::ifstream status("/proc/" + pid + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmLck:")) return std::stol(line.substr(6));
  }
  return -1;
}

// AddressSanitizer's mlock interceptor returns success without locking, so
// locked memory cannot be measured in the sanitizer build; the normal build
// runs these two tests.
#if !defined(__SANITIZE_ADDRESS__)
// A forked child inherits the buffer's bytes but not their memory lock;
// Relock locks them again. The child reports by exit code.
TEST(SecureBufferRelockTest, LocksTheBufferAgainInAForkedChild) {
  vault::SecureBuffer secret(100);
  secret.data()[0] = 1;
  ASSERT_GT(LockedKb("self"), 0) << "sodium_malloc locks it in the process that allocates it";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (LockedKb("self") != 0) ::_exit(2);
    if (!secret.Relock().ok()) ::_exit(3);
    const long page_kb = ::sysconf(_SC_PAGESIZE) / 1024;
    ::_exit(LockedKb("self") >= page_kb && secret.data()[0] == 1 ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "2: the child inherited locked memory; 3: Relock failed; 4: nothing locked after Relock";
}
#endif

TEST(SecureBufferRelockTest, EmptyAndTruncatedBuffersRelock) {
  EXPECT_OK(vault::SecureBuffer().Relock());
  vault::SecureBuffer b(64);
  b.Truncate(0);
  EXPECT_OK(b.Relock());
}

class AgentProcessTest : public testing_util::ProcessCliFixture {
 protected:
  AgentProcessTest() : ProcessCliFixture(BATON_PATH) {}

  void SetUp() override {
    ProcessCliFixture::SetUp();
    if (HasFatalFailure()) return;
    // The children's XDG_RUNTIME_DIR, private as a real one is.
    ASSERT_EQ(::mkdir(home_.File("run").c_str(), 0700), 0);
  }

  void TearDown() override {
    // Straight to the sockets: a command refuses another identity's agent.
    for (const std::string& home : {home_.path(), other_.path()}) {
      (void)cli::AgentClient(SocketIn(home)).Call(json{{"op", "lock"}});
    }
    ProcessCliFixture::TearDown();
  }

  // `baton --profile default args...` with BATON_HOME `home`.
  CliResult In(const std::string& home, std::vector<std::string> args, int want = 0,
               const std::string& stdin_text = "") {
    baton_home_ = home;
    CliResult r = As("default", std::move(args), want, stdin_text);
    baton_home_.clear();
    return r;
  }

  // The agent socket of profile "default" in `home`.
  std::string SocketIn(const std::string& home) const {
    auto paths = cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", home_.File("run")}}, "default",
                                       home + "/default");
    EXPECT_TRUE(paths.has_value());
    return paths ? paths->socket : "";
  }

  // Mari is the owner in home_, Jaan a member in other_: both profiles
  // are called "default".
  void TwoHomes() {
    ASSERT_EQ(
        In(home_.path(), {"init", url(), "--code-stdin"}, 0, Invite("owner", "Mari") + "\n").code,
        0);
    ASSERT_EQ(
        In(other_.path(), {"join", url(), "--code-stdin", "--team-fingerprint", TeamFingerprint()},
           0, Invite("member", "Jaan") + "\n")
            .code,
        0);
  }

  bool AgentAnswers(const std::string& home) const {
    return cli::AgentClient(SocketIn(home)).Call(json{{"op", "ping"}}).has_value();
  }

  testing_util::TempDir other_;
};

TEST_F(AgentProcessTest, TwoHomesWithTheSameProfileNameGetAnAgentEach) {
  ASSERT_NO_FATAL_FAILURE(TwoHomes());
  const std::string mari = home_.path(), jaan = other_.path();
  EXPECT_NE(SocketIn(mari), SocketIn(jaan));

  EXPECT_EQ(In(mari, {"unlock"}).out, "Agent started, locks after 15 min idle\n");
  // Mari's agent is not Jaan's.
  CliResult status = In(jaan, {"status"});
  EXPECT_NE(status.out.find("not running"), std::string::npos) << status.out;
  EXPECT_EQ(In(jaan, {"unlock"}).out, "Agent started, locks after 15 min idle\n");
  EXPECT_TRUE(json::parse(In(mari, {"--json", "status"}).out).value("agent", false));
  EXPECT_TRUE(json::parse(In(jaan, {"--json", "status"}).out).value("agent", false));

  // With a wrong passphrase file each command can only have used its own
  // home's agent, and each agent signs in as its own member.
  std::ofstream(passphrase_file()) << "not the passphrase\n";
  EXPECT_NE(In(mari, {"whoami"}).out.find("Mari"), std::string::npos);
  EXPECT_NE(In(jaan, {"whoami"}).out.find("Jaan"), std::string::npos);

  // Locking Jaan's leaves Mari's running.
  EXPECT_NE(In(jaan, {"lock"}).out.find("Agent stopped"), std::string::npos);
  EXPECT_FALSE(AgentAnswers(jaan));
  EXPECT_TRUE(AgentAnswers(mari));
  status = In(mari, {"status"});
  EXPECT_NE(status.out.find("running (locks in"), std::string::npos) << status.out;
  EXPECT_NE(In(mari, {"lock"}).out.find("Agent stopped"), std::string::npos);
  EXPECT_FALSE(AgentAnswers(mari));
}

// Jaan's profile directory now holds Mari's profile (as if joined again
// while the agent ran): the agent at its socket is Jaan's, and no command
// uses it, passes over it to the passphrase, or stops it.
TEST_F(AgentProcessTest, AnAgentOfAnotherIdentityIsNeitherUsedNorStopped) {
  ASSERT_NO_FATAL_FAILURE(TwoHomes());
  const std::string mari = home_.path(), jaan = other_.path();
  In(jaan, {"unlock"});
  ASSERT_OK_AND_ASSIGN(auto agent, cli::AgentKeys::Connect(SocketIn(jaan)));
  const std::string kill = "kill " + std::to_string(agent->pid());
  for (const char* file : {"profile.json", "identity"}) {
    std::filesystem::copy_file(mari + "/default/" + file, jaan + "/default/" + file,
                               std::filesystem::copy_options::overwrite_existing);
  }
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"status"}, {"lock"}, {"unlock"}, {"whoami"}}) {
    CliResult r = In(jaan, args, /*want=*/3);
    EXPECT_NE(r.err.find("holds another identity than profile default"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(kill), std::string::npos) << r.err;  // the agent's pid, not its parent's
    EXPECT_TRUE(AgentAnswers(jaan)) << args[0] << " stopped the agent";
  }
}

// The agent's copy of the identity is made before it forks, and memory
// locks are not inherited: it must lock the seed and both secret keys (one
// page each, at least) again. If the system refuses, `unlock` fails.
#if !defined(__SANITIZE_ADDRESS__)  // see LocksTheBufferAgainInAForkedChild
TEST_F(AgentProcessTest, TheAgentKeepsTheIdentityInLockedMemory) {
  ASSERT_EQ(
      In(home_.path(), {"init", url(), "--code-stdin"}, 0, Invite("owner", "Mari") + "\n").code, 0);
  In(home_.path(), {"unlock"});
  ASSERT_OK_AND_ASSIGN(auto agent, cli::AgentKeys::Connect(SocketIn(home_.path())));
  ASSERT_GT(agent->pid(), 0);
  ASSERT_NE(agent->pid(), ::getpid());
  const long page_kb = ::sysconf(_SC_PAGESIZE) / 1024;
  EXPECT_GE(LockedKb(std::to_string(agent->pid())), 3 * page_kb);
}
#endif

}  // namespace
