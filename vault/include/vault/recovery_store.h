// The team recovery key's set-up in the store: which custodian holds which
// SLIP-39 share, a keyed BLAKE2b-256 of each share (never the share), the
// one key of those hashes, and when each share was last checked. Functions
// over the store's transactions, like its own methods; each change is
// audited in the same transaction.
#ifndef BATON_VAULT_RECOVERY_STORE_H_
#define BATON_VAULT_RECOVERY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/status.h"
#include "vault/store.h"

namespace vault::recovery {

// The settings the rest of the server reads: the box key collection keys
// are sealed to (base64, as GET /v1/server serves it) and the age recipient
// backups are encrypted to.
inline constexpr char kPublicKeySetting[] = "recovery_public_key";
inline constexpr char kAgeRecipientSetting[] = "recovery_age_recipient";
// SLIP-39's limit on member shares in a group.
inline constexpr int64_t kMaxShares = 16;
inline constexpr size_t kCheckKeyBytes = 32;
inline constexpr size_t kMaxCustodianBytes = 64;

struct Share {
  int64_t index = 0;  // 1..N, the SLIP-39 member index
  std::string custodian;
  crypto::Hash check{};  // keyed BLAKE2b-256 of the normalised share
  std::optional<int64_t> last_checked_ms;
};

struct Setup {
  crypto::PublicKey public_key{};
  std::string age_recipient;  // "age1…"; the caller checks it parses
  int64_t threshold = 0;
  std::vector<Share> shares;
};

// InvalidArgument naming the first problem: 2 <= threshold <= N <= 16,
// indexes exactly 1..N each once, custodian names 1..64 bytes of UTF-8
// without control characters.
Status ValidateShares(int64_t threshold, const std::vector<Share>& shares);

// The team's check key: drawn from `env` and stored on first use, the same
// ever after, so that a check value means nothing outside this team.
Result<std::vector<uint8_t>> CheckKey(WriteTxn& t, Env& env);

// Replaces the set-up: the two settings, the threshold and every share
// record (last checks start afresh). Recovery copies of collection keys
// sealed to the previous key are dropped: the new key cannot open them, so
// their collections count as unsealed until a client seals them again.
// ValidateShares' errors; FailedPrecondition before CheckKey ran. Audited
// "recovery.setup" with the threshold, the share count and the custodians.
Status PutSetup(WriteTxn& t, const Actor& actor, const Setup& setup);

struct State {
  int64_t threshold = 0;      // 0: not set up
  std::vector<Share> shares;  // by index
};
Result<State> GetState(ReadTxn& t);

// Compares `check` with share `index`'s in constant time; a match records
// `now_ms` as its last check. An index the set lacks does not match;
// FailedPrecondition if recovery is not set up. Audited "recovery.check" with the index and whether
// it matched.
Result<bool> RecordCheck(WriteTxn& t, const Actor& actor, int64_t index, const crypto::Hash& check,
                         int64_t now_ms);

// A collection whose current key version has no recovery copy.
struct Unsealed {
  std::string id;
  std::string name;
  int64_t key_version = 0;
};
Result<std::vector<Unsealed>> ListUnsealed(ReadTxn& t);

// Adds or replaces the recovery copy of the collection's key at
// `key_version`, which must be its current one (FailedPrecondition
// otherwise, or when the team has no recovery key; NotFound for no such
// collection). Audited "collection.recovery_key".
Status PutRecoveryCopy(WriteTxn& t, const Actor& actor, const std::string& collection_id,
                       int64_t key_version, const std::vector<uint8_t>& sealed, int64_t now_ms);

}  // namespace vault::recovery

#endif  // BATON_VAULT_RECOVERY_STORE_H_
