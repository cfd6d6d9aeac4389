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

#include "auth.h"
#include "elastic_pool.h"
#include "http_util.h"
#include "metrics.h"
#include "vault/login.h"

namespace server {
namespace {

using nlohmann::json;
using vault::Action;
using vault::CollectionAccess;
using vault::Fail;
using vault::Result;
using vault::Status;
using vault::TeamRole;
namespace crypto = vault::crypto;

// The route table: the one place that says who may call what.
constexpr RouteSpec kRoutes[] = {
    {"GET", "/healthz", Scope::kPublic, Action::kReadServerInfo},
    {"GET", "/metrics", Scope::kPublic, Action::kReadServerInfo},
    {"GET", "/v1/server", Scope::kPublic, Action::kReadServerInfo},
    {"POST", "/v1/join", Scope::kPublic, Action::kReadServerInfo},
    {"POST", "/v1/auth/challenge", Scope::kPublic, Action::kReadServerInfo},
    {"POST", "/v1/auth/login", Scope::kPublic, Action::kReadServerInfo},
    {"POST", "/v1/auth/logout", Scope::kSession, Action::kReadServerInfo},
    {"GET", "/v1/me", Scope::kSession, Action::kReadServerInfo},
    {"GET", "/v1/members", Scope::kTeam, Action::kListMembers},
    {"GET", "/v1/members/:id", Scope::kTeam, Action::kListMembers},
    {"POST", "/v1/invites", Scope::kTeam, Action::kInviteMember},
    {"PATCH", "/v1/members/:id", Scope::kTeam, Action::kChangeRole},
    {"DELETE", "/v1/members/:id", Scope::kTeam, Action::kRemoveMember},
    {"POST", "/v1/collections", Scope::kTeam, Action::kCreateCollection},
    {"GET", "/v1/collections", Scope::kTeam, Action::kListCollections},
    {"GET", "/v1/collections/:id/key", Scope::kCollection, Action::kReadSealedCollectionKey},
    {"POST", "/v1/collections/:id/grants", Scope::kCollection, Action::kGrantCollectionAccess},
    {"DELETE", "/v1/collections/:id/grants/:member", Scope::kCollection,
     Action::kRevokeCollectionAccess},
    {"GET", "/v1/collections/:id/items", Scope::kCollection, Action::kReadItemMetadata},
    {"POST", "/v1/collections/:id/items", Scope::kCollection, Action::kCreateItem},
    {"GET", "/v1/items/:id", Scope::kItem, Action::kReadItemSecret},
    {"PUT", "/v1/items/:id", Scope::kItem, Action::kUpdateItem},
    {"DELETE", "/v1/items/:id", Scope::kItem, Action::kDeleteItem},
    {"GET", "/v1/items/:id/history", Scope::kItem, Action::kReadItemSecret},
    {"GET", "/v1/audit", Scope::kTeam, Action::kReadAuditLog},
    {"GET", "/v1/audit/checkpoints", Scope::kTeam, Action::kReadAuditLog},
    {"GET", "/v1/audit/head", Scope::kTeam, Action::kReadAuditLog},
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

int64_t Millis(vault::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Per-request facts for the access log, set on the worker thread that runs
// the request.
thread_local std::chrono::nanoseconds t_start{0};
thread_local const char* t_route = nullptr;
thread_local std::string t_member;

json MemberJson(const vault::Member& m) {
  return {{"id", m.id},
          {"name", m.name},
          {"role", m.role},
          {"status", m.status},
          {"signing_public_key", crypto::ToBase64(m.signing_public_key)},
          {"box_public_key", crypto::ToBase64(m.box_public_key)},
          {"created_ms", m.created_ms}};
}

json ItemMetaJson(const vault::ItemMeta& m) {
  json flags = json::array();
  for (const auto& f : m.flags) {
    flags.push_back({{"kind", f.kind}, {"reason", f.reason}, {"raised_ms", f.raised_ms}});
  }
  json out = {{"id", m.id},
              {"collection_id", m.collection_id},
              {"name", m.name},
              {"channel", m.channel},
              {"url", m.url},
              {"rotation_period_days", m.rotation_period_s / 86400},
              {"last_rotated_ms", m.last_rotated_ms},
              {"version", m.version},
              {"key_version", m.key_version},
              {"updated_ms", m.updated_ms},
              {"updated_by", m.updated_by},
              {"flags", flags}};
  if (m.pending_version) out["pending_version"] = *m.pending_version;
  return out;
}

json CollectionJson(const vault::Collection& c) {
  return {{"id", c.id},
          {"name", c.name},
          {"key_version", c.key_version},
          {"offline_cache", c.offline_cache},
          {"needs_rekey", c.needs_rekey},
          {"created_ms", c.created_ms}};
}

json EventJson(const vault::audit::Event& e) {
  return {{"seq", e.seq},
          {"time_ms", e.time_ms},
          {"actor", e.actor},
          {"action", e.action},
          {"target", e.target},
          {"details", e.details},
          {"prev_hash", crypto::ToHex(e.prev_hash)},
          {"hash", crypto::ToHex(e.hash)}};
}

json CheckpointJson(const vault::audit::Checkpoint& c) {
  return {{"seq", c.seq},
          {"hash", crypto::ToHex(c.hash)},
          {"time_ms", c.time_ms},
          {"signature", crypto::ToBase64(c.signature)}};
}

std::optional<crypto::PublicKey> DecodeKey(const std::string& b64, const char* field,
                                           ApiError& error) {
  auto bytes = DecodeBase64Field(b64, field, error);
  if (!bytes) return std::nullopt;
  if (bytes->size() != crypto::kPublicKeyBytes) {
    error = BadRequest("bad_key", std::string("field \"") + field + "\" must be a 32-byte key");
    return std::nullopt;
  }
  crypto::PublicKey key{};
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return key;
}

// Who is calling, once the session checked out.
struct Caller {
  vault::Member member;
  TeamRole role = TeamRole::kAuditor;
  crypto::Hash session_hash{};
  vault::Actor actor() const { return {member.id}; }
};

using Handler =
    std::function<void(const httplib::Request&, httplib::Response&, const Caller&)>;

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

  // Runs a write and sends its error, if any; true on success.
  bool WriteOr(httplib::Response& res, const std::function<Status(vault::WriteTxn&)>& fn);
  bool ReadOr(httplib::Response& res, const std::function<Status(vault::ReadTxn&)>& fn);

  const Config config_;
  const Deps deps_;
  vault::Env& env_;
  vault::Vault& vault_;
  Challenges challenges_;
  LoginLimiter limiter_;
  Metrics metrics_;
  std::unique_ptr<httplib::SSLServer> http_;
  std::atomic<int64_t> audit_length_{0};
  // httplib's stop() does nothing until listen_after_bind() has started
  // its loop, so a Shutdown() that came earlier (a SIGTERM right after
  // Bind()) would be lost and Serve() would block in accept() for good.
  std::mutex run_mu_;
  bool stop_requested_ = false;  // guarded by run_mu_
  bool serving_ = false;         // Serve() is in listen_after_bind(); guarded by run_mu_
};

Status ServerImpl::Init() {
  const std::string cert = deps_.tls_cert_pem;
  const vault::SecureBuffer* key = deps_.tls_key_pem;
  http_ = std::make_unique<httplib::SSLServer>(
      [cert, key](SSL_CTX& ctx) { return ConfigureTls(ctx, cert, *key); });
  if (!http_->is_valid()) return Status::InvalidArgument("the TLS certificate or key is invalid");
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
  http_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    Finish(req, res);
  });
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

bool ServerImpl::WriteOr(httplib::Response& res,
                         const std::function<Status(vault::WriteTxn&)>& fn) {
  Status s = vault_.Write([&](vault::WriteTxn& t) -> Status {
    Status inner = fn(t);
    if (inner.ok()) {
      auto head = t.AuditHead();
      if (head) audit_length_ = head->seq;
    }
    return inner;
  });
  if (!s.ok()) {
    if (FromStatus(s).status >= 500) std::clog << "batond: " << s.ToString() << "\n";
    SendError(res, FromStatus(s));
    return false;
  }
  return true;
}

bool ServerImpl::ReadOr(httplib::Response& res, const std::function<Status(vault::ReadTxn&)>& fn) {
  Status s = vault_.Read(fn);
  if (!s.ok()) {
    if (FromStatus(s).status >= 500) std::clog << "batond: " << s.ToString() << "\n";
    SendError(res, FromStatus(s));
    return false;
  }
  return true;
}

std::optional<Caller> ServerImpl::Authorize(const RouteSpec& spec, const httplib::Request& req,
                                            const std::string* resource, ApiError& error) {
  const std::string auth = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth.starts_with(kBearer)) {
    error = {401, "unauthenticated", "sign in first (Authorization: Bearer <token>)"};
    return std::nullopt;
  }
  const bool scoped = spec.scope == Scope::kCollection || spec.scope == Scope::kItem;
  if (scoped && (resource == nullptr || !IsId(*resource))) {
    error = BadRequest("bad_id", "the id in the path must be 32 lower-case hex digits");
    return std::nullopt;
  }
  Caller caller;
  caller.session_hash = crypto::Blake2b256(crypto::AsBytes(auth.substr(kBearer.size())));
  // Session, member, item and access in one read transaction: each
  // transaction costs a reader connection and page decryption, and every
  // authenticated request pays this.
  CollectionAccess access = CollectionAccess::kNone;
  bool item_missing = false;
  Status session_status;
  Status s = vault_.Read([&](vault::ReadTxn& t) -> Status {
    auto session = t.GetSession(caller.session_hash);
    if (!session) {
      session_status = Status::Unauthenticated("the session is unknown or has ended");
      return Status::OK();
    }
    if (session->expires_ms <= Millis(env_.Now())) {
      session_status = Status::Unauthenticated("the session has expired; sign in again");
      return Status::OK();
    }
    auto member = t.GetMember(session->member_id);
    if (!member) return member.error();
    if (member->status != "active") {
      session_status = Status::Unauthenticated("the member was removed");
      return Status::OK();
    }
    caller.member = std::move(*member);
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
    auto a = t.GetAccess(collection, caller.member.id);
    if (!a) return a.error().IsNotFound() ? Status::OK() : a.error();
    auto parsed = vault::ParseCollectionAccess(*a);
    if (!parsed) return parsed.error();
    access = *parsed;
    return Status::OK();
  });
  if (!s.ok()) {
    error = FromStatus(s);
    return std::nullopt;
  }
  if (!session_status.ok()) {
    error = FromStatus(session_status);
    return std::nullopt;
  }
  auto role = vault::ParseTeamRole(caller.member.role);
  if (!role) {
    error = {500, "internal", "internal error"};
    return std::nullopt;
  }
  caller.role = *role;
  t_member = caller.member.id;
  if (spec.scope == Scope::kSession) return caller;
  if (item_missing) {
    // Unknown items are 404 only for those who could see any item;
    // everyone else gets the same 403 as for an item they may not read.
    error = vault::Decide(caller.role, CollectionAccess::kManage, spec.action) ==
                    vault::Decision::kAllow
                ? FromStatus(Status::NotFound("item " + *resource + " does not exist"))
                : FromStatus(vault::Check(caller.role, CollectionAccess::kNone, spec.action));
    return std::nullopt;
  }
  if (Status allowed = vault::Check(caller.role, access, spec.action); !allowed.ok()) {
    error = FromStatus(allowed);
    return std::nullopt;
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
    ApiError error;
    const std::string resource = req.matches.size() > 1 ? req.matches[1].str() : std::string();
    auto caller = Authorize(spec, req, req.matches.size() > 1 ? &resource : nullptr, error);
    if (!caller) {
      SendError(res, error);
      return;
    }
    handler(req, res, *caller);
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

// --- Public handlers -----------------------------------------------------------

void ServerImpl::ServerInfo(httplib::Response& res) {
  json info = {{"version", BATON_VERSION},
               {"audit_public_key", crypto::ToBase64(deps_.audit_key->public_key)},
               {"escrow_public_key", crypto::ToBase64(deps_.escrow_public_key)}};
  ReadOr(res, [&](vault::ReadTxn& t) -> Status {
    auto recovery = t.GetSetting("recovery_public_key");
    if (!recovery) return recovery.error();
    if (*recovery) info["recovery_public_key"] = **recovery;
    return Status::OK();
  });
  if (res.status == -1 || res.body.empty()) SendJson(res, 200, info);
}

void ServerImpl::Join(const httplib::Request& req, httplib::Response& res) {
  ApiError error;
  auto body = Body::Parse(req.body,
                          {{"invite_code", FieldType::kString},
                           {"signing_public_key", FieldType::kString},
                           {"box_public_key", FieldType::kString}},
                          error);
  if (!body) return SendError(res, error);
  auto sign_pk = DecodeKey(body->Str("signing_public_key"), "signing_public_key", error);
  if (!sign_pk) return SendError(res, error);
  auto box_pk = DecodeKey(body->Str("box_public_key"), "box_public_key", error);
  if (!box_pk) return SendError(res, error);
  vault::Member m;
  m.id = crypto::RandomId(env_);
  m.signing_public_key = *sign_pk;
  m.box_public_key = *box_pk;
  const crypto::Hash code_hash = crypto::Blake2b256(crypto::AsBytes(body->Str("invite_code")));
  vault::Member joined;
  if (!WriteOr(res, [&](vault::WriteTxn& t) -> Status {
        auto r = t.RedeemInvite(code_hash, m);
        if (!r) return r.error();
        joined = std::move(*r);
        return Status::OK();
      })) {
    return;
  }
  SendJson(res, 201, MemberJson(joined));
}

void ServerImpl::Challenge(const httplib::Request& req, httplib::Response& res) {
  ApiError error;
  auto body = Body::Parse(req.body, {{"member_id", FieldType::kString}}, error);
  if (!body) return SendError(res, error);
  if (!IsId(body->Str("member_id"))) {
    return SendError(res, BadRequest("bad_id", "member_id must be 32 lower-case hex digits"));
  }
  // Issued for any well-formed id, known or not: the answer reveals nothing.
  const std::string nonce = challenges_.Issue(body->Str("member_id"));
  SendJson(res, 200,
           {{"nonce", nonce},
            {"expires_ms", Millis(env_.Now()) +
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   config_.challenge_ttl)
                                   .count()}});
}

void ServerImpl::Login(const httplib::Request& req, httplib::Response& res) {
  ApiError error;
  auto body = Body::Parse(req.body,
                          {{"member_id", FieldType::kString},
                           {"nonce", FieldType::kString},
                           {"signature", FieldType::kString}},
                          error);
  if (!body) return SendError(res, error);
  const std::string& member_id = body->Str("member_id");
  if (!IsId(member_id)) {
    return SendError(res, BadRequest("bad_id", "member_id must be 32 lower-case hex digits"));
  }
  const std::string address_key = "addr:" + req.remote_addr;
  const std::string member_key = "member:" + member_id;
  for (const std::string* key : {&address_key, &member_key}) {
    if (auto wait = limiter_.RetryAfter(*key)) {
      res.set_header("Retry-After", std::to_string(wait->count()));
      return SendError(res, {429, "too_many_failed_logins",
                             "too many failed sign-ins; try again in " +
                                 std::to_string(wait->count()) + " s"});
    }
  }
  auto fail = [&](const char* why) {
    limiter_.RecordFailure(address_key);
    limiter_.RecordFailure(member_key);
    (void)vault_.Write([&](vault::WriteTxn& t) {
      return t.Record({member_id}, "auth.login_failed", "member:" + member_id,
                      json{{"reason", why}, {"address", req.remote_addr}}.dump());
    });
    SendError(res, {401, "unauthenticated", "sign-in failed"});
  };
  auto sig = crypto::FromBase64(body->Str("signature"));
  if (!challenges_.Consume(body->Str("nonce"), member_id)) return fail("unknown or expired nonce");
  if (!sig) return fail("malformed signature");
  vault::Member member;
  Status found = vault_.Read([&](vault::ReadTxn& t) -> Status {
    auto m = t.GetMember(member_id);
    if (!m) return m.error();
    member = std::move(*m);
    return Status::OK();
  });
  if (!found.ok() || member.status != "active") return fail("unknown or removed member");
  if (!crypto::Verify(member.signing_public_key,
                      vault::LoginMessage(deps_.audit_key->public_key, member_id, body->Str("nonce")),
                      *sig)
           .ok()) {
    return fail("bad signature");
  }
  uint8_t raw[32];
  env_.RandomBytes(raw);
  const std::string token = crypto::ToBase64(raw, crypto::Base64::kUrlNoPadding);
  vault::Session session{crypto::Blake2b256(crypto::AsBytes(token)), member_id, 0,
                         Millis(env_.Now() + config_.session_ttl)};
  if (!WriteOr(res, [&](vault::WriteTxn& t) { return t.CreateSession({member_id}, session); })) {
    return;
  }
  limiter_.Reset(member_key);
  t_member = member_id;
  SendJson(res, 200,
           {{"token", token}, {"expires_ms", session.expires_ms}, {"member", MemberJson(member)}});
}

// --- Route registration ----------------------------------------------------------

const RouteSpec& Spec(std::string_view method, std::string_view pattern) {
  for (const RouteSpec& r : kRoutes) {
    if (method == r.method && pattern == r.pattern) return r;
  }
  std::abort();  // a handler for a route missing from the table
}

void ServerImpl::RegisterRoutes() {
  auto& S = Spec;
  Register(S("GET", "/healthz"), [](const auto&, auto& res, const auto&) {
    res.set_content("ok\n", "text/plain");
  });
  Register(S("GET", "/metrics"), [this](const auto&, auto& res, const auto&) {
    res.set_content(metrics_.Render(audit_length_.load()), "text/plain; version=0.0.4");
  });
  Register(S("GET", "/v1/server"), [this](const auto&, auto& res, const auto&) { ServerInfo(res); });
  Register(S("POST", "/v1/join"), [this](const auto& req, auto& res, const auto&) { Join(req, res); });
  Register(S("POST", "/v1/auth/challenge"),
           [this](const auto& req, auto& res, const auto&) { Challenge(req, res); });
  Register(S("POST", "/v1/auth/login"),
           [this](const auto& req, auto& res, const auto&) { Login(req, res); });
  Register(S("POST", "/v1/auth/logout"), [this](const auto&, auto& res, const Caller& c) {
    if (WriteOr(res, [&](vault::WriteTxn& t) { return t.DeleteSession(c.actor(), c.session_hash); })) {
      SendJson(res, 200, json::object());
    }
  });
  Register(S("GET", "/v1/me"), [](const auto&, auto& res, const Caller& c) {
    SendJson(res, 200, MemberJson(c.member));
  });
  Register(S("GET", "/v1/members"), [this](const auto&, auto& res, const Caller&) {
    json out = json::array();
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          auto members = t.ListMembers();
          if (!members) return members.error();
          for (const auto& m : *members) out.push_back(MemberJson(m));
          return Status::OK();
        })) {
      SendJson(res, 200, {{"members", out}});
    }
  });
  Register(S("GET", "/v1/members/:id"), [this](const auto& req, auto& res, const Caller&) {
    const std::string id = req.matches[1];
    if (!IsId(id)) return SendError(res, BadRequest("bad_id", "member ids are 32 hex digits"));
    json out;
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          auto m = t.GetMember(id);
          if (!m) return m.error();
          out = MemberJson(*m);
          return Status::OK();
        })) {
      SendJson(res, 200, out);
    }
  });
  Register(S("POST", "/v1/invites"), [this](const auto& req, auto& res, const Caller& c) {
    ApiError error;
    auto body = Body::Parse(req.body, {{"role", FieldType::kString}, {"name", FieldType::kString}},
                            error);
    if (!body) return SendError(res, error);
    auto role = vault::ParseTeamRole(body->Str("role"));
    if (!role) return SendError(res, BadRequest("bad_role", role.error().message()));
    const std::string& name = body->Str("name");
    if (name.empty() || name.size() > 100) {
      return SendError(res, BadRequest("bad_name", "name must be 1 to 100 bytes"));
    }
    const Action action = *role == TeamRole::kOwner   ? Action::kInviteOwner
                          : *role == TeamRole::kAdmin ? Action::kInviteAdmin
                                                      : Action::kInviteMember;
    if (Status s = vault::Check(c.role, CollectionAccess::kNone, action); !s.ok()) {
      return SendError(res, FromStatus(s));
    }
    uint8_t raw[16];
    env_.RandomBytes(raw);
    const std::string code = crypto::ToHex(raw);
    vault::Invite invite;
    invite.code_hash = crypto::Blake2b256(crypto::AsBytes(code));
    invite.role = body->Str("role");
    invite.name = name;
    invite.created_by = c.member.id;
    invite.expires_ms = Millis(env_.Now() + config_.invite_ttl);
    if (WriteOr(res, [&](vault::WriteTxn& t) { return t.CreateInvite(c.actor(), invite); })) {
      SendJson(res, 201, {{"code", code}, {"role", invite.role}, {"name", name},
                          {"expires_ms", invite.expires_ms}});
    }
  });
  Register(S("PATCH", "/v1/members/:id"), [this](const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    if (!IsId(id)) return SendError(res, BadRequest("bad_id", "member ids are 32 hex digits"));
    ApiError error;
    auto body = Body::Parse(req.body, {{"role", FieldType::kString}}, error);
    if (!body) return SendError(res, error);
    auto role = vault::ParseTeamRole(body->Str("role"));
    if (!role) return SendError(res, BadRequest("bad_role", role.error().message()));
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          auto target = t.GetMember(id);
          if (!target) return target.error();
          const bool owner_involved = target->role == "owner" || *role == TeamRole::kOwner;
          if (Status s = vault::Check(c.role, CollectionAccess::kNone,
                                      owner_involved ? Action::kChangeOwnerRole
                                                     : Action::kChangeRole);
              !s.ok()) {
            return s;
          }
          if (*role == TeamRole::kAuditor) {
            // Auditors never hold a collection key: take away any first.
            auto held = t.ListAccessibleCollections(id);
            if (!held) return held.error();
            if (!held->empty()) {
              return Status::FailedPrecondition(
                  "revoke the member's collection access before making them an auditor");
            }
          }
          if (target->role == "owner" && *role != TeamRole::kOwner) {
            auto members = t.ListMembers();
            if (!members) return members.error();
            int owners = 0;
            for (const auto& m : *members) owners += m.role == "owner" && m.status == "active";
            if (owners <= 1) return Status::FailedPrecondition("the last owner cannot be demoted");
          }
          return t.SetMemberRole(c.actor(), id, body->Str("role"));
        })) {
      SendJson(res, 200, {{"id", id}, {"role", body->Str("role")}});
    }
  });
  Register(S("DELETE", "/v1/members/:id"), [this](const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    if (!IsId(id)) return SendError(res, BadRequest("bad_id", "member ids are 32 hex digits"));
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          auto target = t.GetMember(id);
          if (!target) return target.error();
          if (Status s = vault::Check(c.role, CollectionAccess::kNone,
                                      target->role == "owner" ? Action::kRemoveOwner
                                                              : Action::kRemoveMember);
              !s.ok()) {
            return s;
          }
          if (id == c.member.id) return Status::FailedPrecondition("you cannot remove yourself");
          return t.RemoveMember(c.actor(), id);
        })) {
      SendJson(res, 200, {{"id", id}, {"status", "removed"}});
    }
  });
  Register(S("POST", "/v1/collections"), [this](const auto& req, auto& res, const Caller& c) {
    ApiError error;
    auto body = Body::Parse(req.body,
                            {{"id", FieldType::kString},
                             {"name", FieldType::kString},
                             {"sealed_key", FieldType::kString},
                             {"recovery_sealed_key", FieldType::kString, false},
                             {"offline_cache", FieldType::kBool, false}},
                            error);
    if (!body) return SendError(res, error);
    const std::string& id = body->Str("id");
    if (!IsId(id)) return SendError(res, BadRequest("bad_id", "id must be 32 lower-case hex digits"));
    const std::string& name = body->Str("name");
    if (name.empty() || name.size() > 100) {
      return SendError(res, BadRequest("bad_name", "name must be 1 to 100 bytes"));
    }
    auto sealed = DecodeBase64Field(body->Str("sealed_key"), "sealed_key", error);
    if (!sealed) return SendError(res, error);
    std::vector<vault::SealedKey> keys = {{id, 1, vault::KeyHolder::kMember, c.member.id, *sealed}};
    if (body->Has("recovery_sealed_key")) {
      auto rec = DecodeBase64Field(body->Str("recovery_sealed_key"), "recovery_sealed_key", error);
      if (!rec) return SendError(res, error);
      keys.push_back({id, 1, vault::KeyHolder::kRecovery, "recovery", *rec});
    }
    vault::Collection col{id, name, 1, body->Has("offline_cache") ? body->Bool("offline_cache") : true,
                          false, 0};
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          auto recovery = t.GetSetting("recovery_public_key");
          if (!recovery) return recovery.error();
          if (*recovery && !body->Has("recovery_sealed_key")) {
            return Status::InvalidArgument("this team has a recovery key: seal the collection key "
                                           "to it too (recovery_sealed_key)");
          }
          if (Status s = t.CreateCollection(c.actor(), col, keys); !s.ok()) return s;
          return t.GrantAccess(c.actor(), id, c.member.id, "manage", keys[0]);
        })) {
      SendJson(res, 201, CollectionJson(col));
    }
  });
  Register(S("GET", "/v1/collections"), [this](const auto&, auto& res, const Caller& c) {
    json out = json::array();
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          auto all = t.ListCollections();
          if (!all) return all.error();
          std::vector<std::string> mine;
          const bool sees_all = c.role != TeamRole::kMember;
          if (!sees_all) {
            auto held = t.ListAccessibleCollections(c.member.id);
            if (!held) return held.error();
            mine = std::move(*held);
          }
          for (const auto& col : *all) {
            if (sees_all || std::find(mine.begin(), mine.end(), col.id) != mine.end()) {
              json j = CollectionJson(col);
              auto access = t.GetAccess(col.id, c.member.id);
              j["access"] = access ? *access : "none";
              out.push_back(j);
            }
          }
          return Status::OK();
        })) {
      SendJson(res, 200, {{"collections", out}});
    }
  });
  Register(S("GET", "/v1/collections/:id/key"), [this](const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    json out;
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          auto key = t.GetSealedKey(id, vault::KeyHolder::kMember, c.member.id);
          if (!key) return key.error();
          out = {{"collection_id", id},
                 {"key_version", key->key_version},
                 {"sealed_key", crypto::ToBase64(key->sealed)}};
          return Status::OK();
        })) {
      SendJson(res, 200, out);
    }
  });
  Register(S("POST", "/v1/collections/:id/grants"), [this](const auto& req, auto& res,
                                                            const Caller& c) {
    const std::string id = req.matches[1];
    ApiError error;
    auto body = Body::Parse(req.body,
                            {{"member_id", FieldType::kString},
                             {"access", FieldType::kString},
                             {"key_version", FieldType::kInt},
                             {"sealed_key", FieldType::kString}},
                            error);
    if (!body) return SendError(res, error);
    const std::string& member = body->Str("member_id");
    if (!IsId(member)) return SendError(res, BadRequest("bad_id", "member_id must be 32 hex digits"));
    auto access = vault::ParseCollectionAccess(body->Str("access"));
    if (!access || *access == CollectionAccess::kNone) {
      return SendError(res, BadRequest("bad_access", "access must be view, edit or manage"));
    }
    auto sealed = DecodeBase64Field(body->Str("sealed_key"), "sealed_key", error);
    if (!sealed) return SendError(res, error);
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          auto target = t.GetMember(member);
          if (!target) return target.error();
          if (target->role == "auditor") {
            return Status::FailedPrecondition("auditors never receive a collection key");
          }
          return t.GrantAccess(c.actor(), id, member, body->Str("access"),
                               {id, body->Int("key_version"), vault::KeyHolder::kMember, member,
                                *sealed});
        })) {
      SendJson(res, 200, {{"collection_id", id}, {"member_id", member},
                          {"access", body->Str("access")}});
    }
  });
  Register(S("DELETE", "/v1/collections/:id/grants/:member"),
           [this](const auto& req, auto& res, const Caller& c) {
             const std::string id = req.matches[1];
             const std::string member = req.matches[2];
             if (!IsId(member)) {
               return SendError(res, BadRequest("bad_id", "member ids are 32 hex digits"));
             }
             if (WriteOr(res, [&](vault::WriteTxn& t) { return t.RevokeAccess(c.actor(), id, member); })) {
               SendJson(res, 200, {{"collection_id", id}, {"member_id", member}});
             }
           });
  Register(S("GET", "/v1/collections/:id/items"), [this](const auto& req, auto& res, const Caller&) {
    const std::string id = req.matches[1];
    json out = json::array();
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          auto col = t.GetCollection(id);
          if (!col) return col.error();
          auto items = t.ListItems(id);
          if (!items) return items.error();
          for (const auto& m : *items) out.push_back(ItemMetaJson(m));
          return Status::OK();
        })) {
      SendJson(res, 200, {{"items", out}});
    }
  });
  Register(S("POST", "/v1/collections/:id/items"), [this](const auto& req, auto& res,
                                                           const Caller& c) {
    const std::string id = req.matches[1];
    ApiError error;
    auto body = Body::Parse(req.body,
                            {{"id", FieldType::kString},
                             {"name", FieldType::kString},
                             {"channel", FieldType::kString},
                             {"url", FieldType::kString, false},
                             {"rotation_period_days", FieldType::kInt, false},
                             {"key_version", FieldType::kInt},
                             {"ciphertext", FieldType::kString}},
                            error);
    if (!body) return SendError(res, error);
    vault::ItemMeta meta;
    meta.id = body->Str("id");
    if (!IsId(meta.id)) return SendError(res, BadRequest("bad_id", "id must be 32 hex digits"));
    meta.collection_id = id;
    meta.name = body->Str("name");
    if (meta.name.empty() || meta.name.size() > 200) {
      return SendError(res, BadRequest("bad_name", "name must be 1 to 200 bytes"));
    }
    meta.channel = body->Str("channel");
    auto channel = vault::ParseChannelType(meta.channel);
    if (!channel) return SendError(res, BadRequest("bad_channel", channel.error().message()));
    meta.url = body->Has("url") ? body->Str("url") : "";
    const int64_t days = body->Has("rotation_period_days")
                             ? body->Int("rotation_period_days")
                             : vault::DefaultRotationPeriod(*channel).count();
    if (days < 1 || days > 3650) {
      return SendError(res, BadRequest("bad_period", "rotation_period_days must be 1 to 3650"));
    }
    meta.rotation_period_s = days * 86400;
    meta.key_version = body->Int("key_version");
    auto ct = DecodeBase64Field(body->Str("ciphertext"), "ciphertext", error);
    if (!ct) return SendError(res, error);
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          if (Status s = t.CreateItem(c.actor(), meta, *ct); !s.ok()) return s;
          auto stored = t.GetItemMeta(meta.id);
          if (!stored) return stored.error();
          meta = std::move(*stored);
          return Status::OK();
        })) {
      SendJson(res, 201, ItemMetaJson(meta));
    }
  });
  Register(S("GET", "/v1/items/:id"), [this](const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    json out;
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          auto item = t.FetchItem(c.actor(), id);
          if (!item) return item.error();
          out = ItemMetaJson(item->meta);
          out["ciphertext"] = crypto::ToBase64(item->ciphertext);
          return Status::OK();
        })) {
      SendJson(res, 200, out);
    }
  });
  Register(S("PUT", "/v1/items/:id"), [this](const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    ApiError error;
    auto body = Body::Parse(req.body,
                            {{"expected_version", FieldType::kInt},
                             {"ciphertext", FieldType::kString}},
                            error);
    if (!body) return SendError(res, error);
    auto ct = DecodeBase64Field(body->Str("ciphertext"), "ciphertext", error);
    if (!ct) return SendError(res, error);
    json out;
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          if (Status s = t.UpdateItem(c.actor(), id, body->Int("expected_version"), *ct); !s.ok()) {
            return s;
          }
          auto meta = t.GetItemMeta(id);
          if (!meta) return meta.error();
          out = ItemMetaJson(*meta);
          return Status::OK();
        })) {
      SendJson(res, 200, out);
    }
  });
  Register(S("DELETE", "/v1/items/:id"), [this](const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    if (WriteOr(res, [&](vault::WriteTxn& t) { return t.DeleteItem(c.actor(), id); })) {
      SendJson(res, 200, {{"id", id}, {"deleted", true}});
    }
  });
  Register(S("GET", "/v1/items/:id/history"), [this](const auto& req, auto& res, const Caller& c) {
    const std::string id = req.matches[1];
    json out = json::array();
    if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
          auto versions = t.FetchHistory(c.actor(), id);
          if (!versions) return versions.error();
          for (const auto& v : *versions) {
            out.push_back({{"version", v.version},
                           {"key_version", v.key_version},
                           {"state", v.state},
                           {"ciphertext", crypto::ToBase64(v.ciphertext)},
                           {"created_ms", v.created_ms},
                           {"created_by", v.created_by}});
          }
          return Status::OK();
        })) {
      SendJson(res, 200, {{"versions", out}});
    }
  });
  Register(S("GET", "/v1/audit"), [this](const auto& req, auto& res, const Caller&) {
    int64_t from = 1, limit = 100;
    for (auto [name, out, max] : {std::tuple{"from", &from, int64_t{1} << 53},
                                  std::tuple{"limit", &limit, int64_t{1000}}}) {
      if (!req.has_param(name)) continue;
      const std::string v = req.get_param_value(name);
      int64_t n = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || ptr != v.data() + v.size() || n < 1 || n > max) {
        return SendError(res, BadRequest("bad_parameter", std::string(name) + " must be 1 to " +
                                                              std::to_string(max)));
      }
      *out = n;
    }
    json events = json::array();
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          auto page = t.ReadAudit(from, limit);
          if (!page) return page.error();
          for (const auto& e : *page) events.push_back(EventJson(e));
          return Status::OK();
        })) {
      SendJson(res, 200, {{"events", events}});
    }
  });
  Register(S("GET", "/v1/audit/checkpoints"), [this](const auto&, auto& res, const Caller&) {
    json out = json::array();
    if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
          auto cps = t.ListCheckpoints();
          if (!cps) return cps.error();
          for (const auto& cp : *cps) out.push_back(CheckpointJson(cp));
          return Status::OK();
        })) {
      SendJson(res, 200, {{"checkpoints", out}});
    }
  });
  Register(S("GET", "/v1/audit/head"), [this](const auto&, auto& res, const Caller&) {
    auto cp = Checkpoint();
    if (!cp) return SendError(res, FromStatus(cp.error()));
    SendJson(res, 200, CheckpointJson(*cp));
  });
}

}  // namespace

std::span<const RouteSpec> Routes() { return kRoutes; }

Result<std::unique_ptr<Server>> Server::Create(const Config& config, const Deps& deps) {
  if (deps.env == nullptr || deps.vault == nullptr || deps.audit_key == nullptr ||
      deps.tls_key_pem == nullptr) {
    return Fail(Status::InvalidArgument("server dependencies are missing"));
  }
  auto s = std::make_unique<ServerImpl>(config, deps);
  if (Status st = s->Init(); !st.ok()) return Fail(st);
  return std::unique_ptr<Server>(std::move(s));
}

}  // namespace server
