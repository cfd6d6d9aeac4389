// Printable sheets, checked with independent tools (scripts/setup installs
// them, so their absence fails these tests): pdftoppm rasterises each PDF,
// zbarimg decodes every QR code, pdftotext and pdfinfo read the text and the
// pages back, and oathtool computes a TOTP code from a decoded otpauth URI.
#include "backup/sheet.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "backup/sheet_builders.h"
#include "backup/slip39.h"
#include "env_wrapper.h"
#include "fake_env.h"
#include "pdf_reader.h"
#include "temp_dir.h"
#include "test_util.h"
#include "vault/time_format.h"
#include "vault/totp.h"

namespace {

namespace sheet = backup::sheet;
using testing_util::FakeEnv;
using testing_util::TempDir;

using testing_util::PdfReader;

std::string Slurp(const std::string& path) { return PdfReader::Slurp(path); }

std::string ViewOf(const vault::SecureBuffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// 2026-12-05T10:00:00Z.
constexpr int64_t kPrintedMs = 1796464800000;

class SheetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(PdfReader::CheckTools());
    ASSERT_EQ(access("/usr/bin/oathtool", X_OK), 0) << "oathtool is missing: run scripts/setup";
  }

  // Writes the PDF into the temp dir; returns its path.
  std::string Save(const vault::SecureBuffer& pdf, const std::string& name) {
    const std::string path = dir_.File(name);
    EXPECT_OK(sheet::WriteSheetFile(vault::Env::Default(), path, pdf));
    return path;
  }

  std::string Run(const std::vector<std::string>& args) { return pdf_.Run(args); }
  int Pages(const std::string& pdf) { return pdf_.Pages(pdf); }
  std::string Text(const std::string& pdf, int page = 0) { return pdf_.Text(pdf, page); }
  std::multiset<std::string> DecodeAll(const std::string& pdf) { return pdf_.DecodeAll(pdf); }
  static std::string Collapse(const std::string& s) { return testing_util::PdfReader::Collapse(s); }

  static std::string Squeeze(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c != ' ' && c != '\n' && c != '\f') out += c;
    }
    return out;
  }

  // A real 33-word SLIP-39 share of a 32-byte secret, 3 of 5.
  std::vector<vault::SecureBuffer> Shares() {
    vault::SecureBuffer secret(32);
    env_.RandomBytes(secret.bytes());
    backup::slip39::SplitOptions options;
    options.groups = {{3, 5}};
    auto split = backup::slip39::Split(env_, secret, {}, options);
    EXPECT_TRUE(split.has_value());
    return std::move(split->front());
  }

  sheet::ShareSheetInput ShareInput(std::string_view mnemonic) {
    sheet::ShareSheetInput in;
    in.team = "Kärkkäinen & Õunapuu Öy";
    in.custodian = "Jürgen Šõžü-Mäkelä";
    in.share_number = 2;
    in.share_count = 5;
    in.threshold = 3;
    in.mnemonic = mnemonic;
    in.recovery_fingerprint = "acre-bloom-cider-dune-ember-frost";
    in.date = vault::FromUnixMs(kPrintedMs);
    in.other_custodians = {"Anneli Põder", "Žaneta Küünarpää"};
    return in;
  }

  sheet::Channel MakeChannel(int i) {
    sheet::Channel c;
    c.service = "Service " + std::to_string(i) + " (Töölö)";
    c.login = "user" + std::to_string(i) + "@example.fi";
    c.password = sheet::MakeText("pw-" + std::to_string(i) + "-Zq7!xK#p");
    // Distinct base32 secrets: 16 letters of A-Z2-7 from i.
    std::string secret;
    for (int k = 0; k < 16; ++k) secret += "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(i * 7 + k * 3) % 32];
    c.totp_uri = sheet::MakeText("otpauth://totp/Example:user" + std::to_string(i) +
                                 "?secret=" + secret + "&issuer=Example");
    c.backup_codes = sheet::MakeText("1111-" + std::to_string(1000 + i) + " 2222-3333");
    c.last_rotation = "2026-11-0" + std::to_string(1 + i % 9);
    return c;
  }

  sheet::BreakGlassInput BreakGlass(int channels) {
    sheet::BreakGlassInput in;
    in.team = "Kärkkäinen Öy";
    in.printed = vault::FromUnixMs(kPrintedMs);
    in.vault_fingerprint = "1a2b-3c4d-5e6f-7a8b";
    for (int i = 0; i < channels; ++i) in.channels.push_back(MakeChannel(i));
    return in;
  }

  FakeEnv env_;
  TempDir dir_;
  testing_util::PdfReader pdf_{dir_.path()};
};

