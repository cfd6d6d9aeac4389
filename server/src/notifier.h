// Delivery of queued notices (vault::Notice) to people: a webhook (JSON
// POST with a Slack-compatible "text") and e-mail over SMTP. Private to the
// server; ServerImpl::TickNotifications() drives them from the outbox.
#ifndef BATON_SERVER_SRC_NOTIFIER_H_
#define BATON_SERVER_SRC_NOTIFIER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/config.h"
#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"
#include "vault/store.h"

namespace server {

// A plausible ASCII address (local@domain.tld), at most 254 bytes, with
// nothing that could break a mail header or an SMTP command.
bool IsPlausibleEmail(std::string_view s);

namespace internal {

// Sends one delivery. OK once the receiver accepted it; otherwise a Status
// whose message is a short reason fit for the outbox and the log (a status
// code or a transport error: never a remote body, a URL or a secret).
// Send() may block up to the configured timeout; not called concurrently.
class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual vault::Status Send(const vault::Delivery& d) = 0;
};

// A notifier posting to config.webhook_url; nullptr if it is not an
// http(s) URL (ApplySetting refuses those before they get here).
std::unique_ptr<Notifier> NewWebhookNotifier(const Config& config);
// REQUIRES: config.smtp_url and config.smtp_from are checked; `password` is
// used only with config.smtp_user.
std::unique_ptr<Notifier> NewSmtpNotifier(const Config& config, vault::Env& env,
                                          vault::SecureBuffer password);

// The webhook body: {"text","kind","details","notice_id","created_ms"}.
std::string WebhookBody(const vault::Delivery& d);
// The RFC 5322 message for an e-mail delivery, CRLF line ends, UTF-8 body
// in base64.
std::string EmailMessage(const vault::Delivery& d, const std::string& from, vault::Env& env);
// How long to wait after `attempts` failed attempts: the base doubled each
// time, capped.
int64_t RetryDelayMs(const Config& config, int64_t attempts);

}  // namespace internal
}  // namespace server

#endif  // BATON_SERVER_SRC_NOTIFIER_H_
