// The local agent end to end, through cli::Run: `baton unlock` (a real
// forked agent), commands without a passphrase, the session it keeps,
// `baton lock`, and an agent of another identity at the profile's socket.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "agent.h"
#include "cli/cli_fixture.h"
#include "test_util.h"

namespace {

using cli::AgentClient;
using cli::AgentConfig;
using cli::AgentServer;
using nlohmann::json;
using vault::Identity;

bool SocketExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

class AgentCliTest : public testing_util::CliFixture {
 protected:
  void TearDown() override {
    Run({"lock"}, /*with_passphrase=*/false);  // never leave an agent behind
    CliFixture::TearDown();
  }

  // `baton args...` with XDG_RUNTIME_DIR in a temporary directory. Without
  // the passphrase file, a prompt is counted and fails.
  testing_util::CliResult Run(std::vector<std::string> args, bool with_passphrase) {
    std::vector<std::string> full = {"baton"};
    if (with_passphrase) full.insert(full.end(), {"--passphrase-file", passphrase_file()});
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::istringstream in;
    std::ostringstream out, err;
    cli::Console console{in, out, err,
                         [this](std::string_view) -> vault::Result<vault::SecureBuffer> {
                           ++prompts_;
                           return vault::Fail(vault::Status::FailedPrecondition("no terminal"));
                         }};
    testing_util::CliResult r;
    r.code = cli::Run(console, cli_env_,
                      {{"BATON_HOME", home_.path()}, {"XDG_RUNTIME_DIR", runtime_.path()}},
                      static_cast<int>(full.size()), argv.data());
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  // The agent socket of the profile `name` in this test's home.
  std::string SocketOf(const std::string& name) const {
    auto paths =
        cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", runtime_.path()}}, name, home_.File(name));
    EXPECT_TRUE(paths.has_value());
    return paths ? paths->socket : "";
  }

  testing_util::TempDir runtime_;
  int prompts_ = 0;
};

TEST_F(AgentCliTest, UnlockThenNoPassphraseUntilLock) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "default", "init"));

  auto st = Run({"status"}, false);
  ASSERT_EQ(st.code, 0) << st.err;
  EXPECT_NE(st.out.find("not running"), std::string::npos) << st.out;

  auto unlock = Run({"unlock", "--timeout-minutes", "2"}, true);
  ASSERT_EQ(unlock.code, 0) << unlock.out << unlock.err;
  EXPECT_EQ(unlock.out, "Agent started, locks after 2 min idle\n");
  struct stat sst {};
  ASSERT_EQ(::lstat((runtime_.path() + "/baton").c_str(), &sst), 0);
  EXPECT_EQ(sst.st_mode & 0777, 0700u);
  ASSERT_EQ(::lstat(SocketOf("default").c_str(), &sst), 0);
  EXPECT_EQ(sst.st_mode & 0777, 0600u);

  // Unlocked: sign in, seal to our box key, open collection keys, all
  // through the agent; no prompt at all.
  auto who = Run({"whoami"}, false);
  EXPECT_EQ(who.code, 0) << who.err;
  EXPECT_NE(who.out.find("Mari"), std::string::npos) << who.out;
  auto col = Run({"collection", "create", "Sotsiaalmeedia"}, false);
  EXPECT_EQ(col.code, 0) << col.err;
  auto add = Run(
      {"item", "add", "Sotsiaalmeedia", "Facebook", "--channel", "facebook", "--generate"}, false);
  EXPECT_EQ(add.code, 0) << add.err;
  auto get = Run({"item", "get", "Facebook", "--field", "password"}, false);
  EXPECT_EQ(get.code, 0) << get.err;
  EXPECT_FALSE(get.out.empty());
  st = Run({"status"}, false);
  EXPECT_NE(st.out.find("running (locks in"), std::string::npos) << st.out;
  EXPECT_EQ(prompts_, 0);

  auto again = Run({"unlock"}, false);
  EXPECT_EQ(again.code, 0);
  EXPECT_NE(again.out.find("already runs"), std::string::npos) << again.out;
  EXPECT_EQ(prompts_, 0);

  auto lock = Run({"lock"}, false);
  EXPECT_EQ(lock.code, 0) << lock.err;
  EXPECT_NE(lock.out.find("Agent stopped"), std::string::npos) << lock.out;
  EXPECT_FALSE(SocketExists(SocketOf("default")));

  // Locked: the passphrase is asked for again.
  auto locked = Run({"whoami"}, false);
  EXPECT_NE(locked.code, 0);
  EXPECT_EQ(prompts_, 1);
  auto none = Run({"lock"}, false);
  EXPECT_EQ(none.code, 0);
  EXPECT_NE(none.out.find("No agent runs"), std::string::npos) << none.out;
}

