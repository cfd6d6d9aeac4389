// The offline cache through `baton`: sync fills it with one audited read
// per collection, `item get` and `totp` answer from it while the server is
// down (and say so), the reads are reported at the next contact, an admin's
// switch and a member's removal empty it, and a damaged cache is rebuilt.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;
using vault::Status;

class CacheCliTest : public testing_util::CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari Õunapuu", "owner", "init"));
    ASSERT_EQ(As("owner", {"collection", "create", "Sotsiaalmeedia"}).code, 0);
    for (const auto& [name, pw] : {std::pair{kItem, kPassword}, std::pair{"Instagram", "ig-pw"}}) {
      ASSERT_EQ(As("owner",
                   {"item", "add", "Sotsiaalmeedia", name, "--channel", "facebook",
                    "--password-stdin", "--totp-uri-stdin"},
                   std::string(pw) + "\n" + kTotpUri + "\n")
                    .code,
                0);
    }
    ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Öie Kõiv", "viewer"));
    ASSERT_EQ(As("owner", {"collection", "grant", "Sotsiaalmeedia", "Öie Kõiv", "view"}).code, 0);
  }

  CliResult As(const std::string& profile, std::vector<std::string> args,
               const std::string& stdin_text = "") {
    args.insert(args.begin(), {"--profile", profile});
    return Baton(args, stdin_text);
  }

  std::string CacheDir(const std::string& profile) const { return home_.File(profile + "/cache"); }

  std::vector<vault::audit::Event> Events(const std::string& action) {
    std::vector<vault::audit::Event> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) {
      return t.ScanAudit(1, [&](const vault::audit::Event& e) {
        if (e.action == action) out.push_back(e);
        return true;
      });
    }));
    return out;
  }

  void RestartOnSamePort() {
    config_.port = port_;  // the profile pins the URL
    StartServer();
  }

  static constexpr const char* kItem = "Facebooki leht – Käsitööõpe";
  static constexpr const char* kPassword = "Sõnaõhtu-Tööd-äpp-42";
  static constexpr const char* kTotpUri =
      "otpauth://totp/Facebook:k?secret=JBSWY3DPEHPK3PXP&issuer=Facebook";
};

