// The audit chain (DESIGN.md §7): a hash-chained, append-only event log with
// checkpoints signed by the server's Ed25519 key, and its verifier.
//
// hash(e) = BLAKE2b-256(prev_hash || encode(e)), where encode(e) is
//   "baton.audit.v1" 0x00 || u64 seq || i64 time_ms ||
//   (u32 length || bytes) for actor, action, target, details
// (little-endian), and the first event's prev_hash is 32 zero bytes.
// A checkpoint signs "baton.checkpoint.v1" 0x00 || u64 seq || hash || i64 time_ms.
#ifndef BATON_VAULT_AUDIT_H_
#define BATON_VAULT_AUDIT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vault/crypto.h"
#include "vault/status.h"

namespace vault::audit {

struct Event {
  int64_t seq = 0;      // 1, 2, 3, ...
  int64_t time_ms = 0;  // Unix time in milliseconds
  std::string actor;    // member id, or "server"
  std::string action;   // e.g. "item.read"
  std::string target;   // e.g. "item:<id>"
  std::string details;  // a JSON object with non-secret details
  crypto::Hash prev_hash{};
  crypto::Hash hash{};
};

// The position of the chain after an event: what an auditor pins.
struct Head {
  int64_t seq = 0;  // 0 for an empty log
  crypto::Hash hash{};
  bool operator==(const Head&) const = default;
};

struct Checkpoint {
  int64_t seq = 0;
  crypto::Hash hash{};
  int64_t time_ms = 0;
  crypto::Signature signature{};
};

// A refused request is logged as "<action>.denied" (e.g. "item.read.denied"):
// one event per actor, action and target per minute, its details holding
// the number of refusals it stands for (docs/api.md).
std::string DeniedAction(std::string_view action);
bool IsDenied(std::string_view action);

// The canonical bytes of an event (without its hashes).
std::vector<uint8_t> Encode(const Event& e);
crypto::Hash ComputeHash(const crypto::Hash& prev_hash, const Event& e);

// Links `e` after `head`: sets seq, prev_hash and hash; returns the new head.
Head Link(const Head& head, Event& e);

std::vector<uint8_t> CheckpointMessage(int64_t seq, const crypto::Hash& hash, int64_t time_ms);
Result<Checkpoint> SignCheckpoint(const crypto::SigningKeyPair& key, const Head& head,
                                  int64_t time_ms);
Status VerifyCheckpoint(const crypto::PublicKey& key, const Checkpoint& cp);

// What a verification found. On failure, `first_bad_seq` is the first
// sequence number at which the log stops being trustworthy.
struct Report {
  bool ok = true;
  int64_t events = 0;
  int64_t checkpoints_verified = 0;
  Head head;  // the last event verified
  int64_t first_bad_seq = 0;
  std::string problem;
};

// Streams events in order and checks the chain, the signed checkpoints and a
// previously pinned head. Detects modified, deleted, inserted and reordered
// events, forged or misplaced checkpoints, and truncation or rewrite relative
// to the pinned head or to the latest checkpoint.
class Verifier {
 public:
  // `checkpoints` in any order; each must verify under `server_key` and match
  // the event at its sequence number.
  Verifier(const crypto::PublicKey& server_key, std::vector<Checkpoint> checkpoints,
           std::optional<Head> pinned = std::nullopt);

  // Feeds the next event. Returns false once a problem was found (further
  // events are ignored).
  bool Add(const Event& e);
  // Ends the stream and returns the report.
  Report Finish();

 private:
  bool Flag(int64_t seq, std::string problem);

  crypto::PublicKey server_key_;
  std::vector<Checkpoint> checkpoints_;  // sorted by seq
  size_t next_checkpoint_ = 0;
  std::optional<Head> pinned_;
  Report report_;
};

}  // namespace vault::audit

#endif  // BATON_VAULT_AUDIT_H_
