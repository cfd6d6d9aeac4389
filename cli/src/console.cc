#include "cli/console.h"

#include "vault/secret_input.h"

namespace cli {

Console StandardConsole() {
  return Console{std::cin, std::cout, std::cerr, vault::ReadSecretFromTerminal};
}

}  // namespace cli
