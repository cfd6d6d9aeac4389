// Fuzzes the identity-file parser: any input must yield a value or a Status,
// never a crash, an over-read or a huge allocation. A parsed file must also
// re-validate its own KDF parameters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "vault/crypto.h"
#include "vault/identity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ready = vault::crypto::Init().ok();
  if (!ready) std::abort();
  auto info = vault::InspectIdentityFile(std::span(data, size));
  if (info.has_value() && !vault::kdf::Validate(info->kdf).ok()) std::abort();
  return 0;
}
