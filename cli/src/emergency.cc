// The pure parts of `baton emergency` (emergency.h): no I/O.
#include "emergency.h"

#include <algorithm>
#include <cctype>

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

std::string RequestInWords(const json& request, const Names& names, int64_t now_ms) {
  const std::string state = request.value("state", "");
  const int64_t notified = request.value("admins_notified", int64_t{0});
  const std::string admins = "admins notified: " + std::to_string(notified);
  if (state == "waiting") {
    const int64_t release = request.value("release_ms", int64_t{0});
    const int64_t required = request.value("confirmations_required", int64_t{0});
    const int64_t have = static_cast<int64_t>(request.value("confirmations", json::array()).size());
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
  const std::string by = NameOf(names, request.value("decided_by", ""));
  const std::string at = request.contains("decided_ms")
                             ? " at " + UtcTime(request.value("decided_ms", int64_t{0}))
                             : "";
  if (state == "rejected") return "Rejected by " + by + at + ": nothing was released.";
  if (state == "released") {
    std::string out;
    if (request.contains("decided_by")) out = "Approved early by " + by + at + ". ";
    return out + "Open until " + UtcTime(request.value("expires_ms", int64_t{0})) +
           ". Every item you read is in the access log and will be flagged for rotation.";
  }
  if (state == "expired") {
    return "Access ended on " + UtcTime(request.value("expires_ms", int64_t{0})) +
           " (the access window closed); nothing more can be read. Request again if you still "
           "need it.";
  }
  if (state == "cancelled") {
    return "Cancelled" + at + ": the grant was revoked; nothing more will be released.";
  }
  return "State: " + state + ".";
}

std::string GrantInWords(const json& grant, const Names& names, const Names& collection_names) {
  std::string cols;
  for (const auto& id : grant.value("collections", json::array())) {
    if (!cols.empty()) cols += ", ";
    cols += NameOf(collection_names, id.get<std::string>());
  }
  const std::string mode = grant.value("mode", "view");
  const int64_t required = grant.value("confirmations_required", int64_t{0});
  std::string out =
      NameOf(names, grant.value("deputy_id", "")) + " may ask for " +
      (mode == "takeover" ? "takeover access (they become an admin)" : "view access") + " to " +
      cols + ". Access opens " + HoursInWords(grant.value("wait_hours", int64_t{0})) +
      " after they ask unless an admin rejects it";
  if (required > 0) {
    out += ", and only once " + Plural(required, "other deputy confirms", "other deputies confirm");
  }
  out +=
      "; it stays open for " + HoursInWords(grant.value("access_window_hours", int64_t{0})) + ".";
  const std::string status = grant.value("status", "active");
  if (status != "active") out += " This grant is " + status + ": it can no longer be used.";
  return out;
}

}  // namespace emergency

}  // namespace cli
