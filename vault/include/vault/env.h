// Env: the seam through which baton reaches the clock, randomness and files.
//
// Production code never calls the system clock, std::filesystem or
// std::random_device directly; it takes an Env&. Env::Default() is the real
// machine; tests use tests/support/fake_env.h (in-memory files, a clock that
// moves only when told, a seeded RNG, injected failures).
//
// Implementations are thread-safe.
#ifndef BATON_VAULT_ENV_H_
#define BATON_VAULT_ENV_H_

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vault/status.h"

namespace vault {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide real environment. Never null; never destroyed.
  static Env& Default();

  // Wall-clock time (UTC).
  virtual TimePoint Now() = 0;
  // A monotonic clock for measuring durations (e.g. KDF calibration).
  virtual std::chrono::nanoseconds MonotonicNow() = 0;

  // Fills `out` with cryptographically secure random bytes.
  virtual void RandomBytes(std::span<uint8_t> out) = 0;

  virtual Result<std::vector<uint8_t>> ReadFile(const std::string& path) = 0;
  // At most the first `max_bytes` bytes of a file.
  virtual Result<std::vector<uint8_t>> ReadFilePrefix(const std::string& path,
                                                      size_t max_bytes) = 0;
  // Writes `data` to a temporary file beside `path` created with `mode`,
  // fsyncs it, renames it over `path` and fsyncs the directory: readers see
  // the old or the new content, never a mix. On failure `path` is unchanged
  // and the temporary file is removed.
  virtual Status WriteFileAtomic(const std::string& path, std::span<const uint8_t> data,
                                 uint32_t mode = 0600) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  // Creates one directory with `mode`; AlreadyExists if it is there.
  virtual Status CreateDir(const std::string& path, uint32_t mode = 0700) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, sorted, without . and ..
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // Permission bits of a file (e.g. 0600).
  virtual Result<uint32_t> FileMode(const std::string& path) = 0;
};

}  // namespace vault

#endif  // BATON_VAULT_ENV_H_
