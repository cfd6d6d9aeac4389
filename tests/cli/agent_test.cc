// The local agent: its server loop in-process on a socket in a temporary
// directory, the client, the directory and peer checks; and, end to end
// through cli::Run, `baton unlock` (a real forked agent), commands without a
// passphrase, `baton lock`.
#include "agent.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "cli/cli_fixture.h"
#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"

namespace {

using cli::AgentClient;
using cli::AgentConfig;
using cli::AgentKeys;
using cli::AgentServer;
using nlohmann::json;
using vault::Identity;
using vault::SecureBuffer;
namespace crypto = vault::crypto;

std::string Text(const SecureBuffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

bool SocketExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(crypto::Init());
    identity_.emplace(Identity::Generate(vault::Env::Default()));
    socket_ = dir_.File("default.sock");
  }

  void TearDown() override {
    if (thread_.joinable()) {
      (void)AgentClient(socket_).Call(json{{"op", "lock"}});
      thread_.join();
    }
  }

  AgentConfig Config(std::chrono::milliseconds idle = std::chrono::minutes(1)) {
    AgentConfig c;
    c.socket_path = socket_;
    c.member_id = "member-1";
    c.idle_timeout = idle;
    c.env = &clock_;  // the idle timeout runs on this clock only
    c.read_timeout = std::chrono::milliseconds(200);
    return c;
  }

  std::unique_ptr<AgentServer> NewServer(AgentConfig config) {
    auto id = Identity::FromSeed(SecureBuffer::CopyOf(identity_->seed().bytes()));
    EXPECT_TRUE(id.has_value());
    return std::make_unique<AgentServer>(std::move(*id), std::move(config));
  }

  void Start(AgentConfig config) {
    server_ = NewServer(std::move(config));
    ASSERT_OK(server_->Listen());
    thread_ = std::thread([this] { EXPECT_OK(server_->Serve()); });
  }

  SecureBuffer Raw(std::string_view line) {
    auto r = AgentClient(socket_).CallRaw(line);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    if (!r) return SecureBuffer();
    responses_.push_back(Text(*r));
    return std::move(*r);
  }

  json RawJson(std::string_view line) {
    SecureBuffer r = Raw(line);
    return json::parse(Text(r), nullptr, false);
  }

  // Every secret form of the identity that must never leave the agent.
  std::vector<std::string> SecretForms() const {
    std::vector<std::string> out;
    for (crypto::ByteView b : {identity_->seed().bytes(), identity_->signing().secret_key.bytes(),
                               identity_->box().secret_key.bytes()}) {
      out.push_back(crypto::ToHex(b));
      out.push_back(crypto::ToBase64(b));
      out.push_back(crypto::ToBase64(b, crypto::Base64::kUrlNoPadding));
      // And a distinctive slice of the raw bytes, should one be sent unencoded.
      out.emplace_back(reinterpret_cast<const char*>(b.data()), 16);
    }
    return out;
  }

  testing_util::TempDir dir_;
  testing_util::FakeEnv clock_;
  std::optional<Identity> identity_;
  std::string socket_;
  std::unique_ptr<AgentServer> server_;
  std::thread thread_;
  std::vector<std::string> responses_;
};

