// What baton shows on a terminal of text that came from someone else:
// cli::Printable makes every control visible and keeps printable UTF-8, and
// every human output of another member's name, reason or item goes through
// it, while --json and --field stay exact.
#include <gtest/gtest.h>

#include <string>

#include "cli/cli_fixture.h"
#include "cli/console.h"
#include "cli/exit_codes.h"

namespace {

using cli::Printable;
using nlohmann::json;
using testing_util::CliResult;

struct Case {
  const char* what;
  std::string in;
  std::string shown;
};

TEST(PrintableTest, EscapesControlsAndKeepsPrintableText) {
  const Case cases[] = {
      {"ascii", "Facebook page", "Facebook page"},
      {"utf-8 kept", "M\xc3\xbcller \xe5\xae\xa2\xe6\x88\xb7 \xf0\x9f\x94\x91",
       "M\xc3\xbcller \xe5\xae\xa2\xe6\x88\xb7 \xf0\x9f\x94\x91"},
      {"empty", "", ""},
      {"escape sequence", "\x1b[2J", "\\x1b[2J"},
      {"window title", "\x1b]0;title\x07", "\\x1b]0;title\\x07"},
      {"tab, newline, carriage return", "a\tb\nc\rd", "a\\x09b\\x0ac\\x0dd"},
      {"nul and backspace", std::string("x\0y\x08", 4), "x\\x00y\\x08"},
      {"del", "a\x7f", "a\\x7f"},
      {"c1 csi",
       "\xc2\x9b"
       "2J",
       "\\u{009b}2J"},
      {"c1 first and last", "\xc2\x80\xc2\x9f", "\\u{0080}\\u{009f}"},
      {"latin-1 after c1 kept", "\xc2\xa0\xc2\xa9", "\xc2\xa0\xc2\xa9"},
      {"bidi override",
       "abc\xe2\x80\xae"
       "fdp.exe",
       "abc\\u{202e}fdp.exe"},
      {"bidi embeddings", "\xe2\x80\xaa\xe2\x80\xad", "\\u{202a}\\u{202d}"},
      {"bidi isolates", "\xe2\x81\xa6x\xe2\x81\xa9", "\\u{2066}x\\u{2069}"},
      {"next to bidi kept", "\xe2\x80\xa7\xe2\x81\xaa", "\xe2\x80\xa7\xe2\x81\xaa"},
      {"bidi marks", "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u{200e}\\u{200f}\\u{061c}"},
      {"line and paragraph separators", "a\xe2\x80\xa8z\xe2\x80\xa9", "a\\u{2028}z\\u{2029}"},
      {"backslash doubled", "a\\x1b", "a\\\\x1b"},
      {"stray continuation", "a\x80z", "a\\x80z"},
      {"latin-1 byte", "M\xfcller", "M\\xfcller"},
      {"truncated two-byte", "ab\xc3", "ab\\xc3"},
      {"truncated three-byte", "\xe5\xae", "\\xe5\\xae"},
      {"truncated four-byte then ascii", "\xf0\x9f\x94z", "\\xf0\\x9f\\x94z"},
      {"overlong slash", "\xc0\xaf", "\\xc0\\xaf"},
      {"overlong three-byte", "\xe0\x80\xaf", "\\xe0\\x80\\xaf"},
      {"surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80"},
      {"beyond U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},
      {"invalid lead", "\xff\xfe", "\\xff\\xfe"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(cli::Printable(c.in), c.shown) << c.what;
  }
}

TEST(PrintableTest, TheResultHasNoControlByteLeft) {
  std::string every;
  for (int b = 0; b < 256; ++b) every += static_cast<char>(b);
  for (unsigned char c : cli::Printable(every)) {
    EXPECT_TRUE(c >= 0x20 && c != 0x7f) << static_cast<int>(c);
  }
}

// A clear-screen, a window title, a right-to-left override and a C1 CSI:
// each would let its author change what the reader sees.
const std::string kHostile =
    "Eve\x1b[2J\x1b]0;title\x07\xe2\x80\xae"
    "evil\xc2\x9b"
    "1m";
const std::string kShown = "Eve\\x1b[2J\\x1b]0;title\\x07\\u{202e}evil\\u{009b}1m";

void ExpectNoRawControls(const CliResult& r, const std::string& what) {
  for (const char* raw : {"\x1b", "\x07", "\xe2\x80\xae", "\xc2\x9b"}) {
    EXPECT_EQ(r.out.find(raw), std::string::npos) << what << ": " << Printable(r.out);
    EXPECT_EQ(r.err.find(raw), std::string::npos) << what << ": " << Printable(r.err);
  }
}

class TerminalOutputTest : public testing_util::CliFixture {
 protected:
  CliResult As(const std::string& profile, std::vector<std::string> args,
               const std::string& stdin_text = "") {
    args.insert(args.begin(), {"--profile", profile});
    CliResult r = Baton(args, stdin_text);
    EXPECT_EQ(r.code, 0) << testing::PrintToString(args) << "\n"
                         << Printable(r.out) << Printable(r.err);
    return r;
  }

  // Shown to a person: escaped, with no raw control left anywhere.
  void ExpectShownEscaped(const std::string& profile, std::vector<std::string> args) {
    const CliResult r = As(profile, args);
    const std::string what = testing::PrintToString(args);
    ExpectNoRawControls(r, what);
    EXPECT_NE(r.out.find(kShown), std::string::npos) << what << ": " << Printable(r.out);
  }
};

TEST_F(TerminalOutputTest, EscapeSequencesInNamesAreShownEscaped) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "init"));
  ASSERT_NO_FATAL_FAILURE(CliJoin("admin", kHostile, "eve"));
  // Eve names a collection and an item, as a deputy or admin may.
  As("eve", {"collection", "create", kHostile});
  As("eve",
     {"item", "add", kHostile, kHostile, "--channel", "facebook", "--username", kHostile,
      "--password-stdin"},
     "hunter2\n");
  As("eve", {"collection", "grant", kHostile, "Mari", "view"});

