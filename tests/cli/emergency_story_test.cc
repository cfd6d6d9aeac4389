// Emergency access end to end, with real processes: the real `baton` binary
// as a child process against a real batond that sends its notices to a real
// webhook receiver and a real SMTP sink on 127.0.0.1. The owner is away; her
// deputy asks; the admins are told, reminded, told of the release and of the
// end; the deputy reads the Facebook page login; everything is flagged and
// the auditor's log shows and verifies it all. Also: the receivers are down
// and the wait still ends on time; an admin vetoes and the deputy gets nothing.
//
// The server's clock moves only through FakeEnv (Pass); the children use
// the wall clock, which matters only for the TOTP code they compute.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"
#include "emergency.h"
#include "smtp_sink.h"
#include "vault/totp.h"
#include "webhook_sink.h"

namespace {

using nlohmann::json;
using std::chrono::hours;
using testing_util::CliResult;
using testing_util::SmtpSink;
using testing_util::WebhookSink;
using vault::Delivery;
using vault::DeliveryChannel;
using vault::DeliveryState;
using vault::Status;
namespace em = cli::emergency;

const std::string kCollection = "Käsitöö sotsiaalmeedia";
const std::string kItem = "Facebooki leht – Käsitööõpe";  // ä, ö, õ
const std::string kPassword = "Sõnaõhtu-Tööd-äpp-42";
const std::string kTotpSeed = "JBSWY3DPEHPK3PXP";
const std::string kTotpUri =
    "otpauth://totp/Facebook:k%C3%A4sit%C3%B6%C3%B6?secret=" + kTotpSeed + "&issuer=Facebook";
const std::string kReason = "Mari on haiglas ja leht peab klientidele vastama";
const std::set<std::string> kAdminMail = {"mari@kasitoo.ee", "anna@kasitoo.ee"};
constexpr int64_t kHourMs = 3600 * 1000;

class EmergencyStoryTest : public testing_util::ProcessCliFixture {
 protected:
  EmergencyStoryTest() : ProcessCliFixture(BATON_PATH) {}

  // Owner Mari, a second admin Anna, deputy Jaan and auditor Tõnu, each with
  // an e-mail address; the page login; Mari's grant to Jaan (view, 48 h).
  // batond sends notices to `webhook_url` and `smtp_url`. Returns the grant.
  json SetUpTeam(const std::string& webhook_url, const std::string& smtp_url) {
    StopServer();
    config_.webhook_url = webhook_url;
    config_.smtp_url = smtp_url;
    config_.smtp_from = "baton@kasitoo.ee";
    config_.smtp_require_starttls = false;  // the sink speaks no TLS
    // The story counts the emergency notices; the flagged items' reminder
    // digests would come between them (tests/server/reminders_test.cc).
    config_.reminders = false;
    StartServer();
    if (HasFatalFailure()) return {};

    As("owner", {"init", url(), "--code-stdin"}, 0, Invite("owner", "Mari") + "\n");
    As("owner", {"collection", "create", kCollection});
    As("owner",
       {"item", "add", kCollection, kItem, "--channel", "facebook", "--username", "leht@kasitoo.ee",
        "--password-stdin", "--totp-uri-stdin"},
       0, kPassword + "\n" + kTotpUri + "\n");
    InviteAndJoin("admin", "Anna", "admin");
    InviteAndJoin("member", "Jaan", "deputy");
    InviteAndJoin("auditor", "Tõnu", "auditor");
    for (auto [profile, address] :
         std::vector<std::pair<std::string, std::string>>{{"owner", "mari@kasitoo.ee"},
                                                          {"admin", "anna@kasitoo.ee"},
                                                          {"deputy", "jaan@kasitoo.ee"},
                                                          {"auditor", "tonu@kasitoo.ee"}}) {
      As(profile, {"member", "email", address});
    }
    CliResult made = As("owner", {"--json", "emergency", "grant", "Jaan", "--collection",
                                  kCollection, "--mode", "view", "--wait", "48h"});
    if (made.code != 0) return {};
    // Setting up says nothing to anyone.
    EXPECT_OK(server_->Tick());
    EXPECT_EQ(hook_.requests(), 0u);
    EXPECT_TRUE(smtp_.messages().empty());
    EXPECT_TRUE(Deliveries().empty());
    return json::parse(made.out);
  }

  // Jaan asks; returns the request as the server answered.
  json Request(const json& grant) {
    CliResult r = As("deputy", {"--json", "emergency", "request",
                                grant.value("id", "").substr(0, 8), "--reason", kReason});
    return r.code == 0 ? json::parse(r.out) : json::object();
  }

