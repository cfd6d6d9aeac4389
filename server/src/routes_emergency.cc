#include "server_impl.h"

namespace server::internal {

void ServerImpl::RegisterEmergencyRoutes() {}

Status ServerImpl::TickEmergency() { return Status::OK(); }

}  // namespace server::internal
