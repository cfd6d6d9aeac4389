#include "slip39_share.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "backup/slip39.h"
#include "slip39_words.h"

namespace backup::slip39::internal {
namespace {

using vault::Result;
using vault::SecureBuffer;
using vault::Status;

constexpr int kValueBitsPerWord = kRadixBits;
constexpr int kMinWords = kMetadataWords + (8 * kMinSecretBytes + kRadixBits - 1) / kRadixBits;
constexpr int kMaxWords = kMetadataWords + (8 * kMaxSecretBytes + kRadixBits - 1) / kRadixBits;
// Longer tokens are no word, and are shown cut short in messages.
constexpr size_t kMaxTokenShown = 20;

constexpr std::string_view CustomizationString(bool extendable) {
  return extendable ? "shamir_extendable" : "shamir";
}

// RS1024 over GF(1024) as slip-0039.md gives it (rs1024_polymod).
class Rs1024 {
 public:
  explicit Rs1024(bool extendable) {
    for (char c : CustomizationString(extendable)) Add(static_cast<uint8_t>(c));
  }
  void Add(uint32_t v) {
    static constexpr std::array<uint32_t, 10> kGen = {
        0xe0e040,   0x1c1c080,  0x3838100,  0x7070200,  0xe0e0009,
        0x1c0c2412, 0x38086c24, 0x3090fc48, 0x21b1f890, 0x3f3f120};
    const uint32_t b = chk_ >> 20;
    chk_ = ((chk_ & 0xfffff) << kRadixBits) ^ v;
    for (int i = 0; i < kRadixBits; ++i) {
      if (((b >> i) & 1) != 0) chk_ ^= kGen[i];
    }
  }
  uint32_t value() const { return chk_; }

 private:
  uint32_t chk_ = 1;
};

// A share's word indices, kept in locked memory like the words themselves.
class Indices {
 public:
  explicit Indices(size_t n) : buf_(2 * n) {}
  size_t size() const { return buf_.size() / 2; }
  uint16_t at(size_t i) const {
    return static_cast<uint16_t>(buf_.data()[2 * i] << 8 | buf_.data()[2 * i + 1]);
  }
  void set(size_t i, uint32_t v) {
    buf_.data()[2 * i] = static_cast<uint8_t>(v >> 8);
    buf_.data()[2 * i + 1] = static_cast<uint8_t>(v);
  }
  // Bit `j` of the words read as one big-endian bit string, from word `first`.
  int Bit(size_t first, size_t j) const {
    return (at(first + j / kRadixBits) >> (kRadixBits - 1 - j % kRadixBits)) & 1;
  }

 private:
  SecureBuffer buf_;
};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Calls f(token) for each whitespace-separated token; stops when f returns false.
template <typename F>
void ForEachToken(std::string_view text, F f) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    size_t end = i;
    while (end < text.size() && !IsSpace(text[end])) ++end;
    if (end > i && !f(text.substr(i, end - i))) return;
    i = end;
  }
}

