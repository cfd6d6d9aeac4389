#include "cli/console.h"

#include "cli/exit_codes.h"
#include "vault/api_status.h"
#include "vault/secret_input.h"

namespace cli {

using vault::Status;

Console StandardConsole() {
  return Console{std::cin, std::cout, std::cerr, vault::ReadSecretFromTerminal};
}

ExitCode ExitCodeFor(const Status& s) {
  static_assert(
      kExitOk == vault::api::kExitOk && kExitError == vault::api::kExitError &&
      kExitAuth == vault::api::kExitAuth && kExitNotFound == vault::api::kExitNotFound &&
      kExitDenied == vault::api::kExitDenied && kExitUnavailable == vault::api::kExitUnavailable &&
      kExitConflict == vault::api::kExitConflict && kExitInvalid == vault::api::kExitInvalid);
  return static_cast<ExitCode>(vault::api::ExitCodeFor(s));
}

}  // namespace cli
