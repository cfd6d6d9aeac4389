// Public and session routes: server facts, health, metrics, joining,
// signing in and out, and the caller's own record.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "notifier.h"
#include "server_impl.h"
#include "vault/login.h"
#include "vault/secret_input.h"

namespace server::internal {

void ServerImpl::Healthz(const httplib::Request&, httplib::Response& res, const Caller&) {
  res.set_content("ok\n", "text/plain");
}

Status ServerImpl::InitMetricsToken() {
  const std::string& path = config_.metrics_token_file;
  if (path.empty()) return Status::OK();
  // The token shows when emergency routes are used: refuse a file others
  // can read, as for any secret of the server.
  auto mode = env_.FileMode(path);
  if (!mode) return mode.error().WithContext("metrics_token_file");
  if ((*mode & 077) != 0) {
    return Status::PermissionDenied(
        "metrics_token_file must not be readable by others (chmod 600)");
  }
  std::istringstream no_stdin;
  auto token = vault::ReadSecretFile(env_, no_stdin, path);
  if (!token) return token.error().WithContext("metrics_token_file");
  // Only its digest is kept: compared in constant time, and at a fixed
  // length whatever the length of the token.
  metrics_token_hash_ = crypto::Blake2b256(token->bytes());
  return Status::OK();
}

void ServerImpl::MetricsPage(const httplib::Request& req, httplib::Response& res, const Caller&) {
  if (!metrics_token_hash_) return SendError(res, {404, "not_found", "no such route"});
  const std::string auth = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  const crypto::Hash presented = crypto::Blake2b256(crypto::AsBytes(
      std::string_view(auth).substr(auth.starts_with(kBearer) ? kBearer.size() : auth.size())));
  if (!auth.starts_with(kBearer) || !crypto::ConstantTimeEqual(presented, *metrics_token_hash_)) {
    res.set_header("WWW-Authenticate", "Bearer");
    return SendError(res, {401, "unauthenticated", "/metrics needs its bearer token"});
  }
  res.set_content(metrics_.Render(audit_length_.load()) + ContinuityGauges(),
                  "text/plain; version=0.0.4");
}

void ServerImpl::ServerInfo(const httplib::Request&, httplib::Response& res, const Caller&) {
  vault::api::ServerInfo info;
  info.version = BATON_VERSION;
  info.audit_public_key = deps_.audit_key->public_key;
  info.escrow_public_key = deps_.escrow_public_key;
  // So that a client which pinned the audit key can trust the escrow key.
  auto escrow_sig =
      crypto::Sign(*deps_.audit_key, vault::api::EscrowKeyMessage(deps_.escrow_public_key));
  if (!escrow_sig) return SendError(res, FromStatus(escrow_sig.error()));
  info.escrow_key_signature = *escrow_sig;
  if (auto last = metrics_.LastBackup()) {
    info.last_backup_at = last->first;
    info.last_backup_bytes = last->second;
  }
  if (!ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto recovery = t.GetSetting("recovery_public_key");
        if (!recovery) return recovery.error();
        if (!*recovery) return Status::OK();
        auto key = crypto::FromBase64(**recovery);
        // The setting is the server's own: damaged, it is the server's fault
        // (500), not an answer for clients to refuse as malformed.
        if (!key || key->size() != crypto::kPublicKeyBytes) {
          return Status::Internal("the recovery_public_key setting is not a base64 32-byte key");
        }
        std::copy(key->begin(), key->end(), info.recovery_public_key.emplace().begin());
        return Status::OK();
      })) {
    return;
  }
  SendJson(res, 200, vault::api::ServerInfoToJson(info));
}

void ServerImpl::Join(const httplib::Request& req, httplib::Response& res, const Caller&) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/join"));
  if (!body) return SendError(res, body.error());
  auto sign_pk = DecodeKey(body->Str("signing_public_key"), "signing_public_key");
  if (!sign_pk) return SendError(res, sign_pk.error());
  auto box_pk = DecodeKey(body->Str("box_public_key"), "box_public_key");
  if (!box_pk) return SendError(res, box_pk.error());
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
  SendJson(res, 201, MemberToJson(joined));
}

void ServerImpl::Challenge(const httplib::Request& req, httplib::Response& res, const Caller&) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/auth/challenge"));
  if (!body) return SendError(res, body.error());
  if (!IsId(body->Str("member_id"))) {
    return SendError(res, BadRequest("bad_id", "member_id must be 32 lower-case hex digits"));
  }
  // Issued for any well-formed id, known or not: the answer reveals nothing.
  // Never refused: issuing stores nothing, so a flood of challenges (from
  // behind the same NAT as the team, say) has nothing to fill or evict.
  std::string nonce = challenges_.Issue(body->Str("member_id"));
  const vault::api::Challenge challenge{
      std::move(nonce),
      Millis(env_.Now()) +
          std::chrono::duration_cast<std::chrono::milliseconds>(config_.challenge_ttl).count()};
  SendJson(res, 200, vault::api::ChallengeToJson(challenge));
}

