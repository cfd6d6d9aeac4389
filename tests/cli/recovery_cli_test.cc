// baton recovery setup|check|status|seal against a real batond: the shares
// an owner hands out recover a key that opens every collection's recovery
// copy, custodians check their shares without revealing them, and bad
// set-ups are refused before anything is drawn, written or sent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "backup/age.h"
#include "backup/recovery_key.h"
#include "backup/slip39.h"
#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"
#include "run_tool.h"
#include "vault/envelope.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;
namespace fs = std::filesystem;

class RecoveryCliTest : public testing_util::CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    if (HasFatalFailure()) return;
    // Owner Mari, admin Ants, member Jaan; "Social media" is Mari's,
    // "Admin only" is Ants's alone: Mari holds no key for it.
    ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "init"));
    ASSERT_NO_FATAL_FAILURE(CliJoin("admin", "Ants", "admin"));
    ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Jaan", "member"));
    As("owner", {"collection", "create", "Social media"});
    As("admin", {"collection", "create", "Admin only"});
  }

  std::string Dir(const std::string& name) {
    const std::string d = home_.File(name);
    fs::create_directory(d);
    return d;
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::string SharePath(const std::string& dir, int i, int n) {
    return dir + "/share-" + std::to_string(i) + "-of-" + std::to_string(n) + ".txt";
  }

  std::optional<std::string> Setting(const std::string& key) {
    std::optional<std::string> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto v = t.GetSetting(key);
      if (!v) return v.error();
      out = *v;
      return vault::Status::OK();
    }));
    return out;
  }
  std::string CollectionId(const std::string& name) {
    std::string id;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto all = t.ListCollections();
      if (!all) return all.error();
      for (const auto& c : *all) {
        if (c.name == name) id = c.id;
      }
      return vault::Status::OK();
    }));
    EXPECT_FALSE(id.empty()) << name;
    return id;
  }
  // Whether the recovery copy of the collection's current key, as the
  // server stores it, opens with the keys derived from these shares.
  bool RecoveryCopyOpens(const std::vector<std::string>& shares, const std::string& collection) {
    std::vector<std::string_view> views(shares.begin(), shares.end());
    auto master = backup::slip39::Combine(views, {});
    EXPECT_TRUE(master.has_value()) << master.error().ToString();
    if (!master) return false;
    auto keys = backup::recovery::DeriveRecoveryKeys(*master);
    EXPECT_TRUE(keys.has_value());
    const std::string id = CollectionId(collection);
    std::optional<vault::SealedKey> sealed;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto col = t.GetCollection(id);
      if (!col) return col.error();
      auto k = t.GetSealedKey(id, vault::KeyHolder::kRecovery, "recovery");
      if (k && k->key_version == col->key_version) sealed = *k;
      return k || k.error().IsNotFound() ? vault::Status::OK() : k.error();
    }));
    if (!sealed) return false;
    return vault::envelope::OpenCollectionKey(keys->box, sealed->sealed, id, sealed->key_version)
        .has_value();
  }
  std::vector<std::string> Shares(const std::string& dir, std::vector<int> which, int n) {
    std::vector<std::string> out;
    for (int i : which) out.push_back(Read(SharePath(dir, i, n)));
    return out;
  }
};

