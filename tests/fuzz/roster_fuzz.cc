// Fuzzes the team roster: Decode must refuse or yield a statement that
// encodes back to the same bytes (one encoding per statement), and Apply,
// given the input signed by a member of a small roster, must either refuse
// it and leave the roster as it was or move it on by exactly one entry.
// An odd first byte makes the input continue the roster's chain (team id,
// seq and prev hash written over), so the signer rules are reached too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "vault/crypto.h"
#include "vault/roster.h"

namespace {

namespace roster = vault::roster;
namespace crypto = vault::crypto;

constexpr size_t kTeamIdAt = roster::kStatementDomain.size();
constexpr size_t kSeqAt = kTeamIdAt + crypto::kHashBytes;
constexpr size_t kPrevAt = kSeqAt + 8;
constexpr size_t kHeaderEnd = kPrevAt + crypto::kHashBytes;

crypto::SigningKeyPair KeyOf(uint8_t n) {
  vault::SecureBuffer seed(crypto::kKeyBytes);
  std::fill(seed.data(), seed.data() + seed.size(), n);
  auto k = crypto::SigningKeyPairFromSeed(seed);
  if (!k) std::abort();
  return std::move(*k);
}

roster::Entry Signed(const crypto::SigningKeyPair& key, crypto::Bytes statement) {
  roster::Entry e;
  e.statement = std::move(statement);
  auto sig = crypto::Sign(key, e.statement);
  if (!sig) std::abort();
  e.signature = *sig;
  return e;
}

// An owner (id 01…01, key 1) who created the team and a collection.
struct Fixture {
  crypto::SigningKeyPair owner = KeyOf(1);
  std::string owner_id;
  roster::State state;

  Fixture() {
    for (int i = 0; i < 16; ++i) owner_id += "01";
    Add(roster::TeamCreate{owner.public_key, owner.public_key, "owner", {}, {}});
    Add(roster::CollectionCreate{std::string(32, 'c'), "ops", 1, {}});
  }
  void Add(roster::Body body) {
    auto e = Signed(owner, roster::Encode(roster::Next(state, owner_id, 0, std::move(body))));
    if (!roster::Apply(state, e).ok()) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ready = crypto::Init().ok();
  if (!ready) std::abort();
  static const Fixture* fixture = new Fixture();
  if (size == 0) return 0;
  crypto::Bytes bytes(data + 1, data + size);
  if ((data[0] & 1) != 0 && bytes.size() >= kHeaderEnd) {
    const roster::State& s = fixture->state;
    std::copy(s.team_id.begin(), s.team_id.end(), bytes.begin() + kTeamIdAt);
    for (size_t i = 0; i < 8; ++i) bytes[kSeqAt + i] = static_cast<uint8_t>(s.size >> (56 - 8 * i));
    std::copy(s.head.begin(), s.head.end(), bytes.begin() + kPrevAt);
  }
  auto decoded = roster::Decode(bytes);
  if (decoded.has_value() && roster::Encode(*decoded) != bytes) std::abort();

  roster::State state = fixture->state;
  const roster::Entry e = Signed(fixture->owner, bytes);
  const vault::Status applied = roster::Apply(state, e);
  if (applied.ok()) {
    if (!decoded.has_value() || state.size != fixture->state.size + 1 ||
        state.head != roster::EntryHash(e)) {
      std::abort();
    }
  } else if (!applied.IsUntrustedKey() || state.size != fixture->state.size ||
             state.head != fixture->state.head ||
             state.members.size() != fixture->state.members.size()) {
    std::abort();
  }
  return 0;
}
