// baton emergency ...: the pure pieces (durations, ids, plain words) without a
// server, bad input refused before any request, and the end-to-end stories
// against a real batond; a missing route fails them.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"
#include "emergency.h"
#include "vault/totp.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;
namespace em = cli::emergency;
using std::chrono::hours;
using vault::emergency::State;

constexpr char kPassword[] = "Lehe-Parool-Sõna-2026!";
constexpr char kTotpUri[] =
    "otpauth://totp/Facebook:social%40firma.ee?secret=JBSWY3DPEHPK3PXP&issuer=Facebook";
constexpr char kItem[] = "Facebook page";

int64_t Ms(std::chrono::sys_days day, hours h = hours(0)) {
  return std::chrono::duration_cast<std::chrono::milliseconds>((day + h).time_since_epoch())
      .count();
}

// --- Pure pieces ------------------------------------------------------------------

TEST(EmergencyWordsTest, ParsesDurationsPeopleType) {
  EXPECT_EQ(em::ParseHours("48h", "--wait", 1, 2160).value(), 48);
  EXPECT_EQ(em::ParseHours("7d", "--wait", 1, 2160).value(), 168);
  EXPECT_EQ(em::ParseHours("2w", "--wait", 1, 2160).value(), 336);
  EXPECT_EQ(em::ParseHours("1h", "--wait", 1, 2160).value(), 1);
  EXPECT_EQ(em::ParseHours("90d", "--wait", 1, 2160).value(), 2160);
}

TEST(EmergencyWordsTest, RefusesBadDurationsNamingTheOption) {
  for (const char* bad : {"5x", "", "h", "48", "-1h", "1.5h", "48 h", "1e3h", "9999999h", "d7"}) {
    auto r = em::ParseHours(bad, "--wait", 1, 2160);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error().IsInvalidArgument()) << bad;
    EXPECT_NE(r.error().message().find("--wait"), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("48h, 7d or 2w"), std::string::npos) << r.error().message();
  }
  for (const char* out_of_range : {"0h", "0d", "91d", "2161h", "13w"}) {
    auto r = em::ParseHours(out_of_range, "--wait", 1, 2160);
    ASSERT_FALSE(r) << out_of_range;
    EXPECT_EQ(r.error().message(),
              std::string("--wait must be between 1 hour and 90 days (got ") + out_of_range + ")");
  }
}

