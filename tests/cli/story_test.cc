// The end-to-end story of the CLI issue, through `baton` only: an owner sets
// up a team, shares the Facebook page login with an editor, a viewer and an
// auditor, each sees exactly what their role allows, the audit log shows it
// all and verifies, and removing a member flags what they could read.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"
#include "vault/totp.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

class StoryTest : public testing_util::CliFixture {
 protected:
  // `baton --profile PROFILE args...`, expecting exit code `want`.
  CliResult As(const std::string& profile, std::vector<std::string> args, int want = 0,
               const std::string& stdin_text = "") {
    args.insert(args.begin(), {"--profile", profile});
    CliResult r = Baton(args, stdin_text);
    EXPECT_EQ(r.code, want) << profile << ": " << testing::PrintToString(args) << "\n"
                            << r.out << r.err;
    return r;
  }

  // The owner invites someone with the CLI; they join with the code.
  void InviteAndJoin(const std::string& role, const std::string& name,
                     const std::string& profile) {
    CliResult inv = As("owner", {"--json", "member", "invite", role, name});
    ASSERT_EQ(inv.code, 0);
    const std::string code = json::parse(inv.out).at("code");
    ASSERT_FALSE(code.empty());
    CliResult joined = As(profile, {"join", url(), code});
    ASSERT_EQ(joined.code, 0);
  }
};

TEST_F(StoryTest, TeamSharesTheFacebookLoginAndTheAuditLogShowsIt) {
  const std::string kItem = "Facebooki leht – Käsitööõpe";  // ä, ö, õ
  const std::string kPassword = "Sõnaõhtu-Tööd-äpp-42";
  const std::string kTotpUri =
      "otpauth://totp/Facebook:k%C3%A4sit%C3%B6%C3%B6?secret=JBSWY3DPEHPK3PXP&issuer=Facebook";

  // 1. The owner sets up the server (owner invite made by batond's setup).
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari Õunapuu", "owner", "init"));
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
  auto want_code = vault::totp::TotpCode(*params, env_.Now());  // the clock the CLI uses
  ASSERT_TRUE(want_code.has_value());
  CliResult totp = As("viewer", {"totp", kItem});
  EXPECT_EQ(totp.out.rfind(*want_code, 0), 0u) << totp.out;
  CliResult codes = As("viewer", {"item", "get", kItem, "--field", "backup-codes"});
  EXPECT_NE(codes.out.find("3333-4444"), std::string::npos) << codes.out;
  // ...but cannot change it.
  As("viewer", {"item", "edit", kItem, "--password-stdin"}, cli::kExitDenied, "uus-parool\n");
  // The editor can.
  As("editor", {"item", "edit", kItem, "--password-stdin"}, 0, "Uus-Sõna-Tööõhtu-43\n");

  // 5. The auditor reads no secret...
  As("auditor", {"item", "get", kItem, "--field", "password"}, cli::kExitDenied);
  As("auditor", {"totp", kItem}, cli::kExitDenied);
  // ...but sees every access, by name, and the log verifies.
  CliResult log = As("auditor", {"audit", "log"});
  EXPECT_NE(log.out.find("Öie Kõiv  item.read"), std::string::npos) << log.out;
  EXPECT_NE(log.out.find("Jüri Pärn  "), std::string::npos) << log.out;
  CliResult verify = As("auditor", {"audit", "verify"});
  EXPECT_EQ(verify.out.rfind("OK: ", 0), 0u) << verify.out;

  // 6. Removing the editor flags what they could read for rotation.
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

  // The auditor's log still verifies after all of it, from the pinned head on.
  As("auditor", {"audit", "verify"});
}

}  // namespace
