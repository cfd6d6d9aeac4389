#include "auth.h"

#include <algorithm>

namespace server {

namespace {

std::chrono::seconds WaitUntil(vault::TimePoint then, vault::TimePoint now) {
  return std::max(std::chrono::ceil<std::chrono::seconds>(then - now), std::chrono::seconds(1));
}

}  // namespace

void RateLimiter::TrimLocked(std::deque<vault::TimePoint>& q, vault::TimePoint now) {
  while (!q.empty() && q.front() + window_ <= now) q.pop_front();
}

std::optional<std::chrono::seconds> RateLimiter::RetryAfter(const std::string& key) {
  const vault::TimePoint now = env_.Now();
  std::lock_guard lock(mu_);
  auto it = events_.find(key);
  if (it == events_.end()) return std::nullopt;
  TrimLocked(it->second, now);
  if (static_cast<int>(it->second.size()) < max_) return std::nullopt;
  return WaitUntil(it->second.front() + window_, now);
}

void RateLimiter::Record(const std::string& key) {
  const vault::TimePoint now = env_.Now();
  std::lock_guard lock(mu_);
  auto& q = events_[key];
  TrimLocked(q, now);
  q.push_back(now);
  if (events_.size() > 100'000) {  // bounded memory under a spray of keys
    for (auto it = events_.begin(); it != events_.end();) {
      TrimLocked(it->second, now);
      it = it->second.empty() ? events_.erase(it) : std::next(it);
    }
  }
}

void RateLimiter::Reset(const std::string& key) {
  std::lock_guard lock(mu_);
  events_.erase(key);
}

std::string Challenges::PairKey(const std::string& member_id, const std::string& address) {
  return member_id + '|' + address;  // member ids are hex, so this cannot be ambiguous
}

std::expected<std::string, ChallengeRefusal> Challenges::Issue(const std::string& member_id,
                                                               const std::string& address) {
  if (auto wait = issued_.RetryAfter(address)) {
    return std::unexpected(ChallengeRefusal{"too many challenges from this address", *wait});
  }
  uint8_t raw[32];
  env_.RandomBytes(raw);
  std::string nonce = vault::crypto::ToBase64(raw, vault::crypto::Base64::kUrlNoPadding);
  const std::string pair_key = PairKey(member_id, address);
  const vault::TimePoint now = env_.Now();
  {
    std::lock_guard lock(mu_);
    SweepLocked(now);
    auto pair = by_pair_.find(pair_key);
    if (pair != by_pair_.end() && pair->second.size() >= limits_.per_pair) {
      // Only the pair's own oldest makes room: a flood for one member from
      // one address never touches anyone else's nonce.
      EraseLocked(nonces_.find(pair->second.front()));
    } else if (auto a = per_address_.find(address);
               a != per_address_.end() && a->second >= limits_.per_address) {
      // By the TTL every nonce of this address has expired.
      return std::unexpected(ChallengeRefusal{"too many challenges outstanding for this address",
                                              std::max(ttl_, std::chrono::seconds(1))});
    } else if (nonces_.size() >= limits_.total) {
      // Refused rather than evicting: any nonce pushed out would be someone
      // else's live one.
      return std::unexpected(
          ChallengeRefusal{"too many challenges outstanding",
                           by_expiry_.empty() ? ttl_ : WaitUntil(by_expiry_.begin()->first, now)});
    }
    const vault::TimePoint expires = now + ttl_;
    nonces_[nonce] = {member_id, address, expires};
    by_expiry_.emplace(expires, nonce);
    by_pair_[pair_key].push_back(nonce);
    ++per_address_[address];
  }
  issued_.Record(address);
  return nonce;
}

bool Challenges::Consume(const std::string& nonce, const std::string& member_id,
                         const std::string& address) {
  const vault::TimePoint now = env_.Now();
  std::lock_guard lock(mu_);
  auto it = nonces_.find(nonce);
  if (it == nonces_.end()) return false;
  const bool fresh = it->second.member_id == member_id && it->second.address == address &&
                     now < it->second.expires;
  EraseLocked(it);
  return fresh;
}

size_t Challenges::outstanding() {
  std::lock_guard lock(mu_);
  return nonces_.size();
}

void Challenges::SweepLocked(vault::TimePoint now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    EraseLocked(nonces_.find(by_expiry_.begin()->second));
  }
}

void Challenges::EraseLocked(Nonces::iterator it) {
  const Entry& e = it->second;
  by_expiry_.erase({e.expires, it->first});
  if (auto pair = by_pair_.find(PairKey(e.member_id, e.address)); pair != by_pair_.end()) {
    std::erase(pair->second, it->first);
    if (pair->second.empty()) by_pair_.erase(pair);
  }
  if (auto a = per_address_.find(e.address); a != per_address_.end() && --a->second == 0) {
    per_address_.erase(a);
  }
  nonces_.erase(it);
}

std::string AuthCache::Key(const vault::crypto::Hash& token_hash, std::string_view resource) {
  std::string key(reinterpret_cast<const char*>(token_hash.data()), token_hash.size());
  key += resource;
  return key;
}

std::shared_ptr<const AuthFacts> AuthCache::Get(const vault::crypto::Hash& token_hash,
                                                std::string_view resource, uint64_t epoch) {
  const std::string key = Key(token_hash, resource);
  std::lock_guard lock(mu_);
  if (epoch != epoch_) return nullptr;
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : it->second;
}

void AuthCache::Put(const vault::crypto::Hash& token_hash, std::string_view resource,
                    uint64_t epoch, AuthFacts facts) {
  auto entry = std::make_shared<const AuthFacts>(std::move(facts));
  std::string key = Key(token_hash, resource);
  std::lock_guard lock(mu_);
  if (epoch < epoch_) return;
  if (epoch > epoch_ || map_.size() >= capacity_) {
    map_.clear();
    epoch_ = epoch;
  }
  map_.insert_or_assign(std::move(key), std::move(entry));
}

size_t AuthCache::size() {
  std::lock_guard lock(mu_);
  return map_.size();
}

}  // namespace server
