// Bech32 (BIP-173) as age uses it: no length limit, all lower or all upper
// case, checksum over the lower-case form. Written here because no Debian
// C or C++ library offers it; tests/backup/age_bech32_test.cc checks it
// against the BIP-173 test vectors.
#ifndef BATON_BACKUP_SRC_BECH32_H_
#define BATON_BACKUP_SRC_BECH32_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::bech32 {

// A string split into its human-readable part (lower case) and its 5-bit
// data values, the checksum verified and removed.
struct Parts {
  std::string hrp;
  std::vector<uint8_t> values;  // each < 32
};

// InvalidArgument on mixed case, a missing separator, an empty HRP, a
// character outside the alphabet, or a bad checksum. The message never
// quotes the input, which may be a secret key.
vault::Result<Parts> Split(std::string_view text);

// Encodes 8-bit `data` under `hrp` (lower case), in lower case or upper case.
// In locked memory, as the data may be a secret key.
vault::SecureBuffer Encode(std::string_view hrp, std::span<const uint8_t> data, bool upper);

// Decodes `text` whose HRP must equal `hrp` (case-insensitively) into 8-bit
// data, refusing non-zero or over-long padding bits.
vault::Result<vault::SecureBuffer> Decode(std::string_view text, std::string_view hrp);

}  // namespace backup::bech32

#endif  // BATON_BACKUP_SRC_BECH32_H_
