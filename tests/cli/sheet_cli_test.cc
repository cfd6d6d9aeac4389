// baton sheet share / breakglass / server / check against a real batond:
// the break-glass sheet is for owners only and audited, its QR codes decode
// to the stored otpauth URIs, `sheet check` tells a current sheet from a
// stale one, and bad input writes nothing.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>

#include "backup/slip39.h"
#include "cli/exit_codes.h"
#include "cli_fixture.h"
#include "pdf_reader.h"

namespace {

using testing_util::CliResult;
using testing_util::PdfReader;

constexpr char kTotpUri[] = "otpauth://totp/Facebook:mari?secret=JBSWY3DPEHPK3PXP&issuer=Facebook";

class SheetCliTest : public testing_util::CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(PdfReader::CheckTools());
    ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "init"));
    ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Jüri", "juri"));
    As("owner", {"collection", "create", "Sotsiaalmeedia"});
    std::ofstream(home_.File("codes")) << "1111-2222\n3333-4444\n";
    As("owner",
       {"item", "add", "Sotsiaalmeedia", "Facebook page", "--channel", "facebook", "--username",
        "mari@firma.ee", "--password-stdin", "--backup-codes-file", home_.File("codes")},
       0, "pw-Facebook-1\n");
    As("owner", {"item", "edit", "Facebook page", "--totp-uri-stdin"}, 0,
       std::string(kTotpUri) + "\n");
  }

  // The details of the audit events with this action, oldest first.
  std::vector<std::string> AuditDetails(const std::string& action) {
    std::vector<std::string> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) {
      return t.ScanAudit(1, [&](const vault::audit::Event& e) {
        if (e.action == action) out.push_back(e.details);
        return true;
      });
    }));
    return out;
  }

  static std::string FingerprintIn(const std::string& text) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex("[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}")))
      return "";
    return m.str();
  }

  PdfReader pdf_{home_.path()};
};

TEST_F(SheetCliTest, OwnerPrintsAnAuditedBreakGlassSheetThatScans) {
  const std::string out = home_.File("glass.pdf");
  As("owner", {"sheet", "breakglass", "--team", "Mäkelä Oy", "--lang", "fi", "--out", out});
  struct stat st {};
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(pdf_.DecodeAll(out), std::multiset<std::string>{kTotpUri});
  const std::string text = PdfReader::Collapse(pdf_.Text(out));
  for (const char* want : {"mari@firma.ee", "pw-Facebook-1", "1111-2222", "3333-4444",
                           "Facebook page (Sotsiaalmeedia)", "Mäkelä Oy", "Hätäarkki"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << " not in " << text;
  }
  const std::string fingerprint = FingerprintIn(text);
  ASSERT_FALSE(fingerprint.empty()) << text;
  const std::vector<std::string> events = AuditDetails("sheet.print");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find(fingerprint), std::string::npos) << events[0];
  EXPECT_EQ(events[0].find("pw-Facebook"), std::string::npos);

  CliResult current = As("owner", {"sheet", "check", fingerprint});
  EXPECT_NE(current.out.find("current"), std::string::npos) << current.out;
  As("owner", {"item", "edit", "Facebook page", "--password-stdin"}, 0, "pw-Facebook-2\n");
  CliResult stale = As("owner", {"sheet", "check", fingerprint}, cli::kExitAttention);
  EXPECT_NE(stale.out.find("stale"), std::string::npos) << stale.out;
}

TEST_F(SheetCliTest, NonOwnerIsRefusedAndNothingIsWritten) {
  const std::string out = home_.File("juri.pdf");
  CliResult r = As("juri", {"sheet", "breakglass", "--team", "T", "--out", out}, cli::kExitDenied);
  EXPECT_NE(access(out.c_str(), F_OK), 0);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(AuditDetails("sheet.print").empty());
}