TEST(EmergencyWordsTest, DurationsAndTimesInWords) {
  EXPECT_EQ(em::HoursInWords(1), "1 hour");
  EXPECT_EQ(em::HoursInWords(36), "36 hours");
  EXPECT_EQ(em::HoursInWords(24), "1 day");
  EXPECT_EQ(em::HoursInWords(48), "2 days");
  using namespace std::chrono;
  EXPECT_EQ(em::UtcTime(Ms(sys_days{2026y / 12 / 1}, hours(14))), "2026-12-01 14:00 UTC");
  EXPECT_EQ(em::UtcTime(Ms(sys_days{2026y / 12 / 1}, hours(14)) + 59'999), "2026-12-01 14:00 UTC");
  EXPECT_EQ(em::UtcTime(0), "1970-01-01 00:00 UTC");
}

TEST(EmergencyWordsTest, MatchesIdsByAKindPrefix) {
  const std::vector<std::string> ids = {"0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                                        "0a1b2c99999999999999999999999999",
                                        "ffeeddccbbaa99887766554433221100"};
  EXPECT_EQ(em::MatchId(ids, ids[0], "grant").value(), ids[0]);
  EXPECT_EQ(em::MatchId(ids, "ffeedd", "grant").value(), ids[2]);
  EXPECT_EQ(em::MatchId(ids, "FFEEDDCC", "grant").value(), ids[2]);
  EXPECT_EQ(em::MatchId(ids, "0a1b2c3", "grant").value(), ids[0]);

  auto ambiguous = em::MatchId(ids, "0a1b2c", "grant");
  ASSERT_FALSE(ambiguous);
  EXPECT_TRUE(ambiguous.error().IsFailedPrecondition());
  EXPECT_NE(ambiguous.error().message().find("ambiguous"), std::string::npos);

  auto none = em::MatchId(ids, "123456", "request");
  ASSERT_FALSE(none);
  EXPECT_TRUE(none.error().IsNotFound());
  EXPECT_NE(none.error().message().find("no request with id 123456"), std::string::npos);

  for (const char* bad : {"0a1b2", "", "xyz123", "0a1b2c-", "0a1b2c3d4e5f60718293a4b5c6d7e8f9aa"}) {
    auto r = em::MatchId(ids, bad, "grant");
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error().IsInvalidArgument()) << bad << ": " << r.error().message();
  }
}

class RequestWordsTest : public ::testing::Test {
 protected:
  const int64_t requested_ =
      Ms(std::chrono::sys_days{std::chrono::year(2026) / 11 / 29}, hours(14));
  const int64_t release_ = requested_ + 48 * 3600 * 1000LL;
  const em::Names names_ = {{"anna-id", "Anna"}, {"jaan-id", "Jaan"}};
  vault::api::RequestAnswer request_ = [this] {
    vault::api::RequestAnswer a;
    a.request.id = "r1";
    a.request.grant_id = "g1";
    a.request.state = State::kWaiting;
    a.request.reason = "Mari is in hospital";
    a.request.requested_ms = requested_;
    a.request.release_ms = release_;
    a.deputy_id = "jaan-id";
    a.confirmations_required = 0;
    a.admins_notified = 2;
    return a;
  }();
};

TEST_F(RequestWordsTest, WaitingSaysWhenAccessOpens) {
  EXPECT_EQ(em::RequestInWords(request_, names_, requested_),
            "Access will open on 2026-12-01 14:00 UTC unless an admin rejects it; admins "
            "notified: 2.");
}

TEST_F(RequestWordsTest, WaitingForConfirmations) {
  request_.confirmations_required = 2;
  request_.request.confirmations = {"kati-id"};
  EXPECT_EQ(em::RequestInWords(request_, names_, requested_),
            "Access will open on 2026-12-01 14:00 UTC at the earliest, once 1 more confirmation "
            "from another deputy (have 1 of 2) arrive, unless an admin rejects it; admins "
            "notified: 2.");
  EXPECT_EQ(em::RequestInWords(request_, names_, release_ + 1),
            "The wait ended on 2026-12-01 14:00 UTC; access opens as soon as 1 more confirmation "
            "from another deputy (have 1 of 2) arrive, unless an admin rejects it; admins "
            "notified: 2.");
  request_.request.confirmations = {"kati-id", "peeter-id"};
  EXPECT_EQ(em::RequestInWords(request_, names_, requested_).rfind("Access will open on", 0), 0u);
}

TEST_F(RequestWordsTest, RejectedReleasedExpiredCancelled) {
  request_.request.state = State::kRejected;
  request_.request.decided_by = "anna-id";
  request_.request.decided_ms = requested_ + 3600 * 1000LL;
  EXPECT_EQ(em::RequestInWords(request_, names_, requested_),
            "Rejected by Anna at 2026-11-29 15:00 UTC: nothing was released.");

  request_.request.state = State::kReleased;
  request_.request.expires_ms = requested_ + 3600 * 1000LL * 73;
  EXPECT_EQ(em::RequestInWords(request_, names_, requested_),
            "Approved early by Anna at 2026-11-29 15:00 UTC. Open until 2026-12-02 15:00 UTC. "
            "Every item you read is in the access log and will be flagged for rotation.");
  request_.request.decided_by.reset();
  request_.request.decided_ms.reset();
  request_.request.expires_ms = release_ + 72 * 3600 * 1000LL;
  EXPECT_EQ(em::RequestInWords(request_, names_, release_),
            "Open until 2026-12-04 14:00 UTC. Every item you read is in the access log and will "
            "be flagged for rotation.");

  request_.request.state = State::kExpired;
  EXPECT_EQ(em::RequestInWords(request_, names_, release_)
                .rfind("Access ended on 2026-12-04 14:00 UTC", 0),
            0u);

  request_.request.state = State::kCancelled;
  request_.request.decided_ms = requested_;
  EXPECT_EQ(em::RequestInWords(request_, names_, requested_),
            "Cancelled at 2026-11-29 14:00 UTC: the grant was revoked; nothing more will be "
            "released.");
  // An unknown decider shows as its id, never as nothing.
  request_.request.state = State::kRejected;
  request_.request.decided_by = "0123456789abcdef0123456789abcdef";
  EXPECT_NE(em::RequestInWords(request_, names_, requested_).find("0123456789abcdef"),
            std::string::npos);
}

TEST(EmergencyWordsTest, GrantInOneSentence) {
  vault::api::GrantAnswer grant;
  grant.grant.id = "g1";
  grant.grant.grantor_id = "mari-id";
  grant.grant.deputy_id = "jaan-id";
  grant.grant.mode = vault::emergency::GrantMode::kView;
  grant.grant.wait_s = 48 * 3600;
  grant.grant.confirmations_required = 1;
  grant.grant.access_window_s = 72 * 3600;
  grant.grant.status = vault::emergency::GrantStatus::kActive;
  grant.grant.collections = {"c1", "c2"};
  EXPECT_EQ(
      em::GrantInWords(grant, {{"jaan-id", "Jaan"}}, {{"c1", "Social media"}, {"c2", "Bank"}}),
      "Jaan may ask for view access to Social media, Bank. Access opens 2 days after they "
      "ask unless an admin rejects it, and only once 1 other deputy confirms; it stays open "
      "for 3 days.");
  vault::api::GrantAnswer revoked = grant;
  revoked.grant.status = vault::emergency::GrantStatus::kRevoked;
  revoked.grant.mode = vault::emergency::GrantMode::kTakeover;
  const std::string words = em::GrantInWords(revoked, {}, {});
  EXPECT_NE(words.find("takeover access (they become an admin)"), std::string::npos) << words;
  EXPECT_NE(words.find("This grant is revoked"), std::string::npos) << words;
}

// --- Against batond ---------------------------------------------------------------------

class EmergencyCliTest : public testing_util::CliFixture {
 protected:
  // Owner Mari with the Facebook page login in "Social media", deputy Jaan,
  // auditor Tõnu.
  void SetUpTeam() {
    ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "init"));
    ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Jaan", "deputy"));
    ASSERT_NO_FATAL_FAILURE(CliJoin("auditor", "Tõnu", "auditor"));
    As("owner", {"collection", "create", "Social media"});
    As("owner",
       {"item", "add", "Social media", kItem, "--channel", "facebook", "--username",
        "social@firma.ee", "--password-stdin", "--totp-uri-stdin"},
       0, std::string(kPassword) + "\n" + kTotpUri + "\n");
  }

  std::string Words(const std::string& member) {
    CliResult r = As("owner", {"--json", "member", "list"});
    for (const auto& m : json::parse(r.out)) {
      if (m.value("name", "") == member) return m.value("fingerprint_words", "");
    }
    ADD_FAILURE() << "no member " << member;
    return "";
  }

  // `emergency grant` as the owner; returns the grant id.
  std::string GrantTo(const std::string& deputy, std::vector<std::string> extra = {},
                      const std::string& collection = "Social media") {
    std::vector<std::string> args = {"--json", "emergency",    "grant",
                                     deputy,   "--collection", collection};
    args.insert(args.end(), extra.begin(), extra.end());
    // 48 hours unless the caller names a wait.
    if (std::find(extra.begin(), extra.end(), "--wait") == extra.end()) {
      args.insert(args.end(), {"--wait", "48h"});
    }
    CliResult r = As("owner", args);
    if (r.code != 0) return "";
    return json::parse(r.out).value("id", "");
  }

  // `emergency request` as `profile`; returns the request id.
  std::string RequestAs(const std::string& profile, const std::string& grant) {
    CliResult r = As(profile, {"--json", "emergency", "request", grant.substr(0, 8), "--reason",
                               "Mari is in hospital and the page must answer customers"});
    if (r.code != 0) return "";
    return json::parse(r.out).value("id", "");
  }

  void Pass(std::chrono::hours h) {
    env_.AdvanceTime(h);
    ASSERT_OK(server_->Tick());
  }

  std::string TotpNow() {
    auto params = vault::totp::ParseOtpauthUri(kTotpUri);
    EXPECT_TRUE(params.has_value());
    auto code = vault::totp::TotpCode(*params, env_.Now());
    EXPECT_TRUE(code.has_value());
    return code.value_or("");
  }

  // Refused by the policy or the state machine (the contract leaves which
  // to the server), with nothing on standard output.
  static void ExpectRefused(const CliResult& r) {
    EXPECT_TRUE(r.code == cli::kExitDenied || r.code == cli::kExitConflict ||
                r.code == cli::kExitNotFound)
        << r.code << r.out << r.err;
    EXPECT_EQ(r.out, "");
  }

  json Grants(const std::string& profile) {
    return json::parse(As(profile, {"--json", "emergency", "list"}).out);
  }
};

