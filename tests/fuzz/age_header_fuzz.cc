// Fuzzes the age header parser: a header that parses must write back to
// exactly the bytes it was read from (one encoding per header, as the MAC
// relies on), and the X25519 unwrap must refuse or open, never crash, on
// any stanza the parser lets through. An odd first byte feeds the rest
// through the armor reader first.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "age_internal.h"
#include "backup/age.h"
#include "vault/crypto.h"

namespace {

namespace internal = backup::age::internal;

// Reads all of `src`, as far as it goes without error.
std::string Drain(internal::Source& src) {
  std::string out;
  std::array<uint8_t, 1024> buf{};
  for (;;) {
    auto n = src.Read(buf);
    if (!n || *n == 0) return out;
    out.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ready = vault::crypto::Init().ok();
  if (!ready) std::abort();
  static const auto* identity = new backup::age::Identity(
      *backup::age::Identity::FromSecret(std::array<uint8_t, 32>{1, 2, 3}));
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) != 0) {
    internal::SpanSource raw({data + 1, size - 1});
    internal::Reader outer(raw);
    internal::ArmorSource armor(outer);
    bytes = Drain(armor);
  }
  internal::SpanSource src({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  internal::Reader reader(src);
  auto header = internal::ParseHeader(reader);
  if (!header) return 0;
  const std::string again = internal::EncodeHeader(*header);
  if (bytes.compare(0, again.size(), again) != 0) std::abort();
  if (header->mac_input.size() + 1 + 43 + 1 != again.size()) std::abort();
  for (const internal::Stanza& stanza : header->stanzas) {
    auto key = internal::UnwrapX25519(*identity, stanza);
    if (key && key->has_value() && (*key)->size() != internal::kFileKeyBytes) std::abort();
  }
  return 0;
}
