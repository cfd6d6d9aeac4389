// Fuzzes the item-payload decoder (decrypted JSON from another client): any
// input yields a payload or a Status; a payload re-encodes and decodes to the
// same encoding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "vault/envelope.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto payload = vault::envelope::DecodePayload(std::span(data, size));
  if (!payload) return 0;
  auto once = vault::envelope::EncodePayload(*payload);
  if (!once) return 0;  // e.g. invalid UTF-8 inside a JSON string escape
  auto again = vault::envelope::DecodePayload(once->bytes());
  if (!again) std::abort();
  auto twice = vault::envelope::EncodePayload(*again);
  if (!twice || twice->size() != once->size() ||
      std::memcmp(twice->data(), once->data(), once->size()) != 0) {
    std::abort();
  }
  return 0;
}
