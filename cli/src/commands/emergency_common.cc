#include "commands/emergency_commands.h"
#include "short_names.h"
#include "vault/time_format.h"

namespace cli {

namespace em = emergency;

int64_t NowMs(Context& ctx) { return vault::ToUnixMs(ctx.env.Now()); }

Directory LoadDirectory(ApiClient& c) {
  Directory d;
  if (auto m = c.Get("/v1/members", &vault::api::MembersFromJson)) {
    for (const auto& x : *m) d.members[x.id] = x.name;
  }
  if (auto cols = c.Get("/v1/collections", &vault::api::CollectionsFromJson)) {
    for (const auto& x : *cols) d.collections[x.collection.id] = x.collection.name;
  }
  return d;
}

// The printing below works on the wire form; it gets it only after the
// answer decoded, so every field it reads is there and of its type.
Result<json> ListOf(ApiClient& c, const std::string& what) {
  json out = json::array();
  if (what == "grants") {
    auto grants = c.Get("/v1/emergency/grants", &vault::api::GrantsFromJson);
    if (!grants) return Fail(grants.error());
    for (const auto& g : *grants) out.push_back(vault::api::GrantAnswerToJson(g));
  } else {
    auto requests = c.Get("/v1/emergency/" + what, &vault::api::RequestsFromJson);
    if (!requests) return Fail(requests.error());
    for (const auto& r : *requests) out.push_back(vault::api::RequestAnswerToJson(r));
  }
  return out;
}

Result<json> CheckedRequest(const json& answer, std::string_view route) {
  auto r = vault::api::RequestAnswerFromJson(answer, route);
  if (!r) return Fail(r.error());
  return vault::api::RequestAnswerToJson(*r);
}

Result<json> SendForGrant(ApiClient& c, const std::string& method, const std::string& path,
                          const json& body) {
  auto g = c.Send(method, path, body, &vault::api::GrantAnswerFromJson);
  if (!g) return Fail(g.error());
  return vault::api::GrantAnswerToJson(*g);
}

Result<json> GetRequest(ApiClient& c, const std::string& id) {
  auto r = c.Get("/v1/emergency/requests/" + id, &vault::api::RequestAnswerFromJson);
  if (!r) return Fail(r.error());
  return vault::api::RequestAnswerToJson(*r);
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
  return GetRequest(c, id);
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
