// emergency grant|list|show|change|revoke|decline|request|status|approve|
// reject|confirm|open (DESIGN.md §6, the contract in docs/api.md).
//
// The people using these commands may be under stress: every answer says in
// plain words what just happened, what happens next and when (UTC), and bad
// input is refused before anything is sent.
#include "emergency.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <ctime>
#include <optional>

#include "context.h"
#include "cli/exit_codes.h"
#include "item_view.h"
#include "lookup.h"
#include "vault/envelope.h"
#include "vault/totp.h"

namespace cli {
namespace emergency {

using nlohmann::json;
using vault::Fail;
using vault::Result;
using vault::Status;

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

std::string UtcTime(int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

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

std::string NameOf(const Names& names, const std::string& id) {
  if (id.empty() || id == "server") return "the server";
  auto it = names.find(id);
  return it != names.end() && !it->second.empty() ? it->second : id;
}

std::string Plural(int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace

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

namespace {

using nlohmann::json;
using vault::Fail;
using vault::Result;
using vault::Status;
namespace crypto = vault::crypto;
namespace envelope = vault::envelope;
namespace em = emergency;

int64_t NowMs(Context& ctx) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(ctx.env.Now().time_since_epoch())
      .count();
}

// Member and collection names for the plain words. Best effort: a role that
// may not list them sees ids instead.
struct Directory {
  em::Names members;
  em::Names collections;
};

Directory LoadDirectory(ApiClient& c) {
  Directory d;
  if (auto m = c.Call("GET", "/v1/members")) {
    for (const auto& x : (*m)["members"]) d.members[x.value("id", "")] = x.value("name", "");
  }
  if (auto cols = c.Call("GET", "/v1/collections")) {
    for (const auto& x : (*cols)["collections"]) {
      d.collections[x.value("id", "")] = x.value("name", "");
    }
  }
  return d;
}

Result<json> ListOf(ApiClient& c, const std::string& what) {
  auto r = c.Call("GET", "/v1/emergency/" + what);
  if (!r) return Fail(r.error());
  return (*r).value(what, json::array());
}

// The one object in `list` whose id `given` names.
Result<json> Pick(const json& list, const std::string& given, std::string_view what) {
  std::vector<std::string> ids;
  for (const auto& x : list) ids.push_back(x.value("id", ""));
  auto id = em::MatchId(ids, given, what);
  if (!id) return Fail(id.error());
  for (const auto& x : list) {
    if (x.value("id", "") == *id) return x;
  }
  return Fail(Status::NotFound(std::string(what) + " " + *id));
}

Result<json> FindGrant(ApiClient& c, const std::string& given) {
  auto grants = ListOf(c, "grants");
  if (!grants) return Fail(grants.error());
  return Pick(*grants, given, "grant");
}

// A request by its id, or the newest request of a grant given by its id (the
// deputy may only remember the grant's). Fetched on its own so the answer is
// exact now (the server applies due transitions on the way).
Result<json> FindRequest(ApiClient& c, const std::string& given) {
  auto requests = ListOf(c, "requests");
  if (!requests) return Fail(requests.error());
  auto r = Pick(*requests, given, "request");
  std::string id;
  if (r) {
    id = r->value("id", "");
  } else if (r.error().IsNotFound()) {
    auto grant = FindGrant(c, given);
    if (!grant) return Fail(r.error());
    if (!(*grant)["request"].is_object()) {
      return Fail(Status::NotFound("grant " + grant->value("id", "") +
                                   " has no request yet; the deputy asks with `baton emergency "
                                   "request " +
                                   grant->value("id", "") + " --reason ...`"));
    }
    id = (*grant)["request"].value("id", "");
  } else {
    return Fail(r.error());
  }
  return c.Call("GET", "/v1/emergency/requests/" + id);
}

Status CheckGivenId(const std::string& given, std::string_view what) {
  auto r = em::MatchId({}, given, what);
  return r || r.error().IsNotFound() ? Status::OK() : r.error();
}

void PrintRequest(Context& ctx, const json& request, const Directory& d) {
  auto& out = ctx.console.out;
  out << "request      " << request.value("id", "") << "\n"
      << "grant        " << request.value("grant_id", "") << "\n"
      << "deputy       " << em::NameOf(d.members, request.value("deputy_id", "")) << "\n"
      << "state        " << request.value("state", "") << "\n"
      << "reason       " << request.value("reason", "") << "\n"
      << "requested    " << em::UtcTime(request.value("requested_ms", int64_t{0})) << "\n";
  out << em::RequestInWords(request, d.members, NowMs(ctx)) << "\n";
}

// --- grant, change, revoke, decline ---------------------------------------------

struct GrantOptions {
  std::string deputy;
  std::vector<std::string> collections;
  std::string mode = "view";
  std::string wait;
  int confirmations = 0;
  std::string window;
  std::string fingerprint;
};

int Grant(Context& ctx, const GrantOptions& o) {
  auto wait = em::ParseHours(o.wait, "--wait", em::kMinWaitHours, em::kMaxWaitHours);
  if (!wait) return ctx.Fail(wait.error());
  std::optional<int64_t> window;
  if (!o.window.empty()) {
    auto w = em::ParseHours(o.window, "--window", em::kMinWindowHours, em::kMaxWindowHours);
    if (!w) return ctx.Fail(w.error());
    window = *w;
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto deputy = LookupMember(**c, o.deputy);
  if (!deputy) return ctx.Fail(deputy.error());
  const std::string name = deputy->value("name", "");
  const std::string words = MemberFingerprintWords(*deputy);
  ctx.console.err << name << "'s key fingerprint: " << words << "\n";
  if (!o.fingerprint.empty() && o.fingerprint != words) {
    return ctx.Fail(Status::Unauthenticated(
        "the deputy's key fingerprint does not match the one given; nothing was shared"));
  }
  auto box = MemberBoxKey(*deputy);
  if (!box) return ctx.Fail(box.error());
  auto info = (*c)->Call("GET", "/v1/server");
  if (!info) return ctx.Fail(info.error());
  auto escrow = PublicKeyField(*info, "escrow_public_key");
  if (!escrow) return ctx.Fail(escrow.error());

  json keys = json::array();
  em::Names names;
  for (const auto& which : o.collections) {
    auto col = LookupCollection(**c, which);
    if (!col) return ctx.Fail(col.error());
    const std::string id = col->value("id", "");
    if (names.contains(id)) {
      return ctx.Fail(Status::InvalidArgument("collection " + which + " is named twice"));
    }
    names[id] = col->value("name", "");
    auto key = ctx.collection_key(id);
    if (!key) return ctx.Fail(key.error());
    auto sealed = envelope::SealForEscrow(**key, *box, *escrow);
    if (!sealed) return ctx.Fail(sealed.error());
    keys.push_back({{"collection_id", id},
                    {"key_version", (*key)->version},
                    {"escrow_sealed_key", crypto::ToBase64(*sealed)}});
  }
  const std::string id = crypto::RandomId(ctx.env);
  json body = {{"id", id},
               {"deputy_id", deputy->value("id", "")},
               {"mode", o.mode},
               {"wait_hours", *wait},
               {"confirmations_required", o.confirmations},
               {"keys", keys}};
  if (window) body["access_window_hours"] = *window;
  auto r = (*c)->Call("POST", "/v1/emergency/grants", body);
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    ctx.console.out << r->dump() << "\n";
    return kExitOk;
  }
  em::Names members = {{deputy->value("id", ""), name}};
  ctx.console.out << "Created emergency grant " << id << ".\n"
                  << em::GrantInWords(*r, members, names) << "\n"
                  << "Tell " << name << " the grant id. If they ever need access they run:\n"
                  << "  baton emergency request " << id.substr(0, 8) << " --reason \"...\"\n";
  return kExitOk;
}

struct ChangeOptions {
  std::string grant;
  std::string wait;
  std::optional<int> confirmations;
  std::string window;
};

int Change(Context& ctx, const ChangeOptions& o) {
  if (Status s = CheckGivenId(o.grant, "grant"); !s.ok()) return ctx.Fail(s);
  json body = json::object();
  if (!o.wait.empty()) {
    auto w = em::ParseHours(o.wait, "--wait", em::kMinWaitHours, em::kMaxWaitHours);
    if (!w) return ctx.Fail(w.error());
    body["wait_hours"] = *w;
  }
  if (!o.window.empty()) {
    auto w = em::ParseHours(o.window, "--window", em::kMinWindowHours, em::kMaxWindowHours);
    if (!w) return ctx.Fail(w.error());
    body["access_window_hours"] = *w;
  }
  if (o.confirmations) body["confirmations_required"] = *o.confirmations;
  if (body.empty()) {
    return ctx.Fail(
        Status::InvalidArgument("nothing to change: give --wait, --confirmations or --window"));
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grant = FindGrant(**c, o.grant);
  if (!grant) return ctx.Fail(grant.error());
  auto r = (*c)->Call("PATCH", "/v1/emergency/grants/" + grant->value("id", ""), body);
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    ctx.console.out << r->dump() << "\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  ctx.console.out << "Changed emergency grant " << grant->value("id", "") << ".\n"
                  << em::GrantInWords(*r, d.members, d.collections) << "\n";
  return kExitOk;
}

int Revoke(Context& ctx, const std::string& given) {
  if (Status s = CheckGivenId(given, "grant"); !s.ok()) return ctx.Fail(s);
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grant = FindGrant(**c, given);
  if (!grant) return ctx.Fail(grant.error());
  auto r = (*c)->Call("DELETE", "/v1/emergency/grants/" + grant->value("id", ""));
  if (!r) return ctx.Fail(r.error());
  const Directory d = LoadDirectory(**c);
  ctx.console.out << "Revoked emergency grant " << grant->value("id", "") << " for "
                  << em::NameOf(d.members, grant->value("deputy_id", ""))
                  << ". A waiting request is cancelled and open access has ended; nothing more "
                     "will be released. Items already read stay flagged for rotation.\n";
  return kExitOk;
}

int Decline(Context& ctx, const std::string& given) {
  if (Status s = CheckGivenId(given, "grant"); !s.ok()) return ctx.Fail(s);
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grant = FindGrant(**c, given);
  if (!grant) return ctx.Fail(grant.error());
  auto r = (*c)->Call("POST", "/v1/emergency/grants/" + grant->value("id", "") + "/decline",
                      json::object());
  if (!r) return ctx.Fail(r.error());
  const Directory d = LoadDirectory(**c);
  ctx.console.out << "You declined the emergency grant from "
                  << em::NameOf(d.members, grant->value("grantor_id", ""))
                  << ". It can no longer be used; the admins see that you declined.\n";
  return kExitOk;
}

// --- list, show, status ---------------------------------------------------------------

int List(Context& ctx) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grants = ListOf(**c, "grants");
  if (!grants) return ctx.Fail(grants.error());
  if (ctx.options.json) {
    ctx.console.out << grants->dump() << "\n";
    return kExitOk;
  }
  if (grants->empty()) {
    ctx.console.out << "No emergency grants.\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  for (const auto& g : *grants) {
    std::string cols;
    for (const auto& id : g.value("collections", json::array())) {
      if (!cols.empty()) cols += ",";
      cols += em::NameOf(d.collections, id.get<std::string>());
    }
    ctx.console.out << g.value("id", "") << "  " << em::NameOf(d.members, g.value("deputy_id", ""))
                    << "  " << g.value("mode", "") << "  " << cols << "  wait "
                    << em::HoursInWords(g.value("wait_hours", int64_t{0})) << "  "
                    << g.value("status", "");
    const bool requested = g.contains("request") && g["request"].is_object();
    if (requested) ctx.console.out << "  request " << g["request"].value("state", "");
    ctx.console.out << "\n";
    if (requested) {
      ctx.console.out << "  " << em::RequestInWords(g["request"], d.members, NowMs(ctx)) << "\n";
    }
  }
  return kExitOk;
}

int Show(Context& ctx, const std::string& given) {
  if (Status s = CheckGivenId(given, "grant or request"); !s.ok()) return ctx.Fail(s);
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grant = FindGrant(**c, given);
  if (!grant && !grant.error().IsNotFound()) return ctx.Fail(grant.error());
  Result<json> request = grant ? Result<json>(json(nullptr)) : FindRequest(**c, given);
  if (!grant && !request) {
    if (request.error().IsNotFound()) {
      return ctx.Fail(
          Status::NotFound("no grant or request with id " + given + " that you can see"));
    }
    return ctx.Fail(request.error());
  }
  if (ctx.options.json) {
    ctx.console.out << (grant ? *grant : *request).dump() << "\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  if (!grant) {
    PrintRequest(ctx, *request, d);
    return kExitOk;
  }
  auto& out = ctx.console.out;
  out << "grant        " << grant->value("id", "") << "\n"
      << "grantor      " << em::NameOf(d.members, grant->value("grantor_id", "")) << "\n"
      << "deputy       " << em::NameOf(d.members, grant->value("deputy_id", "")) << "\n"
      << "status       " << grant->value("status", "") << "\n"
      << "created      " << em::UtcTime(grant->value("created_ms", int64_t{0})) << "\n"
      << em::GrantInWords(*grant, d.members, d.collections) << "\n";
  if ((*grant)["request"].is_object()) {
    out << "\nLatest request:\n";
    PrintRequest(ctx, (*grant)["request"], d);
  }
  return kExitOk;
}

int StatusCmd(Context& ctx, const std::string& given) {
  if (!given.empty()) {
    if (Status s = CheckGivenId(given, "request"); !s.ok()) return ctx.Fail(s);
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  if (!given.empty()) {
    auto r = FindRequest(**c, given);
    if (!r) return ctx.Fail(r.error());
    if (ctx.options.json) {
      ctx.console.out << r->dump() << "\n";
    } else {
      PrintRequest(ctx, *r, LoadDirectory(**c));
    }
    return kExitOk;
  }
  auto requests = ListOf(**c, "requests");
  if (!requests) return ctx.Fail(requests.error());
  if (ctx.options.json) {
    ctx.console.out << requests->dump() << "\n";
    return kExitOk;
  }
  if (requests->empty()) {
    ctx.console.out << "No emergency requests.\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  for (const auto& r : *requests) {
    ctx.console.out << r.value("id", "") << "  " << em::NameOf(d.members, r.value("deputy_id", ""))
                    << "  " << r.value("state", "") << "\n  "
                    << em::RequestInWords(r, d.members, NowMs(ctx)) << "\n";
  }
  return kExitOk;
}

// --- request, approve, reject, confirm --------------------------------------------------

int Request(Context& ctx, const std::string& given, const std::string& reason) {
  if (Status s = CheckGivenId(given, "grant"); !s.ok()) return ctx.Fail(s);
  if (reason.empty() || reason.size() > 500) {
    return ctx.Fail(Status::InvalidArgument(
        "--reason must say why you need access (1 to 500 bytes); the admins read it"));
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto grant = FindGrant(**c, given);
  if (!grant) return ctx.Fail(grant.error());
  auto r = (*c)->Call("POST", "/v1/emergency/grants/" + grant->value("id", "") + "/requests",
                      json{{"reason", reason}});
  if (!r) return ctx.Fail(r.error());
  if (ctx.options.json) {
    ctx.console.out << r->dump() << "\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  const std::string id = r->value("id", "");
  ctx.console.out << "Requested emergency access (request " << id << ").\n"
                  << em::RequestInWords(*r, d.members, NowMs(ctx)) << "\n"
                  << "Check it with: baton emergency status " << id.substr(0, 8) << "\n";
  return kExitOk;
}

// approve, reject or confirm; the answer in plain words.
int Decide(Context& ctx, const std::string& given, const std::string& verb,
           const std::string& reason) {
  if (Status s = CheckGivenId(given, "request"); !s.ok()) return ctx.Fail(s);
  if (reason.size() > 500) {
    return ctx.Fail(Status::InvalidArgument("--reason is limited to 500 bytes"));
  }
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto request = FindRequest(**c, given);
  if (!request) return ctx.Fail(request.error());
  const std::string id = request->value("id", "");
  const json body = reason.empty() ? json::object() : json{{"reason", reason}};
  auto r = (*c)->Call("POST", "/v1/emergency/requests/" + id + "/" + verb, body);
  if (!r) return ctx.Fail(r.error());
  auto now = r->contains("state") ? r : (*c)->Call("GET", "/v1/emergency/requests/" + id);
  if (!now) return ctx.Fail(now.error());
  if (ctx.options.json) {
    ctx.console.out << now->dump() << "\n";
    return kExitOk;
  }
  const Directory d = LoadDirectory(**c);
  const std::string done = verb == "approve"  ? "Approved"
                           : verb == "reject" ? "Rejected"
                                              : "Confirmed";
  ctx.console.out << done << " request " << id << " of "
                  << em::NameOf(d.members, now->value("deputy_id", "")) << ".\n"
                  << em::RequestInWords(*now, d.members, NowMs(ctx)) << "\n";
  return kExitOk;
}

// --- open ----------------------------------------------------------------------------

struct OpenOptions {
  std::string request;
  std::string item;
  std::string field;
  bool show = false;
};

// The released collection keys: inner boxes, opened with this member's key.
Result<std::map<std::string, envelope::CollectionKey>> OpenKeys(Context& ctx, ApiClient& c,
                                                                const std::string& request_id) {
  auto reply = c.Call("GET", "/v1/emergency/requests/" + request_id + "/keys");
  if (!reply) return Fail(reply.error());
  auto k = ctx.keys();
  if (!k) return Fail(k.error());
  std::map<std::string, envelope::CollectionKey> out;
  for (const auto& entry : (*reply)["keys"]) {
    const std::string cid = entry.value("collection_id", "");
    auto sealed = crypto::FromBase64(entry.value("sealed_key", ""));
    if (!sealed) return Fail(Status::Corruption("the server sent a malformed sealed key"));
    auto opened = (*k)->OpenSealed(*sealed);
    if (!opened) {
      return Fail(Status::Corruption("the released key of collection " + cid +
                                     " does not open with your key"));
    }
    auto key = envelope::CollectionKeyFromOpened(opened->bytes(), cid,
                                                 entry.value("key_version", int64_t{0}));
    if (!key) return Fail(key.error());
    out.emplace(cid, std::move(*key));
  }
  return out;
}

int Open(Context& ctx, const OpenOptions& o) {
  if (Status s = CheckGivenId(o.request, "request"); !s.ok()) return ctx.Fail(s);
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto request = FindRequest(**c, o.request);
  if (!request) return ctx.Fail(request.error());
  const std::string id = request->value("id", "");
  const Directory d = LoadDirectory(**c);
  if (request->value("state", "") != "released") {
    return ctx.Fail(Status::FailedPrecondition(
        "request " + id + " is not open. " + em::RequestInWords(*request, d.members, NowMs(ctx))));
  }
  const std::string footer = em::RequestInWords(*request, d.members, NowMs(ctx));
  auto items = (*c)->Call("GET", "/v1/emergency/requests/" + id + "/items");
  if (!items) return ctx.Fail(items.error());
  const json& list = (*items)["items"];
  if (o.item.empty()) {
    if (ctx.options.json) {
      ctx.console.out << list.dump() << "\n";
    } else {
      for (const auto& it : list) {
        ctx.console.out << it.value("name", "") << "\t"
                        << em::NameOf(d.collections, it.value("collection_id", "")) << "\t"
                        << it.value("channel", "") << "\t" << it.value("id", "") << "\n";
      }
      ctx.console.out << list.size() << (list.size() == 1 ? " item" : " items")
                      << " in scope; read one with: baton emergency open " << id.substr(0, 8)
                      << " ITEM [--field password|totp|...]\n";
    }
    ctx.console.err << footer << "\n";
    return kExitOk;
  }
  std::vector<const json*> matches;
  for (const auto& it : list) {
    if (it.value("id", "") == o.item || it.value("name", "") == o.item) matches.push_back(&it);
  }
  if (matches.empty()) {
    return ctx.Fail(Status::NotFound("no item named " + o.item + " in this emergency access"));
  }
  if (matches.size() > 1) {
    return ctx.Fail(
        Status::FailedPrecondition("several items are named " + o.item + "; use the item id"));
  }
  const std::string item_id = matches.front()->value("id", "");
  auto keys = OpenKeys(ctx, **c, id);
  if (!keys) return ctx.Fail(keys.error());
  auto reply = (*c)->Call("GET", "/v1/emergency/requests/" + id + "/items/" + item_id);
  if (!reply) return ctx.Fail(reply.error());
  json meta = std::move(*reply);
  auto ct = crypto::FromBase64(meta.value("ciphertext", ""));
  meta.erase("ciphertext");
  if (!ct) return ctx.Fail(Status::Corruption("the server sent a malformed ciphertext"));
  const std::string cid = meta.value("collection_id", "");
  auto key = keys->find(cid);
  if (key == keys->end()) {
    return ctx.Fail(Status::Corruption("no released key for the item's collection " + cid));
  }
  const int64_t version = meta.value("version", int64_t{0});
  const int64_t key_version = meta.value("key_version", int64_t{0});
  if (key->second.version != key_version) {
    return ctx.Fail(Status::FailedPrecondition(
        "the item is encrypted under collection key version " + std::to_string(key_version) +
        ", but the grant holds version " + std::to_string(key->second.version) +
        "; ask an admin to re-issue the grant"));
  }
  // The item id is the one asked for: a ciphertext of another item fails here.
  auto payload = envelope::DecryptItem(key->second, {item_id, cid, version, key_version}, *ct);
  if (!payload) return ctx.Fail(payload.error());
  meta["id"] = item_id;
  meta["collection"] = em::NameOf(d.collections, cid);
  std::string totp_line;
  if (o.field.empty() && !ctx.options.json && !payload->totp_uri.empty()) {
    const std::string_view uri(reinterpret_cast<const char*>(payload->totp_uri.data()),
                               payload->totp_uri.size());
    auto params = vault::totp::ParseOtpauthUri(uri);
    auto code = params ? vault::totp::TotpCode(*params, ctx.env.Now())
                       : Result<std::string>(Fail(params.error()));
    if (code) {
      totp_line = "totp code    " + *code + "  (" +
                  std::to_string(vault::totp::TotpSecondsLeft(*params, ctx.env.Now()).count()) +
                  " s left)\n";
    }
  }
  const int rc = ShowItem(ctx, std::move(meta), std::move(*payload), o.field, o.show);
  ctx.console.out << totp_line;
  ctx.console.err << footer << "\n";
  return rc;
}

}  // namespace

void RegisterEmergencyCommands(CLI::App& app, Context& ctx) {
  auto* em_cmd = app.add_subcommand(
      "emergency", "Emergency access: a deputy can ask for a collection after a wait");
  em_cmd->require_subcommand(1);
  {
    auto o = std::make_shared<GrantOptions>();
    auto* cmd = em_cmd->add_subcommand(
        "grant", "Let a deputy ask for emergency access to collections (admins)");
    cmd->add_option("deputy", o->deputy, "The deputy: member name or id")->required();
    cmd->add_option("--collection", o->collections, "Collection name (repeat for several)")
        ->required()
        ->take_all();
    cmd->add_option("--mode", o->mode, "view (read only) or takeover (the deputy becomes an admin)")
        ->check(CLI::IsMember({"view", "takeover"}))
        ->capture_default_str();
    cmd->add_option("--wait", o->wait,
                    "How long after a request access opens unless rejected: 1h to 90d (48h, 7d)")
        ->required();
    cmd->add_option("--confirmations", o->confirmations,
                    "How many other deputies must confirm (two-person rule), 0 to 10")
        ->check(CLI::Range(0, 10))
        ->capture_default_str();
    cmd->add_option("--window", o->window,
                    "How long access stays open once released: 1h to 30d (default: the server's, "
                    "72h)");
    cmd->add_option("--fingerprint", o->fingerprint,
                    "The deputy's key fingerprint words, as they read them to you; refuse on "
                    "mismatch");
    cmd->callback([&ctx, o] { ctx.exit_code = Grant(ctx, *o); });
  }
  em_cmd->add_subcommand("list", "Emergency grants you can see (admins: all; deputies: theirs)")
      ->callback([&ctx] { ctx.exit_code = List(ctx); });
  {
    auto id = std::make_shared<std::string>();
    auto* cmd = em_cmd->add_subcommand("show", "One grant or request, and what happens next");
    cmd->add_option("id", *id, "Grant or request id (6+ hex digits are enough)")->required();
    cmd->callback([&ctx, id] { ctx.exit_code = Show(ctx, *id); });
  }
  {
    auto o = std::make_shared<ChangeOptions>();
    auto* cmd = em_cmd->add_subcommand(
        "change", "Change a grant's wait, confirmations or window (not while a request runs)");
    cmd->add_option("grant", o->grant, "Grant id")->required();
    cmd->add_option("--wait", o->wait, "New wait: 1h to 90d");
    cmd->add_option("--confirmations", o->confirmations, "New number of confirmations, 0 to 10")
        ->check(CLI::Range(0, 10));
    cmd->add_option("--window", o->window, "New access window: 1h to 30d");
    cmd->callback([&ctx, o] { ctx.exit_code = Change(ctx, *o); });
  }
  {
    auto id = std::make_shared<std::string>();
    auto* cmd = em_cmd->add_subcommand(
        "revoke", "End a grant: cancels a waiting request, closes open access (admins)");
    cmd->add_option("grant", *id, "Grant id")->required();
    cmd->callback([&ctx, id] { ctx.exit_code = Revoke(ctx, *id); });
  }
  {
    auto id = std::make_shared<std::string>();
    auto* cmd = em_cmd->add_subcommand("decline", "As the deputy: refuse a grant made to you");
    cmd->add_option("grant", *id, "Grant id")->required();
    cmd->callback([&ctx, id] { ctx.exit_code = Decline(ctx, *id); });
  }
  {
    auto id = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    auto* cmd = em_cmd->add_subcommand(
        "request", "As the deputy: ask for access; it opens after the wait unless rejected");
    cmd->add_option("grant", *id, "Grant id")->required();
    cmd->add_option("--reason", *reason, "Why you need access (the admins read it)")->required();
    cmd->callback([&ctx, id, reason] { ctx.exit_code = Request(ctx, *id, *reason); });
  }
  {
    auto id = std::make_shared<std::string>();
    auto* cmd = em_cmd->add_subcommand("status", "Requests and what happens next, in UTC");
    cmd->add_option("request", *id, "Request (or grant) id; all requests if omitted");
    cmd->callback([&ctx, id] { ctx.exit_code = StatusCmd(ctx, *id); });
  }
  for (const char* verb : {"approve", "reject"}) {
    auto id = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    const std::string v = verb;
    auto* cmd = em_cmd->add_subcommand(
        v, v == "approve"
               ? "Release a waiting request now (admins or the grantor)"
               : "Refuse a waiting request: nothing is released (admins or the grantor)");
    cmd->add_option("request", *id, "Request (or grant) id")->required();
    cmd->add_option("--reason", *reason, "Why (recorded in the audit log)");
    cmd->callback([&ctx, id, reason, v] { ctx.exit_code = Decide(ctx, *id, v, *reason); });
  }
  {
    auto id = std::make_shared<std::string>();
    auto* cmd = em_cmd->add_subcommand(
        "confirm", "As another deputy of the same grantor: confirm a request (two-person rule)");
    cmd->add_option("request", *id, "Request (or grant) id")->required();
    cmd->callback([&ctx, id] { ctx.exit_code = Decide(ctx, *id, "confirm", ""); });
  }
  {
    auto o = std::make_shared<OpenOptions>();
    auto* cmd = em_cmd->add_subcommand(
        "open", "As the deputy, once released: list the items in scope or read one");
    cmd->add_option("request", o->request, "Request (or grant) id")->required();
    cmd->add_option("item", o->item, "Item name or id; omitted: list the items");
    cmd->add_option("--field", o->field,
                    "Print only this field, raw: username, password, totp, notes, ...");
    cmd->add_flag("--show", o->show, "Reveal secrets instead of masking them");
    cmd->callback([&ctx, o] { ctx.exit_code = Open(ctx, *o); });
  }
}

}  // namespace cli
