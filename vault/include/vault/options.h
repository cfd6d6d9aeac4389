// How a store or a local database is opened.
#ifndef BATON_VAULT_OPTIONS_H_
#define BATON_VAULT_OPTIONS_H_

#include "vault/env.h"
#include "vault/secure_buffer.h"

namespace vault {

enum class OpenMode {
  kOpenExisting,  // NotFound if there is no file
  kCreateNew,     // AlreadyExists if there is one: never overwrites
};

struct Options {
  // Randomness and the clock; null: Env::Default(). SQLite does its own file
  // I/O on the real file system.
  Env* env = nullptr;
  // The raw 32-byte key (SQLCipher's passphrase KDF is never used). Read
  // during Open only: the caller keeps ownership.
  const SecureBuffer* key = nullptr;
  OpenMode mode = OpenMode::kOpenExisting;
};

}  // namespace vault

#endif  // BATON_VAULT_OPTIONS_H_
