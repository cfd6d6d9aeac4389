#include "server/config.h"

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <sstream>
#include <string_view>

#include "notifier.h"

namespace server {
namespace {

using vault::Status;

template <typename T>
Status ParseNumber(const std::string& key, const std::string& value, T min, T max, T& out) {
  T v{};
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size() || v < min || v > max) {
    return Status::InvalidArgument(key + " must be a whole number from " + std::to_string(min) +
                                   " to " + std::to_string(max));
  }
  out = v;
  return Status::OK();
}

Status ParseSeconds(const std::string& key, const std::string& value, int64_t max,
                    std::chrono::seconds& out) {
  int64_t v = 0;
  if (Status s = ParseNumber<int64_t>(key, value, 1, max, v); !s.ok()) return s;
  out = std::chrono::seconds(v);
  return Status::OK();
}

Status ParseBool(const std::string& key, const std::string& value, bool& out) {
  if (value == "true" || value == "1" || value == "yes") {
    out = true;
  } else if (value == "false" || value == "0" || value == "no") {
    out = false;
  } else {
    return Status::InvalidArgument(key + " must be true or false");
  }
  return Status::OK();
}

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

constexpr int64_t kDay = 86400;

constexpr std::string_view kKeys[] = {
    "data_dir",        "listen_host",          "port",
    "max_body_bytes",  "read_timeout_s",       "write_timeout_s",
    "keep_alive_timeout_s", "keep_alive_max_requests", "min_threads",
    "max_threads",     "session_ttl_s",        "challenge_ttl_s",
    "invite_ttl_s",    "max_failed_logins",    "failed_login_window_s",
    "log_requests",
    "webhook_url",     "smtp_url",             "smtp_from",
    "smtp_user",       "smtp_password_file",   "smtp_require_starttls",
    "notify_timeout_s", "notify_max_attempts", "notify_retry_base_s",
    "notify_retry_max_s", "emergency_access_window_h", "notice_retention_days",
};

// A URL of one of `schemes` with a host and nothing that could split a
// header or a command line; "" (the channel is off) is fine too.
Status CheckUrl(const std::string& key, const std::string& value,
                std::initializer_list<std::string_view> schemes) {
  if (value.empty()) return Status::OK();
  bool scheme_ok = false;
  for (std::string_view scheme : schemes) {
    if (value.starts_with(scheme) && value.size() > scheme.size() && value[scheme.size()] != '/') {
      scheme_ok = true;
    }
  }
  const bool clean = std::all_of(value.begin(), value.end(), [](char ch) {
    return static_cast<unsigned char>(ch) > 0x20 && ch != 0x7f;
  });
  if (!scheme_ok || !clean || value.size() > 2048) {
    std::string names;
    for (std::string_view scheme : schemes) names += (names.empty() ? "" : " or ") + std::string(scheme);
    return Status::InvalidArgument(key + " must be a " + names + " URL");
  }
  return Status::OK();
}

bool IsKey(std::string_view key) {
  return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
}

}  // namespace

Status ApplySetting(const std::string& key, const std::string& value, Config& c) {
  if (key == "data_dir") {
    if (value.empty()) return Status::InvalidArgument("data_dir must not be empty");
    c.data_dir = value;
    return Status::OK();
  }
  if (key == "listen_host") {
    if (value.empty()) return Status::InvalidArgument("listen_host must not be empty");
    c.listen_host = value;
    return Status::OK();
  }
  if (key == "port") return ParseNumber(key, value, 0, 65535, c.port);
  if (key == "max_body_bytes") {
    return ParseNumber<size_t>(key, value, 1024, size_t{64} << 20, c.max_body_bytes);
  }
  if (key == "read_timeout_s") return ParseSeconds(key, value, 300, c.read_timeout);
  if (key == "write_timeout_s") return ParseSeconds(key, value, 300, c.write_timeout);
  if (key == "keep_alive_timeout_s") return ParseSeconds(key, value, 300, c.keep_alive_timeout);
  if (key == "keep_alive_max_requests") {
    return ParseNumber<size_t>(key, value, 1, 1'000'000, c.keep_alive_max_requests);
  }
  if (key == "min_threads") return ParseNumber<size_t>(key, value, 1, 256, c.min_threads);
  if (key == "max_threads") return ParseNumber<size_t>(key, value, 1, 16384, c.max_threads);
  if (key == "session_ttl_s") return ParseSeconds(key, value, 30 * kDay, c.session_ttl);
  if (key == "challenge_ttl_s") return ParseSeconds(key, value, 3600, c.challenge_ttl);
  if (key == "invite_ttl_s") return ParseSeconds(key, value, 90 * kDay, c.invite_ttl);
  if (key == "max_failed_logins") return ParseNumber(key, value, 1, 1000, c.max_failed_logins);
  if (key == "failed_login_window_s") {
    return ParseSeconds(key, value, kDay, c.failed_login_window);
  }
  if (key == "log_requests") return ParseBool(key, value, c.log_requests);
  if (key == "webhook_url") {
    if (Status s = CheckUrl(key, value, {"http://", "https://"}); !s.ok()) return s;
    c.webhook_url = value;
    return Status::OK();
  }
  if (key == "smtp_url") {
    if (Status s = CheckUrl(key, value, {"smtp://", "smtps://"}); !s.ok()) return s;
    c.smtp_url = value;
    return Status::OK();
  }
  if (key == "smtp_from") {
    if (!value.empty() && !IsPlausibleEmail(value)) {
      return Status::InvalidArgument("smtp_from must be an e-mail address (name@example.org)");
    }
    c.smtp_from = value;
    return Status::OK();
  }
  if (key == "smtp_user") {
    if (value.size() > 256 || std::any_of(value.begin(), value.end(), [](char ch) {
          return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
        })) {
      return Status::InvalidArgument("smtp_user must be at most 256 printable bytes");
    }
    c.smtp_user = value;
    return Status::OK();
  }
  if (key == "smtp_password_file") {
    c.smtp_password_file = value;
    return Status::OK();
  }
  if (key == "smtp_require_starttls") return ParseBool(key, value, c.smtp_require_starttls);
  if (key == "notify_timeout_s") return ParseSeconds(key, value, 120, c.notify_timeout);
  if (key == "notify_max_attempts") return ParseNumber(key, value, 1, 100, c.notify_max_attempts);
  if (key == "notify_retry_base_s") return ParseSeconds(key, value, kDay, c.notify_retry_base);
  if (key == "notify_retry_max_s") return ParseSeconds(key, value, 7 * kDay, c.notify_retry_max);
  if (key == "notice_retention_days") {
    int64_t d = 0;
    if (Status s = ParseNumber<int64_t>(key, value, 1, 3650, d); !s.ok()) return s;
    c.notice_retention = std::chrono::days(d);
    return Status::OK();
  }
  if (key == "emergency_access_window_h") {
    int64_t h = 0;
    if (Status s = ParseNumber<int64_t>(key, value, 1, 720, h); !s.ok()) return s;
    c.emergency_access_window = std::chrono::hours(h);
    return Status::OK();
  }
  return Status::InvalidArgument("unknown setting " + key);
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
    if (!IsKey(key)) continue;
    if (Status s = ApplySetting(key, value, config); !s.ok()) return s.WithContext(name);
  }
  return Status::OK();
}

}  // namespace server
