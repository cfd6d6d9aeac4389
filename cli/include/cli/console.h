// The program's I/O, passed to every command so tests can drive them.
#ifndef BATON_CLI_CONSOLE_H_
#define BATON_CLI_CONSOLE_H_

#include <functional>
#include <iostream>
#include <string>
#include <string_view>

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

// A secret from a file, or "-" for standard input (vault/secret_input.h).
using vault::ReadSecretFile;

}  // namespace cli

#endif  // BATON_CLI_CONSOLE_H_
