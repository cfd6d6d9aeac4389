#include "vault/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace vault {
namespace {

Status ErrnoStatus(std::string_view what, const std::string& path, int err) {
  std::string msg(what);
  msg += " ";
  msg += path;
  msg += ": ";
  msg += std::strerror(err);
  if (err == ENOENT) return Status::NotFound(msg);
  if (err == EEXIST) return Status::AlreadyExists(msg);
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
  return Status::IOError(msg);
}

std::string DirName(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports the error close() gives (it can report a failed
  // write-back).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status WriteAll(int fd, std::span<const uint8_t> data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

class PosixEnv final : public Env {
 public:
  TimePoint Now() override { return Clock::now(); }

  std::chrono::nanoseconds MonotonicNow() override {
    return std::chrono::steady_clock::now().time_since_epoch();
  }

  void RandomBytes(std::span<uint8_t> out) override { randombytes_buf(out.data(), out.size()); }

  Result<std::vector<uint8_t>> ReadFile(const std::string& path) override {
    return ReadFilePrefix(path, SIZE_MAX);
  }

  Result<std::vector<uint8_t>> ReadFilePrefix(const std::string& path, size_t max_bytes) override {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return Fail(ErrnoStatus("open", path, errno));
    std::vector<uint8_t> out;
    uint8_t chunk[65536];
    while (out.size() < max_bytes) {
      ssize_t n = ::read(fd.get(), chunk, std::min(sizeof chunk, max_bytes - out.size()));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Fail(ErrnoStatus("read", path, errno));
      }
      if (n == 0) break;
      out.insert(out.end(), chunk, chunk + n);
    }
    sodium_memzero(chunk, sizeof chunk);
    return out;
  }

  Status WriteFileAtomic(const std::string& path, std::span<const uint8_t> data,
                         uint32_t mode) override {
    char suffix[17];
    uint8_t rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(suffix, sizeof suffix, rnd, sizeof rnd);
    const std::string tmp = path + ".tmp-" + suffix;

    FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (fd.get() < 0) return ErrnoStatus("create", tmp, errno);
    // The umask may have narrowed the mode; set it exactly.
    Status s = ::fchmod(fd.get(), mode) == 0 ? WriteAll(fd.get(), data, tmp)
                                             : ErrnoStatus("chmod", tmp, errno);
    if (s.ok() && ::fsync(fd.get()) != 0) s = ErrnoStatus("fsync", tmp, errno);
    if (s.ok() && fd.Close() != 0) s = ErrnoStatus("close", tmp, errno);
    if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = ErrnoStatus("rename", tmp, errno);
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
    return SyncDir(DirName(path));
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("remove", path, errno);
    return SyncDir(DirName(path));
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("rename", from, errno);
    return SyncDir(DirName(to));
  }

  bool FileExists(const std::string& path) override {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
  }

  Status CreateDir(const std::string& path, uint32_t mode) override {
    if (::mkdir(path.c_str(), mode) != 0) return ErrnoStatus("mkdir", path, errno);
    if (::chmod(path.c_str(), mode) != 0) return ErrnoStatus("chmod", path, errno);
    return SyncDir(DirName(path));
  }

  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return ErrnoStatus("rmdir", path, errno);
    return SyncDir(DirName(path));
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return Fail(ErrnoStatus("opendir", path, errno));
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(dir)) {
      std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
  }

  Result<uint32_t> FileMode(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return Fail(ErrnoStatus("stat", path, errno));
    return static_cast<uint32_t>(st.st_mode & 07777);
  }

 private:
  static Status SyncDir(const std::string& dir) {
    FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoStatus("open directory", dir, errno);
    if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync directory", dir, errno);
    return Status::OK();
  }
};

}  // namespace

Env& Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never destroyed: usable during exit
  return *env;
}

}  // namespace vault
