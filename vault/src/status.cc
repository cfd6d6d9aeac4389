#include "vault/status.h"

namespace vault {

std::string_view CodeName(Status::Code code) {
  using C = Status::Code;
  switch (code) {
    case C::kOk: return "ok";
    case C::kNotFound: return "not_found";
    case C::kCorruption: return "corruption";
    case C::kInvalidArgument: return "invalid_argument";
    case C::kIOError: return "io_error";
    case C::kPermissionDenied: return "permission_denied";
    case C::kWaitPeriodActive: return "wait_period_active";
    case C::kWrongPassphrase: return "wrong_passphrase";
    case C::kUnsupported: return "unsupported";
    case C::kAlreadyExists: return "already_exists";
    case C::kResourceExhausted: return "resource_exhausted";
    case C::kUnauthenticated: return "unauthenticated";
    case C::kFailedPrecondition: return "failed_precondition";
    case C::kInternal: return "internal";
    case C::kUntrustedKey: return "untrusted_key";
    case C::kRollback: return "rollback";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Status(code_, msg);
}

}  // namespace vault
