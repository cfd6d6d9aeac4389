// rotate: a new password in two steps, pending until the site took it.

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"
#include "commands/item_commands.h"
#include "item_input.h"
#include "item_ops.h"
#include "item_view.h"
#include "lookup.h"
#include "runbook.h"
#include "short_names.h"
#include "vault/crypto.h"
#include "vault/envelope.h"

namespace cli {
namespace {

// The item's metadata as the server has it now (not a cached listing): the
// pending version must be the server's.
Result<vault::ItemMeta> FreshMeta(Context& ctx, const ItemRef& ref) {
  auto c = ctx.client();
  if (!c) return Fail(c.error());
  auto items =
      (*c)->Get("/v1/collections/" + ref.collection_id + "/items", &vault::api::ItemsFromJson);
  if (!items) return Fail(items.error());
  for (auto& it : *items) {
    if (it.id == ref.id) return std::move(it);
  }
  return Fail(Status::NotFound("item " + ref.id + " does not exist"));
}

// Where the user changes the password: the login URL, else the item's name.
std::string SiteOf(const json& meta) {
  const std::string url = meta.value("url", "");
  return url.empty() ? meta.value("name", "") + " (" + meta.value("channel", "") + ")" : url;
}

struct RotateOptions {
  std::string item;
  bool confirm = false;
  bool abort = false;
  bool show = false;
};

int RotateBegin(Context& ctx, const RotateOptions& o) {
  auto item = FetchItem(ctx, o.item);
  if (!item) return ctx.Fail(item.error());
  const std::string name = item->meta.value("name", "");
  if (item->meta.contains("pending_version")) {
    return ctx.Fail(Status::FailedPrecondition(
        "a rotation of " + name + " to version " +
        std::to_string(item->meta.value("pending_version", int64_t{0})) +
        " is already pending; finish it with `" +
        BatonCommand(ctx.options.profile, {"rotate", o.item, "--confirm"}) +
        "` (or --abort) before starting another"));
  }
  // Only the password changes; username, TOTP seed, notes and fields carry over.
  envelope::ItemPayload& p = item->payload;
  auto pw = GenerateDefaultPassword(ctx);
  if (!pw) return ctx.Fail(pw.error());
  p.password = std::move(*pw);

  const std::string id = item->meta.value("id", "");
  auto encrypted = EncryptNextVersion(ctx, *item);
  if (!encrypted) return ctx.Fail(encrypted.error());
  const int64_t version = encrypted->expected_version;
  const int64_t next = encrypted->version;
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto begun = (*c)->Send("POST", "/v1/items/" + id + "/rotation",
                          json{{"expected_version", version},
                               {"pending_version", next},
                               {"key_version", encrypted->key_version},
                               {"ciphertext", encrypted->ciphertext_b64}},
                          &vault::api::ItemMetaFromJson);
  if (!begun) return ctx.Fail(begun.error());
  if (ctx.options.json) {
    WriteJsonWithSecret(ctx.console.out, vault::api::ItemMetaToJson(*begun), "password",
                        o.show ? &p.password : nullptr);
    return kExitOk;
  }
  auto& out = ctx.console.out;
  const std::string& profile = ctx.options.profile;
  out << "Started rotating " << Printable(name)
      << ": the new password is stored as pending version " << next << "; version " << version
      << " stays current until you confirm.\n";
  if (o.show) WriteLabelledSecret(out, "new password", p.password);
  out << "Next:\n"
      << "  1. Change the password on " << Printable(SiteOf(item->meta)) << " to the new one ("
      << (o.show ? "shown above" : "shown with --show") << " or copied by `"
      << BatonCommand(profile, {"item", "get", o.item, "--pending", "--field", "password"})
      << "`).\n"
      << "  2. Then run `" << BatonCommand(profile, {"rotate", o.item, "--confirm"}) << "`.\n"
      << "If the site refused the change, run `"
      << BatonCommand(profile, {"rotate", o.item, "--abort"})
      << "`; the current password keeps working until then.\n";
  // An item whose channel has no runbook of its own gets the generic one.
  auto runbook = FindRunbook(item->meta.value("channel", ""));
  if (!runbook) runbook = FindRunbook("other");
  if (runbook) {
    out << "\n";
    PrintRotationSteps(out, *runbook, profile);
  }
  return kExitOk;
}

int RotateFinish(Context& ctx, const RotateOptions& o) {
  auto ref = ctx.FindItem(o.item);
  if (!ref) return ctx.Fail(ref.error());
  auto meta = FreshMeta(ctx, *ref);
  if (!meta) return ctx.Fail(HideUnlisted(ctx, meta.error(), o.item));
  const std::string name = meta->name;
  if (!meta->pending_version) {
    return ctx.Fail(
        Status::FailedPrecondition(std::string("nothing to ") + (o.confirm ? "confirm" : "abort") +
                                   ": no rotation of " + name + " is pending (start one with `" +
                                   BatonCommand(ctx.options.profile, {"rotate", o.item}) + "`)"));
  }
  const int64_t pending = *meta->pending_version;
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto done = o.confirm
                  ? (*c)->Send("POST", "/v1/items/" + ref->id + "/rotation/confirm",
                               json{{"pending_version", pending}}, &vault::api::ItemMetaFromJson)
                  : (*c)->Send("DELETE", "/v1/items/" + ref->id + "/rotation", std::nullopt,
                               &vault::api::ItemMetaFromJson);
  if (!done) return ctx.Fail(done.error());
  if (ctx.options.json) {
    ctx.console.out << vault::api::ItemMetaToJson(*done).dump() << "\n";
  } else if (o.confirm) {
    ctx.console.out << "Confirmed: version " << pending << " is now the current password of "
                    << Printable(name) << "; version " << meta->version
                    << " is kept in its history.\n";
  } else {
    ctx.console.out << "Aborted the rotation of " << Printable(name) << "; version "
                    << meta->version << " stays current. The abandoned password stays in `"
                    << BatonCommand(ctx.options.profile, {"item", "history", o.item, "--show"})
                    << "` in case the site took it after all.\n";
  }
  return kExitOk;
}

int Rotate(Context& ctx, const RotateOptions& o) {
  return o.confirm || o.abort ? RotateFinish(ctx, o) : RotateBegin(ctx, o);
}

}  // namespace

void RegisterRotateCommand(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RotateOptions>();
  auto* cmd = app.add_subcommand(
      "rotate",
      "Rotate an item's password in two steps: generate a new one and keep it pending while "
      "you change it on the site, then --confirm (or --abort)");
  cmd->add_option("item", o->item, "Item id or name")->required();
  auto* confirm =
      cmd->add_flag("--confirm", o->confirm, "The site took the new password: make it current");
  auto* abort =
      cmd->add_flag("--abort", o->abort, "Drop the pending password; the current one stays");
  confirm->excludes(abort);
  cmd->add_flag("--show", o->show, "Print the new password")->excludes(confirm)->excludes(abort);
  cmd->callback([&ctx, o] { ctx.exit_code = Rotate(ctx, *o); });
}

}  // namespace cli