TEST_F(EmergencyCliTest, EveryCommandHasHelp) {
  for (const char* sub : {"grant", "list", "show", "change", "revoke", "decline", "request",
                          "status", "approve", "reject", "confirm", "open"}) {
    CliResult r = Baton({"emergency", sub, "--help"});
    EXPECT_EQ(r.code, 0) << sub << r.err;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub << r.out;
  }
  CliResult group = Baton({"emergency", "--help"});
  EXPECT_EQ(group.code, 0);
  EXPECT_NE(group.out.find("open"), std::string::npos) << group.out;
  CliResult rekey = Baton({"collection", "rekey", "--help"});
  EXPECT_EQ(rekey.code, 0);
}

// Bad input is refused before any request: the audit log (which records even
// sign-ins and reads) does not grow.
TEST_F(EmergencyCliTest, BadInputIsRefusedBeforeAnyRequest) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "init"));
  const int64_t before = AuditLength();
  struct Case {
    std::vector<std::string> args;
    int want;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"grant", "Jaan", "--collection", "Social media", "--wait", "5x"},
       cli::kExitInvalid,
       "\"5x\" is not a duration"},
      {{"grant", "Jaan", "--collection", "Social media", "--wait", "30m"},
       cli::kExitInvalid,
       "not a duration"},
      {{"grant", "Jaan", "--collection", "Social media", "--wait", "0h"},
       cli::kExitInvalid,
       "--wait must be between 1 hour and 90 days"},
      {{"grant", "Jaan", "--collection", "Social media", "--wait", "91d"},
       cli::kExitInvalid,
       "--wait must be between 1 hour and 90 days"},
      {{"grant", "Jaan", "--collection", "Social media", "--wait", "48h", "--window", "31d"},
       cli::kExitInvalid,
       "--window must be between 1 hour and 30 days"},
      {{"grant", "Jaan", "--collection", "Social media", "--wait", "48h", "--confirmations", "11"},
       cli::kExitUsage,
       "--confirmations"},
      {{"grant", "Jaan", "--collection", "Social media", "--wait", "48h", "--mode", "admin"},
       cli::kExitUsage,
       "--mode"},
      {{"grant", "Jaan", "--wait", "48h"}, cli::kExitUsage, "--collection"},
      {{"request", "xyz", "--reason", "r"}, cli::kExitInvalid, "is not a grant id"},
      {{"request", "0a1b2", "--reason", "r"}, cli::kExitInvalid, "at least 6 hex digits"},
      {{"request", "0a1b2c3d", "--reason", ""}, cli::kExitInvalid, "--reason"},
      {{"request", "0a1b2c3d", "--reason", std::string(501, 'x')}, cli::kExitInvalid, "--reason"},
      {{"change", "0a1b2c3d"}, cli::kExitInvalid, "nothing to change"},
      {{"change", "0a1b2c3d", "--wait", "100d"}, cli::kExitInvalid, "--wait must be between"},
      {{"revoke", "not-an-id"}, cli::kExitInvalid, "is not a grant id"},
      {{"decline", "12"}, cli::kExitInvalid, "too short"},
      {{"status", "zz"}, cli::kExitInvalid, "is not a request id"},
      {{"approve", "0a1b"}, cli::kExitInvalid, "too short"},
      {{"reject", "0a1b2c3d", "--reason", std::string(501, 'x')}, cli::kExitInvalid, "500 bytes"},
      {{"confirm", "!"}, cli::kExitInvalid, "is not a request id"},
      {{"open", "0a1b"}, cli::kExitInvalid, "too short"},
      {{"show", "ghijkl"}, cli::kExitInvalid, "is not a grant or request id"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--profile", "owner", "emergency"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliResult r = Baton(args);
    EXPECT_EQ(r.code, c.want) << testing::PrintToString(c.args) << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << testing::PrintToString(c.args) << "\n"
                                                     << r.err;
    EXPECT_EQ(r.out, "") << testing::PrintToString(c.args);
  }
  EXPECT_EQ(AuditLength(), before);
}

