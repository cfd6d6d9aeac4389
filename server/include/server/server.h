// batond's HTTPS API server (DESIGN.md §2, §5, §7, §10).
//
// JSON under /v1; errors as {"error":{"code","message"}}. Every route but
// /healthz, /metrics, /v1/server, /v1/join and /v1/auth/{challenge,login}
// needs a session, and every authenticated route is checked against the role
// policy (vault/policy.h) before its handler runs.
#ifndef BATON_SERVER_SERVER_H_
#define BATON_SERVER_SERVER_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "server/config.h"
#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/policy.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"
#include "vault/store.h"

namespace server {

// What the server needs besides its configuration. Not owned.
struct Deps {
  vault::Env* env = nullptr;
  vault::Store* vault = nullptr;
  const vault::crypto::SigningKeyPair* audit_key = nullptr;  // signs checkpoints
  vault::crypto::PublicKey escrow_public_key{};
  // Opens the escrow layer of released emergency grants (DESIGN.md §6). The
  // secret stays in the server key file and in this locked memory, never in
  // the database.
  const vault::crypto::BoxKeyPair* escrow_key = nullptr;
  std::string tls_cert_pem;
  const vault::SecureBuffer* tls_key_pem = nullptr;
  // The SMTP password from batond's environment (BATON_SMTP_PASSWORD), if
  // any; config.smtp_password_file wins. May be null.
  const vault::SecureBuffer* smtp_password = nullptr;
};

// How a route is authorized.
enum class Scope {
  kPublic,      // no session
  kSession,     // any signed-in member, `action` checked with their role (e.g. /v1/me)
  kTeam,        // `action` checked with the member's team role
  kCollection,  // `action` checked with the member's access to the collection in the path
  kItem,        // as kCollection, for the item's collection
};

struct RouteSpec {
  const char* method;
  const char* pattern;  // path with :params, e.g. "/v1/items/:id"
  Scope scope;
  vault::Action action;  // decided by the policy for every scope but kPublic
};

// Every route of the API, in registration order. Some routes refine the
// action from the request (inviting an owner is kInviteOwner, ...); the table
// names the least privileged action a route can need.
std::span<const RouteSpec> Routes();

class Server {
 public:
  // REQUIRES: deps' pointers are non-null and outlive the server.
  static vault::Result<std::unique_ptr<Server>> Create(const Config& config, const Deps& deps);
  virtual ~Server() = default;

  // Binds config.listen_host:config.port (0: the OS picks). Returns the port.
  virtual vault::Result<int> Bind() = 0;
  // Serves until Shutdown(); returns after in-flight requests have finished.
  virtual vault::Status Serve() = 0;
  // Stops accepting; safe from any thread (and from a signal-watching one).
  virtual void Shutdown() = 0;

  // Signs and stores a checkpoint of the audit head if the log grew since
  // the last one; returns the newest checkpoint. batond calls it on a timer
  // and at shutdown; GET /v1/audit/head calls it too.
  virtual vault::Result<vault::audit::Checkpoint> Checkpoint() = 0;

  // Runs the work that falls due with time (emergency releases and expiries,
  // reminders, notice deliveries) as of env->Now(). batond calls it on a
  // timer; tests call it after moving their clock.
  virtual vault::Status Tick() = 0;

  // Records the last backup batond serve wrote, for /metrics and
  // GET /v1/server.
  virtual void RecordBackup(vault::TimePoint at, int64_t bytes) = 0;
};

}  // namespace server

#endif  // BATON_SERVER_SERVER_H_
