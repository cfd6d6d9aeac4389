// Notices from batond to people: the outbox worked off by Tick() against a
// real webhook receiver and a real SMTP sink on 127.0.0.1, with time moved
// only through FakeEnv; members' e-mail addresses; the notice settings.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "server/config.h"
#include "server_fixture.h"
#include "smtp_sink.h"
#include "webhook_sink.h"

namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
using testing_util::SmtpSink;
using testing_util::WebhookSink;
using vault::Delivery;
using vault::DeliveryState;
using vault::Status;

class NotificationsTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    metrics_token_ = UseMetricsToken();
    Restart();
  }

  void Restart() {
    StopServer();
    StartServer();
  }

  int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch())
        .count();
  }

  void Enqueue(const vault::Notice& n) {
    ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) { return t.EnqueueNotice(n); }));
  }

  static vault::Notice Sample(std::vector<std::string> to) {
    return {"emergency.requested", "Jüri asks for emergency access to Social media (ä, ö, õ).",
            json{{"grant_id", "0123456789abcdef0123456789abcdef"}, {"release_ms", 1234}}.dump(),
            std::move(to)};
  }

  std::string Metrics() { return Call("GET", "/metrics", metrics_token_).raw; }
  std::string metrics_token_;

  static std::string Counter(const std::string& channel, const std::string& outcome) {
    return "baton_notice_deliveries_total{channel=\"" + channel + "\",outcome=\"" + outcome +
           "\"} ";
  }

  std::string SetEmail(const Account& a, const std::string& email, int want = 200) {
    Reply r = Call("PUT", "/v1/me/email", a.token, json{{"email", email}});
    EXPECT_EQ(r.status, want) << r.raw;
    return r.raw;
  }
};

// --- Webhook -----------------------------------------------------------------

