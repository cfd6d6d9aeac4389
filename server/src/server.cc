#include "server/server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <atomic>
#include <charconv>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "elastic_pool.h"
#include "server_impl.h"
#include "vault/login.h"

namespace server::internal {

// The route table: the one place that says who may call what.
constexpr RouteSpec kRoutes[] = {
    {"GET", "/healthz", Scope::kPublic, Action::kReadServerInfo},
    {"GET", "/metrics", Scope::kPublic, Action::kReadServerInfo},
    {"GET", "/v1/server", Scope::kPublic, Action::kReadServerInfo},
    {"POST", "/v1/join", Scope::kPublic, Action::kReadServerInfo},
    {"POST", "/v1/auth/challenge", Scope::kPublic, Action::kReadServerInfo},
    {"POST", "/v1/auth/login", Scope::kPublic, Action::kReadServerInfo},
    {"POST", "/v1/auth/logout", Scope::kSession, Action::kUseSession},
    {"GET", "/v1/me", Scope::kSession, Action::kUseSession},
    {"GET", "/v1/members", Scope::kTeam, Action::kListMembers},
    {"GET", "/v1/members/:id", Scope::kTeam, Action::kListMembers},
    {"POST", "/v1/invites", Scope::kTeam, Action::kInviteMember},
    {"PATCH", "/v1/members/:id", Scope::kTeam, Action::kChangeRole},
    {"DELETE", "/v1/members/:id", Scope::kTeam, Action::kRemoveMember},
    {"POST", "/v1/collections", Scope::kTeam, Action::kCreateCollection},
    {"GET", "/v1/collections", Scope::kTeam, Action::kListCollections},
    {"GET", "/v1/collections/:id/key", Scope::kCollection, Action::kReadSealedCollectionKey},
    {"GET", "/v1/collections/:id/grants", Scope::kCollection, Action::kGrantCollectionAccess},
    {"POST", "/v1/collections/:id/grants", Scope::kCollection, Action::kGrantCollectionAccess},
    {"DELETE", "/v1/collections/:id/grants/:member", Scope::kCollection,
     Action::kRevokeCollectionAccess},
    {"GET", "/v1/collections/:id/items", Scope::kCollection, Action::kReadItemMetadata},
    {"POST", "/v1/collections/:id/items", Scope::kCollection, Action::kCreateItem},
    {"GET", "/v1/items/:id", Scope::kItem, Action::kReadItemSecret},
    {"PUT", "/v1/items/:id", Scope::kItem, Action::kUpdateItem},
    {"DELETE", "/v1/items/:id", Scope::kItem, Action::kDeleteItem},
    {"GET", "/v1/items/:id/history", Scope::kItem, Action::kReadItemSecret},
    {"PATCH", "/v1/items/:id", Scope::kItem, Action::kUpdateItem},
    {"POST", "/v1/items/:id/rotation", Scope::kItem, Action::kRotateItem},
    {"POST", "/v1/items/:id/rotation/confirm", Scope::kItem, Action::kRotateItem},
    {"DELETE", "/v1/items/:id/rotation", Scope::kItem, Action::kRotateItem},
    {"GET", "/v1/audit", Scope::kTeam, Action::kReadAuditLog},
    {"GET", "/v1/audit/checkpoints", Scope::kTeam, Action::kReadAuditLog},
    {"GET", "/v1/audit/head", Scope::kTeam, Action::kReadAuditLog},
    {"PUT", "/v1/me/email", Scope::kSession, Action::kUseSession},
    // Emergency access (routes_emergency.cc; relations such as "the deputy
    // only" are checked by the handlers).
    {"POST", "/v1/emergency/grants", Scope::kTeam, Action::kManageEmergencyGrants},
    {"GET", "/v1/emergency/grants", Scope::kSession, Action::kListEmergencyGrants},
    {"GET", "/v1/emergency/grants/:id", Scope::kSession, Action::kListEmergencyGrants},
    {"PATCH", "/v1/emergency/grants/:id", Scope::kTeam, Action::kManageEmergencyGrants},
    {"DELETE", "/v1/emergency/grants/:id", Scope::kTeam, Action::kManageEmergencyGrants},
    {"POST", "/v1/emergency/grants/:id/decline", Scope::kSession, Action::kRequestEmergencyAccess},
    {"POST", "/v1/emergency/grants/:id/requests", Scope::kTeam, Action::kRequestEmergencyAccess},
    {"GET", "/v1/emergency/requests", Scope::kSession, Action::kListEmergencyGrants},
    {"GET", "/v1/emergency/requests/:id", Scope::kSession, Action::kListEmergencyGrants},
    {"POST", "/v1/emergency/requests/:id/approve", Scope::kTeam, Action::kDecideEmergencyRequest},
    {"POST", "/v1/emergency/requests/:id/reject", Scope::kTeam, Action::kDecideEmergencyRequest},
    {"POST", "/v1/emergency/requests/:id/confirm", Scope::kTeam, Action::kConfirmEmergencyRequest},
    {"GET", "/v1/emergency/requests/:id/keys", Scope::kSession, Action::kRequestEmergencyAccess},
    {"GET", "/v1/emergency/requests/:id/items", Scope::kSession, Action::kRequestEmergencyAccess},
    {"GET", "/v1/emergency/requests/:id/items/:item", Scope::kSession,
     Action::kRequestEmergencyAccess},
    // Re-keying (routes_rekey.cc).
    {"POST", "/v1/collections/:id/rekey", Scope::kCollection, Action::kRekeyCollection},
    {"GET", "/v1/collections/:id/cache", Scope::kCollection, Action::kReadItemSecret},
    {"PATCH", "/v1/collections/:id", Scope::kTeam, Action::kChangeCollectionSettings},
    {"POST", "/v1/offline-reads", Scope::kSession, Action::kUseSession},
    // The team recovery key (routes_recovery.cc).
    {"PUT", "/v1/recovery", Scope::kTeam, Action::kManageRecovery},
    {"GET", "/v1/recovery", Scope::kTeam, Action::kReadRecovery},
    {"GET", "/v1/recovery/check-key", Scope::kTeam, Action::kCheckRecoveryShare},
    {"GET", "/v1/recovery/unsealed", Scope::kTeam, Action::kListCollections},
    {"POST", "/v1/recovery/check", Scope::kTeam, Action::kCheckRecoveryShare},
    {"POST", "/v1/collections/:id/recovery-key", Scope::kCollection,
     Action::kGrantCollectionAccess},
    // The team roster (routes_roster.cc); roster::Apply decides who may sign
    // what.
    {"GET", "/v1/roster", Scope::kSession, Action::kReadRoster},
    {"POST", "/v1/roster", Scope::kSession, Action::kAppendRoster},
    // An owner's decrypted export: recorded, like the recovery set-up, for owners only.
    {"POST", "/v1/exports", Scope::kSession, Action::kManageRecovery},
    // The calendar feed (routes_calendar.cc): the feed itself is public,
    // its token the credential.
    {"POST", "/v1/calendar", Scope::kSession, Action::kUseSession},
    {"DELETE", "/v1/calendar", Scope::kSession, Action::kUseSession},
    {"GET", "/v1/calendar/:token", Scope::kPublic, Action::kReadServerInfo},
    {"GET", "/v1/continuity", Scope::kTeam, Action::kReadContinuityReport},
    // A break-glass sheet printed (routes_sheets.cc): owners only, like the
    // recovery setup it sits beside in the safe.
    {"POST", "/v1/sheets", Scope::kTeam, Action::kManageRecovery},
};

// ":id" → a capture group for one path segment.
std::string ToRegex(std::string_view pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == ':') {
      while (i + 1 < pattern.size() && pattern[i + 1] != '/') ++i;
      out += "([^/]+)";
    } else {
      out += pattern[i];
    }
  }
  return out;
}

