// Fuzzes the server-key-file parser: any input must yield a value or a
// Status, never a crash, an over-read or a huge allocation. A parsed file
// must carry KDF parameters exactly when it is sealed, and they must
// re-validate.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "vault/crypto.h"
#include "vault/server_keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ready = vault::crypto::Init().ok();
  if (!ready) std::abort();
  auto info = vault::InspectServerKeyFile(std::span(data, size));
  if (!info.has_value()) return 0;
  if (info->needs_passphrase() != info->kdf.has_value()) std::abort();
  if (info->kdf.has_value() && !vault::kdf::Validate(*info->kdf).ok()) std::abort();
  return 0;
}