TEST_F(RecoveryCliTest, SetUpSharesRecoverEveryCollectionKey) {
  const std::string dir = Dir("shares");
  CliResult r = As("owner", {"recovery", "setup", "--threshold", "3", "--shares", "5", "--out-dir",
                             dir, "--custodian", "Mari", "--custodian", "Jaan"});
  EXPECT_NE(r.out.find("Not sealed yet: Admin only"), std::string::npos) << r.out;
  for (int i = 1; i <= 5; ++i) {
    const std::string path = SharePath(dir, i, 5);
    ASSERT_TRUE(fs::exists(path)) << path;
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << path;
    auto info = backup::slip39::Inspect(Read(path));
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->member_index, i);
    EXPECT_EQ(info->member_threshold, 3);
  }
  // Any three shares give the key, and it opens the owner's collection.
  EXPECT_TRUE(RecoveryCopyOpens(Shares(dir, {1, 2, 3}, 5), "Social media"));
  EXPECT_TRUE(RecoveryCopyOpens(Shares(dir, {5, 1, 4}, 5), "Social media"));
  EXPECT_FALSE(RecoveryCopyOpens(Shares(dir, {2, 4, 5}, 5), "Admin only"));

  // The server learned the age recipient derived from the same secret.
  auto master = backup::slip39::Combine(
      std::vector<std::string_view>{Read(SharePath(dir, 2, 5)), Read(SharePath(dir, 3, 5)),
                                    Read(SharePath(dir, 4, 5))},
      {});
  ASSERT_TRUE(master.has_value());
  auto keys = backup::recovery::DeriveRecoveryKeys(*master);
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(Setting("recovery_age_recipient"),
            backup::age::Recipient::FromKey(keys->age_public_key).Format());

  CliResult status = As("owner", {"recovery", "status"});
  EXPECT_NE(status.out.find("any 3 of 5 shares"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("share 2  Jaan  never checked"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("Not sealed yet: Admin only"), std::string::npos) << status.out;

  // The admin, who holds that key, seals it at their next sync.
  CliResult sync = As("admin", {"sync"});
  EXPECT_NE(sync.out.find("Sealed Admin only"), std::string::npos) << sync.out << sync.err;
  EXPECT_TRUE(RecoveryCopyOpens(Shares(dir, {2, 4, 5}, 5), "Admin only"));
  EXPECT_NE(As("owner", {"recovery", "status"}).out.find("Every collection is sealed"),
            std::string::npos);
}

TEST_F(RecoveryCliTest, AManagersRecoverySealSealsWhatTheOwnerCannotOpen) {
  const std::string dir = Dir("shares");
  As("owner", {"recovery", "setup", "--threshold", "2", "--shares", "2", "--out-dir", dir});
  CliResult seal = As("admin", {"recovery", "seal"});
  EXPECT_NE(seal.out.find("Sealed Admin only to the recovery key"), std::string::npos) << seal.out;
  EXPECT_TRUE(RecoveryCopyOpens(Shares(dir, {1, 2}, 2), "Admin only"));
  EXPECT_NE(As("admin", {"recovery", "seal"}).out.find("Nothing to seal"), std::string::npos);
}

TEST_F(RecoveryCliTest, ACustodianChecksTheirShare) {
  const std::string dir = Dir("shares");
  As("owner", {"recovery", "setup", "--threshold", "2", "--shares", "3", "--out-dir", dir,
               "--custodian", "Mari", "--custodian", "Jaan"});
  // Typed carelessly: upper case and four-letter prefixes check the same.
  std::string share = Read(SharePath(dir, 2, 3));
  CliResult ok = As("member", {"recovery", "check", "--share-stdin"}, 0, share);
  EXPECT_NE(ok.out.find("share 2 of 3, intact, matches this team's recovery key"),
            std::string::npos)
      << ok.out;
  std::string sloppy;
  for (size_t i = 0; i < share.size();) {
    size_t end = share.find_first_of(" \n", i);
    if (end == std::string::npos) end = share.size();
    std::string word = share.substr(i, end - i);
    if (!word.empty()) sloppy += "  " + (word.size() > 4 ? word.substr(0, 4) : word);
    i = end + 1;
  }
  for (char& ch : sloppy) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  As("member", {"recovery", "check", "--share-stdin"}, 0, sloppy + "\n");

  CliResult status = As("owner", {"--json", "recovery", "status"});
  const json j = json::parse(status.out);
  EXPECT_FALSE(j.contains("check_key"));
  EXPECT_TRUE(j["shares"][1]["last_checked_ms"].is_number()) << status.out;
  EXPECT_FALSE(j["shares"][0].contains("last_checked_ms")) << status.out;

  // A mistyped word is named, and nothing is checked.
  const size_t space = share.find(' ');
  std::string typo = "abandun" + share.substr(space);
  CliResult bad = As("member", {"recovery", "check", "--share-stdin"}, cli::kExitInvalid, typo);
  EXPECT_NE(bad.err.find("word 1 'abandun'"), std::string::npos) << bad.err;
}

TEST_F(RecoveryCliTest, ANewSetUpMakesOldSharesStopMatching) {
  const std::string old_dir = Dir("old"), new_dir = Dir("new");
  As("owner", {"recovery", "setup", "--threshold", "2", "--shares", "3", "--out-dir", old_dir});
  As("owner", {"recovery", "setup", "--threshold", "2", "--shares", "3", "--out-dir", new_dir});
  CliResult old_share = As("member", {"recovery", "check", "--share-stdin"}, cli::kExitInvalid,
                           Read(SharePath(old_dir, 1, 3)));
  EXPECT_NE(old_share.err.find("this share does not match this team's recovery key"),
            std::string::npos)
      << old_share.err;
  As("member", {"recovery", "check", "--share-stdin"}, 0, Read(SharePath(new_dir, 1, 3)));
  // Every collection the owner holds is sealed again, to the new key only.
  EXPECT_TRUE(RecoveryCopyOpens(Shares(new_dir, {1, 3}, 3), "Social media"));
  EXPECT_FALSE(RecoveryCopyOpens(Shares(old_dir, {1, 3}, 3), "Social media"));
}

TEST_F(RecoveryCliTest, OnlyAnOwnerSetsUpAndARefusalChangesNothing) {
  for (const char* who : {"admin", "member"}) {
    const std::string dir = Dir(std::string("by-") + who);
    CliResult r = Baton({"--profile", who, "recovery", "setup", "--threshold", "2", "--shares", "3",
                         "--out-dir", dir});
    EXPECT_EQ(r.code, cli::kExitDenied) << who << r.out << r.err;
    EXPECT_NE(r.err.find("owner"), std::string::npos) << who << ": " << r.err;
    EXPECT_TRUE(fs::is_empty(dir)) << who;
  }
  EXPECT_EQ(Setting("recovery_public_key"), std::nullopt);
  EXPECT_EQ(Setting("recovery_age_recipient"), std::nullopt);
  EXPECT_NE(As("owner", {"recovery", "status"}).out.find("not set up"), std::string::npos);
}

TEST_F(RecoveryCliTest, BadCountsAreRefusedBeforeAnythingIsSent) {
  const std::string dir = Dir("shares");
  std::ofstream(SharePath(dir, 2, 3)) << "kept\n";
  const int64_t audit_before = AuditLength();
  struct Case {
    std::vector<std::string> args;
    int code;
    const char* says;
  };
  const std::vector<Case> cases = {
      {{"--threshold", "4", "--shares", "3"}, cli::kExitInvalid, "more than the 3 shares"},
      {{"--threshold", "2", "--shares", "17"}, cli::kExitInvalid, "at most 16 shares"},
      {{"--threshold", "1", "--shares", "3"}, cli::kExitInvalid, "at least 2"},
      {{"--threshold", "2", "--shares", "2", "--custodian", "A", "--custodian", "B", "--custodian",
        "C"},
       cli::kExitInvalid,
       "3 custodians for 2 shares"},
      {{"--threshold", "2", "--shares", "3", "--out-dir", dir},
       cli::kExitConflict,
       "exists already"},
      {{"--threshold", "2", "--shares", "3", "--out-dir", dir + "/missing"},
       cli::kExitInvalid,
       "is not an existing directory"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"recovery", "setup"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliResult r = As("owner", args, c.code);
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  EXPECT_EQ(AuditLength(), audit_before);  // not even a sign-in
  EXPECT_EQ(Read(SharePath(dir, 2, 3)), "kept\n");
  EXPECT_FALSE(fs::exists(SharePath(dir, 1, 3)));
  EXPECT_EQ(Setting("recovery_public_key"), std::nullopt);
}

TEST_F(RecoveryCliTest, WithoutOutDirSharesAreShownOneCustodianAtATime) {
  CliResult r =
      As("owner", {"recovery", "setup", "--threshold", "2", "--shares", "2", "--custodian", "Mari"},
         0, "\n\n");
  const size_t first = r.out.find("Share 1 of 2 for Mari");
  const size_t clear = r.out.find("\033[2J");
  const size_t second = r.out.find("Share 2 of 2 for custodian 2");
  ASSERT_NE(first, std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 1. "), std::string::npos);
  EXPECT_LT(first, clear);
  EXPECT_LT(clear, second);
  EXPECT_NE(second, std::string::npos);
}

// --print hands each custodian a PDF sheet instead of a text file: their
// name and words as pdftotext reads them back, 0600; a bad --print set-up
// is refused before anything is sent.
TEST_F(RecoveryCliTest, PrintWritesOneShareSheetPerCustodian) {
  const std::string dir = Dir("sheets");
  const int64_t audit_before = AuditLength();
  CliResult bad =
      As("owner",
         {"recovery", "setup", "--threshold", "2", "--shares", "3", "--print", "--out-dir", dir},
         cli::kExitInvalid);
  EXPECT_NE(bad.err.find("--print needs --out-dir and --team"), std::string::npos) << bad.err;
  bad = As("owner",
           {"recovery", "setup", "--threshold", "2", "--shares", "3", "--print", "--out-dir", dir,
            "--team", "Käsitöö", "--lang", "sv"},
           cli::kExitInvalid);
  EXPECT_EQ(AuditLength(), audit_before);
  EXPECT_EQ(Setting("recovery_public_key"), std::nullopt);

  CliResult r = As("owner", {"recovery", "setup", "--threshold", "2", "--shares", "3", "--print",
                             "--out-dir", dir, "--team", "Käsitöö", "--lang", "et", "--custodian",
                             "Mari", "--custodian", "Tõnu"});
  const auto fingerprint = r.out.find("Its fingerprint: ");
  ASSERT_NE(fingerprint, std::string::npos) << r.out;
  for (int i = 1; i <= 3; ++i) {
    const std::string pdf = dir + "/share-" + std::to_string(i) + "-of-3.pdf";
    ASSERT_TRUE(fs::exists(pdf)) << pdf;
    EXPECT_EQ(fs::status(pdf).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_FALSE(fs::exists(SharePath(dir, i, 3)));
  }
  const std::string text = home_.File("sheet.txt");
  ASSERT_EQ(testing_util::RunTool({"/usr/bin/pdftotext", "-q", dir + "/share-2-of-3.pdf", text},
                                  home_.File("pdftotext.log")),
            0);
  const std::string page = Read(text);
  EXPECT_NE(page.find("Tõnu"), std::string::npos) << page;
  EXPECT_NE(page.find("Käsitöö"), std::string::npos) << page;
  const std::string words =
      r.out.substr(fingerprint + 17, r.out.find('\n', fingerprint) - fingerprint - 17);
  EXPECT_NE(page.find(words.substr(0, words.find(' '))), std::string::npos) << words;
}

}  // namespace