TEST_F(AgentTest, PingSignOpenLock) {
  ASSERT_NO_FATAL_FAILURE(Start(Config()));

  struct stat st {};
  ASSERT_EQ(::lstat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ASSERT_OK_AND_ASSIGN(auto keys, AgentKeys::Connect(socket_));
  EXPECT_EQ(keys->member_id(), "member-1");
  EXPECT_EQ(keys->idle_timeout_seconds(), 60);
  EXPECT_EQ(keys->signing_public_key(), identity_->signing_public_key());
  EXPECT_EQ(keys->box_public_key(), identity_->box_public_key());
  EXPECT_TRUE(keys->via_agent());

  const std::string message = "baton.login.v1 challenge";
  ASSERT_OK_AND_ASSIGN(crypto::Signature sig, keys->Sign(crypto::AsBytes(message)));
  EXPECT_OK(crypto::Verify(identity_->signing_public_key(), crypto::AsBytes(message), sig));
  EXPECT_FALSE(crypto::Verify(identity_->signing_public_key(), crypto::AsBytes("other"), sig).ok());

  const std::string secret = "collection key bytes, 32 of them";
  ASSERT_OK_AND_ASSIGN(auto sealed,
                       crypto::SealTo(identity_->box_public_key(), crypto::AsBytes(secret)));
  ASSERT_OK_AND_ASSIGN(SecureBuffer plain, keys->OpenSealed(sealed));
  EXPECT_EQ(Text(plain), secret);

  // A box sealed to someone else does not open, and the agent says so.
  Identity other = Identity::Generate(vault::Env::Default());
  ASSERT_OK_AND_ASSIGN(auto foreign,
                       crypto::SealTo(other.box_public_key(), crypto::AsBytes(secret)));
  EXPECT_STATUS(keys->OpenSealed(foreign), kCorruption);

  ASSERT_OK_AND_ASSIGN(json bye, AgentClient(socket_).Call(json{{"op", "lock"}}));
  EXPECT_TRUE(bye.value("ok", false));
  thread_.join();
  EXPECT_FALSE(server_->unlocked());
  EXPECT_FALSE(SocketExists(socket_));
  EXPECT_STATUS(AgentClient(socket_).Call(json{{"op", "ping"}}), kNotFound);
  EXPECT_STATUS(AgentKeys::Connect(socket_), kNotFound);
}

TEST_F(AgentTest, KeepsOneSessionTokenForOneServer) {
  ASSERT_NO_FATAL_FAILURE(Start(Config()));
  ASSERT_OK_AND_ASSIGN(auto keys, AgentKeys::Connect(socket_));
  const std::string a = "https://a.example:8443 fp-a member-1";
  const std::string b = "https://b.example:8443 fp-b member-1";
  EXPECT_EQ(keys->HeldSession(a), std::nullopt);

  keys->HoldSession(a, "tok_A-1");
  EXPECT_EQ(keys->HeldSession(a), "tok_A-1");
  EXPECT_EQ(keys->HeldSession(b), std::nullopt) << "a token goes only to the server it is for";

  // What is not a session token is refused and the kept one stays.
  for (const std::string& bad :
       {json{{"op", "session_put"}, {"server", a}, {"token", "has\"quote"}}.dump(),
        json{{"op", "session_put"}, {"server", a}, {"token", "white space"}}.dump(),
        json{{"op", "session_put"}, {"server", a}, {"token", std::string(129, 'x')}}.dump(),
        json{{"op", "session_put"}, {"server", a}, {"token", ""}}.dump(),
        json{{"op", "session_put"}, {"server", a}, {"token", 5}}.dump(),
        json{{"op", "session_put"}, {"server", a}}.dump(),
        json{{"op", "session_put"}, {"token", "tok"}}.dump(),
        json{{"op", "session_put"}, {"server", ""}, {"token", "tok"}}.dump(),
        json{{"op", "session_get"}}.dump(), json{{"op", "session_drop"}, {"server", 1}}.dump()}) {
    EXPECT_TRUE(RawJson(bad).contains("error")) << bad;
  }
  EXPECT_EQ(keys->HeldSession(a), "tok_A-1");

  // One slot: a session with another server replaces it.
  keys->HoldSession(b, "tokB");
  EXPECT_EQ(keys->HeldSession(a), std::nullopt);
  EXPECT_EQ(keys->HeldSession(b), "tokB");
  keys->DropSession(a);  // not the one it holds: no effect
  EXPECT_EQ(keys->HeldSession(b), "tokB");
  keys->DropSession(b);
  EXPECT_EQ(keys->HeldSession(b), std::nullopt);

  // Locking forgets it with the identity.
  keys->HoldSession(a, "tok_A-2");
  bool stop = false;
  EXPECT_NE(Text(server_->Handle(json{{"op", "session_get"}, {"server", a}}.dump(), &stop))
                .find("tok_A-2"),
            std::string::npos);
  ASSERT_OK(AgentClient(socket_).Call(json{{"op", "lock"}}));
  thread_.join();
  EXPECT_EQ(Text(server_->Handle(json{{"op", "session_get"}, {"server", a}}.dump(), &stop)),
            "{\"error\":\"locked\"}\n");
}

TEST_F(AgentTest, MalformedRequestsGetAnErrorAndTheAgentKeepsRunning) {
  ASSERT_NO_FATAL_FAILURE(Start(Config()));
  for (std::string_view bad : {
           std::string_view("not json"),
           std::string_view(""),
           std::string_view("[1,2]"),
           std::string_view(R"({"op":5})"),
           std::string_view(R"({"nop":"ping"})"),
           std::string_view(R"({"op":"dance"})"),
           std::string_view(R"({"op":"seed"})"),
           std::string_view(R"({"op":"sign"})"),
           std::string_view(R"({"op":"sign","message":"!!not base64"})"),
           std::string_view(R"({"op":"sign","message":7})"),
           std::string_view(R"({"op":"open","sealed":"AAAA"})"),
           std::string_view(R"({"op":"open"})"),
       }) {
    json r = RawJson(bad);
    EXPECT_TRUE(r.is_object() && r.contains("error")) << bad << " -> " << r.dump();
  }
  // Deeply nested, within the size bound.
  json deep = RawJson(std::string(60000, '['));
  EXPECT_EQ(deep.value("error", ""), "malformed request");
  json pong = RawJson(R"({"op":"ping"})");
  EXPECT_TRUE(pong.value("ok", false));
  EXPECT_TRUE(server_->unlocked());
}

TEST_F(AgentTest, OversizeRequestIsRefused) {
  ASSERT_NO_FATAL_FAILURE(Start(Config()));
  const std::string huge =
      R"({"op":"sign","message":")" + std::string(cli::kAgentMaxRequestBytes + 10, 'A') + "\"}";
  json r = RawJson(huge);
  EXPECT_EQ(r.value("error", ""), "request too large");
  EXPECT_TRUE(RawJson(R"({"op":"ping"})").value("ok", false));
}