  json RequestNow(const std::string& id) {
    CliResult r = As("deputy", {"--json", "emergency", "status", id});
    return r.code == 0 ? json::parse(r.out) : json::object();
  }

  void Pass(hours h) {
    env_.AdvanceTime(h);
    ASSERT_OK(server_->Tick());
  }

  std::string MemberId(const std::string& name) {
    std::string id;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto members = t.ListMembers();
      if (!members) return members.error();
      for (const auto& m : *members) {
        if (m.name == name) id = m.id;
      }
      return Status::OK();
    }));
    return id;
  }

  // The `n`th webhook notice (from 0) is of `kind` and says exactly `text`;
  // its mails, the two newest, went to the grantor and the other admin, once
  // each, and to nobody else (not the deputy nor the auditor).
  void ExpectNotice(size_t n, const std::string& kind, const std::string& text) {
    SCOPED_TRACE(kind);
    ASSERT_TRUE(hook_.WaitFor(n + 1));
    const std::vector<std::string> bodies = hook_.bodies();
    ASSERT_EQ(bodies.size(), n + 1) << "one webhook POST per notice";
    EXPECT_TRUE(hook_.content_types()[n].starts_with("application/json"));
    const json body = json::parse(bodies[n]);
    EXPECT_EQ(body.value("kind", ""), kind);
    EXPECT_EQ(body.value("text", ""), text);  // Slack-compatible: `text` is the message
    EXPECT_EQ(body["details"].value("deputy", ""), MemberId("Jaan"));

    ASSERT_TRUE(smtp_.WaitFor(2 * (n + 1)));
    const std::vector<SmtpSink::Message> mails = smtp_.messages();
    ASSERT_EQ(mails.size(), 2 * (n + 1)) << "one mail per admin with an address";
    std::multiset<std::string> to;
    // Each tick sends the newest notice's mails last.
    for (size_t i = 2 * n; i < mails.size(); ++i) {
      const SmtpSink::Message& m = mails[i];
      EXPECT_EQ(SmtpSink::Subject(m), "[baton] " + text);
      ASSERT_EQ(m.rcpt_to.size(), 1u);
      to.insert(m.rcpt_to[0]);
      EXPECT_EQ(m.mail_from, "baton@kasitoo.ee");
      const std::string mail_body = SmtpSink::Body(m);
      EXPECT_TRUE(mail_body.starts_with(text + "\r\n")) << mail_body;
      EXPECT_NE(mail_body.find("event: " + kind + "\r\n"), std::string::npos) << mail_body;
    }
    EXPECT_EQ(to, std::multiset<std::string>(kAdminMail.begin(), kAdminMail.end()));
  }

  // No notice, on any channel or in the outbox, carries a secret: the page
  // password, the TOTP seed, or the escrowed key of the grant.
  void ExpectNoSecretsInNotices(const json& grant) {
    std::string said;
    for (const auto& b : hook_.bodies()) said += b + "\n";
    for (const auto& m : smtp_.messages()) {
      said += m.data + SmtpSink::Subject(m) + "\n" + SmtpSink::Body(m) + "\n";
    }
    for (const auto& d : Deliveries()) said += d.text + d.details + d.last_error + "\n";
    ASSERT_FALSE(said.empty());
    std::vector<std::string> secrets = {kPassword, kTotpSeed, kTotpUri};
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto k = t.GetSealedKey(grant["collections"][0].get<std::string>(), vault::KeyHolder::kGrant,
                              grant.value("id", ""));
      if (!k) return k.error();
      secrets.push_back(vault::crypto::ToBase64(k->sealed));
      secrets.push_back(vault::crypto::ToHex(k->sealed));
      return Status::OK();
    }));
    ASSERT_EQ(secrets.size(), 5u);
    for (const auto& s : secrets) EXPECT_EQ(said.find(s), std::string::npos) << s;
  }

  // Whether `log` has `lines` in this order.
  static ::testing::AssertionResult InOrder(const std::string& log,
                                            const std::vector<std::string>& lines) {
    size_t at = 0;
    for (const auto& l : lines) {
      const size_t found = log.find(l, at);
      if (found == std::string::npos) {
        return ::testing::AssertionFailure() << "no \"" << l << "\" after offset " << at << "\n"
                                             << log;
      }
      at = found + l.size();
    }
    return ::testing::AssertionSuccess();
  }

  static size_t Count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  WebhookSink hook_;
  SmtpSink smtp_;
};

