#include "api_client.h"

#include <httplib.h>
#include <openssl/ssl.h>

#include <memory>

#include "key_ops.h"
#include "vault/api_json.h"
#include "vault/api_status.h"
#include "vault/login.h"
#include "vault/url.h"

namespace cli {

using vault::Fail;
using vault::Status;

vault::Result<ServerAddress> ParseServerUrl(const std::string& url) {
  // libcurl also takes "HTTPS://"; the scheme is checked as written.
  if (!url.starts_with("https://")) {
    return Fail(Status::InvalidArgument("the server URL must start with https://"));
  }
  const Status with_path =
      Status::InvalidArgument("the server URL is https://HOST[:PORT], without a path");
  if (url.find_first_of("?#") != std::string::npos) return Fail(with_path);
  auto parsed = vault::ParseUrl(url, {"https"}, "the server URL");
  if (!parsed) return Fail(parsed.error());
  if (parsed->path != "/") return Fail(with_path);
  ServerAddress a;
  a.host = std::move(parsed->host);
  if (parsed->explicit_port) a.port = parsed->port;
  return a;
}

ApiClient::ApiClient(const ServerAddress& address, const std::string& fingerprint, Trust trust)
    : address_(address), http_(std::make_unique<httplib::SSLClient>(address.host, address.port)) {
  pin_.trust = trust;
  pin_.expected = fingerprint;
  // The pin replaces CA verification; the host name is still checked
  // against the certificate's names.
  InstallTlsPin(http_->ssl_context(), &pin_);
  // The pin replaces the chain check (InstallTlsPin), so no CA is ever
  // looked up. Left to itself the library would parse the system's whole CA
  // bundle (~140 certificates, a third of a command's CPU time) on the first
  // connection; a lookup directory is registered lazily instead, and
  // /dev/null, not being a directory, can never yield a certificate.
  http_->set_ca_cert_path(std::string(), "/dev/null");
  http_->enable_server_certificate_verification(true);
  http_->set_connection_timeout(10);
  http_->set_read_timeout(60);
  http_->set_write_timeout(60);
  http_->set_keep_alive(true);
}

ApiClient::~ApiClient() = default;

Status StatusFromApiError(int http_status, const std::string& code, const std::string& message) {
  return vault::api::StatusFromApiError(http_status, code, message);
}

std::string ApiClient::RouteOf(std::string_view method, std::string_view path) {
  return std::string(method) + " " + std::string(path.substr(0, path.find('?')));
}

vault::Result<nlohmann::json> ApiClient::Call(const std::string& method, const std::string& path,
                                              const std::optional<nlohmann::json>& body) {
  if (pin_.trust != Trust::kFirstUse) {
    if (Status s = CheckPinnedFingerprint(pin_.expected); !s.ok()) return Fail(s);
  }
  const std::string text = body ? body->dump() : std::string();
  auto send = [&]() -> httplib::Result {
    httplib::Headers headers;
    if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
    if (method == "POST") return http_->Post(path, headers, text, "application/json");
    if (method == "PUT") return http_->Put(path, headers, text, "application/json");
    if (method == "PATCH") return http_->Patch(path, headers, text, "application/json");
    if (method == "DELETE") return http_->Delete(path, headers, text, "application/json");
    return http_->Get(path, headers);
  };
  httplib::Result r = send();
  if (!r && r.error() == httplib::Error::Write && !pin_.mismatch) {
    // The kept-alive connection was closed by the server while we were idle
    // (e.g. during a key derivation longer than its keep-alive timeout): the
    // request could not be written, so nothing reached the server, and it
    // is sent once more on a new connection.
    r = send();
  }
  if (r && r->status == 401 && !token_.empty() && reauthenticate_ && !reauthenticating_) {
    // The session is gone (expired, or ended by the server); nothing was
    // done, so after signing in again the request can be sent as it was.
    reauthenticating_ = true;
    const Status s = reauthenticate_();
    reauthenticating_ = false;
    if (!s.ok()) return Fail(s);
    r = send();
  }
  last_error_code_.clear();
  if (!r) {
    if (pin_.mismatch) {
      return Fail(Status::Unauthenticated(
          "the server's TLS certificate changed: pinned " + pin_.expected + ", offered " +
          pin_.seen_fingerprint +
          ". Refusing to connect. If the server was re-created on purpose, compare the new "
          "fingerprint out of band and join again."));
    }
    return Fail(Status::IOError("cannot reach the server at https://" + address_.host + ":" +
                                std::to_string(address_.port) + " (" +
                                httplib::to_string(r.error()) + ")"));
  }
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status >= 200 && r->status < 300) {
    if (j.is_discarded()) {
      if (path == "/healthz" || path == "/metrics") return nlohmann::json(r->body);
      return Fail(vault::api::MalformedAnswer(RouteOf(method, path), "not JSON"));
    }
    return j;
  }
  std::string code, message = "HTTP " + std::to_string(r->status);
  // An error answer is read as carefully as any other: fields of another
  // type are ignored, not thrown on.
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object()) {
    const nlohmann::json& e = j["error"];
    if (e.contains("code") && e["code"].is_string()) code = e["code"].get<std::string>();
    if (e.contains("message") && e["message"].is_string()) {
      message = e["message"].get<std::string>();
    }
  }
  last_error_code_ = code;
  Status s = StatusFromApiError(r->status, code, message);
  if (r->status == 429 && r->has_header("Retry-After")) {
    s = Status::ResourceExhausted(s.message() + " (retry after " +
                                  r->get_header_value("Retry-After") + " s)");
  }
  return Fail(s);
}

vault::Result<vault::api::LoginAnswer> SignIn(ApiClient& c, KeyOps& keys,
                                              const std::string& member_id,
                                              const vault::crypto::PublicKey& server_audit_key) {
  using nlohmann::json;
  auto challenge = c.Send("POST", "/v1/auth/challenge", json{{"member_id", member_id}},
                          &vault::api::ChallengeFromJson);
  if (!challenge) return Fail(challenge.error());
  const std::string nonce = challenge->nonce;
  auto sig = keys.SignLogin(server_audit_key, member_id, nonce);
  if (!sig) return Fail(sig.error());
  auto login = c.Send("POST", "/v1/auth/login",
                      json{{"member_id", member_id},
                           {"nonce", nonce},
                           {"signature", vault::crypto::ToBase64(*sig)}},
                      &vault::api::LoginAnswerFromJson);
  if (login) c.set_token(login->token);
  return login;
}

}  // namespace cli