TEST_F(AgentTest, SlowClientIsDroppedAndOthersAreServed) {
  ASSERT_NO_FATAL_FAILURE(Start(Config()));
  // Connects and says nothing: dropped after the read timeout (200 ms).
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_.data(), socket_.size());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  // Half a request, never finished.
  ASSERT_EQ(::send(fd, "{\"op\":", 6, MSG_NOSIGNAL), 6);
  // The next client waits at most the read timeout, then is answered.
  EXPECT_TRUE(RawJson(R"({"op":"ping"})").value("ok", false));
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);  // closed without an answer
  ::close(fd);
}

TEST_F(AgentTest, TheSeedAndSecretKeysNeverAppearInAnyResponse) {
  ASSERT_NO_FATAL_FAILURE(Start(Config()));
  ASSERT_OK_AND_ASSIGN(auto sealed,
                       crypto::SealTo(identity_->box_public_key(), crypto::AsBytes("payload")));
  Raw(R"({"op":"ping"})");
  Raw(json{{"op", "sign"}, {"message", crypto::ToBase64(crypto::AsBytes("m"))}}.dump());
  Raw(json{{"op", "open"}, {"sealed", crypto::ToBase64(sealed)}}.dump());
  for (const char* op : {"seed", "secret", "export", "dump", "identity", "keys"}) {
    Raw(json{{"op", op}}.dump());
  }
  Raw("garbage");
  Raw(R"({"op":"lock"})");
  thread_.join();
  ASSERT_EQ(responses_.size(), 11u);
  for (const std::string& r : responses_) {
    for (const std::string& secret : SecretForms()) {
      EXPECT_EQ(r.find(secret), std::string::npos) << "a secret in: " << r;
    }
  }
}

TEST_F(AgentTest, IdleTimeoutWipesTheIdentityAndRemovesTheSocket) {
  ASSERT_NO_FATAL_FAILURE(Start(Config(std::chrono::minutes(1))));
  // Answered by the serving loop: it has started timing from here.
  EXPECT_TRUE(RawJson(R"({"op":"ping"})").value("ok", false));
  clock_.AdvanceTime(std::chrono::minutes(1));
  // The loop sees the time at its next wake-up; this connection is one (its
  // answer, if any, depends on which comes first, so it is not checked).
  (void)AgentClient(socket_).Call(json{{"op", "ping"}});
  thread_.join();
  EXPECT_FALSE(server_->unlocked());
  EXPECT_FALSE(SocketExists(socket_));
  EXPECT_STATUS(AgentClient(socket_).Call(json{{"op", "ping"}}), kNotFound);
}

