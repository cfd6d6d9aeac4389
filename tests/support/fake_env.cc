#include "fake_env.h"

#include <sodium.h>

#include <cstring>

namespace testing_util {

using vault::Fail;
using vault::Status;

FakeEnv::FakeEnv(uint64_t seed) : now_(std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}) {
  std::memcpy(rng_seed_, &seed, sizeof seed);
}

void FakeEnv::AdvanceTime(std::chrono::nanoseconds d) {
  std::lock_guard lock(mu_);
  now_ += std::chrono::duration_cast<vault::Clock::duration>(d);
  monotonic_ += d;
}

void FakeEnv::SetTime(vault::TimePoint t) {
  std::lock_guard lock(mu_);
  now_ = t;
}

void FakeEnv::FailNextWrites(int n) {
  std::lock_guard lock(mu_);
  fail_writes_ = n;
}

int FakeEnv::write_count() const {
  std::lock_guard lock(mu_);
  return write_count_;
}

vault::TimePoint FakeEnv::Now() {
  std::lock_guard lock(mu_);
  return now_;
}

std::chrono::nanoseconds FakeEnv::MonotonicNow() {
  std::lock_guard lock(mu_);
  return monotonic_;
}

void FakeEnv::RandomBytes(std::span<uint8_t> out) {
  std::lock_guard lock(mu_);
  // A deterministic stream: each call draws from seed || counter.
  uint8_t block_seed[randombytes_SEEDBYTES];
  uint8_t input[sizeof rng_seed_ + sizeof rng_counter_];
  std::memcpy(input, rng_seed_, sizeof rng_seed_);
  std::memcpy(input + sizeof rng_seed_, &rng_counter_, sizeof rng_counter_);
  ++rng_counter_;
  crypto_generichash(block_seed, sizeof block_seed, input, sizeof input, nullptr, 0);
  randombytes_buf_deterministic(out.data(), out.size(), block_seed);
}

Status FakeEnv::MaybeFail(const std::string& op, const std::string& path) {
  if (fail_writes_ > 0) {
    --fail_writes_;
    return Status::IOError("injected failure: " + op + " " + path);
  }
  ++write_count_;
  return Status::OK();
}

vault::Result<std::vector<uint8_t>> FakeEnv::ReadFile(const std::string& path) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return Fail(Status::NotFound("no such file: " + path));
  return it->second;
}

vault::Result<std::vector<uint8_t>> FakeEnv::ReadFilePrefix(const std::string& path,
                                                            size_t max_bytes) {
  auto all = ReadFile(path);
  if (all && all->size() > max_bytes) all->resize(max_bytes);
  return all;
}

Status FakeEnv::WriteFileAtomic(const std::string& path, std::span<const uint8_t> data,
                                uint32_t mode) {
  std::lock_guard lock(mu_);
  if (Status s = MaybeFail("write", path); !s.ok()) return s;
  files_[path].assign(data.begin(), data.end());
  modes_[path] = mode;
  return Status::OK();
}

Status FakeEnv::RemoveFile(const std::string& path) {
  std::lock_guard lock(mu_);
  if (!files_.contains(path)) return Status::NotFound("no such file: " + path);
  if (Status s = MaybeFail("remove", path); !s.ok()) return s;
  files_.erase(path);
  modes_.erase(path);
  return Status::OK();
}

Status FakeEnv::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  auto it = files_.find(from);
  if (it == files_.end()) return Status::NotFound("no such file: " + from);
  if (Status s = MaybeFail("rename", from); !s.ok()) return s;
  files_[to] = std::move(it->second);
  modes_[to] = modes_[from];
  files_.erase(from);
  modes_.erase(from);
  return Status::OK();
}

bool FakeEnv::FileExists(const std::string& path) {
  std::lock_guard lock(mu_);
  return files_.contains(path) || dirs_.contains(path);
}

Status FakeEnv::CreateDir(const std::string& path, uint32_t mode) {
  std::lock_guard lock(mu_);
  if (files_.contains(path) || dirs_.contains(path)) {
    return Status::AlreadyExists("exists: " + path);
  }
  if (Status s = MaybeFail("mkdir", path); !s.ok()) return s;
  dirs_.insert(path);
  modes_[path] = mode;
  return Status::OK();
}

Status FakeEnv::RemoveDir(const std::string& path) {
  std::lock_guard lock(mu_);
  if (!dirs_.contains(path)) return Status::NotFound("no such directory: " + path);
  const std::string prefix = path + "/";
  for (const auto& [p, _] : files_) {
    if (p.starts_with(prefix)) return Status::FailedPrecondition("directory not empty: " + path);
  }
  if (Status s = MaybeFail("rmdir", path); !s.ok()) return s;
  dirs_.erase(path);
  modes_.erase(path);
  return Status::OK();
}

vault::Result<std::vector<std::string>> FakeEnv::ListDir(const std::string& path) {
  std::lock_guard lock(mu_);
  if (!dirs_.contains(path)) return Fail(Status::NotFound("no such directory: " + path));
  const std::string prefix = path + "/";
  std::set<std::string> names;
  auto collect = [&](const std::string& p) {
    if (p.starts_with(prefix)) {
      std::string rest = p.substr(prefix.size());
      names.insert(rest.substr(0, rest.find('/')));
    }
  };
  for (const auto& [p, _] : files_) collect(p);
  for (const auto& d : dirs_) collect(d);
  return std::vector<std::string>(names.begin(), names.end());
}

vault::Result<uint32_t> FakeEnv::FileMode(const std::string& path) {
  std::lock_guard lock(mu_);
  auto it = modes_.find(path);
  if (it == modes_.end()) return Fail(Status::NotFound("no such file: " + path));
  return it->second;
}

}  // namespace testing_util
