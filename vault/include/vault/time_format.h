// Times as the API carries them (milliseconds since the Unix epoch) and as
// people read them (UTC). One place, so every command and log line writes a
// date the same way.
//
// Thread safety: pure functions.
#ifndef BATON_VAULT_TIME_FORMAT_H_
#define BATON_VAULT_TIME_FORMAT_H_

#include <cstdint>
#include <string>

#include "vault/env.h"

namespace vault {

// Milliseconds since the Unix epoch (truncated toward zero, as the API
// stores them), and back.
int64_t ToUnixMs(TimePoint t);
TimePoint FromUnixMs(int64_t unix_ms);

enum class UtcFormat {
  kDate,     // "2026-01-31"
  kMinute,   // "2026-01-31 14:05"
  kIso8601,  // "2026-01-31T14:05:09Z", or "2026-01-31T14:05:09.123Z" when
             // there are milliseconds
};

// `unix_ms` in UTC. Times before 1970 round down to the second before; a
// time no calendar can show comes back as "<unix_ms>ms".
std::string FormatUtc(int64_t unix_ms, UtcFormat format);

}  // namespace vault

#endif  // BATON_VAULT_TIME_FORMAT_H_
