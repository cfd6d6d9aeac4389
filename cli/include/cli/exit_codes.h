// baton's exit codes (documented in docs/cli.md).
#ifndef BATON_CLI_EXIT_CODES_H_
#define BATON_CLI_EXIT_CODES_H_

#include "vault/status.h"

namespace cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,        // anything not below
  kExitUsage = 2,        // bad command line
  kExitAuth = 3,         // wrong passphrase, sign-in refused, certificate changed
  kExitNotFound = 4,     // no such item, member, collection or profile
  kExitDenied = 5,       // the role policy does not allow it
  kExitUnavailable = 6,  // the server cannot be reached
  kExitConflict = 7,     // exists already, changed meanwhile, wrong state
  kExitInvalid = 8,      // bad input (a value, a file, a URI)
  kExitTampered = 9,     // `audit verify`: the audit log was modified, truncated or rewritten
};

ExitCode ExitCodeFor(const vault::Status& s);

}  // namespace cli

#endif  // BATON_CLI_EXIT_CODES_H_
