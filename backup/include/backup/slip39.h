// SLIP-39: Shamir's secret sharing of a master secret as word shares
// (slip-0039.md, SatoshiLabs). Shares made here open in any SLIP-39 tool and
// theirs open here; the published test vectors are the proof.
//
// A master secret is split into groups, each group into member shares:
// any `group_threshold` groups, each with `threshold` of its members, give it
// back. The secret is encrypted first with a passphrase (a PBKDF2 Feistel
// cipher) that nothing can check: combining with a wrong passphrase yields a
// different secret, never an error, as the spec wants (its "plausible
// deniability"). Callers that must know should compare a fingerprint.
#ifndef BATON_BACKUP_SLIP39_H_
#define BATON_BACKUP_SLIP39_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::slip39 {

// Limits of the share format (4-bit fields).
inline constexpr int kMaxShareCount = 16;
// Master secrets: an even number of bytes in this range (the spec requires
// 16 and 32; 64 is a BIP-32 seed's largest).
inline constexpr size_t kMinSecretBytes = 16;
inline constexpr size_t kMaxSecretBytes = 64;

struct GroupSpec {
  int threshold = 1;  // member shares needed, 1..count
  int count = 1;      // member shares made, 1..16; more than 1 needs threshold >= 2
};

struct SplitOptions {
  int group_threshold = 1;                // groups needed, 1..groups.size()
  std::vector<GroupSpec> groups{{1, 1}};  // 1..16 groups
  // PBKDF2 runs 10000 << iteration_exponent times in all, 0..15.
  int iteration_exponent = 1;
  // Set: the identifier is not part of the encryption, so later share sets
  // of the same secret and passphrase can be made (the spec's default).
  bool extendable = true;
  // Drawn from the Env when unset; 15 bits. Set it only to remake a set
  // exactly (tests): two sets of one identifier cannot be told apart.
  std::optional<uint16_t> identifier;
};

// One share's mnemonic, words separated by single spaces, in locked memory.
using Mnemonic = vault::SecureBuffer;

// The text of a mnemonic, valid while `m` lives.
std::string_view MnemonicText(const Mnemonic& m);

// Splits `master_secret` as `options` say; the result has one vector of
// member shares per group, in group order. Randomness (identifier, share
// polynomials, digest salt) comes from `env`. The passphrase must be
// printable ASCII (may be empty). InvalidArgument names the bad parameter.
vault::Result<std::vector<std::vector<Mnemonic>>> Split(vault::Env& env,
                                                        const vault::SecureBuffer& master_secret,
                                                        std::span<const uint8_t> passphrase,
                                                        const SplitOptions& options);

// Combines shares into the master secret. Input is forgiving: any case,
// any whitespace between words, and a word's first four letters (or more)
// for the word. Errors name the share (its 1-based place in `shares`) and
// the word: an unknown word with a suggestion, a failed checksum, shares of
// different sets, a share given twice, and how many more shares are needed.
// InvalidArgument for bad input, FailedPrecondition for too few shares,
// Corruption when the shares fit together but their digest does not.
vault::Result<vault::SecureBuffer> Combine(std::span<const std::string_view> shares,
                                           std::span<const uint8_t> passphrase);

// What one share says about its set, without combining.
struct ShareInfo {
  uint16_t identifier = 0;
  bool extendable = false;
  int iteration_exponent = 0;
  int group_index = 0;  // 1-based
  int group_threshold = 0;
  int group_count = 0;
  int member_index = 0;  // 1-based
  int member_threshold = 0;
  size_t secret_bytes = 0;
};

// Reads one share (same forgiving rules and messages as Combine, as share 1).
vault::Result<ShareInfo> Inspect(std::string_view share);

// The share's one spelling (lower-case full words, single spaces), however
// it was typed; the same rules and messages as Inspect.
vault::Result<Mnemonic> Normalize(std::string_view share);

}  // namespace backup::slip39

#endif  // BATON_BACKUP_SLIP39_H_
