#include "commands/emergency_commands.h"
#include "lookup.h"
#include "short_names.h"
#include "vault/time_format.h"

namespace cli {

namespace em = emergency;

int64_t NowMs(Context& ctx) { return vault::ToUnixMs(ctx.env.Now()); }

Directory LoadDirectory(ApiClient& c) {
  Directory d;
  d.members = MemberNames(c);
  if (auto cols = c.Get("/v1/collections", &vault::api::CollectionsFromJson)) {
    for (const auto& x : *cols) d.collections[x.collection.id] = x.collection.name;
  }
  // A deputy cannot list a grant's collections; the grant names them.
  if (auto names = c.Get("/v1/emergency/grants", &vault::api::GrantCollectionNamesFromJson)) {
    d.collections.insert(names->begin(), names->end());
  }
  return d;
}

Result<std::vector<GrantAnswer>> ListGrants(ApiClient& c) {
  return c.Get("/v1/emergency/grants", &vault::api::GrantsFromJson);
}

Result<std::vector<RequestAnswer>> ListRequests(ApiClient& c) {
  return c.Get("/v1/emergency/requests", &vault::api::RequestsFromJson);
}

Result<GrantAnswer> SendForGrant(ApiClient& c, const std::string& method, const std::string& path,
                                 const json& body) {
  return c.Send(method, path, body, &vault::api::GrantAnswerFromJson);
}

Result<RequestAnswer> GetRequest(ApiClient& c, const std::string& id) {
  return c.Get("/v1/emergency/requests/" + id, &vault::api::RequestAnswerFromJson);
}

namespace {

// The one answer in `list` whose id `given` names; `id_of` reads an answer's id.
template <typename Answer, typename IdOf>
Result<Answer> Pick(const std::vector<Answer>& list, const std::string& given,
                    std::string_view what, const IdOf& id_of) {
  std::vector<std::string> ids;
  for (const Answer& x : list) ids.push_back(id_of(x));
  auto id = em::MatchId(ids, given, what);
  if (!id) return Fail(id.error());
  for (const Answer& x : list) {
    if (id_of(x) == *id) return x;
  }
  return Fail(Status::NotFound(std::string(what) + " " + *id));
}

}  // namespace

Result<GrantAnswer> FindGrant(ApiClient& c, const std::string& given) {
  auto grants = ListGrants(c);
  if (!grants) return Fail(grants.error());
  return Pick(*grants, given, "grant", [](const GrantAnswer& g) { return g.grant.id; });
}

Result<RequestAnswer> FindRequest(ApiClient& c, const std::string& given) {
  auto requests = ListRequests(c);
  if (!requests) return Fail(requests.error());
  auto r = Pick(*requests, given, "request", [](const RequestAnswer& x) { return x.request.id; });
  std::string id;
  if (r) {
    id = r->request.id;
  } else if (r.error().IsNotFound()) {
    auto grant = FindGrant(c, given);
    if (!grant) return Fail(r.error());
    if (!grant->request) {
      return Fail(Status::NotFound("grant " + grant->grant.id +
                                   " has no request yet; the deputy asks with `baton emergency "
                                   "request " +
                                   grant->grant.id + " --reason ...`"));
    }
    id = grant->request->request.id;
  } else {
    return Fail(r.error());
  }
  return GetRequest(c, id);
}

Status CheckGivenId(const std::string& given, std::string_view what) {
  auto r = em::MatchId({}, given, what);
  return r || r.error().IsNotFound() ? Status::OK() : r.error();
}

void PrintRequest(Context& ctx, const RequestAnswer& answer, const Directory& d) {
  const vault::EmergencyRequest& request = answer.request;
  auto& out = ctx.console.out;
  out << "request      " << Printable(request.id) << "\n"
      << "grant        " << Printable(request.grant_id) << "\n"
      << "deputy       " << em::ShownName(d.members, answer.deputy_id) << "\n"
      << "state        " << vault::emergency::ToString(request.state) << "\n"
      << "reason       " << Printable(request.reason) << "\n"
      << "requested    " << em::UtcTime(request.requested_ms) << "\n";
  out << em::RequestInWords(answer, d.members, NowMs(ctx)) << "\n";
}

}  // namespace cli
