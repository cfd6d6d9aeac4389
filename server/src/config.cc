#include "server/config.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <sstream>
#include <string_view>
#include <type_traits>

#include <CLI/CLI.hpp>

#include "backup/age.h"
#include "notifier.h"
#include "vault/url.h"

namespace server {
namespace {

using vault::Status;

template <typename T>
Status ParseNumber(std::string_view key, const std::string& value, T min, T max, T& out) {
  T v{};
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size() || v < min || v > max) {
    return Status::InvalidArgument(std::string(key) + " must be a whole number from " +
                                   std::to_string(min) + " to " + std::to_string(max));
  }
  out = v;
  return Status::OK();
}

Status ParseSeconds(std::string_view key, const std::string& value, int64_t max,
                    std::chrono::seconds& out) {
  int64_t v = 0;
  if (Status s = ParseNumber<int64_t>(key, value, 1, max, v); !s.ok()) return s;
  out = std::chrono::seconds(v);
  return Status::OK();
}

Status ParseBool(std::string_view key, const std::string& value, bool& out) {
  if (value == "true" || value == "1" || value == "yes") {
    out = true;
  } else if (value == "false" || value == "0" || value == "no") {
    out = false;
  } else {
    return Status::InvalidArgument(std::string(key) + " must be true or false");
  }
  return Status::OK();
}

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// A URL of one of `schemes`, or "" (the channel is off).
Status CheckUrl(std::string_view key, const std::string& value,
                std::initializer_list<std::string_view> schemes) {
  if (value.empty()) return Status::OK();
  auto url = vault::ParseUrl(value, schemes, key);
  return url ? Status::OK() : url.error();
}

constexpr int64_t kDay = 86400;

// Field setters by kind, so that each setting below is one line.
template <auto kField, auto kMin, auto kMax>
Status Number(std::string_view key, const std::string& value, Config& c) {
  using T = std::remove_reference_t<decltype(c.*kField)>;
  return ParseNumber<T>(key, value, kMin, kMax, c.*kField);
}

template <auto kField, int64_t kMax>
Status Seconds(std::string_view key, const std::string& value, Config& c) {
  return ParseSeconds(key, value, kMax, c.*kField);
}

template <auto kField>
Status Bool(std::string_view key, const std::string& value, Config& c) {
  return ParseBool(key, value, c.*kField);
}

template <auto kField>
Status NonEmpty(std::string_view key, const std::string& value, Config& c) {
  if (value.empty()) return Status::InvalidArgument(std::string(key) + " must not be empty");
  c.*kField = value;
  return Status::OK();
}

template <auto kField>
Status Any(std::string_view, const std::string& value, Config& c) {
  c.*kField = value;
  return Status::OK();
}

Status WebhookUrl(std::string_view key, const std::string& value, Config& c) {
  if (Status s = CheckUrl(key, value, {"http", "https"}); !s.ok()) return s;
  c.webhook_url = value;
  return Status::OK();
}

Status SmtpUrl(std::string_view key, const std::string& value, Config& c) {
  if (Status s = CheckUrl(key, value, {"smtp", "smtps"}); !s.ok()) return s;
  c.smtp_url = value;
  return Status::OK();
}

Status SmtpFrom(std::string_view, const std::string& value, Config& c) {
  if (!value.empty() && !IsPlausibleEmail(value)) {
    return Status::InvalidArgument("smtp_from must be an e-mail address (name@example.org)");
  }
  c.smtp_from = value;
  return Status::OK();
}

Status SmtpUser(std::string_view, const std::string& value, Config& c) {
  if (value.size() > 256 || std::any_of(value.begin(), value.end(), [](char ch) {
        return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
      })) {
    return Status::InvalidArgument("smtp_user must be at most 256 printable bytes");
  }
  c.smtp_user = value;
  return Status::OK();
}

Status NoticeRetention(std::string_view key, const std::string& value, Config& c) {
  int64_t d = 0;
  if (Status s = ParseNumber<int64_t>(key, value, 1, 3650, d); !s.ok()) return s;
  c.notice_retention = std::chrono::days(d);
  return Status::OK();
}

template <auto kField, int64_t kMax>
Status Hours(std::string_view key, const std::string& value, Config& c) {
  int64_t h = 0;
  if (Status s = ParseNumber<int64_t>(key, value, 1, kMax, h); !s.ok()) return s;
  c.*kField = std::chrono::hours(h);
  return Status::OK();
}

// A list of "age1…" recipients, separated by commas or spaces.
Status BackupRecipients(std::string_view key, const std::string& value, Config& c) {
  std::vector<std::string> out;
  std::istringstream words(value);
  std::string word;
  while (std::getline(words, word, ',')) {
    std::istringstream parts(word);
    std::string r;
    while (parts >> r) {
      if (auto parsed = backup::age::Recipient::Parse(r); !parsed) {
        return Status::InvalidArgument(std::string(key) + ": " + parsed.error().message());
      }
      out.push_back(r);
    }
  }
  c.backup_recipients = std::move(out);
  return Status::OK();
}

// Every setting, once: the config file's keys, the BATON_* variables and
// batond serve's flags all come from this table.
struct Setting {
  std::string_view key;
  std::string_view flags;  // CLI11 names: "--key-with-dashes" and any short alias
  std::string_view help;
  Status (*apply)(std::string_view key, const std::string& value, Config& c);
};

constexpr Setting kSettings[] = {
    {"data_dir", "--data,--data-dir", "Data dir (default ./var/baton)",
     NonEmpty<&Config::data_dir>},
    {"listen_host", "--listen,--listen-host", "Address to bind (default 127.0.0.1)",
     NonEmpty<&Config::listen_host>},
    {"port", "--port", "Port (default 8443; 0 lets the OS pick)", Number<&Config::port, 0, 65535>},
    {"max_body_bytes", "--max-body-bytes", "Largest request body",
     Number<&Config::max_body_bytes, size_t{1024}, size_t{64} << 20>},
    {"read_timeout_s", "--read-timeout-s", "Seconds to read a request (default 5)",
     Seconds<&Config::read_timeout, 300>},
    {"write_timeout_s", "--write-timeout-s", "Seconds to write an answer (default 5)",
     Seconds<&Config::write_timeout, 300>},
    {"keep_alive_timeout_s", "--keep-alive-timeout-s",
     "Idle seconds before a connection closes (default 5)",
     Seconds<&Config::keep_alive_timeout, 300>},
    {"keep_alive_max_requests", "--keep-alive-max-requests",
     "Requests per connection (default 1000)",
     Number<&Config::keep_alive_max_requests, size_t{1}, size_t{1'000'000}>},
    {"min_threads", "--min-threads", "Worker threads kept (default 8)",
     Number<&Config::min_threads, size_t{1}, size_t{256}>},
    {"max_threads", "--max-threads", "Worker threads at most (default 1024)",
     Number<&Config::max_threads, size_t{1}, size_t{16384}>},
    {"session_ttl_s", "--session-ttl-s", "Session lifetime in seconds (default 43200)",
     Seconds<&Config::session_ttl, 30 * kDay>},
    {"challenge_ttl_s", "--challenge-ttl-s", "Login challenge lifetime in seconds (default 60)",
     Seconds<&Config::challenge_ttl, 3600>},
    {"invite_ttl_s", "--invite-ttl-s", "Invite lifetime in seconds (default 604800)",
     Seconds<&Config::invite_ttl, 90 * kDay>},
    {"max_failed_logins", "--max-failed-logins",
     "Failed logins allowed per window, per (member, address) or per address for "
     "unknown nonces (default 5)",
     Number<&Config::max_failed_logins, 1, 1000>},
    {"failed_login_window_s", "--failed-login-window-s",
     "Failed-login window in seconds (default 900)", Seconds<&Config::failed_login_window, kDay>},
    {"log_requests", "--log-requests", "true or false", Bool<&Config::log_requests>},
    {"webhook_url", "--webhook-url", "http(s) URL for notices", WebhookUrl},
    {"smtp_url", "--smtp-url", "smtp:// or smtps:// URL for notice e-mails", SmtpUrl},
    {"smtp_from", "--smtp-from", "From: address of notice e-mails", SmtpFrom},
    {"smtp_user", "--smtp-user", "SMTP user name", SmtpUser},
    {"smtp_password_file", "--smtp-password-file", "0600 file holding the SMTP password",
     Any<&Config::smtp_password_file>},
    {"smtp_require_starttls", "--smtp-require-starttls", "true or false",
     Bool<&Config::smtp_require_starttls>},
    {"notify_timeout_s", "--notify-timeout-s", "Seconds per notice delivery attempt (default 10)",
     Seconds<&Config::notify_timeout, 120>},
    {"notify_max_attempts", "--notify-max-attempts",
     "Delivery attempts before giving up (default 8)",
     Number<&Config::notify_max_attempts, 1, 100>},
    {"notify_retry_base_s", "--notify-retry-base-s",
     "First retry after seconds, doubling (default 60)", Seconds<&Config::notify_retry_base, kDay>},
    {"notify_retry_max_s", "--notify-retry-max-s", "Longest retry delay in seconds (default 3600)",
     Seconds<&Config::notify_retry_max, 7 * kDay>},
    {"emergency_access_window_h", "--emergency-access-window-h",
     "Hours a released grant stays open (default 72)",
     Hours<&Config::emergency_access_window, 720>},
    {"notice_retention_days", "--notice-retention-days",
     "Days finished notices are kept (default 30)", NoticeRetention},
    {"metrics_token_file", "--metrics-token-file",
     "0600 file holding the bearer token /metrics asks for (unset: /metrics is off)",
     Any<&Config::metrics_token_file>},
    {"offline_reads_per_day", "--offline-reads-per-day",
     "Offline reads one member may report per UTC day (default 5000)",
     Number<&Config::offline_reads_per_day, int64_t{1}, int64_t{1'000'000}>},
    {"backup_recipients", "--backup-recipients",
     "age recipients (age1..., comma-separated) every backup is encrypted to", BackupRecipients},
    {"backup_dir", "--backup-dir", "Directory of scheduled backups (unset: no schedule)",
     Any<&Config::backup_dir>},
    {"backup_interval_h", "--backup-interval-h", "Hours between scheduled backups (default 24)",
     Hours<&Config::backup_interval, 8760>},
    {"backup_keep", "--backup-keep", "Scheduled backups kept (default 7)",
     Number<&Config::backup_keep, 1, 1000>},
    {"reminders", "--reminders", "Send rotation reminder digests: true or false (default true)",
     Bool<&Config::reminders>},
    {"reminder_hour_utc", "--reminder-hour-utc",
     "UTC hour from which each day's reminder digests go out (default 8)",
     Number<&Config::reminder_hour_utc, 0, 23>},
    {"reminder_lead_days", "--reminder-lead-days",
     "Days ahead an item counts as due soon (default 7)",
     Number<&Config::reminder_lead_days, 0, 365>},
    {"reminder_escalate_days", "--reminder-escalate-days",
     "Days overdue before owners and admins get the item too (default 7)",
     Number<&Config::reminder_escalate_days, 1, 365>},
};

const Setting* FindSetting(std::string_view key) {
  for (const Setting& s : kSettings) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

}  // namespace

Status ApplySetting(const std::string& key, const std::string& value, Config& c) {
  const Setting* setting = FindSetting(key);
  if (setting == nullptr) return Status::InvalidArgument("unknown setting " + key);
  return setting->apply(setting->key, value, c);
}

void AddSettingFlags(CLI::App& command, std::map<std::string, std::string>& values) {
  for (const Setting& s : kSettings) {
    const std::string key(s.key);
    command
        .add_option_function<std::string>(
            std::string(s.flags), [&values, key](const std::string& v) { values[key] = v; },
            std::string(s.help))
        ->type_name("VALUE");
  }
}

Status ApplyConfigText(const std::string& text, Config& config) {
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string t = Trim(line.substr(0, line.find('#')));
    if (t.empty()) continue;
    const auto eq = t.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument("config line " + std::to_string(number) +
                                     ": expected key = value");
    }
    if (Status s = ApplySetting(Trim(t.substr(0, eq)), Trim(t.substr(eq + 1)), config); !s.ok()) {
      return s.WithContext("config line " + std::to_string(number));
    }
  }
  return Status::OK();
}

Status ApplyEnvironment(const std::map<std::string, std::string>& environ, Config& config) {
  constexpr std::string_view kPrefix = "BATON_";
  for (const auto& [name, value] : environ) {
    if (!name.starts_with(kPrefix)) continue;
    std::string key = name.substr(kPrefix.size());
    for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    // Other BATON_* variables (e.g. the client's) are not ours to reject.
    if (FindSetting(key) == nullptr) continue;
    if (Status s = ApplySetting(key, value, config); !s.ok()) return s.WithContext(name);
  }
  return Status::OK();
}

}  // namespace server