TEST_F(NotificationsTest, WebhookGetsJsonWithSlackCompatibleText) {
  WebhookSink sink;
  config_.webhook_url = sink.url();
  Restart();
  Account owner = Join("owner", "Mari");
  Enqueue(Sample({owner.member_id}));
  ASSERT_OK(server_->Tick());
  ASSERT_TRUE(sink.WaitFor(1));
  json body = json::parse(sink.bodies()[0]);
  EXPECT_EQ(body["text"], "Jüri asks for emergency access to Social media (ä, ö, õ).");
  EXPECT_EQ(body["kind"], "emergency.requested");
  EXPECT_EQ(body["details"]["grant_id"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(body["details"]["release_ms"], 1234);
  EXPECT_EQ(body["created_ms"], NowMs());
  EXPECT_TRUE(sink.content_types()[0].starts_with("application/json"));

  auto d = Deliveries();
  ASSERT_EQ(d.size(), 1u) << "the owner has no address: the webhook alone";
  EXPECT_EQ(d[0].state, DeliveryState::kDelivered);
  EXPECT_EQ(d[0].attempts, 1);
  EXPECT_EQ(d[0].delivered_ms, NowMs());
  EXPECT_EQ(body["notice_id"], d[0].notice_id);

  // Delivered once: later ticks send nothing.
  env_.AdvanceTime(std::chrono::hours(2));
  ASSERT_OK(server_->Tick());
  EXPECT_EQ(sink.requests(), 1u);
  EXPECT_NE(Metrics().find(Counter("webhook", "delivered") + "1\n"), std::string::npos);
}

TEST_F(NotificationsTest, WebhookRetriesWithDoublingBackoffUntilAccepted) {
  WebhookSink sink;
  sink.FailNext(2, 500);
  config_.webhook_url = sink.url();
  config_.notify_retry_base = seconds(60);
  Restart();
  Enqueue(Sample({}));
  const int64_t t0 = NowMs();

  ASSERT_OK(server_->Tick());
  ASSERT_TRUE(sink.WaitForRequests(1));
  auto d = Deliveries();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].state, DeliveryState::kPending);
  EXPECT_EQ(d[0].attempts, 1);
  EXPECT_EQ(d[0].last_error, "webhook: HTTP 500");
  EXPECT_EQ(d[0].next_attempt_ms, t0 + 60'000);

  // Not due yet: nothing is sent.
  ASSERT_OK(server_->Tick());
  env_.AdvanceTime(seconds(59));
  ASSERT_OK(server_->Tick());
  EXPECT_EQ(sink.requests(), 1u);

  env_.AdvanceTime(seconds(1));
  ASSERT_OK(server_->Tick());
  ASSERT_TRUE(sink.WaitForRequests(2));
  d = Deliveries();
  EXPECT_EQ(d[0].attempts, 2);
  EXPECT_EQ(d[0].next_attempt_ms, t0 + 60'000 + 120'000) << "the wait doubles";

  env_.AdvanceTime(seconds(119));
  ASSERT_OK(server_->Tick());
  EXPECT_EQ(sink.requests(), 2u);
  env_.AdvanceTime(seconds(1));
  ASSERT_OK(server_->Tick());
  ASSERT_TRUE(sink.WaitFor(1));
  d = Deliveries();
  EXPECT_EQ(d[0].state, DeliveryState::kDelivered);
  EXPECT_EQ(d[0].attempts, 3);
  EXPECT_EQ(sink.bodies().size(), 1u);
  const std::string m = Metrics();
  EXPECT_NE(m.find(Counter("webhook", "retry") + "2\n"), std::string::npos) << m;
  EXPECT_NE(m.find(Counter("webhook", "delivered") + "1\n"), std::string::npos) << m;
}

TEST_F(NotificationsTest, UnreachableWebhookIsRetriedThenGivenUpAndCounted) {
  std::string url;
  {
    WebhookSink closed;  // a port that was just free and is closed again
    url = closed.url();
  }
  config_.webhook_url = url;
  config_.notify_max_attempts = 3;
  config_.notify_retry_base = seconds(60);
  config_.notify_retry_max = seconds(100);
  config_.notify_timeout = seconds(2);
  Restart();
  Enqueue(Sample({}));
  const int64_t t0 = NowMs();

  ASSERT_OK(server_->Tick()) << "a failed delivery never fails the tick";
  auto d = Deliveries();
  EXPECT_EQ(d[0].state, DeliveryState::kPending);
  EXPECT_EQ(d[0].next_attempt_ms, t0 + 60'000);
  EXPECT_TRUE(d[0].last_error.starts_with("webhook: ")) << d[0].last_error;
  EXPECT_EQ(d[0].last_error.find("127.0.0.1"), std::string::npos) << "no URL in the error";

  env_.AdvanceTime(seconds(60));
  ASSERT_OK(server_->Tick());
  d = Deliveries();
  EXPECT_EQ(d[0].attempts, 2);
  EXPECT_EQ(d[0].next_attempt_ms, t0 + 60'000 + 100'000) << "capped at notify_retry_max";

  env_.AdvanceTime(seconds(100));
  ASSERT_OK(server_->Tick());
  d = Deliveries();
  EXPECT_EQ(d[0].state, DeliveryState::kFailed);
  EXPECT_EQ(d[0].attempts, 3);
  EXPECT_EQ(d[0].ended_ms, NowMs());

  env_.AdvanceTime(std::chrono::hours(24));
  ASSERT_OK(server_->Tick());
  EXPECT_EQ(Deliveries()[0].attempts, 3) << "given up: no more attempts";
  const std::string m = Metrics();
  EXPECT_NE(m.find(Counter("webhook", "retry") + "2\n"), std::string::npos) << m;
  EXPECT_NE(m.find(Counter("webhook", "failed") + "1\n"), std::string::npos) << m;
}

TEST_F(NotificationsTest, HttpsWebhookWithAnUntrustedCertificateIsNotSentTo) {
  const std::string cert = dir_.File("sink.crt"), key = dir_.File("sink.key");
  std::ofstream(cert) << tls_->cert_pem;
  std::ofstream(key) << std::string(reinterpret_cast<const char*>(tls_->key_pem.data()),
                                    tls_->key_pem.size());
  WebhookSink sink(cert, key);  // self-signed: in no CA store
  config_.webhook_url = sink.url();
  Restart();
  Enqueue(Sample({}));
  ASSERT_OK(server_->Tick());
  auto d = Deliveries();
  EXPECT_EQ(d[0].state, DeliveryState::kPending);
  EXPECT_TRUE(d[0].last_error.starts_with("webhook: ")) << d[0].last_error;
  EXPECT_EQ(sink.requests(), 0u) << "the notice must not reach an unverified server";
}

TEST_F(NotificationsTest, NoChannelsConfiguredSendsNothingAndBlocksNothing) {
  WebhookSink sink;  // running, but not configured
  SmtpSink smtp;
  Account owner = Join("owner", "Mari");
  SetEmail(owner, "mari@example.org");
  Enqueue(Sample({owner.member_id}));
  ASSERT_OK(server_->Tick());
  auto d = Deliveries();
  ASSERT_EQ(d.size(), 2u);
  for (const Delivery& x : d) {
    EXPECT_EQ(x.state, DeliveryState::kSkipped);
    EXPECT_EQ(x.attempts, 0);
  }
  EXPECT_EQ(d[0].last_error, "no webhook_url configured");
  EXPECT_EQ(d[1].last_error, "no smtp_url configured");
  EXPECT_EQ(sink.requests(), 0u);
  EXPECT_TRUE(smtp.messages().empty());
  // The API goes on as before.
  EXPECT_EQ(Call("GET", "/v1/me", owner.token).status, 200);
  const std::string m = Metrics();
  EXPECT_NE(m.find(Counter("webhook", "skipped") + "1\n"), std::string::npos) << m;
  EXPECT_NE(m.find(Counter("email", "skipped") + "1\n"), std::string::npos) << m;
}

TEST_F(NotificationsTest, TickPrunesFinishedNoticesPastTheRetention) {
  config_.notice_retention = std::chrono::days(2);
  Restart();
  Enqueue(Sample({}));  // delivered (skipped) at once, then old
  ASSERT_OK(server_->Tick());
  Enqueue(Sample({}));  // still pending when old: a retry far ahead
  const int64_t pending = Deliveries().back().id;
  ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
    return t.RecordDeliveryAttempt(pending, DeliveryState::kPending, "HTTP 503",
                                   NowMs() + 10 * 86'400'000);
  }));
  env_.AdvanceTime(std::chrono::days(1));
  Enqueue(Sample({}));  // skipped, but recent
  ASSERT_OK(server_->Tick());
  ASSERT_EQ(Deliveries().size(), 3u);
  const int64_t before = AuditLength();

  env_.AdvanceTime(std::chrono::days(1) + std::chrono::milliseconds(1));
  ASSERT_OK(server_->Tick());
  auto d = Deliveries();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].id, pending);
  EXPECT_EQ(d[0].state, DeliveryState::kPending);
  EXPECT_EQ(d[1].state, DeliveryState::kSkipped);
  EXPECT_EQ(AuditLength(), before + 1);
  ASSERT_OK(server_->Tick());
  EXPECT_EQ(Deliveries().size(), 2u);
  EXPECT_EQ(AuditLength(), before + 1) << "a tick that prunes nothing writes no event";
}

