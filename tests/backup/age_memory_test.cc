// A 1 GiB file is encrypted and decrypted in constant memory: the plaintext
// comes from a generator, the ciphertext goes through a pipe from the
// encrypting thread to the decrypting one, and the result only into a hash.
// The check is on peak resident memory (VmHWM), not on time. Its own binary,
// so no other test has raised the peak before.
#include <sodium.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>

#include "backup/age.h"
#include "fake_env.h"
#include "test_util.h"

namespace {

namespace age = backup::age;

constexpr size_t kBlock = 64 * 1024;

// Peak resident set size of this process in KiB.
long PeakRssKiB() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
  }
  return -1;
}

using Digest = std::array<uint8_t, crypto_generichash_BYTES>;

// Produces `total` bytes (a random block stamped with its index, so no two
// blocks are equal) and hashes them as they are read.
class GeneratorBuf : public std::streambuf {
 public:
  explicit GeneratorBuf(uint64_t total) : left_(total) {
    randombytes_buf(pattern_.data(), pattern_.size());
    crypto_generichash_init(&hash_, nullptr, 0, crypto_generichash_BYTES);
  }
  Digest Final() {
    Digest d{};
    crypto_generichash_final(&hash_, d.data(), d.size());
    return d;
  }

 protected:
  int_type underflow() override {
    if (left_ == 0) return traits_type::eof();
    const size_t n = left_ < kBlock ? static_cast<size_t>(left_) : kBlock;
    std::memcpy(buf_.data(), pattern_.data(), n);
    std::memcpy(buf_.data(), &index_, std::min(n, sizeof(index_)));
    ++index_;
    left_ -= n;
    crypto_generichash_update(&hash_, reinterpret_cast<uint8_t*>(buf_.data()), n);
    setg(buf_.data(), buf_.data(), buf_.data() + n);
    return traits_type::to_int_type(buf_[0]);
  }

 private:
  uint64_t left_;
  uint64_t index_ = 0;
  std::array<char, kBlock> pattern_{};
  std::array<char, kBlock> buf_{};
  crypto_generichash_state hash_{};
};

// Hashes and counts what is written, keeping none of it.
class HashBuf : public std::streambuf {
 public:
  HashBuf() { crypto_generichash_init(&hash_, nullptr, 0, crypto_generichash_BYTES); }
  Digest Final() {
    Digest d{};
    crypto_generichash_final(&hash_, d.data(), d.size());
    return d;
  }
  uint64_t count() const { return count_; }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    crypto_generichash_update(&hash_, reinterpret_cast<const uint8_t*>(s), static_cast<size_t>(n));
    count_ += static_cast<uint64_t>(n);
    return n;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char ch = traits_type::to_char_type(c);
    xsputn(&ch, 1);
    return c;
  }

 private:
  crypto_generichash_state hash_{};
  uint64_t count_ = 0;
};

class FdOutBuf : public std::streambuf {
 public:
  explicit FdOutBuf(int fd) : fd_(fd) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::streamsize done = 0;
    while (done < n) {
      const ssize_t w = ::write(fd_, s + done, static_cast<size_t>(n - done));
      if (w <= 0) return done;
      done += w;
    }
    return done;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char ch = traits_type::to_char_type(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }

 private:
  int fd_;
};

class FdInBuf : public std::streambuf {
 public:
  explicit FdInBuf(int fd) : fd_(fd) {}

 protected:
  int_type underflow() override {
    const ssize_t n = ::read(fd_, buf_.data(), buf_.size());
    if (n <= 0) return traits_type::eof();
    setg(buf_.data(), buf_.data(), buf_.data() + n);
    return traits_type::to_int_type(buf_[0]);
  }

 private:
  int fd_;
  std::array<char, kBlock> buf_{};
};

struct Outcome {
  vault::Status encrypted;
  vault::Status decrypted;
  bool same = false;
  uint64_t bytes = 0;
};

// Streams `total` bytes through Encrypt | pipe | Decrypt.
Outcome StreamThrough(uint64_t total, bool armor) {
  testing_util::FakeEnv env(3);
  const age::Identity id = age::Identity::Generate(env);
  const age::Recipient to = id.recipient();
  int fds[2];
  Outcome r;
  if (::pipe(fds) != 0) return r;
  GeneratorBuf gen(total);
  std::thread writer([&] {
    std::istream in(&gen);
    FdOutBuf pipe_out(fds[1]);
    std::ostream out(&pipe_out);
    r.encrypted = age::Encrypt(env, std::span(&to, 1), in, out, {.armor = armor});
    ::close(fds[1]);
  });
  FdInBuf pipe_in(fds[0]);
  std::istream in(&pipe_in);
  HashBuf sink;
  std::ostream out(&sink);
  r.decrypted = age::Decrypt(std::span(&id, 1), in, out);
  writer.join();
  ::close(fds[0]);
  r.same = gen.Final() == sink.Final();
  r.bytes = sink.count();
  return r;
}

TEST(AgeMemory, OneGibStreamsInConstantMemory) {
  // A small run first, so the peak includes the code paths' one-off costs.
  const Outcome warm = StreamThrough(3 * kBlock + 5, true);
  ASSERT_OK(warm.encrypted);
  ASSERT_OK(warm.decrypted);
  ASSERT_TRUE(warm.same);

  const long before = PeakRssKiB();
  ASSERT_GT(before, 0);
  constexpr uint64_t kGiB = uint64_t{1} << 30;
  const Outcome big = StreamThrough(kGiB, false);
  const long after = PeakRssKiB();
  ASSERT_OK(big.encrypted);
  ASSERT_OK(big.decrypted);
  EXPECT_EQ(big.bytes, kGiB);
  EXPECT_TRUE(big.same) << "the decrypted stream differs from the plaintext";
  // Buffers are a few chunks; holding the file would add a gibibyte.
  RecordProperty("peak_rss_growth_kib", std::to_string(after - before));
#if !defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed blocks resident in its quarantine (40 MB
  // here), so the bound is checked in the normal build; the sanitizer build
  // still streams and compares the gibibyte above.
  EXPECT_LT(after - before, 16 * 1024) << "peak RSS grew by " << (after - before) << " KiB";
#endif
}

}  // namespace
