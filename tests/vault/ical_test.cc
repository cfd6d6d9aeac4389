// The iCalendar writer: TEXT escaping (RFC 5545 §3.3.11), line folding at 75
// octets without splitting a UTF-8 character (§3.1), CRLF line ends, and
// the all-day events of the calendar feed.
#include "vault/ical.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace vault::ical {
namespace {

// 2026-04-01T13:45:10Z
constexpr int64_t kApril1 = 1775051110000;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t end; (end = text.find("\r\n", start)) != std::string::npos; start = end + 2) {
    out.push_back(text.substr(start, end - start));
  }
  EXPECT_EQ(start, text.size()) << "text after the last CRLF";
  return out;
}

std::string Unfold(const std::string& folded) {
  std::string out;
  for (const std::string& line : Lines(folded)) {
    out += line.starts_with(' ') ? line.substr(1) : line;
  }
  return out;
}

TEST(IcalTest, EscapesTheCharactersTextMayNotHoldAsThey) {
  EXPECT_EQ(EscapeText("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
  EXPECT_EQ(EscapeText("Õun ja ÄÖÜ"), "Õun ja ÄÖÜ");  // UTF-8 stays as it is
  // CR (from a CRLF), tabs and other controls cannot appear in TEXT.
  EXPECT_EQ(EscapeText("one\r\ntwo\tthree\x01"), "one\\ntwothree");
  EXPECT_EQ(EscapeText(""), "");
}

TEST(IcalTest, ShortLinesAreNotFolded) {
  EXPECT_EQ(FoldLine("SUMMARY:x"), "SUMMARY:x\r\n");
  const std::string exactly75(75, 'a');
  EXPECT_EQ(FoldLine(exactly75), exactly75 + "\r\n");
}

TEST(IcalTest, LongLinesFoldAt75OctetsAndUnfoldToTheOriginal) {
  const std::string line = "SUMMARY:" + std::string(200, 'x');
  const std::string folded = FoldLine(line);
  const auto lines = Lines(folded);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].size(), 75u);
  EXPECT_EQ(lines[1].size(), 75u);  // the space and 74 octets
  EXPECT_EQ(lines[1][0], ' ');
  EXPECT_EQ(Unfold(folded), line);
}

TEST(IcalTest, FoldingNeverSplitsAUtf8Character) {
  // 'ö' is two octets; 'ö' at every offset puts a character across the
  // 75-octet boundary in one of them.
  for (size_t pad = 0; pad < 4; ++pad) {
    std::string line = "SUMMARY:" + std::string(pad, 'a');
    for (int i = 0; i < 60; ++i) line += "ö€";  // 2 and 3 octets
    const std::string folded = FoldLine(line);
    for (const std::string& l : Lines(folded)) {
      EXPECT_LE(l.size(), 75u);
      const size_t body = l.starts_with(' ') ? 1 : 0;
      ASSERT_LT(body, l.size());
      // No piece starts with a continuation byte.
      EXPECT_NE(static_cast<unsigned char>(l[body]) & 0xc0, 0x80) << pad;
    }
    EXPECT_EQ(Unfold(folded), line) << pad;
  }
}

TEST(IcalTest, CalendarHoldsOneAllDayEventPerDueDate) {
  const std::string cal =
      Calendar("baton: Mari", kApril1,
               {{"abc-20260401@baton", kApril1, "Rotate Facebook, page (facebook)"}});
  const auto lines = Lines(cal);
  ASSERT_GE(lines.size(), 4u);
  EXPECT_EQ(lines.front(), "BEGIN:VCALENDAR");
  EXPECT_EQ(lines.back(), "END:VCALENDAR");
  auto has = [&](const std::string& l) {
    return std::find(lines.begin(), lines.end(), l) != lines.end();
  };
  EXPECT_TRUE(has("VERSION:2.0"));
  EXPECT_TRUE(has("PRODID:-//baton//rotation calendar//EN"));
  EXPECT_TRUE(has("X-WR-CALNAME:baton: Mari"));
  EXPECT_TRUE(has("UID:abc-20260401@baton"));
  EXPECT_TRUE(has("DTSTAMP:20260401T134510Z"));
  EXPECT_TRUE(has("DTSTART;VALUE=DATE:20260401"));
  EXPECT_TRUE(has("SUMMARY:Rotate Facebook\\, page (facebook)"));
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "BEGIN:VEVENT"), 1);
  // No bare LF anywhere: every line ends in CRLF.
  for (size_t i = 0; i < cal.size(); ++i) {
    if (cal[i] == '\n') {
      EXPECT_TRUE(i > 0 && cal[i - 1] == '\r') << i;
    }
  }
}

TEST(IcalTest, AnEmptyCalendarIsStillACalendar) {
  const auto lines = Lines(Calendar("x", 0, {}));
  EXPECT_EQ(lines.front(), "BEGIN:VCALENDAR");
  EXPECT_EQ(lines.back(), "END:VCALENDAR");
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "BEGIN:VEVENT"), 0);
}

}  // namespace
}  // namespace vault::ical
