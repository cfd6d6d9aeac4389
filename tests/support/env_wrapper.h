// EnvWrapper: a vault::Env that forwards every call to another Env. Tests
// derive from it and override only the calls they change, so that a new
// Env method needs one forwarding line here, not one per test.
#ifndef BATON_TESTS_SUPPORT_ENV_WRAPPER_H_
#define BATON_TESTS_SUPPORT_ENV_WRAPPER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vault/env.h"

namespace testing_util {

class EnvWrapper : public vault::Env {
 public:
  explicit EnvWrapper(vault::Env& target) : target_(target) {}

  vault::Env& target() const { return target_; }

  vault::TimePoint Now() override { return target_.Now(); }
  std::chrono::nanoseconds MonotonicNow() override { return target_.MonotonicNow(); }
  void RandomBytes(std::span<uint8_t> out) override { target_.RandomBytes(out); }
  vault::Result<std::vector<uint8_t>> ReadFile(const std::string& path) override {
    return target_.ReadFile(path);
  }
  vault::Result<std::vector<uint8_t>> ReadFilePrefix(const std::string& path,
                                                     size_t max_bytes) override {
    return target_.ReadFilePrefix(path, max_bytes);
  }
  vault::Status WriteFileAtomic(const std::string& path, std::span<const uint8_t> data,
                                uint32_t mode) override {
    return target_.WriteFileAtomic(path, data, mode);
  }
  vault::Status RemoveFile(const std::string& path) override { return target_.RemoveFile(path); }
  vault::Status Rename(const std::string& from, const std::string& to) override {
    return target_.Rename(from, to);
  }
  bool FileExists(const std::string& path) override { return target_.FileExists(path); }
  vault::Status CreateDir(const std::string& path, uint32_t mode) override {
    return target_.CreateDir(path, mode);
  }
  vault::Status RemoveDir(const std::string& path) override { return target_.RemoveDir(path); }
  vault::Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return target_.ListDir(path);
  }
  vault::Result<uint32_t> FileMode(const std::string& path) override {
    return target_.FileMode(path);
  }

 private:
  vault::Env& target_;
};

// The CLI's Env in tests: files and randomness from `target`, the wall clock
// from `clock` (the server's FakeEnv, so that both agree on "now"), and a
// monotonic clock that reads 750 ms more at each reading. KDF calibration
// times Argon2 with it, so its first probe (the 64 MiB floor) lands in the
// 0.5-1 s window: joining and every unlock cost one floor-sized Argon2 run
// instead of a calibrated second. (A frozen clock would instead make
// calibration climb to 1 GiB.) Nothing else in the CLI reads that clock.
class CliEnv final : public EnvWrapper {
 public:
  CliEnv(vault::Env& target, vault::Env& clock) : EnvWrapper(target), clock_(clock) {}

  vault::TimePoint Now() override { return clock_.Now(); }
  std::chrono::nanoseconds MonotonicNow() override {
    return std::chrono::milliseconds(750) * ticks_.fetch_add(1);
  }

 private:
  vault::Env& clock_;
  std::atomic<int64_t> ticks_{0};
};

}  // namespace testing_util

#endif  // BATON_TESTS_SUPPORT_ENV_WRAPPER_H_