TEST_F(SheetCliTest, BadFlagsAndPathsWriteNothing) {
  const std::string out = home_.File("bad.pdf");
  CliResult lang = As("owner", {"sheet", "breakglass", "--team", "T", "--lang", "de", "--out", out},
                      cli::kExitInvalid);
  EXPECT_NE(lang.err.find("en, fi or et"), std::string::npos) << lang.err;
  As("owner", {"sheet", "breakglass", "--team", "T", "--paper", "a5", "--out", out},
     cli::kExitInvalid);
  As("owner", {"sheet", "breakglass", "--team", "T"}, cli::kExitInvalid);
  As("owner", {"sheet", "breakglass", "--team", "T", "--out", out, "--stdout"}, cli::kExitUsage);
  EXPECT_NE(access(out.c_str(), F_OK), 0);
  // Flags are checked before anything is asked of the server.
  EXPECT_TRUE(AuditDetails("sheet.print").empty());
  const std::string unwritable = home_.File("no-such-dir/glass.pdf");
  CliResult r = As("owner", {"sheet", "breakglass", "--team", "T", "--out", unwritable},
                   cli::ExitCodeFor(vault::Status::IOError("")));
  EXPECT_NE(r.err.find("cannot write the sheet"), std::string::npos) << r.err;
  EXPECT_NE(access(unwritable.c_str(), F_OK), 0);
  // The items were decrypted, so the attempt is on record.
  EXPECT_EQ(AuditDetails("sheet.print").size(), 1u);
}

TEST_F(SheetCliTest, ShareSheetFromAShareFile) {
  vault::SecureBuffer secret(32);
  env_.RandomBytes(secret.bytes());
  backup::slip39::SplitOptions options;
  options.groups = {{3, 5}};
  auto split = backup::slip39::Split(env_, secret, {}, options);
  ASSERT_TRUE(split.has_value());
  const vault::SecureBuffer& share = (*split)[0][1];
  const std::string words(reinterpret_cast<const char*>(share.data()), share.size());
  std::ofstream(home_.File("share.txt")) << words << "\n";

  const std::vector<std::string> base = {
      "sheet",    "share",       "--share-file",  home_.File("share.txt"),
      "--team",   "Õunapuu OÜ",  "--custodian",   "Jürgen Šõž",
      "--shares", "5",           "--fingerprint", "acre-bloom-cider",
      "--other",  "Anneli Põder"};
  std::vector<std::string> text_args = base;
  text_args.insert(text_args.end(), {"--text", "--stdout"});
  CliResult text = As("owner", text_args);
  for (const char* want : {"Jürgen Šõž", "Õunapuu OÜ", "share 2 of 5 — any 3 recover",
                           "Anneli Põder", "acre-bloom-cider"}) {
    EXPECT_NE(text.out.find(want), std::string::npos) << want << " not in " << text.out;
  }
  EXPECT_NE(PdfReader::Collapse(text.out).find(words), std::string::npos);

  std::vector<std::string> pdf_args = base;
  pdf_args.insert(pdf_args.end(), {"--paper", "letter", "--out", home_.File("share.pdf")});
  As("owner", pdf_args);
  EXPECT_EQ(pdf_.DecodeAll(home_.File("share.pdf")), std::multiset<std::string>{words});

  std::ofstream(home_.File("bad.txt")) << "not a share at all\n";
  std::vector<std::string> bad = base;
  bad[3] = home_.File("bad.txt");
  bad.insert(bad.end(), {"--out", home_.File("bad.pdf")});
  As("owner", bad, cli::kExitInvalid);
  EXPECT_NE(access(home_.File("bad.pdf").c_str(), F_OK), 0);
}

TEST_F(SheetCliTest, ServerSheetShowsThePinnedServer) {
  CliResult r = As("owner", {"sheet", "server", "--team", "Mäkelä Oy", "--backups",
                             "/srv/baton/backups", "--text", "--stdout"});
  const std::string text = PdfReader::Collapse(r.out);
  for (const std::string& want :
       {url(), std::string("/srv/baton/backups"), std::string("batond restore")}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << " not in " << text;
  }
}

}  // namespace
