// baton calendar url / revoke: the URL printed is the server's, works
// without a session until revoked, and --all is for owners and admins.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/exit_codes.h"
#include "cli_fixture.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

class CalendarCliTest : public testing_util::CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "init"));
    ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Jüri", "juri"));
    As("owner", {"collection", "create", "Sotsiaalmeedia"});
    As("owner",
       {"item", "add", "Sotsiaalmeedia", "Facebook page", "--channel", "facebook", "--username",
        "mari@firma.ee", "--password-stdin"},
       0, "pw-Facebook-1\n");
  }

  // The path of a printed feed URL on this server.
  std::string PathOf(const std::string& printed) {
    std::string feed_url = printed;
    while (!feed_url.empty() && feed_url.back() == '\n') feed_url.pop_back();
    EXPECT_TRUE(feed_url.starts_with(url() + "/v1/calendar/")) << feed_url;
    return feed_url.substr(url().size());
  }
};

TEST_F(CalendarCliTest, UrlServesTheFeedUntilRevoked) {
  CliResult made = As("owner", {"calendar", "url"});
  const std::string path = PathOf(made.out);
  EXPECT_NE(made.err.find("baton calendar revoke"), std::string::npos) << made.err;
  testing_util::Reply feed = Call("GET", path);
  ASSERT_EQ(feed.status, 200) << feed.raw;
  EXPECT_NE(feed.raw.find("SUMMARY:Rotate Facebook page (facebook)"), std::string::npos)
      << feed.raw;
  EXPECT_EQ(feed.raw.find("pw-Facebook"), std::string::npos);
  EXPECT_EQ(feed.raw.find("mari@firma.ee"), std::string::npos);

  CliResult revoked = As("owner", {"calendar", "revoke"});
  EXPECT_NE(revoked.out.find("Revoked"), std::string::npos) << revoked.out;
  EXPECT_EQ(Call("GET", path).status, 404);
  // Nothing left to revoke.
  As("owner", {"calendar", "revoke"}, cli::kExitNotFound);
}

TEST_F(CalendarCliTest, JsonAndAllForAdminsOnly) {
  CliResult all = As("owner", {"--json", "calendar", "url", "--all"});
  const json j = json::parse(all.out);
  EXPECT_TRUE(j.value("all", false));
  EXPECT_EQ(Call("GET", PathOf(j.value("url", ""))).status, 200);
  CliResult refused = As("juri", {"calendar", "url", "--all"}, cli::kExitDenied);
  EXPECT_TRUE(refused.out.empty()) << refused.out;
  // A member's own feed is theirs to have, even with nothing in it.
  CliResult mine = As("juri", {"calendar", "url"});
  testing_util::Reply feed = Call("GET", PathOf(mine.out));
  ASSERT_EQ(feed.status, 200);
  EXPECT_EQ(feed.raw.find("BEGIN:VEVENT"), std::string::npos) << feed.raw;
}

TEST_F(CalendarCliTest, BadCommandLinesAreUsageErrors) {
  As("owner", {"calendar"}, cli::kExitUsage);
  As("owner", {"calendar", "url", "--every"}, cli::kExitUsage);
  As("owner", {"calendar", "revoke", "extra"}, cli::kExitUsage);
}

}  // namespace
