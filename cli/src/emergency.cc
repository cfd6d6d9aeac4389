// The pure parts of `baton emergency` (emergency.h): no I/O.
#include "emergency.h"

#include <algorithm>
#include <cctype>

#include "cli/console.h"
#include "short_names.h"
#include "vault/time_format.h"

namespace cli {
namespace emergency {

Result<int64_t> ParseHours(std::string_view text, std::string_view what, int64_t min_hours,
                           int64_t max_hours) {
  const std::string shown(text);
  const std::string w(what);
  auto malformed = [&] {
    return Fail(Status::InvalidArgument(w + ": \"" + shown +
                                        "\" is not a duration; write it like 48h, 7d or 2w"));
  };
  // At most 6 digits: enough for any allowed value, and no overflow.
  if (text.size() < 2 || text.size() > 7) return malformed();
  const std::string_view digits = text.substr(0, text.size() - 1);
  if (!std::all_of(digits.begin(), digits.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return malformed();
  }
  int64_t n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  int64_t hours = 0;
  switch (text.back()) {
    case 'h': hours = n; break;
    case 'd': hours = n * 24; break;
    case 'w': hours = n * 24 * 7; break;
    default: return malformed();
  }
  if (hours < min_hours || hours > max_hours) {
    return Fail(Status::InvalidArgument(w + " must be between " + HoursInWords(min_hours) +
                                        " and " + HoursInWords(max_hours) + " (got " + shown +
                                        ")"));
  }
  return hours;
}

std::string HoursInWords(int64_t hours) {
  if (hours > 0 && hours % 24 == 0) {
    const int64_t days = hours / 24;
    return std::to_string(days) + (days == 1 ? " day" : " days");
  }
  return std::to_string(hours) + (hours == 1 ? " hour" : " hours");
}

std::string UtcTime(int64_t ms) { return vault::FormatUtc(ms, vault::UtcFormat::kMinute) + " UTC"; }

namespace {

Status CheckId(std::string_view given, std::string_view what) {
  const std::string w(what);
  const bool hex = std::all_of(given.begin(), given.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  });
  if (!hex || given.size() > 32) {
    return Status::InvalidArgument("\"" + std::string(given) + "\" is not a " + w +
                                   " id (ids are 32 hex digits; the first 6 are enough)");
  }
  if (given.size() < kMinIdPrefix) {
    return Status::InvalidArgument(w + " id \"" + std::string(given) +
                                   "\" is too short: give at least " +
                                   std::to_string(kMinIdPrefix) + " hex digits");
  }
  return Status::OK();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Plural(int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace

std::string NameOf(const Names& names, const std::string& id) {
  if (id.empty() || id == "server") return "the server";
  auto it = names.find(id);
  return it != names.end() && !it->second.empty() ? it->second : id;
}

std::string ShownName(const Names& names, const std::string& id) {
  return Printable(NameOf(names, id));
}

Result<std::string> MatchId(const std::vector<std::string>& ids, std::string_view given,
                            std::string_view what) {
  if (Status s = CheckId(given, what); !s.ok()) return Fail(s);
  const std::string prefix = Lower(given);
  std::vector<std::string> hits;
  for (const auto& id : ids) {
    if (id.compare(0, prefix.size(), prefix) == 0) hits.push_back(id);
  }
  const std::string w(what);
  if (hits.empty()) {
    return Fail(Status::NotFound("no " + w + " with id " + prefix +
                                 " that you can see (`baton emergency list` shows them)"));
  }
  if (hits.size() > 1) {
    return Fail(Status::FailedPrecondition(w + " id " + prefix + " is ambiguous: it starts " +
                                           hits[0] + " and " + hits[1] + "; give more digits"));
  }
  return hits.front();
}

std::string RequestInWords(const vault::api::RequestAnswer& answer, const Names& names,
                           int64_t now_ms) {
  using vault::emergency::State;
  const vault::EmergencyRequest& request = answer.request;
  const std::string admins = "admins notified: " + std::to_string(answer.admins_notified);
  if (request.state == State::kWaiting) {
    const int64_t release = request.release_ms;
    const int64_t required = answer.confirmations_required;
    const int64_t have = static_cast<int64_t>(request.confirmations.size());
    const int64_t missing = std::max<int64_t>(0, required - have);
    if (missing == 0) {
      return "Access will open on " + UtcTime(release) + " unless an admin rejects it; " + admins +
             ".";
    }
    const std::string confirmations = Plural(missing, "more confirmation", "more confirmations") +
                                      " from another deputy (have " + std::to_string(have) +
                                      " of " + std::to_string(required) + ")";
    if (now_ms < release) {
      return "Access will open on " + UtcTime(release) + " at the earliest, once " + confirmations +
             " arrive, unless an admin rejects it; " + admins + ".";
    }
    return "The wait ended on " + UtcTime(release) + "; access opens as soon as " + confirmations +
           " arrive, unless an admin rejects it; " + admins + ".";
  }
  const std::string by = ShownName(names, request.decided_by.value_or(""));
  const std::string at = request.decided_ms ? " at " + UtcTime(*request.decided_ms) : "";
  const int64_t expires_ms = request.expires_ms.value_or(0);
  switch (request.state) {
    case State::kRejected: return "Rejected by " + by + at + ": nothing was released.";
    case State::kReleased:
      return (request.decided_by ? "Approved early by " + by + at + ". " : std::string()) +
             "Open until " + UtcTime(expires_ms) +
             ". Every item you read is in the access log and will be flagged for rotation.";
    case State::kExpired:
      return "Access ended on " + UtcTime(expires_ms) +
             " (the access window closed); nothing more can be read. Request again if you still "
             "need it.";
    case State::kCancelled:
      return "Cancelled" + at + ": the grant was revoked; nothing more will be released.";
    case State::kNone:
    case State::kWaiting: break;
  }
  return "State: " + std::string(vault::emergency::ToString(request.state)) + ".";
}

std::string GrantInWords(const vault::api::GrantAnswer& answer, const Names& names,
                         const Names& collection_names) {
  const vault::EmergencyGrant& grant = answer.grant;
  std::string cols;
  for (const auto& id : grant.collections) {
    if (!cols.empty()) cols += ", ";
    cols += ShownName(collection_names, id);
  }
  constexpr int64_t kHourS = 3600;
  const int64_t required = grant.confirmations_required;
  std::string out = ShownName(names, grant.deputy_id) + " may ask for " +
                    (grant.mode == vault::emergency::GrantMode::kTakeover
                         ? "takeover access (they become an admin)"
                         : "view access") +
                    " to " + cols + ". Access opens " + HoursInWords(grant.wait_s / kHourS) +
                    " after they ask unless an admin rejects it";
  if (required > 0) {
    out += ", and only once " + Plural(required, "other deputy confirms", "other deputies confirm");
  }
  out += "; it stays open for " + HoursInWords(grant.access_window_s / kHourS) + ".";
  if (grant.status != vault::emergency::GrantStatus::kActive) {
    out += " This grant is " + std::string(vault::emergency::ToString(grant.status)) +
           ": it can no longer be used.";
  }
  return out;
}

}  // namespace emergency

}  // namespace cli
