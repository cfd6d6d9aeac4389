// baton member email: a member sets and clears the address batond e-mails
// notices to, against a real batond.
#include <gtest/gtest.h>

#include "cli_fixture.h"

namespace {

using nlohmann::json;
using testing_util::CliFixture;
using testing_util::CliResult;

class MemberEmailCliTest : public CliFixture {
 protected:
  std::string StoredEmail(const std::string& name) {
    std::string out = "?";
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto members = t.ListMembers();
      if (!members) return members.error();
      for (const auto& m : *members) {
        if (m.name == name) out = m.email;
      }
      return vault::Status::OK();
    }));
    return out;
  }
};

TEST_F(MemberEmailCliTest, SetsShowsAndClearsTheAddress) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Tõnu"));
  CliResult set = Baton({"member", "email", "tonu@example.org"});
  ASSERT_EQ(set.code, 0) << set.err;
  EXPECT_NE(set.out.find("tonu@example.org"), std::string::npos) << set.out;
  EXPECT_EQ(StoredEmail("Tõnu"), "tonu@example.org");

  CliResult js = Baton({"--json", "member", "email", "tonu2@example.org"});
  ASSERT_EQ(js.code, 0) << js.err;
  EXPECT_EQ(json::parse(js.out)["email"], "tonu2@example.org");

  CliResult bad = Baton({"member", "email", "tonu at example"});
  EXPECT_EQ(bad.code, 8) << bad.out << bad.err;  // kExitInvalid
  EXPECT_NE(bad.err.find("email"), std::string::npos) << bad.err;
  EXPECT_EQ(StoredEmail("Tõnu"), "tonu2@example.org");

  CliResult neither = Baton({"member", "email"});
  EXPECT_EQ(neither.code, 2) << neither.err;  // kExitUsage
  CliResult both = Baton({"member", "email", "a@example.org", "--clear"});
  EXPECT_EQ(both.code, 2) << both.err;
  EXPECT_EQ(StoredEmail("Tõnu"), "tonu2@example.org");

  CliResult clear = Baton({"member", "email", "--clear"});
  ASSERT_EQ(clear.code, 0) << clear.err;
  EXPECT_EQ(StoredEmail("Tõnu"), "");
}

}  // namespace
