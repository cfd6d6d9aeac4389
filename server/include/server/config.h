// batond configuration: defaults, then a config file, then BATON_*
// environment variables, then command-line flags (later wins).
#ifndef BATON_SERVER_CONFIG_H_
#define BATON_SERVER_CONFIG_H_

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "vault/status.h"

namespace CLI {
class App;
}

namespace server {

struct Config {
  std::string data_dir = "./var/baton";
  std::string listen_host = "127.0.0.1";
  int port = 8443;                  // 0: the OS picks (tests)
  size_t max_body_bytes = 1 << 20;  // per request
  std::chrono::seconds read_timeout{5};
  std::chrono::seconds write_timeout{5};
  std::chrono::seconds keep_alive_timeout{5};
  size_t keep_alive_max_requests = 1000;
  size_t min_threads = 8;
  size_t max_threads = 1024;  // one per open connection at most
  std::chrono::seconds session_ttl{12 * 3600};
  std::chrono::seconds challenge_ttl{60};
  std::chrono::seconds invite_ttl{7 * 24 * 3600};
  int max_failed_logins = 5;                          // per member and per address...
  std::chrono::seconds failed_login_window{15 * 60};  // ...within this window
  bool log_requests = true;

  // Notices to people (emergency access, reminders). An empty URL turns its
  // channel off.
  std::string webhook_url;                      // http:// or https://; JSON POST, Slack-compatible
  std::string smtp_url;                         // smtp://host[:port] or smtps://host[:port]
  std::string smtp_from;                        // the From: address of notice e-mails
  std::string smtp_user;                        // empty: no SMTP authentication
  std::string smtp_password_file;               // 0600 file holding the SMTP password (or
                                                // BATON_SMTP_PASSWORD in batond's environment)
  bool smtp_require_starttls = true;            // smtp:// must upgrade to TLS or fail
  std::chrono::seconds notify_timeout{10};      // per attempt, connect and transfer
  int notify_max_attempts = 8;                  // then a delivery is given up
  std::chrono::seconds notify_retry_base{60};   // first retry; doubles each time...
  std::chrono::seconds notify_retry_max{3600};  // ...up to this
  // Notices whose deliveries are all over are deleted this long after they
  // were queued; one still pending is kept.
  std::chrono::days notice_retention{30};
  // How long a released emergency grant stays open unless the grant says
  // otherwise (DESIGN.md §6).
  std::chrono::hours emergency_access_window{72};
  // /metrics shows when emergency routes are used: without a token file it
  // answers 404; with one, only "Authorization: Bearer <the token>".
  std::string metrics_token_file;  // 0600, non-empty
  // Reads reported by one member's offline clients per UTC day; past it,
  // POST /v1/offline-reads answers 429.
  int64_t offline_reads_per_day = 5000;
  // Backups (batond backup, and the schedule of batond serve) are encrypted
  // to these age recipients ("age1…"), plus the store's
  // recovery_age_recipient setting if set. Only ever from the config.
  std::vector<std::string> backup_recipients;
  // batond serve writes a backup into backup_dir (off while empty) every
  // backup_interval, keeping the newest backup_keep.
  std::string backup_dir;
  std::chrono::hours backup_interval{24};
  int backup_keep = 7;
  // Rotation reminder digests (docs/reminders.md): sent from
  // reminder_hour_utc each UTC day; "due soon" is reminder_lead_days ahead;
  // admins hear of items overdue reminder_escalate_days or longer.
  bool reminders = true;
  int reminder_hour_utc = 8;
  int reminder_lead_days = 7;
  int reminder_escalate_days = 7;
};

// Reads "key = value" lines (# comments) into `config`. Keys are the
// BATON_* names without the prefix, lower-case: data_dir, listen_host,
// port, max_body_bytes, read_timeout_s, ... (see packaging/batond.conf).
// InvalidArgument names the line of an unknown key or a bad value.
vault::Status ApplyConfigText(const std::string& text, Config& config);
// Applies BATON_DATA_DIR, BATON_LISTEN_HOST, BATON_PORT, ... from `environ`.
vault::Status ApplyEnvironment(const std::map<std::string, std::string>& environ, Config& config);
// Applies one setting by its config-file key.
vault::Status ApplySetting(const std::string& key, const std::string& value, Config& config);
// Adds a flag for every setting to `command` (--port, --read-timeout-s, ...;
// --data and --listen for data_dir and listen_host): each value given is
// recorded in `values` under the setting's key, for ApplySetting after the
// config file and the environment. Settings are listed once, in config.cc.
void AddSettingFlags(CLI::App& command, std::map<std::string, std::string>& values);

}  // namespace server

#endif  // BATON_SERVER_CONFIG_H_
