#include "auth.h"

#include <algorithm>
#include <array>
#include <limits>
#include <span>

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

Challenges::Challenges(vault::Env& env, std::chrono::seconds ttl)
    : env_(env), ttl_(ttl), key_(vault::crypto::RandomKey(env)) {}

vault::crypto::Hash Challenges::Tag(vault::crypto::ByteView head,
                                    const std::string& member_id) const {
  static constexpr std::string_view kDomain = "baton.challenge.v1";
  // The member id goes last: everything before it has a fixed length, so
  // no two (head, member) pairs give the same message.
  std::string message(kDomain);
  message.append(reinterpret_cast<const char*>(head.data()), head.size());
  message += member_id;
  auto tag = vault::crypto::Blake2b256Keyed(key_, vault::crypto::AsBytes(message));
  if (!tag) {
    // Cannot happen with the 32-byte key; if it did, a random tag makes
    // every nonce invalid rather than every forgery valid.
    vault::crypto::Hash random{};
    env_.RandomBytes(random);
    return random;
  }
  return *tag;
}

std::string Challenges::Issue(const std::string& member_id) {
  const int64_t expires_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>((env_.Now() + ttl_).time_since_epoch())
          .count();
  std::array<uint8_t, kNonceBytes> raw{};
  for (size_t i = 0; i < kExpiryBytes; ++i) {
    raw[i] =
        static_cast<uint8_t>(static_cast<uint64_t>(expires_ms) >> (8 * (kExpiryBytes - 1 - i)));
  }
  env_.RandomBytes(std::span(raw).subspan(kExpiryBytes, kRandomBytes));
  const vault::crypto::Hash tag = Tag(std::span(raw).first(kExpiryBytes + kRandomBytes), member_id);
  std::copy(tag.begin(), tag.end(), raw.begin() + kExpiryBytes + kRandomBytes);
  return vault::crypto::ToBase64(raw, vault::crypto::Base64::kUrlNoPadding);
}

std::optional<vault::crypto::Bytes> Challenges::Decode(const std::string& nonce) {
  auto raw = vault::crypto::FromBase64(nonce, vault::crypto::Base64::kUrlNoPadding);
  if (!raw || raw->size() != kNonceBytes) return std::nullopt;
  // One spelling per nonce, so that the used set cannot be dodged by
  // writing the same bytes another way.
  if (vault::crypto::ToBase64(*raw, vault::crypto::Base64::kUrlNoPadding) != nonce) {
    return std::nullopt;
  }
  return std::move(*raw);
}

std::optional<vault::TimePoint> Challenges::ExpiryOf(vault::crypto::ByteView raw) {
  uint64_t expires_ms = 0;
  for (size_t i = 0; i < kExpiryBytes; ++i) expires_ms = expires_ms << 8 | raw[i];
  if (expires_ms > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 1'000'000)) {
    return std::nullopt;  // beyond what a TimePoint holds; never issued
  }
  return vault::TimePoint(std::chrono::duration_cast<vault::TimePoint::duration>(
      std::chrono::milliseconds(static_cast<int64_t>(expires_ms))));
}

bool Challenges::Valid(const std::string& nonce, const std::string& member_id) {
  auto raw = Decode(nonce);
  if (!raw) return false;
  const vault::crypto::ByteView bytes(*raw);
  const vault::crypto::Hash tag = Tag(bytes.first(kExpiryBytes + kRandomBytes), member_id);
  if (!vault::crypto::ConstantTimeEqual(tag, bytes.subspan(kExpiryBytes + kRandomBytes))) {
    return false;
  }
  // Only now is the stated expiry the server's own.
  auto expires = ExpiryOf(bytes);
  const vault::TimePoint now = env_.Now();
  if (!expires || now >= *expires) return false;
  std::lock_guard lock(mu_);
  SweepLocked(now);
  return !used_.contains(nonce);
}

bool Challenges::Redeem(const std::string& nonce) {
  auto raw = Decode(nonce);
  auto expires = raw ? ExpiryOf(*raw) : std::nullopt;
  const vault::TimePoint now = env_.Now();
  // Refused once expired: it would be swept from the used set, so a second
  // redemption could not be told from the first.
  if (!expires || now >= *expires) return false;
  std::lock_guard lock(mu_);
  SweepLocked(now);
  if (!used_.emplace(nonce, *expires).second) return false;
  used_by_expiry_.emplace(*expires, nonce);
  return true;
}

size_t Challenges::used() {
  std::lock_guard lock(mu_);
  SweepLocked(env_.Now());
  return used_.size();
}

void Challenges::SweepLocked(vault::TimePoint now) {
  while (!used_by_expiry_.empty() && used_by_expiry_.begin()->first <= now) {
    used_.erase(used_by_expiry_.begin()->second);
    used_by_expiry_.erase(used_by_expiry_.begin());
  }
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
