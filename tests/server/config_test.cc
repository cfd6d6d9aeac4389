// batond configuration: defaults, the config file format, BATON_*
// environment variables and single settings (server/config.h).
#include "server/config.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include <map>
#include <string>

#include "test_util.h"

namespace {

using server::ApplyConfigText;
using server::ApplyEnvironment;
using server::ApplySetting;
using server::Config;
using std::chrono::seconds;

// The message of a failed Status; "" when it succeeded.
std::string ErrorOf(const vault::Status& s) { return s.ok() ? "" : s.message(); }

TEST(ConfigTest, Defaults) {
  const Config c;
  EXPECT_EQ(c.data_dir, "./var/baton");
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.port, 8443);
  EXPECT_EQ(c.max_body_bytes, size_t{1} << 20);
  EXPECT_EQ(c.read_timeout, seconds(5));
  EXPECT_EQ(c.write_timeout, seconds(5));
  EXPECT_EQ(c.keep_alive_timeout, seconds(5));
  EXPECT_EQ(c.keep_alive_max_requests, 1000u);
  EXPECT_EQ(c.min_threads, 8u);
  EXPECT_EQ(c.max_threads, 1024u);
  EXPECT_EQ(c.session_ttl, seconds(12 * 3600));
  EXPECT_EQ(c.challenge_ttl, seconds(60));
  EXPECT_EQ(c.invite_ttl, seconds(7 * 24 * 3600));
  EXPECT_EQ(c.max_failed_logins, 5);
  EXPECT_EQ(c.failed_login_window, seconds(15 * 60));
  EXPECT_TRUE(c.log_requests);
}

TEST(ConfigTest, EmptyTextChangesNothing) {
  Config c;
  ASSERT_OK(ApplyConfigText("", c));
  ASSERT_OK(ApplyConfigText("\n\n   \n\t\n", c));
  EXPECT_EQ(c.port, 8443);
  EXPECT_EQ(c.data_dir, "./var/baton");
}

TEST(ConfigTest, EveryKeyFromAFile) {
  Config c;
  ASSERT_OK(ApplyConfigText(R"(# batond.conf
data_dir = /srv/baton
listen_host = 0.0.0.0
port = 9443
max_body_bytes = 2048
read_timeout_s = 7
write_timeout_s = 8
keep_alive_timeout_s = 9
keep_alive_max_requests = 50
min_threads = 4
max_threads = 64
session_ttl_s = 3600
challenge_ttl_s = 30
invite_ttl_s = 86400
max_failed_logins = 3
failed_login_window_s = 600
log_requests = false
)",
                            c));
  EXPECT_EQ(c.data_dir, "/srv/baton");
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.port, 9443);
  EXPECT_EQ(c.max_body_bytes, 2048u);
  EXPECT_EQ(c.read_timeout, seconds(7));
  EXPECT_EQ(c.write_timeout, seconds(8));
  EXPECT_EQ(c.keep_alive_timeout, seconds(9));
  EXPECT_EQ(c.keep_alive_max_requests, 50u);
  EXPECT_EQ(c.min_threads, 4u);
  EXPECT_EQ(c.max_threads, 64u);
  EXPECT_EQ(c.session_ttl, seconds(3600));
  EXPECT_EQ(c.challenge_ttl, seconds(30));
  EXPECT_EQ(c.invite_ttl, seconds(86400));
  EXPECT_EQ(c.max_failed_logins, 3);
  EXPECT_EQ(c.failed_login_window, seconds(600));
  EXPECT_FALSE(c.log_requests);
}

TEST(ConfigTest, EmergencyAccessWindow) {
  Config c;
  EXPECT_EQ(c.emergency_access_window, std::chrono::hours(72));
  ASSERT_OK(ApplySetting("emergency_access_window_h", "24", c));
  EXPECT_EQ(c.emergency_access_window, std::chrono::hours(24));
  for (const char* bad : {"0", "721", "-1", "x"}) {
    EXPECT_STATUS(ApplySetting("emergency_access_window_h", bad, c), kInvalidArgument) << bad;
  }
  EXPECT_EQ(c.emergency_access_window, std::chrono::hours(24));
}

