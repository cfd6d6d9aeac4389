// item edit: new secrets (a new version) and/or new details of an item.

#include <CLI/CLI.hpp>

#include "cli/exit_codes.h"
#include "commands/item_commands.h"
#include "item_input.h"
#include "item_ops.h"
#include "item_view.h"
#include "lookup.h"
#include "short_names.h"
#include "vault/crypto.h"
#include "vault/envelope.h"

namespace cli {
namespace {

struct EditOptions {
  std::string item;
  MetaOptions meta;
  std::string username;
  bool username_given = false;
  bool password_stdin = false;
  bool prompt_password = false;
  bool generate = false;
  bool show = false;
  bool totp_stdin = false;
  std::string notes_file;
  std::string backup_codes_file;
  std::string owner;         // the responsible member, by name or id; "" keeps it
  std::string second_admin;  // yes, no or unknown; "" keeps it
};

// PATCHes the metadata options and the responsible member (an id, "" to
// keep it); prints nothing.
Result<vault::ItemMeta> UpdateMeta(Context& ctx, const std::string& id, const EditOptions& o,
                                   const std::string& responsible_id) {
  const MetaOptions& m = o.meta;
  json body = json::object();
  if (!responsible_id.empty()) body["responsible_id"] = responsible_id;
  if (!o.second_admin.empty()) body["second_admin"] = o.second_admin;
  if (m.name_given) body["name"] = m.name;
  if (m.url_given) body["url"] = m.url;
  if (m.channel_given) body["channel"] = m.channel;
  if (m.period_given) body["rotation_period_days"] = m.period_days;
  auto c = ctx.client();
  if (!c) return Fail(c.error());
  return (*c)->Send("PATCH", "/v1/items/" + id, body, &vault::api::ItemMetaFromJson);
}

// The secret edit refuses a pending rotation up front, in words that say
// what to do (the server refuses it as well).
Status NoPendingRotation(const json& meta) {
  if (!meta.contains("pending_version")) return Status::OK();
  const std::string name = meta.value("name", "");
  return Status::FailedPrecondition("a rotation of " + name + " is pending (version " +
                                    std::to_string(meta.value("pending_version", int64_t{0})) +
                                    "); finish it first with `baton rotate " + name +
                                    " --confirm` or `--abort`");
}

int ItemEdit(Context& ctx, const EditOptions& o) {
  const bool secrets = o.username_given || o.password_stdin || o.prompt_password || o.generate ||
                       o.totp_stdin || !o.notes_file.empty() || !o.backup_codes_file.empty();
  const bool details = o.meta.any() || !o.owner.empty() || !o.second_admin.empty();
  if (!secrets && !details) {
    return Usage(ctx, "nothing to change; see baton item edit --help");
  }
  if (Status s = CheckMeta(o.meta); !s.ok()) return ctx.Fail(s);
  std::string responsible_id;
  if (!o.owner.empty()) {
    auto c = ctx.client();
    if (!c) return ctx.Fail(c.error());
    auto member = LookupMember(**c, o.owner);
    if (!member) return ctx.Fail(member.error());
    responsible_id = member->id;
  }
  if (!secrets) {
    // Metadata alone: no secret is read or re-encrypted.
    auto ref = ctx.FindItem(o.item);
    if (!ref) return ctx.Fail(ref.error());
    auto updated = UpdateMeta(ctx, ref->id, o, responsible_id);
    if (!updated) return ctx.Fail(HideUnlisted(ctx, updated.error(), o.item));
    if (ctx.options.json) {
      ctx.console.out << vault::api::ItemMetaToJson(*updated).dump() << "\n";
    } else {
      ctx.console.out << "Updated the details of " << Printable(updated->name) << "\n";
    }
    return kExitOk;
  }
  auto item = FetchItem(ctx, o.item);
  if (!item) return ctx.Fail(item.error());
  if (Status s = NoPendingRotation(item->meta); !s.ok()) return ctx.Fail(s);
  envelope::ItemPayload& p = item->payload;
  // New values are read after the fetch (the prompt names the item's
  // current version); nothing is sent until all of them check out.
  if (o.username_given) p.username = FromText(o.username);
  if (o.generate || o.password_stdin || o.prompt_password) {
    auto pw = ReadNewPassword(ctx, o.generate, o.password_stdin,
                              "New password for " + item->meta.value("name", "") + ": ");
    if (!pw) return ctx.Fail(pw.error());
    p.password = std::move(*pw);
  }
  if (o.totp_stdin) {
    auto uri = ReadTotpUri(ctx);
    if (!uri) return ctx.Fail(uri.error());
    p.totp_uri = std::move(*uri);
  }
  if (Status s = ReadBackupCodesAndNotes(ctx, o.backup_codes_file, o.notes_file, p); !s.ok()) {
    return ctx.Fail(s);
  }

  const std::string id = item->meta.value("id", "");
  auto next = EncryptNextVersion(ctx, *item);
  if (!next) return ctx.Fail(next.error());
  const int64_t version = next->expected_version;
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  if (details) {
    // Metadata first: a taken name is the likelier refusal, and it leaves
    // the secret unchanged.
    auto meta = UpdateMeta(ctx, id, o, responsible_id);
    if (!meta) return ctx.Fail(meta.error());
  }
  auto updated = (*c)->Send("PUT", "/v1/items/" + id,
                            json{{"expected_version", version},
                                 {"key_version", next->key_version},
                                 {"ciphertext", next->ciphertext_b64}},
                            &vault::api::ItemMetaFromJson);
  if (!updated) {
    if (updated.error().IsFailedPrecondition()) {
      ctx.console.err << "baton: " << Printable(item->meta.value("name", ""))
                      << " changed since it was read (version " << version
                      << "); run the edit again on the new version\n";
    }
    return ctx.Fail(updated.error());
  }
  const bool show_password = o.generate && o.show;
  if (ctx.options.json) {
    WriteJsonWithSecret(ctx.console.out, vault::api::ItemMetaToJson(*updated), "password",
                        show_password ? &p.password : nullptr);
  } else {
    ctx.console.out << "Updated " << Printable(updated->name) << " to version " << updated->version
                    << "\n";
    if (show_password) WriteLabelledSecret(ctx.console.out, "password", p.password);
  }
  return kExitOk;
}

}  // namespace

void RegisterItemEdit(CLI::App& item, Context& ctx) {
  auto o = std::make_shared<EditOptions>();
  auto* cmd = item.add_subcommand(
      "edit",
      "Change an item's secrets (stored as a new version; refused if someone changed it "
      "meanwhile or a rotation is pending) and/or its details: name, URL, channel, period, "
      "responsible member, whether the platform has a second admin");
  cmd->add_option("item", o->item, "Item id or name")->required();
  auto* user = cmd->add_option("--username", o->username, "New login name");
  auto* pw_stdin = cmd->add_flag("--password-stdin", o->password_stdin,
                                 "Read the new password from one line of stdin");
  auto* prompt = cmd->add_flag("--prompt-password", o->prompt_password,
                               "Ask for the new password on the terminal");
  auto* gen = cmd->add_flag("--generate", o->generate, "Generate a new password (default policy)");
  pw_stdin->excludes(gen)->excludes(prompt);
  prompt->excludes(gen);
  cmd->add_flag("--show", o->show, "With --generate: print the new password")->needs(gen);
  cmd->add_flag("--totp-uri-stdin", o->totp_stdin,
                "Read a new otpauth://totp/... URI from stdin (after the password line)");
  cmd->add_option("--backup-codes-file", o->backup_codes_file,
                  "Replace the backup codes with those in FILE, one per line");
  cmd->add_option("--notes-file", o->notes_file, "Replace the notes with FILE (- for stdin)");
  auto* name = cmd->add_option("--name", o->meta.name, "New item name");
  auto* url = cmd->add_option("--url", o->meta.url, "New login URL (\"\" removes it)");
  auto* channel = cmd->add_option("--channel", o->meta.channel, "New channel type");
  auto* period =
      cmd->add_option("--period-days", o->meta.period_days, "New rotation period in days");
  cmd->add_option("--owner", o->owner,
                  "The member responsible for its rotations (name or id); they must be able "
                  "to read the collection");
  cmd->add_option("--second-admin", o->second_admin,
                  "Owners and admins: whether a second person has admin rights on the "
                  "platform itself (see baton runbook CHANNEL)")
      ->check(CLI::IsMember({"yes", "no", "unknown"}));
  cmd->callback([&ctx, o, user, name, url, channel, period] {
    o->meta.name_given = name->count() > 0;
    o->meta.url_given = url->count() > 0;
    o->meta.channel_given = channel->count() > 0;
    o->meta.period_given = period->count() > 0;
    o->username_given = user->count() > 0;
    ctx.exit_code = ItemEdit(ctx, *o);
  });
}

}  // namespace cli
