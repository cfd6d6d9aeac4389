// The program's I/O, passed to every command so tests can drive them.
#ifndef BATON_CLI_CONSOLE_H_
#define BATON_CLI_CONSOLE_H_

#include <functional>
#include <iostream>
#include <string>
#include <string_view>

#include "vault/env.h"
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

// Reads a secret from a file, or "-" for standard input: one line, without
// its line ending, into locked memory. Empty is InvalidArgument.
vault::Result<vault::SecureBuffer> ReadSecretFile(vault::Env& env, std::istream& in,
                                                  const std::string& path);

}  // namespace cli

#endif  // BATON_CLI_CONSOLE_H_
