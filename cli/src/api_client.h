// The client side of the batond API: HTTPS with a pinned certificate, JSON
// in and out, the server's errors as Status.
#ifndef BATON_CLI_SRC_API_CLIENT_H_
#define BATON_CLI_SRC_API_CLIENT_H_

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "tls_pin.h"
#include "vault/api_json.h"
#include "vault/status.h"

namespace httplib {
class SSLClient;
}

namespace cli {

struct ServerAddress {
  std::string host;
  int port = 8443;
};

// "https://host[:port]" (no path, query or user name; an IPv6 host in
// brackets, returned without them). InvalidArgument otherwise.
vault::Result<ServerAddress> ParseServerUrl(const std::string& url);

class ApiClient {
 public:
  // Only the certificate `fingerprint` is accepted; a pin that is not a
  // well-formed fingerprint fails every call (Unauthenticated) before
  // anything is sent. With Trust::kFirstUse (`init` and `join` without
  // --fingerprint) any certificate is accepted and recorded (see
  // seen_fingerprint()).
  ApiClient(const ServerAddress& address, const std::string& fingerprint,
            Trust trust = Trust::kPinned);
  ~ApiClient();

  void set_token(std::string token) { token_ = std::move(token); }
  // How to sign in again (it must call set_token) when the server answers
  // 401 to a request that carried a token, e.g. a session kept by the agent
  // that has expired or was ended: then the request is sent once more.
  // Requests made inside `fn` never trigger it.
  void set_reauthenticate(std::function<vault::Status()> fn) { reauthenticate_ = std::move(fn); }

  // Sends a request; returns the JSON body of a 2xx answer. Errors:
  //   IOError          the server cannot be reached
  //   Unauthenticated  the certificate is not the pinned one (the message
  //                    shows both fingerprints), or the server said 401
  //   other            the server's error code, with its message
  vault::Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                                     const std::optional<nlohmann::json>& body = std::nullopt);

  // An answer decoder of vault/api_json.h: never throws, and names `route`
  // in its error.
  template <typename T>
  using Decoder = vault::Result<T> (*)(const nlohmann::json&, std::string_view route);

  // Call, with the answer read by `decode`: an answer that is not what the
  // API promises is Internal, "the server sent a malformed answer to GET
  // /v1/..." (the path without its query), never an exception.
  template <typename T>
  vault::Result<T> Get(const std::string& path, Decoder<T> decode) {
    return Send<T>("GET", path, std::nullopt, decode);
  }
  template <typename T>
  vault::Result<T> Send(const std::string& method, const std::string& path,
                        const std::optional<nlohmann::json>& body, Decoder<T> decode) {
    auto answer = Call(method, path, body);
    if (!answer) return vault::Fail(answer.error());
    return decode(*answer, RouteOf(method, path));
  }

  // "GET /v1/audit" for ("GET", "/v1/audit?from=1"): what a message names.
  static std::string RouteOf(std::string_view method, std::string_view path);

  // The server's error code ("member_removed", ...) of the last call, if it
  // failed with one.
  const std::string& last_error_code() const { return last_error_code_; }
  const std::string& seen_fingerprint() const { return pin_.seen_fingerprint; }
  const std::string& seen_certificate_pem() const { return pin_.seen_cert_pem; }

 private:
  ServerAddress address_;
  TlsPin pin_;
  std::unique_ptr<httplib::SSLClient> http_;
  std::string token_;
  std::string last_error_code_;
  std::function<vault::Status()> reauthenticate_;
  bool reauthenticating_ = false;
};

class KeyOps;

// Challenge, signature of vault::LoginMessage with `keys`, login: signs in
// as `member_id` and sets the session token on `c`. `server_audit_key` is
// the one the profile pinned. The server's refusal as Status (the reason in
// c.last_error_code()).
vault::Result<vault::api::LoginAnswer> SignIn(ApiClient& c, KeyOps& keys,
                                              const std::string& member_id,
                                              const vault::crypto::PublicKey& server_audit_key);

// The Status code a server error code stands for.
vault::Status StatusFromApiError(int http_status, const std::string& code,
                                 const std::string& message);

}  // namespace cli

#endif  // BATON_CLI_SRC_API_CLIENT_H_
