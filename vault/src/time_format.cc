#include "vault/time_format.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace vault {

int64_t ToUnixMs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint FromUnixMs(int64_t unix_ms) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(unix_ms)));
}

std::string FormatUtc(int64_t unix_ms, UtcFormat format) {
  // Floor division: -1 ms is 23:59:59.999 on the day before the epoch.
  int64_t secs = unix_ms / 1000;
  int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  const auto t = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_ms) + "ms";
  const long long year = static_cast<long long>(tm.tm_year) + 1900;
  char buf[64];
  switch (format) {
    case UtcFormat::kDate:
      std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", year, tm.tm_mon + 1, tm.tm_mday);
      break;
    case UtcFormat::kMinute:
      std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d %02d:%02d", year, tm.tm_mon + 1, tm.tm_mday,
                    tm.tm_hour, tm.tm_min);
      break;
    case UtcFormat::kIso8601:
      if (ms == 0) {
        std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ", year, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      } else {
        std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", year, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
      }
      break;
  }
  return buf;
}

}  // namespace vault