TEST(ConfigTest, NoticeRetention) {
  Config c;
  EXPECT_EQ(c.notice_retention, std::chrono::days(30));
  ASSERT_OK(ApplySetting("notice_retention_days", "1", c));
  EXPECT_EQ(c.notice_retention, std::chrono::days(1));
  ASSERT_OK(ApplySetting("notice_retention_days", "3650", c));
  EXPECT_EQ(c.notice_retention, std::chrono::days(3650));
  ASSERT_OK(ApplyEnvironment({{"BATON_NOTICE_RETENTION_DAYS", "7"}}, c));
  EXPECT_EQ(c.notice_retention, std::chrono::days(7));
  for (const char* bad : {"0", "3651", "-1", "", "7d", "1.5", " 7", "99999999999999999999"}) {
    vault::Status s = ApplySetting("notice_retention_days", bad, c);
    EXPECT_STATUS(s, kInvalidArgument) << bad;
    EXPECT_EQ(ErrorOf(s), "notice_retention_days must be a whole number from 1 to 3650") << bad;
  }
  vault::Status in_file = ApplyConfigText("port = 1\nnotice_retention_days = 0\n", c);
  EXPECT_STATUS(in_file, kInvalidArgument);
  EXPECT_NE(ErrorOf(in_file).find("line 2"), std::string::npos) << ErrorOf(in_file);
  EXPECT_EQ(c.notice_retention, std::chrono::days(7)) << "a refused value changes nothing";
}

TEST(ConfigTest, CommentsBlankLinesAndWhitespace) {
  Config c;
  ASSERT_OK(
      ApplyConfigText("# a comment\n"
                      "\n"
                      "   # an indented comment\n"
                      "\tport\t=\t1234\t\r\n"
                      "listen_host=::1   # trailing comment\n"
                      "   \r\n"
                      "min_threads =2\n"
                      "max_threads= 3",  // no final newline
                      c));
  EXPECT_EQ(c.port, 1234);
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.min_threads, 2u);
  EXPECT_EQ(c.max_threads, 3u);
}

TEST(ConfigTest, LaterLinesWin) {
  Config c;
  ASSERT_OK(ApplyConfigText("port = 1\nport = 2\n", c));
  EXPECT_EQ(c.port, 2);
}

TEST(ConfigTest, BooleanSpellings) {
  Config c;
  for (const char* v : {"false", "0", "no"}) {
    c.log_requests = true;
    ASSERT_OK(ApplySetting("log_requests", v, c)) << v;
    EXPECT_FALSE(c.log_requests) << v;
  }
  for (const char* v : {"true", "1", "yes"}) {
    c.log_requests = false;
    ASSERT_OK(ApplySetting("log_requests", v, c)) << v;
    EXPECT_TRUE(c.log_requests) << v;
  }
}

TEST(ConfigTest, RangeLimitsAreInclusive) {
  Config c;
  ASSERT_OK(ApplySetting("port", "0", c));
  EXPECT_EQ(c.port, 0);
  ASSERT_OK(ApplySetting("port", "65535", c));
  EXPECT_EQ(c.port, 65535);
  ASSERT_OK(ApplySetting("max_body_bytes", "1024", c));
  ASSERT_OK(ApplySetting("max_body_bytes", std::to_string(size_t{64} << 20), c));
  EXPECT_EQ(c.max_body_bytes, size_t{64} << 20);
  ASSERT_OK(ApplySetting("read_timeout_s", "1", c));
  ASSERT_OK(ApplySetting("read_timeout_s", "300", c));
  EXPECT_EQ(c.read_timeout, seconds(300));
  ASSERT_OK(ApplySetting("session_ttl_s", std::to_string(30 * 86400), c));
  ASSERT_OK(ApplySetting("failed_login_window_s", "86400", c));
  ASSERT_OK(ApplySetting("max_threads", "16384", c));
}

struct BadValue {
  const char* key;
  const char* value;
};

void PrintTo(const BadValue& v, std::ostream* os) { *os << v.key << " = \"" << v.value << "\""; }

class ConfigBadValueTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(ConfigBadValueTest, IsInvalidArgumentNamingTheKeyAndChangesNothing) {
  const BadValue& p = GetParam();
  const Config before;
  Config c;
  vault::Status s = ApplySetting(p.key, p.value, c);
  EXPECT_STATUS(s, kInvalidArgument);
  EXPECT_NE(ErrorOf(s).find(p.key), std::string::npos) << ErrorOf(s);
  // Nothing changed.
  EXPECT_EQ(c.data_dir, before.data_dir);
  EXPECT_EQ(c.listen_host, before.listen_host);
  EXPECT_EQ(c.port, before.port);
  EXPECT_EQ(c.max_body_bytes, before.max_body_bytes);
  EXPECT_EQ(c.read_timeout, before.read_timeout);
  EXPECT_EQ(c.write_timeout, before.write_timeout);
  EXPECT_EQ(c.keep_alive_timeout, before.keep_alive_timeout);
  EXPECT_EQ(c.keep_alive_max_requests, before.keep_alive_max_requests);
  EXPECT_EQ(c.min_threads, before.min_threads);
  EXPECT_EQ(c.max_threads, before.max_threads);
  EXPECT_EQ(c.session_ttl, before.session_ttl);
  EXPECT_EQ(c.challenge_ttl, before.challenge_ttl);
  EXPECT_EQ(c.invite_ttl, before.invite_ttl);
  EXPECT_EQ(c.max_failed_logins, before.max_failed_logins);
  EXPECT_EQ(c.failed_login_window, before.failed_login_window);
  EXPECT_EQ(c.log_requests, before.log_requests);
}

INSTANTIATE_TEST_SUITE_P(
    All, ConfigBadValueTest,
    ::testing::Values(BadValue{"data_dir", ""}, BadValue{"listen_host", ""}, BadValue{"port", ""},
                      BadValue{"port", "-1"}, BadValue{"port", "65536"}, BadValue{"port", "80a"},
                      BadValue{"port", "0x50"}, BadValue{"port", "+80"}, BadValue{"port", "8 0"},
                      BadValue{"port", "99999999999999999999"}, BadValue{"max_body_bytes", "1023"},
                      BadValue{"max_body_bytes", "-1"}, BadValue{"max_body_bytes", "67108865"},
                      BadValue{"read_timeout_s", "0"}, BadValue{"read_timeout_s", "301"},
                      BadValue{"read_timeout_s", "1.5"}, BadValue{"write_timeout_s", "0"},
                      BadValue{"keep_alive_timeout_s", "301"},
                      BadValue{"keep_alive_max_requests", "0"}, BadValue{"min_threads", "0"},
                      BadValue{"min_threads", "257"}, BadValue{"max_threads", "0"},
                      BadValue{"max_threads", "16385"}, BadValue{"session_ttl_s", "0"},
                      BadValue{"session_ttl_s", "2592001"}, BadValue{"challenge_ttl_s", "3601"},
                      BadValue{"invite_ttl_s", "7776001"}, BadValue{"max_failed_logins", "0"},
                      BadValue{"max_failed_logins", "1001"},
                      BadValue{"failed_login_window_s", "86401"}, BadValue{"log_requests", "maybe"},
                      BadValue{"log_requests", ""}, BadValue{"log_requests", "TRUE"}),
    [](const ::testing::TestParamInfo<BadValue>& p) {
  return std::string(p.param.key) + "_" + std::to_string(p.index);
    });

TEST(ConfigTest, UnknownSettingIsInvalidArgument) {
  Config c;
  vault::Status s = ApplySetting("prot", "8443", c);
  EXPECT_STATUS(s, kInvalidArgument);
  EXPECT_NE(ErrorOf(s).find("unknown setting prot"), std::string::npos) << ErrorOf(s);
  EXPECT_EQ(c.port, 8443);
  // Keys are exact: no prefix, no upper case.
  EXPECT_STATUS(ApplySetting("BATON_PORT", "1", c), kInvalidArgument);
  EXPECT_STATUS(ApplySetting("PORT", "1", c), kInvalidArgument);
  EXPECT_STATUS(ApplySetting("", "1", c), kInvalidArgument);
}

