// Entry point of baton, kept in the library so tests can drive it.
#ifndef BATON_CLI_MAIN_H_
#define BATON_CLI_MAIN_H_

#include <map>
#include <string>

#include "cli/console.h"
#include "vault/env.h"

namespace cli {

// Parses arguments, runs the requested command, returns the exit code.
int Main(int argc, char** argv);

// The same with the I/O, environment and variables passed in (for tests).
int Run(Console& console, vault::Env& env, const std::map<std::string, std::string>& environ,
        int argc, char** argv);

}  // namespace cli

#endif  // BATON_CLI_MAIN_H_
