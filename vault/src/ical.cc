#include "vault/ical.h"

#include <chrono>
#include <cstdio>

namespace vault::ical {
namespace {

constexpr size_t kMaxOctets = 75;

// "YYYYMMDD" (a DATE) of the UTC day of `ms`, or with `time` the UTC
// DATE-TIME "YYYYMMDDTHHMMSSZ".
std::string IcalTime(int64_t ms, bool time) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms)};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<seconds>(t - day)};
  char buf[32];
  if (time) {
    std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()));
  } else {
    std::snprintf(buf, sizeof buf, "%04d%02u%02u", int(ymd.year()), unsigned(ymd.month()),
                  unsigned(ymd.day()));
  }
  return buf;
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

}  // namespace

std::string EscapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      default:
        // §3.3.11 allows no other control character in TEXT.
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) break;
        out += c;
    }
  }
  return out;
}

std::string FoldLine(std::string_view line) {
  std::string out;
  size_t budget = kMaxOctets;  // the first line has 75 octets, the others 74 after the space
  while (line.size() > budget) {
    size_t cut = budget;
    // Never inside a UTF-8 sequence: back up to the start of the character.
    while (cut > 0 && IsContinuationByte(line[cut])) --cut;
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    budget = kMaxOctets - 1;
  }
  out.append(line);
  out += "\r\n";
  return out;
}

std::string Calendar(std::string_view name, int64_t now_ms, const std::vector<Event>& events) {
  std::string out;
  out += FoldLine("BEGIN:VCALENDAR");
  out += FoldLine("VERSION:2.0");
  out += FoldLine("PRODID:-//baton//rotation calendar//EN");
  out += FoldLine("CALSCALE:GREGORIAN");
  out += FoldLine("X-WR-CALNAME:" + EscapeText(name));
  const std::string stamp = IcalTime(now_ms, true);
  for (const Event& e : events) {
    out += FoldLine("BEGIN:VEVENT");
    out += FoldLine("UID:" + EscapeText(e.uid));
    out += FoldLine("DTSTAMP:" + stamp);
    out += FoldLine("DTSTART;VALUE=DATE:" + IcalTime(e.day_ms, false));
    out += FoldLine("SUMMARY:" + EscapeText(e.summary));
    out += FoldLine("TRANSP:TRANSPARENT");
    out += FoldLine("END:VEVENT");
  }
  out += FoldLine("END:VCALENDAR");
  return out;
}

}  // namespace vault::ical
