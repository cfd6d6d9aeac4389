#include "agent.h"

#include <fcntl.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

#include "short_names.h"
#include "vault/login.h"

namespace cli {

namespace {

constexpr std::string_view kPlainPrefix = R"({"plain":")";
constexpr std::string_view kTokenPrefix = R"({"token":")";
constexpr std::string_view kSecretSuffix = "\"}";
// Session tokens are base64url (server.cc); anything else is refused, so a
// token never needs escaping inside a reply line.
constexpr size_t kMaxTokenBytes = 128;

// A poll(2) timeout: `left` in whole milliseconds, within [0, 1 min].
int MillisLeft(std::chrono::nanoseconds left) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left);
  return static_cast<int>(std::clamp<int64_t>(ms.count(), 0, 60'000));
}

Result<sockaddr_un> UnixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return vault::Fail(Status::InvalidArgument("the agent socket path is too long: " + path));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// A response line from JSON that holds no secret.
SecureBuffer Line(const json& j) {
  const std::string text = j.dump() + "\n";
  return SecureBuffer::CopyOf(crypto::AsBytes(text));
}

SecureBuffer ErrorLine(std::string_view message) { return Line(json{{"error", message}}); }

// `prefix` + `secret` + kSecretSuffix + '\n', built in locked memory so the
// secret never passes through a std::string. `secret` must need no JSON
// escaping (base64 text).
SecureBuffer SecretLine(std::string_view prefix, crypto::ByteView secret) {
  SecureBuffer out(prefix.size() + secret.size() + kSecretSuffix.size() + 1);
  uint8_t* p = out.data();
  std::memcpy(p, prefix.data(), prefix.size());
  p += prefix.size();
  if (!secret.empty()) std::memcpy(p, secret.data(), secret.size());
  p += secret.size();
  std::memcpy(p, kSecretSuffix.data(), kSecretSuffix.size());
  p += kSecretSuffix.size();
  *p = '\n';
  return out;
}

// The secret inside a reply line built by SecretLine, or nullopt if the line
// is not one.
std::optional<std::string_view> SecretOf(const SecureBuffer& line, std::string_view prefix) {
  const std::string_view text(reinterpret_cast<const char*>(line.data()), line.size());
  if (!text.starts_with(prefix) || !text.ends_with(kSecretSuffix) ||
      text.size() < prefix.size() + kSecretSuffix.size()) {
    return std::nullopt;
  }
  return text.substr(prefix.size(), text.size() - prefix.size() - kSecretSuffix.size());
}

bool IsSessionToken(std::string_view token) {
  return !token.empty() && token.size() <= kMaxTokenBytes &&
         std::all_of(token.begin(), token.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

bool SendAll(int fd, std::span<const uint8_t> data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data = data.subspan(static_cast<size_t>(n));
  }
  return true;
}

void SetTimeouts(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

Result<ucred> PeerCredentials(int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
    return vault::Fail(Status::IOError(ErrnoMessage("SO_PEERCRED")));
  }
  return cred;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

// --- Server ---------------------------------------------------------------------

AgentServer::AgentServer(vault::Identity identity, AgentConfig config)
    : identity_(std::move(identity)),
      config_(std::move(config)),
      last_use_(config_.env->MonotonicNow()) {}

AgentServer::~AgentServer() { Shutdown(); }

Status AgentServer::Listen() {
  auto addr = UnixAddress(config_.socket_path);
  if (!addr) return addr.error();
  struct stat st {};
  if (::lstat(config_.socket_path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode) || st.st_uid != ::geteuid()) {
      return Status::PermissionDenied(
          config_.socket_path + " exists and is not a socket of ours; refusing to replace it");
    }
    if (AgentClient(config_.socket_path).Call(json{{"op", "ping"}})) {
      return Status::AlreadyExists("an agent already runs on " + config_.socket_path);
    }
    ::unlink(config_.socket_path.c_str());  // stale: its agent is gone
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(ErrnoMessage("socket"));
  const mode_t old_mask = ::umask(0177);
  const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr));
  const int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) {
    ::close(fd);
    errno = bind_errno;
    return Status::IOError(ErrnoMessage("cannot bind " + config_.socket_path));
  }
  if (::chmod(config_.socket_path.c_str(), 0600) != 0 || ::listen(fd, kAgentBacklog) != 0 ||
      ::lstat(config_.socket_path.c_str(), &st) != 0) {
    const Status s = Status::IOError(ErrnoMessage("cannot listen on " + config_.socket_path));
    ::close(fd);
    ::unlink(config_.socket_path.c_str());
    return s;
  }
  listen_fd_ = fd;
  socket_inode_ = st.st_ino;
  return Status::OK();
}

