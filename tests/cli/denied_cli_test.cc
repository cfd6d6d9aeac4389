// Refused requests in `baton audit log --denied`, through the real `baton`
// binary against a real batond: a member whose access was taken away tries
// to read an item they still know from their offline cache, and the auditor
// sees who was refused what, how often, in text, JSON and CSV; the log with
// the refusal in its chain still verifies.
#include <gtest/gtest.h>

#include <chrono>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

class DeniedCliTest : public testing_util::ProcessCliFixture {
 protected:
  DeniedCliTest() : ProcessCliFixture(BATON_PATH) {}
};

TEST_F(DeniedCliTest, AMembersRefusedReadShowsUpForTheAuditor) {
  As("owner", {"init", url(), "--code-stdin"}, 0, Invite("owner", "Mari Õunapuu") + "\n");
  As("owner", {"collection", "create", "Kassa"});
  As("owner", {"item", "add", "Kassa", "Pank", "--channel", "other", "--password-stdin"}, 0,
     "Pank-sõna-42\n");
  ASSERT_NO_FATAL_FAILURE(InviteAndJoin("member", "Jüri Pärn", "member"));
  ASSERT_NO_FATAL_FAILURE(InviteAndJoin("auditor", "Ülle Õis", "auditor"));
  As("owner", {"collection", "grant", "Kassa", "Jüri Pärn", "view"});
  CliResult read = As("member", {"item", "get", "Pank", "--field", "password"});
  EXPECT_EQ(read.out, "Pank-sõna-42\n");
  As("owner", {"collection", "revoke", "Kassa", "Jüri Pärn"});
  // The member's offline cache still names the item; the server refuses,
  // and the member is told what they may no longer read does not exist.
  As("member", {"item", "get", "Pank", "--field", "password"}, cli::kExitNotFound);
  As("member", {"item", "get", "Pank", "--field", "password"}, cli::kExitNotFound);

  // The minute of the refusals is over.
  env_.AdvanceTime(std::chrono::seconds(61));
  CliResult log = As("auditor", {"audit", "log", "--denied"});
  EXPECT_NE(log.out.find("Jüri Pärn  item.read.denied  item:"), std::string::npos) << log.out;
  EXPECT_NE(log.out.find("refused 2x: "), std::string::npos) << log.out;
  EXPECT_EQ(log.out.find("collection.grant "), std::string::npos) << "only refusals: " << log.out;
  CliResult all = As("auditor", {"audit", "log"});
  EXPECT_NE(all.out.find("collection.revoke"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("item.read.denied"), std::string::npos) << all.out;

  CliResult js = As("auditor", {"--json", "audit", "log", "--denied"});
  const json events = json::parse(js.out)["events"];
  ASSERT_EQ(events.size(), 1u) << js.out;
  EXPECT_EQ(events[0]["action"], "item.read.denied");
  EXPECT_EQ(json::parse(events[0]["details"].get<std::string>())["count"], 2);

  CliResult csv = As("auditor", {"audit", "export", "--format", "csv", "--denied"});
  EXPECT_EQ(csv.out.rfind("seq,time,time_ms,actor,action,target,details,prev_hash,hash\r\n", 0), 0u)
      << csv.out;
  EXPECT_NE(csv.out.find(",item.read.denied,"), std::string::npos) << csv.out;
  EXPECT_EQ(csv.out.find(",collection.revoke,"), std::string::npos) << csv.out;

  CliResult verify = As("auditor", {"audit", "verify"});
  EXPECT_EQ(verify.out.rfind("OK: ", 0), 0u) << verify.out;
}

}  // namespace