// The agent keeps the session: commands after the first do not sign in
// again (sign-in is a durable write on the server); one the server no longer
// accepts is replaced transparently; a removed member is told, and their
// cache deleted, just as without an agent.
TEST_F(AgentCliTest, TheAgentKeepsTheSessionUntilTheServerEndsIt) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "init"));
  ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Jaan", "default"));
  auto logins = [this] {
    int n = 0;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) {
      return t.ScanAudit(1, [&](const vault::audit::Event& e) {
        if (e.action == "auth.login") ++n;
        return true;
      });
    }));
    return n;
  };
  auto unlock = Run({"unlock"}, true);
  ASSERT_EQ(unlock.code, 0) << unlock.err;

  const int before = logins();
  for (int i = 0; i < 3; ++i) {
    auto who = Run({"whoami"}, false);
    ASSERT_EQ(who.code, 0) << who.err;
    EXPECT_NE(who.out.find("Jaan"), std::string::npos) << who.out;
  }
  EXPECT_EQ(logins(), before + 1) << "only the first command signs in";

  // Past the session's lifetime the server refuses the kept token; the
  // command signs in again by itself and the agent keeps the new session.
  env_.AdvanceTime(std::chrono::hours(13));
  auto later = Run({"whoami"}, false);
  EXPECT_EQ(later.code, 0) << later.err;
  EXPECT_EQ(later.err, "");
  EXPECT_EQ(logins(), before + 2);
  EXPECT_EQ(Run({"whoami"}, false).code, 0);
  EXPECT_EQ(logins(), before + 2);

  // Removal ends the session; the next sign-in is refused and says why.
  auto sync = Run({"sync"}, false);
  ASSERT_EQ(sync.code, 0) << sync.err;
  auto removed = Run({"--profile", "owner", "member", "remove", "Jaan"}, true);
  ASSERT_EQ(removed.code, 0) << removed.err;
  auto gone = Run({"whoami"}, false);
  EXPECT_NE(gone.code, 0);
  EXPECT_NE(gone.err.find("you were removed from the team"), std::string::npos) << gone.err;
  EXPECT_FALSE(std::filesystem::exists(home_.File("default/cache/cache.db")));
  EXPECT_EQ(prompts_, 0);
}

// An agent of another identity at the profile's socket (the profile was
// joined again while it ran, or someone planted it): no command uses it,
// passes over it to the passphrase, or stops it; each says why, and how to
// stop it.
TEST_F(AgentCliTest, AnAgentOfAnotherIdentityIsRefusedAndLeftAlone) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "default", "init"));
  ASSERT_OK(cli::CheckPrivateDir(runtime_.path() + "/baton", true));
  AgentConfig config;
  config.socket_path = SocketOf("default");
  config.member_id = "someone-else";
  AgentServer impostor(Identity::Generate(vault::Env::Default()), config);
  ASSERT_OK(impostor.Listen());
  std::thread t([&] { EXPECT_OK(impostor.Serve()); });
  const std::string pid = std::to_string(::getpid());  // it serves from this process
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"whoami"}, {"status"}, {"lock"}, {"unlock"}}) {
    auto r = Run(args, true);
    EXPECT_EQ(r.code, 3) << args[0] << ": " << r.out << r.err;
    EXPECT_NE(r.err.find("holds another identity than profile default"), std::string::npos)
        << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("kill " + pid), std::string::npos) << r.err;
  }
  EXPECT_EQ(prompts_, 0);
  EXPECT_OK(AgentClient(config.socket_path).Call(json{{"op", "ping"}}))
      << "lock stopped another identity's agent";
  EXPECT_OK(AgentClient(config.socket_path).Call(json{{"op", "lock"}}));
  t.join();
}

}  // namespace