TEST_F(EmergencyCliTest, OwnerAwayDeputyReadsThePageAfterTheWaitAndItIsAllLogged) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());

  // The owner sets it up, checking Jaan's fingerprint words.
  CliResult made =
      As("owner", {"emergency", "grant", "Jaan", "--collection", "Social media", "--mode", "view",
                   "--wait", "48h", "--window", "72h", "--fingerprint", Words("Jaan")});
  EXPECT_NE(made.err.find("Jaan's key fingerprint: " + Words("Jaan")), std::string::npos)
      << made.err;
  EXPECT_NE(made.out.find("Jaan may ask for view access to Social media. Access opens 2 days"),
            std::string::npos)
      << made.out;
  const json grants = Grants("deputy");
  ASSERT_EQ(grants.size(), 1u) << grants;
  const std::string grant = grants[0].value("id", "");
  EXPECT_EQ(grants[0].value("status", ""), "active");

  // Mari is away. Jaan asks, and is told exactly when access opens.
  const int64_t asked_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch()).count();
  CliResult asked = As("deputy", {"emergency", "request", grant.substr(0, 8), "--reason",
                                  "Mari is in hospital and the page must answer customers"});
  EXPECT_NE(asked.out.find("Access will open on " + em::UtcTime(asked_ms + 48 * 3600 * 1000LL) +
                           " unless an admin rejects it; admins notified: "),
            std::string::npos)
      << asked.out;
  const std::string request = Grants("deputy")[0]["request"].value("id", "");
  ASSERT_EQ(request.size(), 32u);

  // Nothing opens before the wait ends.
  CliResult early = As("deputy", {"emergency", "open", request, kItem, "--field", "password"},
                       cli::kExitConflict);
  EXPECT_EQ(early.out, "");
  EXPECT_NE(early.err.find("is not open"), std::string::npos) << early.err;
  ASSERT_NO_FATAL_FAILURE(Pass(hours(47)));
  As("deputy", {"emergency", "open", request, kItem, "--field", "password"}, cli::kExitConflict);

  // The wait ends: the deputy reads the page password and the current code.
  ASSERT_NO_FATAL_FAILURE(Pass(hours(2)));
  CliResult status = As("deputy", {"emergency", "status", request.substr(0, 6)});
  EXPECT_NE(status.out.find("Open until "), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("Every item you read is in the access log and will be flagged for "
                            "rotation."),
            std::string::npos)
      << status.out;
  CliResult list = As("deputy", {"emergency", "open", request});
  EXPECT_NE(list.out.find(kItem), std::string::npos) << list.out;
  CliResult pw = As("deputy", {"emergency", "open", request, kItem, "--field", "password"});
  EXPECT_EQ(pw.out, std::string(kPassword) + "\n");
  EXPECT_NE(pw.err.find("Open until "), std::string::npos) << pw.err;
  CliResult code = As("deputy", {"emergency", "open", request, kItem, "--field", "totp"});
  EXPECT_EQ(code.out, TotpNow() + "\n");
  CliResult shown = As("deputy", {"emergency", "open", request, kItem});
  EXPECT_NE(shown.out.find("password     ********"), std::string::npos) << shown.out;
  EXPECT_EQ(shown.out.find(kPassword), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("totp code    " + TotpNow()), std::string::npos) << shown.out;

  // Everything in scope is flagged for rotation.
  const json due = json::parse(As("owner", {"--json", "due"}).out);
  ASSERT_EQ(due["overdue"].size(), 1u) << due;
  EXPECT_EQ(due["overdue"][0]["name"], kItem);
  EXPECT_EQ(due["overdue"][0]["flags"][0]["kind"], "emergency-access");
  const json cols = json::parse(As("owner", {"--json", "collection", "list"}).out);
  EXPECT_TRUE(cols[0].value("needs_rekey", false)) << cols;

  // The auditor sees every step, and the chain verifies.
  CliResult verify = As("auditor", {"audit", "verify"});
  EXPECT_EQ(verify.out.rfind("OK: ", 0), 0u) << verify.out;
  CliResult log = As("auditor", {"audit", "log"});
  for (const char* step : {"emergency.grant.create", "emergency.request", "emergency.release",
                           "emergency.keys.read", "emergency.item.read"}) {
    EXPECT_NE(log.out.find(step), std::string::npos) << step << "\n" << log.out;
  }
}