TEST_F(SheetTest, ShareSheetQrDecodesToTheMnemonicAndTextReadsBack) {
  std::vector<vault::SecureBuffer> shares = Shares();
  const std::string mnemonic = ViewOf(shares[1]);
  ASSERT_OK_AND_ASSIGN(sheet::Sheet s,
                       sheet::BuildShareSheet(ShareInput(mnemonic), sheet::Language::kEn));
  ASSERT_OK_AND_ASSIGN(vault::SecureBuffer pdf, sheet::RenderPdf(s, {}));
  const std::string path = Save(pdf, "share.pdf");

  EXPECT_EQ(DecodeAll(path), std::multiset<std::string>{mnemonic});
  const std::string text = Collapse(Text(path));
  for (const char* want :
       {"Jürgen Šõžü-Mäkelä", "Kärkkäinen & Õunapuu Öy", "Anneli Põder", "Žaneta Küünarpää",
        "acre-bloom-cider-dune-ember-frost", "share 2 of 5 — any 3 recover",
        "baton recover --backup", "baton recovery check", "age -d -i identity.txt", "2026-12-05"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << " not in:\n" << text;
  }
  // Every word, numbered, in order.
  std::istringstream words(mnemonic);
  int n = 0;
  for (std::string w; words >> w;) {
    ++n;
    const std::string numbered = std::to_string(n) + "." + w;
    EXPECT_NE(Squeeze(text).find(numbered), std::string::npos) << numbered;
  }
  EXPECT_EQ(n, 33);
}

TEST_F(SheetTest, LetterPaperAndEveryLanguageRender) {
  std::vector<vault::SecureBuffer> shares = Shares();
  const std::string mnemonic = ViewOf(shares[0]);
  const struct {
    sheet::Language language;
    const char* phrase;
  } cases[] = {{sheet::Language::kEn, "Custodian"},
               {sheet::Language::kFi, "Säilyttäjä"},
               {sheet::Language::kEt, "Taastevõtme sõrmejälg"}};
  for (const auto& c : cases) {
    ASSERT_OK_AND_ASSIGN(sheet::Sheet s, sheet::BuildShareSheet(ShareInput(mnemonic), c.language));
    sheet::PdfOptions letter;
    letter.paper = sheet::Paper::kLetter;
    ASSERT_OK_AND_ASSIGN(vault::SecureBuffer pdf, sheet::RenderPdf(s, letter));
    const std::string path = Save(pdf, "letter.pdf");
    EXPECT_NE(Run({"/usr/bin/pdfinfo", path}).find("612 x 792 pts (letter)"), std::string::npos);
    EXPECT_NE(Text(path).find(c.phrase), std::string::npos) << c.phrase;
    EXPECT_EQ(DecodeAll(path), std::multiset<std::string>{mnemonic});
  }
}

TEST_F(SheetTest, FortyChannelBreakGlassFlowsOverPagesAndEveryQrDecodes) {
  sheet::BreakGlassInput in = BreakGlass(40);
  std::multiset<std::string> uris;
  for (const sheet::Channel& c : in.channels) uris.insert(ViewOf(c.totp_uri));
  ASSERT_OK_AND_ASSIGN(sheet::Sheet s,
                       sheet::BuildBreakGlassSheet(std::move(in), sheet::Language::kFi));
  ASSERT_OK_AND_ASSIGN(vault::SecureBuffer pdf, sheet::RenderPdf(s, {}));
  const std::string path = Save(pdf, "breakglass.pdf");

  const int pages = Pages(path);
  EXPECT_GT(pages, 3);
  EXPECT_EQ(DecodeAll(path), uris);
  for (int p = 1; p <= pages; ++p) {
    const std::string text = Text(path, p);
    // The warning, the staleness check and the page number on every page.
    EXPECT_NE(text.find("SALAINEN"), std::string::npos) << "page " << p;
    EXPECT_NE(text.find("baton sheet check 1a2b-3c4d-5e6f-7a8b"), std::string::npos);
    EXPECT_NE(text.find("sivu " + std::to_string(p) + "/" + std::to_string(pages)),
              std::string::npos);
  }
  const std::string all = Text(path);
  for (int i : {0, 17, 39}) {
    EXPECT_NE(all.find("pw-" + std::to_string(i) + "-Zq7!xK#p"), std::string::npos);
    EXPECT_NE(all.find("1111-" + std::to_string(1000 + i)), std::string::npos);
    EXPECT_NE(all.find("Service " + std::to_string(i) + " (Töölö)"), std::string::npos);
  }
}

TEST_F(SheetTest, TotpQrGivesTheSameCodeInOathtoolAsInBaton) {
  ASSERT_OK_AND_ASSIGN(sheet::Sheet s,
                       sheet::BuildBreakGlassSheet(BreakGlass(1), sheet::Language::kEn));
  ASSERT_OK_AND_ASSIGN(vault::SecureBuffer pdf, sheet::RenderPdf(s, {}));
  const std::multiset<std::string> decoded = DecodeAll(Save(pdf, "totp.pdf"));
  ASSERT_EQ(decoded.size(), 1u);
  const std::string uri = *decoded.begin();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(uri, m, std::regex("secret=([A-Z2-7]+)"))) << uri;
  const std::string code =
      Run({"/usr/bin/oathtool", "--totp", "-b", m[1].str(), "--now=2026-12-05 10:00:00 UTC"});
  ASSERT_OK_AND_ASSIGN(vault::totp::TotpParams params, vault::totp::ParseOtpauthUri(uri));
  ASSERT_OK_AND_ASSIGN(std::string ours,
                       vault::totp::TotpCode(params, vault::FromUnixMs(kPrintedMs)));
  EXPECT_EQ(code, ours + "\n");
}

