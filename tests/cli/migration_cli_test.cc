// A team from before the roster: it keeps working; its owner adopts it
// (`baton team adopt`) after comparing every member's key words, and a
// member's existing profile starts trusting the roster (`baton team trust`)
// and keeps working.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

class MigrationCliTest : public testing_util::CliFixture {
 protected:
  CliResult As(const std::string& profile, std::vector<std::string> args,
               const std::string& stdin_text = "") {
    args.insert(args.begin(), {"--profile", profile});
    return Baton(args, stdin_text);
  }
  // Whether the profile pinned a roster (its item and key version pins are
  // kept from the first read, roster or not).
  bool HasPins(const std::string& profile) const {
    std::ifstream in(home_.File(profile + "/pins.json"));
    if (!in) return false;
    const json pins = json::parse(in, nullptr, false);
    return pins.is_object() && !pins.value("team_id", "").empty();
  }
  std::string Words(const std::string& name) {
    CliResult r = As("owner", {"--json", "member", "list"});
    EXPECT_EQ(r.code, 0) << r.err;
    for (const auto& m : json::parse(r.out)) {
      if (m.at("name") == name) return m.at("fingerprint_words");
    }
    ADD_FAILURE() << "no member " << name;
    return "";
  }
};

TEST_F(MigrationCliTest, ATeamFromBeforeTheRosterKeepsWorkingIsAdoptedAndTrusted) {
  // Owner and member joined as before the roster: no genesis, no pins.
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "join"));
  ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Jaan", "jaan"));
  EXPECT_FALSE(HasPins("owner"));
  EXPECT_FALSE(HasPins("jaan"));
  ASSERT_EQ(As("owner", {"collection", "create", "Kontor"}).code, 0);
  ASSERT_EQ(
      As("owner", {"item", "add", "Kontor", "Ruuter", "--channel", "facebook", "--password-stdin"},
         "ruuter-pw\n")
          .code,
      0);
  ASSERT_EQ(
      As("owner", {"collection", "grant", "Kontor", "Jaan", "view", "--fingerprint", Words("Jaan")})
          .code,
      0);
  CliResult read = As("jaan", {"item", "get", "Ruuter", "--field", "password"});
  ASSERT_EQ(read.code, 0) << read.err;
  EXPECT_EQ(read.out, "ruuter-pw\n");

  // Nothing to trust yet, and no vouching without a roster.
  CliResult early = As("jaan", {"team", "trust"});
  EXPECT_EQ(early.code, cli::kExitConflict) << early.err;
  EXPECT_NE(early.err.find("baton team adopt"), std::string::npos) << early.err;
  EXPECT_EQ(As("jaan", {"team", "adopt", "--confirm"}).code, cli::kExitDenied);  // not an owner

  // Unconfirmed: it shows what the owner must compare, and adopts nothing.
  CliResult unsure = As("owner", {"team", "adopt"});
  EXPECT_EQ(unsure.code, cli::kExitAuth) << unsure.err;
  EXPECT_NE(unsure.err.find("Compare each member's key fingerprint"), std::string::npos)
      << unsure.err;
  EXPECT_NE(unsure.err.find("Jaan (member): " + Words("Jaan")), std::string::npos) << unsure.err;
  EXPECT_NE(unsure.err.find("Mari (owner): " + Words("Mari")), std::string::npos) << unsure.err;
  EXPECT_NE(unsure.err.find("Escrow key: "), std::string::npos) << unsure.err;
  EXPECT_NE(unsure.err.find("collection Kontor, key version 1, held by 2 member(s)"),
            std::string::npos)
      << unsure.err;
  EXPECT_FALSE(HasPins("owner"));

  CliResult adopted = As("owner", {"team", "adopt", "--confirm"});
  ASSERT_EQ(adopted.code, 0) << adopted.err;
  // team.create, Jaan, the collection and Jaan's access to it.
  EXPECT_NE(adopted.out.find("Adopted: 4 statements"), std::string::npos) << adopted.out;
  EXPECT_TRUE(HasPins("owner"));
  const std::string marker = "team fingerprint ";
  const size_t at = adopted.out.find(marker);
  ASSERT_NE(at, std::string::npos) << adopted.out;
  const std::string team_words =
      adopted.out.substr(at + marker.size(), adopted.out.find('\n', at) - at - marker.size());
  EXPECT_EQ(As("owner", {"team", "adopt", "--confirm"}).code, cli::kExitConflict);

  // Jaan's profile trusts only the words the owner reads out.
  CliResult wrong = As("jaan", {"team", "trust", "--fingerprint", "not the words"});
  EXPECT_EQ(wrong.code, cli::kExitAuth) << wrong.err;
  EXPECT_FALSE(HasPins("jaan"));
  CliResult trusted = As("jaan", {"team", "trust", "--fingerprint", team_words});
  ASSERT_EQ(trusted.code, 0) << trusted.err;
  EXPECT_TRUE(HasPins("jaan"));
  EXPECT_EQ(As("jaan", {"team", "trust", "--fingerprint", team_words}).code, cli::kExitConflict);
  CliResult again = As("jaan", {"item", "get", "Ruuter", "--field", "password"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, "ruuter-pw\n");
}

}  // namespace
