// Password and passphrase generator.
//
// All randomness comes from Env::RandomBytes, so a FakeEnv makes output
// deterministic in tests. Every character or word is drawn uniformly (no
// modulo bias) and the result is returned in a SecureBuffer. Entropy
// figures are log2 of the number of equally likely outcomes of a policy.
// Functions are thread-safe if the Env is.
#ifndef BATON_VAULT_GENERATOR_H_
#define BATON_VAULT_GENERATOR_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault::gen {

// --- Passwords ----------------------------------------------------------------

inline constexpr int kMinLength = 8;
inline constexpr int kMaxLength = 128;
inline constexpr int kDefaultLength = 20;

inline constexpr std::string_view kLowercase = "abcdefghijklmnopqrstuvwxyz";
inline constexpr std::string_view kUppercase = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
inline constexpr std::string_view kDigits = "0123456789";
// The 32 printable ASCII punctuation characters.
inline constexpr std::string_view kSymbols = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
// Removed when PasswordPolicy::avoid_ambiguous is set.
inline constexpr std::string_view kAmbiguous = "Il1O0o";

struct PasswordPolicy {
  int length = kDefaultLength;  // kMinLength..kMaxLength
  bool lowercase = true;
  bool uppercase = true;
  bool digits = true;
  bool symbols = true;
  // Every enabled class appears at least once. Passwords that miss a class
  // are redrawn whole, so all passwords that satisfy the policy stay equally
  // likely.
  bool require_each_class = true;
  bool avoid_ambiguous = false;  // exclude kAmbiguous
  // Characters never used. Printable ASCII only; characters that are in no
  // enabled class are allowed and have no effect.
  std::string exclude;
};

// OK if `policy` can produce a password. InvalidArgument (naming the
// problem) if the length is out of range, no class is enabled, an enabled
// class has all its characters excluded, more classes are required than the
// length allows, or `exclude` has a byte outside printable ASCII.
Status CheckPasswordPolicy(const PasswordPolicy& policy);

// The characters a password may contain, in class order (lower, upper,
// digits, symbols). Not secret. Same errors as CheckPasswordPolicy().
[[nodiscard]] Result<std::string> PasswordAlphabet(const PasswordPolicy& policy);

// A password of policy.length characters. Same errors as
// CheckPasswordPolicy().
[[nodiscard]] Result<SecureBuffer> GeneratePassword(Env& env, const PasswordPolicy& policy);

// log2 of the number of passwords `policy` can produce: length * log2(N)
// for an alphabet of N characters, less what require_each_class rules out
// (counted exactly by inclusion-exclusion). Same errors as
// CheckPasswordPolicy().
[[nodiscard]] Result<double> PasswordEntropyBits(const PasswordPolicy& policy);

// --- Passphrases --------------------------------------------------------------

inline constexpr int kMinWords = 3;
inline constexpr int kMaxWords = 20;
inline constexpr int kDefaultWords = 6;
inline constexpr size_t kMaxSeparatorBytes = 8;

struct PassphrasePolicy {
  int words = kDefaultWords;  // kMinWords..kMaxWords
  // Between words. Spaces and ASCII punctuation only (no letters or digits,
  // which would blur word boundaries); may be empty.
  std::string separator = "-";
  bool capitalize = false;      // upper-case the first letter of every word
  bool include_number = false;  // append one random digit to one random word
};

// OK or InvalidArgument naming the problem (word count out of range, a
// separator too long or with a letter, digit or non-printable byte).
Status CheckPassphrasePolicy(const PassphrasePolicy& policy);

// Words drawn uniformly and independently from WordList().
[[nodiscard]] Result<SecureBuffer> GeneratePassphrase(Env& env, const PassphrasePolicy& policy);

// words * log2(7776), plus log2(10 * words) with include_number.
// Capitalisation and the separator are fixed and add nothing.
[[nodiscard]] Result<double> PassphraseEntropyBits(const PassphrasePolicy& policy);

// The EFF large word list (7776 lower-case words; see vault/data/SOURCE.md),
// embedded in the binary. Views into static storage, valid forever.
std::span<const std::string_view> WordList();

// --- Randomness ---------------------------------------------------------------

// A uniform integer in [0, upper_bound) from env.RandomBytes, by the same
// rejection sampling as libsodium's randombytes_uniform(); 0 if
// upper_bound < 2.
uint32_t UniformRandom(Env& env, uint32_t upper_bound);

}  // namespace vault::gen

#endif  // BATON_VAULT_GENERATOR_H_
