// The short names the client's source files use for the vault library's
// everyday types. The client's headers are internal to the baton binary, so
// these may live in namespace cli.
#ifndef BATON_CLI_SRC_SHORT_NAMES_H_
#define BATON_CLI_SRC_SHORT_NAMES_H_

#include <nlohmann/json.hpp>

#include "vault/crypto.h"
#include "vault/envelope.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace cli {

using nlohmann::json;
using vault::Fail;
using vault::Result;
using vault::SecureBuffer;
using vault::Status;
namespace crypto = vault::crypto;
namespace envelope = vault::envelope;

}  // namespace cli

#endif  // BATON_CLI_SRC_SHORT_NAMES_H_
