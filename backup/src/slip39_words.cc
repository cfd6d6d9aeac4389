#include "slip39_words.h"

#include <algorithm>
#include <array>

namespace backup::slip39 {
namespace gen {
extern const std::array<std::string_view, 1024> kWords;
}  // namespace gen

namespace internal {
namespace {

constexpr size_t kUniquePrefix = 4;
constexpr size_t kMaxSuggestDistance = 2;

// Longest token looked at, and longest list word.
constexpr size_t kMaxLength = 16;

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of neighbours, the slips of a hand copying words.
// Stops early with a value above `limit` once the distance must exceed it.
// REQUIRES: b.size() <= kMaxLength.
size_t EditDistance(std::string_view a, std::string_view b, size_t limit) {
  std::array<size_t, kMaxLength + 1> prev2{}, prev{}, cur{};
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    // Distances never fall from one row to the next.
    if (*std::min_element(cur.begin(), cur.begin() + static_cast<std::ptrdiff_t>(b.size()) + 1) >
        limit) {
      return limit + 1;
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.size()];
}

}  // namespace

std::string_view Word(uint16_t index) { return gen::kWords[index]; }

std::optional<uint16_t> FindWord(std::string_view token) {
  if (token.size() < kUniquePrefix) return std::nullopt;
  // The first word not less than the token is the only one that can have
  // it as a prefix: no two words share their first four letters.
  const auto it = std::lower_bound(gen::kWords.begin(), gen::kWords.end(), token);
  if (it == gen::kWords.end() || !it->starts_with(token)) return std::nullopt;
  return static_cast<uint16_t>(it - gen::kWords.begin());
}

std::optional<std::string_view> SuggestWord(std::string_view token) {
  size_t best = kMaxSuggestDistance + 1;
  std::optional<std::string_view> found;
  if (token.size() > kMaxLength) return found;
  for (std::string_view w : gen::kWords) {
    // The distance is at least the difference in length.
    const size_t gap = w.size() > token.size() ? w.size() - token.size() : token.size() - w.size();
    if (gap > best) continue;
    const size_t d = EditDistance(token, w, best);
    if (d < best) {
      best = d;
      found = w;
    } else if (d == best) {
      found.reset();
    }
  }
  return found;
}

}  // namespace internal
}  // namespace backup::slip39