TEST_F(EmergencyCliTest, RejectedBeforeReleaseTheDeputyGetsNothing) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  const std::string grant = GrantTo("Jaan");
  const std::string request = RequestAs("deputy", grant);
  ASSERT_FALSE(request.empty());

  CliResult no = As(
      "owner", {"emergency", "reject", request.substr(0, 10), "--reason", "I am back, not needed"});
  EXPECT_NE(no.out.find("Rejected by Mari at "), std::string::npos) << no.out;
  EXPECT_NE(no.out.find(": nothing was released."), std::string::npos) << no.out;

  ASSERT_NO_FATAL_FAILURE(Pass(hours(24 * 5)));
  CliResult status = As("deputy", {"emergency", "status", request});
  EXPECT_NE(status.out.find("Rejected by Mari"), std::string::npos) << status.out;
  CliResult open = As("deputy", {"emergency", "open", request, kItem, "--field", "password"},
                      cli::kExitConflict);
  EXPECT_EQ(open.out, "");
  EXPECT_NE(open.err.find("nothing was released"), std::string::npos) << open.err;
  // Too late to approve now: the state machine refuses, naming the state.
  As("owner", {"emergency", "approve", request}, cli::kExitConflict);
  const json due = json::parse(As("owner", {"--json", "due"}).out);
  EXPECT_TRUE(due["overdue"].empty()) << due;
  const std::string log = As("auditor", {"audit", "log"}).out;
  EXPECT_NE(log.find("emergency.reject"), std::string::npos) << log;
  EXPECT_EQ(log.find("emergency.keys.read"), std::string::npos) << log;
}

