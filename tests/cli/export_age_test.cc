// baton export --age (cli/src/commands/export.cc): an owner's items,
// decrypted, as JSON inside age to the team's recovery key and any extra
// recipients; audited; opened by the standard age tool with the identity
// the shares derive, and by baton recover. Everyone else, and every bad
// input, writes nothing.
#include <cstdlib>

#include "cli/exit_codes.h"
#include "cli/recovery_cli_fixture.h"

namespace testing_util {
namespace {

using nlohmann::json;

class ExportAgeTest : public RecoveryCliFixture {
 protected:
  // The details of every "export" event in the audit log.
  std::vector<json> ExportEvents() {
    std::vector<json> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) {
      return t.ScanAudit(1, [&](const vault::audit::Event& e) {
        if (e.action == "export") out.push_back(json::parse(e.details, nullptr, false));
        return true;
      });
    }));
    return out;
  }

  std::string export_ = tmp_.File("export.age");
};

TEST_F(ExportAgeTest, OpensWithTheAgeToolAndWithRecover) {
  backup::age::Identity extra = backup::age::Identity::Generate(env_);
  CliResult r = Baton({"export", "--age", export_, "--recipient", extra.recipient().Format()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("2 items"), std::string::npos) << r.out;
  auto mode = files_.FileMode(export_);
  ASSERT_TRUE(mode.has_value());
  EXPECT_EQ(*mode & 0777, 0600u);
  const std::vector<json> events = ExportEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["format"], "age");
  EXPECT_EQ(events[0]["items"], 2);

  // The age tool, with the identity printed from the shares.
  CliResult id =
      Recover({"--print-age-identity", "--shares-file", SharesFile(team_.SharesText({2, 3, 5}))});
  ASSERT_EQ(id.code, 0) << id.err;
  const std::string id_file = tmp_.File("id");
  ASSERT_OK(files_.WriteFileAtomic(id_file, vault::crypto::AsBytes(id.out), 0600));
  const std::string plain = tmp_.File("plain.json");
  const std::string cmd = "age -d -i '" + id_file + "' -o '" + plain + "' '" + export_ + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto bytes = files_.ReadFile(plain);
  ASSERT_TRUE(bytes.has_value());
  json doc = json::parse(bytes->begin(), bytes->end());
  EXPECT_EQ(doc["format"], "baton-export-1");
  ASSERT_EQ(doc["items"].size(), 2u);
  EXPECT_EQ(doc["items"][0]["name"], "Facebook page");
  EXPECT_EQ(doc["items"][0]["secret"]["password"], "pw-Facebook-1");

  // The extra recipient opens it too.
  std::ifstream sealed(export_, std::ios::binary);
  std::ostringstream opened;
  ASSERT_OK(backup::age::Decrypt(std::span(&extra, 1), sealed, opened));
  EXPECT_NE(opened.str().find("pw-X-1"), std::string::npos);

  // baton recover, with the shares or with the age identity alone.
  StopServer();
  CliResult shown =
      Recover({"--backup", export_, "--shares-file", SharesFile(team_.SharesText({1, 4, 5})),
               "--show", "Facebook page", "--field", "password"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_EQ(shown.out, "pw-Facebook-1\n");
  CliResult listed = Recover({"--backup", export_, "--identity", id_file});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_NE(listed.err.find("Opened the owner export (2 items)."), std::string::npos) << listed.err;
}

TEST_F(ExportAgeTest, ANonOwnerIsRefusedAndNothingIsWritten) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("admin", "Jüri", "juri"));
  CliResult r = Baton({"--profile", "juri", "export", "--age", export_});
  EXPECT_EQ(r.code, cli::kExitDenied) << r.err;
  EXPECT_FALSE(files_.FileExists(export_));
  EXPECT_TRUE(ExportEvents().empty());
}

TEST_F(ExportAgeTest, BadInputWritesNothing) {
  CliResult bad = Baton({"export", "--age", export_, "--recipient", "age1notarecipient"});
  EXPECT_EQ(bad.code, cli::kExitInvalid);
  EXPECT_NE(bad.err.find("--recipient"), std::string::npos) << bad.err;
  EXPECT_FALSE(files_.FileExists(export_));

  ASSERT_OK(files_.WriteFileAtomic(export_, vault::crypto::AsBytes("mine"), 0600));
  CliResult exists = Baton({"export", "--age", export_});
  EXPECT_EQ(exists.code, cli::kExitConflict);
  auto kept = files_.ReadFile(export_);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(std::string(kept->begin(), kept->end()), "mine");
  EXPECT_TRUE(ExportEvents().empty());
}

TEST_F(ExportAgeTest, AnExportForAnotherRecipientIsRefused) {
  ASSERT_EQ(Baton({"export", "--age", export_}).code, 0);
  TeamRecovery other = MakeTeamRecovery(env_);
  const std::string out = tmp_.File("plain.json");
  CliResult r = Recover({"--backup", export_, "--shares-file",
                         SharesFile(other.SharesText({1, 2, 3})), "--export", out});
  EXPECT_EQ(r.code, cli::kExitAuth);
  EXPECT_NE(r.err.find("no identity matches any recipient"), std::string::npos) << r.err;
  EXPECT_FALSE(files_.FileExists(out));
}

}  // namespace
}  // namespace testing_util
