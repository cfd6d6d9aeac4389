// One SLIP-39 share: its fields, and its mnemonic form (10-bit words with an
// RS1024 checksum) in both directions.
#ifndef BATON_BACKUP_SRC_SLIP39_SHARE_H_
#define BATON_BACKUP_SRC_SLIP39_SHARE_H_

#include <cstdint>
#include <string_view>

#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::slip39::internal {

// Words of the fields before the value, and of the checksum.
inline constexpr int kIdExpWords = 2;
inline constexpr int kParamWords = 2;
inline constexpr int kChecksumWords = 3;
inline constexpr int kMetadataWords = kIdExpWords + kParamWords + kChecksumWords;
inline constexpr int kIdentifierBits = 15;
inline constexpr int kMaxIterationExponent = 15;

struct Share {
  uint16_t identifier = 0;  // 15 bits
  bool extendable = false;
  int iteration_exponent = 0;
  int group_index = 0;  // 0-based, as stored
  int group_threshold = 1;
  int group_count = 1;
  int member_index = 0;  // 0-based, as stored
  int member_threshold = 1;
  vault::SecureBuffer value;  // an even number of bytes, 16 or more
};

// The mnemonic of `share`, words separated by single spaces.
// REQUIRES: every field in range.
vault::SecureBuffer EncodeShare(const Share& share);

// Reads a mnemonic: any case, any ASCII whitespace between words, a word's
// first four letters or more. `number` (1-based) names the share in
// messages. InvalidArgument says which word or check failed.
vault::Result<Share> DecodeShare(std::string_view text, int number);

}  // namespace backup::slip39::internal

#endif  // BATON_BACKUP_SRC_SLIP39_SHARE_H_
