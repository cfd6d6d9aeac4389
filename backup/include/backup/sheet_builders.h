// The three sheets of DESIGN.md §9, built from plain inputs into a Sheet
// (backup/sheet.h): a custodian's recovery share, the owners' break-glass
// sheet of logins, and the server sheet. Names may be any UTF-8 without
// control characters; a builder rejects bad input with InvalidArgument
// naming the field (never quoting a secret).
#ifndef BATON_BACKUP_SHEET_BUILDERS_H_
#define BATON_BACKUP_SHEET_BUILDERS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backup/sheet.h"
#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::sheet {

struct ShareSheetInput {
  std::string team;
  std::string custodian;
  int share_number = 1;  // 1-based, of share_count
  int share_count = 1;   // 1..16
  int threshold = 1;     // shares that recover, 1..share_count
  // The share's SLIP-39 words (a view; copied into the sheet's locked memory).
  std::string_view mnemonic;
  std::string recovery_fingerprint;  // the recovery key's fingerprint words
  vault::TimePoint date;
  std::vector<std::string> other_custodians;  // names only
};
[[nodiscard]] vault::Result<Sheet> BuildShareSheet(const ShareSheetInput& in, Language language);

struct Channel {
  std::string service;
  std::string login;
  Text password;
  Text totp_uri;              // otpauth://totp/...; empty when the channel has none
  Text backup_codes;          // one per line or space-separated; may be empty
  std::string last_rotation;  // a date; empty when never rotated
};

struct BreakGlassInput {
  std::string team;
  vault::TimePoint printed;
  std::string vault_fingerprint;  // VaultStateFingerprint()
  std::vector<Channel> channels;
};
// Takes the channels' secrets. InvalidArgument naming the channel when its
// TOTP URI does not parse (vault/totp.h), since a phone could not scan it.
[[nodiscard]] vault::Result<Sheet> BuildBreakGlassSheet(BreakGlassInput in, Language language);

struct ServerSheetInput {
  std::string team;
  std::string url;
  std::string tls_fingerprint;
  std::string audit_fingerprint;
  std::string backup_location;
  vault::TimePoint printed;
};
[[nodiscard]] vault::Result<Sheet> BuildServerSheet(const ServerSheetInput& in, Language language);

// A short fingerprint of the vault state a break-glass sheet was printed
// from: BLAKE2b-256 over the (id, version) pairs sorted by id, its first 8
// bytes as 16 hex digits in groups of four ("1a2b-3c4d-5e6f-7a8b"). Any
// item added, removed or changed gives another fingerprint.
struct ItemVersion {
  std::string id;
  int64_t version = 0;
};
std::string VaultStateFingerprint(std::vector<ItemVersion> items);

enum class Format { kPdf, kText };
struct OutputOptions {
  Format format = Format::kPdf;
  PdfOptions pdf;
};
// RenderPdf() or RenderText() as `options` say.
[[nodiscard]] vault::Result<vault::SecureBuffer> RenderSheet(const Sheet& sheet,
                                                             const OutputOptions& options);

// One share sheet per custodian, for `baton recovery setup --print` and
// `baton sheet share`. shares[i] belongs to custodians[i].
struct ShareSetInput {
  std::string team;
  std::string recovery_fingerprint;
  vault::TimePoint date;
  int threshold = 1;
  std::vector<std::string> custodians;
  std::span<const vault::SecureBuffer> shares;  // each a mnemonic's text
};
// Renders every sheet first, then writes "share-<i>-of-<n>.pdf" (or .txt)
// into `out_dir`, each 0600 and atomically; returns the paths. On any error
// nothing is left behind: sheets already written are removed.
[[nodiscard]] vault::Result<std::vector<std::string>> WriteShareSheets(vault::Env& env,
                                                                       const ShareSetInput& in,
                                                                       Language language,
                                                                       const OutputOptions& options,
                                                                       const std::string& out_dir);

}  // namespace backup::sheet

#endif  // BATON_BACKUP_SHEET_BUILDERS_H_