TEST_F(EmergencyCliTest, EarlyApprovalOpensAtOnce) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  const std::string request = RequestAs("deputy", GrantTo("Jaan", {"--wait", "7d"}));
  ASSERT_FALSE(request.empty());
  // A deputy cannot approve their own request.
  As("deputy", {"emergency", "approve", request}, cli::kExitDenied);
  CliResult yes = As("owner", {"emergency", "approve", request, "--reason", "go ahead"});
  EXPECT_NE(yes.out.find("Approved early by Mari at "), std::string::npos) << yes.out;
  EXPECT_NE(yes.out.find("Open until "), std::string::npos) << yes.out;
  CliResult pw = As("deputy", {"emergency", "open", request, kItem, "--field", "password"});
  EXPECT_EQ(pw.out, std::string(kPassword) + "\n");

  // The window closes after 72 hours (the default).
  ASSERT_NO_FATAL_FAILURE(Pass(hours(73)));
  CliResult late = As("deputy", {"emergency", "open", request, kItem, "--field", "password"},
                      cli::kExitConflict);
  EXPECT_NE(late.err.find("Access ended on"), std::string::npos) << late.err;
}

TEST_F(EmergencyCliTest, TwoPersonRuleWaitsForAnotherDeputy) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Kati", "second"));
  const std::string grant = GrantTo("Jaan", {"--confirmations", "1"});
  ASSERT_FALSE(GrantTo("Kati").empty());
  const std::string request = RequestAs("deputy", grant);
  ASSERT_FALSE(request.empty());
  // The requester's own confirmation does not count.
  ExpectRefused(Baton({"--profile", "deputy", "emergency", "confirm", request}));

  ASSERT_NO_FATAL_FAILURE(Pass(hours(49)));
  CliResult waiting = As("deputy", {"emergency", "status", request});
  EXPECT_NE(waiting.out.find("The wait ended on "), std::string::npos) << waiting.out;
  EXPECT_NE(waiting.out.find("1 more confirmation from another deputy (have 0 of 1)"),
            std::string::npos)
      << waiting.out;
  As("deputy", {"emergency", "open", request, kItem, "--field", "password"}, cli::kExitConflict);

  CliResult confirmed = As("second", {"emergency", "confirm", request});
  EXPECT_NE(confirmed.out.find("Confirmed request "), std::string::npos) << confirmed.out;
  ASSERT_OK(server_->Tick());
  CliResult pw = As("deputy", {"emergency", "open", request, kItem, "--field", "password"});
  EXPECT_EQ(pw.out, std::string(kPassword) + "\n");
  EXPECT_NE(As("auditor", {"audit", "log"}).out.find("emergency.confirm"), std::string::npos);
}

