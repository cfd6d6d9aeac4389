// GET /v1/continuity: where the team depends on one person, computed from
// metadata only (vault/continuity.h), and its counts for /metrics.
#include <sstream>

#include "server_impl.h"
#include "vault/api_json_continuity.h"
#include "vault/continuity.h"

namespace server::internal {

Result<vault::continuity::Report> ServerImpl::ContinuityReport() {
  vault::continuity::Input input;
  Status s = vault_.Read([&](vault::ReadTxn& t) -> Status {
    auto in = vault::continuity::InputFromStore(t, env_.Now());
    if (!in) return in.error();
    input = std::move(*in);
    return Status::OK();
  });
  if (!s.ok()) return Fail(s);
  if (auto last = metrics_.LastBackup()) input.recovery.last_backup_ms = last->first;
  return vault::continuity::Compute(input);
}

void ServerImpl::GetContinuity(const httplib::Request&, httplib::Response& res, const Caller&) {
  auto report = ContinuityReport();
  if (!report) return SendFailure(res, report.error(), Conflicts::kByStatus);
  SendJson(res, 200, vault::api::ContinuityReportToJson(*report));
}

std::string ServerImpl::ContinuityGauges() {
  auto report = ContinuityReport();
  // A failed read leaves the gauges out rather than reporting zero risk.
  if (!report) return "";
  const vault::continuity::Gauges g = vault::continuity::CountGauges(*report);
  std::ostringstream out;
  out << "# HELP baton_items_single_reader Items that one active member or none can read.\n"
      << "# TYPE baton_items_single_reader gauge\n"
      << "baton_items_single_reader " << g.items_single_reader << "\n"
      << "# HELP baton_collections_without_deputy Collections with items that no emergency "
         "grant covers.\n"
      << "# TYPE baton_collections_without_deputy gauge\n"
      << "baton_collections_without_deputy " << g.collections_without_deputy << "\n"
      << "# HELP baton_items_without_second_admin Items whose platform is not recorded as "
         "having a second admin.\n"
      << "# TYPE baton_items_without_second_admin gauge\n"
      << "baton_items_without_second_admin " << g.items_without_second_admin << "\n";
  return out.str();
}

void ServerImpl::RegisterContinuityRoutes() {
  static constexpr Route kRoutes[] = {
      {"GET", "/v1/continuity", &ServerImpl::GetContinuity},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