TEST(ConfigTest, FileErrorsNameTheLine) {
  Config c;
  vault::Status unknown = ApplyConfigText("# header\nport = 1\n\nbogus_key = 3\n", c);
  EXPECT_STATUS(unknown, kInvalidArgument);
  EXPECT_NE(ErrorOf(unknown).find("config line 4"), std::string::npos) << ErrorOf(unknown);
  EXPECT_NE(ErrorOf(unknown).find("bogus_key"), std::string::npos) << ErrorOf(unknown);

  vault::Status bad = ApplyConfigText("port = 1\nread_timeout_s = forever\n", c);
  EXPECT_STATUS(bad, kInvalidArgument);
  EXPECT_NE(ErrorOf(bad).find("config line 2"), std::string::npos) << ErrorOf(bad);
  EXPECT_NE(ErrorOf(bad).find("read_timeout_s"), std::string::npos) << ErrorOf(bad);

  vault::Status no_eq = ApplyConfigText("\n\nport 8443\n", c);
  EXPECT_STATUS(no_eq, kInvalidArgument);
  EXPECT_NE(ErrorOf(no_eq).find("config line 3"), std::string::npos) << ErrorOf(no_eq);
  EXPECT_NE(ErrorOf(no_eq).find("key = value"), std::string::npos) << ErrorOf(no_eq);

  // A comment is not a key, and a commented-out bad value is never read.
  Config d;
  ASSERT_OK(ApplyConfigText("# port = nonsense\nport = 7 # = 8\n", d));
  EXPECT_EQ(d.port, 7);
}

TEST(ConfigTest, EnvironmentSetsEveryKey) {
  Config c;
  ASSERT_OK(ApplyEnvironment({{"BATON_DATA_DIR", "/var/lib/baton"},
                              {"BATON_LISTEN_HOST", "10.0.0.1"},
                              {"BATON_PORT", "7443"},
                              {"BATON_MAX_BODY_BYTES", "4096"},
                              {"BATON_READ_TIMEOUT_S", "11"},
                              {"BATON_WRITE_TIMEOUT_S", "12"},
                              {"BATON_KEEP_ALIVE_TIMEOUT_S", "13"},
                              {"BATON_KEEP_ALIVE_MAX_REQUESTS", "14"},
                              {"BATON_MIN_THREADS", "15"},
                              {"BATON_MAX_THREADS", "16"},
                              {"BATON_SESSION_TTL_S", "17"},
                              {"BATON_CHALLENGE_TTL_S", "18"},
                              {"BATON_INVITE_TTL_S", "19"},
                              {"BATON_MAX_FAILED_LOGINS", "20"},
                              {"BATON_FAILED_LOGIN_WINDOW_S", "21"},
                              {"BATON_LOG_REQUESTS", "no"}},
                             c));
  EXPECT_EQ(c.data_dir, "/var/lib/baton");
  EXPECT_EQ(c.listen_host, "10.0.0.1");
  EXPECT_EQ(c.port, 7443);
  EXPECT_EQ(c.max_body_bytes, 4096u);
  EXPECT_EQ(c.read_timeout, seconds(11));
  EXPECT_EQ(c.write_timeout, seconds(12));
  EXPECT_EQ(c.keep_alive_timeout, seconds(13));
  EXPECT_EQ(c.keep_alive_max_requests, 14u);
  EXPECT_EQ(c.min_threads, 15u);
  EXPECT_EQ(c.max_threads, 16u);
  EXPECT_EQ(c.session_ttl, seconds(17));
  EXPECT_EQ(c.challenge_ttl, seconds(18));
  EXPECT_EQ(c.invite_ttl, seconds(19));
  EXPECT_EQ(c.max_failed_logins, 20);
  EXPECT_EQ(c.failed_login_window, seconds(21));
  EXPECT_FALSE(c.log_requests);
}

