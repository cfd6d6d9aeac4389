// The SLIP-39 word list: 1024 words, sorted, each unique in its first four
// letters, so a word's index is also a 10-bit value of a share.
#ifndef BATON_BACKUP_SRC_SLIP39_WORDS_H_
#define BATON_BACKUP_SRC_SLIP39_WORDS_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace backup::slip39::internal {

inline constexpr int kRadixBits = 10;
inline constexpr uint16_t kWordCount = 1 << kRadixBits;

// REQUIRES: index < kWordCount.
std::string_view Word(uint16_t index);

// The index of the list word `token` (lower case) is, or of the one word it
// is a prefix of, four letters or more.
std::optional<uint16_t> FindWord(std::string_view token);

// The list word nearest to `token` when one is clearly nearest (two edits
// at most, no tie), for a "did you mean" hint.
std::optional<std::string_view> SuggestWord(std::string_view token);

}  // namespace backup::slip39::internal

#endif  // BATON_BACKUP_SRC_SLIP39_WORDS_H_