thread_local std::chrono::nanoseconds t_start{0};
thread_local const char* t_route = nullptr;
thread_local std::string t_member;

namespace {

// --- TLS ---------------------------------------------------------------------

bool ConfigureTls(SSL_CTX& ctx, const std::string& cert_pem, const vault::SecureBuffer& key_pem) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  // Forward-secret AEAD suites only for TLS 1.2; TLS 1.3's are all modern.
  if (SSL_CTX_set_cipher_list(&ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) return false;
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(
      BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), X509_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  return cert && key && SSL_CTX_use_certificate(&ctx, cert.get()) == 1 &&
         SSL_CTX_use_PrivateKey(&ctx, key.get()) == 1 && SSL_CTX_check_private_key(&ctx) == 1;
}

// SO_REUSEADDR only: a restart binds again while old sockets sit in
// TIME_WAIT. (cpp-httplib's default sets SO_REUSEPORT instead, which would
// let another process of the same user bind the same port and take half the
// connections.)
void SocketOptions(int sock) {
  int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

}  // namespace

Status ServerImpl::Init() {
  const std::string cert = deps_.tls_cert_pem;
  const vault::SecureBuffer* key = deps_.tls_key_pem;
  http_ = std::make_unique<httplib::SSLServer>(
      [cert, key](SSL_CTX& ctx) { return ConfigureTls(ctx, cert, *key); });
  if (!http_->is_valid()) return Status::InvalidArgument("the TLS certificate or key is invalid");
  if (Status s = InitNotifications(); !s.ok()) return s;
  if (Status s = InitMetricsToken(); !s.ok()) return s;
  const size_t min_threads = config_.min_threads, max_threads = config_.max_threads;
  http_->new_task_queue = [min_threads, max_threads] {
    return new ElasticPool(min_threads, max_threads);
  };
  http_->set_socket_options(SocketOptions);
  http_->set_tcp_nodelay(true);
  http_->set_keep_alive_max_count(config_.keep_alive_max_requests);
  http_->set_keep_alive_timeout(config_.keep_alive_timeout.count());
  http_->set_read_timeout(config_.read_timeout);
  http_->set_write_timeout(config_.write_timeout.count(), 0);
  http_->set_payload_max_length(config_.max_body_bytes);

  http_->set_pre_routing_handler([this](const httplib::Request&, httplib::Response&) {
    t_start = env_.MonotonicNow();
    t_route = "unmatched";
    t_member.clear();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler already sent a JSON error
    if (res.status == 413) {
      SendError(res, {413, "payload_too_large", "the request body is too large"});
    } else if (res.status == 404) {
      SendError(res, {404, "not_found", "no such route"});
    } else if (res.status == 405) {
      SendError(res, {405, "method_not_allowed", "method not allowed"});
    } else {
      SendError(res, {res.status, "bad_request", "the request could not be handled"});
    }
  });
  http_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    SendError(res, {500, "internal", "internal error"});
  });
  http_->set_logger(
      [this](const httplib::Request& req, const httplib::Response& res) { Finish(req, res); });
  RegisterRoutes();
  return vault_.Read([this](vault::ReadTxn& t) -> Status {
    auto head = t.AuditHead();
    if (!head) return head.error();
    audit_length_ = head->seq;
    return Status::OK();
  });
}

