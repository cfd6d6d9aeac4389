// Fuzzes SLIP-39 share reading and the checks of combining, up to the
// encrypted master secret (the PBKDF2 cipher after it is too slow to fuzz
// and reads no input). An even first byte makes the rest text, shares one
// per line; an odd one builds shares from bytes with a valid checksum, so
// the set checks and interpolation are reached, not only the checksum.
// Every share read must encode back to a share that reads the same, and a
// recovered secret must have a length a share can carry.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "backup/slip39.h"
#include "slip39_combine.h"
#include "slip39_share.h"

namespace {

namespace slip39 = backup::slip39;
using slip39::internal::DecodeShare;
using slip39::internal::EncodeShare;
using slip39::internal::Share;

bool SameShare(const Share& a, const Share& b) {
  return a.identifier == b.identifier && a.extendable == b.extendable &&
         a.iteration_exponent == b.iteration_exponent && a.group_index == b.group_index &&
         a.group_threshold == b.group_threshold && a.group_count == b.group_count &&
         a.member_index == b.member_index && a.member_threshold == b.member_threshold &&
         std::equal(a.value.bytes().begin(), a.value.bytes().end(), b.value.bytes().begin(),
                    b.value.bytes().end());
}

void CheckRoundTrip(const Share& share) {
  const vault::SecureBuffer text = EncodeShare(share);
  auto again = DecodeShare(slip39::MnemonicText(text), 1);
  if (!again.has_value() || !SameShare(share, *again)) std::abort();
}

void Combine(const std::vector<std::string_view>& shares) {
  auto ems = slip39::internal::RecoverEncryptedSecret(shares);
  if (!ems.has_value()) {
    if (ems.error().message().empty()) std::abort();
    return;
  }
  const size_t n = ems->value.size();
  if (n < slip39::kMinSecretBytes || n > slip39::kMaxSecretBytes || n % 2 != 0) std::abort();
}

void TextMode(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos <= text.size() && lines.size() < 20) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    auto share = DecodeShare(lines[i], static_cast<int>(i + 1));
    if (share.has_value()) CheckRoundTrip(*share);
  }
  auto info = slip39::Inspect(lines.front());
  if (info.has_value() != DecodeShare(lines.front(), 1).has_value()) std::abort();
  Combine(lines);
}

// Header: identifier (2), flags, group threshold and count, length; then
// per share: group and member index, member threshold, value bytes.
void ShareMode(const uint8_t* data, size_t size) {
  constexpr size_t kHeader = 5;
  if (size < kHeader) return;
  const int group_count = (data[3] & 0xf) + 1;
  const int group_threshold = std::min(group_count, (data[3] >> 4) + 1);
  const size_t length = data[4] & 1 ? 32 : 16;
  std::vector<vault::SecureBuffer> texts;
  for (size_t at = kHeader; at + 2 + length <= size && texts.size() < 16; at += 2 + length) {
    Share s;
    s.identifier = static_cast<uint16_t>((data[0] << 8 | data[1]) & 0x7fff);
    s.extendable = (data[2] & 0x10) != 0;
    s.iteration_exponent = data[2] & 0xf;
    s.group_threshold = group_threshold;
    s.group_count = group_count;
    s.group_index = data[at] >> 4;
    s.member_index = data[at] & 0xf;
    s.member_threshold = (data[at + 1] & 0xf) + 1;
    s.value = vault::SecureBuffer::CopyOf({data + at + 2, length});
    CheckRoundTrip(s);
    texts.push_back(EncodeShare(s));
  }
  if (texts.empty()) return;
  std::vector<std::string_view> views;
  for (const auto& t : texts) views.push_back(slip39::MnemonicText(t));
  Combine(views);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    TextMode(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  } else {
    ShareMode(data + 1, size - 1);
  }
  return 0;
}