TEST(ConfigTest, EnvironmentIgnoresOtherVariables) {
  Config c;
  ASSERT_OK(ApplyEnvironment({{"HOME", "/home/x"},
                              {"PORT", "1"},
                              {"baton_port", "2"},
                              {"BATON_", "3"},
                              {"BATON_AGENT_SOCKET", "/run/user/1/baton.sock"},
                              {"BATON_SERVER", "https://baton.example:8443"},
                              {"BATON_IDLE_TIMEOUT", "not a number"},
                              {"XBATON_PORT", "4"}},
                             c));
  const Config defaults;
  EXPECT_EQ(c.port, defaults.port);
  EXPECT_EQ(c.data_dir, defaults.data_dir);
  EXPECT_EQ(c.listen_host, defaults.listen_host);
}

TEST(ConfigTest, EnvironmentBadValueNamesTheVariable) {
  Config c;
  vault::Status s = ApplyEnvironment({{"BATON_PORT", "eighty"}}, c);
  EXPECT_STATUS(s, kInvalidArgument);
  EXPECT_NE(ErrorOf(s).find("BATON_PORT"), std::string::npos) << ErrorOf(s);
  EXPECT_EQ(c.port, 8443);
  vault::Status t = ApplyEnvironment({{"BATON_MAX_FAILED_LOGINS", "0"}}, c);
  EXPECT_STATUS(t, kInvalidArgument);
  EXPECT_NE(ErrorOf(t).find("BATON_MAX_FAILED_LOGINS"), std::string::npos) << ErrorOf(t);
  EXPECT_EQ(c.max_failed_logins, 5);
}

TEST(ConfigTest, EnvironmentOverridesTheFile) {
  // batond applies defaults, then the file, then the environment.
  Config c;
  ASSERT_OK(ApplyConfigText("port = 1000\nlisten_host = 10.1.1.1\nmin_threads = 2\n", c));
  ASSERT_OK(ApplyEnvironment({{"BATON_PORT", "2000"}, {"BATON_MIN_THREADS", "3"}}, c));
  EXPECT_EQ(c.port, 2000);  // the environment wins
  EXPECT_EQ(c.min_threads, 3u);
  EXPECT_EQ(c.listen_host, "10.1.1.1");  // the file's, untouched by the environment
  EXPECT_EQ(c.data_dir, "./var/baton");  // the default, set by neither
  // A flag (ApplySetting) comes last and wins over both.
  ASSERT_OK(ApplySetting("port", "3000", c));
  EXPECT_EQ(c.port, 3000);
}

// batond serve's flags come from the same table as the file's keys.
TEST(ConfigFlagsTest, EverySettingIsAFlagThatRecordsItsKey) {
  CLI::App app;
  std::map<std::string, std::string> values;
  server::AddSettingFlags(app, values);
  std::vector<std::string> args = {"batond", "--data",
                                   "/srv/b", "--listen-host",
                                   "::1",    "--port",
                                   "9443",   "--read-timeout-s",
                                   "7",      "--notice-retention-days",
                                   "9",      "--smtp-require-starttls",
                                   "false"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  app.parse(static_cast<int>(argv.size()), argv.data());
  EXPECT_EQ(values, (std::map<std::string, std::string>{{"data_dir", "/srv/b"},
                                                        {"listen_host", "::1"},
                                                        {"port", "9443"},
                                                        {"read_timeout_s", "7"},
                                                        {"notice_retention_days", "9"},
                                                        {"smtp_require_starttls", "false"}}));
  Config c;
  for (const auto& [k, v] : values) ASSERT_OK(ApplySetting(k, v, c)) << k;
  EXPECT_EQ(c.port, 9443);
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.notice_retention, std::chrono::days(9));
  EXPECT_FALSE(c.smtp_require_starttls);
}

TEST(ConfigFlagsTest, AnUnknownFlagIsRefused) {
  CLI::App app;
  std::map<std::string, std::string> values;
  server::AddSettingFlags(app, values);
  std::vector<std::string> args = {"batond", "--prot", "1"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  EXPECT_THROW(app.parse(static_cast<int>(argv.size()), argv.data()), CLI::ParseError);
  EXPECT_TRUE(values.empty());
}

}  // namespace