  ExpectShownEscaped("owner", {"member", "list"});
  ExpectShownEscaped("owner", {"collection", "list"});
  ExpectShownEscaped("owner", {"item", "list"});
  ExpectShownEscaped("owner", {"item", "get", kHostile});
  ExpectShownEscaped("owner", {"item", "history", kHostile});
  ExpectShownEscaped("owner", {"due"});
  ExpectShownEscaped("owner", {"audit", "log"});
  ExpectShownEscaped("eve", {"whoami"});

  // An error that names the item is escaped too.
  const CliResult missing =
      Baton({"--profile", "owner", "item", "get", kHostile, "--field", "totp"});
  EXPECT_EQ(missing.code, cli::kExitNotFound);
  ExpectNoRawControls(missing, "item get --field totp");

  // Scripts get the exact text: --json, and one field with --field.
  const json members = json::parse(As("owner", {"--json", "member", "list"}).out);
  bool found = false;
  for (const auto& m : members) found = found || m.value("name", "") == kHostile;
  EXPECT_TRUE(found) << members;
  const json item = json::parse(As("owner", {"--json", "item", "get", kHostile}).out);
  EXPECT_EQ(item.value("name", ""), kHostile);
  EXPECT_EQ(item.value("collection", ""), kHostile);
  EXPECT_EQ(item.value("username", ""), kHostile);
  EXPECT_EQ(As("owner", {"item", "get", kHostile, "--field", "username"}).out, kHostile + "\n");
}

TEST_F(TerminalOutputTest, AnEmergencyReasonIsShownToTheAdminEscaped) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "init"));
  ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Jaan", "deputy"));
  As("owner", {"collection", "create", "Social media"});
  const json grant = json::parse(As("owner", {"--json", "emergency", "grant", "Jaan",
                                              "--collection", "Social media", "--wait", "48h"})
                                     .out);
  const std::string grant_id = grant.value("id", "");
  ASSERT_FALSE(grant_id.empty()) << grant;
  // The deputy words the reason so that the admin's screen is cleared and
  // a harmless-looking line is written instead.
  const std::string reason = "\x1b[2J\x1b[Happroved by Mari already\xe2\x80\xae" + kHostile;
  const json request = json::parse(
      As("deputy", {"--json", "emergency", "request", grant_id.substr(0, 8), "--reason", reason})
          .out);
  const std::string request_id = request.value("id", "");
  ASSERT_FALSE(request_id.empty()) << request;

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"emergency", "status", request_id},
        std::vector<std::string>{"emergency", "show", grant_id}}) {
    const CliResult shown = As("owner", args);
    ExpectNoRawControls(shown, testing::PrintToString(args));
    EXPECT_NE(shown.out.find("reason       \\x1b[2J\\x1b[Happroved by Mari already\\u{202e}" +
                             kShown + "\n"),
              std::string::npos)
        << Printable(shown.out);
  }
  const json exact = json::parse(As("owner", {"--json", "emergency", "status", request_id}).out);
  EXPECT_EQ(exact.value("reason", ""), reason) << exact;
}

}  // namespace
