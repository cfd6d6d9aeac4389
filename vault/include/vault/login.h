// The login protocol's signed message (DESIGN.md §5), shared by the client
// that signs it and the server that checks it.
#ifndef BATON_VAULT_LOGIN_H_
#define BATON_VAULT_LOGIN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "vault/crypto.h"

namespace vault {

// "baton.login.v1" NUL || server audit key || u8 len || member id || u8 len
// || nonce. Binding the server's key and the member means a signature made
// for one server or member cannot be replayed to another. Ids and nonces
// longer than 255 bytes are cut (the server never issues such).
std::vector<uint8_t> LoginMessage(const crypto::PublicKey& server_key, const std::string& member_id,
                                  const std::string& nonce);

}  // namespace vault

#endif  // BATON_VAULT_LOGIN_H_
