// Notice delivery: the outbox (vault) is worked off from Tick(), outside any
// request, so a slow or dead receiver delays only other notices, never a
// state change. Each due delivery gets one attempt per tick; failures wait
// with exponential backoff on env.Now() and are given up after
// notify_max_attempts.
#include <curl/curl.h>
#include <httplib.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "notifier.h"
#include "server_impl.h"
#include "vault/crypto.h"
#include "vault/url.h"

namespace server {

bool IsPlausibleEmail(std::string_view s) {
  if (s.size() < 6 || s.size() > 254) return false;
  const size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 || s.find('@', at + 1) != s.npos) {
    return false;
  }
  // Printable ASCII without the characters that quote, group or separate
  // addresses: no quoted local parts, no display names, no header breaks.
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || std::strchr("<>()[],;:\\\"", ch) != nullptr) return false;
  }
  const std::string_view domain = s.substr(at + 1);
  const std::string_view local = s.substr(0, at);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != local.npos) return false;
  if (domain.find('.') == domain.npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != domain.npos || domain.front() == '-') {
    return false;
  }
  return true;
}

namespace internal {
namespace {

using vault::Delivery;
using vault::DeliveryChannel;
using vault::DeliveryState;

constexpr int64_t kDeliveriesPerTick = 100;
constexpr std::chrono::seconds kTickBudget{20};

// --- Webhook -----------------------------------------------------------------

class WebhookNotifier final : public Notifier {
 public:
  WebhookNotifier(std::string origin, std::string path, std::chrono::seconds timeout)
      : origin_(std::move(origin)), path_(std::move(path)), timeout_(timeout) {}

  Status Send(const Delivery& d) override {
    httplib::Client client(origin_);
    client.set_connection_timeout(timeout_);
    client.set_read_timeout(timeout_);
    client.set_write_timeout(timeout_);
    client.set_follow_location(false);  // a redirect could carry the notice anywhere
    client.set_keep_alive(false);
    auto res = client.Post(path_.c_str(), WebhookBody(d), "application/json");
    if (!res) return Status::IOError("webhook: " + httplib::to_string(res.error()));
    if (res->status < 200 || res->status > 299) {
      return Status::IOError("webhook: HTTP " + std::to_string(res->status));
    }
    return Status::OK();
  }

 private:
  const std::string origin_;  // scheme://host[:port]
  const std::string path_;
  const std::chrono::seconds timeout_;
};

// --- SMTP --------------------------------------------------------------------

std::string RfcDate(vault::TimePoint t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t secs = vault::Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return out;
}

// Control characters (a CR or LF could start a new header) become spaces.
std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  }
  return out;
}

// RFC 2047 encoded words of at most 45 raw bytes each (60 in base64, within
// the 75-character limit), cut only between UTF-8 characters, folded.
std::string EncodeHeaderText(const std::string& text) {
  const bool ascii = std::all_of(text.begin(), text.end(),
                                 [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
  if (ascii && text.size() <= 900) return text;
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = std::min(pos + 45, text.size());
    while (end < text.size() && end > pos &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" +
           vault::crypto::ToBase64(
               std::span(reinterpret_cast<const uint8_t*>(text.data()) + pos, end - pos)) +
           "?=";
    pos = end;
  }
  return out;
}

std::string DetailsText(const std::string& details_json) {
  auto details = nlohmann::json::parse(details_json, nullptr, /*allow_exceptions=*/false);
  std::string out;
  if (!details.is_object()) return out;
  for (const auto& [key, value] : details.items()) {
    out += OneLine(key) + ": " +
           OneLine(value.is_string() ? value.get<std::string>() : value.dump()) + "\r\n";
  }
  return out;
}

// libcurl's upload callback over an in-memory message.
struct Upload {
  const std::string* data;
  size_t pos = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, up->data->size() - up->pos);
  std::memcpy(buffer, up->data->data() + up->pos, n);
  up->pos += n;
  return n;
}

class SmtpNotifier final : public Notifier {
 public:
  SmtpNotifier(const Config& c, vault::Env& env, vault::SecureBuffer password)
      : url_(c.smtp_url),
        from_(c.smtp_from),
        user_(c.smtp_user),
        require_tls_(c.smtp_require_starttls),
        timeout_(c.notify_timeout),
        env_(env),
        password_(std::move(password)) {}

  Status Send(const Delivery& d) override {
    if (!IsPlausibleEmail(d.address)) return Status::InvalidArgument("smtp: bad recipient address");
    const std::string message = EmailMessage(d, from_, env_);
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return Status::Internal("smtp: curl_easy_init failed");
    CURL* h = curl.get();
    const std::string mail_from = "<" + from_ + ">";
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt(
        curl_slist_append(nullptr, ("<" + d.address + ">").c_str()), curl_slist_free_all);
    Upload upload{&message};
    const long timeout_ms = static_cast<long>(timeout_.count()) * 1000;
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_USE_SSL, require_tls_ ? CURLUSESSL_ALL : CURLUSESSL_TRY);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadUpload);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    // libcurl copies the password into its own (unlocked) memory; it lives
    // there only for this call.
    std::optional<vault::SecureBuffer> password;
    if (!user_.empty()) {
      password.emplace(password_.size() + 1);
      std::memcpy(password->data(), password_.data(), password_.size());
      curl_easy_setopt(h, CURLOPT_USERNAME, user_.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, reinterpret_cast<const char*>(password->data()));
    }
    const CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) return Status::OK();
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return Status::IOError(std::string("smtp: ") + curl_easy_strerror(rc) +
                           (code > 0 ? " (reply " + std::to_string(code) + ")" : ""));
  }

 private:
  const std::string url_, from_, user_;
  const bool require_tls_;
  const std::chrono::seconds timeout_;
  vault::Env& env_;
  const vault::SecureBuffer password_;
};

}  // namespace

