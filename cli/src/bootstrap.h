// Entering the team roster from this client (SECURITY.md "Team roster"):
// the genesis `baton init` writes, the team commitment and invite key an
// invite code carries, and the pins a profile starts with.
#ifndef BATON_CLI_SRC_BOOTSTRAP_H_
#define BATON_CLI_SRC_BOOTSTRAP_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "api_client.h"
#include "cli/console.h"
#include "key_ops.h"
#include "vault/api_json.h"
#include "vault/env.h"
#include "vault/roster.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace cli {

inline constexpr size_t kTeamCommitmentBytes = 16;
inline constexpr size_t kInviteSecretBytes = 16;

// An invite code as `baton member invite` prints it: "<server code>.<64
// hex>", the hex being the first 16 bytes of the team id, then the invite
// secret. The server sees only the part before the dot. A code from batond
// (`init`, `invite-owner`) has no suffix.
struct InviteCode {
  vault::SecureBuffer server_code;
  bool has_suffix = false;
  std::array<uint8_t, kTeamCommitmentBytes> team_commitment{};
  vault::SecureBuffer invite_secret;
};
// InvalidArgument for a suffix that is not 64 hex digits, or an empty part.
vault::Result<InviteCode> SplitInviteCode(const vault::SecureBuffer& code);
// The code to give the invitee: `server_code` with the suffix.
std::string InviteCodeWithSuffix(std::string_view server_code, const vault::crypto::Hash& team_id,
                                 const vault::SecureBuffer& invite_secret);

// OK if `audit_key` (the profile's pinned one, or at init the one being
// pinned) signed the escrow key in `info`; UntrustedKey if the signature is
// wrong or if there is none (a server older than the roster).
vault::Status CheckEscrowKey(const vault::api::ServerInfo& info,
                             const vault::crypto::PublicKey& audit_key);

// What people compare before trusting keys: OK if `given` (the words
// passed with `flag`) equals `words`, or, when none were given, the person
// types "yes" on the terminal. Else UntrustedKey: the words differ, or
// there was no terminal to ask (the message names `flag`).
vault::Status ConfirmWords(Console& console, const std::string& words, const std::string& given,
                           std::string_view flag);

// The signer's clock for a statement.
int64_t StatementTime(vault::Env& env);
// `s`, encoded and signed with `keys`.
vault::Result<vault::roster::Entry> SignEntry(KeyOps& keys, const vault::roster::Statement& s);

// The server's whole roster, replayed: every entry is verified, and the
// page's size and head must be the ones the entries give (UntrustedKey).
vault::Result<vault::roster::State> FetchRoster(ApiClient& c);
// Applies `entries` to `state`, then appends them (POST /v1/roster); the
// server must answer with the head they give (else UntrustedKey).
vault::Status AppendToRoster(ApiClient& c, vault::roster::State& state,
                             std::span<const vault::roster::Entry> entries);

// Pins `state` in <profile dir>/pins.json (TeamTrust::PinReplayed).
vault::Status WriteFirstPins(vault::Env& env, const std::string& profile_dir,
                             const vault::roster::State& state);

}  // namespace cli

#endif  // BATON_CLI_SRC_BOOTSTRAP_H_
