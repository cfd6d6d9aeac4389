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
#include <string>
#include <string_view>
#include <unordered_map>

#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/policy.h"
#include "vault/store.h"

namespace server {

// Single-use random nonces, each bound to the member it was issued for.
class Challenges {
 public:
  Challenges(vault::Env& env, std::chrono::seconds ttl) : env_(env), ttl_(ttl) {}

  // A fresh nonce (base64url) for `member_id`, valid for the TTL.
  std::string Issue(const std::string& member_id);
  // Removes the nonce and returns true if it was issued for `member_id` and
  // has not expired. A nonce is consumed even when the answer is wrong, so
  // each one allows a single attempt.
  bool Consume(const std::string& nonce, const std::string& member_id);

 private:
  void SweepLocked(vault::TimePoint now);

  vault::Env& env_;
  const std::chrono::seconds ttl_;
  std::mutex mu_;
  struct Entry {
    std::string member_id;
    vault::TimePoint expires;
  };
  std::map<std::string, Entry> nonces_;
  static constexpr size_t kMaxOutstanding = 100'000;
};

// Counts failed logins per key (a member id, an address) in a sliding
// window; a key with `max_failures` failures in the window is blocked until
// the oldest of them leaves it.
class LoginLimiter {
 public:
  LoginLimiter(vault::Env& env, int max_failures, std::chrono::seconds window)
      : env_(env), max_failures_(max_failures), window_(window) {}

  // The wait before `key` may try again, or nullopt if it may try now.
  std::optional<std::chrono::seconds> RetryAfter(const std::string& key);
  void RecordFailure(const std::string& key);
  void Reset(const std::string& key);

 private:
  void TrimLocked(std::deque<vault::TimePoint>& q, vault::TimePoint now);

  vault::Env& env_;
  const int max_failures_;
  const std::chrono::seconds window_;
  std::mutex mu_;
  std::map<std::string, std::deque<vault::TimePoint>> failures_;
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
