// The restore drill (docs/recovery.md), as a team would run it, with the
// real `baton` and `batond` binaries: a team with an owner, an admin, a
// member, an auditor and an emergency grant with a request waiting; the
// recovery key split into five shares; a backup; the data dir deleted;
// `batond restore` from three of the five shares; the restored server
// serves on the same address, every member reads through the profile they
// already had, the audit log verifies against what each of them pinned, and
// the waiting emergency request is still waiting.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli_fixture.h"
#include "vault/server_keys.h"
#include "vault/tls_cert.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

const std::string kSocial = "Sotsiaalmeedia";
const std::string kMail = "Mail";
const std::string kPage = "Facebook page";
const std::string kPagePassword = "Sõnaõhtu-Tööd-42";
const std::string kInbox = "Support inbox";
const std::string kInboxPassword = "inbox-pw-9";

class RestoreDrillTest : public testing_util::ProcessCliFixture {
 protected:
  RestoreDrillTest() : ProcessCliFixture(BATON_PATH) {}

  void SetUp() override {
    ProcessCliFixture::SetUp();
    if (HasFatalFailure()) return;
    // The fixture's vault in batond's data dir layout, as `batond init`
    // leaves it: the key file and the TLS material beside vault.db.
    ASSERT_OK(vault::SaveServerKeys(files_, dir_.File("server.key"), *keys_, std::nullopt));
    ASSERT_OK(files_.WriteFileAtomic(dir_.File("tls.key"), tls_->key_pem.bytes(), 0600));
    ASSERT_OK(
        files_.WriteFileAtomic(dir_.File("tls.crt"), vault::crypto::AsBytes(tls_->cert_pem), 0644));
  }

  CliResult Batond(std::vector<std::string> args, int want) {
    args.insert(args.begin(), BATOND_PATH);
    return Spawn(args, want, "", testing::PrintToString(args));
  }

  std::string ReadText(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }

  vault::Env& files_ = vault::Env::Default();
  testing_util::TempDir out_;
};

TEST_F(RestoreDrillTest, ThreeOfFiveSharesBringTheTeamBackOnItsOldProfiles) {
  // The team.
  As("owner", {"init", url(), "--code-stdin"}, 0, Invite("owner", "Mari") + "\n");
  As("owner", {"collection", "create", kSocial});
  As("owner", {"collection", "create", kMail});
  As("owner",
     {"item", "add", kSocial, kPage, "--channel", "facebook", "--username", "leht@kasitoo.ee",
      "--password-stdin"},
     0, kPagePassword + "\n");
  As("owner", {"item", "add", kMail, kInbox, "--channel", "email", "--password-stdin"}, 0,
     kInboxPassword + "\n");
  InviteAndJoin("admin", "Anna", "admin");
  InviteAndJoin("member", "Jaan", "member");
  InviteAndJoin("auditor", "Tõnu", "auditor");
  As("owner", {"collection", "grant", kSocial, "Anna", "manage"});
  As("owner", {"collection", "grant", kSocial, "Jaan", "view"});
  // Jaan is Mari's deputy for the mail too, after a two-day wait; he asks.
  CliResult grant = As("owner", {"--json", "emergency", "grant", "Jaan", "--collection", kMail,
                                 "--mode", "view", "--wait", "48h"});
  ASSERT_EQ(grant.code, 0);
  CliResult asked = As(
      "member", {"--json", "emergency", "request",
                 json::parse(grant.out).value("id", "").substr(0, 8), "--reason", "Mari is away"});
  ASSERT_EQ(asked.code, 0);
  const std::string request = json::parse(asked.out).value("id", "");
  ASSERT_FALSE(request.empty());

  // The recovery key: five custodians, any three recover.
  const std::string shares_dir = out_.File("shares");
  ASSERT_OK(files_.CreateDir(shares_dir));
  CliResult setup =
      As("owner", {"recovery", "setup", "--threshold", "3", "--shares", "5", "--out-dir",
                   shares_dir, "--custodian", "Mari", "--custodian", "Anna", "--custodian", "Jaan",
                   "--custodian", "Tõnu", "--custodian", "Notary"});
  ASSERT_EQ(setup.code, 0);

  // Everyone pins what they see now; then the nightly backup.
  for (const std::string profile : {"owner", "admin", "auditor"}) {
    CliResult v = As(profile, {"audit", "verify"});
    EXPECT_EQ(v.out.rfind("OK: ", 0), 0u) << profile << ": " << v.out << v.err;
  }
  As("member", {"item", "get", kPage, "--field", "password"});
  const std::string backup = out_.File("nightly.age");
  Batond({"backup", "--data", dir_.path(), "--out", backup}, 0);

  // The server's disk is gone.
  const int port = port_;
  StopServer();
  vault_.reset();
  for (const char* name :
       {"vault.db", "vault.db-wal", "vault.db-shm", "server.key", "tls.key", "tls.crt"}) {
    std::filesystem::remove(dir_.File(name));
  }

  // Three custodians bring their sheets.
  const std::string shares = out_.File("three-shares.txt");
  {
    std::ofstream f(shares);
    for (int i : {1, 3, 5}) {
      f << ReadText(shares_dir + "/share-" + std::to_string(i) + "-of-5.txt") << "\n\n";
    }
  }
  const std::string data = out_.File("restored");
  Batond({"restore", backup, "--data", data, "--shares-file", shares}, 0);

  // The restored data dir, served on the same address.
  auto keys = vault::LoadServerKeys(files_, data + "/server.key");
  ASSERT_TRUE(keys.has_value()) << keys.error().ToString();
  keys_.emplace(std::move(*keys));
  auto cert = files_.ReadFile(data + "/tls.crt");
  auto tls_key = files_.ReadFile(data + "/tls.key");
  ASSERT_TRUE(cert && tls_key);
  tls_.emplace(vault::TlsMaterial{vault::SecureBuffer::CopyOf(*tls_key),
                                  std::string(cert->begin(), cert->end()), ""});
  auto store = vault::Store::Open(
      {.env = &env_, .key = &keys_->db_key(), .mode = vault::OpenMode::kOpenExisting},
      data + "/vault.db");
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  vault_ = std::move(*store);
  config_.port = port;
  StartServer();
  ASSERT_EQ(port_, port);

  // Everyone is back, on the profiles they had.
  EXPECT_EQ(As("owner", {"item", "get", kPage, "--field", "password"}).out, kPagePassword + "\n");
  EXPECT_EQ(As("owner", {"item", "get", kInbox, "--field", "password"}).out, kInboxPassword + "\n");
  EXPECT_EQ(As("admin", {"item", "get", kPage, "--field", "password"}).out, kPagePassword + "\n");
  EXPECT_EQ(As("member", {"item", "get", kPage, "--field", "password"}).out, kPagePassword + "\n");
  for (const std::string profile : {"owner", "admin", "auditor"}) {
    CliResult v = As(profile, {"audit", "verify"});
    EXPECT_EQ(v.out.rfind("OK: ", 0), 0u) << profile << ": " << v.out << v.err;
  }
  CliResult status = As("member", {"--json", "emergency", "status", request.substr(0, 8)});
  ASSERT_EQ(status.code, 0);
  EXPECT_EQ(json::parse(status.out).value("state", ""), "waiting") << status.out;
  // The wait still runs on the server's clock: Jaan cannot read the mail yet.
  As("member", {"item", "get", kInbox, "--field", "password"}, 4);
}

}  // namespace
