#include "vault/secret_input.h"

#include <fcntl.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <span>
#include <vector>

namespace vault {
namespace {

// One line from `next` (which yields a byte, or false at the end) into
// locked memory, without its line ending. A line longer than `max` is
// refused: cutting a secret short would silently change it.
template <typename Next>
Result<SecureBuffer> ReadLine(size_t max, Next next, std::string_view what) {
  SecureBuffer buf(max);
  size_t n = 0;
  char c = 0;
  bool too_long = false;
  while (next(c) && c != '\n') {
    if (n == buf.size()) {
      too_long = true;
      break;
    }
    buf.data()[n++] = static_cast<uint8_t>(c);
  }
  c = 0;
  if (too_long) {
    return Fail(Status::InvalidArgument(std::string(what) + " is longer than " +
                                        std::to_string(max) + " bytes"));
  }
  if (n > 0 && buf.data()[n - 1] == '\r') --n;
  buf.Truncate(n);
  if (buf.empty()) return Fail(Status::InvalidArgument(std::string(what) + " is empty"));
  return buf;
}

}  // namespace

Result<SecureBuffer> ReadSecretFromTerminal(std::string_view prompt) {
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
  auto line = ReadLine(
      1024, [fd](char& c) { return ::read(fd, &c, 1) == 1; }, "the passphrase");
  if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return line;
}

Result<SecureBuffer> ReadSecretFile(Env& env, std::istream& in, const std::string& path) {
  if (path == "-") {
    return ReadLine(
        4096, [&in](char& c) { return static_cast<bool>(in.get(c)); },
        "the secret on standard input");
  }
  auto bytes = env.ReadFile(path);
  if (!bytes) return Fail(bytes.error());
  std::vector<uint8_t> raw = std::move(*bytes);
  size_t n = raw.size();
  while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == '\r')) --n;
  SecureBuffer out = SecureBuffer::CopyOf(std::span(raw).first(n));
  sodium_memzero(raw.data(), raw.size());
  if (out.empty()) return Fail(Status::InvalidArgument(path + " is empty"));
  return out;
}

}  // namespace vault
