// Reading a secret (a passphrase, a password, an invite code) into locked
// memory: from the terminal with echo off, from a file, or from standard
// input. Never from argv. Shared by baton and batond.
#ifndef BATON_VAULT_SECRET_INPUT_H_
#define BATON_VAULT_SECRET_INPUT_H_

#include <istream>
#include <string>
#include <string_view>

#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault {

// Writes `prompt` to the controlling terminal (/dev/tty) and reads one line
// with echo off, without its line ending. Errors: FailedPrecondition when
// there is no terminal (the message suggests --passphrase-file),
// InvalidArgument for an empty line or one over 1,024 bytes (never cut short).
Result<SecureBuffer> ReadSecretFromTerminal(std::string_view prompt);

// A secret from the file at `path`, or from `in` when `path` is "-": the
// first line without its line ending (from `in`, at most 4,096 bytes:
// a longer line is refused, never cut short), or the whole file without its
// trailing line endings. The bytes never pass through a std::string.
// InvalidArgument when it is empty; the file's read errors as Env reports
// them.
Result<SecureBuffer> ReadSecretFile(Env& env, std::istream& in, const std::string& path);

}  // namespace vault

#endif  // BATON_VAULT_SECRET_INPUT_H_
