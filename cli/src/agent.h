// The local agent (DESIGN.md §5, SECURITY.md "Local agent"): a background
// process started by `baton unlock` that holds one profile's unlocked
// identity in locked memory and answers, on a 0600 UNIX socket in a private
// 0700 directory, requests from processes of the same user.
//
// Protocol: one request per connection, one line of JSON each way.
//   {"op":"ping"}                 -> {"ok":true,"member_id":..,"signing_public_key":b64,
//                                     "box_public_key":b64,"idle_timeout_seconds":N,
//                                     "locks_in_seconds":N}
//   {"op":"sign_login","server_key":b64,"member_id":M,"nonce":N} -> {"signature":b64}
//       Ed25519 over vault::LoginMessage(server_key, M, N), which the agent
//       builds itself; M must be its own member id.
//   {"op":"sign_roster","statement":b64} -> {"signature":b64}
//       Ed25519 over the statement, only if it starts with the roster's
//       domain ("baton.roster.v1" NUL) and is within its size bound.
//   {"op":"open","sealed":b64}    -> {"plain":b64}       (crypto::OpenSealed, the box key)
//   {"op":"session_put","server":S,"token":T} -> {"ok":true}  (T: base64url, <= 128 bytes)
//   {"op":"session_get","server":S} -> {"token":T}, or {"token":""} if it holds none for S
//   {"op":"session_drop","server":S} -> {"ok":true}
//   {"op":"lock"}                 -> {"ok":true}, then the agent wipes the identity and exits
//   anything else                 -> {"error":"..."}
// There is no request to sign arbitrary bytes: every signature the agent
// makes is in a domain of its own, so a peer cannot have it sign a statement
// of another kind. The seed and the secret keys are never sent. Opened boxes
// are (by design: that is what they are for) collection keys. The one
// session token it keeps (S names the server: URL and certificate
// fingerprint) saves each command a sign-in; it is worth no more than the
// `sign_login` request already offers its peers, and it is forgotten with
// the identity.
#ifndef BATON_CLI_SRC_AGENT_H_
#define BATON_CLI_SRC_AGENT_H_

#include <sys/socket.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "key_ops.h"
#include "profile.h"
#include "vault/env.h"
#include "vault/identity.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace cli {

inline constexpr size_t kAgentMaxRequestBytes = 64 * 1024;
inline constexpr int kAgentDefaultIdleMinutes = 15;
inline constexpr int kAgentBacklog = 16;  // listen(2)

struct AgentPaths {
  std::string dir;     // private directory holding the socket
  std::string socket;  // <dir>/<profile>-<hash of the profile directory>.sock
};

// The agent socket of the profile `profile_name` in `profile_dir`:
// $XDG_RUNTIME_DIR/baton/<name>-<hash>.sock if XDG_RUNTIME_DIR is an absolute
// path, else /tmp/baton-<uid>/<name>-<hash>.sock. <hash> (16 hex digits of
// BLAKE2b) names the profile directory's canonical absolute path, so two
// BATON_HOMEs with a profile of the same name get an agent each; the name is
// only for people, and is shortened if the path would not fit a UNIX
// socket. InvalidArgument if even the hash does not fit, or the profile name
// is empty or has a '/'.
vault::Result<AgentPaths> AgentSocketPaths(const std::map<std::string, std::string>& environ,
                                           const std::string& profile_name,
                                           const std::string& profile_dir);

// Checks that `dir` is a private directory of this user: lstat (a symlink is
// refused), a directory, owned by the effective uid, no group or world bits.
// If it does not exist: created 0700 when `create`, else NotFound.
// PermissionDenied on any failed check.
vault::Status CheckPrivateDir(const std::string& dir, bool create);

// "<what>: <strerror(errno)>", for the agent's error messages.
std::string ErrnoMessage(std::string_view what);

// The agent serves only peers with its own uid.
bool PeerAllowed(const struct ucred& peer, uid_t self);

struct AgentConfig {
  std::string socket_path;
  std::string member_id;
  // Without a signing, open or session_get request for this long the agent
  // wipes the identity and exits (pings do not count).
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(kAgentDefaultIdleMinutes);
  // Its monotonic clock times the idle timeout (tests move a fake one).
  vault::Env* env = &vault::Env::Default();
  // A connection must deliver its request line within this.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(2);
  size_t max_request_bytes = kAgentMaxRequestBytes;
};

class AgentServer {
 public:
  AgentServer(vault::Identity identity, AgentConfig config);
  AgentServer(const AgentServer&) = delete;
  AgentServer& operator=(const AgentServer&) = delete;
  // Wipes the identity; if still listening, closes and removes the socket.
  ~AgentServer();