// --- E-mail ------------------------------------------------------------------

TEST_F(NotificationsTest, EmailGoesToEachRecipientWithAnAddressAsAProperMessage) {
  SmtpSink sink;
  config_.smtp_url = sink.url();
  config_.smtp_from = "baton@example.org";
  config_.smtp_require_starttls = false;  // the sink speaks no TLS
  Restart();
  Account owner = Join("owner", "Mari");
  Account admin = Join("admin", "Jaan");
  Account member = Join("member", "Kati");
  SetEmail(owner, "mari@example.org");
  SetEmail(admin, "jaan@example.org");
  Enqueue(Sample({owner.member_id, admin.member_id, member.member_id}));

  ASSERT_OK(server_->Tick());
  ASSERT_TRUE(sink.WaitFor(2));
  auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].mail_from, "baton@example.org");
  EXPECT_EQ(messages[0].rcpt_to, std::vector<std::string>{"mari@example.org"});
  EXPECT_EQ(messages[1].rcpt_to, std::vector<std::string>{"jaan@example.org"});

  const std::string& data = messages[0].data;
  const size_t split = data.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos) << data;
  const std::string headers = data.substr(0, split + 2);
  auto header = [&](const std::string& name) -> std::string {
    std::smatch m;
    std::regex re("(^|\r\n)" + name + ": ([^\r]*(\r\n [^\r]*)*)\r\n");
    return std::regex_search(headers, m, re) ? m[2].str() : "";
  };
  EXPECT_EQ(header("Date"), "Thu, 01 Jan 2026 00:00:00 +0000");  // FakeEnv's clock
  EXPECT_EQ(header("From"), "baton <baton@example.org>");
  EXPECT_EQ(header("To"), "<mari@example.org>");
  EXPECT_TRUE(std::regex_match(header("Message-ID"),
                               std::regex("<notice-[0-9]+\\.[0-9]+\\.[0-9a-f]{16}@example\\.org>")))
      << header("Message-ID");
  EXPECT_EQ(header("MIME-Version"), "1.0");
  EXPECT_EQ(header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(header("Content-Transfer-Encoding"), "base64");
  EXPECT_NE(header("Message-ID"), [&] {
    const std::string& d2 = messages[1].data;
    auto at = d2.find("Message-ID: ");
    return d2.substr(at + 12, d2.find("\r\n", at) - at - 12);
  }()) << "each message has its own id";

  // The subject: RFC 2047 words that decode to the UTF-8 text.
  std::string subject;
  const std::string raw_subject = header("Subject");
  std::regex word("=\\?UTF-8\\?B\\?([A-Za-z0-9+/=]+)\\?=");
  for (auto it = std::sregex_iterator(raw_subject.begin(), raw_subject.end(), word);
       it != std::sregex_iterator(); ++it) {
    auto bytes = vault::crypto::FromBase64((*it)[1].str());
    ASSERT_TRUE(bytes.has_value());
    subject.append(bytes->begin(), bytes->end());
  }
  EXPECT_EQ(subject, "[baton] Jüri asks for emergency access to Social media (ä, ö, õ).");

  std::string b64 = data.substr(split + 4);
  std::erase(b64, '\r');
  std::erase(b64, '\n');
  auto body = vault::crypto::FromBase64(b64);
  ASSERT_TRUE(body.has_value()) << data;
  const std::string text(body->begin(), body->end());
  EXPECT_TRUE(text.starts_with("Jüri asks for emergency access to Social media (ä, ö, õ).\r\n"))
      << text;
  EXPECT_NE(text.find("grant_id: 0123456789abcdef0123456789abcdef\r\n"), std::string::npos) << text;

  auto d = Deliveries();
  ASSERT_EQ(d.size(), 3u) << "the webhook row and two e-mails; Kati has no address";
  EXPECT_EQ(d[0].state, DeliveryState::kSkipped);  // no webhook configured
  EXPECT_EQ(d[1].state, DeliveryState::kDelivered);
  EXPECT_EQ(d[2].state, DeliveryState::kDelivered);
  EXPECT_NE(Metrics().find(Counter("email", "delivered") + "2\n"), std::string::npos);
}

