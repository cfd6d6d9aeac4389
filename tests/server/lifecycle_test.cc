// batond's life cycle: graceful shutdown under load, restart on the same
// port, and the real `batond` binary (init, serve, SIGTERM, sealed keys) as
// a subprocess.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server_fixture.h"

extern char** environ;

namespace {

using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
using testing_util::TempDir;
using namespace std::chrono_literals;

class LifecycleTest : public ServerFixture {};

// --- Graceful shutdown -----------------------------------------------------------

TEST_F(LifecycleTest, ShutdownUnderLoadLosesNoAcknowledgedWrite) {
  Account owner = Join("owner", "Mari");
  const std::string col = CreateCollection(owner, "Load");
  const int64_t audit_before = AuditLength();

  constexpr int kThreads = 4;
  constexpr int kMaxPerThread = 300;
  constexpr int kShutdownAfter = 20;  // acknowledged items

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> acked;
  std::vector<std::string> unexpected;  // neither a 201 nor a connection error
  int connection_errors = 0;
  int finished = 0;
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < kMaxPerThread; ++i) {
        std::string id;
        Reply r = CreateItem(owner, col, "item " + std::to_string(t) + "/" + std::to_string(i),
                             "secret", &id);
        std::lock_guard lock(mu);
        if (r.status == 201) {
          acked.push_back(id);
          cv.notify_all();
          continue;
        }
        if (r.status == 0) {
          ++connection_errors;
        } else {
          unexpected.push_back(std::to_string(r.status) + " " + r.raw);
        }
        break;
      }
      std::lock_guard lock(mu);
      ++finished;
      cv.notify_all();
    });
  }
  {
    // Each client stops after kMaxPerThread items at the latest, so this
    // wait ends whatever the server does.
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return acked.size() >= kShutdownAfter || finished == kThreads; });
  }
  server_->Shutdown();
  for (auto& c : clients) c.join();
  serve_thread_.join();  // Serve() returned: in-flight requests finished

  EXPECT_TRUE(unexpected.empty()) << unexpected.front();
  EXPECT_GE(acked.size(), size_t{kShutdownAfter});
  // The shutdown came while the clients were still writing.
  EXPECT_GT(connection_errors, 0);
  RecordProperty("acknowledged", static_cast<int>(acked.size()));
  RecordProperty("connection_errors", connection_errors);
  // batond checkpoints the head after Serve() returns.
  ASSERT_OK(server_->Checkpoint());
  server_.reset();

  // Straight from the vault: every acknowledged item is there; at most one
  // more per client (written, but its reply lost to the shutdown).
  ASSERT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
    for (const std::string& id : acked) {
      auto meta = t.GetItemMeta(id);
      EXPECT_TRUE(meta.has_value()) << "acknowledged item " << id << " is missing";
      if (meta) {
        EXPECT_EQ(meta->collection_id, col);
      }
    }
    auto items = t.ListItems(col);
    if (!items) return items.error();
    EXPECT_GE(items->size(), acked.size());
    EXPECT_LE(items->size(), acked.size() + kThreads);

    // The audit chain verifies, checkpoint included, and has an event per
    // stored item.
    auto cps = t.ListCheckpoints();
    if (!cps) return cps.error();
    EXPECT_FALSE(cps->empty());
    vault::audit::Verifier verifier(keys_->audit_public_key(), *cps);
    if (vault::Status s =
            t.ScanAudit(1, [&](const vault::audit::Event& e) { return verifier.Add(e); });
        !s.ok()) {
      return s;
    }
    vault::audit::Report report = verifier.Finish();
    EXPECT_TRUE(report.ok) << report.problem << " at " << report.first_bad_seq;
    EXPECT_EQ(report.checkpoints_verified, static_cast<int64_t>(cps->size()));
    EXPECT_GE(report.events, audit_before + static_cast<int64_t>(items->size()));
    return vault::Status::OK();
  }));
}

// --- Restart on the same port ---------------------------------------------------

// TCP sockets on 127.0.0.1:`port` in TIME_WAIT.
int TimeWaitSockets(int port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  int n = 0;
  char want[16];
  std::snprintf(want, sizeof want, "0100007F:%04X", port);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (local == want && state == "06") ++n;
  }
  return n;
}

