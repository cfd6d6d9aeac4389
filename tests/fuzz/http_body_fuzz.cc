// Fuzzes the API's request-body checker with the schema of the item
// creation route (the richest one): any input yields a Body or a 400 error
// with a code, never a crash; an accepted body has every required field with
// the declared type.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http_util.h"
#include "vault/api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto body = server::Body::Parse(text, vault::api::RequestBody("POST /v1/collections/:id/items"));
  if (!body) {
    if (body.error().status != 400 || body.error().code.empty()) std::abort();
    return 0;
  }
  (void)body->Str("id");
  (void)body->Int("key_version");
  if (body->Has("rotation_period_days")) (void)body->Int("rotation_period_days");
  auto bytes = server::DecodeBase64Field(body->Str("ciphertext"), "ciphertext");
  (void)bytes;
  return 0;
}