TEST_F(NotificationsTest, EmailRefusedWithA451IsRetried) {
  SmtpSink sink;
  sink.FailNext(1);
  config_.smtp_url = sink.url();
  config_.smtp_from = "baton@example.org";
  config_.smtp_require_starttls = false;
  Restart();
  Account owner = Join("owner", "Mari");
  SetEmail(owner, "mari@example.org");
  Enqueue(Sample({owner.member_id}));
  ASSERT_OK(server_->Tick());
  ASSERT_TRUE(sink.WaitForSessions(1));
  auto d = Deliveries();
  EXPECT_EQ(d[1].state, DeliveryState::kPending);
  EXPECT_NE(d[1].last_error.find("451"), std::string::npos) << d[1].last_error;
  EXPECT_TRUE(sink.messages().empty());
  env_.AdvanceTime(config_.notify_retry_base);
  ASSERT_OK(server_->Tick());
  ASSERT_TRUE(sink.WaitFor(1));
  EXPECT_EQ(Deliveries()[1].state, DeliveryState::kDelivered);
  EXPECT_EQ(Deliveries()[1].attempts, 2);
}

TEST_F(NotificationsTest, RequiredStartTlsFailsClosedAgainstAPlainServer) {
  SmtpSink sink;  // offers no STARTTLS
  config_.smtp_url = sink.url();
  config_.smtp_from = "baton@example.org";
  config_.smtp_require_starttls = true;
  Restart();
  Account owner = Join("owner", "Mari");
  SetEmail(owner, "mari@example.org");
  Enqueue(Sample({owner.member_id}));
  ASSERT_OK(server_->Tick());
  ASSERT_TRUE(sink.WaitForSessions(1));
  EXPECT_TRUE(sink.messages().empty()) << "nothing was sent in clear";
  auto d = Deliveries();
  EXPECT_EQ(d[1].state, DeliveryState::kPending);
  EXPECT_TRUE(d[1].last_error.starts_with("smtp: ")) << d[1].last_error;
}

