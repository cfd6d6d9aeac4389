// The built-in runbooks: every channel type has one with all four sections,
// its sources and the date it was written; `baton runbook` prints them and
// `baton rotate` shows the steps for the item's channel.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"
#include "runbook.h"
#include "vault/rotation.h"

namespace {

using testing_util::CliResult;

TEST(RunbookDataTest, EveryChannelTypeHasACompleteRunbook) {
  auto all = cli::LoadRunbooks();
  ASSERT_TRUE(all.has_value()) << all.error().ToString();
  std::set<std::string> channels;
  const std::regex date(R"(\d{4}-\d{2}-\d{2})");
  for (const auto& r : *all) {
    SCOPED_TRACE(r.channel);
    EXPECT_TRUE(channels.insert(r.channel).second) << "two runbooks for " << r.channel;
    EXPECT_TRUE(vault::ParseChannelType(r.channel).has_value()) << "not a channel type";
    EXPECT_FALSE(r.password.empty());
    EXPECT_FALSE(r.sessions.empty());
    EXPECT_FALSE(r.backup_codes.empty());
    EXPECT_FALSE(r.second_admin.empty());
    ASSERT_FALSE(r.sources.empty());
    for (const auto& s : r.sources) EXPECT_TRUE(s.starts_with("https://")) << s;
    EXPECT_TRUE(std::regex_match(r.checked, date)) << r.checked;
    // The date says when it was written, not that anyone checked it since.
    EXPECT_NE(r.checked_against.find("as known on " + r.checked), std::string::npos)
        << r.checked_against;
    EXPECT_NE(r.checked_against.find("verify before relying on it"), std::string::npos)
        << r.checked_against;
  }
  for (vault::ChannelType t : vault::kAllChannelTypes) {
    EXPECT_TRUE(channels.contains(std::string(vault::ToString(t)))) << vault::ToString(t);
  }
  EXPECT_EQ(channels.size(), vault::kAllChannelTypes.size());
}

TEST(RunbookDataTest, MalformedDataIsRefusedNotHidden) {
  const std::string good =
      R"({"runbooks":[{"channel":"x","title":"X","checked":"2026-12-05",)"
      R"("checked_against":"c","password":["p"],"sessions":["s"],"backup_codes":["b"],)"
      R"("second_admin":["a"],"sources":["https://help.x.com/"]}]})";
  ASSERT_TRUE(cli::ParseRunbooks(good).has_value());
  for (const std::string& bad : {
           std::string("not json"),
           std::string(R"({"runbooks":{}})"),
           std::string(R"({"runbooks":[{"channel":"x"}]})"),
           std::regex_replace(good, std::regex(R"("second_admin":\["a"\],)"), ""),
           std::regex_replace(good, std::regex(R"("sessions":\["s"\])"), R"("sessions":[])"),
           std::regex_replace(good, std::regex(R"("backup_codes":\["b"\])"),
                              R"("backup_codes":[1])"),
           std::regex_replace(good, std::regex(R"("checked":"2026-12-05",)"), ""),
       }) {
    auto r = cli::ParseRunbooks(bad);
    EXPECT_FALSE(r.has_value()) << bad;
  }
}

TEST(RunbookDataTest, PrintedStepsAreWrappedAndSanitised) {
  cli::Runbook r;
  r.channel = "other";
  r.title = "Evil\x1b[2J title";
  r.checked = "2026-12-05";
  r.checked_against = "as known";
  r.password = {std::string(30, 'a') + " " + std::string(30, 'b') + " " + std::string(30, 'c')};
  r.sessions = {"s"};
  r.backup_codes = {"b"};
  r.second_admin = {"a"};
  r.sources = {"https://example.org/"};
  std::ostringstream out;
  cli::PrintRunbook(out, r, 40);
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos) << out.str();
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 40u) << line;
  EXPECT_NE(out.str().find("  1. " + std::string(30, 'a') + "\n     " + std::string(30, 'b')),
            std::string::npos)
      << out.str();
}

class RunbookCliTest : public testing_util::CliFixture {
 protected:
  CliResult Run(std::vector<std::string> args, int want = 0, const std::string& stdin_text = "") {
    CliResult r = Baton(args, stdin_text);
    EXPECT_EQ(r.code, want) << testing::PrintToString(args) << "\n" << r.out << r.err;
    return r;
  }
};

TEST_F(RunbookCliTest, PrintsOneRunbookWithItsSectionsAndSources) {
  CliResult r = Run({"runbook", "facebook"});
  for (const char* heading : {"Change the password:", "See and end other sessions:",
                              "Renew the 2FA backup codes:", "Give a second person admin rights:",
                              "Sources:", "Checked 2026-12-05: published help pages"}) {
    EXPECT_NE(r.out.find(heading), std::string::npos) << heading << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("Page access"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("https://www.facebook.com/business/help"), std::string::npos) << r.out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 80u) << line;

  CliResult j = Run({"--json", "runbook", "google-business"});
  auto parsed = nlohmann::json::parse(j.out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << j.out;
  EXPECT_EQ(parsed["channel"], "google-business");
  EXPECT_FALSE(parsed["second_admin"].empty());
  EXPECT_EQ(parsed["checked"], "2026-12-05");
}

TEST_F(RunbookCliTest, ListsEveryChannel) {
  CliResult r = Run({"runbook", "--list"});
  for (vault::ChannelType t : vault::kAllChannelTypes) {
    EXPECT_NE(r.out.find(std::string(vault::ToString(t)) + " "), std::string::npos)
        << vault::ToString(t) << "\n"
        << r.out;
  }
  CliResult j = Run({"--json", "runbook", "--list"});
  auto parsed = nlohmann::json::parse(j.out, nullptr, false);
  ASSERT_TRUE(parsed.is_array()) << j.out;
  EXPECT_EQ(parsed.size(), vault::kAllChannelTypes.size());
}

TEST_F(RunbookCliTest, UnknownChannelNamesTheKnownOnes) {
  CliResult r = Run({"runbook", "myspace\x1b[2J"}, cli::kExitInvalid);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("no runbook for channel"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("facebook, instagram, x, linkedin"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;

  CliResult none = Run({"runbook"}, cli::kExitUsage);
  EXPECT_TRUE(none.out.empty()) << none.out;
  Run({"runbook", "facebook", "--list"}, cli::kExitUsage);
}

TEST_F(RunbookCliTest, RotateShowsTheStepsForTheItemsChannel) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "default", "init"));
  Run({"collection", "create", "Social"});
  Run({"item", "add", "Social", "Page", "--channel", "linkedin", "--username", "mari",
       "--password-stdin"},
      0, "pw-Page-1\n");
  // A channel without a runbook of its own is not possible through the CLI;
  // "other" is the generic one.
  Run({"item", "add", "Social", "Forum", "--channel", "other", "--username", "mari",
       "--password-stdin"},
      0, "pw-Forum-1\n");
  CliResult linkedin = Run({"rotate", "Page"});
  EXPECT_NE(linkedin.out.find("How to do it on LinkedIn"), std::string::npos) << linkedin.out;
  EXPECT_NE(linkedin.out.find("Sign in & security > Change password"), std::string::npos)
      << linkedin.out;
  EXPECT_NE(linkedin.out.find("Where you're signed in"), std::string::npos) << linkedin.out;
  EXPECT_NE(linkedin.out.find("`baton runbook linkedin`"), std::string::npos) << linkedin.out;
  CliResult other = Run({"rotate", "Forum"});
  EXPECT_NE(other.out.find("Any other service (generic)"), std::string::npos) << other.out;
}

}  // namespace
