// FakeEnv: an Env for tests. Files live in memory, the clock moves only when
// told (AdvanceTime), randomness comes from a seeded deterministic stream,
// and the next file operations can be made to fail.
#ifndef BATON_TESTS_SUPPORT_FAKE_ENV_H_
#define BATON_TESTS_SUPPORT_FAKE_ENV_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "vault/env.h"

namespace testing_util {

class FakeEnv final : public vault::Env {
 public:
  // 2026-01-01T00:00:00Z unless told otherwise.
  explicit FakeEnv(uint64_t seed = 1);

  void AdvanceTime(std::chrono::nanoseconds d);
  void SetTime(vault::TimePoint t);

  // The next `n` mutating file operations fail with IOError, leaving the
  // files as they were (as a failed atomic write does).
  void FailNextWrites(int n = 1);
  int write_count() const;

  // Direct access to the in-memory files, to corrupt them.
  std::map<std::string, std::vector<uint8_t>>& files() { return files_; }

  vault::TimePoint Now() override;
  std::chrono::nanoseconds MonotonicNow() override;
  void RandomBytes(std::span<uint8_t> out) override;
  vault::Result<std::vector<uint8_t>> ReadFile(const std::string& path) override;
  vault::Result<std::vector<uint8_t>> ReadFilePrefix(const std::string& path,
                                                     size_t max_bytes) override;
  vault::Status WriteFileAtomic(const std::string& path, std::span<const uint8_t> data,
                                uint32_t mode) override;
  vault::Status RemoveFile(const std::string& path) override;
  vault::Status Rename(const std::string& from, const std::string& to) override;
  bool FileExists(const std::string& path) override;
  vault::Status CreateDir(const std::string& path, uint32_t mode) override;
  vault::Status RemoveDir(const std::string& path) override;
  vault::Result<std::vector<std::string>> ListDir(const std::string& path) override;
  vault::Result<uint32_t> FileMode(const std::string& path) override;

 private:
  vault::Status MaybeFail(const std::string& op, const std::string& path);

  mutable std::mutex mu_;
  vault::TimePoint now_;
  std::chrono::nanoseconds monotonic_{0};
  uint8_t rng_seed_[32] = {};
  uint64_t rng_counter_ = 0;
  int fail_writes_ = 0;
  int write_count_ = 0;
  std::map<std::string, std::vector<uint8_t>> files_;
  std::map<std::string, uint32_t> modes_;
  std::set<std::string> dirs_;
};

}  // namespace testing_util

#endif  // BATON_TESTS_SUPPORT_FAKE_ENV_H_
