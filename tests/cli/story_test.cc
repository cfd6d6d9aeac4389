// The end-to-end story of the CLI issue, through the real `baton` binary run
// as a subprocess against a real batond: an owner sets up a team, shares the
// Facebook page login with an editor, a viewer and an auditor, each sees
// exactly what their role allows; the server goes down and the viewer still
// reads from the offline cache; back up, the offline reads reach the audit
// log, which shows it all and verifies; removing a member flags what they
// could read.
//
// The child uses the wall clock; the server's FakeEnv clock is set to it at
// the start, so both agree on "now" to within the length of the test.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"
#include "vault/totp.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

class StoryTest : public testing_util::ProcessCliFixture {
 protected:
  StoryTest() : ProcessCliFixture(BATON_PATH) {}
};

TEST_F(StoryTest, TeamSharesTheFacebookLoginAndTheAuditLogShowsIt) {
  const std::string kItem = "Facebooki leht – Käsitööõpe";  // ä, ö, õ
  const std::string kPassword = "Sõnaõhtu-Tööd-äpp-42";
  const std::string kNewPassword = "Uus-Sõna-Tööõhtu-43";
  const std::string kTotpUri =
      "otpauth://totp/Facebook:k%C3%A4sit%C3%B6%C3%B6?secret=JBSWY3DPEHPK3PXP&issuer=Facebook";

  // 1. The owner sets up the server (owner invite made by batond's setup).
  As("owner", {"init", url(), "--code-stdin"}, 0, Invite("owner", "Mari Õunapuu") + "\n");
  As("owner", {"collection", "create", "Sotsiaalmeedia"});

  // 2. The Facebook page login, with its 2FA seed and backup codes.
  const std::string codes_file = home_.File("backup-codes.txt");
  std::ofstream(codes_file) << "1111-2222\n3333-4444\n5555-6666\n";
  As("owner",
     {"item", "add", "Sotsiaalmeedia", kItem, "--channel", "facebook", "--username",
      "sotsiaal@käsitöö.ee", "--password-stdin", "--totp-uri-stdin", "--backup-codes-file",
      codes_file},
     0, kPassword + "\n" + kTotpUri + "\n");

  // 3. Invite an editor, a viewer and an auditor; grant the collection.
  ASSERT_NO_FATAL_FAILURE(InviteAndJoin("member", "Jüri Pärn", "editor"));
  ASSERT_NO_FATAL_FAILURE(InviteAndJoin("member", "Öie Kõiv", "viewer"));
  ASSERT_NO_FATAL_FAILURE(InviteAndJoin("auditor", "Tõnu Ärm", "auditor"));
  As("owner", {"collection", "grant", "Sotsiaalmeedia", "Jüri Pärn", "edit"});
  As("owner", {"collection", "grant", "Sotsiaalmeedia", "Öie Kõiv", "view"});
  CliResult members = As("owner", {"member", "list"});
  for (const char* name : {"Mari Õunapuu", "Jüri Pärn", "Öie Kõiv", "Tõnu Ärm"}) {
    EXPECT_NE(members.out.find(name), std::string::npos) << members.out;
  }

  // 4. The viewer reads the password and the current TOTP code...
  CliResult pw = As("viewer", {"item", "get", kItem, "--field", "password"});
  EXPECT_EQ(pw.out, kPassword + "\n");
  auto params = vault::totp::ParseOtpauthUri(kTotpUri);
  ASSERT_TRUE(params.has_value());
  auto before = std::chrono::system_clock::now();
  CliResult totp = As("viewer", {"totp", kItem});
  EXPECT_TRUE(StartsWithOneOf(totp.out, CodesSince(*params, before))) << totp.out;
  CliResult codes = As("viewer", {"item", "get", kItem, "--field", "backup-codes"});
  EXPECT_NE(codes.out.find("3333-4444"), std::string::npos) << codes.out;
  // ...but cannot change it.
  As("viewer", {"item", "edit", kItem, "--password-stdin"}, cli::kExitDenied, "uus-parool\n");
  // The editor can.
  As("editor", {"item", "edit", kItem, "--password-stdin"}, 0, kNewPassword + "\n");
  // The viewer's offline cache catches up (it was filled by the first read).
  CliResult sync = As("viewer", {"sync"});
  EXPECT_NE(sync.out.find("Offline cache: 1 items in 1 collections"), std::string::npos)
      << sync.out;

  // 5. The server is stopped; the viewer still reads, from the cache.
  StopServer();
  CliResult offline_pw = As("viewer", {"item", "get", kItem, "--field", "password"});
  EXPECT_EQ(offline_pw.out, kNewPassword + "\n");
  EXPECT_NE(offline_pw.err.find("offline, as of "), std::string::npos) << offline_pw.err;
  before = std::chrono::system_clock::now();
  CliResult offline_totp = As("viewer", {"totp", kItem});
  EXPECT_TRUE(StartsWithOneOf(offline_totp.out, CodesSince(*params, before))) << offline_totp.out;
  EXPECT_NE(offline_totp.err.find("offline, as of "), std::string::npos) << offline_totp.err;
  // Nobody else gets anything without the server.
  As("owner", {"item", "list"}, cli::kExitUnavailable);

  // 6. The server is back on the same address (the profiles pin it); the
  // viewer's next command reports the two offline reads.
  config_.port = port_;
  ASSERT_NO_FATAL_FAILURE(StartServer());
  As("viewer", {"item", "list"});

  // 7. The auditor reads no secret...
  As("auditor", {"item", "get", kItem, "--field", "password"}, cli::kExitDenied);
  As("auditor", {"totp", kItem}, cli::kExitDenied);
  // ...but sees every access, by name, offline ones too, and the log verifies.
  CliResult log = As("auditor", {"audit", "log"});
  EXPECT_NE(log.out.find("Öie Kõiv  item.read"), std::string::npos) << log.out;
  EXPECT_NE(log.out.find("Öie Kõiv  item.read.offline"), std::string::npos) << log.out;
  CliResult log_json = As("auditor", {"--json", "audit", "log"});
  EXPECT_NE(log_json.out.find("reported_by"), std::string::npos) << log_json.out;
  EXPECT_NE(log.out.find("Jüri Pärn  "), std::string::npos) << log.out;
  CliResult verify = As("auditor", {"audit", "verify"});
  EXPECT_EQ(verify.out.rfind("OK: ", 0), 0u) << verify.out;

  // 8. Removing the editor flags what they could read for rotation...
  As("owner", {"member", "remove", "Jüri Pärn"});
  CliResult due = As("owner", {"--json", "due"});
  const json j = json::parse(due.out);
  ASSERT_EQ(j["overdue"].size(), 1u) << due.out;
  EXPECT_EQ(j["overdue"][0]["name"], kItem);
  EXPECT_EQ(j["overdue"][0]["status"], "flagged");
  ASSERT_FALSE(j["overdue"][0]["flags"].empty()) << due.out;
  EXPECT_EQ(j["overdue"][0]["flags"][0]["kind"], "member-removed");
  CliResult due_text = As("owner", {"due"});
  EXPECT_NE(due_text.out.find(kItem), std::string::npos) << due_text.out;
  EXPECT_NE(due_text.out.find("member-removed"), std::string::npos) << due_text.out;
  // ...and the removed editor is told so at their next command.
  CliResult removed = As("editor", {"item", "list"}, cli::kExitAuth);
  EXPECT_NE(removed.err.find("removed from the team"), std::string::npos) << removed.err;

  // The auditor's log still verifies after all of it, from the pinned head on.
  As("auditor", {"audit", "verify"});
}

}  // namespace