void ServerImpl::Finish(const httplib::Request& req, const httplib::Response& res) {
  const auto latency = env_.MonotonicNow() - t_start;
  const std::string route = t_route != nullptr ? t_route : "unmatched";
  metrics_.Observe(route, res.status, latency);
  if (config_.log_requests) {
    // Method, route pattern, status, latency, member: never a body, a token
    // or a header value.
    std::string line = req.method + " " + route + " " + std::to_string(res.status) + " " +
                       std::to_string(std::chrono::duration<double, std::milli>(latency).count()) +
                       "ms member=" + (t_member.empty() ? "-" : t_member) + "\n";
    std::clog << line << std::flush;
  }
}

Result<int> ServerImpl::Bind() {
  if (config_.port == 0) {
    const int port = http_->bind_to_any_port(config_.listen_host);
    if (port <= 0) return Fail(Status::IOError("cannot bind " + config_.listen_host));
    return port;
  }
  if (!http_->bind_to_port(config_.listen_host, config_.port)) {
    return Fail(Status::IOError("cannot bind " + config_.listen_host + ":" +
                                std::to_string(config_.port) + " (in use, or not permitted)"));
  }
  return config_.port;
}

Status ServerImpl::Serve() {
  {
    std::lock_guard lock(run_mu_);
    if (stop_requested_) return Status::OK();
    serving_ = true;
  }
  const bool ok = http_->listen_after_bind();
  {
    std::lock_guard lock(run_mu_);
    serving_ = false;
  }
  // The minute still open is written as it stands: its count would be
  // lost with the process.
  FlushDenied(true);
  if (!ok) return Status::IOError("the server stopped with an error");
  return Status::OK();
}