TEST_F(EmergencyStoryTest, OwnerAwayDeputyReadsThePageAfterTheWaitAndEveryoneIsTold) {
  const json grant = SetUpTeam(hook_.url(), smtp_.url());
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(grant.value("wait_hours", 0), 48) << grant;

  // Mari is away and answers nothing. Jaan asks and is told when access opens.
  const json asked = Request(grant);
  const std::string request = asked.value("id", "");
  ASSERT_EQ(request.size(), 32u) << asked;
  const int64_t release_ms = asked.value("release_ms", int64_t{0});
  EXPECT_EQ(release_ms - asked.value("requested_ms", int64_t{0}), 48 * kHourMs);
  EXPECT_EQ(asked.value("admins_notified", 0), 2) << "Mari and Anna";
  const std::string opens = em::UtcTime(release_ms);
  CliResult status = As("deputy", {"emergency", "status", request.substr(0, 8)});
  EXPECT_NE(status.out.find("Access will open on " + opens +
                            " unless an admin rejects it; admins notified: 2."),
            std::string::npos)
      << status.out;

  // The admins hear of it on the team webhook and by mail.
  ASSERT_OK(server_->Tick());
  ASSERT_NO_FATAL_FAILURE(ExpectNotice(0, "emergency.requested",
                                       "Deputy Jaan asked for emergency access to " + kCollection +
                                           "; it opens on " + opens +
                                           " unless an admin rejects it"));
  const json first = json::parse(hook_.bodies()[0]);
  EXPECT_EQ(first["details"].value("request", ""), request);
  EXPECT_EQ(first["details"].value("release_ms", int64_t{0}), release_ms);
  for (const auto& m : smtp_.messages()) {
    EXPECT_NE(SmtpSink::Body(m).find("request: " + request + "\r\n"), std::string::npos);
  }

  // A day before and an hour before, a reminder: once each, however often
  // the timer runs.
  const std::string reminder = "Deputy Jaan's emergency access to " + kCollection + " opens on " +
                               opens + " unless an admin rejects it";
  ASSERT_NO_FATAL_FAILURE(Pass(hours(24)));
  ASSERT_NO_FATAL_FAILURE(
      ExpectNotice(1, "emergency.reminder", "Reminder, 24 hours left: " + reminder));
  ASSERT_OK(server_->Tick());
  ASSERT_NO_FATAL_FAILURE(Pass(hours(23)));
  ASSERT_NO_FATAL_FAILURE(
      ExpectNotice(2, "emergency.reminder", "Reminder, 1 hour left: " + reminder));
  ASSERT_OK(server_->Tick());
  EXPECT_EQ(hook_.requests(), 3u);
  EXPECT_EQ(smtp_.messages().size(), 6u);
  // Nothing opens before the wait ends.
  CliResult early = As("deputy", {"emergency", "open", request, kItem, "--field", "password"},
                       cli::kExitConflict);
  EXPECT_EQ(early.out, "");

  // The wait ends: released on the hour, and everyone is told until when.
  ASSERT_NO_FATAL_FAILURE(Pass(hours(1)));
  const int64_t expires_ms = release_ms + 72 * kHourMs;  // the default window
  const json released = RequestNow(request);
  EXPECT_EQ(released.value("state", ""), "released") << released;
  EXPECT_EQ(released.value("released_ms", int64_t{0}), release_ms);
  EXPECT_EQ(released.value("expires_ms", int64_t{0}), expires_ms);
  ASSERT_NO_FATAL_FAILURE(ExpectNotice(3, "emergency.released",
                                       "Deputy Jaan now has emergency access to " + kCollection +
                                           " until " + em::UtcTime(expires_ms) +
                                           "; everything in it is flagged for rotation"));

  // Jaan reads the page password and the current code (the child's clock is
  // the wall clock, so the code is the wall clock's).
  CliResult pw = As("deputy", {"emergency", "open", request, kItem, "--field", "password"});
  EXPECT_EQ(pw.out, kPassword + "\n");
  auto params = vault::totp::ParseOtpauthUri(kTotpUri);
  ASSERT_TRUE(params.has_value());
  const auto before = std::chrono::system_clock::now();
  CliResult code = As("deputy", {"emergency", "open", request, kItem, "--field", "totp"});
  EXPECT_EQ(code.out.size(), 7u) << code.out;
  EXPECT_TRUE(StartsWithOneOf(code.out, CodesSince(*params, before))) << code.out;

  // The page login is flagged for rotation.
  const json due = json::parse(As("owner", {"--json", "due"}).out);
  ASSERT_EQ(due["overdue"].size(), 1u) << due;
  EXPECT_EQ(due["overdue"][0]["name"], kItem);
  EXPECT_EQ(due["overdue"][0]["status"], "flagged");
  ASSERT_FALSE(due["overdue"][0]["flags"].empty()) << due;
  EXPECT_EQ(due["overdue"][0]["flags"][0]["kind"], "emergency-access");
  EXPECT_EQ(due["overdue"][0]["flags"][0]["reason"], "rotate: exposed via emergency access");
  CliResult due_text = As("owner", {"due"});
  EXPECT_NE(due_text.out.find("emergency-access: rotate: exposed via emergency access"),
            std::string::npos)
      << due_text.out;

  // The window passes: access ends, and everyone is told.
  ASSERT_NO_FATAL_FAILURE(Pass(hours(72)));
  ASSERT_NO_FATAL_FAILURE(ExpectNotice(
      4, "emergency.expired",
      "Deputy Jaan's emergency access to " + kCollection + " ended on " + em::UtcTime(expires_ms)));
  CliResult late = As("deputy", {"emergency", "open", request, kItem, "--field", "password"},
                      cli::kExitConflict);
  EXPECT_EQ(late.out, "");
  EXPECT_NE(late.err.find("Access ended on"), std::string::npos) << late.err;

  // Every notice reached every channel, and none carried a secret.
  const std::vector<Delivery> rows = Deliveries();
  EXPECT_EQ(rows.size(), 15u) << "5 notices: a webhook and 2 mails each";
  for (const Delivery& d : rows) {
    EXPECT_EQ(d.state, DeliveryState::kDelivered) << d.id << " " << d.last_error;
    EXPECT_EQ(d.attempts, 1);
    if (d.channel == DeliveryChannel::kEmail) {
      EXPECT_TRUE(kAdminMail.contains(d.address)) << d.address;
    }
  }
  ASSERT_NO_FATAL_FAILURE(ExpectNoSecretsInNotices(grant));

  // The auditor's log verifies and tells the whole story, in order.
  CliResult verify = As("auditor", {"audit", "verify"});
  EXPECT_EQ(verify.out.rfind("OK: ", 0), 0u) << verify.out;
  const std::string log = As("auditor", {"audit", "log"}).out;
  EXPECT_TRUE(InOrder(log, {"Mari  emergency.grant.create  ", "Jaan  emergency.request  ",
                            "server  emergency.reminder  ", "server  emergency.reminder  ",
                            "server  emergency.release  ", "Jaan  emergency.keys.read  ",
                            "Jaan  emergency.item.read  ", "server  emergency.expire  "}));
  EXPECT_EQ(Count(log, "  emergency.reminder  "), 2u) << log;
  EXPECT_EQ(log.find(kPassword), std::string::npos);
}

