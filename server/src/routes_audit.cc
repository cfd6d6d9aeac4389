#include <algorithm>
#include <charconv>
#include <tuple>

#include "server_impl.h"

namespace server::internal {

void ServerImpl::ReadAuditLog(const httplib::Request& req, httplib::Response& res, const Caller&) {
  int64_t from = 1, limit = 100;
  for (auto [name, out, max] :
       {std::tuple{"from", &from, int64_t{1} << 53}, std::tuple{"limit", &limit, int64_t{1000}}}) {
    if (!req.has_param(name)) continue;
    const std::string v = req.get_param_value(name);
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || ptr != v.data() + v.size() || n < 1 || n > max) {
      return SendError(res, BadRequest("bad_parameter",
                                       std::string(name) + " must be 1 to " + std::to_string(max)));
    }
    *out = n;
  }
  json events = json::array();
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto page = t.ReadAudit(from, limit);
        if (!page) return page.error();
        for (const auto& e : *page) events.push_back(vault::audit::EventToJson(e));
        return Status::OK();
      })) {
    SendJson(res, 200, {{"events", events}});
  }
}

void ServerImpl::ListCheckpoints(const httplib::Request&, httplib::Response& res, const Caller&) {
  json out = json::array();
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto cps = t.ListCheckpoints();
        if (!cps) return cps.error();
        for (const auto& cp : *cps) out.push_back(vault::audit::CheckpointToJson(cp));
        return Status::OK();
      })) {
    SendJson(res, 200, {{"checkpoints", out}});
  }
}

void ServerImpl::AuditHead(const httplib::Request&, httplib::Response& res, const Caller&) {
  auto cp = Checkpoint();
  if (!cp) return SendError(res, FromStatus(cp.error()));
  SendJson(res, 200, vault::audit::CheckpointToJson(*cp));
}

// The server never sees an owner's export (it is decrypted and written by
// the client); it records that one was made, with its size, so the team's
// audit log shows every plaintext copy of its secrets.
void ServerImpl::RecordExport(const httplib::Request& req, httplib::Response& res,
                              const Caller& c) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/exports"));
  if (!body) return SendError(res, body.error());
  if (body->Str("format") != "age") {
    return SendError(res, BadRequest("bad_format", "format must be \"age\""));
  }
  const int64_t items = body->Int("items");
  if (items < 0 || items > 1'000'000) {
    return SendError(res, BadRequest("bad_items", "items must be 0 to 1000000"));
  }
  if (WriteOr(res, [&](vault::WriteTxn& t) {
        return t.Record(c.actor(), "export", "", json{{"format", "age"}, {"items", items}}.dump());
      })) {
    SendJson(res, 201, json::object());
  }
}

void ServerImpl::RegisterAuditRoutes() {
  static constexpr Route kRoutes[] = {
      {"GET", "/v1/audit", &ServerImpl::ReadAuditLog},
      {"GET", "/v1/audit/checkpoints", &ServerImpl::ListCheckpoints},
      {"GET", "/v1/audit/head", &ServerImpl::AuditHead},
      {"POST", "/v1/exports", &ServerImpl::RecordExport},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
