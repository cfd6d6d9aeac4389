// baton recover (cli/src/commands/recover.cc): a team's server backup opened
// with 3 of its 5 recovery shares after the server is gone: the items
// listed, one shown, a TOTP code, a plaintext export, and the age identity
// for the standard `age` tool. Every bad input is refused with its exit code
// and leaves nothing behind: no export, no scratch files.
#include <cstdlib>
#include <fstream>

#include "backup.h"
#include "backup/archive.h"
#include "cli/exit_codes.h"
#include "cli/recovery_cli_fixture.h"
#include "vault/totp.h"

namespace testing_util {
namespace {

using nlohmann::json;

class RecoverCliTest : public RecoveryCliFixture {
 protected:
  void SetUp() override {
    RecoveryCliFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(WriteServerBackup());
  }

  void WriteServerBackup() {
    ASSERT_OK(vault::SaveServerKeys(files_, dir_.File("server.key"), *keys_, std::nullopt));
    ASSERT_OK(files_.WriteFileAtomic(dir_.File("tls.key"), tls_->key_pem.bytes(), 0600));
    ASSERT_OK(
        files_.WriteFileAtomic(dir_.File("tls.crt"), vault::crypto::AsBytes(tls_->cert_pem), 0644));
    auto made = server::WriteBackup(files_,
                                    {.data_dir = dir_.path(),
                                     .db_key = &keys_->db_key(),
                                     .store = vault_.get(),
                                     .recipients = {}},
                                    backup_);
    ASSERT_TRUE(made.has_value()) << made.error().ToString();
  }

  CliResult RecoverWith(std::initializer_list<int> shares, std::vector<std::string> args = {}) {
    args.insert(args.begin(),
                {"--backup", backup_, "--shares-file", SharesFile(team_.SharesText(shares))});
    return Recover(std::move(args));
  }

