#include "cli/console.h"

#include "cli/exit_codes.h"
#include "vault/secret_input.h"

namespace cli {

using vault::Status;

Console StandardConsole() {
  return Console{std::cin, std::cout, std::cerr, vault::ReadSecretFromTerminal};
}

ExitCode ExitCodeFor(const Status& s) {
  using C = Status::Code;
  switch (s.code()) {
    case C::kOk: return kExitOk;
    case C::kWrongPassphrase:
    case C::kUnauthenticated: return kExitAuth;
    case C::kNotFound: return kExitNotFound;
    case C::kPermissionDenied: return kExitDenied;
    case C::kIOError: return kExitUnavailable;
    case C::kAlreadyExists:
    case C::kFailedPrecondition:
    case C::kWaitPeriodActive: return kExitConflict;
    case C::kInvalidArgument:
    case C::kUnsupported:
    case C::kCorruption: return kExitInvalid;
    default: return kExitError;
  }
}

}  // namespace cli
