// item add: a new item, encrypted on this machine.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iterator>

#include "cli/exit_codes.h"
#include "commands/item_commands.h"
#include "item_input.h"
#include "item_ops.h"
#include "item_view.h"
#include "short_names.h"
#include "vault/crypto.h"
#include "vault/envelope.h"

namespace cli {
namespace {

// Fields `item get --field` knows besides custom ones; custom fields may not
// take these names.
constexpr std::string_view kBuiltinFields[] = {"username", "password",     "totp", "totp-uri",
                                               "notes",    "backup-codes", "url"};

struct AddOptions {
  std::string collection;
  std::string name;
  std::string channel;
  std::string url;
  std::string username;
  int64_t period_days = 0;
  bool period_given = false;
  bool password_stdin = false;
  bool generate = false;
  bool show = false;
  bool totp_stdin = false;
  bool fields_stdin = false;
  std::string backup_codes_file;
  std::string notes_file;
  std::vector<std::string> fields;
};

Status CheckFieldNames(const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    if (n.empty()) return Status::InvalidArgument("a field name is empty");
    if (std::find(std::begin(kBuiltinFields), std::end(kBuiltinFields), n) !=
        std::end(kBuiltinFields)) {
      return Status::InvalidArgument("\"" + n + "\" is a built-in field; pick another name");
    }
    if (std::find(names.begin(), names.begin() + static_cast<ptrdiff_t>(i), n) !=
        names.begin() + static_cast<ptrdiff_t>(i)) {
      return Status::InvalidArgument("field \"" + n + "\" is given twice");
    }
  }
  return Status::OK();
}

int ItemAdd(Context& ctx, const AddOptions& o) {
  // Everything local is read and checked before the server is contacted, so
  // bad input sends nothing.
  if (Status s =
          CheckMeta({o.name, o.url, o.channel, o.period_days, true, true, true, o.period_given});
      !s.ok()) {
    return ctx.Fail(s);
  }
  if (Status s = CheckFieldNames(o.fields); !s.ok()) return ctx.Fail(s);

  envelope::ItemPayload payload;
  payload.username = FromText(o.username);
  Result<SecureBuffer> password =
      ReadNewPassword(ctx, o.generate, o.password_stdin, "Password for " + o.name + ": ");
  if (!password) return ctx.Fail(password.error());
  payload.password = std::move(*password);
  if (o.totp_stdin) {
    auto uri = ReadTotpUri(ctx);
    if (!uri) return ctx.Fail(uri.error());
    payload.totp_uri = std::move(*uri);
  }
  for (const std::string& field : o.fields) {
    auto value =
        o.fields_stdin ? ReadLine(ctx) : ctx.console.read_secret("Value of " + field + ": ");
    if (!value) return ctx.Fail(value.error());
    payload.custom_fields.push_back({field, std::move(*value)});
  }
  if (Status s = ReadBackupCodesAndNotes(ctx, o.backup_codes_file, o.notes_file, payload);
      !s.ok()) {
    return ctx.Fail(s);
  }

  auto col = FindCollection(ctx, o.collection);
  if (!col) return ctx.Fail(col.error());
  const std::string collection_id = col->collection.id;
  auto key = ctx.write_key(collection_id);
  if (!key) return ctx.Fail(key.error());
  const std::string id = crypto::RandomId(ctx.env);
  auto ct = envelope::EncryptItem(ctx.env, **key, {id, collection_id, 1, (*key)->version}, payload);
  if (!ct) return ctx.Fail(ct.error());
  json body = {{"id", id},
               {"name", o.name},
               {"channel", o.channel},
               {"key_version", (*key)->version},
               {"ciphertext", crypto::ToBase64(*ct)}};
  if (!o.url.empty()) body["url"] = o.url;
  if (o.period_given) body["rotation_period_days"] = o.period_days;
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto created = (*c)->Send("POST", "/v1/collections/" + collection_id + "/items", body,
                            &vault::api::ItemMetaFromJson);
  if (!created) return ctx.Fail(created.error());
  ctx.SyncCacheQuietly();
  json shown = vault::api::ItemMetaToJson(*created);
  shown["collection"] = col->collection.name;
  const bool show_password = o.generate && o.show;
  if (ctx.options.json) {
    WriteJsonWithSecret(ctx.console.out, shown, "password",
                        show_password ? &payload.password : nullptr);
  } else {
    ctx.console.out << "Added " << Printable(o.name) << " to " << Printable(col->collection.name)
                    << " (item id " << id << ", version 1)\n";
    if (show_password) WriteLabelledSecret(ctx.console.out, "password", payload.password);
  }
  return kExitOk;
}

}  // namespace

void RegisterItemAdd(CLI::App& item, Context& ctx) {
  auto o = std::make_shared<AddOptions>();
  auto* cmd = item.add_subcommand(
      "add",
      "Add an item, encrypted on this machine. The password is asked for on the terminal "
      "(or --password-stdin / --generate); stdin lines are read in the order password, "
      "TOTP URI, field values");
  cmd->add_option("collection", o->collection, "Collection id or name")->required();
  cmd->add_option("name", o->name, "Item name, e.g. \"Facebook page\"")->required();
  cmd->add_option("--channel", o->channel,
                  "Channel type: facebook, instagram, x, linkedin, tiktok, youtube, "
                  "google-business, email, domain-registrar, other")
      ->required();
  cmd->add_option("--url", o->url, "Login URL (metadata, visible to the server)");
  cmd->add_option("--username", o->username, "Login name (stored encrypted)");
  auto* period = cmd->add_option("--period-days", o->period_days,
                                 "Rotation period in days (default: by channel type)");
  auto* pw_stdin = cmd->add_flag("--password-stdin", o->password_stdin,
                                 "Read the password from one line of stdin");
  auto* gen =
      cmd->add_flag("--generate", o->generate, "Generate a strong password (default policy)");
  pw_stdin->excludes(gen);
  cmd->add_flag("--show", o->show, "With --generate: print the generated password")->needs(gen);
  cmd->add_flag("--totp-uri-stdin", o->totp_stdin,
                "Read an otpauth://totp/... URI (the 2FA seed) from one line of stdin");
  cmd->add_option("--backup-codes-file", o->backup_codes_file,
                  "Read 2FA backup codes, one per line, from FILE (- for stdin)");
  cmd->add_option("--notes-file", o->notes_file, "Read secret notes from FILE (- for stdin)");
  auto* fields = cmd->add_option("--field", o->fields,
                                 "Add a custom secret field NAME (repeatable); its value is asked "
                                 "for on the terminal")
                     ->allow_extra_args(false);
  cmd->add_flag("--fields-stdin", o->fields_stdin,
                "Read the --field values from stdin, one line per field")
      ->needs(fields);
  cmd->callback([&ctx, o, period] {
    o->period_given = period->count() > 0;
    ctx.exit_code = ItemAdd(ctx, *o);
  });
}

}  // namespace cli