TEST_F(SheetTest, ServerSheetReadsBackInEstonian) {
  sheet::ServerSheetInput in;
  in.team = "Õunapuu OÜ";
  in.url = "https://vault.example.ee:8443";
  in.tls_fingerprint = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
  in.audit_fingerprint = "00112233445566778899aabbccddeeff";
  in.backup_location = "/srv/baton/backups on nas.example.ee";
  in.printed = vault::FromUnixMs(kPrintedMs);
  ASSERT_OK_AND_ASSIGN(sheet::Sheet s, sheet::BuildServerSheet(in, sheet::Language::kEt));
  ASSERT_OK_AND_ASSIGN(vault::SecureBuffer pdf, sheet::RenderPdf(s, {}));
  const std::string path = Save(pdf, "server.pdf");
  const std::string text = Squeeze(Text(path));
  for (const std::string& want :
       {in.team, in.url, in.tls_fingerprint, in.audit_fingerprint, in.backup_location,
        std::string("Kuidas taastada"), std::string("batond restore")}) {
    EXPECT_NE(text.find(Squeeze(want)), std::string::npos) << want;
  }
  EXPECT_TRUE(DecodeAll(path).empty());
}

TEST_F(SheetTest, SecretTooLongForOneQrIsSplitIntoNumberedCodes) {
  std::string payload;
  for (int i = 0; payload.size() < 2 * sheet::kMaxQrPayloadBytes + 50; ++i) {
    payload += "chunk" + std::to_string(i) + "-";
  }
  sheet::Sheet s;
  s.title = "Split";
  sheet::Section section;
  section.codes.push_back({"Long secret", sheet::MakeText(payload)});
  s.sections.push_back(std::move(section));
  ASSERT_OK_AND_ASSIGN(vault::SecureBuffer pdf, sheet::RenderPdf(s, {}));
  const std::string path = Save(pdf, "split.pdf");
  const std::multiset<std::string> decoded = DecodeAll(path);
  ASSERT_EQ(decoded.size(), 3u);
  const size_t part = (payload.size() + 2) / 3;
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(decoded.count(payload.substr(i * part, part)), 1u);
  const std::string text = Text(path);
  for (const char* caption : {"part 1 of 3", "part 2 of 3", "part 3 of 3"}) {
    EXPECT_NE(text.find(caption), std::string::npos) << caption;
  }
}

