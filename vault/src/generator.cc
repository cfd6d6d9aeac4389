#include "vault/generator.h"

#include <sodium.h>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

namespace vault::gen {
namespace internal {
// Generated at configure time from vault/data/eff_large_wordlist.txt.
extern const std::string_view kEffLargeWordlist;
}  // namespace internal

namespace {

constexpr size_t kWordListSize = 7776;
// A policy that passes CheckPasswordPolicy() is satisfied by a random draw
// with probability above 1%, so this cap is never reached in practice; it
// only bounds the loop should an Env return constant bytes.
constexpr int kMaxAttempts = 100000;

struct CharClass {
  std::string_view name;
  std::string chars;  // after exclusions
};

bool IsPrintableAscii(char c) { return c >= 0x20 && c <= 0x7e; }

Result<std::vector<CharClass>> BuildClasses(const PasswordPolicy& policy) {
  if (policy.length < kMinLength || policy.length > kMaxLength) {
    return Fail(Status::InvalidArgument(
        "password length must be between " + std::to_string(kMinLength) + " and " +
        std::to_string(kMaxLength) + ", got " + std::to_string(policy.length)));
  }
  for (char c : policy.exclude) {
    if (!IsPrintableAscii(c)) {
      return Fail(Status::InvalidArgument(
          "excluded characters must be printable ASCII; the generator uses no others"));
    }
  }
  std::array<bool, 256> excluded{};
  for (char c : policy.exclude) excluded[static_cast<uint8_t>(c)] = true;
  if (policy.avoid_ambiguous) {
    for (char c : kAmbiguous) excluded[static_cast<uint8_t>(c)] = true;
  }

  std::vector<CharClass> classes;
  const struct {
    bool enabled;
    std::string_view name;
    std::string_view chars;
  } all[] = {{policy.lowercase, "lowercase", kLowercase},
             {policy.uppercase, "uppercase", kUppercase},
             {policy.digits, "digits", kDigits},
             {policy.symbols, "symbols", kSymbols}};
  for (const auto& c : all) {
    if (!c.enabled) continue;
    CharClass cls{c.name, {}};
    for (char ch : c.chars) {
      if (!excluded[static_cast<uint8_t>(ch)]) cls.chars += ch;
    }
    if (cls.chars.empty()) {
      return Fail(Status::InvalidArgument("the " + std::string(c.name) +
                                          " class is enabled but all its characters are excluded"));
    }
    classes.push_back(std::move(cls));
  }
  if (classes.empty()) {
    return Fail(Status::InvalidArgument(
        "no character class is enabled: enable lowercase, uppercase, digits or symbols"));
  }
  if (policy.require_each_class && classes.size() > static_cast<size_t>(policy.length)) {
    return Fail(Status::InvalidArgument("length " + std::to_string(policy.length) +
                                        " is too short to hold one character of each of " +
                                        std::to_string(classes.size()) + " required classes"));
  }
  return classes;
}

std::string Concat(const std::vector<CharClass>& classes) {
  std::string alphabet;
  for (const auto& c : classes) alphabet += c.chars;
  return alphabet;
}

uint32_t RandomU32(Env& env) {
  std::array<uint8_t, 4> b;
  env.RandomBytes(b);
  const uint32_t r = static_cast<uint32_t>(b[0]) | (static_cast<uint32_t>(b[1]) << 8) |
                     (static_cast<uint32_t>(b[2]) << 16) | (static_cast<uint32_t>(b[3]) << 24);
  sodium_memzero(b.data(), b.size());
  return r;
}

std::vector<std::string_view> ParseWordList(std::string_view text) {
  // Lines are "<dice digits>\t<word>" as EFF publishes them; a line without
  // a tab is taken as a bare word.
  std::vector<std::string_view> words;
  words.reserve(kWordListSize);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (const size_t tab = line.find('\t'); tab != std::string_view::npos) {
      line = line.substr(tab + 1);
    }
    if (!line.empty()) words.push_back(line);
  }
  return words;
}

char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

uint32_t UniformRandom(Env& env, uint32_t upper_bound) {
  // Same algorithm as libsodium's randombytes_uniform(), but over Env so
  // tests are deterministic: reject the 2^32 mod upper_bound smallest values
  // so the accepted range is a whole multiple of upper_bound and the final
  // `%` has no modulo bias.
  if (upper_bound < 2) return 0;
  const uint32_t min = (1U + ~upper_bound) % upper_bound;
  uint32_t r;
  do {
    r = RandomU32(env);
  } while (r < min);
  return r % upper_bound;
}

Status CheckPasswordPolicy(const PasswordPolicy& policy) {
  auto classes = BuildClasses(policy);
  return classes ? Status::OK() : classes.error();
}

Result<std::string> PasswordAlphabet(const PasswordPolicy& policy) {
  auto classes = BuildClasses(policy);
  if (!classes) return Fail(classes.error());
  return Concat(*classes);
}

Result<SecureBuffer> GeneratePassword(Env& env, const PasswordPolicy& policy) {
  auto classes = BuildClasses(policy);
  if (!classes) return Fail(classes.error());
  const std::string alphabet = Concat(*classes);
  std::array<uint8_t, 256> class_of{};  // class index + 1, 0 for none
  for (size_t i = 0; i < classes->size(); ++i) {
    for (char c : (*classes)[i].chars)
      class_of[static_cast<uint8_t>(c)] = static_cast<uint8_t>(i + 1);
  }
  const uint32_t all_seen = (1u << classes->size()) - 1;

  SecureBuffer out(static_cast<size_t>(policy.length));
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    uint32_t seen = 0;
    for (uint8_t& c : out.bytes()) {
      c = static_cast<uint8_t>(
          alphabet[UniformRandom(env, static_cast<uint32_t>(alphabet.size()))]);
      seen |= 1u << (class_of[c] - 1);
    }
    // Redrawing the whole password (rather than patching in the missing
    // class) keeps every acceptable password equally likely.
    if (!policy.require_each_class || seen == all_seen) return out;
  }
  return Fail(Status::Internal("password generator: the random source looks broken"));
}

