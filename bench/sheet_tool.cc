// Renders sample sheets from made-up data, for bench/sheet_bench.sh and
// scripts/render_sheet_previews:
//
//   sheet_tool breakglass CHANNELS LANG PAPER OUT      one break-glass sheet
//   sheet_tool shares COUNT LANG PAPER OUTDIR          a set of share sheets
//   sheet_tool server LANG PAPER OUT                   the server sheet
//   sheet_tool payloads breakglass|shares N OUTDIR     the QR payloads of
//                                                      either, one file each
//
// OUT ending in .txt gives the text rendering. The data is made up, but the
// shares are real SLIP-39 shares of a random secret.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "backup/recovery_key.h"
#include "backup/sheet_builders.h"
#include "backup/slip39.h"

namespace {

namespace sheet = backup::sheet;

std::string DemoSecret(int i) {
  std::string secret;
  for (int k = 0; k < 32; ++k) secret += "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(i * 11 + k * 5) % 32];
  return secret;
}

sheet::BreakGlassInput DemoBreakGlass(int channels, vault::Env& env) {
  static const char* const kServices[] = {"Facebook", "Instagram", "TikTok", "LinkedIn",
                                          "YouTube",  "Mastodon",  "X",      "Google Workspace"};
  sheet::BreakGlassInput in;
  in.team = "Kärkkäinen & Õunapuu Oy";
  in.printed = env.Now();
  std::vector<sheet::ItemVersion> versions;
  for (int i = 0; i < channels; ++i) {
    sheet::Channel c;
    c.service = std::string(kServices[i % 8]) + " — Järvenpää " + std::to_string(i + 1);
    c.login = "viestinta" + std::to_string(i + 1) + "@kärkkäinen.fi";
    c.password = sheet::MakeText("Zq7-vörk-" + std::to_string(1000 + i * 37) + "-Šž!");
    c.totp_uri = sheet::MakeText("otpauth://totp/Baton:viestinta" + std::to_string(i + 1) +
                                 "?secret=" + DemoSecret(i) + "&issuer=Baton");
    c.backup_codes = sheet::MakeText("4821-0937\n1176-5530\n9902-3318");
    c.last_rotation = "2026-11-" + std::to_string(10 + i % 18);
    in.channels.push_back(std::move(c));
    versions.push_back({"item-" + std::to_string(i), 1 + i % 3});
  }
  in.vault_fingerprint = sheet::VaultStateFingerprint(versions);
  return in;
}

vault::Result<std::vector<vault::SecureBuffer>> DemoShares(int n, vault::Env& env) {
  backup::slip39::SplitOptions split;
  split.groups = {{n / 2 + 1, n}};
  const vault::SecureBuffer secret = backup::recovery::GenerateMasterSecret(env);
  auto shares = backup::slip39::Split(env, secret, {}, split);
  if (!shares) return std::unexpected(shares.error());
  return std::move(shares->front());
}

int Usage() {
  std::fputs(
      "usage: sheet_tool breakglass N LANG PAPER OUT | shares N LANG PAPER OUTDIR |"
      " server LANG PAPER OUT | payloads breakglass|shares N OUTDIR\n",
      stderr);
  return 2;
}

int Report(const vault::Status& s) {
  if (s.ok()) return 0;
  std::fprintf(stderr, "sheet_tool: %s\n", s.ToString().c_str());
  return 1;
}

vault::Result<sheet::OutputOptions> Options(const std::string& paper, const std::string& out) {
  sheet::OutputOptions o;
  auto p = sheet::ParsePaper(paper);
  if (!p) return std::unexpected(p.error());
  o.pdf.paper = *p;
  if (out.ends_with(".txt")) o.format = sheet::Format::kText;
  return o;
}

int Write(vault::Env& env, const vault::Result<sheet::Sheet>& built, const sheet::OutputOptions& o,
          const std::string& out) {
  if (!built) return Report(built.error());
  auto bytes = sheet::RenderSheet(*built, o);
  if (!bytes) return Report(bytes.error());
  return Report(sheet::WriteSheetFile(env, out, *bytes));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  vault::Env& env = vault::Env::Default();
  if (a.size() == 4 && a[0] == "payloads") {
    const int n = std::atoi(a[2].c_str());
    std::vector<vault::SecureBuffer> payloads;
    if (a[1] == "shares") {
      auto shares = DemoShares(n, env);
      if (!shares) return Report(shares.error());
      payloads = std::move(*shares);
    } else {
      for (sheet::Channel& c : DemoBreakGlass(n, env).channels) {
        payloads.push_back(std::move(c.totp_uri));
      }
    }
    for (size_t i = 0; i < payloads.size(); ++i) {
      const std::string path = a[3] + "/" + std::to_string(i + 1) + ".txt";
      if (int rc = Report(sheet::WriteSheetFile(env, path, payloads[i])); rc != 0) return rc;
    }
    return 0;
  }
  if (a.size() < 4) return Usage();
  const bool server = a[0] == "server";
  auto language = sheet::ParseLanguage(a[server ? 1 : 2]);
  if (!language) return Report(language.error());
  auto options = Options(a[server ? 2 : 3], a.back());
  if (!options) return Report(options.error());
  if (server && a.size() == 4) {
    sheet::ServerSheetInput in;
    in.team = "Kärkkäinen & Õunapuu Oy";
    in.url = "https://vault.example.fi:8443";
    in.tls_fingerprint =
        "3F:A1:0C:9E:55:21:7B:D4:88:02:6E:F1:4A:BB:C3:19:70:5D:E2:0A:91:64:CF:38:"
        "12:7E:A9:D0:46:FB:2C:85";
    in.audit_fingerprint = "b7c41e0f92a35d6e8c1f04a7d93e6b25c0f81a4e7d2369b5f0c8e14a73d6b92e";
    in.backup_location = "nas.example.fi:/srv/baton/backups (and the bank box, monthly)";
    in.printed = env.Now();
    return Write(env, sheet::BuildServerSheet(in, *language), *options, a[3]);
  }
  if (a.size() != 5) return Usage();
  const int n = std::atoi(a[1].c_str());
  if (a[0] == "breakglass") {
    return Write(env, sheet::BuildBreakGlassSheet(DemoBreakGlass(n, env), *language), *options,
                 a[4]);
  }
  if (a[0] != "shares" || n < 2 || n > 16) return Usage();
  auto shares = DemoShares(n, env);
  if (!shares) return Report(shares.error());
  static const char* const kNames[] = {"Anneli Põder",     "Jürgen Šõžü", "Mäkelä Päivi",
                                       "Žaneta Küünarpää", "Õie Tamm",    "Ülle Saar"};
  sheet::ShareSetInput in;
  in.team = "Kärkkäinen & Õunapuu Oy";
  in.recovery_fingerprint = "acre bloom cider dune ember frost";
  in.date = env.Now();
  in.threshold = n / 2 + 1;
  for (int i = 0; i < n; ++i)
    in.custodians.push_back(std::string(kNames[i % 6]) + " " + std::to_string(i + 1));
  in.shares = *shares;
  auto written = sheet::WriteShareSheets(env, in, *language, *options, a[4]);
  return written ? 0 : Report(written.error());
}
