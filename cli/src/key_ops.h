// What commands do with the member's private keys, without ever holding the
// seed: sign a message, open a sealed box, and know the public keys. One
// implementation uses the identity unlocked in this process, the other asks
// the local agent (cli/src/agent.h).
#ifndef BATON_CLI_KEY_OPS_H_
#define BATON_CLI_KEY_OPS_H_

#include <algorithm>
#include <optional>
#include <string>

#include "vault/crypto.h"
#include "vault/identity.h"
#include "vault/roster.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace cli {

class KeyOps {
 public:
  virtual ~KeyOps() = default;

  virtual const vault::crypto::PublicKey& signing_public_key() const = 0;
  virtual const vault::crypto::PublicKey& box_public_key() const = 0;
  // Ed25519 signature of `message` with the member's signing key.
  virtual vault::Result<vault::crypto::Signature> Sign(vault::crypto::ByteView message) = 0;
  // Signs a team-roster statement (vault/roster.h) and nothing else: bytes
  // that do not start with the roster's domain are refused.
  vault::Result<vault::crypto::Signature> SignRosterStatement(vault::crypto::ByteView statement) {
    const auto& domain = vault::roster::kStatementDomain;
    if (statement.size() < domain.size() || statement.size() > vault::roster::kMaxStatementBytes ||
        !std::equal(domain.begin(), domain.end(), statement.begin())) {
      return vault::Fail(vault::Status::InvalidArgument("not a roster statement"));
    }
    return Sign(statement);
  }
  // crypto::OpenSealed with the member's box key: Corruption if it does not open.
  virtual vault::Result<vault::SecureBuffer> OpenSealed(vault::crypto::ByteView sealed) = 0;
  // True if the keys live in the local agent rather than in this process.
  virtual bool via_agent() const = 0;

  // A session token kept beside the keys for `server` (its URL and
  // certificate fingerprint), so that later commands need not sign in
  // again. Only the agent keeps one: it outlives this process. Best effort:
  // nullopt if none (or the agent cannot be asked).
  virtual std::optional<std::string> HeldSession(const std::string& /*server*/) {
    return std::nullopt;
  }
  virtual void HoldSession(const std::string& /*server*/, const std::string& /*token*/) {}
  virtual void DropSession(const std::string& /*server*/) {}
};

// KeyOps on an identity this process holds. `identity` must outlive it.
class IdentityKeys final : public KeyOps {
 public:
  explicit IdentityKeys(const vault::Identity& identity) : identity_(identity) {}

  const vault::crypto::PublicKey& signing_public_key() const override {
    return identity_.signing_public_key();
  }
  const vault::crypto::PublicKey& box_public_key() const override {
    return identity_.box_public_key();
  }
  vault::Result<vault::crypto::Signature> Sign(vault::crypto::ByteView message) override {
    return vault::crypto::Sign(identity_.signing(), message);
  }
  vault::Result<vault::SecureBuffer> OpenSealed(vault::crypto::ByteView sealed) override {
    return vault::crypto::OpenSealed(identity_.box(), sealed);
  }
  bool via_agent() const override { return false; }

 private:
  const vault::Identity& identity_;
};

}  // namespace cli

#endif  // BATON_CLI_KEY_OPS_H_
