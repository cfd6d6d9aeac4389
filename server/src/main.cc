#include "server/main.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "vault/crypto.h"
#include "vault/hardening.h"

namespace server {

int Main(int argc, char** argv) {
  if (vault::Status s = vault::DisableCoreDumps(); !s.ok()) {
    std::cerr << "batond: " << s.ToString() << "\n";
    return 1;
  }
  if (vault::Status s = vault::crypto::Init(); !s.ok()) {
    std::cerr << "batond: " << s.ToString() << "\n";
    return 1;
  }
  CLI::App app{"batond: the baton server (HTTPS API, emergency access, audit log)", "batond"};
  app.set_version_flag("--version", "batond " BATON_VERSION);
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  std::cout << app.help();
  return 0;
}

}  // namespace server