TEST_F(NotificationsTest, SmtpSettingsAreCheckedAtStart) {
  server::Config c = config_;
  c.smtp_url = "smtp://127.0.0.1:1";
  EXPECT_STATUS(CreateWith(c), kInvalidArgument) << "no smtp_from";
  c.smtp_from = "baton@example.org";
  EXPECT_OK(CreateWith(c));
  c.smtp_user = "mailer";
  EXPECT_STATUS(CreateWith(c), kInvalidArgument) << "a user without a password";

  const std::string pw = dir_.File("smtp.pw");
  const std::string secret = "pässword-1\n";
  ASSERT_OK(env_.WriteFileAtomic(pw, vault::crypto::AsBytes(secret), 0644));
  c.smtp_password_file = pw;
  EXPECT_STATUS(CreateWith(c), kPermissionDenied) << "a password file others can read";
  ASSERT_OK(env_.WriteFileAtomic(pw, vault::crypto::AsBytes(secret), 0600));
  EXPECT_OK(CreateWith(c));
  c.smtp_require_starttls = false;
  Status clear = CreateWith(c);
  EXPECT_STATUS(clear, kInvalidArgument) << "the password would go in clear";
  EXPECT_EQ(clear.ToString().find("pässword"), std::string::npos);
  c.smtp_url = "smtps://127.0.0.1:1";
  EXPECT_OK(CreateWith(c)) << "implicit TLS";
  c.smtp_password_file = dir_.File("missing.pw");
  EXPECT_FALSE(CreateWith(c).ok());
  c.smtp_url = "";
  c.smtp_user = "";
  EXPECT_STATUS(CreateWith(c), kInvalidArgument) << "a password file without smtp_url";
}

// --- Members' addresses ------------------------------------------------------

TEST_F(NotificationsTest, MembersSetShowAndClearTheirAddress) {
  Account owner = Join("owner", "Mari");
  Account member = Join("member", "Kati");
  const int64_t before = AuditLength();
  json me = json::parse(SetEmail(member, "kati@example.org"));
  EXPECT_EQ(me["email"], "kati@example.org");
  EXPECT_EQ(me["id"], member.member_id);
  EXPECT_EQ(Call("GET", "/v1/me", member.token).body["email"], "kati@example.org");
  EXPECT_EQ(Call("GET", "/v1/members/" + member.member_id, owner.token).body["email"],
            "kati@example.org");
  EXPECT_EQ(Call("GET", "/v1/me", owner.token).body["email"], "") << "others are untouched";
  EXPECT_EQ(AuditLength(), before + 1);
  ASSERT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
    auto e = t.ReadAudit(before + 1, 1);
    if (!e) return e.error();
    EXPECT_EQ((*e)[0].action, "member.email");
    EXPECT_EQ((*e)[0].actor, member.member_id);
    EXPECT_EQ((*e)[0].details.find("kati@"), std::string::npos) << "no address in the log";
    return Status::OK();
  }));

  for (const std::string& bad : std::vector<std::string>{
           "kati", "kati@", "@example.org", "kati@example", "kati@@example.org",
           "Kati <kati@example.org>", "kati@example.org\r\nBcc: x@y.z", "kati @example.org",
           "käti@example.org", "kati@.example.org", "kati@example..org", "kati.@example.org",
           std::string(250, 'k') + "@x.org"}) {
    SCOPED_TRACE(bad);
    Reply r = Call("PUT", "/v1/me/email", member.token, json{{"email", bad}});
    EXPECT_EQ(r.status, 400) << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "bad_email");
  }
  EXPECT_EQ(Call("GET", "/v1/me", member.token).body["email"], "kati@example.org");
  EXPECT_EQ(AuditLength(), before + 1) << "rejected requests change nothing";

  SetEmail(member, "");
  EXPECT_EQ(Call("GET", "/v1/me", member.token).body["email"], "");
  EXPECT_EQ(Call("PUT", "/v1/me/email", "", json{{"email", "a@b.cd"}}).status, 401);
}

// --- Settings ----------------------------------------------------------------