// A token as a message may show it: printable ASCII only, cut short.
std::string Shown(std::string_view token) {
  std::string out;
  for (char c : token.substr(0, kMaxTokenShown)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (token.size() > kMaxTokenShown) out += "...";
  return out;
}

std::string Prefix(int number) { return "share " + std::to_string(number); }

// The word index of one token, or the message naming it.
Result<uint16_t> LookUp(std::string_view token, int number, size_t place) {
  // Lower-cased in a wiped stack copy; no word is longer than 8 letters.
  std::array<char, 16> lower{};
  std::optional<uint16_t> index;
  std::optional<std::string_view> hint;  // a list word, not the input
  if (token.size() <= lower.size()) {
    std::transform(token.begin(), token.end(), lower.begin(), [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    const std::string_view word(lower.data(), token.size());
    index = FindWord(word);
    if (!index) hint = SuggestWord(word);
  }
  sodium_memzero(lower.data(), lower.size());
  if (index) return *index;
  std::string msg = Prefix(number) + ", word " + std::to_string(place) + " '" + Shown(token) +
                    "' is not in the list";
  if (hint) msg += " (did you mean '" + std::string(*hint) + "'?)";
  return vault::Fail(Status::InvalidArgument(msg));
}

Result<Indices> Tokenize(std::string_view text, int number) {
  size_t count = 0;
  ForEachToken(text, [&](std::string_view) { return ++count <= kMaxWords; });
  if (count == 0) return vault::Fail(Status::InvalidArgument(Prefix(number) + " is empty"));
  if (count > kMaxWords) {
    return vault::Fail(
        Status::InvalidArgument(Prefix(number) + " has more than " + std::to_string(kMaxWords) +
                                " words; a share has 20 (128-bit secret) or 33 (256-bit)"));
  }
  Indices words(count);
  size_t place = 0;
  Status failed;
  ForEachToken(text, [&](std::string_view token) {
    auto index = LookUp(token, number, place + 1);
    if (!index) {
      failed = index.error();
      return false;
    }
    words.set(place++, *index);
    return true;
  });
  if (!failed.ok()) return vault::Fail(failed);
  return words;
}

// Bits of padding before the value: the value area is whole words, the
// value whole 16-bit units.
int PaddingBits(size_t words) {
  return static_cast<int>(kRadixBits * (words - kMetadataWords) % 16);
}

}  // namespace

SecureBuffer EncodeShare(const Share& share) {
  const size_t value_words = (8 * share.value.size() + kRadixBits - 1) / kRadixBits;
  const size_t total = kMetadataWords + value_words;
  const size_t pad = kRadixBits * value_words - 8 * share.value.size();
  Indices words(total);
  const uint32_t id_exp = static_cast<uint32_t>(share.identifier) << 5 |
                          static_cast<uint32_t>(share.extendable) << 4 |
                          static_cast<uint32_t>(share.iteration_exponent);
  const uint32_t params = static_cast<uint32_t>(share.group_index) << 16 |
                          static_cast<uint32_t>(share.group_threshold - 1) << 12 |
                          static_cast<uint32_t>(share.group_count - 1) << 8 |
                          static_cast<uint32_t>(share.member_index) << 4 |
                          static_cast<uint32_t>(share.member_threshold - 1);
  words.set(0, id_exp >> kRadixBits);
  words.set(1, id_exp & (kWordCount - 1));
  words.set(2, params >> kRadixBits);
  words.set(3, params & (kWordCount - 1));
  for (size_t k = 0; k < value_words; ++k) {
    uint32_t w = 0;
    for (size_t b = 0; b < kValueBitsPerWord; ++b) {
      const size_t j = kValueBitsPerWord * k + b;
      const int bit = j < pad ? 0 : (share.value.data()[(j - pad) / 8] >> (7 - (j - pad) % 8)) & 1;
      w = w << 1 | static_cast<uint32_t>(bit);
    }
    words.set(kIdExpWords + kParamWords + k, w);
  }
  Rs1024 rs(share.extendable);
  for (size_t i = 0; i + kChecksumWords < total; ++i) rs.Add(words.at(i));
  for (int i = 0; i < kChecksumWords; ++i) rs.Add(0);
  const uint32_t checksum = rs.value() ^ 1;
  for (int i = 0; i < kChecksumWords; ++i) {
    words.set(total - kChecksumWords + i,
              (checksum >> (kRadixBits * (kChecksumWords - 1 - i))) & (kWordCount - 1));
  }

  size_t length = total - 1;
  for (size_t i = 0; i < total; ++i) length += Word(words.at(i)).size();
  SecureBuffer text(length);
  size_t at = 0;
  for (size_t i = 0; i < total; ++i) {
    if (i > 0) text.data()[at++] = ' ';
    const std::string_view w = Word(words.at(i));
    std::copy(w.begin(), w.end(), text.data() + at);
    at += w.size();
  }
  return text;
}

Result<Share> DecodeShare(std::string_view text, int number) {
  auto tokenized = Tokenize(text, number);
  if (!tokenized) return vault::Fail(tokenized.error());
  const Indices& words = *tokenized;
  const size_t n = words.size();
  if (n < kMinWords) {
    return vault::Fail(Status::InvalidArgument(Prefix(number) + " has " + std::to_string(n) +
                                               " words, too few: a share has at least " +
                                               std::to_string(kMinWords)));
  }
  const int pad = PaddingBits(n);
  if (pad > 8) {
    return vault::Fail(Status::InvalidArgument(
        Prefix(number) + " has " + std::to_string(n) +
        " words, a length no share has (20 for a 128-bit secret, 33 for 256-bit)"));
  }
  Share share;
  const uint32_t id_exp = static_cast<uint32_t>(words.at(0)) << kRadixBits | words.at(1);
  share.identifier = static_cast<uint16_t>(id_exp >> 5);
  share.extendable = ((id_exp >> 4) & 1) != 0;
  share.iteration_exponent = static_cast<int>(id_exp & 0xf);

  Rs1024 rs(share.extendable);
  for (size_t i = 0; i < n; ++i) rs.Add(words.at(i));
  if (rs.value() != 1) {
    return vault::Fail(
        Status::InvalidArgument(Prefix(number) + ": checksum fails \u2014 a word is mistyped"));
  }

  const uint32_t params = static_cast<uint32_t>(words.at(2)) << kRadixBits | words.at(3);
  share.group_index = static_cast<int>(params >> 16);
  share.group_threshold = static_cast<int>((params >> 12) & 0xf) + 1;
  share.group_count = static_cast<int>((params >> 8) & 0xf) + 1;
  share.member_index = static_cast<int>((params >> 4) & 0xf);
  share.member_threshold = static_cast<int>(params & 0xf) + 1;
  if (share.group_threshold > share.group_count) {
    return vault::Fail(Status::InvalidArgument(
        Prefix(number) + ": its group threshold (" + std::to_string(share.group_threshold) +
        ") is more than its group count (" + std::to_string(share.group_count) +
        ") \u2014 not a valid share"));
  }

  const size_t first = kIdExpWords + kParamWords;
  const size_t value_bits = kRadixBits * (n - kMetadataWords);
  for (int j = 0; j < pad; ++j) {
    if (words.Bit(first, static_cast<size_t>(j)) != 0) {
      return vault::Fail(Status::InvalidArgument(
          Prefix(number) + ": its padding bits are not zero \u2014 not a valid share"));
    }
  }
  share.value = SecureBuffer((value_bits - static_cast<size_t>(pad)) / 8);
  for (size_t j = static_cast<size_t>(pad); j < value_bits; ++j) {
    const size_t v = j - static_cast<size_t>(pad);
    share.value.data()[v / 8] |= static_cast<uint8_t>(words.Bit(first, j) << (7 - v % 8));
  }
  return share;
}

}  // namespace backup::slip39::internal
