#include "bootstrap.h"

#include "trust.h"

#include <nlohmann/json.hpp>

#include "vault/api_json_roster.h"

namespace cli {

using vault::Fail;
using vault::Status;
namespace crypto = vault::crypto;
namespace roster = vault::roster;

namespace {

int HexDigit(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex into `out` without a copy outside locked memory.
bool DecodeHex(std::span<const uint8_t> hex, std::span<uint8_t> out) {
  if (hex.size() != 2 * out.size()) return false;
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexDigit(hex[2 * i]), lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return true;
}

}  // namespace

vault::Result<InviteCode> SplitInviteCode(const vault::SecureBuffer& code) {
  const auto bytes = code.bytes();
  const Status bad = Status::InvalidArgument(
      "that is not an invite code: it is the code batond printed, or CODE.HEX as `baton member "
      "invite` printed it");
  size_t dot = bytes.size();
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '.') dot = i;
  }
  InviteCode out;
  out.server_code = vault::SecureBuffer::CopyOf(bytes.first(dot));
  if (out.server_code.empty()) return Fail(bad);
  if (dot == bytes.size()) return out;
  const auto suffix = bytes.subspan(dot + 1);
  out.has_suffix = true;
  out.invite_secret = vault::SecureBuffer(kInviteSecretBytes);
  if (suffix.size() != 2 * (kTeamCommitmentBytes + kInviteSecretBytes) ||
      !DecodeHex(suffix.first(2 * kTeamCommitmentBytes), out.team_commitment) ||
      !DecodeHex(suffix.subspan(2 * kTeamCommitmentBytes), out.invite_secret.bytes())) {
    return Fail(bad);
  }
  return out;
}

std::string InviteCodeWithSuffix(std::string_view server_code, const crypto::Hash& team_id,
                                 const vault::SecureBuffer& invite_secret) {
  return std::string(server_code) + "." +
         crypto::ToHex(std::span(team_id).first(kTeamCommitmentBytes)) +
         crypto::ToHex(invite_secret.bytes());
}

Status CheckEscrowKey(const vault::api::ServerInfo& info, const crypto::PublicKey& audit_key) {
  if (!info.escrow_key_signature) {
    return Status::UntrustedKey(
        "the server does not sign its escrow key with its audit key; nothing was done");
  }
  if (!crypto::Verify(audit_key, vault::api::EscrowKeyMessage(info.escrow_public_key),
                      *info.escrow_key_signature)
           .ok()) {
    return Status::UntrustedKey(
        "the server's escrow key is not signed by the server's audit key; nothing was done");
  }
  return Status::OK();
}

Status ConfirmWords(Console& console, const std::string& words, const std::string& given,
                    std::string_view flag) {
  if (!given.empty()) {
    if (crypto::ConstantTimeEqual(crypto::AsBytes(given), crypto::AsBytes(words))) {
      return Status::OK();
    }
    return Status::UntrustedKey("the fingerprint words differ from the ones given with " +
                                std::string(flag) + "; nothing was trusted");
  }
  auto answer = console.read_secret("Type yes if they match: ");
  if (!answer) {
    return Status::UntrustedKey(
        "no terminal to confirm the fingerprint words; compare them and "
        "pass them with " +
        std::string(flag) + " \"words\"");
  }
  if (!crypto::ConstantTimeEqual(answer->bytes(), crypto::AsBytes("yes"))) {
    return Status::UntrustedKey("not confirmed; nothing was trusted");
  }
  return Status::OK();
}

int64_t StatementTime(vault::Env& env) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(env.Now().time_since_epoch())
      .count();
}

vault::Result<roster::Entry> SignEntry(KeyOps& keys, const roster::Statement& s) {
  roster::Entry e;
  e.statement = roster::Encode(s);
  auto sig = keys.SignRosterStatement(e.statement);
  if (!sig) return Fail(sig.error());
  e.signature = *sig;
  return e;
}

vault::Result<roster::State> FetchRoster(ApiClient& c) {
  auto page = c.Get("/v1/roster?from=0", &vault::api::RosterPageFromJson);
  if (!page) return Fail(page.error());
  auto state = roster::Replay(page->entries);
  if (!state) return Fail(state.error());
  if (state->size != page->size || state->head != page->head ||
      (state->size > 0 && state->team_id != page->team_id)) {
    return Fail(Status::UntrustedKey(
        "the server's roster head is not the one its entries give: it cannot be trusted"));
  }
  return state;
}

Status AppendToRoster(ApiClient& c, roster::State& state, std::span<const roster::Entry> entries) {
  roster::State next = state;
  for (const auto& e : entries) {
    if (Status s = roster::Apply(next, e); !s.ok()) return s;
  }
  auto answer = c.Send("POST", "/v1/roster",
                       nlohmann::json{{"entries", vault::api::RosterEntriesToJson(entries)}},
                       &vault::api::RosterAppendAnswerFromJson);
  if (!answer) return answer.error();
  if (answer->size != next.size || answer->head != next.head) {
    return Status::UntrustedKey("the server's roster after our statement is not the one we signed");
  }
  state = std::move(next);
  return Status::OK();
}

Status WriteFirstPins(vault::Env& env, const std::string& profile_dir, const roster::State& state) {
  auto trust = TeamTrust::Load(env, profile_dir);
  if (!trust) return trust.error();
  return (*trust)->PinReplayed(state);
}

}  // namespace cli
