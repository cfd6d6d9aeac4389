#include "server_impl.h"

namespace server::internal {

Status ServerImpl::TickNotifications() { return Status::OK(); }

}  // namespace server::internal
