// sheet: printable sheets (backup/sheet_builders.h). A custodian's share
// sheet and the server sheet need no secrets from the server; the
// break-glass sheet decrypts every item the owner can read, so the server
// must accept it first (POST /v1/sheets: owners only, audited), and `sheet
// check` says whether a printed one still matches the vault.
#include <CLI/CLI.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backup/sheet_builders.h"
#include "backup/slip39.h"
#include "cli/exit_codes.h"
#include "item_ops.h"
#include "vault/crypto.h"
#include "vault/time_format.h"

namespace cli {
namespace {

namespace sheet = backup::sheet;

struct SheetFlags {
  std::string lang = "en";
  std::string paper = "a4";
  bool text = false;
  std::string out;
  bool to_stdout = false;
  std::string team;
};

void AddSheetFlags(CLI::App* cmd, SheetFlags& f) {
  cmd->add_option("--team", f.team, "Team name printed on the sheet")->required();
  cmd->add_option("--lang", f.lang, "Language of the sheet: en, fi or et");
  cmd->add_option("--paper", f.paper, "Paper size of the PDF: a4 or letter");
  cmd->add_flag("--text", f.text, "Plain text instead of PDF");
  auto* out = cmd->add_option("--out", f.out, "File to write the sheet to (mode 0600)");
  auto* to_stdout = cmd->add_flag("--stdout", f.to_stdout,
                                  "Write the sheet to standard output, e.g. to a printer");
  out->excludes(to_stdout);
}

struct SheetOutput {
  sheet::Language language = sheet::Language::kEn;
  sheet::OutputOptions options;
};

// Checked before any work, so a bad flag leaves nothing behind.
vault::Result<SheetOutput> ParseSheetFlags(const SheetFlags& f) {
  if (f.out.empty() && !f.to_stdout) {
    return std::unexpected(vault::Status::InvalidArgument("give --out FILE or --stdout"));
  }
  SheetOutput o;
  auto language = sheet::ParseLanguage(f.lang);
  if (!language) return std::unexpected(language.error());
  auto paper = sheet::ParsePaper(f.paper);
  if (!paper) return std::unexpected(paper.error());
  o.language = *language;
  o.options.pdf.paper = *paper;
  o.options.format = f.text ? sheet::Format::kText : sheet::Format::kPdf;
  return o;
}

int EmitSheet(Context& ctx, const SheetFlags& f, const SheetOutput& o,
              vault::Result<sheet::Sheet> built) {
  if (!built) return ctx.Fail(built.error());
  auto bytes = sheet::RenderSheet(*built, o.options);
  if (!bytes) return ctx.Fail(bytes.error());
  const std::string_view view = sheet::TextView(*bytes);
  if (f.to_stdout) {
    if (o.options.format == sheet::Format::kPdf) {
      ctx.console.out.write(view.data(), static_cast<std::streamsize>(view.size()));
    } else {
      // Names on the sheet came from other people: shown as a terminal may
      // show them, line by line.
      for (size_t start = 0; start < view.size();) {
        size_t end = view.find('\n', start);
        if (end == std::string_view::npos) end = view.size();
        WritePrintable(ctx.console.out, view.substr(start, end - start));
        ctx.console.out << "\n";
        start = end + 1;
      }
    }
    ctx.console.out.flush();
    return kExitOk;
  }
  if (vault::Status s = sheet::WriteSheetFile(ctx.env, f.out, *bytes); !s.ok()) return ctx.Fail(s);
  ctx.console.err << "Wrote " << Printable(f.out) << " (mode 0600).\n";
  return kExitOk;
}

struct ShareFlags {
  std::string share_file;
  std::string custodian;
  int shares = 0;
  std::string fingerprint;
  std::vector<std::string> others;
};

int ShareSheet(Context& ctx, const SheetFlags& f, const ShareFlags& s) {
  auto o = ParseSheetFlags(f);
  if (!o) return ctx.Fail(o.error());
  auto words = ReadSecretFile(ctx.env, ctx.console.in, s.share_file);
  if (!words) return ctx.Fail(words.error());
  const std::string_view mnemonic = sheet::TextView(*words);
  auto info = backup::slip39::Inspect(mnemonic);
  if (!info) return ctx.Fail(info.error());
  sheet::ShareSheetInput in;
  in.team = f.team;
  in.custodian = s.custodian;
  in.share_number = info->member_index;
  in.share_count = s.shares;
  in.threshold = info->member_threshold;
  in.mnemonic = mnemonic;
  in.recovery_fingerprint = s.fingerprint;
  in.date = ctx.env.Now();
  in.other_custodians = s.others;
  return EmitSheet(ctx, f, *o, sheet::BuildShareSheet(in, o->language));
}

std::vector<sheet::ItemVersion> ItemVersions(const std::vector<nlohmann::json>& items) {
  std::vector<sheet::ItemVersion> out;
  for (const nlohmann::json& item : items) {
    out.push_back({item.value("id", ""), item.value("version", int64_t{0})});
  }
  return out;
}

// One code a line, in locked memory like the codes themselves.
vault::SecureBuffer JoinedCodes(const std::vector<vault::SecureBuffer>& codes) {
  size_t total = 0;
  for (const vault::SecureBuffer& code : codes) total += code.size() + 1;
  vault::SecureBuffer joined(total == 0 ? 0 : total - 1);
  size_t at = 0;
  for (const vault::SecureBuffer& code : codes) {
    if (at > 0) joined.data()[at++] = '\n';
    if (!code.empty()) std::memcpy(joined.data() + at, code.data(), code.size());
    at += code.size();
  }
  return joined;
}

int BreakGlassSheet(Context& ctx, const SheetFlags& f) {
  auto o = ParseSheetFlags(f);
  if (!o) return ctx.Fail(o.error());
  auto client = ctx.client();
  if (!client) return ctx.Fail(client.error());
  auto items = ListItemMeta(ctx, "");
  if (!items) return ctx.Fail(items.error());
  sheet::BreakGlassInput in;
  in.team = f.team;
  in.printed = ctx.env.Now();
  in.vault_fingerprint = sheet::VaultStateFingerprint(ItemVersions(*items));
  // Asked before anything is decrypted: only owners may print one, and the
  // audit log records it with the state it shows.
  auto allowed = (*client)->Call("POST", "/v1/sheets",
                                 nlohmann::json{{"kind", "breakglass"},
                                                {"fingerprint", in.vault_fingerprint},
                                                {"items", static_cast<int64_t>(items->size())}});
  if (!allowed) return ctx.Fail(allowed.error());
  for (const nlohmann::json& meta : *items) {
    auto item = FetchItem(ctx, meta.value("id", ""));
    if (!item) return ctx.Fail(item.error());
    sheet::Channel c;
    c.service = meta.value("name", "") + " (" + meta.value("collection", "") + ")";
    c.login = std::string(sheet::TextView(item->payload.username));
    c.password = std::move(item->payload.password);
    c.totp_uri = std::move(item->payload.totp_uri);
    c.backup_codes = JoinedCodes(item->payload.backup_codes);
    const int64_t rotated = meta.value("last_rotated_ms", int64_t{0});
    if (rotated > 0) c.last_rotation = vault::FormatUtc(rotated, vault::UtcFormat::kDate);
    in.channels.push_back(std::move(c));
  }
  return EmitSheet(ctx, f, *o, sheet::BuildBreakGlassSheet(std::move(in), o->language));
}

int ServerSheet(Context& ctx, const SheetFlags& f, const std::string& backups) {
  auto o = ParseSheetFlags(f);
  if (!o) return ctx.Fail(o.error());
  auto profile = ctx.profile();
  if (!profile) return ctx.Fail(profile.error());
  sheet::ServerSheetInput in;
  in.team = f.team;
  in.url = (*profile)->server_url;
  in.tls_fingerprint = (*profile)->fingerprint;
  in.audit_fingerprint = vault::crypto::ToHex((*profile)->server_audit_key);
  in.backup_location = backups;
  in.printed = ctx.env.Now();
  return EmitSheet(ctx, f, *o, sheet::BuildServerSheet(in, o->language));
}

int CheckSheet(Context& ctx, const std::string& fingerprint) {
  auto items = ListItemMeta(ctx, "");
  if (!items) return ctx.Fail(items.error());
  const std::string now = sheet::VaultStateFingerprint(ItemVersions(*items));
  if (now == fingerprint) {
    ctx.console.out << "current: the vault is as the sheet shows it (" << now << ")\n";
    return kExitOk;
  }
  ctx.console.out << "stale: the vault changed since the sheet was printed (now " << now
                  << "); print a new one and shred the old\n";
  return kExitAttention;
}

}  // namespace

void RegisterSheetCommands(CLI::App& app, Context& ctx) {
  auto* group = app.add_subcommand("sheet", "Printable recovery, break-glass and server sheets");
  group->require_subcommand(1);

  auto share_flags = std::make_shared<SheetFlags>();
  auto share = std::make_shared<ShareFlags>();
  auto* cmd = group->add_subcommand("share", "A custodian's recovery share sheet");
  cmd->add_option("--share-file", share->share_file, "File with the share's words (- for stdin)")
      ->required();
  cmd->add_option("--custodian", share->custodian, "The custodian's name")->required();
  cmd->add_option("--shares", share->shares, "How many shares the set has")->required();
  cmd->add_option("--fingerprint", share->fingerprint, "The recovery key's fingerprint words")
      ->required();
  cmd->add_option("--other", share->others, "Another custodian's name (repeat for each)");
  AddSheetFlags(cmd, *share_flags);
  cmd->callback(
      [&ctx, share_flags, share] { ctx.exit_code = ShareSheet(ctx, *share_flags, *share); });

  auto glass_flags = std::make_shared<SheetFlags>();
  cmd = group->add_subcommand("breakglass",
                              "Every login you can read on paper (owners only; audited)");
  AddSheetFlags(cmd, *glass_flags);
  cmd->callback([&ctx, glass_flags] { ctx.exit_code = BreakGlassSheet(ctx, *glass_flags); });

  auto server_flags = std::make_shared<SheetFlags>();
  auto backups = std::make_shared<std::string>();
  cmd = group->add_subcommand("server", "The server's address, fingerprints and restore steps");
  cmd->add_option("--backups", *backups, "Where the server's backups are kept")->required();
  AddSheetFlags(cmd, *server_flags);
  cmd->callback(
      [&ctx, server_flags, backups] { ctx.exit_code = ServerSheet(ctx, *server_flags, *backups); });

  auto fingerprint = std::make_shared<std::string>();
  cmd = group->add_subcommand("check", "Whether a break-glass sheet is current (exit 10: stale)");
  cmd->add_option("fingerprint", *fingerprint, "The vault state printed on the sheet")->required();
  cmd->callback([&ctx, fingerprint] { ctx.exit_code = CheckSheet(ctx, *fingerprint); });
}

}  // namespace cli