void ServerImpl::Shutdown() {
  {
    std::lock_guard lock(run_mu_);
    if (stop_requested_) return;  // once is enough
    stop_requested_ = true;
    if (!serving_) return;  // Serve() has not started, or has returned
  }
  // Serve() is starting: wait the moment until httplib's loop runs, so
  // that stop() takes effect.
  while (!http_->is_running()) {
    {
      std::lock_guard lock(run_mu_);
      if (!serving_) return;
    }
    std::this_thread::yield();
  }
  http_->stop();
}

void ServerImpl::SendFailure(httplib::Response& res, const Status& s, Conflicts conflicts) {
  const ApiError e = FromStatus(s, conflicts);
  if (e.status >= 500) std::clog << "batond: " << s.ToString() << "\n";
  SendError(res, e);
}

bool ServerImpl::WriteOr(httplib::Response& res, const std::function<Status(vault::WriteTxn&)>& fn,
                         Conflicts conflicts) {
  Status s = vault_.Write([&](vault::WriteTxn& t) -> Status {
    Status inner = fn(t);
    if (inner.ok()) {
      auto head = t.AuditHead();
      if (head) audit_length_ = head->seq;
    }
    return inner;
  });
  if (!s.ok()) SendFailure(res, s, conflicts);
  return s.ok();
}

void ServerImpl::WriteAndAnswerCreated(
    httplib::Response& res, const std::function<Status(vault::WriteTxn&)>& write,
    const std::function<Result<json>(vault::WriteTxn&)>& read_back, Conflicts conflicts) {
  WriteAndAnswer(res, 201, write, read_back, conflicts);
}

void ServerImpl::WriteAndAnswerOk(httplib::Response& res,
                                  const std::function<Status(vault::WriteTxn&)>& write,
                                  const std::function<Result<json>(vault::WriteTxn&)>& read_back,
                                  Conflicts conflicts) {
  WriteAndAnswer(res, 200, write, read_back, conflicts);
}

void ServerImpl::WriteAndAnswer(httplib::Response& res, int code,
                                const std::function<Status(vault::WriteTxn&)>& write,
                                const std::function<Result<json>(vault::WriteTxn&)>& read_back,
                                Conflicts conflicts) {
  json out;
  const bool written = WriteOr(
      res,
      [&](vault::WriteTxn& t) -> Status {
        if (Status s = write(t); !s.ok()) return s;
        auto stored = read_back(t);
        if (!stored) return stored.error();
        out = std::move(*stored);
        return Status::OK();
      },
      conflicts);
  if (written) SendJson(res, code, out);
}

bool ServerImpl::ReadOr(httplib::Response& res, const std::function<Status(vault::ReadTxn&)>& fn,
                        Conflicts conflicts) {
  Status s = vault_.Read(fn);
  if (!s.ok()) SendFailure(res, s, conflicts);
  return s.ok();
}

std::unexpected<ApiError> ServerImpl::Refuse(const RouteSpec& spec, const Caller& c,
                                             const std::string* resource, ApiError e) {
  NoteDenied(spec, c, resource, e.message);
  return Reject(std::move(e));
}

