#include "vault/time_format.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace vault {
namespace {

// 2026-01-31T14:05:09.123Z
constexpr int64_t kSample = 1769868309123;

TEST(TimeFormatTest, UnixMsRoundTrips) {
  EXPECT_EQ(ToUnixMs(FromUnixMs(kSample)), kSample);
  EXPECT_EQ(ToUnixMs(FromUnixMs(0)), 0);
  EXPECT_EQ(ToUnixMs(FromUnixMs(-1)), -1);
  EXPECT_EQ(ToUnixMs(TimePoint(std::chrono::seconds(90))), 90000);
}

TEST(TimeFormatTest, Formats) {
  EXPECT_EQ(FormatUtc(kSample, UtcFormat::kDate), "2026-01-31");
  EXPECT_EQ(FormatUtc(kSample, UtcFormat::kMinute), "2026-01-31 14:05");
  EXPECT_EQ(FormatUtc(kSample, UtcFormat::kIso8601), "2026-01-31T14:05:09.123Z");
  EXPECT_EQ(FormatUtc(kSample - 123, UtcFormat::kIso8601), "2026-01-31T14:05:09Z");
}

TEST(TimeFormatTest, EpochAndBefore) {
  EXPECT_EQ(FormatUtc(0, UtcFormat::kIso8601), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtc(-1, UtcFormat::kIso8601), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatUtc(-1, UtcFormat::kDate), "1969-12-31");
  EXPECT_EQ(FormatUtc(-1000, UtcFormat::kMinute), "1969-12-31 23:59");
}

TEST(TimeFormatTest, FarFuture) {
  // A bogus server time still formats, with a long year.
  EXPECT_EQ(FormatUtc(INT64_MAX, UtcFormat::kDate), "292278994-08-17");
  EXPECT_EQ(FormatUtc(253402300799000, UtcFormat::kIso8601), "9999-12-31T23:59:59Z");
}

}  // namespace
}  // namespace vault
