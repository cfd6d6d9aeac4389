// Process hardening for programs that hold secrets.
#ifndef BATON_VAULT_HARDENING_H_
#define BATON_VAULT_HARDENING_H_

#include "vault/status.h"

namespace vault {

// Disables core dumps (RLIMIT_CORE = 0) and marks the process non-dumpable,
// which also keeps other processes of the same user from attaching with
// ptrace or reading /proc/PID/mem. Call first thing in main().
Status DisableCoreDumps();

// True if core dumps are off for this process (both measures above).
bool CoreDumpsDisabled();

}  // namespace vault

#endif  // BATON_VAULT_HARDENING_H_