TEST_F(AgentTest, SignOpenAndSessionRequestsRestartTheIdleTimeButPingsDoNot) {
  using std::chrono::seconds;
  auto server = NewServer(Config(std::chrono::minutes(1)));
  bool stop = false;
  auto call = [&](const json& request) {
    return json::parse(Text(server->Handle(request.dump(), &stop)), nullptr, false);
  };
  auto locks_in = [&] { return call(json{{"op", "ping"}}).value("locks_in_seconds", -1); };
  ASSERT_OK_AND_ASSIGN(auto sealed,
                       crypto::SealTo(identity_->box_public_key(), crypto::AsBytes("payload")));
  const std::string server_name = "https://a.example:8443 fp-a member-1";

  EXPECT_EQ(locks_in(), 60);
  clock_.AdvanceTime(seconds(40));
  EXPECT_EQ(locks_in(), 20);
  EXPECT_EQ(locks_in(), 20) << "a ping is not a use";
  EXPECT_TRUE(call(json{{"op", "sign"}, {"message", crypto::ToBase64(crypto::AsBytes("m"))}})
                  .contains("signature"));
  EXPECT_EQ(locks_in(), 60);
  clock_.AdvanceTime(seconds(50));
  EXPECT_TRUE(call(json{{"op", "open"}, {"sealed", crypto::ToBase64(sealed)}}).contains("plain"));
  EXPECT_EQ(locks_in(), 60);
  clock_.AdvanceTime(seconds(50));
  EXPECT_TRUE(call(json{{"op", "session_put"}, {"server", server_name}, {"token", "tok"}})
                  .value("ok", false));
  EXPECT_EQ(locks_in(), 60);
  clock_.AdvanceTime(seconds(50));
  EXPECT_TRUE(call(json{{"op", "session_get"}, {"server", server_name}}).contains("token"));
  EXPECT_EQ(locks_in(), 60);
  // Refused requests are no use either.
  clock_.AdvanceTime(seconds(30));
  EXPECT_TRUE(call(json{{"op", "sign"}}).contains("error"));
  EXPECT_TRUE(call(json{{"op", "open"}, {"sealed", "AAAA"}}).contains("error"));
  EXPECT_EQ(locks_in(), 30);
  clock_.AdvanceTime(seconds(45));
  EXPECT_EQ(locks_in(), 0) << "never negative";
  EXPECT_FALSE(stop);
}

TEST_F(AgentTest, HandleRefusesOnceLocked) {
  auto server = NewServer(Config());
  bool stop = false;
  EXPECT_TRUE(json::parse(Text(server->Handle(R"({"op":"ping"})", &stop))).value("ok", false));
  EXPECT_FALSE(stop);
  server->Handle(R"({"op":"lock"})", &stop);
  EXPECT_TRUE(stop);
  server->Detach();
  EXPECT_FALSE(server->unlocked());
  EXPECT_EQ(json::parse(Text(server->Handle(R"({"op":"ping"})", &stop))).value("error", ""),
            "locked");
}

TEST_F(AgentTest, ASecondAgentOnTheSameSocketIsRefused) {
  ASSERT_NO_FATAL_FAILURE(Start(Config()));
  auto second = NewServer(Config());
  EXPECT_STATUS(second->Listen(), kAlreadyExists);
  EXPECT_TRUE(SocketExists(socket_));  // the first agent's socket is untouched
  EXPECT_TRUE(RawJson(R"({"op":"ping"})").value("ok", false));
}

TEST_F(AgentTest, AStaleSocketIsReplaced) {
  {
    auto dead = NewServer(Config());
    ASSERT_OK(dead->Listen());
    dead->Detach();  // closed without removing the file, like a killed agent
  }
  ASSERT_TRUE(SocketExists(socket_));
  ASSERT_NO_FATAL_FAILURE(Start(Config()));
  EXPECT_TRUE(RawJson(R"({"op":"ping"})").value("ok", false));
}

TEST_F(AgentTest, ARegularFileAtTheSocketPathIsNotReplaced) {
  std::ofstream(socket_) << "not a socket";
  auto server = NewServer(Config());
  EXPECT_STATUS(server->Listen(), kPermissionDenied);
}

