#include "vault/api_json_emergency.h"

#include "api_json_reader.h"

namespace vault::api {

using internal::Done;
using internal::ListOf;
using internal::Reader;
using nlohmann::json;

namespace {

constexpr int64_t kHour = 3600;

}  // namespace

json RequestAnswerToJson(const RequestAnswer& a) {
  const EmergencyRequest& r = a.request;
  json out = {{"id", r.id},
              {"grant_id", r.grant_id},
              {"deputy_id", a.deputy_id},
              {"state", emergency::ToString(r.state)},
              {"reason", r.reason},
              {"requested_ms", r.requested_ms},
              {"release_ms", r.release_ms},
              {"confirmations", r.confirmations},
              {"confirmations_required", a.confirmations_required}};
  if (r.decided_by) out["decided_by"] = *r.decided_by;
  if (r.decided_ms) out["decided_ms"] = *r.decided_ms;
  if (r.released_ms) out["released_ms"] = *r.released_ms;
  if (r.expires_ms) out["expires_ms"] = *r.expires_ms;
  out["admins_notified"] = a.admins_notified;
  return out;
}

Result<RequestAnswer> RequestAnswerFromJson(const json& j, std::string_view route) {
  Reader r(j);
  RequestAnswer a;
  EmergencyRequest& q = a.request;
  r.Get("id", q.id);
  r.Get("grant_id", q.grant_id);
  r.Get("deputy_id", a.deputy_id);
  r.Get("state", q.state, emergency::ParseState);
  r.Get("reason", q.reason);
  r.Get("requested_ms", q.requested_ms);
  r.Get("release_ms", q.release_ms);
  r.Get("confirmations", q.confirmations);
  r.Get("confirmations_required", a.confirmations_required);
  r.GetOptional("decided_by", q.decided_by);
  r.GetOptional("decided_ms", q.decided_ms);
  r.GetOptional("released_ms", q.released_ms);
  r.GetOptional("expires_ms", q.expires_ms);
  r.Get("admins_notified", a.admins_notified);
  return Done(r, route, std::move(a));
}

json GrantAnswerToJson(const GrantAnswer& a) {
  const EmergencyGrant& g = a.grant;
  json out = {{"id", g.id},
              {"grantor_id", g.grantor_id},
              {"deputy_id", g.deputy_id},
              {"mode", emergency::ToString(g.mode)},
              {"wait_hours", g.wait_s / kHour},
              {"confirmations_required", g.confirmations_required},
              {"access_window_hours", g.access_window_s / kHour},
              {"status", emergency::ToString(g.status)},
              {"collections", g.collections},
              {"created_ms", g.created_ms},
              {"request", nullptr}};
  if (g.ended_ms) out["ended_ms"] = *g.ended_ms;
  if (a.request) out["request"] = RequestAnswerToJson(*a.request);
  return out;
}

Result<GrantAnswer> GrantAnswerFromJson(const json& j, std::string_view route) {
  Reader r(j);
  GrantAnswer a;
  EmergencyGrant& g = a.grant;
  int64_t wait_hours = 0, window_hours = 0;
  r.Get("id", g.id);
  r.Get("grantor_id", g.grantor_id);
  r.Get("deputy_id", g.deputy_id);
  r.Get("mode", g.mode, emergency::ParseGrantMode);
  r.Get("wait_hours", wait_hours);
  r.Get("confirmations_required", g.confirmations_required);
  r.Get("access_window_hours", window_hours);
  r.Get("status", g.status, emergency::ParseGrantStatus);
  r.Get("collections", g.collections);
  r.Get("created_ms", g.created_ms);
  r.GetOptional("ended_ms", g.ended_ms);
  if (!r.problem().empty()) return Fail(MalformedAnswer(route, r.problem()));
  // Hours beyond this would overflow as seconds; no grant waits that long.
  constexpr int64_t kMaxHours = int64_t{1} << 40;
  if (wait_hours < 0 || wait_hours > kMaxHours || window_hours < 0 || window_hours > kMaxHours) {
    return Fail(MalformedAnswer(route, "wait_hours or access_window_hours out of range"));
  }
  g.wait_s = wait_hours * kHour;
  g.access_window_s = window_hours * kHour;
  if (auto it = j.find("request"); it != j.end() && !it->is_null()) {
    auto request = RequestAnswerFromJson(*it, route);
    if (!request) return Fail(request.error());
    a.request = std::move(*request);
  }
  return a;
}

Result<std::vector<GrantAnswer>> GrantsFromJson(const json& j, std::string_view route) {
  return ListOf<GrantAnswer>(j, "grants", route, &GrantAnswerFromJson);
}

Result<std::vector<RequestAnswer>> RequestsFromJson(const json& j, std::string_view route) {
  return ListOf<RequestAnswer>(j, "requests", route, &RequestAnswerFromJson);
}

}  // namespace vault::api