// One keep-alive TLS connection making `requests` GET /healthz, the last
// with "Connection: close"; it then reads to the end before closing, so the
// server closes first and its side of the socket ends in TIME_WAIT (a
// client closing with unread bytes would reset the connection instead).
// Returns the number of 200 responses.
int KeepAliveThenClose(int port, int requests) {
  int ok = 0;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};  // no hang if the server misbehaves
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return 0;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_connect(ssl) == 1) {
    std::string pending;
    for (int i = 0; i < requests; ++i) {
      const bool last = i + 1 == requests;
      const std::string req = std::string("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n") +
                              (last ? "Connection: close\r\n" : "") + "\r\n";
      if (SSL_write(ssl, req.data(), static_cast<int>(req.size())) <= 0) break;
      // Each response ends with the body "ok\n".
      while (pending.find("\r\n\r\nok\n") == std::string::npos) {
        char buf[4096];
        const int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) break;
        pending.append(buf, static_cast<size_t>(n));
      }
      const size_t end = pending.find("\r\n\r\nok\n");
      if (end == std::string::npos) break;
      if (pending.starts_with("HTTP/1.1 200")) ++ok;
      pending.erase(0, end + 7);
    }
    // To the end: the server's close_notify, then its FIN.
    char buf[4096];
    while (SSL_read(ssl, buf, sizeof buf) > 0) {
    }
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return ok;
}

TEST_F(LifecycleTest, RestartBindsTheSamePortRightAway) {
  const int old_port = port_;
  EXPECT_EQ(KeepAliveThenClose(old_port, 3), 3);
  EXPECT_EQ(KeepAliveThenClose(old_port, 2), 2);
  StopServer();
  // The precondition that makes this test worth having.
  ASSERT_GT(TimeWaitSockets(old_port), 0) << "no server socket in TIME_WAIT";

  config_.port = old_port;
  ASSERT_NO_FATAL_FAILURE(StartServer());
  EXPECT_EQ(port_, old_port);
  Reply h = Call("GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.raw, "ok\n");
}

// Shutdown() before Serve() has started listening is not lost: Serve()
// returns at once (a SIGTERM right after batond's Bind()).
TEST_F(LifecycleTest, ShutdownBeforeServeIsNotLost) {
  StopServer();
  server::Deps deps;
  deps.env = &env_;
  deps.vault = vault_.get();
  deps.audit_key = &keys_->audit();
  deps.escrow_public_key = keys_->escrow_public_key();
  deps.escrow_key = &keys_->escrow();
  deps.tls_cert_pem = tls_->cert_pem;
  deps.tls_key_pem = &tls_->key_pem;
  ASSERT_OK_AND_ASSIGN(auto srv, server::Server::Create(config_, deps));
  ASSERT_OK(srv->Bind());
  srv->Shutdown();
  auto served = std::async(std::launch::async, [&] { return srv->Serve(); });
  const bool returned = served.wait_for(10s) == std::future_status::ready;
  EXPECT_TRUE(returned) << "Serve() ignored the earlier Shutdown()";
  if (!returned) srv->Shutdown();  // unblock it, to end the test
  EXPECT_OK(served.get());
}

// --- The batond binary -------------------------------------------------------------

struct Output {
  int exit_code = -1;  // -1: killed by a signal, or did not finish in time
  std::string out;
  std::string err;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A poll(2) timeout.
int Millis(std::chrono::milliseconds limit) { return static_cast<int>(limit.count()); }

// Waits for `pid` to exit, at most `limit` (a guard against a hung child,
// not a measurement); SIGKILLs it past that. Returns the exit code, or -1 if
// it was killed or died of a signal.
int WaitExit(pid_t pid, std::chrono::milliseconds limit) {
  // The pidfd becomes readable when the child exits: no polling loop.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  bool exited = true;
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    exited = ::poll(&p, 1, Millis(limit)) > 0;
    ::close(pidfd);
  }
  if (!exited) ::kill(pid, SIGKILL);
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A batond child: stdout on a pipe, stderr in a file.
class Batond {
 public:
  Batond(const std::vector<std::string>& args, const std::string& stderr_path)
      : stderr_path_(stderr_path) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    out_ = fds[0];
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    std::vector<std::string> argv_s = {BATOND_PATH};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, BATOND_PATH, &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
  }
  ~Batond() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& out() const { return out_text_; }
  std::string err() const { return ReadAll(stderr_path_); }

  // Reads stdout until a line containing `needle` has arrived (returns it),
  // EOF, or `limit` passes without output.
  std::optional<std::string> ReadLineWith(const std::string& needle,
                                          std::chrono::milliseconds limit) {
    for (;;) {
      size_t start = 0;
      for (size_t nl; (nl = out_text_.find('\n', start)) != std::string::npos; start = nl + 1) {
        const std::string line = out_text_.substr(start, nl - start);
        if (line.find(needle) != std::string::npos) return line;
      }
      if (!ReadSome(limit)) return std::nullopt;
    }
  }

  // Reads stdout to EOF (or until `limit` passes without output), then
  // waits for the exit, at most `limit`.
  int Finish(std::chrono::milliseconds limit) {
    while (ReadSome(limit)) {
    }
    return WaitForExit(limit);
  }

  int WaitForExit(std::chrono::milliseconds limit) {
    const int code = WaitExit(pid_, limit);
    pid_ = -1;
    return code;
  }

 private:
  // One read from stdout; false at EOF, on error or if nothing came within
  // `limit`.
  bool ReadSome(std::chrono::milliseconds limit) {
    if (out_ < 0) return false;
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, Millis(limit)) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) return false;
    out_text_.append(buf, static_cast<size_t>(n));
    return true;
  }

  std::string stderr_path_;
  pid_t pid_ = -1;
  int out_ = -1;
  std::string out_text_;
};

