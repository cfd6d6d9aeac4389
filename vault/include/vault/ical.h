// A minimal RFC 5545 iCalendar writer for the calendar feed: all-day events
// only, text escaped (§3.3.11), lines folded at 75 octets (§3.1) without
// splitting a UTF-8 sequence, CRLF line ends.
#ifndef BATON_VAULT_ICAL_H_
#define BATON_VAULT_ICAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vault::ical {

struct Event {
  std::string uid;      // stable across fetches, so calendars update in place
  int64_t day_ms = 0;   // any instant of the UTC day the event falls on
  std::string summary;  // plain text; escaped when written
};

// TEXT as §3.3.11 writes it: backslash, semicolon, comma and newline
// escaped; other control characters (CR among them) dropped.
std::string EscapeText(std::string_view text);
// One content line folded per §3.1 (CRLF and a space before each
// continuation), with its final CRLF.
std::string FoldLine(std::string_view line);
// The whole VCALENDAR. `name` is the calendar's display name (X-WR-CALNAME),
// `now_ms` the DTSTAMP of every event.
std::string Calendar(std::string_view name, int64_t now_ms, const std::vector<Event>& events);

}  // namespace vault::ical

#endif  // BATON_VAULT_ICAL_H_
