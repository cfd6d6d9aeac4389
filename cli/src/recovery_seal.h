// Recovery copies of collection keys: each collection's current key sealed
// to the team's recovery key, so that k custodians can open it without the
// server's help. `baton recovery setup` seals what its owner can open; the
// client of any member who manages a collection seals the rest at its next
// `baton sync` (or `baton recovery seal`).
#ifndef BATON_CLI_SRC_RECOVERY_SEAL_H_
#define BATON_CLI_SRC_RECOVERY_SEAL_H_

#include <optional>
#include <string>
#include <vector>

#include "context.h"
#include "vault/crypto.h"
#include "vault/status.h"

namespace cli {

// The team's recovery key: the roster's; the server's word only for a
// legacy team without a roster (commands/collection.cc).
vault::Result<std::optional<vault::crypto::PublicKey>> RecoveryKey(Context& ctx,
                                                                   const TeamTrust& trust);

struct SealReport {
  std::vector<std::string> sealed;      // collection names
  std::vector<std::string> not_opened;  // names of those whose key did not open here
};

// For every collection the server lists as unsealed for this member
// (GET /v1/recovery/unsealed), opens its current key, seals it to
// `recovery_pk` and posts the copy. A key that does not open (or that the
// roster does not vouch for) is reported, not fatal.
vault::Result<SealReport> SealRecoveryCopies(Context& ctx,
                                             const vault::crypto::PublicKey& recovery_pk);

// At sync: SealRecoveryCopies with the roster's recovery key, if the roster
// has one; what it sealed on stdout, a failure only a warning on stderr.
void SealRecoveryCopiesAtSync(Context& ctx);

}  // namespace cli

#endif  // BATON_CLI_SRC_RECOVERY_SEAL_H_
