// The program's I/O, passed to every command so tests can drive them.
#ifndef BATON_CLI_CONSOLE_H_
#define BATON_CLI_CONSOLE_H_

#include <functional>
#include <initializer_list>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "vault/env.h"
#include "vault/secret_input.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace cli {

struct Console {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  // Reads a secret with echo off from the terminal (never from argv).
  std::function<vault::Result<vault::SecureBuffer>(std::string_view prompt)> read_secret;
};

// A Console on std::cin/cout/cerr whose read_secret uses /dev/tty with echo
// off; fails with FailedPrecondition when there is no terminal.
Console StandardConsole();

// `text` as it may be shown on a terminal when it came from someone else (a
// name, a reason, anything the server relays): C0 controls (tab and newline
// too), DEL, C1 controls, the bidi controls and marks, the line and
// paragraph separators and bytes that are not UTF-8 become visible "\x1b" /
// "\u{202e}" text, so that nobody can move the cursor, retitle the window,
// clear the screen or reorder what an admin reads before deciding. A
// backslash is doubled, so no text can pass for an escape. Printable UTF-8
// is unchanged.
std::string Printable(std::string_view text);
// The same escapes written to `out` with no copy of `text` (a secret shown
// with --show stays in locked memory), except that a backslash is kept as
// it is: a generated password may contain one, and people copy what they
// see.
void WritePrintable(std::ostream& out, std::string_view text);

// `word` as a POSIX shell reads it back: unchanged when it is made only of
// characters no shell treats specially, else in single quotes (a quote
// inside as '"'"'), so that a name with a space or a `$` survives a paste.
std::string ShellQuote(std::string_view word);
// A baton command line for the user to copy and run: "baton", then
// `--profile PROFILE` unless it is the default one (a pasted command must
// reach the same server as the one that printed it), then `args`, each
// ShellQuote'd and shown as Printable shows text, except that a backslash
// is kept: inside single quotes it is the name's own backslash.
std::string BatonCommand(std::string_view profile, std::initializer_list<std::string_view> args);
// The same for arguments that arrive as a list (a server's suggestion).
std::string BatonCommand(std::string_view profile, const std::vector<std::string>& args);

// A secret from a file, or "-" for standard input (vault/secret_input.h).
using vault::ReadSecretFile;

}  // namespace cli

#endif  // BATON_CLI_CONSOLE_H_