Status AgentServer::Relock() const {
  if (identity_) {
    for (const SecureBuffer* secret :
         {&identity_->seed(), &identity_->signing().secret_key, &identity_->box().secret_key}) {
      if (Status s = secret->Relock(); !s.ok()) return s;
    }
  }
  return session_ ? session_->Relock() : Status::OK();
}

void AgentServer::Detach() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  identity_.reset();
  session_.reset();
}

void AgentServer::Shutdown() {
  identity_.reset();  // sodium_free zeroes the seed and both secret keys
  session_.reset();
  if (listen_fd_ < 0) return;
  struct stat st {};
  if (::lstat(config_.socket_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) &&
      st.st_ino == socket_inode_) {
    ::unlink(config_.socket_path.c_str());
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
}

Status AgentServer::Serve() {
  if (listen_fd_ < 0) return Status::FailedPrecondition("the agent is not listening");
  last_use_ = config_.env->MonotonicNow();
  while (identity_) {
    const auto deadline = last_use_ + config_.idle_timeout;
    const auto now = config_.env->MonotonicNow();
    if (now >= deadline) break;
    pollfd pfd{listen_fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, std::max(1, MillisLeft(deadline - now)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const int conn = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    Fd closer(conn);
    auto cred = PeerCredentials(conn);
    if (!cred || !PeerAllowed(*cred, ::geteuid())) continue;  // dropped without a word
    ServeConnection(conn);
  }
  Shutdown();
  return Status::OK();
}

void AgentServer::ServeConnection(int fd) {
  SetTimeouts(fd, config_.read_timeout);
  const auto deadline = std::chrono::steady_clock::now() + config_.read_timeout;
  std::string request;
  char chunk[4096];
  bool complete = false;
  while (!complete) {
    pollfd pfd{fd, POLLIN, 0};
    const int left = MillisLeft(deadline - std::chrono::steady_clock::now());
    if (left <= 0) return;  // too slow: dropped
    const int ready = ::poll(&pfd, 1, left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return;
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the peer closed: treat what came as the request
    const auto* nl = static_cast<const char*>(std::memchr(chunk, '\n', static_cast<size_t>(n)));
    const size_t take = nl ? static_cast<size_t>(nl - chunk) : static_cast<size_t>(n);
    request.append(chunk, take);
    complete = nl != nullptr;
    if (request.size() > config_.max_request_bytes) {
      SendAll(fd, ErrorLine("request too large").bytes());
      return;
    }
  }
  bool stop = false;
  SecureBuffer reply = Handle(request, &stop);
  sodium_memzero(request.data(), request.size());  // it may have carried a session token
  if (stop) Shutdown();  // before answering, so a client that saw the reply finds no agent
  SendAll(fd, reply.bytes());
}

SecureBuffer AgentServer::SignLine(crypto::ByteView message) {
  auto sig = crypto::Sign(identity_->signing(), message);
  if (!sig) return ErrorLine("signing failed");
  last_use_ = config_.env->MonotonicNow();
  return Line(json{{"signature", crypto::ToBase64(*sig)}});
}

SecureBuffer AgentServer::Handle(std::string_view request, bool* stop) {
  *stop = false;
  if (!identity_) return ErrorLine("locked");
  if (request.size() > config_.max_request_bytes) return ErrorLine("request too large");
  json j = json::parse(request, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return ErrorLine("malformed request");
  const auto op_it = j.find("op");
  if (op_it == j.end() || !op_it->is_string()) return ErrorLine("malformed request: no op");
  const std::string& op = op_it->get_ref<const std::string&>();
  auto field = [&](const char* name) -> Result<crypto::Bytes> {
    const auto it = j.find(name);
    if (it == j.end() || !it->is_string()) {
      return vault::Fail(Status::InvalidArgument(std::string("missing ") + name));
    }
    auto bytes = crypto::FromBase64(it->get_ref<const std::string&>());
    if (!bytes) return vault::Fail(Status::InvalidArgument(std::string(name) + " is not base64"));
    return bytes;
  };

  if (op == "ping") {
    const auto idle = std::chrono::duration_cast<std::chrono::seconds>(
        last_use_ + config_.idle_timeout - config_.env->MonotonicNow());
    return Line(
        json{{"ok", true},
             {"member_id", config_.member_id},
             {"signing_public_key", crypto::ToBase64(identity_->signing_public_key())},
             {"box_public_key", crypto::ToBase64(identity_->box_public_key())},
             {"idle_timeout_seconds",
              std::chrono::duration_cast<std::chrono::seconds>(config_.idle_timeout).count()},
             {"locks_in_seconds", std::max<int64_t>(0, idle.count())}});
  }
  if (op == "sign_login") {
    auto server_key = field("server_key");
    const auto member = j.find("member_id");
    const auto nonce = j.find("nonce");
    if (!server_key || server_key->size() != crypto::kPublicKeyBytes) {
      return ErrorLine("server_key is not a public key");
    }
    // Only this agent's own member signs in with its key.
    if (member == j.end() || !member->is_string() ||
        member->get_ref<const std::string&>() != config_.member_id) {
      return ErrorLine("member_id is not this agent's member");
    }
    if (nonce == j.end() || !nonce->is_string() ||
        !IsLoginPart(nonce->get_ref<const std::string&>())) {
      return ErrorLine("nonce is not a login nonce");
    }
    crypto::PublicKey key{};
    std::copy(server_key->begin(), server_key->end(), key.begin());
    return SignLine(
        vault::LoginMessage(key, config_.member_id, nonce->get_ref<const std::string&>()));
  }
  if (op == "sign_roster") {
    auto statement = field("statement");
    if (!statement) return ErrorLine(statement.error().message());
    if (!IsRosterStatement(*statement)) return ErrorLine("not a roster statement");
    return SignLine(*statement);
  }
  if (op == "open") {
    auto sealed = field("sealed");
    if (!sealed) return ErrorLine(sealed.error().message());
    auto plain = crypto::OpenSealed(identity_->box(), *sealed);
    if (!plain) return ErrorLine("the box does not open with this key");
    last_use_ = config_.env->MonotonicNow();
    // Built in locked memory: the opened key never passes through std::string.
    const size_t b64 = sodium_base64_encoded_len(plain->size(), sodium_base64_VARIANT_ORIGINAL);
    SecureBuffer text(b64);
    sodium_bin2base64(reinterpret_cast<char*>(text.data()), b64, plain->data(), plain->size(),
                      sodium_base64_VARIANT_ORIGINAL);
    text.Truncate(b64 - 1);  // without the NUL
    return SecretLine(kPlainPrefix, text.bytes());
  }
  // The member's current session with one server (named by the client:
  // its URL and certificate fingerprint), so that each command need not
  // sign in again. Holding it gives nothing the agent's peers could not get
  // by asking it to sign a login challenge (sign_login).
  if (op == "session_get" || op == "session_put" || op == "session_drop") {
    const auto server = j.find("server");
    if (server == j.end() || !server->is_string() ||
        server->get_ref<const std::string&>().empty()) {
      return ErrorLine("missing server");
    }
    const std::string& for_server = server->get_ref<const std::string&>();
    if (op == "session_drop") {
      if (session_server_ == for_server) session_.reset();
      return Line(json{{"ok", true}});
    }
    if (op == "session_get") {
      last_use_ = config_.env->MonotonicNow();
      // Whether it is still good is the server's to say (its clock, not
      // ours): a lapsed one costs the client a 401 and a new sign-in.
      if (!session_ || session_server_ != for_server) return SecretLine(kTokenPrefix, {});
      return SecretLine(kTokenPrefix, session_->bytes());
    }
    const auto token = j.find("token");
    if (token == j.end() || !token->is_string() ||
        !IsSessionToken(token->get_ref<const std::string&>())) {
      return ErrorLine("the token is not a session token");
    }
    std::string& text = token->get_ref<std::string&>();
    session_ = SecureBuffer::CopyOf(crypto::AsBytes(text));
    sodium_memzero(text.data(), text.size());
    session_server_ = for_server;
    last_use_ = config_.env->MonotonicNow();
    return Line(json{{"ok", true}});
  }
  if (op == "lock") {
    *stop = true;
    return Line(json{{"ok", true}});
  }
  return ErrorLine("unknown op");
}

// --- Client ---------------------------------------------------------------------

Result<SecureBuffer> AgentClient::CallRaw(std::string_view request_line) const {
  auto addr = UnixAddress(socket_path_);
  if (!addr) return vault::Fail(addr.error());
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return vault::Fail(Status::IOError(ErrnoMessage("socket")));
  SetTimeouts(fd.get(), timeout_);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
    if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTDIR) {
      return vault::Fail(Status::NotFound("no agent runs"));
    }
    return vault::Fail(Status::IOError(ErrnoMessage("cannot reach the agent")));
  }
  // The process behind the socket must be ours: else it could hand us
  // made-up keys or collect what we ask it to sign.
  auto cred = PeerCredentials(fd.get());
  if (!cred) return vault::Fail(cred.error());
  peer_pid_ = cred->pid;
  if (!PeerAllowed(*cred, ::geteuid())) {
    return vault::Fail(Status::PermissionDenied("the agent socket " + socket_path_ +
                                                " belongs to another user's process"));
  }
  std::string line(request_line);
  line.push_back('\n');
  if (!SendAll(fd.get(), crypto::AsBytes(line))) {
    return vault::Fail(Status::IOError("the agent did not take the request"));
  }
  SecureBuffer reply(kAgentMaxRequestBytes);
  size_t used = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (true) {
    if (used == reply.size())
      return vault::Fail(Status::Corruption("the agent's reply is too long"));
    pollfd pfd{fd.get(), POLLIN, 0};
    const int left = MillisLeft(deadline - std::chrono::steady_clock::now());
    const int ready = left > 0 ? ::poll(&pfd, 1, left) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return vault::Fail(Status::IOError("the agent did not answer in time"));
    const ssize_t n = ::recv(fd.get(), reply.data() + used, reply.size() - used, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return vault::Fail(Status::IOError("the agent closed the connection"));
    const auto* nl = static_cast<const uint8_t*>(std::memchr(reply.data() + used, '\n', n));
    used += static_cast<size_t>(n);
    if (nl != nullptr) {
      reply.Truncate(static_cast<size_t>(nl - reply.data()));
      return reply;
    }
  }
}

Result<json> AgentClient::Call(const json& request) const {
  auto raw = CallRaw(request.dump());
  if (!raw) return vault::Fail(raw.error());
  json reply = json::parse(raw->data(), raw->data() + raw->size(), nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    return vault::Fail(Status::Corruption("the agent sent a malformed reply"));
  }
  if (reply.contains("error")) {
    return vault::Fail(
        Status::FailedPrecondition("the agent refused: " + reply.value("error", std::string("?"))));
  }
  return reply;
}

Result<std::unique_ptr<AgentKeys>> AgentKeys::Connect(const std::string& socket_path) {
  std::unique_ptr<AgentKeys> keys(new AgentKeys(socket_path));
  auto pong = keys->client_.Call(json{{"op", "ping"}});
  if (!pong) return vault::Fail(pong.error());
  auto sign_pk = crypto::FromBase64(pong->value("signing_public_key", ""));
  auto box_pk = crypto::FromBase64(pong->value("box_public_key", ""));
  if (!pong->value("ok", false) || !sign_pk || sign_pk->size() != crypto::kPublicKeyBytes ||
      !box_pk || box_pk->size() != crypto::kPublicKeyBytes) {
    return vault::Fail(Status::Corruption("the agent sent a malformed ping reply"));
  }
  std::copy(sign_pk->begin(), sign_pk->end(), keys->signing_.begin());
  std::copy(box_pk->begin(), box_pk->end(), keys->box_.begin());
  keys->member_id_ = pong->value("member_id", "");
  keys->idle_timeout_seconds_ = pong->value("idle_timeout_seconds", int64_t{0});
  keys->locks_in_seconds_ = pong->value("locks_in_seconds", int64_t{0});
  return keys;
}

Result<std::unique_ptr<AgentKeys>> ConnectProfileAgent(
    vault::Env& env, const std::map<std::string, std::string>& environ, const Profile& profile) {
  auto paths = AgentSocketPaths(environ, profile.name, profile.dir);
  if (!paths) return vault::Fail(paths.error());
  if (Status dir = CheckPrivateDir(paths->dir, /*create=*/false); !dir.ok()) {
    return vault::Fail(dir);
  }
  auto agent = AgentKeys::Connect(paths->socket);
  if (!agent) return vault::Fail(agent.error());
  // The agent must hold this profile's identity: its keys are the ones in
  // the identity file's (passphrase-bound) header.
  auto file = env.ReadFile(profile.identity_path());
  if (!file) {  // not NotFound: that would say no agent runs
    return vault::Fail(Status::FailedPrecondition(
        "cannot check the agent against the identity file: " + file.error().message()));
  }
  auto info = vault::InspectIdentityFile(*file);
  if (!info) return vault::Fail(info.error());
  if ((*agent)->member_id() != profile.member_id ||
      info->signing_public_key != (*agent)->signing_public_key() ||
      info->box_public_key != (*agent)->box_public_key()) {
    const std::string pid = std::to_string((*agent)->pid());
    return vault::Fail(
        Status::Unauthenticated("the agent on " + paths->socket + " (process " + pid +
                                ") holds another identity than profile " + profile.name +
                                "; it was neither used nor stopped. Stop it with kill " + pid +
                                " if it is yours, or wait until it locks itself"));
  }
  return agent;
}

Result<crypto::Signature> AgentKeys::SignatureFrom(const json& request) {
  auto reply = client_.Call(request);
  if (!reply) return vault::Fail(reply.error());
  auto sig = crypto::FromBase64(reply->value("signature", ""));
  if (!sig || sig->size() != crypto::kSignatureBytes) {
    return vault::Fail(Status::Corruption("the agent sent a malformed signature"));
  }
  crypto::Signature out{};
  std::copy(sig->begin(), sig->end(), out.begin());
  return out;
}

Result<crypto::Signature> AgentKeys::DoSignLogin(const crypto::PublicKey& server_audit_key,
                                                 const std::string& member_id,
                                                 const std::string& nonce) {
  return SignatureFrom(json{{"op", "sign_login"},
                            {"server_key", crypto::ToBase64(server_audit_key)},
                            {"member_id", member_id},
                            {"nonce", nonce}});
}

Result<crypto::Signature> AgentKeys::DoSignRosterStatement(crypto::ByteView statement) {
  return SignatureFrom(json{{"op", "sign_roster"}, {"statement", crypto::ToBase64(statement)}});
}

Result<SecureBuffer> AgentKeys::OpenSealed(crypto::ByteView sealed) {
  auto raw = client_.CallRaw(json{{"op", "open"}, {"sealed", crypto::ToBase64(sealed)}}.dump());
  if (!raw) return vault::Fail(raw.error());
  const std::optional<std::string_view> b64 = SecretOf(*raw, kPlainPrefix);
  if (!b64) {
    const std::string_view text(reinterpret_cast<const char*>(raw->data()), raw->size());
    json err = json::parse(text, nullptr, false);
    if (!err.is_discarded() && err.is_object() && err.contains("error")) {
      return vault::Fail(Status::Corruption("the agent could not open the box: " +
                                            err.value("error", std::string("?"))));
    }
    return vault::Fail(Status::Corruption("the agent sent a malformed reply"));
  }
  SecureBuffer plain(b64->size() / 4 * 3 + 3);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(plain.data(), plain.size(), b64->data(), b64->size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != b64->data() + b64->size()) {
    return vault::Fail(Status::Corruption("the agent sent a malformed reply"));
  }
  plain.Truncate(len);
  return plain;
}

std::optional<std::string> AgentKeys::HeldSession(const std::string& server) {
  auto raw = client_.CallRaw(json{{"op", "session_get"}, {"server", server}}.dump());
  if (!raw) return std::nullopt;
  const std::optional<std::string_view> token = SecretOf(*raw, kTokenPrefix);
  if (!token || !IsSessionToken(*token)) return std::nullopt;
  return std::string(*token);
}

void AgentKeys::HoldSession(const std::string& server, const std::string& token) {
  std::string line = json{{"op", "session_put"}, {"server", server}, {"token", token}}.dump();
  (void)client_.CallRaw(line);  // best effort: without it the next command signs in again
  sodium_memzero(line.data(), line.size());
}

void AgentKeys::DropSession(const std::string& server) {
  (void)client_.CallRaw(json{{"op", "session_drop"}, {"server", server}}.dump());
}

Status AgentKeys::Lock() {
  auto reply = client_.Call(json{{"op", "lock"}});
  return reply ? Status::OK() : reply.error();
}

}  // namespace cli
