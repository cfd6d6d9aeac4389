#include "item_input.h"

#include <cstdio>

#include "cli/exit_codes.h"
#include "item_view.h"
#include "short_names.h"
#include "vault/generator.h"
#include "vault/rotation.h"
#include "vault/totp.h"

namespace cli {

SecureBuffer FromText(std::string_view s) { return SecureBuffer::CopyOf(crypto::AsBytes(s)); }

int Usage(Context& ctx, const std::string& message) {
  ctx.console.err << "baton: " << message << "\n";
  return kExitUsage;
}

// One line of stdin (for --password-stdin etc.), or a hidden prompt.
Result<SecureBuffer> ReadLine(Context& ctx) { return ReadSecretFile(ctx.env, ctx.console.in, "-"); }

// Backup codes: one per line, blank lines and surrounding spaces ignored.
Result<std::vector<SecureBuffer>> ReadBackupCodes(Context& ctx, const std::string& path) {
  auto raw = ReadSecretFile(ctx.env, ctx.console.in, path);
  if (!raw) return Fail(raw.error());
  std::vector<SecureBuffer> codes;
  const std::span<const uint8_t> all = raw->bytes();
  size_t start = 0;
  for (size_t i = 0; i <= all.size(); ++i) {
    if (i < all.size() && all[i] != '\n') continue;
    size_t b = start, e = i;
    while (b < e && (all[b] == ' ' || all[b] == '\t' || all[b] == '\r')) ++b;
    while (e > b && (all[e - 1] == ' ' || all[e - 1] == '\t' || all[e - 1] == '\r')) --e;
    if (e > b) codes.push_back(SecureBuffer::CopyOf(all.subspan(b, e - b)));
    start = i + 1;
  }
  if (codes.empty()) return Fail(Status::InvalidArgument(path + " holds no backup codes"));
  return codes;
}

Status ReadBackupCodesAndNotes(Context& ctx, const std::string& backup_codes_file,
                               const std::string& notes_file, envelope::ItemPayload& p) {
  if (!backup_codes_file.empty()) {
    auto codes = ReadBackupCodes(ctx, backup_codes_file);
    if (!codes) return codes.error();
    p.backup_codes = std::move(*codes);
  }
  if (!notes_file.empty()) {
    auto notes = ReadSecretFile(ctx.env, ctx.console.in, notes_file);
    if (!notes) return notes.error();
    p.notes = std::move(*notes);
  }
  return Status::OK();
}

// Reads an otpauth URI from stdin and checks it parses; the message of a
// malformed one names the problem, never the secret.
Result<SecureBuffer> ReadTotpUri(Context& ctx) {
  auto uri = ReadLine(ctx);
  if (!uri) return Fail(uri.error());
  if (auto p = vault::totp::ParseOtpauthUri(View(*uri)); !p) {
    return Fail(Status::InvalidArgument("the otpauth URI is malformed: " + p.error().message()));
  }
  return uri;
}

Result<SecureBuffer> GenerateDefaultPassword(Context& ctx) {
  const vault::gen::PasswordPolicy policy;
  auto pw = vault::gen::GeneratePassword(ctx.env, policy);
  if (!pw) return Fail(pw.error());
  auto bits = vault::gen::PasswordEntropyBits(policy);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", bits ? *bits : 0.0);
  ctx.console.err << "Generated a " << policy.length << "-character password (" << buf
                  << " bits of entropy).\n";
  return pw;
}

Result<SecureBuffer> ReadNewPassword(Context& ctx, bool generate, bool from_stdin,
                                     const std::string& prompt) {
  if (generate) return GenerateDefaultPassword(ctx);
  if (from_stdin) return ReadLine(ctx);
  return ctx.console.read_secret(prompt);
}

Status CheckChannel(const std::string& channel) {
  if (vault::ParseChannelType(channel)) return Status::OK();
  std::string names;
  for (auto t : vault::kAllChannelTypes) {
    names += (names.empty() ? "" : ", ") + std::string(vault::ToString(t));
  }
  return Status::InvalidArgument("unknown channel type \"" + channel + "\"; use one of " + names);
}

Status CheckName(const std::string& name) {
  if (name.empty() || name.size() > 200) {
    return Status::InvalidArgument("the item name must be 1 to 200 bytes");
  }
  return Status::OK();
}

Status CheckMeta(const MetaOptions& m) {
  if (m.name_given) {
    if (Status s = CheckName(m.name); !s.ok()) return s;
  }
  if (m.channel_given) {
    if (Status s = CheckChannel(m.channel); !s.ok()) return s;
  }
  if (m.period_given) return vault::ValidateRotationPeriod(std::chrono::days(m.period_days));
  return Status::OK();
}

}  // namespace cli
