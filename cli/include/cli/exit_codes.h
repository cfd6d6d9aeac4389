// baton's exit codes (documented in docs/cli.md), defined once next to the
// table that maps a Status to one.
#ifndef BATON_CLI_EXIT_CODES_H_
#define BATON_CLI_EXIT_CODES_H_

#include "vault/api_status.h"

namespace cli {

using vault::api::ExitCode;
using vault::api::ExitCodeFor;
using enum vault::api::ExitCode;

}  // namespace cli

#endif  // BATON_CLI_EXIT_CODES_H_
