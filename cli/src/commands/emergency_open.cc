// emergency open: as the deputy, once released, the items in scope.

#include <CLI/CLI.hpp>
#include <map>

#include "cli/exit_codes.h"
#include "commands/emergency_commands.h"
#include "emergency.h"
#include "item_ops.h"
#include "item_view.h"
#include "short_names.h"
#include "vault/envelope.h"
#include "vault/totp.h"

namespace cli {
namespace {

namespace em = emergency;

struct OpenOptions {
  std::string request;
  std::string item;
  std::string field;
  bool show = false;
};

// The released collection keys: inner boxes, opened with this member's key.
Result<std::map<std::string, envelope::CollectionKey>> OpenKeys(Context& ctx, ApiClient& c,
                                                                const std::string& request_id) {
  auto reply =
      c.Get("/v1/emergency/requests/" + request_id + "/keys", &vault::api::SealedKeysFromJson);
  if (!reply) return Fail(reply.error());
  auto k = ctx.keys();
  if (!k) return Fail(k.error());
  auto trust = ctx.trust();
  if (!trust) return Fail(trust.error());
  std::map<std::string, envelope::CollectionKey> out;
  for (const auto& entry : *reply) {
    const std::string& cid = entry.collection_id;
    auto opened = (*k)->OpenSealed(entry.sealed);
    if (!opened) {
      return Fail(Status::Corruption("the released key of collection " + cid +
                                     " does not open with your key"));
    }
    // A released key is the roster's, or the deputy would read what a
    // server made up.
    if (Status s = (*trust)->CheckKeyVersion(cid, entry.key_version, "collection " + cid);
        !s.ok()) {
      return Fail(s);
    }
    auto key = envelope::CollectionKeyFromOpened(opened->bytes(), cid, entry.key_version);
    if (!key) return Fail(key.error());
    if (Status s = (*trust)->CheckCollectionKey(*key); !s.ok()) return Fail(s);
    out.emplace(cid, std::move(*key));
  }
  return out;
}

int Open(Context& ctx, const OpenOptions& o) {
  if (Status s = CheckGivenId(o.request, "request"); !s.ok()) return ctx.Fail(s);
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto request = FindRequest(**c, o.request);
  if (!request) return ctx.Fail(request.error());
  const std::string id = request->request.id;
  const Directory d = LoadDirectory(**c);
  if (request->request.state != vault::emergency::State::kReleased) {
    return ctx.Fail(Status::FailedPrecondition(
        "request " + id + " is not open. " + em::RequestInWords(*request, d.members, NowMs(ctx))));
  }
  const std::string footer = em::RequestInWords(*request, d.members, NowMs(ctx));
  auto items = (*c)->Get("/v1/emergency/requests/" + id + "/items", &vault::api::ItemsFromJson);
  if (!items) return ctx.Fail(items.error());
  const std::vector<vault::ItemMeta>& list = *items;
  if (o.item.empty()) {
    if (ctx.options.json) {
      json shown = json::array();
      for (const auto& it : list) shown.push_back(vault::api::ItemMetaToJson(it));
      ctx.console.out << shown.dump() << "\n";
    } else {
      for (const auto& it : list) {
        ctx.console.out << Printable(it.name) << "\t"
                        << em::ShownName(d.collections, it.collection_id) << "\t"
                        << Printable(it.channel) << "\t" << Printable(it.id) << "\n";
      }
      ctx.console.out << list.size() << (list.size() == 1 ? " item" : " items")
                      << " in scope; read one with: baton emergency open " << id.substr(0, 8)
                      << " ITEM [--field password|totp|...]\n";
    }
    ctx.console.err << footer << "\n";
    return kExitOk;
  }
  std::vector<const vault::ItemMeta*> matches;
  for (const auto& it : list) {
    if (it.id == o.item || it.name == o.item) matches.push_back(&it);
  }
  if (matches.empty()) {
    return ctx.Fail(Status::NotFound("no item named " + o.item + " in this emergency access"));
  }
  if (matches.size() > 1) {
    return ctx.Fail(
        Status::FailedPrecondition("several items are named " + o.item + "; use the item id"));
  }
  const std::string item_id = matches.front()->id;
  auto keys = OpenKeys(ctx, **c, id);
  if (!keys) return ctx.Fail(keys.error());
  auto reply = (*c)->Get("/v1/emergency/requests/" + id + "/items/" + item_id,
                         &vault::api::ItemWithCiphertextFromJson);
  if (!reply) return ctx.Fail(reply.error());
  json meta = vault::api::ItemMetaToJson(reply->meta);
  const std::string cid = reply->meta.collection_id;
  auto key = keys->find(cid);
  if (key == keys->end()) {
    return ctx.Fail(Status::Corruption("no released key for the item's collection " + cid));
  }
  const int64_t version = reply->meta.version;
  const int64_t key_version = reply->meta.key_version;
  if (key->second.version != key_version) {
    return ctx.Fail(Status::FailedPrecondition(
        "the item is encrypted under collection key version " + std::to_string(key_version) +
        ", but the grant holds version " + std::to_string(key->second.version) +
        "; ask an admin to re-issue the grant"));
  }
  auto trust = ctx.pins();
  if (!trust) return ctx.Fail(trust.error());
  if (Status s = (*trust)->CheckItem(item_id, version, matches.front()->name); !s.ok()) {
    return ctx.Fail(s);
  }
  // The item id is the one asked for: a ciphertext of another item fails here.
  auto payload =
      envelope::DecryptItem(key->second, {item_id, cid, version, key_version}, reply->ciphertext);
  if (!payload) return ctx.Fail(payload.error());
  if (Status s = (*trust)->PinItem(item_id, version); !s.ok()) return ctx.Fail(s);
  meta["id"] = item_id;
  meta["collection"] = em::NameOf(d.collections, cid);
  std::string totp_line;
  if (o.field.empty() && !ctx.options.json && !payload->totp_uri.empty()) {
    const std::string_view uri(reinterpret_cast<const char*>(payload->totp_uri.data()),
                               payload->totp_uri.size());
    auto params = vault::totp::ParseOtpauthUri(uri);
    auto code = params ? vault::totp::TotpCode(*params, ctx.env.Now())
                       : Result<std::string>(Fail(params.error()));
    if (code) {
      totp_line = "totp code    " + *code + "  (" +
                  std::to_string(vault::totp::TotpSecondsLeft(*params, ctx.env.Now()).count()) +
                  " s left)\n";
    }
  }
  const int rc = ShowItem(ctx, std::move(meta), std::move(*payload), o.field, o.show);
  ctx.console.out << totp_line;
  ctx.console.err << footer << "\n";
  return rc;
}

}  // namespace

void RegisterEmergencyOpen(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<OpenOptions>();
  auto* cmd = group.add_subcommand(
      "open", "As the deputy, once released: list the items in scope or read one");
  cmd->add_option("request", o->request, "Request (or grant) id")->required();
  cmd->add_option("item", o->item, "Item name or id; omitted: list the items");
  cmd->add_option("--field", o->field,
                  "Print only this field, raw: username, password, totp, notes, ...");
  cmd->add_flag("--show", o->show, "Reveal secrets instead of masking them");
  cmd->callback([&ctx, o] { ctx.exit_code = Open(ctx, *o); });
}

}  // namespace cli
