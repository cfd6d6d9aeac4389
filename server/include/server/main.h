// Entry point of batond, kept in the library so tests can drive it.
#ifndef BATON_SERVER_MAIN_H_
#define BATON_SERVER_MAIN_H_

namespace server {

// Parses arguments, runs the requested command, returns the exit code.
int Main(int argc, char** argv);

}  // namespace server

#endif  // BATON_SERVER_MAIN_H_