ApiResult<Caller> ServerImpl::Authorize(const RouteSpec& spec, const httplib::Request& req,
                                        const std::string* resource) {
  const std::string auth = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth.starts_with(kBearer)) {
    return Reject({401, "unauthenticated", "sign in first (Authorization: Bearer <token>)"});
  }
  const bool scoped = spec.scope == Scope::kCollection || spec.scope == Scope::kItem;
  if (scoped && (resource == nullptr || !IsId(*resource))) {
    return Reject(BadRequest("bad_id", "the id in the path must be 32 lower-case hex digits"));
  }
  Caller caller;
  caller.session_hash = crypto::Blake2b256(crypto::AsBytes(auth.substr(kBearer.size())));
  // The scope is part of the key: an item may carry the same id as a
  // collection (clients choose item ids), and the facts differ.
  const std::string cache_resource = !scoped                      ? std::string()
                                     : spec.scope == Scope::kItem ? "item:" + *resource
                                                                  : "collection:" + *resource;
  // The epoch is read before the vault is: facts read afterwards are at
  // least as new as it (AuthCache::epoch).
  const uint64_t epoch = auth_cache_.epoch();
  std::shared_ptr<const AuthFacts> facts =
      auth_cache_.Get(caller.session_hash, cache_resource, epoch);
  bool item_missing = false;
  if (facts == nullptr) {
    AuthFacts read;
    Status session_status;
    // Session, member, item and access in one read transaction: each
    // transaction costs a reader connection and page decryption.
    Status s = vault_.Read([&](vault::ReadTxn& t) -> Status {
      auto session = t.GetSession(caller.session_hash);
      if (!session) {
        session_status = Status::Unauthenticated("the session is unknown or has ended");
        return Status::OK();
      }
      read.session_expires_ms = session->expires_ms;
      if (session->expires_ms <= Millis(env_.Now())) {
        session_status = Status::Unauthenticated("the session has expired; sign in again");
        return Status::OK();
      }
      auto member = t.GetMember(session->member_id);
      if (!member) return member.error();
      if (member->status != vault::MemberStatus::kActive) {
        session_status = Status::Unauthenticated("the member was removed");
        return Status::OK();
      }
      read.role = member->role;
      read.member = std::move(*member);
      if (!scoped) return Status::OK();
      std::string collection = *resource;
      if (spec.scope == Scope::kItem) {
        auto meta = t.GetItemMeta(*resource);
        if (!meta) {
          if (!meta.error().IsNotFound()) return meta.error();
          item_missing = true;
          return Status::OK();
        }
        collection = meta->collection_id;
      }
      auto a = t.GetAccess(collection, read.member.id);
      if (!a) return a.error().IsNotFound() ? Status::OK() : a.error();
      auto parsed = vault::ParseCollectionAccess(*a);
      if (!parsed) return parsed.error();
      read.access = *parsed;
      return Status::OK();
    });
    if (!s.ok()) return Reject(FromStatus(s));
    if (!session_status.ok()) return Reject(FromStatus(session_status));
    if (!item_missing) auth_cache_.Put(caller.session_hash, cache_resource, epoch, read);
    facts = std::make_shared<const AuthFacts>(std::move(read));
  }
  // Expiry is checked against the clock on every request, cached or not.
  if (facts->session_expires_ms <= Millis(env_.Now())) {
    return Reject(FromStatus(Status::Unauthenticated("the session has expired; sign in again")));
  }
  caller.member = facts->member;
  caller.role = facts->role;
  const CollectionAccess access = facts->access;
  t_member = caller.member.id;
  if (item_missing) {
    // Unknown items are 404 only for those who could see any item;
    // everyone else gets the same 403 as for an item they may not read.
    const bool sees_items = vault::Decide(caller.role, CollectionAccess::kManage, spec.action) ==
                            vault::Decision::kAllow;
    if (sees_items)
      return Reject(FromStatus(Status::NotFound("item " + *resource + " does not exist")));
    return Refuse(spec, caller, resource,
                  FromStatus(vault::Check(caller.role, CollectionAccess::kNone, spec.action)));
  }
  if (Status allowed = vault::Check(caller.role, access, spec.action); !allowed.ok()) {
    return Refuse(spec, caller, resource, FromStatus(allowed));
  }
  return caller;
}

