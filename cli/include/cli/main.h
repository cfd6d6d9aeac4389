// Entry point of baton, kept in the library so tests can drive it.
#ifndef BATON_CLI_MAIN_H_
#define BATON_CLI_MAIN_H_

namespace cli {

// Parses arguments, runs the requested command, returns the exit code.
int Main(int argc, char** argv);

}  // namespace cli

#endif  // BATON_CLI_MAIN_H_
