// Fuzzes the API's request-body checker with the field list of the item
// creation route (the richest one): any input yields a Body or a 400 error
// with a code, never a crash; an accepted body has every required field with
// the declared type.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using server::FieldType;
  const std::string text(reinterpret_cast<const char*>(data), size);
  server::ApiError error;
  auto body = server::Body::Parse(text,
                                  {{"id", FieldType::kString},
                                   {"name", FieldType::kString},
                                   {"channel", FieldType::kString},
                                   {"url", FieldType::kString, false},
                                   {"rotation_period_days", FieldType::kInt, false},
                                   {"key_version", FieldType::kInt},
                                   {"ciphertext", FieldType::kString}},
                                  error);
  if (!body) {
    if (error.status != 400 || error.code.empty()) std::abort();
    return 0;
  }
  (void)body->Str("id");
  (void)body->Int("key_version");
  if (body->Has("rotation_period_days")) (void)body->Int("rotation_period_days");
  auto bytes = server::DecodeBase64Field(body->Str("ciphertext"), "ciphertext", error);
  (void)bytes;
  return 0;
}