TEST_F(CacheCliTest, SyncIsOneAuditedReadPerCollectionAndIncremental) {
  const size_t reads_before = Events("item.read").size();
  CliResult r = As("viewer", {"--json", "sync"});
  ASSERT_EQ(r.code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["collections"], 1);
  EXPECT_EQ(j["items_fetched"], 2);
  EXPECT_EQ(j["items_cached"], 2);
  auto cached = Events("collection.cache");
  ASSERT_EQ(cached.size(), 1u);
  EXPECT_EQ(json::parse(cached[0].details)["count"], 2);
  EXPECT_EQ(Events("item.read").size(), reads_before) << "filling the cache is no item.read";

  // Nothing changed: nothing fetched, nothing logged.
  env_.AdvanceTime(std::chrono::seconds(2));
  r = As("viewer", {"--json", "sync"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["items_fetched"], 0);
  EXPECT_EQ(Events("collection.cache").size(), 1u);

  // One item added: only it comes.
  env_.AdvanceTime(std::chrono::seconds(2));
  ASSERT_EQ(
      As("owner",
         {"item", "add", "Sotsiaalmeedia", "TikTok", "--channel", "tiktok", "--password-stdin"},
         "tt\n")
          .code,
      0);
  r = As("viewer", {"--json", "sync"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["items_fetched"], 1) << r.out;
  EXPECT_EQ(json::parse(r.out)["items_cached"], 3) << r.out;

  // The cache file holds no plaintext.
  std::ifstream f(CacheDir("viewer") + "/cache.db", std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  EXPECT_EQ(bytes.find("Facebooki"), std::string::npos);
  EXPECT_EQ(bytes.find(kPassword), std::string::npos);
  EXPECT_EQ(bytes.find("Sotsiaalmeedia"), std::string::npos);
}

TEST_F(CacheCliTest, ReadsWorkOfflineAndAreReportedAtTheNextContact) {
  // The first get fills the cache.
  CliResult first = As("viewer", {"item", "get", kItem, "--field", "password"});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_EQ(first.out, std::string(kPassword) + "\n");
  EXPECT_TRUE(vault::Env::Default().FileExists(CacheDir("viewer") + "/cache.db"));

  StopServer();
  CliResult pw = As("viewer", {"item", "get", kItem, "--field", "password"});
  ASSERT_EQ(pw.code, 0) << pw.err;
  EXPECT_EQ(pw.out, std::string(kPassword) + "\n");
  EXPECT_NE(pw.err.find("offline, as of "), std::string::npos) << pw.err;
  CliResult totp = As("viewer", {"totp", kItem});
  ASSERT_EQ(totp.code, 0) << totp.err;
  EXPECT_NE(totp.err.find("offline, as of "), std::string::npos) << totp.err;
  // What is not cached still needs the server, and says why.
  CliResult unknown = As("viewer", {"item", "get", "Not cached"});
  EXPECT_EQ(unknown.code, cli::kExitUnavailable) << unknown.err;
  EXPECT_NE(unknown.err.find("cannot reach the server"), std::string::npos) << unknown.err;

  const size_t offline_before = Events("item.read.offline").size();
  EXPECT_EQ(offline_before, 0u);
  RestartOnSamePort();
  ASSERT_FALSE(HasFatalFailure());
  CliResult list = As("viewer", {"item", "list"});
  ASSERT_EQ(list.code, 0) << list.err;
  auto reported = Events("item.read.offline");
  ASSERT_EQ(reported.size(), 2u);
  const json d = json::parse(reported[0].details);
  EXPECT_EQ(d["reported_by"], "client");
  EXPECT_TRUE(d.contains("read_ms"));
  // Acknowledged reports are gone from the cache: the next contact sends none.
  ASSERT_EQ(As("viewer", {"item", "list"}).code, 0);
  EXPECT_EQ(Events("item.read.offline").size(), 2u);
}

TEST_F(CacheCliTest, OfflineWithoutACacheFailsClearly) {
  StopServer();
  CliResult r = As("viewer", {"item", "get", kItem, "--field", "password"});
  EXPECT_EQ(r.code, cli::kExitUnavailable) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("cannot reach the server"), std::string::npos) << r.err;
}

TEST_F(CacheCliTest, AdminsTurnTheCacheOffAndClientsDropIt) {
  ASSERT_EQ(As("viewer", {"sync"}).code, 0);
  // Members may not change the setting.
  CliResult denied =
      As("viewer", {"collection", "set", "Sotsiaalmeedia", "--offline-cache", "off"});
  EXPECT_EQ(denied.code, cli::kExitDenied) << denied.err;
  CliResult bad = As("owner", {"collection", "set", "Sotsiaalmeedia", "--offline-cache", "maybe"});
  EXPECT_EQ(bad.code, cli::kExitUsage);

  CliResult off = As("owner", {"collection", "set", "Sotsiaalmeedia", "--offline-cache", "off"});
  ASSERT_EQ(off.code, 0) << off.err;
  EXPECT_NE(off.out.find("Offline cache of Sotsiaalmeedia: off"), std::string::npos) << off.out;
  CliResult sync = As("viewer", {"sync"});
  ASSERT_EQ(sync.code, 0) << sync.err;
  EXPECT_NE(sync.out.find("Dropped Sotsiaalmeedia"), std::string::npos) << sync.out;

  StopServer();
  CliResult r = As("viewer", {"item", "get", kItem, "--field", "password"});
  EXPECT_EQ(r.code, cli::kExitUnavailable) << r.out << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(CacheCliTest, ARemovedMembersCacheIsDeletedAtTheirNextContact) {
  ASSERT_EQ(As("viewer", {"sync"}).code, 0);
  ASSERT_TRUE(vault::Env::Default().FileExists(CacheDir("viewer") + "/cache.db"));
  ASSERT_EQ(As("owner", {"member", "remove", "Öie Kõiv"}).code, 0);
  CliResult r = As("viewer", {"item", "get", kItem, "--field", "password"});
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("removed from the team; deleted the offline cache"), std::string::npos)
      << r.err;
  EXPECT_FALSE(vault::Env::Default().FileExists(CacheDir("viewer") + "/cache.db"));
  EXPECT_FALSE(vault::Env::Default().FileExists(CacheDir("viewer") + "/cache.key"));
  // And offline afterwards there is nothing left to read.
  StopServer();
  EXPECT_NE(As("viewer", {"item", "get", kItem, "--field", "password"}).code, 0);
}

TEST_F(CacheCliTest, ADamagedCacheIsReportedAndRebuilt) {
  ASSERT_EQ(As("viewer", {"sync"}).code, 0);
  { std::ofstream(CacheDir("viewer") + "/cache.key", std::ios::trunc) << "garbage"; }
  CliResult r = As("viewer", {"item", "get", kItem, "--field", "password"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(kPassword) + "\n");
  EXPECT_NE(r.err.find("offline cache"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unusable"), std::string::npos) << r.err;
  // Rebuilt: it serves offline again.
  ASSERT_EQ(As("viewer", {"sync"}).code, 0);
  StopServer();
  CliResult offline = As("viewer", {"item", "get", kItem, "--field", "password"});
  EXPECT_EQ(offline.code, 0) << offline.err;
  EXPECT_EQ(offline.out, std::string(kPassword) + "\n");
}

}  // namespace