  std::string backup_ = tmp_.File("team.age");
};

TEST_F(RecoverCliTest, ListsShowsAndPrintsATotpCodeWithoutTheServer) {
  StopServer();
  CliResult list = RecoverWith({1, 3, 5});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find("Facebook page"), std::string::npos) << list.out;
  // Names came from people: escaped, never sent raw to the terminal.
  EXPECT_NE(list.out.find("X\\x1b[2J"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find('\x1b'), std::string::npos);
  EXPECT_NE(list.err.find("Opened the server backup (2 items)."), std::string::npos) << list.err;

  CliResult listed = RecoverWith({2, 4, 5}, {"--json"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  json items = json::parse(listed.out);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["collection"], "Sotsiaalmeedia");

  CliResult shown = RecoverWith({1, 2, 3}, {"--show", "Facebook page"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find("pw-Facebook-1"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("mari@firma.ee"), std::string::npos) << shown.out;
  CliResult field = RecoverWith({1, 2, 3}, {"--show", "Facebook page", "--field", "password"});
  ASSERT_EQ(field.code, 0) << field.err;
  EXPECT_EQ(field.out, "pw-Facebook-1\n");

  auto params = vault::totp::ParseOtpauthUri(kTotpUri);
  ASSERT_TRUE(params.has_value());
  auto want = vault::totp::TotpCode(*params, cli_env_.Now());
  ASSERT_TRUE(want.has_value());
  CliResult totp = RecoverWith({3, 4, 5}, {"--totp", "Facebook page"});
  ASSERT_EQ(totp.code, 0) << totp.err;
  EXPECT_TRUE(totp.out.starts_with(*want + "  (")) << totp.out;

  CliResult none = RecoverWith({3, 4, 5}, {"--show", "Instagram"});
  EXPECT_EQ(none.code, cli::kExitNotFound);
  EXPECT_NE(none.err.find("no item named Instagram"), std::string::npos) << none.err;
}

TEST_F(RecoverCliTest, WritesAPlaintextExportOnceWithAWarning) {
  const std::string out = tmp_.File("plain.json");
  CliResult r = RecoverWith({1, 2, 3}, {"--export", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: " + out + " holds every secret"), std::string::npos) << r.err;
  auto mode = files_.FileMode(out);
  ASSERT_TRUE(mode.has_value());
  EXPECT_EQ(*mode & 0777, 0600u);
  auto bytes = files_.ReadFile(out);
  ASSERT_TRUE(bytes.has_value());
  json doc = json::parse(bytes->begin(), bytes->end());
  EXPECT_EQ(doc["format"], "baton-export-1");
  ASSERT_EQ(doc["items"].size(), 2u);
  EXPECT_EQ(doc["items"][0]["secret"]["password"], "pw-Facebook-1");

  CliResult again = RecoverWith({1, 2, 3}, {"--export", out});
  EXPECT_EQ(again.code, cli::kExitConflict);
  EXPECT_NE(again.err.find("exists"), std::string::npos) << again.err;
  auto after = files_.ReadFile(out);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(*after, *bytes);
}

TEST_F(RecoverCliTest, PrintsTheAgeIdentityThatTheAgeToolOpensTheBackupWith) {
  CliResult r =
      Recover({"--print-age-identity", "--shares-file", SharesFile(team_.SharesText({5, 1, 4}))});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("AGE-SECRET-KEY-1")) << "not an age identity";
  const std::string id = tmp_.File("id");
  ASSERT_OK(files_.WriteFileAtomic(id, vault::crypto::AsBytes(r.out), 0600));
  const std::string plain = tmp_.File("plain");
  const std::string cmd = "age -d -i '" + id + "' -o '" + plain + "' '" + backup_ + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto bytes = files_.ReadFile(plain);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_TRUE(std::string(bytes->begin(), bytes->end()).starts_with(backup::kArchiveMagic));
  // An identity file opens the file but not the items sealed to the shares' key.
  CliResult only_age = Recover({"--backup", backup_, "--identity", id});
  EXPECT_EQ(only_age.code, cli::kExitConflict);
  EXPECT_NE(only_age.err.find("give the recovery shares"), std::string::npos) << only_age.err;
}

TEST_F(RecoverCliTest, BadSharesAreRefusedAndWriteNothing) {
  TeamRecovery other = MakeTeamRecovery(env_);
  const std::string out = tmp_.File("plain.json");
  struct Case {
    std::string shares;
    int code;
    std::string error;
  };
  const std::vector<Case> cases = {
      {team_.SharesText({2, 4}), cli::kExitInvalid, "2 of 3 shares given; 1 more needed"},
      {team_.SharesText({1, 2}) + other.shares[2] + "\n", cli::kExitInvalid,
       "these shares belong to different sets"},
      {team_.SharesText({1, 2, 2}), cli::kExitInvalid, "share 3 was given twice"},
      {other.SharesText({1, 2, 3}), cli::kExitAuth, "no identity matches any recipient"},
  };
  for (const Case& c : cases) {
    CliResult r =
        Recover({"--backup", backup_, "--shares-file", SharesFile(c.shares), "--export", out});
    EXPECT_EQ(r.code, c.code) << c.error << "\n" << r.err;
    EXPECT_NE(r.err.find(c.error), std::string::npos) << r.err;
    EXPECT_FALSE(files_.FileExists(out));
  }
}

TEST_F(RecoverCliTest, ATamperedTruncatedOrNewerBackupIsRefusedAndWritesNothing) {
  auto good = files_.ReadFile(backup_);
  ASSERT_TRUE(good.has_value());
  // A flipped byte in a recipient stanza leaves no stanza the identity opens
  // (exit 3, as for another team's key); in the header's MAC or the payload
  // it is damage (exit 8).
  const std::string text(good->begin(), good->end());
  const size_t mac = text.find("\n--- ") + 8;
  std::vector<uint8_t> stanza = *good, header_mac = *good, payload = *good, truncated = *good;
  stanza[40] ^= 0x01;
  header_mac[mac] ^= 0x01;
  payload[payload.size() - 100] ^= 0x01;
  truncated.resize(truncated.size() / 2);
  const std::string out = tmp_.File("plain.json");
  const std::vector<std::pair<std::vector<uint8_t>, int>> cases = {{stanza, cli::kExitAuth},
                                                                   {header_mac, cli::kExitInvalid},
                                                                   {payload, cli::kExitInvalid},
                                                                   {truncated, cli::kExitInvalid}};
  for (const auto& [bad, code] : cases) {
    ASSERT_OK(files_.WriteFileAtomic(backup_, bad, 0600));
    CliResult r = RecoverWith({1, 2, 3}, {"--export", out});
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_NE(r.err.find(backup_), std::string::npos) << r.err;
    EXPECT_FALSE(files_.FileExists(out));
  }

  auto recipient = backup::age::Recipient::Parse(team_.age_recipient());
  ASSERT_TRUE(recipient.has_value());
  ASSERT_OK(
      files_.WriteFileAtomic(backup_, BackupFromVersion(env_, *recipient, "999.0.0", 1), 0600));
  CliResult newer = RecoverWith({1, 2, 3}, {"--export", out});
  EXPECT_EQ(newer.code, cli::kExitInvalid);
  EXPECT_NE(newer.err.find("written by a newer batond (999.0.0)"), std::string::npos) << newer.err;
  EXPECT_FALSE(files_.FileExists(out));
}

TEST_F(RecoverCliTest, BadCommandLinesAskForNoShares) {
  EXPECT_EQ(Recover({}).code, cli::kExitInvalid);
  CliResult missing = Recover({"--backup", tmp_.File("absent.age")});
  EXPECT_EQ(missing.code, cli::kExitNotFound);
  EXPECT_NE(missing.err.find("no backup file"), std::string::npos) << missing.err;
  // No terminal to type shares on: said so, nothing opened.
  CliResult no_tty = Recover({"--backup", backup_});
  EXPECT_EQ(no_tty.code, cli::kExitConflict);
  EXPECT_NE(no_tty.err.find("no terminal"), std::string::npos) << no_tty.err;
  EXPECT_EQ(Recover({"--backup", backup_, "--field", "password"}).code, cli::kExitUsage);
}

}  // namespace
}  // namespace testing_util