TEST(NotifyConfigTest, KeysParseAndBadValuesAreRefused) {
  server::Config c;
  EXPECT_TRUE(c.webhook_url.empty());
  EXPECT_TRUE(c.smtp_url.empty());
  EXPECT_TRUE(c.smtp_require_starttls);
  ASSERT_OK(
      server::ApplyConfigText("webhook_url = https://hooks.example.org/services/T0/B0/xyz\n"
                              "smtp_url = smtps://mail.example.org:465\n"
                              "smtp_from = baton@example.org\n"
                              "smtp_user = baton\n"
                              "smtp_password_file = /etc/baton/smtp.pw\n"
                              "smtp_require_starttls = false\n"
                              "notify_timeout_s = 7\n"
                              "notify_max_attempts = 5\n"
                              "notify_retry_base_s = 30\n"
                              "notify_retry_max_s = 600\n",
                              c));
  EXPECT_EQ(c.webhook_url, "https://hooks.example.org/services/T0/B0/xyz");
  EXPECT_EQ(c.smtp_url, "smtps://mail.example.org:465");
  EXPECT_EQ(c.smtp_from, "baton@example.org");
  EXPECT_EQ(c.smtp_user, "baton");
  EXPECT_EQ(c.smtp_password_file, "/etc/baton/smtp.pw");
  EXPECT_FALSE(c.smtp_require_starttls);
  EXPECT_EQ(c.notify_timeout, seconds(7));
  EXPECT_EQ(c.notify_max_attempts, 5);
  EXPECT_EQ(c.notify_retry_base, seconds(30));
  EXPECT_EQ(c.notify_retry_max, seconds(600));

  ASSERT_OK(server::ApplyEnvironment({{"BATON_WEBHOOK_URL", "http://127.0.0.1:9/x"}}, c));
  EXPECT_EQ(c.webhook_url, "http://127.0.0.1:9/x");

  const server::Config before = c;
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"webhook_url", "ftp://example.org/"},
           {"webhook_url", "https://"},
           {"webhook_url", "https:///path"},
           {"webhook_url", "http://example.org/a b"},
           {"webhook_url", "http://example.org/\r\nX: y"},
           {"smtp_url", "http://mail.example.org"},
           {"smtp_url", "smtp:/mail"},
           {"smtp_from", "not an address"},
           {"smtp_from", "a@b"},
           {"smtp_user", "bad\nuser"},
           {"smtp_require_starttls", "maybe"},
           {"notify_timeout_s", "0"},
           {"notify_timeout_s", "121"},
           {"notify_max_attempts", "0"},
           {"notify_max_attempts", "101"},
           {"notify_retry_base_s", "-1"},
           {"notify_retry_max_s", "x"}}) {
    SCOPED_TRACE(key + " = " + value);
    EXPECT_STATUS(server::ApplySetting(key, value, c), kInvalidArgument);
  }
  EXPECT_EQ(c.webhook_url, before.webhook_url);
  EXPECT_EQ(c.smtp_url, before.smtp_url);
  EXPECT_EQ(c.smtp_from, before.smtp_from);
  EXPECT_EQ(c.smtp_user, before.smtp_user);
  EXPECT_EQ(c.notify_max_attempts, before.notify_max_attempts);
  // Empty turns a channel off again.
  ASSERT_OK(server::ApplySetting("webhook_url", "", c));
  EXPECT_TRUE(c.webhook_url.empty());
}

TEST(NotifyConfigTest, SampleConfigShowsTheDefaults) {
  std::ifstream in(std::string(BATON_TEST_VECTORS_DIR) + "/../../packaging/batond.conf");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  server::Config c;
  c.notify_max_attempts = 1;  // must be set back by the file
  c.smtp_require_starttls = false;
  ASSERT_OK(server::ApplyConfigText(text.str(), c));
  const server::Config d;
  EXPECT_EQ(c.webhook_url, d.webhook_url);
  EXPECT_EQ(c.smtp_url, d.smtp_url);
  EXPECT_EQ(c.smtp_password_file, d.smtp_password_file);
  EXPECT_EQ(c.smtp_require_starttls, d.smtp_require_starttls);
  EXPECT_EQ(c.notify_timeout, d.notify_timeout);
  EXPECT_EQ(c.notify_max_attempts, d.notify_max_attempts);
  EXPECT_EQ(c.notify_retry_base, d.notify_retry_base);
  EXPECT_EQ(c.notify_retry_max, d.notify_retry_max);
}

}  // namespace
