#include "commands/emergency_commands.h"
#include "short_names.h"
#include "vault/time_format.h"

namespace cli {

namespace em = emergency;

int64_t NowMs(Context& ctx) { return vault::ToUnixMs(ctx.env.Now()); }

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

}  // namespace cli
