// The recovery secret as people bring it on the day the server is gone:
// SLIP-39 shares typed one by one at a prompt, a file of shares, or an age
// identity file. Shared by `batond restore` and `baton recover`, so both
// accept the same input and say the same things about it.
#ifndef BATON_BACKUP_SHARE_INPUT_H_
#define BATON_BACKUP_SHARE_INPUT_H_

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "backup/age.h"
#include "backup/recovery_key.h"
#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::recovery {

// Reads one secret line with echo off (a share); an error ends the prompting.
using SecretReader = std::function<vault::Result<vault::SecureBuffer>(std::string_view prompt)>;

// Where the recovery secret comes from. With neither file, shares are read
// from the prompt.
struct UnlockSource {
  std::string identity_file = {};  // an age identity file (age-keygen's format)
  std::string shares_file = {};    // shares, one per line or separated by blank lines
};

// What the input unlocked. From shares: the recovery keys and their age
// identity; from an identity file: only the age identity (it opens backups
// and exports, not the sealed collection keys of a vault).
struct Unlocked {
  std::optional<RecoveryKeys> keys;
  std::optional<age::Identity> identity;
};

// The identity in an age identity file (comment lines and one
// "AGE-SECRET-KEY-1…" line). InvalidArgument when it holds none; the message
// never quotes the file.
vault::Result<age::Identity> ReadIdentityFile(vault::Env& env, const std::string& path);

// The master secret from the shares in `text`: shares separated by blank
// lines (a share may then span lines), or else one share per line; lines
// starting with '#' are comments. Combine's errors, with the share's place
// in the file.
vault::Result<vault::SecureBuffer> CombineSharesText(const vault::SecureBuffer& text);

// Asks for shares one at a time until they combine. After each, `status`
// gets "share 2 accepted; 1 more needed", or the share's precise error
// (unknown word, checksum, another set, given twice) and the same share is
// asked for again. A reader error ends it with that error; Corruption when
// enough shares were given but they do not fit together.
vault::Result<vault::SecureBuffer> PromptShares(const SecretReader& read, std::ostream& status);

// The recovery keys and their age identity from a master secret.
vault::Result<Unlocked> UnlockWithMasterSecret(const vault::SecureBuffer& master_secret);

// Reads the identity file, else the shares file, else prompts (`read`,
// `status`) for shares.
vault::Result<Unlocked> Unlock(vault::Env& env, const UnlockSource& source,
                               const SecretReader& read, std::ostream& status);

}  // namespace backup::recovery

#endif  // BATON_BACKUP_SHARE_INPUT_H_