TEST_F(EmergencyCliTest, ADeputyOfOneCollectionCannotReachAnother) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  As("owner", {"collection", "create", "Bank"});
  As("owner", {"item", "add", "Bank", "Bank login", "--channel", "other", "--password-stdin"}, 0,
     "Panga-Parool-1\n");
  const std::string request = RequestAs("deputy", GrantTo("Jaan"));
  ASSERT_FALSE(request.empty());
  As("owner", {"emergency", "approve", request});

  CliResult list = As("deputy", {"--json", "emergency", "open", request});
  const json items = json::parse(list.out);
  ASSERT_EQ(items.size(), 1u) << items;
  EXPECT_EQ(items[0].value("name", ""), kItem);
  CliResult other =
      As("deputy", {"emergency", "open", request, "Bank login", "--field", "password"},
         cli::kExitNotFound);
  EXPECT_EQ(other.out, "");
  // Nor through the ordinary routes.
  CliResult direct =
      Baton({"--profile", "deputy", "item", "get", "Bank login", "--field", "password"});
  EXPECT_NE(direct.code, 0);
  EXPECT_EQ(direct.out.find("Panga-Parool-1"), std::string::npos);
}

TEST_F(EmergencyCliTest, AFingerprintMismatchRefusesTheGrantAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  const std::string wrong = Words("Tõnu");
  ASSERT_NE(wrong, Words("Jaan"));
  CliResult r = As("owner",
                   {"emergency", "grant", "Jaan", "--collection", "Social media", "--wait", "48h",
                    "--fingerprint", wrong},
                   cli::kExitAuth);
  EXPECT_NE(r.err.find("does not match"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was shared"), std::string::npos) << r.err;
  EXPECT_TRUE(Grants("owner").empty());
  EXPECT_EQ(As("auditor", {"audit", "log"}).out.find("emergency.grant.create"), std::string::npos);
}

TEST_F(EmergencyCliTest, UnknownIdsAndWrongStatesAreClearErrors) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  CliResult unknown =
      As("deputy", {"emergency", "request", "0123456789abcdef0123456789abcdef", "--reason", "help"},
         cli::kExitNotFound);
  EXPECT_NE(unknown.err.find("no grant with id 0123456789abcdef"), std::string::npos)
      << unknown.err;
  As("owner", {"emergency", "show", "abcdef"}, cli::kExitNotFound);
  As("owner", {"emergency", "grant", "Nobody", "--collection", "Social media", "--wait", "48h"},
     cli::kExitNotFound);
  As("owner", {"emergency", "grant", "Jaan", "--collection", "No such", "--wait", "48h"},
     cli::kExitNotFound);
  EXPECT_TRUE(Grants("owner").empty());

  const std::string grant = GrantTo("Jaan");
  const std::string request = RequestAs("deputy", grant);
  ASSERT_FALSE(request.empty());
  // One request at a time; no changes while it runs.
  As("deputy", {"emergency", "request", grant, "--reason", "again"}, cli::kExitConflict);
  As("owner", {"emergency", "change", grant, "--wait", "7d"}, cli::kExitConflict);
  EXPECT_EQ(Grants("owner")[0].value("wait_hours", 0), 48);

  // Revoking cancels the waiting request: nothing is released later either.
  CliResult revoked = As("owner", {"emergency", "revoke", grant.substr(0, 6)});
  EXPECT_NE(revoked.out.find("nothing more will be released"), std::string::npos) << revoked.out;
  ASSERT_NO_FATAL_FAILURE(Pass(hours(49)));
  CliResult status = As("deputy", {"emergency", "status", request});
  EXPECT_NE(status.out.find("Cancelled"), std::string::npos) << status.out;
  As("deputy", {"emergency", "open", request}, cli::kExitConflict);
}

TEST_F(EmergencyCliTest, ChangeAndDecline) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  const std::string grant = GrantTo("Jaan");
  CliResult changed = As("owner", {"emergency", "change", grant, "--wait", "7d", "--confirmations",
                                   "0", "--window", "1d"});
  EXPECT_NE(changed.out.find("Access opens 7 days after they ask"), std::string::npos)
      << changed.out;
  EXPECT_NE(changed.out.find("stays open for 1 day"), std::string::npos) << changed.out;
  // Only the deputy declines.
  ExpectRefused(Baton({"--profile", "owner", "emergency", "decline", grant}));
  CliResult declined = As("deputy", {"emergency", "decline", grant});
  EXPECT_NE(declined.out.find("You declined the emergency grant from Mari"), std::string::npos)
      << declined.out;
  EXPECT_EQ(Grants("owner")[0].value("status", ""), "declined");
  As("deputy", {"emergency", "request", grant, "--reason", "help"}, cli::kExitConflict);
}

}  // namespace