std::string WebhookBody(const Delivery& d) {
  auto details = nlohmann::json::parse(d.details, nullptr, /*allow_exceptions=*/false);
  if (!details.is_object()) details = json::object();
  return json{{"text", d.text},
              {"kind", d.kind},
              {"details", details},
              {"notice_id", d.notice_id},
              {"created_ms", d.created_ms}}
      .dump();
}

std::string EmailMessage(const Delivery& d, const std::string& from, vault::Env& env) {
  uint8_t raw[8];
  env.RandomBytes(raw);
  const std::string domain = from.substr(from.find('@') + 1);
  // The first line is the subject; more lines (a digest's items) stay lines
  // of the body, which is base64 and so cannot start a header.
  std::string body;
  for (size_t pos = 0; pos <= d.text.size();) {
    const size_t end = std::min(d.text.find('\n', pos), d.text.size());
    body += OneLine(std::string_view(d.text).substr(pos, end - pos)) + "\r\n";
    pos = end + 1;
  }
  body +=
      "\r\n" + DetailsText(d.details) + "event: " + OneLine(d.kind) + "\r\n\r\n-- \r\nbaton\r\n";
  const std::string encoded = vault::crypto::ToBase64(vault::crypto::AsBytes(body));
  std::string out;
  out += "Date: " + RfcDate(env.Now()) + "\r\n";
  out += "From: baton <" + from + ">\r\n";
  out += "To: <" + d.address + ">\r\n";
  out += "Subject: " + EncodeHeaderText("[baton] " + OneLine(d.text.substr(0, d.text.find('\n')))) +
         "\r\n";
  out += "Message-ID: <notice-" + std::to_string(d.notice_id) + "." + std::to_string(d.id) + "." +
         vault::crypto::ToHex(raw) + "@" + domain + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "\r\n";
  for (size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

int64_t RetryDelayMs(const Config& config, int64_t attempts) {
  const int64_t base = config.notify_retry_base.count() * 1000;
  const int64_t cap = config.notify_retry_max.count() * 1000;
  int64_t delay = base;
  for (int64_t i = 1; i < attempts && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

std::unique_ptr<Notifier> NewWebhookNotifier(const Config& config) {
  auto url = vault::ParseUrl(config.webhook_url, {"http", "https"}, "webhook_url");
  if (!url) return nullptr;
  return std::make_unique<WebhookNotifier>(url->Origin(), url->path, config.notify_timeout);
}

std::unique_ptr<Notifier> NewSmtpNotifier(const Config& config, vault::Env& env,
                                          vault::SecureBuffer password) {
  static std::once_flag curl_once;
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<SmtpNotifier>(config, env, std::move(password));
}

Status ServerImpl::InitNotifications() {
  const Config& c = config_;
  if (!c.webhook_url.empty()) {
    webhook_notifier_ = NewWebhookNotifier(c);
    if (!webhook_notifier_) return Status::InvalidArgument("webhook_url is not a valid URL");
  }
  if (c.smtp_url.empty()) {
    if (!c.smtp_user.empty() || !c.smtp_password_file.empty()) {
      return Status::InvalidArgument("smtp_user and smtp_password_file need smtp_url");
    }
    return Status::OK();
  }
  if (c.smtp_from.empty()) return Status::InvalidArgument("smtp_url needs smtp_from");
  vault::SecureBuffer password;
  if (!c.smtp_password_file.empty()) {
    // The password may open a mailbox: refuse a file others can read.
    auto mode = env_.FileMode(c.smtp_password_file);
    if (!mode) return mode.error().WithContext("smtp_password_file");
    if ((*mode & 077) != 0) {
      return Status::PermissionDenied(
          "smtp_password_file must not be readable by others (chmod 600)");
    }
    auto bytes = env_.ReadFile(c.smtp_password_file);
    if (!bytes) return bytes.error().WithContext("smtp_password_file");
    size_t n = bytes->size();
    while (n > 0 && ((*bytes)[n - 1] == '\n' || (*bytes)[n - 1] == '\r')) --n;
    password = vault::SecureBuffer::CopyOf(std::span(bytes->data(), n));
    std::fill(bytes->begin(), bytes->end(), 0);
  } else if (deps_.smtp_password != nullptr) {
    password = vault::SecureBuffer::CopyOf(deps_.smtp_password->bytes());
  }
  if (c.smtp_user.empty() != password.empty()) {
    return Status::InvalidArgument(
        "smtp_user and a password (smtp_password_file or BATON_SMTP_PASSWORD) go together");
  }
  if (std::find(password.bytes().begin(), password.bytes().end(), 0) != password.bytes().end()) {
    return Status::InvalidArgument("the SMTP password contains a NUL byte");
  }
  if (!c.smtp_user.empty() && c.smtp_url.starts_with("smtp://") && !c.smtp_require_starttls) {
    return Status::InvalidArgument(
        "smtp_user over smtp:// needs smtp_require_starttls = true (or use smtps://): the "
        "password would cross the network in clear");
  }
  email_notifier_ = NewSmtpNotifier(c, env_, std::move(password));
  return Status::OK();
}

Status ServerImpl::TickNotifications() {
  // One deliverer at a time; a tick that finds another at work leaves the
  // due deliveries to it.
  std::unique_lock lock(notify_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return Status::OK();
  // Otherwise the outbox grows for ever. A failure here holds back no
  // delivery.
  const int64_t keep_ms = std::chrono::milliseconds(config_.notice_retention).count();
  Status result = vault_.Write([&](vault::WriteTxn& t) -> Status {
    auto pruned = t.PruneNotices({"server"}, Millis(env_.Now()) - keep_ms);
    return pruned ? Status::OK() : pruned.error();
  });
  if (!result.ok()) result = result.WithContext("notices");
  std::vector<Delivery> due;
  if (Status s = vault_.Read([&](vault::ReadTxn& t) -> Status {
        auto d = t.ListDueDeliveries(Millis(env_.Now()), kDeliveriesPerTick);
        if (!d) return d.error();
        due = std::move(*d);
        return Status::OK();
      });
      !s.ok()) {
    return s.WithContext("notices");
  }
  // batond's timer runs the emergency transitions and this in turn, so a
  // dead receiver must not hold the timer: after a failure a channel waits
  // for the next tick (uncounted), and a tick stops delivering after its
  // time budget.
  const auto deadline = env_.MonotonicNow() + kTickBudget;
  bool webhook_failed = false, email_failed = false;
  for (const Delivery& d : due) {
    const bool webhook = d.channel == DeliveryChannel::kWebhook;
    if (env_.MonotonicNow() >= deadline) break;
    if (webhook ? webhook_failed : email_failed) continue;
    Notifier* notifier = webhook ? webhook_notifier_.get() : email_notifier_.get();
    DeliveryState state = DeliveryState::kDelivered;
    std::string error;
    int64_t next_ms = 0;
    if (notifier == nullptr) {
      state = DeliveryState::kSkipped;
      error = webhook ? "no webhook_url configured" : "no smtp_url configured";
    } else if (Status sent = notifier->Send(d); !sent.ok()) {
      (webhook ? webhook_failed : email_failed) = true;
      error = sent.message();
      const int64_t attempts = d.attempts + 1;
      if (attempts >= config_.notify_max_attempts) {
        state = DeliveryState::kFailed;
      } else {
        state = DeliveryState::kPending;
        next_ms = Millis(env_.Now()) + RetryDelayMs(config_, attempts);
      }
      std::clog << "batond: notice " << d.notice_id << " " << vault::DeliveryChannelName(d.channel)
                << " delivery " << d.id << " attempt " << attempts << " of "
                << config_.notify_max_attempts << " failed: " << error
                << (state == DeliveryState::kFailed ? "; giving up" : "") << "\n";
    }
    metrics_.CountDelivery(
        std::string(vault::DeliveryChannelName(d.channel)),
        state == DeliveryState::kPending ? "retry" : std::string(vault::DeliveryStateName(state)));
    if (Status s = vault_.Write([&](vault::WriteTxn& t) {
          return t.RecordDeliveryAttempt(d.id, state, error, next_ms);
        });
        !s.ok() && result.ok()) {
      result = s.WithContext("notices");
    }
  }
  return result;
}

}  // namespace internal
}  // namespace server