TEST_F(EmergencyStoryTest, ReceiversDownTheWaitStillEndsOnTimeAndTheFailuresAreRecorded) {
  hook_.FailNext(1000, 500);
  std::string dead_smtp;
  {
    SmtpSink closed;  // a port that was just free and is closed again
    dead_smtp = closed.url();
  }
  config_.notify_max_attempts = 2;
  const json grant = SetUpTeam(hook_.url(), dead_smtp);
  ASSERT_FALSE(HasFailure());
  const json asked = Request(grant);
  const std::string request = asked.value("id", "");
  ASSERT_EQ(request.size(), 32u) << asked;
  const int64_t release_ms = asked.value("release_ms", int64_t{0});

  ASSERT_OK(server_->Tick()) << "a failed delivery never fails the tick";
  ASSERT_NO_FATAL_FAILURE(Pass(hours(47)));
  EXPECT_EQ(RequestNow(request).value("state", ""), "waiting");
  ASSERT_NO_FATAL_FAILURE(Pass(hours(1)));

  // Released at the end of the wait, not held back by the dead receivers.
  const json released = RequestNow(request);
  EXPECT_EQ(released.value("state", ""), "released") << released;
  EXPECT_EQ(released.value("released_ms", int64_t{0}), release_ms);
  CliResult pw = As("deputy", {"emergency", "open", request, kItem, "--field", "password"});
  EXPECT_EQ(pw.out, kPassword + "\n");

  // The webhook was asked once a tick (a failed channel waits for the next
  // tick) and said no each time; nothing counts as delivered.
  EXPECT_EQ(hook_.requests(), 3u);
  EXPECT_TRUE(hook_.bodies().empty());
  const std::vector<Delivery> rows = Deliveries();
  ASSERT_EQ(rows.size(), 9u) << "requested, reminder, released: a webhook and 2 mails each";
  for (const Delivery& d : rows) {
    SCOPED_TRACE(d.id);
    EXPECT_NE(d.state, DeliveryState::kDelivered);
    EXPECT_FALSE(d.delivered_ms.has_value());
    if (d.attempts == 0) continue;
    EXPECT_TRUE(d.last_error == "webhook: HTTP 500" || d.last_error.starts_with("smtp: "))
        << d.last_error;
    EXPECT_EQ(d.last_error.find("127.0.0.1"), std::string::npos) << "no address in the error";
    EXPECT_EQ(d.last_error.find("internal detail"), std::string::npos) << "no receiver's body";
  }
  // The first notice's webhook delivery was tried twice and given up.
  ASSERT_EQ(rows[0].channel, DeliveryChannel::kWebhook);
  EXPECT_EQ(rows[0].kind, "emergency.requested");
  EXPECT_EQ(rows[0].state, DeliveryState::kFailed);
  EXPECT_EQ(rows[0].attempts, 2);
  EXPECT_EQ(rows[0].last_error, "webhook: HTTP 500");
  EXPECT_TRUE(rows[0].ended_ms.has_value());
  const bool mail_tried = std::any_of(rows.begin(), rows.end(), [](const Delivery& d) {
    return d.channel == DeliveryChannel::kEmail && d.attempts > 0;
  });
  EXPECT_TRUE(mail_tried);
  ASSERT_NO_FATAL_FAILURE(ExpectNoSecretsInNotices(grant));
  EXPECT_NE(As("auditor", {"audit", "log"}).out.find("server  emergency.release  "),
            std::string::npos);
}

