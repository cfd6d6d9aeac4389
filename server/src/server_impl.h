// Internal to the server library: the server implementation class shared
// by the route files (routes_*.cc), the wire encodings of stored records,
// and the per-request facts for the access log.
#ifndef BATON_SERVER_SRC_SERVER_IMPL_H_
#define BATON_SERVER_SRC_SERVER_IMPL_H_

#include <httplib.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "auth.h"
#include "http_util.h"
#include "metrics.h"
#include "notifier.h"
#include "server/server.h"
#include "vault/audit_json.h"

namespace server::internal {

using nlohmann::json;
using vault::Action;
using vault::CollectionAccess;
using vault::Fail;
using vault::Result;
using vault::Status;
using vault::TeamRole;
namespace crypto = vault::crypto;

int64_t Millis(vault::TimePoint t);

// Per-request facts for the access log, set on the worker thread that runs
// the request.
extern thread_local std::chrono::nanoseconds t_start;
extern thread_local const char* t_route;
extern thread_local std::string t_member;

// Wire encodings of stored records (docs/api.md).
json MemberJson(const vault::Member& m);
json ItemMetaJson(const vault::ItemMeta& m);
json CollectionJson(const vault::Collection& c);
// A base64 field holding a 32-byte public key; nullopt and `error` if not.
std::optional<crypto::PublicKey> DecodeKey(const std::string& b64, const char* field,
                                           ApiError& error);

// Emergency and re-key refusals (409) carry the code "conflict" on the wire
// (docs/api.md): rewrites the error WriteOr/ReadOr sent. Returns `ok`.
bool AsConflict(bool ok, httplib::Response& res);

// The reason recorded when removing a member ends their emergency grants.
inline constexpr char kDeputyRemoved[] = "deputy removed";

// Revokes every active emergency grant naming `member_id` as deputy, as an
// admin's revocation does (routes_emergency.cc): cancels its open request,
// drops its escrowed keys, audits it with the reason kDeputyRemoved and
// notifies the grantor and the admins. Part of the caller's transaction, so
// it stands or falls with the removal. Grants they gave stay in force.
Status EndGrantsOfRemovedDeputy(vault::WriteTxn& t, const vault::Actor& actor,
                                const std::string& member_id, int64_t now_ms);

// Who is calling, once the session checked out.
struct Caller {
  vault::Member member;
  TeamRole role = TeamRole::kAuditor;
  crypto::Hash session_hash{};
  vault::Actor actor() const { return {member.id}; }
};

using Handler =
    std::function<void(const httplib::Request&, httplib::Response&, const Caller&)>;


// The route table entry for a method and pattern; aborts if it is missing
// (a handler for a route the table does not list).
const RouteSpec& Spec(std::string_view method, std::string_view pattern);

class ServerImpl final : public Server {
 public:
  ServerImpl(const Config& config, const Deps& deps)
      : config_(config),
        deps_(deps),
        env_(*deps.env),
        vault_(*deps.vault),
        challenges_(env_, config.challenge_ttl),
        limiter_(env_, config.max_failed_logins, config.failed_login_window) {}

  Status Init();
  Result<int> Bind() override;
  Status Serve() override;
  void Shutdown() override;
  Result<vault::audit::Checkpoint> Checkpoint() override;
  Status Tick() override;

 private:
  void Register(const RouteSpec& spec, Handler handler);
  // Authenticates and authorizes; on failure fills `error`.
  std::optional<Caller> Authorize(const RouteSpec& spec, const httplib::Request& req,
                                  const std::string* resource, ApiError& error);
  void Finish(const httplib::Request& req, const httplib::Response& res);

  // Handlers.
  void ServerInfo(httplib::Response& res);
  void Join(const httplib::Request& req, httplib::Response& res);
  void Challenge(const httplib::Request& req, httplib::Response& res);
  void Login(const httplib::Request& req, httplib::Response& res);
  void RegisterRoutes();
  // One per route file.
  void RegisterTeamRoutes();   // routes_team.cc: members, invites, collections
  void RegisterItemRoutes();   // routes_items.cc
  void RegisterAuditRoutes();  // routes_audit.cc
  void RegisterEmergencyRoutes();  // routes_emergency.cc
  void RegisterRekeyRoutes();      // routes_rekey.cc
  // Applies the time-driven transitions and reminders due now to the open
  // request with this id, or to every open request if the id is empty.
  Status SettleEmergency(const std::string& request_id);
  void RegisterCacheRoutes();      // routes_cache.cc: the client's offline cache

  // Timed work, one per area; Tick() runs each.
  Status TickEmergency();      // routes_emergency.cc
  Status TickNotifications();  // notifications.cc
  Status InitNotifications();  // notifications.cc: the configured notifiers

  // Runs a write and sends its error, if any; true on success.
  bool WriteOr(httplib::Response& res, const std::function<Status(vault::WriteTxn&)>& fn);
  bool ReadOr(httplib::Response& res, const std::function<Status(vault::ReadTxn&)>& fn);

  const Config config_;
  const Deps deps_;
  vault::Env& env_;
  vault::Store& vault_;
  Challenges challenges_;
  LoginLimiter limiter_;
  Metrics metrics_;
  std::unique_ptr<httplib::SSLServer> http_;
  std::atomic<int64_t> audit_length_{0};
  // Authorization facts per bearer token and resource (Authorize).
  AuthCache auth_cache_{16384};
  // httplib's stop() does nothing until listen_after_bind() has started
  // its loop, so a Shutdown() that came earlier (a SIGTERM right after
  // Bind()) would be lost and Serve() would block in accept() for good.
  std::mutex run_mu_;
  bool stop_requested_ = false;  // guarded by run_mu_
  bool serving_ = false;         // Serve() is in listen_after_bind(); guarded by run_mu_
  // Notice delivery (notifications.cc); null: that channel is off.
  std::unique_ptr<Notifier> webhook_notifier_;
  std::unique_ptr<Notifier> email_notifier_;
  std::mutex notify_mu_;  // held by the tick that is delivering
};

}  // namespace server::internal

#endif  // BATON_SERVER_SRC_SERVER_IMPL_H_
