#include "cli/console.h"

#include <fcntl.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <vector>

#include "cli/exit_codes.h"
#include "vault/api_status.h"

namespace cli {
namespace {

using vault::Fail;
using vault::SecureBuffer;
using vault::Status;

vault::Result<SecureBuffer> ReadFromTty(std::string_view prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return Fail(Status::FailedPrecondition(
        "no terminal to ask for the passphrase; use --passphrase-file FILE (or - for stdin)"));
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  termios old{};
  const bool is_tty = ::tcgetattr(fd, &old) == 0;
  if (is_tty) {
    termios quiet = old;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  SecureBuffer buf(1024);
  size_t n = 0;
  char c = 0;
  while (n < buf.size() && ::read(fd, &c, 1) == 1 && c != '\n') buf.data()[n++] = static_cast<uint8_t>(c);
  c = 0;
  if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  if (n > 0 && buf.data()[n - 1] == '\r') --n;
  buf.Truncate(n);
  if (buf.empty()) return Fail(Status::InvalidArgument("the passphrase is empty"));
  return buf;
}

}  // namespace

Console StandardConsole() {
  return Console{std::cin, std::cout, std::cerr, ReadFromTty};
}

vault::Result<SecureBuffer> ReadSecretFile(vault::Env& env, std::istream& in,
                                           const std::string& path) {
  std::vector<uint8_t> raw;
  if (path == "-") {
    SecureBuffer buf(4096);
    size_t n = 0;
    char c = 0;
    while (n < buf.size() && in.get(c) && c != '\n') buf.data()[n++] = static_cast<uint8_t>(c);
    if (n > 0 && buf.data()[n - 1] == '\r') --n;
    buf.Truncate(n);
    if (buf.empty()) return Fail(Status::InvalidArgument("the secret on standard input is empty"));
    return buf;
  }
  auto bytes = env.ReadFile(path);
  if (!bytes) return Fail(bytes.error());
  raw = std::move(*bytes);
  size_t n = raw.size();
  while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\r')) --n;
  SecureBuffer out = SecureBuffer::CopyOf(std::span(raw).first(n));
  sodium_memzero(raw.data(), raw.size());
  if (out.empty()) return Fail(Status::InvalidArgument(path + " is empty"));
  return out;
}

ExitCode ExitCodeFor(const Status& s) {
  static_assert(kExitOk == vault::api::kExitOk && kExitError == vault::api::kExitError &&
                kExitAuth == vault::api::kExitAuth && kExitNotFound == vault::api::kExitNotFound &&
                kExitDenied == vault::api::kExitDenied &&
                kExitUnavailable == vault::api::kExitUnavailable &&
                kExitConflict == vault::api::kExitConflict &&
                kExitInvalid == vault::api::kExitInvalid);
  return static_cast<ExitCode>(vault::api::ExitCodeFor(s));
}

}  // namespace cli