// Nothing is checked against the limits before the answer: a valid
// signature on a fresh nonce always signs in, so that failures made up by
// someone else (from another address, or from behind the same NAT) cannot
// keep a member out. Only an attempt that fails anyway may get a 429.
void ServerImpl::Login(const httplib::Request& req, httplib::Response& res, const Caller&) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/auth/login"));
  if (!body) return SendError(res, body.error());
  const std::string& member_id = body->Str("member_id");
  if (!IsId(member_id)) {
    return SendError(res, BadRequest("bad_id", "member_id must be 32 lower-case hex digits"));
  }
  const bool fresh = challenges_.Valid(body->Str("nonce"), member_id);
  // A made-up, forged, expired or used nonce names nobody, so it counts
  // against the address alone; a valid one was issued for this member, so
  // its wrong answers count against this member at this address and lock
  // out no one else.
  const std::string limit_key =
      fresh ? "pair:" + member_id + "|" + req.remote_addr : "addr:" + req.remote_addr;
  auto fail = [&](const char* why) {
    if (auto wait = limiter_.RetryAfter(limit_key)) {
      res.set_header("Retry-After", std::to_string(wait->count()));
      return SendError(
          res, {429, "too_many_failed_logins",
                "too many failed sign-ins; try again in " + std::to_string(wait->count()) + " s"});
    }
    limiter_.Record(limit_key);
    (void)vault_.Write([&](vault::WriteTxn& t) {
      return t.Record({member_id}, "auth.login_failed", "member:" + member_id,
                      json{{"reason", why}, {"address", req.remote_addr}}.dump());
    });
    SendError(res, {401, "unauthenticated", "sign-in failed"});
  };
  if (!fresh) return fail("unknown or expired nonce");
  auto sig = crypto::FromBase64(body->Str("signature"));
  if (!sig) return fail("malformed signature");
  vault::Member member;
  Status found = vault_.Read([&](vault::ReadTxn& t) -> Status {
    auto m = t.GetMember(member_id);
    if (!m) return m.error();
    member = std::move(*m);
    return Status::OK();
  });
  if (!found.ok()) return fail("unknown or removed member");
  if (!crypto::Verify(
           member.signing_public_key,
           vault::LoginMessage(deps_.audit_key->public_key, member_id, body->Str("nonce")), *sig)
           .ok()) {
    return fail("bad signature");
  }
  // Spent only now that its signature verified, so that only the key's
  // holder grows the used set. Of two racing with one nonce, one wins.
  if (!challenges_.Redeem(body->Str("nonce"))) return fail("nonce already used");
  if (member.status != vault::MemberStatus::kActive) {
    // Said only to the holder of the member's key, so that their client
    // deletes its offline cache; anyone else gets the generic failure.
    limiter_.Record(limit_key);
    if (!WriteOr(res, [&](vault::WriteTxn& t) {
          return t.Record({member_id}, "auth.login_failed", "member:" + member_id,
                          json{{"reason", "member removed"}, {"address", req.remote_addr}}.dump());
        })) {
      return;
    }
    return SendError(res, {401, "member_removed",
                           "this member was removed from the team; the offline cache of this "
                           "profile is void"});
  }
  uint8_t raw[32];
  env_.RandomBytes(raw);
  const std::string token = crypto::ToBase64(raw, crypto::Base64::kUrlNoPadding);
  vault::Session session{crypto::Blake2b256(crypto::AsBytes(token)), member_id, 0,
                         Millis(env_.Now() + config_.session_ttl)};
  if (!WriteOr(res, [&](vault::WriteTxn& t) { return t.CreateSession({member_id}, session); })) {
    return;
  }
  limiter_.Reset(limit_key);
  t_member = member_id;
  SendJson(res, 200, vault::api::LoginAnswerToJson({token, session.expires_ms, std::move(member)}));
}

// --- Route registration ----------------------------------------------------------

void ServerImpl::Logout(const httplib::Request&, httplib::Response& res, const Caller& c) {
  if (WriteOr(res,
              [&](vault::WriteTxn& t) { return t.DeleteSession(c.actor(), c.session_hash); })) {
    SendJson(res, 200, json::object());
  }
}

void ServerImpl::Me(const httplib::Request&, httplib::Response& res, const Caller& c) {
  SendJson(res, 200, MemberToJson(c.member));
}

void ServerImpl::SetEmail(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("PUT /v1/me/email"));
  if (!body) return SendError(res, body.error());
  const std::string& email = body->Str("email");
  if (!email.empty() && !IsPlausibleEmail(email)) {
    return SendError(res, BadRequest("bad_email",
                                     "email must be an address like name@example.org (at most "
                                     "254 bytes), or \"\" to remove it"));
  }
  vault::Member member = c.member;
  member.email = email;
  if (WriteOr(res, [&](vault::WriteTxn& t) {
        return t.SetMemberEmail(c.actor(), c.member.id, email);
      })) {
    SendJson(res, 200, MemberToJson(member));
  }
}

void ServerImpl::RegisterSessionRoutes() {
  static constexpr Route kRoutes[] = {
      {"GET", "/healthz", &ServerImpl::Healthz},
      {"GET", "/metrics", &ServerImpl::MetricsPage},
      {"GET", "/v1/server", &ServerImpl::ServerInfo},
      {"POST", "/v1/join", &ServerImpl::Join},
      {"POST", "/v1/auth/challenge", &ServerImpl::Challenge},
      {"POST", "/v1/auth/login", &ServerImpl::Login},
      {"POST", "/v1/auth/logout", &ServerImpl::Logout},
      {"GET", "/v1/me", &ServerImpl::Me},
      {"PUT", "/v1/me/email", &ServerImpl::SetEmail},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
