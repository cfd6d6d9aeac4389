#include "auth.h"

#include <algorithm>

namespace server {

std::string Challenges::Issue(const std::string& member_id) {
  uint8_t raw[32];
  env_.RandomBytes(raw);
  std::string nonce = vault::crypto::ToBase64(raw, vault::crypto::Base64::kUrlNoPadding);
  const vault::TimePoint now = env_.Now();
  std::lock_guard lock(mu_);
  SweepLocked(now);
  if (nonces_.size() >= kMaxOutstanding) nonces_.erase(nonces_.begin());  // bounded memory
  nonces_[nonce] = {member_id, now + ttl_};
  return nonce;
}

bool Challenges::Consume(const std::string& nonce, const std::string& member_id) {
  const vault::TimePoint now = env_.Now();
  std::lock_guard lock(mu_);
  auto it = nonces_.find(nonce);
  if (it == nonces_.end()) return false;
  const Entry entry = it->second;
  nonces_.erase(it);
  return entry.member_id == member_id && now < entry.expires;
}

void Challenges::SweepLocked(vault::TimePoint now) {
  std::erase_if(nonces_, [now](const auto& kv) { return kv.second.expires <= now; });
}

void LoginLimiter::TrimLocked(std::deque<vault::TimePoint>& q, vault::TimePoint now) {
  while (!q.empty() && q.front() + window_ <= now) q.pop_front();
}

std::optional<std::chrono::seconds> LoginLimiter::RetryAfter(const std::string& key) {
  const vault::TimePoint now = env_.Now();
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return std::nullopt;
  TrimLocked(it->second, now);
  if (static_cast<int>(it->second.size()) < max_failures_) return std::nullopt;
  const auto wait = std::chrono::ceil<std::chrono::seconds>(it->second.front() + window_ - now);
  return std::max(wait, std::chrono::seconds(1));
}

void LoginLimiter::RecordFailure(const std::string& key) {
  const vault::TimePoint now = env_.Now();
  std::lock_guard lock(mu_);
  auto& q = failures_[key];
  TrimLocked(q, now);
  q.push_back(now);
  if (failures_.size() > 100'000) {  // bounded memory under a spray of keys
    for (auto it = failures_.begin(); it != failures_.end();) {
      TrimLocked(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
  }
}

void LoginLimiter::Reset(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
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
