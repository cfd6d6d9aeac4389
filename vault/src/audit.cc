#include "vault/audit.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace vault::audit {
namespace {

constexpr std::string_view kEventDomain{"baton.audit.v1\0", 15};
constexpr std::string_view kCheckpointDomain{"baton.checkpoint.v1\0", 20};

// Appends little-endian integers and length-prefixed strings at a cursor.
// (Written with memcpy into a presized buffer: g++ 12 warns spuriously on
// vector::insert here.)
class Writer {
 public:
  explicit Writer(size_t size) : out_(size) {}
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_[pos_++] = static_cast<uint8_t>(v >> (8 * i));
  }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_[pos_++] = static_cast<uint8_t>(v >> (8 * i));
  }
  void Raw(std::span<const uint8_t> b) {
    if (!b.empty()) std::memcpy(out_.data() + pos_, b.data(), b.size());
    pos_ += b.size();
  }
  void Raw(std::string_view s) { Raw(crypto::AsBytes(s)); }
  void String(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    Raw(s);
  }
  std::vector<uint8_t> Take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
  size_t pos_ = 0;
};

}  // namespace

constexpr std::string_view kDeniedSuffix = ".denied";

std::string DeniedAction(std::string_view action) {
  return std::string(action) + std::string(kDeniedSuffix);
}

bool IsDenied(std::string_view action) { return action.ends_with(kDeniedSuffix); }

std::vector<uint8_t> Encode(const Event& e) {
  Writer w(kEventDomain.size() + 16 + 16 + e.actor.size() + e.action.size() + e.target.size() +
           e.details.size());
  w.Raw(kEventDomain);
  w.U64(static_cast<uint64_t>(e.seq));
  w.U64(static_cast<uint64_t>(e.time_ms));
  w.String(e.actor);
  w.String(e.action);
  w.String(e.target);
  w.String(e.details);
  return w.Take();
}

crypto::Hash ComputeHash(const crypto::Hash& prev_hash, const Event& e) {
  const std::vector<uint8_t> encoded = Encode(e);
  return crypto::Blake2b256({prev_hash, encoded});
}

Head Link(const Head& head, Event& e) {
  e.seq = head.seq + 1;
  e.prev_hash = head.hash;
  e.hash = ComputeHash(e.prev_hash, e);
  return {e.seq, e.hash};
}

std::vector<uint8_t> CheckpointMessage(int64_t seq, const crypto::Hash& hash, int64_t time_ms) {
  Writer w(kCheckpointDomain.size() + 8 + hash.size() + 8);
  w.Raw(kCheckpointDomain);
  w.U64(static_cast<uint64_t>(seq));
  w.Raw(hash);
  w.U64(static_cast<uint64_t>(time_ms));
  return w.Take();
}

Result<Checkpoint> SignCheckpoint(const crypto::SigningKeyPair& key, const Head& head,
                                  int64_t time_ms) {
  Checkpoint cp{head.seq, head.hash, time_ms, {}};
  auto sig = crypto::Sign(key, CheckpointMessage(cp.seq, cp.hash, cp.time_ms));
  if (!sig) return Fail(sig.error());
  cp.signature = *sig;
  return cp;
}

Status VerifyCheckpoint(const crypto::PublicKey& key, const Checkpoint& cp) {
  return crypto::Verify(key, CheckpointMessage(cp.seq, cp.hash, cp.time_ms), cp.signature);
}

Verifier::Verifier(const crypto::PublicKey& server_key, std::vector<Checkpoint> checkpoints,
                   std::optional<Head> pinned)
    : server_key_(server_key), checkpoints_(std::move(checkpoints)), pinned_(pinned) {
  std::sort(checkpoints_.begin(), checkpoints_.end(),
            [](const Checkpoint& a, const Checkpoint& b) { return a.seq < b.seq; });
  for (const Checkpoint& cp : checkpoints_) {
    if (cp.seq < 1 || !VerifyCheckpoint(server_key_, cp).ok()) {
      Flag(std::max<int64_t>(cp.seq, 1),
           "checkpoint at seq " + std::to_string(cp.seq) + " has an invalid signature");
      return;
    }
  }
}

bool Verifier::Flag(int64_t seq, std::string problem) {
  if (report_.ok) {
    report_.ok = false;
    report_.first_bad_seq = seq;
    report_.problem = std::move(problem);
  }
  return false;
}

bool Verifier::Add(const Event& e) {
  if (!report_.ok) return false;
  const int64_t want = report_.head.seq + 1;
  if (e.seq != want) {
    return Flag(want, "expected event " + std::to_string(want) + ", found " +
                          std::to_string(e.seq) + " (deleted, inserted or reordered events)");
  }
  if (e.prev_hash != report_.head.hash) {
    return Flag(e.seq, "event " + std::to_string(e.seq) + " does not link to its predecessor");
  }
  if (ComputeHash(e.prev_hash, e) != e.hash) {
    return Flag(e.seq, "event " + std::to_string(e.seq) + " was modified (hash mismatch)");
  }
  if (pinned_ && e.seq == pinned_->seq && e.hash != pinned_->hash) {
    return Flag(e.seq, "event " + std::to_string(e.seq) +
                           " differs from the head pinned at the last verification (rewritten)");
  }
  while (next_checkpoint_ < checkpoints_.size() && checkpoints_[next_checkpoint_].seq == e.seq) {
    if (checkpoints_[next_checkpoint_].hash != e.hash) {
      return Flag(e.seq, "signed checkpoint at seq " + std::to_string(e.seq) +
                             " does not match the log (rewritten after signing)");
    }
    ++next_checkpoint_;
    ++report_.checkpoints_verified;
  }
  report_.head = {e.seq, e.hash};
  ++report_.events;
  return true;
}

Report Verifier::Finish() {
  if (report_.ok && pinned_ && report_.head.seq < pinned_->seq) {
    Flag(report_.head.seq + 1, "the log ends at " + std::to_string(report_.head.seq) +
                                   " but was verified up to " + std::to_string(pinned_->seq) +
                                   " before (truncated)");
  }
  if (report_.ok && next_checkpoint_ < checkpoints_.size()) {
    Flag(report_.head.seq + 1,
         "a signed checkpoint covers seq " + std::to_string(checkpoints_[next_checkpoint_].seq) +
             " but the log ends at " + std::to_string(report_.head.seq) + " (truncated)");
  }
  return report_;
}

}  // namespace vault::audit