Output RunBatond(const std::vector<std::string>& args, const std::string& stderr_path,
                 std::chrono::seconds limit = 60s) {
  Batond b(args, stderr_path);
  Output o;
  if (!b.started()) return o;
  o.exit_code = b.Finish(limit);
  o.out = b.out();
  o.err = b.err();
  return o;
}

uint32_t ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0xffffffff;
  return st.st_mode & 07777;
}

// Every file of `dir` with its content and mode.
std::map<std::string, std::pair<std::string, uint32_t>> Snapshot(const std::string& dir) {
  std::map<std::string, std::pair<std::string, uint32_t>> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string p = e.path().string();
    out[e.path().filename().string()] = {ReadAll(p), ModeOf(p)};
  }
  return out;
}

// The line after the first line containing `marker`, without its indent.
std::string LineAfter(const std::string& text, const std::string& marker) {
  const size_t at = text.find(marker);
  if (at == std::string::npos) return "";
  const size_t begin = text.find('\n', at);
  if (begin == std::string::npos) return "";
  const size_t end = text.find('\n', begin + 1);
  if (end == std::string::npos) return "";
  std::string line = text.substr(begin + 1, end - begin - 1);
  line.erase(0, line.find_first_not_of(' '));
  return line;
}

bool OnlyOf(const std::string& s, std::string_view chars) {
  return !s.empty() && s.find_first_not_of(chars) == std::string::npos;
}

void WriteSecretFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

class BatondBinaryTest : public ::testing::Test {
 protected:
  // Starts `batond serve` and returns the port it printed, or 0.
  int Serve(Batond& b) {
    auto line = b.ReadLineWith("listening on https://", 30s);
    if (!line) {
      ADD_FAILURE() << "no listening line; stdout:\n" << b.out() << "\nstderr:\n" << b.err();
      return 0;
    }
    EXPECT_NE(line->find("batond " BATON_VERSION " listening on https://127.0.0.1:"),
              std::string::npos)
        << *line;
    return std::stoi(line->substr(line->rfind(':') + 1));
  }

  // GET /healthz over TLS.
  static int Health(int port) {
    httplib::SSLClient c("127.0.0.1", port);
    c.enable_server_certificate_verification(false);
    c.set_connection_timeout(5);
    c.set_read_timeout(10);
    auto r = c.Get("/healthz");
    return r ? r->status : 0;
  }

  // SIGTERM, then the exit code within a bounded time.
  static int Terminate(Batond& b) {
    ::kill(b.pid(), SIGTERM);
    return b.WaitForExit(10s);
  }

  std::string Log(const std::string& name) const { return tmp_.File(name + ".stderr"); }

  TempDir tmp_;
};