Result<double> PasswordEntropyBits(const PasswordPolicy& policy) {
  auto classes = BuildClasses(policy);
  if (!classes) return Fail(classes.error());
  const double n = static_cast<double>(Concat(*classes).size());
  const double length = policy.length;
  double fraction = 1.0;  // of all n^length strings that satisfy the policy
  if (policy.require_each_class) {
    // Inclusion-exclusion over the sets of classes a string could miss.
    fraction = 0.0;
    const size_t k = classes->size();
    for (uint32_t missing = 0; missing < (1u << k); ++missing) {
      double missing_chars = 0;
      int sign = 1;
      for (size_t i = 0; i < k; ++i) {
        if (missing & (1u << i)) {
          missing_chars += static_cast<double>((*classes)[i].chars.size());
          sign = -sign;
        }
      }
      fraction += sign * std::pow((n - missing_chars) / n, length);
    }
  }
  return length * std::log2(n) + std::log2(fraction);
}

std::span<const std::string_view> WordList() {
  static const std::vector<std::string_view> words = ParseWordList(internal::kEffLargeWordlist);
  return words;
}

Status CheckPassphrasePolicy(const PassphrasePolicy& policy) {
  if (policy.words < kMinWords || policy.words > kMaxWords) {
    return Status::InvalidArgument("passphrase word count must be between " +
                                   std::to_string(kMinWords) + " and " + std::to_string(kMaxWords) +
                                   ", got " + std::to_string(policy.words));
  }
  if (policy.separator.size() > kMaxSeparatorBytes) {
    return Status::InvalidArgument("passphrase separator is longer than " +
                                   std::to_string(kMaxSeparatorBytes) + " bytes");
  }
  for (char c : policy.separator) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!IsPrintableAscii(c) || alnum) {
      return Status::InvalidArgument(
          "passphrase separator may contain only spaces and ASCII punctuation");
    }
  }
  return Status::OK();
}

Result<SecureBuffer> GeneratePassphrase(Env& env, const PassphrasePolicy& policy) {
  if (Status s = CheckPassphrasePolicy(policy); !s.ok()) return Fail(s);
  const auto list = WordList();
  if (list.size() != kWordListSize) {
    return Fail(Status::Internal("embedded word list is damaged"));
  }
  const auto count = static_cast<size_t>(policy.words);
  // The chosen word indices are as secret as the passphrase itself.
  SecureBuffer picks(count * 2);
  size_t total = policy.separator.size() * (count - 1);
  for (size_t i = 0; i < count; ++i) {
    const uint32_t w = UniformRandom(env, kWordListSize);
    picks.data()[2 * i] = static_cast<uint8_t>(w >> 8);
    picks.data()[2 * i + 1] = static_cast<uint8_t>(w);
    total += list[w].size();
  }
  size_t number_word = count;  // none
  uint8_t digit = 0;
  if (policy.include_number) {
    number_word = UniformRandom(env, static_cast<uint32_t>(count));
    digit = static_cast<uint8_t>(UniformRandom(env, 10));
    total += 1;
  }

  SecureBuffer out(total);
  uint8_t* p = out.data();
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) {
      std::memcpy(p, policy.separator.data(), policy.separator.size());
      p += policy.separator.size();
    }
    const uint32_t w = (static_cast<uint32_t>(picks.data()[2 * i]) << 8) | picks.data()[2 * i + 1];
    const std::string_view word = list[w];
    std::memcpy(p, word.data(), word.size());
    if (policy.capitalize) *p = static_cast<uint8_t>(AsciiUpper(static_cast<char>(*p)));
    p += word.size();
    if (i == number_word) *p++ = static_cast<uint8_t>('0' + digit);
  }
  sodium_memzero(&digit, sizeof digit);
  return out;
}

Result<double> PassphraseEntropyBits(const PassphrasePolicy& policy) {
  if (Status s = CheckPassphrasePolicy(policy); !s.ok()) return Fail(s);
  // Counts the generator's choices. Separators carry no letters so words stay
  // apart; an empty separator, or '-' (4 EFF words contain one), lets a few
  // distinct choices print alike, a negligible loss.
  double bits = policy.words * std::log2(static_cast<double>(kWordListSize));
  if (policy.include_number) bits += std::log2(10.0 * policy.words);
  return bits;
}

}  // namespace vault::gen
