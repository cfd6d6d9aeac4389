#include "vault/secure_buffer.h"

#include <gtest/gtest.h>

#include <concepts>
#include <ostream>
#include <string>
#include <type_traits>

namespace vault {
namespace {

template <typename T>
concept Streamable = requires(std::ostream& os, const T& t) {
  os << t;
};

// The type itself keeps secrets from being copied, printed or turned into a
// std::string by accident.
static_assert(!std::is_copy_constructible_v<SecureBuffer>);
static_assert(!std::is_copy_assignable_v<SecureBuffer>);
static_assert(std::is_nothrow_move_constructible_v<SecureBuffer>);
static_assert(!std::is_convertible_v<SecureBuffer, std::string>);
static_assert(!std::is_constructible_v<std::string, SecureBuffer>);
static_assert(!Streamable<SecureBuffer>);

TEST(SecureBufferTest, AllocatesZeroedMemory) {
  SecureBuffer b(64);
  ASSERT_EQ(b.size(), 64u);
  for (uint8_t byte : b.bytes()) EXPECT_EQ(byte, 0);
}

TEST(SecureBufferTest, EmptyBufferHasNoMemory) {
  SecureBuffer b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.data(), nullptr);
  SecureBuffer z(0);
  EXPECT_TRUE(z.empty());
}

TEST(SecureBufferTest, CopyOfCopiesBytes) {
  const uint8_t src[] = {1, 2, 3};
  SecureBuffer b = SecureBuffer::CopyOf(src);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.data()[2], 3);
}

TEST(SecureBufferTest, MoveLeavesSourceEmpty) {
  SecureBuffer a(16);
  a.data()[0] = 7;
  const uint8_t* p = a.data();
  SecureBuffer b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.data(), p);
  SecureBuffer c;
  c = std::move(b);
  EXPECT_EQ(c.data()[0], 7);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecureBufferTest, TruncateZeroesTheTail) {
  SecureBuffer b(8);
  for (size_t i = 0; i < 8; ++i) b.data()[i] = 0xff;
  b.Truncate(3);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.data()[3], 0);  // still inside the allocation
  EXPECT_EQ(b.data()[2], 0xff);
}

// AddressSanitizer reports the overread itself before the guard page is
// reached, so its builds do not compile this test (they do not skip it).
#if !defined(__SANITIZE_ADDRESS__)
TEST(SecureBufferDeathTest, GuardPageCatchesOverflow) {
  // sodium_malloc puts the buffer right before a PROT_NONE guard page, so
  // reading past its end faults instead of leaking a neighbour's bytes.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        SecureBuffer b(16);
        volatile const uint8_t* p = b.data();
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < 8192; ++i) sink = sink + p[i];
      },
      "");
}
#endif

}  // namespace
}  // namespace vault