TEST_F(SheetTest, TooLongNameIsWrappedInsideThePage) {
  std::vector<vault::SecureBuffer> shares = Shares();
  // The input holds a view: the words must outlive it.
  const std::string mnemonic = ViewOf(shares[0]);
  sheet::ShareSheetInput in = ShareInput(mnemonic);
  in.custodian.clear();
  for (int i = 0; i < 12; ++i) in.custodian += "Šõžü-Mäkelä-Kärkkäinen";
  ASSERT_OK_AND_ASSIGN(sheet::Sheet s, sheet::BuildShareSheet(in, sheet::Language::kEn));
  ASSERT_OK_AND_ASSIGN(vault::SecureBuffer pdf, sheet::RenderPdf(s, {}));
  const std::string path = Save(pdf, "long.pdf");
  // The whole name is there (wrapped over lines, in the custodian row)...
  EXPECT_NE(Squeeze(Text(path)).find(in.custodian), std::string::npos);
  // ...and no word's box leaves the printable area of an A4 page.
  const std::string boxes = Run({"/usr/bin/pdftotext", "-bbox", path, "-"});
  const std::regex word("xMin=\"([0-9.]+)\" yMin=\"[0-9.]+\" xMax=\"([0-9.]+)\"");
  int count = 0;
  for (auto it = std::sregex_iterator(boxes.begin(), boxes.end(), word);
       it != std::sregex_iterator(); ++it, ++count) {
    EXPECT_GE(std::stod((*it)[1]), 30.0);
    EXPECT_LE(std::stod((*it)[2]), 595.28 - 30.0) << it->str();
  }
  EXPECT_GT(count, 100);
}

TEST_F(SheetTest, TextRenderingHasEverythingWithinWidth) {
  std::vector<vault::SecureBuffer> shares = Shares();
  const std::string mnemonic = ViewOf(shares[2]);
  ASSERT_OK_AND_ASSIGN(sheet::Sheet s,
                       sheet::BuildShareSheet(ShareInput(mnemonic), sheet::Language::kEt));
  const std::string text = ViewOf(sheet::RenderText(s, 78));
  for (const char* want : {"Jürgen Šõžü-Mäkelä", "Anneli Põder", "osa 2/5", "baton recover"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want;
  }
  EXPECT_NE(Collapse(text).find(mnemonic), std::string::npos);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    size_t cols = 0;
    for (unsigned char c : line) cols += (c & 0xC0) != 0x80;
    EXPECT_LE(cols, 78u) << line;
  }
}

TEST_F(SheetTest, UnknownLanguageAndPaperAreClearErrors) {
  EXPECT_STATUS(sheet::ParseLanguage("de"), kInvalidArgument);
  EXPECT_NE(sheet::ParseLanguage("de").error().message().find("en, fi or et"), std::string::npos);
  EXPECT_STATUS(sheet::ParseLanguage(""), kInvalidArgument);
  EXPECT_EQ(*sheet::ParseLanguage("FI"), sheet::Language::kFi);
  EXPECT_STATUS(sheet::ParsePaper("a5"), kInvalidArgument);
  EXPECT_EQ(*sheet::ParsePaper("Letter"), sheet::Paper::kLetter);
}

TEST_F(SheetTest, MissingFontIsAClearError) {
  ASSERT_OK_AND_ASSIGN(sheet::Sheet s,
                       sheet::BuildBreakGlassSheet(BreakGlass(1), sheet::Language::kEn));
  sheet::PdfOptions options;
  options.font_dir = dir_.File("no-fonts");
  auto pdf = sheet::RenderPdf(s, options);
  EXPECT_STATUS(pdf, kNotFound);
  EXPECT_NE(pdf.error().message().find("DejaVuSans.ttf"), std::string::npos);
}

TEST_F(SheetTest, OutputIsPrivateAndAnUnwritablePathWritesNothing) {
  const vault::SecureBuffer bytes = sheet::MakeText("secret sheet");
  const std::string path = dir_.File("out.pdf");
  ASSERT_OK(sheet::WriteSheetFile(vault::Env::Default(), path, bytes));
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(Slurp(path), "secret sheet");

  const std::string missing_dir = dir_.File("absent/out.pdf");
  EXPECT_STATUS(sheet::WriteSheetFile(vault::Env::Default(), missing_dir, bytes), kIOError);
  EXPECT_NE(access(missing_dir.c_str(), F_OK), 0);
  EXPECT_STATUS(sheet::WriteSheetFile(vault::Env::Default(), "", bytes), kInvalidArgument);
}

