// What commands do with the member's private keys, without ever holding the
// seed: sign a login or a team-roster statement (and nothing else: what the
// signing key vouches for is limited to those two domains, so a process that
// reaches the agent cannot have it sign any other statement), open a sealed
// box, and know the public keys. One implementation uses the identity
// unlocked in this process, the other asks the local agent (cli/src/agent.h);
// both refuse the same inputs.
#ifndef BATON_CLI_KEY_OPS_H_
#define BATON_CLI_KEY_OPS_H_

#include <algorithm>
#include <optional>
#include <string>

#include "vault/crypto.h"
#include "vault/identity.h"
#include "vault/login.h"
#include "vault/roster.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace cli {

// Whether `statement` may be signed as a roster statement: it starts with
// the roster's domain and is within its size bound. Only the prefix is
// checked; what the statement says is the roster's to judge.
inline bool IsRosterStatement(vault::crypto::ByteView statement) {
  const auto& domain = vault::roster::kStatementDomain;
  return statement.size() >= domain.size() &&
         statement.size() <= vault::roster::kMaxStatementBytes &&
         std::equal(domain.begin(), domain.end(), statement.begin());
}

// Whether a login message can be built from these without cutting them
// (vault/login.h cuts at 255 bytes).
inline bool IsLoginPart(const std::string& part) { return !part.empty() && part.size() <= 255; }

class KeyOps {
 public:
  virtual ~KeyOps() = default;

  virtual const vault::crypto::PublicKey& signing_public_key() const = 0;
  virtual const vault::crypto::PublicKey& box_public_key() const = 0;
  // Signs vault::LoginMessage(server_audit_key, member_id, nonce): the answer
  // to a server's login challenge. InvalidArgument if the member id or the
  // nonce is not IsLoginPart.
  vault::Result<vault::crypto::Signature> SignLogin(
      const vault::crypto::PublicKey& server_audit_key, const std::string& member_id,
      const std::string& nonce) {
    if (!IsLoginPart(member_id) || !IsLoginPart(nonce)) {
      return vault::Fail(vault::Status::InvalidArgument("not a login challenge"));
    }
    return DoSignLogin(server_audit_key, member_id, nonce);
  }
  // Signs a team-roster statement (vault/roster.h) and nothing else:
  // InvalidArgument unless IsRosterStatement(statement).
  vault::Result<vault::crypto::Signature> SignRosterStatement(vault::crypto::ByteView statement) {
    if (!IsRosterStatement(statement)) {
      return vault::Fail(vault::Status::InvalidArgument("not a roster statement"));
    }
    return DoSignRosterStatement(statement);
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

 protected:
  // The signatures, once the checks above passed.
  virtual vault::Result<vault::crypto::Signature> DoSignLogin(
      const vault::crypto::PublicKey& server_audit_key, const std::string& member_id,
      const std::string& nonce) = 0;
  virtual vault::Result<vault::crypto::Signature> DoSignRosterStatement(
      vault::crypto::ByteView statement) = 0;
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
  vault::Result<vault::SecureBuffer> OpenSealed(vault::crypto::ByteView sealed) override {
    return vault::crypto::OpenSealed(identity_.box(), sealed);
  }
  bool via_agent() const override { return false; }

 private:
  vault::Result<vault::crypto::Signature> DoSignLogin(
      const vault::crypto::PublicKey& server_audit_key, const std::string& member_id,
      const std::string& nonce) override {
    return vault::crypto::Sign(identity_.signing(),
                               vault::LoginMessage(server_audit_key, member_id, nonce));
  }
  vault::Result<vault::crypto::Signature> DoSignRosterStatement(
      vault::crypto::ByteView statement) override {
    return vault::crypto::Sign(identity_.signing(), statement);
  }

  const vault::Identity& identity_;
};

}  // namespace cli

#endif  // BATON_CLI_KEY_OPS_H_
