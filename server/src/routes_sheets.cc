// Printed sheets (docs/sheets.md): the client renders them, but a
// break-glass sheet puts every login an owner can read on paper, so the
// client asks here first. Only owners may (the route's policy), and each one
// is an audit event naming the vault state the sheet shows.
#include "server_impl.h"

namespace server::internal {

void ServerImpl::RecordSheet(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/sheets"));
  if (!body) return SendError(res, body.error());
  const std::string kind = body->Str("kind");
  if (kind != "breakglass") {
    return SendError(res, BadRequest("bad_kind", "kind must be \"breakglass\""));
  }
  json details = {{"kind", kind}};
  if (body->Has("fingerprint")) {
    const std::string fingerprint = body->Str("fingerprint");
    if (fingerprint.size() > 64) {
      return SendError(res, BadRequest("bad_fingerprint", "fingerprint is too long"));
    }
    details["fingerprint"] = fingerprint;
  }
  if (body->Has("items")) {
    const int64_t items = body->Int("items");
    if (items < 0) return SendError(res, BadRequest("bad_items", "items must not be negative"));
    details["items"] = items;
  }
  if (WriteOr(res, [&](vault::WriteTxn& t) {
        return t.Record(c.actor(), "sheet.print", "sheet:" + kind, details.dump());
      })) {
    SendJson(res, 201, {{"recorded", true}});
  }
}

void ServerImpl::RegisterSheetRoutes() {
  static constexpr Route kRoutes[] = {
      {"POST", "/v1/sheets", &ServerImpl::RecordSheet},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