TEST_F(SheetTest, BuildersRejectBadInputNamingTheField) {
  std::vector<vault::SecureBuffer> shares = Shares();
  const std::string mnemonic = ViewOf(shares[0]);
  sheet::ShareSheetInput in = ShareInput(mnemonic);
  in.custodian = "Evil\x1b[2JName";
  auto bad = sheet::BuildShareSheet(in, sheet::Language::kEn);
  EXPECT_STATUS(bad, kInvalidArgument);
  EXPECT_NE(bad.error().message().find("custodian"), std::string::npos);
  in = ShareInput(mnemonic);
  in.share_number = 6;
  EXPECT_STATUS(sheet::BuildShareSheet(in, sheet::Language::kEn), kInvalidArgument);
  in = ShareInput("   ");
  EXPECT_STATUS(sheet::BuildShareSheet(in, sheet::Language::kEn), kInvalidArgument);

  sheet::BreakGlassInput glass = BreakGlass(2);
  glass.channels[1].totp_uri = sheet::MakeText("otpauth://totp/x?secret=NOT*BASE32");
  auto bad_glass = sheet::BuildBreakGlassSheet(std::move(glass), sheet::Language::kEn);
  EXPECT_STATUS(bad_glass, kInvalidArgument);
  EXPECT_NE(bad_glass.error().message().find("Service 1"), std::string::npos);
  EXPECT_EQ(bad_glass.error().message().find("NOT*BASE32"), std::string::npos);
}

TEST_F(SheetTest, VaultStateFingerprintChangesWithAnyItem) {
  using sheet::ItemVersion;
  const std::string a = sheet::VaultStateFingerprint({{"i1", 1}, {"i2", 4}});
  EXPECT_TRUE(std::regex_match(a, std::regex("[0-9a-f]{4}(-[0-9a-f]{4}){3}"))) << a;
  EXPECT_EQ(a, sheet::VaultStateFingerprint({{"i2", 4}, {"i1", 1}}));
  EXPECT_NE(a, sheet::VaultStateFingerprint({{"i1", 1}, {"i2", 5}}));
  EXPECT_NE(a, sheet::VaultStateFingerprint({{"i1", 1}}));
  EXPECT_NE(a, sheet::VaultStateFingerprint({{"i1", 1}, {"i2", 4}, {"i3", 1}}));
}

// Fails every write to one path, to break a share set midway.
class FailOnePathEnv : public testing_util::EnvWrapper {
 public:
  FailOnePathEnv(vault::Env& base, std::string path) : EnvWrapper(base), path_(std::move(path)) {}
  vault::Status WriteFileAtomic(const std::string& path, std::span<const uint8_t> data,
                                uint32_t mode) override {
    if (path == path_) return vault::Status::IOError("disk full");
    return EnvWrapper::WriteFileAtomic(path, data, mode);
  }

 private:
  std::string path_;
};

TEST_F(SheetTest, ShareSetWritesOnePrivateSheetPerCustodianOrNothing) {
  std::vector<vault::SecureBuffer> shares = Shares();
  sheet::ShareSetInput in;
  in.team = "Kärkkäinen Öy";
  in.recovery_fingerprint = "acre-bloom-cider-dune-ember-frost";
  in.date = vault::FromUnixMs(kPrintedMs);
  in.threshold = 3;
  in.custodians = {"Anneli", "Jürgen", "Šarlota", "Õie", "Ülle"};
  in.shares = shares;
  sheet::OutputOptions text;
  text.format = sheet::Format::kText;

  FailOnePathEnv failing(vault::Env::Default(), dir_.File("share-3-of-5.txt"));
  EXPECT_STATUS(sheet::WriteShareSheets(failing, in, sheet::Language::kEn, text, dir_.path()),
                kIOError);
  for (int i = 1; i <= 5; ++i) {
    EXPECT_NE(access(dir_.File("share-" + std::to_string(i) + "-of-5.txt").c_str(), F_OK), 0);
  }

  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> paths,
      sheet::WriteShareSheets(vault::Env::Default(), in, sheet::Language::kEn, text, dir_.path()));
  ASSERT_EQ(paths.size(), 5u);
  for (size_t i = 0; i < paths.size(); ++i) {
    struct stat st {};
    ASSERT_EQ(stat(paths[i].c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    const std::string body = Slurp(paths[i]);
    EXPECT_NE(Collapse(body).find(ViewOf(shares[i])), std::string::npos);
    EXPECT_NE(body.find(in.custodians[i]), std::string::npos);
  }
  in.custodians.pop_back();
  EXPECT_STATUS(
      sheet::WriteShareSheets(vault::Env::Default(), in, sheet::Language::kEn, text, dir_.path()),
      kInvalidArgument);
}

}  // namespace
