// export --age: every item an owner can read, decrypted, as JSON inside an
// age file encrypted to the team's recovery key, so that k custodians open
// it with baton recover or the standard age tool alone.

#include <CLI/CLI.hpp>
#include <span>
#include <spanstream>
#include <sstream>

#include "backup/age.h"
#include "cli/exit_codes.h"
#include "item_ops.h"
#include "recover_file.h"
#include "short_names.h"
#include "vault/api_json.h"
#include "vault/time_format.h"

namespace cli {
namespace {

struct ExportOptions {
  std::string file;
  std::vector<std::string> recipients;
};

// The roster's recovery recipient (which the owners vouched for), then the
// extra ones.
Result<std::vector<backup::age::Recipient>> ExportRecipients(Context& ctx, const ExportOptions& o) {
  auto trust = ctx.trust();
  if (!trust) return Fail(trust.error());
  const vault::roster::State* roster = (*trust)->roster();
  if (roster == nullptr || !roster->recovery_age_pk) {
    return Fail(Status::FailedPrecondition(
        "the team has no recovery key in its roster yet (baton recovery setup): an export "
        "must open with the recovery shares"));
  }
  std::vector<backup::age::Recipient> out = {
      backup::age::Recipient::FromKey(*roster->recovery_age_pk)};
  for (const std::string& text : o.recipients) {
    auto r = backup::age::Recipient::Parse(text);
    if (!r) return Fail(r.error().WithContext("--recipient"));
    out.push_back(*r);
  }
  return out;
}

int ExportAge(Context& ctx, const ExportOptions& o) {
  if (ctx.env.FileExists(o.file)) {
    return ctx.Fail(Status::AlreadyExists(o.file + " exists; export never overwrites a file"));
  }
  auto recipients = ExportRecipients(ctx, o);
  if (!recipients) return ctx.Fail(recipients.error());
  auto metas = ListItemMeta(ctx, "");
  if (!metas) return ctx.Fail(metas.error());
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  // Recorded (and refused to all but owners) before any secret is read.
  const json record = {{"format", "age"}, {"items", metas->size()}};
  if (auto r = (*c)->Send("POST", "/v1/exports", record, &vault::api::ObjectFromJson); !r) {
    return ctx.Fail(r.error());
  }
  std::vector<OpenedItem> items;
  for (const json& meta : *metas) {
    auto item = FetchItem(ctx, meta.value("id", ""), /*allow_offline=*/false);
    if (!item) return ctx.Fail(item.error());
    items.push_back(std::move(*item));
  }
  auto text = EncodeExport(items, vault::ToUnixMs(ctx.env.Now()));
  if (!text) return ctx.Fail(text.error());
  // Read in place: the plaintext is never copied out of its wiped buffer.
  std::ispanstream in(std::span<char>(text->data(), text->size()));
  std::ostringstream sealed;
  if (Status s = backup::age::Encrypt(ctx.env, *recipients, in, sealed); !s.ok()) {
    return ctx.Fail(s);
  }
  const std::string bytes = std::move(sealed).str();
  if (Status s = ctx.env.WriteFileAtomic(o.file, crypto::AsBytes(bytes), 0600); !s.ok()) {
    return ctx.Fail(s);
  }
  ctx.console.out << "Wrote " << o.file << ": " << items.size()
                  << " items, encrypted to the team's recovery key";
  if (!o.recipients.empty()) ctx.console.out << " and " << o.recipients.size() << " more";
  ctx.console.out << "\n";
  return kExitOk;
}

}  // namespace

void RegisterExportCommand(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand(
      "export",
      "Owners: write every item you can read, decrypted, as JSON inside an age file that the "
      "team's recovery shares open (audited)");
  cmd->add_option("--age", o->file, "The age file to write (0600; must not exist)")->required();
  cmd->add_option("--recipient", o->recipients, "Also encrypt to this age recipient (age1...)");
  cmd->callback([&ctx, o] { ctx.exit_code = ExportAge(ctx, *o); });
}

}  // namespace cli