TEST_F(EmergencyStoryTest, AnAdminVetoesEveryoneIsToldAndTheDeputyGetsNothing) {
  const json grant = SetUpTeam(hook_.url(), smtp_.url());
  ASSERT_FALSE(HasFailure());
  const json asked = Request(grant);
  const std::string request = asked.value("id", "");
  ASSERT_EQ(request.size(), 32u) << asked;
  ASSERT_OK(server_->Tick());
  ASSERT_TRUE(hook_.WaitFor(1));

  // Anna, not the grantor, says no.
  CliResult no = As("admin", {"emergency", "reject", request.substr(0, 8), "--reason",
                              "Mari vastas telefonile, pole vaja"});
  EXPECT_NE(no.out.find("Rejected by Anna at "), std::string::npos) << no.out;
  EXPECT_NE(no.out.find(": nothing was released."), std::string::npos) << no.out;
  ASSERT_OK(server_->Tick());
  ASSERT_NO_FATAL_FAILURE(
      ExpectNotice(1, "emergency.rejected",
                   "Anna rejected Deputy Jaan's request for emergency access to " + kCollection));

  // The wait passes: no reminder, no release, nothing more to anyone.
  ASSERT_NO_FATAL_FAILURE(Pass(hours(49)));
  ASSERT_OK(server_->Tick());
  EXPECT_EQ(hook_.requests(), 2u);
  EXPECT_EQ(smtp_.messages().size(), 4u);
  EXPECT_EQ(Deliveries().size(), 6u);
  EXPECT_EQ(RequestNow(request).value("state", ""), "rejected");

  CliResult open = As("deputy", {"emergency", "open", request, kItem, "--field", "password"},
                      cli::kExitConflict);
  EXPECT_EQ(open.out, "");
  EXPECT_NE(open.err.find("nothing was released"), std::string::npos) << open.err;
  CliResult direct =
      As("deputy", {"item", "get", kItem, "--field", "password"}, cli::kExitNotFound);
  EXPECT_EQ(direct.out.find(kPassword), std::string::npos);
  const json due = json::parse(As("owner", {"--json", "due"}).out);
  EXPECT_TRUE(due["overdue"].empty()) << due;
  ASSERT_NO_FATAL_FAILURE(ExpectNoSecretsInNotices(grant));

  const std::string log = As("auditor", {"audit", "log"}).out;
  EXPECT_TRUE(InOrder(log, {"Jaan  emergency.request  ", "Anna  emergency.reject  "}));
  for (const char* never :
       {"emergency.reminder", "emergency.release", "emergency.keys.read", "emergency.item.read"}) {
    EXPECT_EQ(log.find(never), std::string::npos) << never << "\n" << log;
  }
  CliResult verify = As("auditor", {"audit", "verify"});
  EXPECT_EQ(verify.out.rfind("OK: ", 0), 0u) << verify.out;
}

}  // namespace
