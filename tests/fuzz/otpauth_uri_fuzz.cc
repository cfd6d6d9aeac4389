// Fuzzes the otpauth:// URI parser (pasted by users, imported from files):
// any input yields parameters or a Status, and parsed parameters produce a
// code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vault/totp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view uri(reinterpret_cast<const char*>(data), size);
  auto params = vault::totp::ParseOtpauthUri(uri);
  if (!params) return 0;
  if (!vault::totp::TotpCode(*params, vault::TimePoint{}).has_value()) std::abort();
  return 0;
}
