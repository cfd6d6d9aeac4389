// A minimal age command over libbackup, so bench/age_bench.sh can time it
// beside the Debian `age` binary on the same files:
//   age_tool encrypt RECIPIENT [--armor] < plain > file.age
//   age_tool decrypt IDENTITY_FILE       < file.age > plain
// The identity file is age-keygen's format (comment lines, then the key).
#include <sodium.h>

#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "backup/age.h"
#include "vault/crypto.h"
#include "vault/env.h"

namespace {

namespace age = backup::age;

int Usage() {
  std::cerr << "usage: age_tool encrypt RECIPIENT [--armor] | decrypt IDENTITY_FILE\n";
  return 2;
}

int Report(const vault::Status& s) {
  if (s.ok()) return 0;
  std::cerr << "age_tool: " << s.ToString() << "\n";
  return 1;
}

vault::Result<age::Identity> ReadIdentity(const char* path) {
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    if (line.starts_with("AGE-SECRET-KEY-1")) {
      auto id = age::Identity::Parse(line);
      sodium_memzero(line.data(), line.size());
      return id;
    }
  }
  return vault::Fail(vault::Status::NotFound("no AGE-SECRET-KEY-1 line in the identity file"));
}

}  // namespace

int main(int argc, char** argv) {
  if (!vault::crypto::Init().ok() || argc < 3) return Usage();
  std::ios::sync_with_stdio(false);
  const std::string_view command = argv[1];
  if (command == "encrypt") {
    auto to = age::Recipient::Parse(argv[2]);
    if (!to) return Report(to.error());
    const bool armor = argc > 3 && std::string_view(argv[3]) == "--armor";
    return Report(age::Encrypt(vault::Env::Default(), std::span(&*to, 1), std::cin, std::cout,
                               {.armor = armor}));
  }
  if (command == "decrypt") {
    auto id = ReadIdentity(argv[2]);
    if (!id) return Report(id.error());
    return Report(age::Decrypt(std::span(&*id, 1), std::cin, std::cout));
  }
  return Usage();
}
