// SmtpSink: a test-only SMTP receiver on 127.0.0.1 with an OS-chosen port,
// speaking just enough of RFC 5321 for libcurl (EHLO/HELO, AUTH PLAIN,
// MAIL FROM, RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT). One
// connection at a time. Records each message; can refuse the next DATA
// with a 451 a number of times. Tests wait with WaitFor() (a condition
// variable), never a sleep.
#ifndef BATON_TESTS_SUPPORT_SMTP_SINK_H_
#define BATON_TESTS_SUPPORT_SMTP_SINK_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "vault/crypto.h"

namespace testing_util {

class SmtpSink {
 public:
  struct Message {
    std::string mail_from;             // as in MAIL FROM:<...>
    std::vector<std::string> rcpt_to;  // as in RCPT TO:<...>
    std::string data;                  // the message, CRLF line ends, unstuffed
    std::string auth_plain;            // the decoded AUTH PLAIN response, if any
  };

  // With `auth`, EHLO offers AUTH PLAIN.
  explicit SmtpSink(bool auth = false) : auth_(auth) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 8) != 0) {
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~SmtpSink() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  // The Subject header of `m` with its RFC 2047 (UTF-8, base64) words
  // decoded, and its base64 body decoded: what a mail reader shows.
  static std::string Subject(const Message& m) {
    const size_t end = m.data.find("\r\n\r\n");
    const std::string headers = m.data.substr(0, end == std::string::npos ? 0 : end + 2);
    std::smatch found;
    if (!std::regex_search(headers, found,
                           std::regex("(^|\r\n)Subject: ([^\r]*(\r\n [^\r]*)*)\r\n"))) {
      return "";
    }
    const std::string raw = found[2].str();
    const std::regex word("=\\?UTF-8\\?B\\?([A-Za-z0-9+/=]+)\\?=");
    if (!std::regex_search(raw, word)) return raw;
    std::string out;
    for (auto it = std::sregex_iterator(raw.begin(), raw.end(), word); it != std::sregex_iterator();
         ++it) {
      out += DecodeBase64((*it)[1].str());
    }
    return out;
  }
  static std::string Body(const Message& m) {
    const size_t end = m.data.find("\r\n\r\n");
    if (end == std::string::npos) return "";
    std::string b64 = m.data.substr(end + 4);
    std::erase(b64, '\r');
    std::erase(b64, '\n');
    return DecodeBase64(b64);
  }

  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // The next `n` DATA commands are answered 451 after the message arrived.
  void FailNext(int n) {
    std::lock_guard lock(mu_);
    fail_left_ = n;
  }

  bool WaitFor(size_t n, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
  }
  bool WaitForSessions(size_t n, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return sessions_ >= n; });
  }
  std::vector<Message> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      timeval tv{10, 0};  // a stuck client cannot hang the test for good
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Serve(fd);
      ::close(fd);
      std::lock_guard lock(mu_);
      ++sessions_;
      cv_.notify_all();
    }
  }

  void Reply(int fd, const std::string& line) {
    const std::string out = line + "\r\n";
    (void)::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  }

  // One CRLF-terminated line without its CRLF; nullopt when the peer left.
  std::optional<std::string> ReadLine(int fd) {
    for (;;) {
      if (auto end = buffer_.find("\r\n"); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return line;
      }
      char chunk[4096];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  static bool StartsWithNoCase(const std::string& s, const std::string& prefix) {
    if (s.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    }
    return true;
  }

  static std::string Angle(const std::string& s) {
    const auto open = s.find('<'), close = s.rfind('>');
    if (open == std::string::npos || close == std::string::npos || close < open) return s;
    return s.substr(open + 1, close - open - 1);
  }

  static std::string DecodeBase64(const std::string& in) {
    auto bytes = vault::crypto::FromBase64(in);
    return bytes ? std::string(bytes->begin(), bytes->end()) : std::string("<not base64>");
  }

  void Serve(int fd) {
    buffer_.clear();
    Message m;
    Reply(fd, "220 sink.test ESMTP test sink");
    while (auto line = ReadLine(fd)) {
      if (StartsWithNoCase(*line, "EHLO")) {
        Reply(fd, "250-sink.test");
        if (auth_) Reply(fd, "250-AUTH PLAIN");
        Reply(fd, "250 8BITMIME");
      } else if (StartsWithNoCase(*line, "HELO")) {
        Reply(fd, "250 sink.test");
      } else if (StartsWithNoCase(*line, "AUTH PLAIN")) {
        std::string arg = line->size() > 11 ? line->substr(11) : "";
        if (arg.empty()) {
          Reply(fd, "334 ");
          auto next = ReadLine(fd);
          if (!next) return;
          arg = *next;
        }
        m.auth_plain = DecodeBase64(arg);
        Reply(fd, "235 2.7.0 accepted");
      } else if (StartsWithNoCase(*line, "MAIL FROM:")) {
        m.mail_from = Angle(line->substr(10));
        m.rcpt_to.clear();
        Reply(fd, "250 2.1.0 ok");
      } else if (StartsWithNoCase(*line, "RCPT TO:")) {
        m.rcpt_to.push_back(Angle(line->substr(8)));
        Reply(fd, "250 2.1.5 ok");
      } else if (StartsWithNoCase(*line, "DATA")) {
        Reply(fd, "354 end with <CRLF>.<CRLF>");
        std::string data;
        for (;;) {
          auto l = ReadLine(fd);
          if (!l) return;
          if (*l == ".") break;
          data += (l->starts_with(".") ? l->substr(1) : *l) + "\r\n";
        }
        m.data = data;
        std::lock_guard lock(mu_);
        if (fail_left_ > 0) {
          --fail_left_;
          Reply(fd, "451 4.3.0 try again later");
        } else {
          messages_.push_back(m);
          Reply(fd, "250 2.0.0 queued");
        }
        cv_.notify_all();
      } else if (StartsWithNoCase(*line, "RSET") || StartsWithNoCase(*line, "NOOP")) {
        Reply(fd, "250 ok");
      } else if (StartsWithNoCase(*line, "QUIT")) {
        Reply(fd, "221 bye");
        return;
      } else {
        Reply(fd, "502 5.5.2 not implemented");
      }
    }
  }

  const bool auth_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::string buffer_;  // the accept thread's only
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Message> messages_;
  size_t sessions_ = 0;
  int fail_left_ = 0;
};

}  // namespace testing_util

#endif  // BATON_TESTS_SUPPORT_SMTP_SINK_H_