TEST_F(BatondBinaryTest, InitCreatesAPrivateDataDir) {
  const std::string dir = tmp_.File("data");
  Output o = RunBatond({"init", dir}, Log("init"));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(dir + "/server.key"), 0600u);
  EXPECT_EQ(ModeOf(dir + "/tls.key"), 0600u);
  EXPECT_EQ(ModeOf(dir + "/vault.db"), 0600u);
  EXPECT_NE(ModeOf(dir + "/tls.crt"), 0xffffffffu);
  const std::string code = LineAfter(o.out, "invite code");
  EXPECT_EQ(code.size(), 32u) << o.out;
  EXPECT_TRUE(OnlyOf(code, "0123456789abcdef")) << o.out;
  const std::string fp = LineAfter(o.out, "fingerprint:");
  EXPECT_GE(fp.size(), 32u) << o.out;
  EXPECT_TRUE(OnlyOf(fp, "0123456789abcdefABCDEF:")) << o.out;
}

TEST_F(BatondBinaryTest, InitAgainFailsAndChangesNothing) {
  const std::string dir = tmp_.File("data");
  ASSERT_EQ(RunBatond({"init", dir}, Log("init1")).exit_code, 0);
  const auto before = Snapshot(dir);
  ASSERT_FALSE(before.empty());
  Output again = RunBatond({"init", dir}, Log("init2"));
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("exists"), std::string::npos) << again.err;
  EXPECT_EQ(again.out.find("invite code"), std::string::npos) << again.out;
  EXPECT_EQ(Snapshot(dir), before);
  EXPECT_EQ(ModeOf(dir), 0700u);
}

TEST_F(BatondBinaryTest, ServeAnswersAndStopsOnSigterm) {
  const std::string dir = tmp_.File("data");
  Output init = RunBatond({"init", dir}, Log("init"));
  ASSERT_EQ(init.exit_code, 0) << init.err;
  const std::string fp = LineAfter(init.out, "fingerprint:");
  ASSERT_FALSE(fp.empty()) << init.out;

  Batond b({"serve", "--data", dir, "--port", "0"}, Log("serve"));
  ASSERT_TRUE(b.started());
  const int port = Serve(b);
  ASSERT_GT(port, 0);
  auto fp_line = b.ReadLineWith("fingerprint: ", 10s);
  ASSERT_TRUE(fp_line);
  EXPECT_NE(fp_line->find(fp), std::string::npos) << *fp_line;
  EXPECT_EQ(Health(port), 200);

  EXPECT_EQ(Terminate(b), 0) << b.err();  // within Terminate's bound
  EXPECT_NE(b.err().find("stopped"), std::string::npos) << b.err();
  // Nothing answers any more.
  EXPECT_EQ(Health(port), 0);
}

TEST_F(BatondBinaryTest, SealedKeyFileNeedsItsPassphrase) {
  const std::string dir = tmp_.File("data");
  const std::string pass = tmp_.File("pass");
  const std::string wrong = tmp_.File("wrong");
  WriteSecretFile(pass, "correct horse battery staple\n");
  WriteSecretFile(wrong, "incorrect horse\n");
  Output init = RunBatond({"init", "--passphrase-file", pass, dir}, Log("init"));
  ASSERT_EQ(init.exit_code, 0) << init.err;
  const auto sealed = ReadAll(dir + "/server.key");
  EXPECT_EQ(sealed.find("correct horse"), std::string::npos);

  Output no_pass = RunBatond({"serve", "--data", dir, "--port", "0"}, Log("nopass"));
  EXPECT_NE(no_pass.exit_code, 0);
  EXPECT_NE(no_pass.err.find("sealed"), std::string::npos) << no_pass.err;
  EXPECT_NE(no_pass.err.find("--passphrase-file"), std::string::npos) << no_pass.err;
  EXPECT_EQ(no_pass.out.find("listening"), std::string::npos);

  Output bad_pass =
      RunBatond({"serve", "--data", dir, "--port", "0", "--passphrase-file", wrong}, Log("wrong"));
  EXPECT_NE(bad_pass.exit_code, 0);
  EXPECT_EQ(bad_pass.out.find("listening"), std::string::npos);
  EXPECT_FALSE(bad_pass.err.empty());

  Batond b({"serve", "--data", dir, "--port", "0", "--passphrase-file", pass}, Log("serve"));
  ASSERT_TRUE(b.started());
  const int port = Serve(b);
  ASSERT_GT(port, 0);
  EXPECT_EQ(Health(port), 200);
  EXPECT_EQ(Terminate(b), 0) << b.err();
}

}  // namespace
