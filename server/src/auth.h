// Login challenges and failed-login rate limits. Private to the server.
#ifndef BATON_SERVER_SRC_AUTH_H_
#define BATON_SERVER_SRC_AUTH_H_

#include <atomic>
#include <chrono>
#include <deque>
#include <expected>
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

// Counts events per key (a failed login of a member at an address, a
// challenge issued to an address) in a sliding window; a key with `max`
// events in the window is blocked until the oldest of them leaves it.
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

// Bounds on outstanding challenges. Each is kept per (member, address) or
// per address so that nobody's flood can push out another's live nonce.
struct ChallengeLimits {
  size_t per_pair = 8;  // a (member, address) pair's 9th evicts its own oldest
  size_t per_address = 256;
  int issues_per_window = 60;  // per address
  std::chrono::seconds issue_window{60};
  size_t total = 100'000;  // bounded memory: when full, issuing is refused
};

// Why a challenge was not issued, and when to ask again.
struct ChallengeRefusal {
  std::string why;
  std::chrono::seconds retry_after;
};

// Single-use random nonces, each bound to the member and the client address
// it was issued for.
class Challenges {
 public:
  Challenges(vault::Env& env, std::chrono::seconds ttl, ChallengeLimits limits = {})
      : env_(env),
        ttl_(ttl),
        limits_(limits),
        issued_(env, limits.issues_per_window, limits.issue_window) {}

  // A fresh nonce (base64url) for `member_id` at `address`, valid for the
  // TTL; refused when the address asks too often or too many are out.
  std::expected<std::string, ChallengeRefusal> Issue(const std::string& member_id,
                                                     const std::string& address);
  // Removes the nonce and returns true if it was issued for `member_id` at
  // `address` and has not expired. A nonce is consumed even when the answer
  // is wrong, so each one allows a single attempt.
  bool Consume(const std::string& nonce, const std::string& member_id, const std::string& address);
  size_t outstanding();

 private:
  struct Entry {
    std::string member_id;
    std::string address;
    vault::TimePoint expires;
  };
  using Nonces = std::map<std::string, Entry>;

  static std::string PairKey(const std::string& member_id, const std::string& address);
  void SweepLocked(vault::TimePoint now);
  void EraseLocked(Nonces::iterator it);

  vault::Env& env_;
  const std::chrono::seconds ttl_;
  const ChallengeLimits limits_;
  RateLimiter issued_;
  std::mutex mu_;
  Nonces nonces_;
  // The same nonces by expiry (to sweep without a scan), by pair in issue
  // order (to evict a pair's oldest), and counted by address.
  std::set<std::pair<vault::TimePoint, std::string>> by_expiry_;
  std::map<std::string, std::deque<std::string>> by_pair_;
  std::map<std::string, size_t> per_address_;
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
