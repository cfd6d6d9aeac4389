// `baton continuity` through the real baton binary, on the README's example
// team: the owner sees that only they can read "Facebook page" and what to
// type; each suggested command, run as printed, removes its finding; and
// `item edit --second-admin` records what the report asks for.
#include <gtest/gtest.h>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

class ContinuityCliTest : public testing_util::ProcessCliFixture {
 protected:
  ContinuityCliTest() : ProcessCliFixture(BATON_PATH) {}

  // The README's quick start: the owner, "Social media" with "Facebook
  // page", Jüri invited and joined but not yet granted; Kadri (member) and
  // Tõnu (auditor) too.
  void SetUp() override {
    ProcessCliFixture::SetUp();
    if (HasFatalFailure()) return;
    As("owner", {"init", url(), "--code-stdin"}, 0, Invite("owner", "Mari") + "\n");
    As("owner", {"collection", "create", "Social media"});
    As("owner",
       {"item", "add", "Social media", "Facebook page", "--channel", "facebook", "--username",
        "page-admin@example.com", "--password-stdin"},
       0, "page-password-1\n");
    ASSERT_NO_FATAL_FAILURE(InviteAndJoin("member", "Jüri", "juri"));
    ASSERT_NO_FATAL_FAILURE(InviteAndJoin("member", "Kadri", "kadri"));
    ASSERT_NO_FATAL_FAILURE(InviteAndJoin("auditor", "Tõnu", "tonu"));
  }

  json Report(const std::string& profile = "owner") {
    CliResult r = As(profile, {"--json", "continuity"});
    auto j = json::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_object()) << r.out << r.err;
    return j.is_object() ? j : json::object();
  }
};

TEST_F(ContinuityCliTest, ReadmeTeamShowsTheOnlyReaderAndWhatToType) {
  CliResult r = As("owner", {"continuity"});
  EXPECT_NE(r.out.find("only Mari can read \"Facebook page\" (collection \"Social media\")"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("fix: baton --profile owner collection grant 'Social media' 'Jüri' view"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("fix: baton --profile owner item edit 'Facebook page' --second-admin yes"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("recovery: not set up"), std::string::npos) << r.out;
  // Most serious first.
  EXPECT_LT(r.out.find("HIGH"), r.out.find("MEDIUM")) << r.out;
  EXPECT_LT(r.out.find("MEDIUM"), r.out.find("LOW")) << r.out;
  // Never a secret or a username.
  EXPECT_EQ(r.out.find("page-password-1"), std::string::npos);
  EXPECT_EQ(r.out.find("page-admin@example.com"), std::string::npos);

  As("owner", {"continuity", "--exit-code"}, cli::kExitAttention);
  As("tonu", {"continuity", "--exit-code"}, cli::kExitAttention);
}

TEST_F(ContinuityCliTest, EachSuggestedCommandRemovesItsFinding) {
  json report = Report();
  const size_t total = report["findings"].size();
  ASSERT_EQ(total, 3u) << report.dump(2);
  // Fix them one at a time, as printed, most serious first.
  for (size_t round = 0; round < total; ++round) {
    ASSERT_FALSE(report["findings"].empty()) << "round " << round;
    const json finding = report["findings"][0];
    std::vector<std::string> fix = finding["fix"];
    ASSERT_FALSE(fix.empty()) << finding.dump();
    std::string printed = "baton --profile owner";
    for (const auto& a : fix) printed += " " + a;
    SCOPED_TRACE(printed);
    EXPECT_EQ(finding["command"].get<std::string>().substr(0, 22), "baton --profile owner ");
    As("owner", fix);
    report = Report();
    for (const json& f : report["findings"]) {
      EXPECT_FALSE(f["kind"] == finding["kind"] && f["subject"] == finding["subject"])
          << "still there: " << f.dump();
    }
  }
  EXPECT_TRUE(report["findings"].empty()) << report.dump(2);
  CliResult clean = As("owner", {"continuity", "--exit-code"});
  EXPECT_NE(clean.out.find("No findings"), std::string::npos) << clean.out;
}

TEST_F(ContinuityCliTest, MembersCannotCallIt) {
  CliResult r = As("juri", {"continuity"}, cli::kExitDenied);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(r.err.find("Facebook"), std::string::npos) << r.err;
}

TEST_F(ContinuityCliTest, SecondAdminIsRecordedAndShown) {
  As("owner", {"item", "edit", "Facebook page", "--second-admin", "no"});
  CliResult got = As("owner", {"item", "get", "Facebook page"});
  EXPECT_NE(got.out.find("second admin no"), std::string::npos) << got.out;
  CliResult list = As("owner", {"--json", "item", "list"});
  auto items = json::parse(list.out, nullptr, false);
  ASSERT_TRUE(items.is_array()) << list.out;
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["second_admin"], "no");

  // A bad value is refused before anything is sent; nothing changes.
  CliResult bad =
      As("owner", {"item", "edit", "Facebook page", "--second-admin", "maybe"}, cli::kExitUsage);
  EXPECT_NE(bad.err.find("second-admin"), std::string::npos) << bad.err;
  // A member with edit access may not record it.
  As("owner", {"collection", "grant", "Social media", "Jüri", "edit"});
  As("juri", {"item", "edit", "Facebook page", "--second-admin", "yes"}, cli::kExitDenied);
  got = As("owner", {"item", "get", "Facebook page"});
  EXPECT_NE(got.out.find("second admin no"), std::string::npos) << got.out;
}

}  // namespace