void ServerImpl::Register(const RouteSpec& spec, Handler handler) {
  auto wrapped = [this, &spec, handler](const httplib::Request& req, httplib::Response& res) {
    t_route = spec.pattern;
    if (spec.scope == Scope::kPublic) {
      handler(req, res, Caller{});
      return;
    }
    const std::string resource = req.matches.size() > 1 ? req.matches[1].str() : std::string();
    auto caller = Authorize(spec, req, req.matches.size() > 1 ? &resource : nullptr);
    if (!caller) {
      SendError(res, caller.error());
      return;
    }
    // Whoever reads the log sees every minute of refusals that is over.
    if (spec.action == Action::kReadAuditLog) FlushDenied(false);
    handler(req, res, *caller);
    // Refusals a handler decides (a role it refines, a deputy's request).
    if (IsRefusal(spec, res.status)) {
      NoteDenied(spec, *caller, req.matches.size() > 1 ? &resource : nullptr, ErrorMessage(res));
    }
  };
  const std::string regex = ToRegex(spec.pattern);
  const std::string_view method = spec.method;
  if (method == "GET") {
    http_->Get(regex, wrapped);
  } else if (method == "POST") {
    http_->Post(regex, wrapped);
  } else if (method == "PUT") {
    http_->Put(regex, wrapped);
  } else if (method == "PATCH") {
    http_->Patch(regex, wrapped);
  } else if (method == "DELETE") {
    http_->Delete(regex, wrapped);
  }
}

void ServerImpl::RegisterAll(std::span<const Route> routes) {
  for (const Route& r : routes) {
    Register(Spec(r.method, r.pattern),
             [this, handler = r.handler](const httplib::Request& req, httplib::Response& res,
                                         const Caller& c) { (this->*handler)(req, res, c); });
  }
}

Result<vault::audit::Checkpoint> ServerImpl::Checkpoint() {
  // Stored only if the log grew since the last one, so every head an
  // auditor was shown stays provable.
  vault::audit::Checkpoint cp;
  Status s = vault_.Write([&](vault::WriteTxn& t) -> Status {
    auto head = t.AuditHead();
    if (!head) return head.error();
    auto last = t.LatestCheckpoint();
    if (!last) return last.error();
    if (*last && (*last)->seq == head->seq) {
      cp = **last;
      return Status::OK();
    }
    auto signed_cp = vault::audit::SignCheckpoint(*deps_.audit_key, *head, Millis(env_.Now()));
    if (!signed_cp) return signed_cp.error();
    cp = *signed_cp;
    return head->seq == 0 ? Status::OK() : t.AddCheckpoint(cp);
  });
  if (!s.ok()) return Fail(s);
  return cp;
}

const RouteSpec& Spec(std::string_view method, std::string_view pattern) {
  for (const RouteSpec& r : kRoutes) {
    if (method == r.method && pattern == r.pattern) return r;
  }
  std::abort();  // a handler for a route missing from the table
}

void ServerImpl::RegisterRoutes() {
  RegisterSessionRoutes();
  RegisterTeamRoutes();
  RegisterItemRoutes();
  RegisterAuditRoutes();
  RegisterEmergencyRoutes();
  RegisterRekeyRoutes();
  RegisterCacheRoutes();
  RegisterRosterRoutes();
  RegisterCalendarRoutes();
  RegisterRecoveryRoutes();
  RegisterContinuityRoutes();
  RegisterSheetRoutes();
}

Status ServerImpl::Tick() {
  FlushDenied(false);
  Status emergency = TickEmergency();
  // Before the deliveries, so that a digest queued now goes out this tick.
  Status reminders = TickReminders();
  Status notices = TickNotifications();
  if (!emergency.ok()) return emergency;
  return reminders.ok() ? notices : reminders;
}

}  // namespace server::internal

namespace server {

std::span<const RouteSpec> Routes() { return internal::kRoutes; }

vault::Result<std::unique_ptr<Server>> Server::Create(const Config& config, const Deps& deps) {
  if (deps.env == nullptr || deps.vault == nullptr || deps.audit_key == nullptr ||
      deps.tls_key_pem == nullptr || deps.escrow_key == nullptr) {
    return vault::Fail(vault::Status::InvalidArgument("server dependencies are missing"));
  }
  auto s = std::make_unique<internal::ServerImpl>(config, deps);
  if (vault::Status st = s->Init(); !st.ok()) return vault::Fail(st);
  return std::unique_ptr<Server>(std::move(s));
}

}  // namespace server