TEST(AgentPeerTest, OnlyTheSameUidIsServed) {
  ucred same{.pid = 1234, .uid = ::geteuid(), .gid = ::getegid()};
  ucred other = same;
  other.uid = ::geteuid() + 1;
  ucred root = same;
  root.uid = 0;
  EXPECT_TRUE(cli::PeerAllowed(same, ::geteuid()));
  EXPECT_FALSE(cli::PeerAllowed(other, ::geteuid()));
  if (::geteuid() != 0) {
    EXPECT_FALSE(cli::PeerAllowed(root, ::geteuid()));
  }
}

TEST(AgentDirTest, CreatedPrivateAndCheckedEveryTime) {
  testing_util::TempDir tmp;
  const std::string dir = tmp.File("baton");
  EXPECT_STATUS(cli::CheckPrivateDir(dir, /*create=*/false), kNotFound);
  ASSERT_OK(cli::CheckPrivateDir(dir, /*create=*/true));
  struct stat st {};
  ASSERT_EQ(::lstat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_OK(cli::CheckPrivateDir(dir, /*create=*/false));

  for (mode_t bad : {0777, 0755, 0750, 0701, 0707}) {
    ASSERT_EQ(::chmod(dir.c_str(), bad), 0);
    EXPECT_STATUS(cli::CheckPrivateDir(dir, /*create=*/true), kPermissionDenied) << std::oct << bad;
  }
  ASSERT_EQ(::chmod(dir.c_str(), 0700), 0);

  // A symlink to a good directory is refused all the same.
  const std::string link = tmp.File("link");
  ASSERT_EQ(::symlink(dir.c_str(), link.c_str()), 0);
  EXPECT_STATUS(cli::CheckPrivateDir(link, /*create=*/true), kPermissionDenied);
  // So is a file.
  const std::string file = tmp.File("file");
  std::ofstream(file) << "x";
  ::chmod(file.c_str(), 0700);
  EXPECT_STATUS(cli::CheckPrivateDir(file, /*create=*/true), kPermissionDenied);
}

TEST(AgentPathTest, RuntimeDirElseTmpPerUid) {
  ASSERT_OK_AND_ASSIGN(auto xdg,
                       cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", "/run/user/1000/"}}, "work"));
  EXPECT_EQ(xdg.dir, "/run/user/1000/baton");
  EXPECT_EQ(xdg.socket, "/run/user/1000/baton/work.sock");
  const std::string tmp = "/tmp/baton-" + std::to_string(::geteuid());
  ASSERT_OK_AND_ASSIGN(auto none, cli::AgentSocketPaths({}, "default"));
  EXPECT_EQ(none.dir, tmp);
  EXPECT_EQ(none.socket, tmp + "/default.sock");
  ASSERT_OK_AND_ASSIGN(auto relative, cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", "run"}}, "p"));
  EXPECT_EQ(relative.dir, tmp);
  EXPECT_STATUS(cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", "/" + std::string(200, 'x')}}, "p"),
                kInvalidArgument);
  EXPECT_STATUS(cli::AgentSocketPaths({}, "a/b"), kInvalidArgument);
}

// --- End to end, through cli::Run ---------------------------------------------

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
  ASSERT_EQ(::lstat((runtime_.path() + "/baton/default.sock").c_str(), &sst), 0);
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
  EXPECT_FALSE(SocketExists(runtime_.path() + "/baton/default.sock"));

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

TEST_F(AgentCliTest, AnAgentOfAnotherIdentityIsIgnored) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "default", "init"));
  // Someone else's identity behind this profile's socket (same uid).
  ASSERT_OK(cli::CheckPrivateDir(runtime_.path() + "/baton", true));
  AgentConfig config;
  config.socket_path = runtime_.path() + "/baton/default.sock";
  config.member_id = "someone-else";
  AgentServer impostor(Identity::Generate(vault::Env::Default()), config);
  ASSERT_OK(impostor.Listen());
  std::thread t([&] { EXPECT_OK(impostor.Serve()); });
  auto who = Run({"whoami"}, true);
  EXPECT_EQ(who.code, 0) << who.err;
  EXPECT_NE(who.err.find("another identity"), std::string::npos) << who.err;
  EXPECT_OK(AgentClient(config.socket_path).Call(json{{"op", "lock"}}));
  t.join();
}

}  // namespace
