// continuity: where the team still depends on one person, as batond
// computes it from metadata (GET /v1/continuity), with the command that
// fixes each finding.
#include <CLI/CLI.hpp>
#include <string>

#include "cli/exit_codes.h"
#include "commands/subcommands.h"
#include "context.h"
#include "item_view.h"
#include "vault/api_json_continuity.h"

namespace cli {
namespace {

namespace cont = vault::continuity;

std::string JoinPrintable(const std::vector<std::string>& names, const char* none = "-") {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + Printable(n);
  return out.empty() ? none : out;
}

std::string CoversText(const std::vector<cont::Cover>& covers) {
  std::string out;
  for (const auto& c : covers) {
    out += (out.empty() ? "" : ", ") + Printable(c.deputy) + " (" +
           std::to_string(c.wait_s / 3600) + "h)";
  }
  return out.empty() ? "none" : out;
}

std::string RecoveryText(const cont::Recovery& r, int64_t now_ms) {
  std::string out = r.set_up ? "recovery key set" : "not set up";
  if (r.threshold) out += ", " + std::to_string(*r.threshold) + " shares needed";
  for (const auto& s : r.shares) {
    out += "; " + Printable(s.holder) + "'s share last checked " +
           (s.last_checked_ms ? Date(*s.last_checked_ms) : std::string("never"));
  }
  out += "; last backup: ";
  if (r.last_backup_ms) {
    out += Date(*r.last_backup_ms) + " (" +
           std::to_string((now_ms - *r.last_backup_ms) / 86400000) + " days ago)";
  } else {
    out += "none since batond started";
  }
  return out;
}

void PrintReport(Context& ctx, const cont::Report& r) {
  auto& out = ctx.console.out;
  const std::string& profile = ctx.options.profile;
  if (r.findings.empty()) {
    out << "No findings: every item has a second reader, a deputy and a second admin.\n";
  } else {
    out << r.findings.size() << (r.findings.size() == 1 ? " finding" : " findings")
        << ", most serious first:\n";
    for (const auto& f : r.findings) {
      std::string sev(cont::ToString(f.severity));
      for (char& ch : sev) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out << "  " << Pad(sev, 9) << Printable(f.message) << "\n";
      if (!f.fix.empty())
        out << "  " << Pad("", 9) << "fix: " << BatonCommand(profile, f.fix) << "\n";
    }
  }
  out << "\nItems:\n";
  std::vector<std::vector<std::string>> rows = {{"  NAME", "COLLECTION", "CHANNEL", "READERS",
                                                 "DEPUTIES (WAIT)", "SECOND ADMIN", "ROTATION"}};
  for (const auto& it : r.items) {
    rows.push_back({"  " + Printable(it.name), Printable(it.collection), Printable(it.channel),
                    std::to_string(it.readers.size()) + ": " + JoinPrintable(it.readers),
                    CoversText(it.covers), Printable(it.second_admin), Printable(it.rotation)});
  }
  WriteTable(out, rows);
  out << "\nCollections:\n";
  rows = {{"  NAME", "ITEMS", "READERS", "DEPUTIES (WAIT)"}};
  for (const auto& c : r.collections) {
    rows.push_back({"  " + Printable(c.name), std::to_string(c.items),
                    std::to_string(c.readers.size()) + ": " + JoinPrintable(c.readers),
                    CoversText(c.covers)});
  }
  WriteTable(out, rows);
  out << "\nTeam:\n  alone holding a collection: ";
  std::string sole;
  for (const auto& s : r.sole_holders) {
    sole += (sole.empty() ? "" : "; ") + Printable(s.member) + " (" + JoinPrintable(s.collections) +
            ")";
  }
  out << (sole.empty() ? "nobody" : sole) << "\n"
      << "  collections no deputy covers: " << JoinPrintable(r.collections_without_deputy, "none")
      << "\n"
      << "  grants naming removed members: " << JoinPrintable(r.grants_to_removed, "none") << "\n"
      << "  recovery: " << RecoveryText(r.recovery, r.generated_ms) << "\n";
}

int Continuity(Context& ctx, bool exit_code) {
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto report = (*c)->Get("/v1/continuity", &vault::api::ContinuityReportFromJson);
  if (!report) return ctx.Fail(report.error());
  const int done = exit_code && !report->findings.empty() ? kExitAttention : kExitOk;
  if (ctx.options.json) {
    nlohmann::json out = vault::api::ContinuityReportToJson(*report);
    // The command as this profile would type it, next to its arguments.
    for (size_t i = 0; i < report->findings.size(); ++i) {
      const auto& fix = report->findings[i].fix;
      out["findings"][i]["command"] = fix.empty() ? "" : BatonCommand(ctx.options.profile, fix);
    }
    ctx.console.out << out.dump() << "\n";
  } else {
    PrintReport(ctx, *report);
  }
  return done;
}

}  // namespace

void RegisterContinuityCommand(CLI::App& app, Context& ctx) {
  auto exit_code = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "continuity",
      "Where the team still depends on one person, and what to type to fix it (owners, admins, "
      "auditors)");
  cmd->add_flag("--exit-code", *exit_code,
                "Exit 10 when there are findings (for cron and monitoring)");
  cmd->callback([&ctx, exit_code] { ctx.exit_code = Continuity(ctx, *exit_code); });
}

}  // namespace cli
