// The local agent: its server loop in-process on a socket in a temporary
// directory, the client, the socket path, the directory and peer checks.
// End to end through cli::Run: agent_cli_test.cc; through the real binary:
// agent_process_test.cc.
#include "agent.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "fake_env.h"
#include "key_ops.h"
#include "temp_dir.h"
#include "test_util.h"
#include "vault/login.h"
#include "vault/roster.h"

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

// Bytes that pass for a roster statement: the domain, then anything.
std::string RosterStatement(std::string_view body) {
  return std::string(vault::roster::kStatementDomain) + std::string(body);
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

  // A sign_login request for a server key of no consequence.
  static json LoginRequest(const std::string& member_id, const std::string& nonce) {
    return json{{"op", "sign_login"},
                {"server_key", crypto::ToBase64(crypto::PublicKey{})},
                {"member_id", member_id},
                {"nonce", nonce}};
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

  // A login: the agent builds the message from the challenge's parts.
  const crypto::PublicKey server_key =
      Identity::Generate(vault::Env::Default()).signing_public_key();
  ASSERT_OK_AND_ASSIGN(crypto::Signature sig, keys->SignLogin(server_key, "member-1", "nonce-1"));
  EXPECT_OK(crypto::Verify(identity_->signing_public_key(),
                           vault::LoginMessage(server_key, "member-1", "nonce-1"), sig));
  EXPECT_FALSE(crypto::Verify(identity_->signing_public_key(),
                              vault::LoginMessage(server_key, "member-1", "nonce-2"), sig)
                   .ok());
  // A roster statement: signed as it is.
  const std::string statement = RosterStatement("genesis");
  ASSERT_OK_AND_ASSIGN(sig, keys->SignRosterStatement(crypto::AsBytes(statement)));
  EXPECT_OK(crypto::Verify(identity_->signing_public_key(), crypto::AsBytes(statement), sig));

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

// The agent signs in two domains only, so a peer cannot have it sign a
// statement of any other kind (one that a future signed format would trust).
TEST_F(AgentTest, SignsOnlyALoginOrARosterStatement) {
  ASSERT_NO_FATAL_FAILURE(Start(Config()));
  const std::string m = crypto::ToBase64(crypto::AsBytes(RosterStatement("x")));
  json any = RawJson(json{{"op", "sign"}, {"message", m}}.dump());
  EXPECT_EQ(any.value("error", ""), "unknown op") << any.dump();

  auto roster = [&](const std::string& bytes) {
    return RawJson(
        json{{"op", "sign_roster"}, {"statement", crypto::ToBase64(crypto::AsBytes(bytes))}}
            .dump());
  };
  const std::string domain(vault::roster::kStatementDomain);
  for (const std::string& bad :
       {std::string("baton.login.v1") + '\0' + "a login message", std::string("baton.roster.v1"),
        std::string("baton.roster.v1x") + "body", std::string("baton.roster.v2") + '\0' + "body",
        std::string(), "x" + domain + "body",
        domain + std::string(vault::roster::kMaxStatementBytes + 1 - domain.size(), 'b')}) {
    json r = roster(bad);
    EXPECT_EQ(r.value("error", ""), "not a roster statement")
        << crypto::ToHex(crypto::AsBytes(bad));
    EXPECT_FALSE(r.contains("signature"));
  }
  EXPECT_TRUE(roster(domain).contains("signature"));
  EXPECT_TRUE(roster(domain + std::string(vault::roster::kMaxStatementBytes - domain.size(), 'b'))
                  .contains("signature"));

  // A login for another member, with a key that is not one, or with a
  // nonce the message would cut, is refused.
  EXPECT_EQ(RawJson(LoginRequest("member-2", "n").dump()).value("error", ""),
            "member_id is not this agent's member");
  EXPECT_TRUE(RawJson(LoginRequest("", "n").dump()).contains("error"));
  EXPECT_TRUE(RawJson(LoginRequest("member-1", "").dump()).contains("error"));
  EXPECT_TRUE(RawJson(LoginRequest("member-1", std::string(256, 'n')).dump()).contains("error"));
  json short_key = LoginRequest("member-1", "n");
  short_key["server_key"] = crypto::ToBase64(crypto::AsBytes("short"));
  EXPECT_TRUE(RawJson(short_key.dump()).contains("error"));
  json no_nonce = LoginRequest("member-1", "n");
  no_nonce.erase("nonce");
  EXPECT_TRUE(RawJson(no_nonce.dump()).contains("error"));
  EXPECT_TRUE(
      RawJson(LoginRequest("member-1", std::string(255, 'n')).dump()).contains("signature"));
}

// The agent and the identity in this process refuse the same inputs.
TEST_F(AgentTest, AgentAndLocalKeysRefuseTheSame) {
  ASSERT_NO_FATAL_FAILURE(Start(Config()));
  ASSERT_OK_AND_ASSIGN(auto agent, AgentKeys::Connect(socket_));
  cli::IdentityKeys local(*identity_);
  const std::string domain(vault::roster::kStatementDomain);
  for (cli::KeyOps* keys : std::initializer_list<cli::KeyOps*>{agent.get(), &local}) {
    SCOPED_TRACE(keys->via_agent() ? "agent" : "local");
    EXPECT_STATUS(keys->SignRosterStatement(crypto::AsBytes("baton.login.v1")), kInvalidArgument);
    EXPECT_STATUS(keys->SignRosterStatement(crypto::AsBytes(domain.substr(0, 15))),
                  kInvalidArgument);
    EXPECT_STATUS(keys->SignRosterStatement(crypto::AsBytes(
                      domain + std::string(vault::roster::kMaxStatementBytes, 'b'))),
                  kInvalidArgument);
    EXPECT_STATUS(keys->SignLogin(crypto::PublicKey{}, "member-1", ""), kInvalidArgument);
    EXPECT_STATUS(keys->SignLogin(crypto::PublicKey{}, "", "n"), kInvalidArgument);
    EXPECT_STATUS(keys->SignLogin(crypto::PublicKey{}, "member-1", std::string(256, 'n')),
                  kInvalidArgument);
    ASSERT_OK_AND_ASSIGN(crypto::Signature sig,
                         keys->SignLogin(crypto::PublicKey{}, "member-1", "nonce"));
    EXPECT_OK(crypto::Verify(identity_->signing_public_key(),
                             vault::LoginMessage(crypto::PublicKey{}, "member-1", "nonce"), sig));
  }
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
           std::string_view(R"({"op":"sign_roster"})"),
           std::string_view(R"({"op":"sign_roster","statement":"!!not base64"})"),
           std::string_view(R"({"op":"sign_roster","statement":7})"),
           std::string_view(R"({"op":"sign_login"})"),
           std::string_view(R"({"op":"sign_login","server_key":7,"member_id":"member-1"})"),
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
  const std::string huge = R"({"op":"sign_roster","statement":")" +
                           std::string(cli::kAgentMaxRequestBytes + 10, 'A') + "\"}";
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
  Raw(LoginRequest("member-1", "nonce").dump());
  Raw(json{{"op", "sign_roster"},
           {"statement", crypto::ToBase64(crypto::AsBytes(RosterStatement("m")))}}
          .dump());
  Raw(json{{"op", "open"}, {"sealed", crypto::ToBase64(sealed)}}.dump());
  for (const char* op : {"seed", "secret", "export", "dump", "identity", "keys"}) {
    Raw(json{{"op", op}}.dump());
  }
  Raw("garbage");
  Raw(R"({"op":"lock"})");
  thread_.join();
  ASSERT_EQ(responses_.size(), 12u);
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
  EXPECT_TRUE(call(LoginRequest("member-1", "n")).contains("signature"));
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
  EXPECT_TRUE(call(json{{"op", "sign_login"}}).contains("error"));
  EXPECT_TRUE(call(json{{"op", "sign_roster"}, {"statement", "AAAA"}}).contains("error"));
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
  ASSERT_OK_AND_ASSIGN(
      auto xdg, cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", "/run/user/1000/"}}, "work", "/h/work"));
  EXPECT_EQ(xdg.dir, "/run/user/1000/baton");
  EXPECT_TRUE(xdg.socket.starts_with("/run/user/1000/baton/work-")) << xdg.socket;
  EXPECT_TRUE(xdg.socket.ends_with(".sock")) << xdg.socket;
  EXPECT_EQ(xdg.socket.size(), std::string("/run/user/1000/baton/work-").size() + 16 + 5);
  const std::string tmp = "/tmp/baton-" + std::to_string(::geteuid());
  ASSERT_OK_AND_ASSIGN(auto none, cli::AgentSocketPaths({}, "default", "/h/default"));
  EXPECT_EQ(none.dir, tmp);
  EXPECT_TRUE(none.socket.starts_with(tmp + "/default-")) << none.socket;
  ASSERT_OK_AND_ASSIGN(auto relative,
                       cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", "run"}}, "p", "/h/p"));
  EXPECT_EQ(relative.dir, tmp);
  EXPECT_STATUS(
      cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", "/" + std::string(200, 'x')}}, "p", "/h/p"),
      kInvalidArgument);
  EXPECT_STATUS(cli::AgentSocketPaths({}, "a/b", "/h/a"), kInvalidArgument);
}

// Two homes with a profile of the same name get two sockets; one directory
// named two ways gets one.
TEST(AgentPathTest, KeyedByTheProfileDirectory) {
  testing_util::TempDir tmp;
  const std::map<std::string, std::string> env = {{"XDG_RUNTIME_DIR", "/run/user/1000"}};
  const std::string a = tmp.File("a/default"), b = tmp.File("b/default");
  std::filesystem::create_directories(a);
  std::filesystem::create_directories(b);
  ASSERT_OK_AND_ASSIGN(auto in_a, cli::AgentSocketPaths(env, "default", a));
  ASSERT_OK_AND_ASSIGN(auto in_b, cli::AgentSocketPaths(env, "default", b));
  EXPECT_NE(in_a.socket, in_b.socket);
  EXPECT_EQ(in_a.dir, in_b.dir);
  ASSERT_OK_AND_ASSIGN(auto dotted,
                       cli::AgentSocketPaths(env, "default", tmp.File("b/../a/default")));
  EXPECT_EQ(dotted.socket, in_a.socket);
  std::filesystem::create_directory_symlink(tmp.File("a"), tmp.File("link"));
  ASSERT_OK_AND_ASSIGN(auto linked,
                       cli::AgentSocketPaths(env, "default", tmp.File("link/default")));
  EXPECT_EQ(linked.socket, in_a.socket);

  // A long runtime directory and name: the name is cut, the hash kept.
  const std::string runtime = "/" + std::string(60, 'r');
  const std::string name(64, 'n');
  ASSERT_OK_AND_ASSIGN(auto long_a, cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", runtime}}, name,
                                                          tmp.File("a/" + name)));
  ASSERT_OK_AND_ASSIGN(auto long_b, cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", runtime}}, name,
                                                          tmp.File("b/" + name)));
  EXPECT_LT(long_a.socket.size(), sizeof(sockaddr_un{}.sun_path));
  EXPECT_TRUE(long_a.socket.starts_with(runtime + "/baton/nnnn")) << long_a.socket;
  EXPECT_NE(long_a.socket, long_b.socket);
  // Just room for the hash: no name at all.
  const std::string tight = "/" + std::string(107 - 7 - 21 - 1, 't');
  ASSERT_OK_AND_ASSIGN(auto bare, cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", tight}}, name, a));
  EXPECT_EQ(bare.socket.size(), 107u);
  EXPECT_EQ(bare.socket.substr(bare.dir.size() + 1).size(), 16u + 5) << bare.socket;
  EXPECT_STATUS(cli::AgentSocketPaths({{"XDG_RUNTIME_DIR", tight + "t"}}, name, a),
                kInvalidArgument);
}

}  // namespace
