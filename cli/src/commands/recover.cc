// recover: a server backup or an owner export opened with the team's
// recovery shares, on the day the server is gone. Needs no server, no
// profile and no network.

#include <CLI/CLI.hpp>

#include "backup/share_input.h"
#include "cli/exit_codes.h"
#include "commands/item_commands.h"
#include "item_view.h"
#include "recover_file.h"
#include "short_names.h"
#include "vault/time_format.h"

namespace cli {
namespace {

struct RecoverOptions {
  std::string backup;
  backup::recovery::UnlockSource unlock;
  bool print_age_identity = false;
  std::string show;
  std::string field;
  std::string totp;
  std::string export_file;
};

// The one item named (or with the id) `which`.
Result<const OpenedItem*> FindRecovered(const std::vector<OpenedItem>& items,
                                        const std::string& which) {
  const OpenedItem* found = nullptr;
  int named = 0;
  for (const OpenedItem& item : items) {
    if (item.meta.value("id", "") == which) return &item;
    if (item.meta.value("name", "") == which) {
      found = &item;
      ++named;
    }
  }
  if (named == 0) return vault::Fail(Status::NotFound("no item named " + Printable(which)));
  if (named > 1) {
    return vault::Fail(Status::FailedPrecondition(std::to_string(named) + " items are named " +
                                                  Printable(which) + "; give the item's id"));
  }
  return found;
}

int WritePlainExport(Context& ctx, const std::vector<OpenedItem>& items, const std::string& path) {
  auto text = EncodeExport(items, vault::ToUnixMs(ctx.env.Now()));
  if (!text) return ctx.Fail(text.error());
  if (ctx.env.FileExists(path)) {
    return ctx.Fail(Status::AlreadyExists(path + " exists; recover never overwrites a file"));
  }
  const std::string_view bytes(text->data(), text->size());
  if (Status s = ctx.env.WriteFileAtomic(path, vault::crypto::AsBytes(bytes), 0600); !s.ok()) {
    return ctx.Fail(s);
  }
  ctx.console.err << "warning: " << path << " holds every secret of " << items.size()
                  << " items in plain text; keep it offline and delete it when done\n";
  return kExitOk;
}

int PrintAgeIdentity(Context& ctx, const backup::recovery::Unlocked& unlocked) {
  const SecureBuffer text = unlocked.identity->Format();
  WriteRaw(ctx.console.out, text);
  ctx.console.out << "\n";
  return kExitOk;
}

int Recover(Context& ctx, const RecoverOptions& o) {
  // Whatever profile this machine has, recovery talks to no server.
  ctx.offline_only = true;
  if (o.backup.empty() && !o.print_age_identity) {
    return ctx.Fail(Status::InvalidArgument("give --backup FILE, or --print-age-identity"));
  }
  if (o.print_age_identity && !o.unlock.identity_file.empty()) {
    return ctx.Fail(Status::InvalidArgument(
        "--print-age-identity derives the identity from the shares; --identity already is one"));
  }
  // Refused before anyone types a share.
  if (!o.backup.empty() && !ctx.env.FileExists(o.backup)) {
    return ctx.Fail(Status::NotFound("no backup file " + o.backup));
  }
  if (!o.export_file.empty() && ctx.env.FileExists(o.export_file)) {
    return ctx.Fail(
        Status::AlreadyExists(o.export_file + " exists; recover never overwrites a file"));
  }
  if (o.unlock.identity_file.empty() && o.unlock.shares_file.empty()) {
    ctx.console.err << "Type the recovery shares, one at a time (they are not shown).\n";
  }
  auto unlocked =
      backup::recovery::Unlock(ctx.env, o.unlock, ctx.console.read_secret, ctx.console.err);
  if (!unlocked && !o.unlock.shares_file.empty() &&
      unlocked.error().code() == Status::Code::kFailedPrecondition) {
    // Too few shares in a file is a fault of the file, not of a state.
    return ctx.Fail(Status::InvalidArgument(unlocked.error().message()));
  }
  if (!unlocked) return ctx.Fail(unlocked.error());
  if (o.print_age_identity) return PrintAgeIdentity(ctx, *unlocked);

  auto it = ctx.environ.find("TMPDIR");
  const std::string tmp = it != ctx.environ.end() && !it->second.empty() ? it->second : "/tmp";
  auto recovered = OpenRecoveryFile(ctx.env, o.backup, *unlocked, tmp, ctx.console.err);
  if (!recovered) return ctx.Fail(recovered.error());
  const std::vector<OpenedItem>& items = recovered->items;

  if (!o.export_file.empty()) return WritePlainExport(ctx, items, o.export_file);
  if (!o.show.empty() || !o.totp.empty()) {
    auto item = FindRecovered(items, o.show.empty() ? o.totp : o.show);
    if (!item) return ctx.Fail(item.error());
    if (!o.totp.empty()) return PrintTotpCode(ctx, **item);
    return ShowOpenedItem(ctx, *item, o.field, /*show=*/true);
  }
  if (!ctx.options.json) {
    ctx.console.err << "Opened the " << recovered->kind << " (" << items.size() << " items).\n";
  }
  std::vector<json> metas;
  for (const OpenedItem& item : items) metas.push_back(item.meta);
  PrintItemTable(ctx, metas);
  return kExitOk;
}

}  // namespace

void RegisterRecoverCommand(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RecoverOptions>();
  auto* cmd = app.add_subcommand(
      "recover",
      "Open a server backup or an owner export with the recovery shares, without a server: list "
      "its items, show one, a TOTP code, or write a plaintext export");
  cmd->add_option("--backup", o->backup, "The backup (batond backup) or export (export --age)");
  auto* shares = cmd->add_option(
      "--shares-file", o->unlock.shares_file,
      "Recovery shares, one per line or separated by blank lines (else they are asked for)");
  auto* identity = cmd->add_option("--identity", o->unlock.identity_file,
                                   "An age identity file instead of shares (opens exports only)");
  shares->excludes(identity);
  auto* print = cmd->add_flag("--print-age-identity", o->print_age_identity,
                              "Print the age identity (AGE-SECRET-KEY-1...) the shares derive, "
                              "for the standard age tool");
  auto* show = cmd->add_option("--show", o->show, "Show every field of this item (name or id)");
  cmd->add_option("--field", o->field, "With --show: print only this field, raw")->needs(show);
  auto* totp = cmd->add_option("--totp", o->totp, "Print this item's current TOTP code");
  auto* out = cmd->add_option("--export", o->export_file,
                              "Write every item, decrypted, as JSON to this new file (0600)");
  show->excludes(totp)->excludes(out);
  totp->excludes(out);
  for (auto* opt : {show, totp, out}) opt->excludes(print);
  cmd->callback([&ctx, o] { ctx.exit_code = Recover(ctx, *o); });
}

}  // namespace cli
