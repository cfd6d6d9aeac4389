// DESIGN.md's availability requirement: idle keep-alive clients and
// slow-loris connections cannot starve the server. With 200 idle keep-alive
// TLS connections and 50 slow-loris connections open, a new client still
// joins, signs in and fetches an item, while the server keeps holding every
// one of them. The proof is in counts, not in time: the server's timeouts
// are longer than the new client's, so had the new client waited for a
// held connection to be let go it would have failed, and every held
// connection is checked to be still open after it was served.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "server_fixture.h"

namespace {

using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
using namespace std::chrono_literals;

constexpr int kIdleKeepAlive = 200;
constexpr int kSlowHandshakes = 25;  // a few bytes of a TLS ClientHello, then nothing
constexpr int kSlowRequests = 25;    // TLS done, a few bytes of an HTTP request, then nothing

// Lets this process hold a few hundred sockets on each side.
void RaiseFdLimit(rlim_t want) {
  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_cur >= want) return;
  lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? want : std::min(want, lim.rlim_max);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lim), 0);
  ASSERT_GE(lim.rlim_cur, rlim_t{2 * (kIdleKeepAlive + kSlowHandshakes + kSlowRequests) + 100})
      << "the hard RLIMIT_NOFILE is too low for this test";
}

// A blocking TCP connection to 127.0.0.1:`port`; returns once connect()
// has completed (the server's listen backlog is only 5), or -1.
int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Server-side sockets of 127.0.0.1:`port` that are ESTABLISHED.
int EstablishedOn(int port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);
  char want[16];
  std::snprintf(want, sizeof want, "0100007F:%04X", port);
  int n = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (local == want && state == "01") ++n;
  }
  return n;
}

// True while the peer has neither closed nor sent anything.
bool StillOpen(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

class AvailabilityTest : public ServerFixture {
 protected:
  void TearDown() override {
    // Close every held connection first, so the server's workers see EOF at
    // once instead of waiting out their timeouts.
    idle_.clear();
    for (SSL* ssl : slow_tls_) SSL_free(ssl);
    slow_tls_.clear();
    for (int fd : raw_) ::close(fd);
    raw_.clear();
    if (ssl_ctx_ != nullptr) SSL_CTX_free(ssl_ctx_);
    ssl_ctx_ = nullptr;
    ServerFixture::TearDown();
  }

  std::vector<std::unique_ptr<httplib::SSLClient>> idle_;
  std::vector<int> raw_;        // every raw socket, closed in TearDown
  std::vector<SSL*> slow_tls_;  // over some of raw_
  SSL_CTX* ssl_ctx_ = nullptr;
};

TEST_F(AvailabilityTest, NewClientIsServedWhileIdleAndSlowClientsHoldConnections) {
  RaiseFdLimit(4096);
  // Timeouts far beyond the new client's (Client(): 10 s to connect, 30 s
  // to read), so that every connection opened below is still held by the
  // server when the new client arrives, and no worker is freed by one of
  // them timing out before the new client gives up.
  StopServer();
  config_.keep_alive_timeout = 60s;
  config_.read_timeout = 60s;
  ASSERT_NO_FATAL_FAILURE(StartServer());

  Account owner = Join("owner", "Mari");
  const std::string col = CreateCollection(owner, "Social media");
  std::string item;
  ASSERT_EQ(CreateItem(owner, col, "Facebook page", "hunter2", &item).status, 201);

  // 200 idle keep-alive TLS connections, each after one request.
  for (int i = 0; i < kIdleKeepAlive; ++i) {
    auto c = Client();
    c->set_keep_alive(true);
    auto r = c->Get("/healthz");
    ASSERT_TRUE(r) << "connection " << i << ": " << httplib::to_string(r.error());
    ASSERT_EQ(r->status, 200);
    idle_.push_back(std::move(c));
  }

  // Slow loris, kind 1: the first bytes of a TLS record carrying a
  // ClientHello (the header promises 512 bytes), then silence.
  const unsigned char hello_start[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01};
  for (int i = 0; i < kSlowHandshakes; ++i) {
    const int fd = Connect(port_);
    ASSERT_GE(fd, 0) << "slow handshake " << i;
    raw_.push_back(fd);
    ASSERT_EQ(::send(fd, hello_start, sizeof hello_start, MSG_NOSIGNAL),
              static_cast<ssize_t>(sizeof hello_start));
  }
  // Kind 2: a finished TLS handshake, then part of an HTTP request.
  ssl_ctx_ = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(ssl_ctx_, nullptr);
  SSL_CTX_set_verify(ssl_ctx_, SSL_VERIFY_NONE, nullptr);
  const std::string request_start = "GET /healthz HTTP/1.1\r\nHo";
  for (int i = 0; i < kSlowRequests; ++i) {
    const int fd = Connect(port_);
    ASSERT_GE(fd, 0) << "slow request " << i;
    raw_.push_back(fd);
    SSL* ssl = SSL_new(ssl_ctx_);
    ASSERT_NE(ssl, nullptr);
    slow_tls_.push_back(ssl);
    SSL_set_fd(ssl, fd);
    ASSERT_EQ(SSL_connect(ssl), 1) << "slow request " << i;
    ASSERT_EQ(SSL_write(ssl, request_start.data(), static_cast<int>(request_start.size())),
              static_cast<int>(request_start.size()));
  }

  // A new client joins, signs in, is granted access and fetches the item.
  Account newcomer = Join("member", "Uus");
  Reply granted = Grant(owner, col, newcomer, "view");
  Reply fetched = Call("GET", "/v1/items/" + item, newcomer.token);

  EXPECT_FALSE(newcomer.token.empty());
  EXPECT_EQ(granted.status, 200) << granted.raw;
  EXPECT_EQ(fetched.status, 200) << fetched.raw;
  EXPECT_EQ(fetched.body["id"], item);

  // The idle and slow connections were all still held meanwhile: the server
  // has closed none of the slow handshakes (the TLS ones may have been sent
  // session tickets, so only these are polled), and every connection is
  // established on its side.
  for (int i = 0; i < kSlowHandshakes; ++i) EXPECT_TRUE(StillOpen(raw_[i])) << i;
  EXPECT_GE(EstablishedOn(port_), kIdleKeepAlive + kSlowHandshakes + kSlowRequests);
}

}  // namespace
