// The pure parts of `baton emergency`: durations as people type them, ids as
// people copy them, and what happens next in plain words. No I/O, so they
// are tested without a server.
#ifndef BATON_CLI_SRC_EMERGENCY_H_
#define BATON_CLI_SRC_EMERGENCY_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "vault/api_json_emergency.h"
#include "vault/emergency.h"
#include "vault/status.h"

namespace cli::emergency {

// The wait and window limits are the API's (vault/emergency.h).
using vault::emergency::kMaxWaitHours;
using vault::emergency::kMaxWindowHours;
using vault::emergency::kMinWaitHours;
using vault::emergency::kMinWindowHours;
inline constexpr size_t kMinIdPrefix = 6;

// "48h", "7d" or "2w" as whole hours, checked against [min_hours,
// max_hours]. InvalidArgument naming `what` (e.g. "--wait") otherwise.
vault::Result<int64_t> ParseHours(std::string_view text, std::string_view what, int64_t min_hours,
                                  int64_t max_hours);

// "7 days", "36 hours", "1 hour".
std::string HoursInWords(int64_t hours);

// "2026-12-01 14:00 UTC".
std::string UtcTime(int64_t ms);

// The one id among `ids` that is `given` or starts with it (at least
// kMinIdPrefix hex digits). InvalidArgument for a malformed or too short
// id, NotFound for none, FailedPrecondition for several (`what`: "grant").
vault::Result<std::string> MatchId(const std::vector<std::string>& ids, std::string_view given,
                                   std::string_view what);

// Member id → name, for the plain words (ids are shown when a name is not known).
using Names = std::map<std::string, std::string>;

// The member's (or collection's) name in `names`, else its id; "the
// server" for the server's own decisions.
std::string NameOf(const Names& names, const std::string& id);
// NameOf as a terminal may show it (cli::Printable): names are chosen by
// other people.
std::string ShownName(const Names& names, const std::string& id);

// What a request means for the deputy and the admins right now, and what
// happens next and when (UTC): one or two sentences.
std::string RequestInWords(const vault::api::RequestAnswer& answer, const Names& names,
                           int64_t now_ms);

// A grant in one sentence: who, what, how long the wait, the two-person rule.
std::string GrantInWords(const vault::api::GrantAnswer& answer, const Names& names,
                         const Names& collection_names);

}  // namespace cli::emergency

#endif  // BATON_CLI_SRC_EMERGENCY_H_