  // Binds the socket (umask 0177 around bind, then chmod 0600) and listens.
  // The directory must have passed CheckPrivateDir. AlreadyExists if an agent
  // answers on the path; a stale socket file of ours is replaced.
  vault::Status Listen();
  // Serves until a lock request or the idle timeout; then wipes the
  // identity, closes and removes the socket. REQUIRES: Listen() succeeded.
  vault::Status Serve();
  // For the parent after fork(): closes this copy of the listening socket
  // without removing the file, and wipes this copy of the identity.
  void Detach();
  // For the agent after fork(), which does not inherit memory locks: locks
  // the pages of every secret it holds again (SecureBuffer::Relock).
  vault::Status Relock() const;

  // One request line (without '\n') to one response line (with '\n'). Sets
  // *stop on a lock request. Exposed for tests.
  vault::SecureBuffer Handle(std::string_view request, bool* stop);

  bool unlocked() const { return identity_.has_value(); }
  int listen_fd() const { return listen_fd_; }

 private:
  void ServeConnection(int fd);
  // The reply to a signing request whose message passed its domain's checks.
  vault::SecureBuffer SignLine(vault::crypto::ByteView message);
  void Shutdown();  // wipe, close, unlink (if the socket is still ours)

  std::optional<vault::Identity> identity_;
  std::optional<vault::SecureBuffer> session_;  // base64url token
  std::string session_server_;
  AgentConfig config_;
  int listen_fd_ = -1;
  ino_t socket_inode_ = 0;
  std::chrono::nanoseconds last_use_{0};  // config_.env->MonotonicNow() of the last use
};

// Forks the agent: the child calls setsid, forks again (so it is not our
// child), redirects stdio to /dev/null, closes every other descriptor but the
// socket, disables core dumps, locks its secrets in memory again and serves.
// The parent detaches its copy and returns once the agent has said that all
// of that worked (else an error naming what failed, and no agent runs).
// REQUIRES: server.Listen() succeeded.
vault::Status StartAgentProcess(AgentServer& server);

// One request to the agent at `socket_path`. NotFound if none listens there;
// PermissionDenied if the process behind the socket is another user's.
class AgentClient {
 public:
  explicit AgentClient(std::string socket_path,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : socket_path_(std::move(socket_path)), timeout_(timeout) {}

  // A request whose reply holds no secret.
  vault::Result<nlohmann::json> Call(const nlohmann::json& request) const;
  // The reply line as sent (without '\n'), in locked memory.
  vault::Result<vault::SecureBuffer> CallRaw(std::string_view request_line) const;
  // The pid of the process that answered the last call (0 before one).
  pid_t peer_pid() const { return peer_pid_; }

 private:
  std::string socket_path_;
  std::chrono::milliseconds timeout_;
  mutable pid_t peer_pid_ = 0;
};

// KeyOps served by the agent.
class AgentKeys final : public KeyOps {
 public:
  // Pings the agent (NotFound if none runs) and learns its member id and
  // public keys.
  static vault::Result<std::unique_ptr<AgentKeys>> Connect(const std::string& socket_path);

  const std::string& member_id() const { return member_id_; }
  int64_t idle_timeout_seconds() const { return idle_timeout_seconds_; }
  // As the agent said when pinged.
  int64_t locks_in_seconds() const { return locks_in_seconds_; }
  pid_t pid() const { return client_.peer_pid(); }

  const vault::crypto::PublicKey& signing_public_key() const override { return signing_; }
  const vault::crypto::PublicKey& box_public_key() const override { return box_; }
  vault::Result<vault::SecureBuffer> OpenSealed(vault::crypto::ByteView sealed) override;
  bool via_agent() const override { return true; }
  std::optional<std::string> HeldSession(const std::string& server) override;
  void HoldSession(const std::string& server, const std::string& token) override;
  void DropSession(const std::string& server) override;
  // Asks the agent to wipe the identity and exit.
  vault::Status Lock();

 private:
  explicit AgentKeys(std::string socket_path) : client_(std::move(socket_path)) {}
  vault::Result<vault::crypto::Signature> DoSignLogin(
      const vault::crypto::PublicKey& server_audit_key, const std::string& member_id,
      const std::string& nonce) override;
  vault::Result<vault::crypto::Signature> DoSignRosterStatement(
      vault::crypto::ByteView statement) override;
  vault::Result<vault::crypto::Signature> SignatureFrom(const nlohmann::json& request);

  AgentClient client_;
  std::string member_id_;
  int64_t idle_timeout_seconds_ = 0;
  int64_t locks_in_seconds_ = 0;
  vault::crypto::PublicKey signing_{};
  vault::crypto::PublicKey box_{};
};

// The agent of `profile`, checked to hold the profile's identity: its
// member id and both public keys must be those of the profile and of its
// identity file's header. NotFound if no agent runs for the profile;
// Unauthenticated if the one at its socket holds another identity: it must
// be neither used nor locked, and the message says so and how to stop it;
// other errors (e.g. PermissionDenied: another user's process) if it cannot
// be asked.
vault::Result<std::unique_ptr<AgentKeys>> ConnectProfileAgent(
    vault::Env& env, const std::map<std::string, std::string>& environ, const Profile& profile);

}  // namespace cli

#endif  // BATON_CLI_SRC_AGENT_H_
