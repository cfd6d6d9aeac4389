// Login challenges and failed-login rate limits. Private to the server.
#ifndef BATON_SERVER_SRC_AUTH_H_
#define BATON_SERVER_SRC_AUTH_H_

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/policy.h"
#include "vault/store.h"

namespace server {

// Counts events per key (failed logins of a member at an address, or at an
// address with a nonce that is not valid) in a sliding window; a key with
// `max` events in the window is blocked until the oldest of them leaves it.
class RateLimiter {
 public:
  RateLimiter(vault::Env& env, int max, std::chrono::seconds window)
      : env_(env), max_(max), window_(window) {}

  // The wait before `key` may go on, or nullopt if it may go on now.
  std::optional<std::chrono::seconds> RetryAfter(const std::string& key);
  void Record(const std::string& key);
  void Reset(const std::string& key);

 private:
  void TrimLocked(std::deque<vault::TimePoint>& q, vault::TimePoint now);

  vault::Env& env_;
  const int max_;
  const std::chrono::seconds window_;
  std::mutex mu_;
  std::map<std::string, std::deque<vault::TimePoint>> events_;
};

// Login challenges that the server does not store. A nonce carries its own
// expiry and a MAC (keyed BLAKE2b-256 under a secret drawn at start-up) over
// the member it was issued for, so issuing keeps nothing and is never
// refused: there is no table for a client behind the same NAT to fill or
// evict, and no issuing budget to use up. A restart voids outstanding
// nonces, which their short lifetime makes harmless.
//
// Replay is stopped by remembering nonces that were redeemed, and only
// those: a nonce is redeemed after its signature verified, so only
// successful sign-ins (at most one per issued nonce, each within its
// lifetime) ever grow that set.
class Challenges {
 public:
  Challenges(vault::Env& env, std::chrono::seconds ttl);

  // A fresh nonce (base64url) for `member_id`, valid for the TTL.
  std::string Issue(const std::string& member_id);
  // True if the nonce was issued by this process for `member_id`, has not
  // expired and has not been redeemed. Spends nothing: a wrong answer
  // leaves it to its holder (wrong answers are counted by RateLimiter).
  bool Valid(const std::string& nonce, const std::string& member_id);
  // Marks a valid nonce used; false if it was used already (or has expired
  // since). Check and insert are one step, so of two sign-ins racing with
  // the same nonce and a good signature only one gets true.
  bool Redeem(const std::string& nonce);
  // Redeemed nonces still remembered (they are forgotten once expired).
  size_t used();

 private:
  static constexpr size_t kExpiryBytes = 8;
  static constexpr size_t kRandomBytes = 16;
  static constexpr size_t kTagBytes = vault::crypto::kHashBytes;
  static constexpr size_t kNonceBytes = kExpiryBytes + kRandomBytes + kTagBytes;

  // The tag over the expiry and random bytes (`head`) and `member_id`.
  vault::crypto::Hash Tag(vault::crypto::ByteView head, const std::string& member_id) const;
  // The bytes of a nonce in its one base64url spelling and of the right
  // length, or nullopt.
  static std::optional<vault::crypto::Bytes> Decode(const std::string& nonce);
  // The expiry the decoded bytes of a nonce state, or nullopt (unverified).
  static std::optional<vault::TimePoint> ExpiryOf(vault::crypto::ByteView raw);
  void SweepLocked(vault::TimePoint now);

  vault::Env& env_;
  const std::chrono::seconds ttl_;
  const vault::SecureBuffer key_;
  std::mutex mu_;
  // Redeemed nonces, and the same by expiry to sweep without a scan.
  std::map<std::string, vault::TimePoint> used_;
  std::set<std::pair<vault::TimePoint, std::string>> used_by_expiry_;
};

// What authorization learned from the vault for one bearer token and one
// resource (e.g. "item:ID", "collection:ID", or none), tagged with the
// cache's epoch() read before that read began. An entry is used only while the
// epoch is unchanged; the session's expiry is the caller's to check against
// the clock on every use. Only facts from a session that was found, of an
// active member, are stored; failures are never cached.
struct AuthFacts {
  vault::Member member;
  vault::TeamRole role = vault::TeamRole::kAuditor;
  int64_t session_expires_ms = 0;
  vault::CollectionAccess access = vault::CollectionAccess::kNone;  // scoped routes only
};

class AuthCache {
 public:
  explicit AuthCache(size_t capacity) : capacity_(capacity) {}

  // The authorization epoch: it grows by one each time AuthChanged() is
  // called, which the server does from the vault's commit observer after
  // every commit that may have changed who may do what.
  //
  // Why an entry never outlives a change: the epoch moves only after the
  // change's commit is visible to new reads, and before the Write() that
  // made it returns. A request reads the epoch before its vault read
  // begins. If it read the new epoch, its read began after the bump, so
  // after the commit, and its facts include the change. If it read an older
  // one, its facts are tagged with that older epoch, which no request
  // reading the new epoch ever asks for, and which Put() drops once a newer
  // one is stored. So every request that begins after the change's Write()
  // has returned is answered from facts that include the change. (Bumping
  // before the commit instead would let a request tag facts of the old
  // state with the new epoch.)
  uint64_t epoch() const { return epoch_now_.load(); }
  void AuthChanged() { epoch_now_.fetch_add(1); }

  // The facts for `token_hash` and `resource` if stored under `epoch`.
  std::shared_ptr<const AuthFacts> Get(const vault::crypto::Hash& token_hash,
                                       std::string_view resource, uint64_t epoch);
  // Stores facts read under `epoch`. Entries of an older epoch are dropped
  // as soon as a newer one is stored; facts of an older epoch than the
  // newest seen are not stored. Full: starts over (bounded memory).
  void Put(const vault::crypto::Hash& token_hash, std::string_view resource, uint64_t epoch,
           AuthFacts facts);
  size_t size();

 private:
  static std::string Key(const vault::crypto::Hash& token_hash, std::string_view resource);

  const size_t capacity_;
  std::mutex mu_;
  std::atomic<uint64_t> epoch_now_{0};
  uint64_t epoch_ = 0;  // of every entry in map_
  std::unordered_map<std::string, std::shared_ptr<const AuthFacts>> map_;
};

}  // namespace server

#endif  // BATON_SERVER_SRC_AUTH_H_
