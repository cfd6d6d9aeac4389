// item add|get|edit|rm|list|search|history, totp, generate, rotate.
//
// Secrets never come from argv: passwords, TOTP URIs, notes, backup codes
// and custom field values are read from the terminal (echo off), stdin or a
// file. Decrypted values stay in SecureBuffers and are written to the
// console straight from locked memory (never through a std::string), and
// only when the user asked for them (--show, --field).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <vector>

#include "context.h"
#include "cli/exit_codes.h"
#include "item_view.h"
#include "vault/crypto.h"
#include "vault/envelope.h"
#include "vault/generator.h"
#include "vault/rotation.h"
#include "vault/totp.h"

namespace cli {
namespace {

using nlohmann::json;
using vault::Fail;
using vault::Result;
using vault::SecureBuffer;
using vault::Status;
namespace crypto = vault::crypto;
namespace envelope = vault::envelope;

constexpr std::string_view kMask = "********";
// Fields `item get --field` knows besides custom ones; custom fields may not
// take these names.
constexpr std::string_view kBuiltinFields[] = {"username", "password",     "totp", "totp-uri",
                                               "notes",    "backup-codes", "url"};

// --- Small helpers -------------------------------------------------------------

std::string_view View(const SecureBuffer& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

SecureBuffer FromText(std::string_view s) { return SecureBuffer::CopyOf(crypto::AsBytes(s)); }

void WriteRaw(std::ostream& out, const SecureBuffer& b) {
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// A JSON string written byte by byte, so a secret never lands in a
// std::string on its way out. UTF-8 passes through unchanged.
void WriteJsonString(std::ostream& out, std::span<const uint8_t> s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.put('"');
  for (uint8_t c : s) {
    switch (c) {
      case '"':
        out << "\\\"";
        break;
      case '\\':
        out << "\\\\";
        break;
      case '\n':
        out << "\\n";
        break;
      case '\r':
        out << "\\r";
        break;
      case '\t':
        out << "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out << "\\u00" << kHex[c >> 4] << kHex[c & 0xf];
        } else {
          out.put(static_cast<char>(c));
        }
    }
  }
  out.put('"');
}

// A JSON object: the non-secret members from `base`, then secret members
// written from locked memory. Close() ends it.
class SecretJson {
 public:
  SecretJson(std::ostream& out, const json& base) : out_(out) {
    std::string text = base.is_object() ? base.dump() : "{}";
    text.pop_back();  // the closing brace
    empty_ = text.size() == 1;
    out_ << text;
  }
  void Add(std::string_view key, const SecureBuffer& value) {
    Key(key);
    WriteJsonString(out_, value.bytes());
  }
  void AddArray(std::string_view key, const std::vector<SecureBuffer>& values) {
    Key(key);
    out_.put('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_.put(',');
      WriteJsonString(out_, values[i].bytes());
    }
    out_.put(']');
  }
  void AddFields(std::string_view key, const std::vector<envelope::CustomField>& fields) {
    Key(key);
    out_.put('{');
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out_.put(',');
      out_ << json(fields[i].name).dump() << ':';
      WriteJsonString(out_, fields[i].value.bytes());
    }
    out_.put('}');
  }
  void Close() { out_.put('}'); }

 private:
  void Key(std::string_view key) {
    if (!empty_) out_.put(',');
    empty_ = false;
    out_ << json(std::string(key)).dump() << ':';
  }
  std::ostream& out_;
  bool empty_ = true;
};

vault::TimePoint TimeOfMs(int64_t ms) { return vault::TimePoint(std::chrono::milliseconds(ms)); }

int64_t MsOf(vault::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// "2026-01-31" (UTC).
std::string Date(int64_t ms) {
  using namespace std::chrono;
  const year_month_day ymd(floor<days>(sys_time<milliseconds>(milliseconds(ms))));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// "2026-01-31 14:05Z".
std::string DateTime(int64_t ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms)};
  const auto day = floor<days>(t);
  const hh_mm_ss hms(floor<minutes>(t - day));
  char buf[16];
  std::snprintf(buf, sizeof buf, " %02d:%02dZ", static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()));
  return Date(ms) + buf;
}

// Columns line up for UTF-8 text: count code points, not bytes.
size_t DisplayWidth(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<uint8_t>(c) & 0xc0) != 0x80; }));
}

std::string Pad(const std::string& s, size_t width) {
  const size_t w = DisplayWidth(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

// Lower case for ASCII and the Latin-1 letters (À..Þ → à..þ), enough for
// names like "Öö" or "Õun" in the languages baton is used with.
std::string Fold(std::string_view s) {
  std::string out(s);
  for (size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<uint8_t>(out[i]);
    if (c >= 'A' && c <= 'Z') {
      out[i] = static_cast<char>(c + 32);
    } else if (c == 0xc3 && i + 1 < out.size()) {
      const auto next = static_cast<uint8_t>(out[i + 1]);
      if (next >= 0x80 && next <= 0x9e && next != 0x97) out[i + 1] = static_cast<char>(next + 0x20);
      ++i;
    }
  }
  return out;
}

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

// --- Server look-ups -------------------------------------------------------------

// A collection by id or exact name.
Result<json> FindCollection(Context& ctx, const std::string& which) {
  auto c = ctx.client();
  if (!c) return Fail(c.error());
  auto cols = (*c)->Call("GET", "/v1/collections");
  if (!cols) return Fail(cols.error());
  std::vector<json> by_name;
  for (const auto& col : (*cols)["collections"]) {
    if (col.value("id", "") == which) return col;
    if (col.value("name", "") == which) by_name.push_back(col);
  }
  if (by_name.empty()) return Fail(Status::NotFound("no collection named " + which));
  if (by_name.size() > 1) {
    return Fail(Status::FailedPrecondition("several collections are named " + which +
                                           "; use the collection id"));
  }
  return by_name.front();
}

// Item metadata (never ciphertext) of one collection, or of every collection
// this member may see; each item gains "collection" (the collection's name).
Result<std::vector<json>> ListItemMeta(Context& ctx, const std::string& collection) {
  auto c = ctx.client();
  if (!c) return Fail(c.error());
  std::vector<json> cols;
  if (!collection.empty()) {
    auto col = FindCollection(ctx, collection);
    if (!col) return Fail(col.error());
    cols.push_back(std::move(*col));
  } else {
    auto all = (*c)->Call("GET", "/v1/collections");
    if (!all) return Fail(all.error());
    for (const auto& col : (*all)["collections"]) cols.push_back(col);
  }
  std::vector<json> out;
  for (const auto& col : cols) {
    auto items = (*c)->Call("GET", "/v1/collections/" + col.value("id", "") + "/items");
    if (!items) {
      if (collection.empty() && items.error().IsPermissionDenied()) continue;
      return Fail(items.error());
    }
    for (auto it : (*items)["items"]) {
      it["collection"] = col.value("name", "");
      out.push_back(std::move(it));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return std::pair(a.value("collection", ""), a.value("name", "")) <
           std::pair(b.value("collection", ""), b.value("name", ""));
  });
  return out;
}

vault::DueInfo DueOf(Context& ctx, const json& meta) {
  vault::RotationFlags flags;
  for (const auto& f : meta.value("flags", json::array())) {
    // A flag kind this version does not know still means "rotate now".
    auto kind = vault::ParseRotationFlagKind(f.value("kind", ""));
    flags.Raise({kind ? *kind : vault::RotationFlagKind::kManual, f.value("reason", ""),
                 TimeOfMs(f.value("raised_ms", int64_t{0}))});
  }
  return vault::ComputeDue(ctx.env.Now(), TimeOfMs(meta.value("last_rotated_ms", int64_t{0})),
                           std::chrono::days(meta.value("rotation_period_days", int64_t{0})),
                           flags);
}

std::string FlagNames(const json& meta) {
  std::string out;
  for (const auto& f : meta.value("flags", json::array())) {
    if (!out.empty()) out += ",";
    out += f.value("kind", "?");
  }
  return out;
}

// Metadata plus where the item stands for rotation.
json WithDue(Context& ctx, json meta) {
  const vault::DueInfo due = DueOf(ctx, meta);
  meta["due"] = std::string(vault::ToString(due.status));
  meta["due_ms"] = MsOf(due.due_at);
  return meta;
}

// An item fetched (an audited read) and decrypted.
struct OpenedItem {
  json meta;  // as GET /v1/items/:id returns it, without the ciphertext
  envelope::ItemPayload payload;
};

Result<envelope::ItemPayload> Decrypt(Context& ctx, const std::string& item_id,
                                      const std::string& collection_id, int64_t version,
                                      int64_t key_version, const std::string& ciphertext_b64) {
  auto ct = crypto::FromBase64(ciphertext_b64);
  if (!ct) return Fail(Status::Corruption("the server sent a malformed ciphertext"));
  auto key = ctx.collection_key(collection_id, key_version);
  if (!key) return Fail(key.error());
  if ((*key)->version != key_version) {
    return Fail(Status::FailedPrecondition(
        "item version " + std::to_string(version) + " is encrypted under collection key version " +
        std::to_string(key_version) + ", but this member holds key version " +
        std::to_string((*key)->version)));
  }
  return envelope::DecryptItem(**key, {item_id, collection_id, version, key_version}, *ct);
}

// With `allow_offline` (reads only), the offline cache answers when the
// server cannot be reached, and stderr says so.
Result<OpenedItem> FetchItem(Context& ctx, const std::string& name_or_id,
                             bool allow_offline = false) {
  auto read = ctx.ReadItem(name_or_id, allow_offline);
  if (!read) return Fail(read.error());
  if (read->offline) {
    ctx.console.err << "baton: offline, as of " << DateTime(read->as_of_ms)
                    << " (the server cannot be reached; this read is reported to it later)\n";
  }
  const ItemRef& ref = read->ref;
  OpenedItem item;
  item.meta = std::move(read->meta);
  // The id is the one asked for, so a server answering with another item's
  // ciphertext fails to decrypt.
  auto payload = Decrypt(ctx, ref.id, item.meta.value("collection_id", ref.collection_id),
                         item.meta.value("version", int64_t{0}),
                         item.meta.value("key_version", int64_t{0}),
                         crypto::ToBase64(read->ciphertext));
  if (!payload) return Fail(payload.error());
  item.payload = std::move(*payload);
  item.meta["id"] = ref.id;
  item.meta["collection"] = ref.meta.value("collection", "");
  return item;
}

std::string CollectionNameOf(Context& ctx, const std::string& id) {
  auto c = ctx.client();
  if (!c) return "";
  auto cols = (*c)->Call("GET", "/v1/collections");
  if (!cols) return "";
  for (const auto& col : (*cols)["collections"]) {
    if (col.value("id", "") == id) return col.value("name", "");
  }
  return "";
}

// The secret of the rotation under way (an audited read): what the password
// on the site is about to become, or already is. meta["version"] is the
// pending version.
Result<OpenedItem> FetchPendingItem(Context& ctx, const std::string& name_or_id) {
  auto ref = ctx.FindItem(name_or_id);
  if (!ref) return Fail(ref.error());
  auto c = ctx.client();
  if (!c) return Fail(c.error());
  auto reply = (*c)->Call("GET", "/v1/items/" + ref->id + "?version=pending");
  if (!reply) {
    if (reply.error().IsFailedPrecondition()) {
      return Fail(Status::FailedPrecondition("no rotation of " + ref->meta.value("name", "") +
                                             " is pending"));
    }
    return Fail(reply.error());
  }
  OpenedItem item;
  item.meta = std::move(*reply);
  const std::string ciphertext = item.meta.value("ciphertext", "");
  item.meta.erase("ciphertext");
  auto payload = Decrypt(ctx, ref->id, item.meta.value("collection_id", ""),
                         item.meta.value("version", int64_t{0}),
                         item.meta.value("key_version", int64_t{0}), ciphertext);
  if (!payload) return Fail(payload.error());
  item.payload = std::move(*payload);
  item.meta["id"] = ref->id;
  item.meta["collection"] = ref->meta.value("collection", "");
  return item;
}

// Metadata options shared by `item edit`, checked like `item add` checks them.
struct MetaOptions {
  std::string name;
  std::string url;
  std::string channel;
  int64_t period_days = 0;
  bool name_given = false;
  bool url_given = false;
  bool channel_given = false;
  bool period_given = false;

  bool any() const { return name_given || url_given || channel_given || period_given; }
};

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

// --- item add --------------------------------------------------------------------

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
  if (Status s = CheckMeta({o.name, o.url, o.channel, o.period_days, true, true, true,
                            o.period_given});
      !s.ok()) {
    return ctx.Fail(s);
  }
  if (Status s = CheckFieldNames(o.fields); !s.ok()) return ctx.Fail(s);

  envelope::ItemPayload payload;
  payload.username = FromText(o.username);
  Result<SecureBuffer> password = o.generate ? GenerateDefaultPassword(ctx)
                                  : o.password_stdin
                                      ? ReadLine(ctx)
                                      : ctx.console.read_secret("Password for " + o.name + ": ");
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
  if (!o.backup_codes_file.empty()) {
    auto codes = ReadBackupCodes(ctx, o.backup_codes_file);
    if (!codes) return ctx.Fail(codes.error());
    payload.backup_codes = std::move(*codes);
  }
  if (!o.notes_file.empty()) {
    auto notes = ReadSecretFile(ctx.env, ctx.console.in, o.notes_file);
    if (!notes) return ctx.Fail(notes.error());
    payload.notes = std::move(*notes);
  }

  auto col = FindCollection(ctx, o.collection);
  if (!col) return ctx.Fail(col.error());
  const std::string collection_id = col->value("id", "");
  auto key = ctx.collection_key(collection_id);
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
  auto created = (*c)->Call("POST", "/v1/collections/" + collection_id + "/items", body);
  if (!created) return ctx.Fail(created.error());
  ctx.SyncCacheQuietly();
  (*created)["collection"] = col->value("name", "");
  const bool show_password = o.generate && o.show;
  if (ctx.options.json) {
    SecretJson out(ctx.console.out, *created);
    if (show_password) out.Add("password", payload.password);
    out.Close();
    ctx.console.out << "\n";
  } else {
    ctx.console.out << "Added " << o.name << " to " << col->value("name", "") << " (item id " << id
                    << ", version 1)\n";
    if (show_password) {
      ctx.console.out << "password: ";
      WriteRaw(ctx.console.out, payload.password);
      ctx.console.out << "\n";
    }
  }
  return kExitOk;
}

// --- item get ------------------------------------------------------------------

// Prints one field raw, for scripts.
int PrintField(Context& ctx, const OpenedItem& item, const std::string& field) {
  const auto& p = item.payload;
  auto& out = ctx.console.out;
  const std::string name = item.meta.value("name", "");
  auto missing = [&] { return ctx.Fail(Status::NotFound(name + " has no " + field)); };
  auto raw = [&](const SecureBuffer& b) {
    if (b.empty()) return missing();
    WriteRaw(out, b);
    out << "\n";
    return static_cast<int>(kExitOk);
  };
  if (field == "username") return raw(p.username);
  if (field == "password") return raw(p.password);
  if (field == "notes") return raw(p.notes);
  if (field == "totp-uri") return raw(p.totp_uri);
  if (field == "url") {
    const std::string url = item.meta.value("url", "");
    if (url.empty()) return missing();
    out << url << "\n";
    return kExitOk;
  }
  if (field == "totp") {
    if (p.totp_uri.empty()) return missing();
    auto params = vault::totp::ParseOtpauthUri(View(p.totp_uri));
    if (!params) return ctx.Fail(params.error());
    auto code = vault::totp::TotpCode(*params, ctx.env.Now());
    if (!code) return ctx.Fail(code.error());
    out << *code << "\n";
    return kExitOk;
  }
  if (field == "backup-codes") {
    if (p.backup_codes.empty()) return missing();
    for (const auto& code : p.backup_codes) {
      WriteRaw(out, code);
      out << "\n";
    }
    return kExitOk;
  }
  for (const auto& f : p.custom_fields) {
    if (f.name == field) return raw(f.value);
  }
  return missing();
}

void PrintSecretLine(Context& ctx, const std::string& label, const SecureBuffer& value, bool show) {
  if (value.empty()) return;
  ctx.console.out << Pad(label, 13);
  if (show) {
    WriteRaw(ctx.console.out, value);
  } else {
    ctx.console.out << kMask;
  }
  ctx.console.out << "\n";
}

int ShowOpenedItem(Context& ctx, const OpenedItem* item, const std::string& field, bool show);

int ItemGet(Context& ctx, const std::string& which, const std::string& field, bool show,
            bool pending = false) {
  auto item = pending ? FetchPendingItem(ctx, which) : FetchItem(ctx, which, /*allow_offline=*/true);
  if (!item) return ctx.Fail(item.error());
  return ShowOpenedItem(ctx, &*item, field, show);
}

// Also behind cli::ShowItem (emergency open), hence apart from the fetch.
int ShowOpenedItem(Context& ctx, const OpenedItem* item, const std::string& field, bool show) {
  if (!field.empty()) return PrintField(ctx, *item, field);

  const auto& p = item->payload;
  json meta = WithDue(ctx, item->meta);
  if (meta.value("collection", "").empty()) {
    meta["collection"] = CollectionNameOf(ctx, meta.value("collection_id", ""));
  }
  if (ctx.options.json) {
    json masked = meta;
    if (!show) {
      if (!p.password.empty()) masked["password"] = kMask;
      if (!p.totp_uri.empty()) masked["totp_uri"] = kMask;
      if (!p.notes.empty()) masked["notes"] = kMask;
      if (!p.backup_codes.empty()) {
        masked["backup_codes"] = json::array();
        for (size_t i = 0; i < p.backup_codes.size(); ++i) masked["backup_codes"].push_back(kMask);
      }
      json fields = json::object();
      for (const auto& f : p.custom_fields) fields[f.name] = kMask;
      if (!p.custom_fields.empty()) masked["fields"] = fields;
    }
    SecretJson out(ctx.console.out, masked);
    out.Add("username", p.username);
    if (show) {
      if (!p.password.empty()) out.Add("password", p.password);
      if (!p.totp_uri.empty()) out.Add("totp_uri", p.totp_uri);
      if (!p.notes.empty()) out.Add("notes", p.notes);
      if (!p.backup_codes.empty()) out.AddArray("backup_codes", p.backup_codes);
      if (!p.custom_fields.empty()) out.AddFields("fields", p.custom_fields);
    }
    out.Close();
    ctx.console.out << "\n";
    return kExitOk;
  }

  auto& out = ctx.console.out;
  out << Pad("name", 13) << meta.value("name", "") << "\n"
      << Pad("id", 13) << meta.value("id", "") << "\n"
      << Pad("collection", 13) << meta.value("collection", "") << " ("
      << meta.value("collection_id", "") << ")\n"
      << Pad("channel", 13) << meta.value("channel", "") << "\n";
  if (!meta.value("url", "").empty()) out << Pad("url", 13) << meta.value("url", "") << "\n";
  out << Pad("version", 13) << meta.value("version", int64_t{0}) << ", updated "
      << DateTime(meta.value("updated_ms", int64_t{0})) << " by " << meta.value("updated_by", "")
      << "\n"
      << Pad("rotation", 13) << "every " << meta.value("rotation_period_days", int64_t{0})
      << " days; last " << Date(meta.value("last_rotated_ms", int64_t{0})) << "; due "
      << Date(meta.value("due_ms", int64_t{0})) << " (" << meta.value("due", "") << ")\n";
  if (const std::string flags = FlagNames(meta); !flags.empty()) {
    out << Pad("flags", 13) << flags << "\n";
  }
  if (!p.username.empty()) {
    out << Pad("username", 13);
    WriteRaw(out, p.username);
    out << "\n";
  }
  // The password line is always there, masked, so its absence is not news.
  out << Pad("password", 13);
  if (show) {
    WriteRaw(out, p.password);
  } else {
    out << kMask;
  }
  out << "\n";
  PrintSecretLine(ctx, "totp uri", p.totp_uri, show);
  if (!p.backup_codes.empty()) {
    out << Pad("backup codes", 13) << p.backup_codes.size();
    if (show) {
      for (const auto& code : p.backup_codes) {
        out << "\n" << Pad("", 13);
        WriteRaw(out, code);
      }
    } else {
      out << " (hidden)";
    }
    out << "\n";
  }
  PrintSecretLine(ctx, "notes", p.notes, show);
  for (const auto& f : p.custom_fields) PrintSecretLine(ctx, f.name, f.value, show);
  if (!show) out << "(secrets masked; --show reveals them, --field NAME prints one)\n";
  return kExitOk;
}

// --- item edit -------------------------------------------------------------------

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
};

// PATCHes the metadata options; prints nothing.
Result<json> UpdateMeta(Context& ctx, const std::string& id, const MetaOptions& m) {
  json body = json::object();
  if (m.name_given) body["name"] = m.name;
  if (m.url_given) body["url"] = m.url;
  if (m.channel_given) body["channel"] = m.channel;
  if (m.period_given) body["rotation_period_days"] = m.period_days;
  auto c = ctx.client();
  if (!c) return Fail(c.error());
  return (*c)->Call("PATCH", "/v1/items/" + id, body);
}

// The secret edit refuses a pending rotation up front, in words that say
// what to do (the server refuses it as well).
Status NoPendingRotation(const json& meta) {
  if (!meta.contains("pending_version")) return Status::OK();
  const std::string name = meta.value("name", "");
  return Status::FailedPrecondition(
      "a rotation of " + name + " is pending (version " +
      std::to_string(meta.value("pending_version", int64_t{0})) +
      "); finish it first with `baton rotate " + name + " --confirm` or `--abort`");
}

int ItemEdit(Context& ctx, const EditOptions& o) {
  const bool secrets = o.username_given || o.password_stdin || o.prompt_password || o.generate ||
                       o.totp_stdin || !o.notes_file.empty() || !o.backup_codes_file.empty();
  if (!secrets && !o.meta.any()) {
    return Usage(ctx, "nothing to change; see baton item edit --help");
  }
  if (Status s = CheckMeta(o.meta); !s.ok()) return ctx.Fail(s);
  if (!secrets) {
    // Metadata alone: no secret is read or re-encrypted.
    auto ref = ctx.FindItem(o.item);
    if (!ref) return ctx.Fail(ref.error());
    auto updated = UpdateMeta(ctx, ref->id, o.meta);
    if (!updated) return ctx.Fail(updated.error());
    if (ctx.options.json) {
      ctx.console.out << updated->dump() << "\n";
    } else {
      ctx.console.out << "Updated the details of " << updated->value("name", "") << "\n";
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
    auto pw =
        o.generate ? GenerateDefaultPassword(ctx)
        : o.password_stdin
            ? ReadLine(ctx)
            : ctx.console.read_secret("New password for " + item->meta.value("name", "") + ": ");
    if (!pw) return ctx.Fail(pw.error());
    p.password = std::move(*pw);
  }
  if (o.totp_stdin) {
    auto uri = ReadTotpUri(ctx);
    if (!uri) return ctx.Fail(uri.error());
    p.totp_uri = std::move(*uri);
  }
  if (!o.backup_codes_file.empty()) {
    auto codes = ReadBackupCodes(ctx, o.backup_codes_file);
    if (!codes) return ctx.Fail(codes.error());
    p.backup_codes = std::move(*codes);
  }
  if (!o.notes_file.empty()) {
    auto notes = ReadSecretFile(ctx.env, ctx.console.in, o.notes_file);
    if (!notes) return ctx.Fail(notes.error());
    p.notes = std::move(*notes);
  }

  const std::string id = item->meta.value("id", "");
  const std::string collection_id = item->meta.value("collection_id", "");
  const int64_t version = item->meta.value("version", int64_t{0});
  const int64_t key_version = item->meta.value("key_version", int64_t{0});
  // Numbers of aborted rotations are skipped; servers before next_version
  // had none.
  const int64_t next = item->meta.value("next_version", version + 1);
  auto key = ctx.collection_key(collection_id);
  if (!key) return ctx.Fail(key.error());
  // The server stores the new version under the item's key version.
  auto ct = envelope::EncryptItem(ctx.env, **key, {id, collection_id, next, key_version}, p);
  if (!ct) return ctx.Fail(ct.error());
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  if (o.meta.any()) {
    // Metadata first: a taken name is the likelier refusal, and it leaves
    // the secret unchanged.
    auto meta = UpdateMeta(ctx, id, o.meta);
    if (!meta) return ctx.Fail(meta.error());
  }
  auto updated =
      (*c)->Call("PUT", "/v1/items/" + id,
                 json{{"expected_version", version}, {"ciphertext", crypto::ToBase64(*ct)}});
  if (!updated) {
    if (updated.error().IsFailedPrecondition()) {
      ctx.console.err << "baton: " << item->meta.value("name", "")
                      << " changed since it was read (version " << version
                      << "); run the edit again on the new version\n";
    }
    return ctx.Fail(updated.error());
  }
  const bool show_password = o.generate && o.show;
  if (ctx.options.json) {
    SecretJson out(ctx.console.out, *updated);
    if (show_password) out.Add("password", p.password);
    out.Close();
    ctx.console.out << "\n";
  } else {
    ctx.console.out << "Updated " << updated->value("name", "") << " to version "
                    << updated->value("version", int64_t{0}) << "\n";
    if (show_password) {
      ctx.console.out << "password: ";
      WriteRaw(ctx.console.out, p.password);
      ctx.console.out << "\n";
    }
  }
  return kExitOk;
}

// --- item rm, list, search, history ------------------------------------------------

int ItemRemove(Context& ctx, const std::string& which) {
  auto ref = ctx.FindItem(which);
  if (!ref) return ctx.Fail(ref.error());
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto r = (*c)->Call("DELETE", "/v1/items/" + ref->id);
  if (!r) return ctx.Fail(r.error());
  ctx.SyncCacheQuietly();
  if (ctx.options.json) {
    ctx.console.out << r->dump() << "\n";
  } else {
    ctx.console.out << "Deleted " << ref->meta.value("name", "") << " (item id " << ref->id
                    << ")\n";
  }
  return kExitOk;
}

void PrintItemTable(Context& ctx, const std::vector<json>& items) {
  if (ctx.options.json) {
    json out = json::array();
    for (const auto& it : items) out.push_back(WithDue(ctx, it));
    ctx.console.out << out.dump() << "\n";
    return;
  }
  if (items.empty()) {
    ctx.console.out << "No items.\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "CHANNEL", "COLLECTION", "VERSION", "ROTATED", "DUE", "FLAGS"}};
  for (const auto& raw : items) {
    const json it = WithDue(ctx, raw);
    rows.push_back({it.value("name", ""), it.value("channel", ""), it.value("collection", ""),
                    std::to_string(it.value("version", int64_t{0})),
                    Date(it.value("last_rotated_ms", int64_t{0})),
                    Date(it.value("due_ms", int64_t{0})) + " " + it.value("due", ""),
                    FlagNames(it)});
  }
  std::vector<size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += i + 1 < row.size() ? Pad(row[i], widths[i] + 2) : row[i];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    ctx.console.out << line << "\n";
  }
}

int ItemList(Context& ctx, const std::string& collection) {
  auto items = ListItemMeta(ctx, collection);
  if (!items) return ctx.Fail(items.error());
  PrintItemTable(ctx, *items);
  ctx.SyncCacheQuietly();
  return kExitOk;
}

int ItemSearch(Context& ctx, const std::string& text) {
  auto items = ListItemMeta(ctx, "");
  if (!items) return ctx.Fail(items.error());
  const std::string needle = Fold(text);
  std::vector<json> hits;
  for (auto& it : *items) {
    for (const char* key : {"name", "url", "channel"}) {
      if (Fold(it.value(key, "")).find(needle) != std::string::npos) {
        hits.push_back(std::move(it));
        break;
      }
    }
  }
  PrintItemTable(ctx, hits);
  return kExitOk;
}

int ItemHistory(Context& ctx, const std::string& which, bool show) {
  auto ref = ctx.FindItem(which);
  if (!ref) return ctx.Fail(ref.error());
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto r = (*c)->Call("GET", "/v1/items/" + ref->id + "/history");
  if (!r) return ctx.Fail(r.error());
  // Names for member ids where the role may list members; ids otherwise.
  std::map<std::string, std::string> names;
  if (auto members = (*c)->Call("GET", "/v1/members")) {
    for (const auto& m : (*members)["members"]) names[m.value("id", "")] = m.value("name", "");
  }
  json versions = (*r)["versions"];
  std::sort(versions.begin(), versions.end(), [](const json& a, const json& b) {
    return a.value("version", int64_t{0}) < b.value("version", int64_t{0});
  });
  std::vector<envelope::ItemPayload> payloads;
  for (auto& v : versions) {
    const std::string ct = v.value("ciphertext", "");
    v.erase("ciphertext");
    const std::string by = v.value("created_by", "");
    if (auto it = names.find(by); it != names.end()) v["created_by_name"] = it->second;
    if (!show) continue;
    auto p = Decrypt(ctx, ref->id, ref->collection_id, v.value("version", int64_t{0}),
                     v.value("key_version", int64_t{0}), ct);
    if (!p) return ctx.Fail(p.error());
    payloads.push_back(std::move(*p));
  }
  auto& out = ctx.console.out;
  if (ctx.options.json) {
    out << "[";
    for (size_t i = 0; i < versions.size(); ++i) {
      if (i > 0) out << ",";
      SecretJson o(out, versions[i]);
      if (show) {
        o.Add("username", payloads[i].username);
        o.Add("password", payloads[i].password);
      }
      o.Close();
    }
    out << "]\n";
    return kExitOk;
  }
  out << "History of " << ref->meta.value("name", "") << " (" << ref->id << ")\n";
  for (size_t i = 0; i < versions.size(); ++i) {
    const json& v = versions[i];
    const std::string by = v.value("created_by", "");
    out << "  v" << v.value("version", int64_t{0}) << "  " << Pad(v.value("state", ""), 8) << "  "
        << DateTime(v.value("created_ms", int64_t{0})) << "  by " << v.value("created_by_name", by);
    if (show) {
      out << "  password ";
      WriteRaw(out, payloads[i].password);
    }
    out << "\n";
  }
  return kExitOk;
}

// --- totp, generate ------------------------------------------------------------------

int Totp(Context& ctx, const std::string& which) {
  auto item = FetchItem(ctx, which, /*allow_offline=*/true);
  if (!item) return ctx.Fail(item.error());
  if (item->payload.totp_uri.empty()) {
    return ctx.Fail(Status::NotFound(item->meta.value("name", "") + " has no TOTP seed"));
  }
  auto params = vault::totp::ParseOtpauthUri(View(item->payload.totp_uri));
  if (!params) return ctx.Fail(params.error());
  const vault::TimePoint now = ctx.env.Now();
  auto code = vault::totp::TotpCode(*params, now);
  if (!code) return ctx.Fail(code.error());
  const int64_t left = vault::totp::TotpSecondsLeft(*params, now).count();
  if (ctx.options.json) {
    ctx.console.out << json{{"code", *code}, {"seconds_left", left}}.dump() << "\n";
  } else {
    ctx.console.out << *code << "  (" << left << " s left)\n";
  }
  return kExitOk;
}

struct GenerateOptions {
  int length = vault::gen::kDefaultLength;
  bool no_symbols = false;
  bool no_digits = false;
  bool avoid_ambiguous = false;
  std::string exclude;
  bool passphrase = false;
  int words = vault::gen::kDefaultWords;
  std::string separator = "-";
  bool capitalize = false;
};

int Generate(Context& ctx, const GenerateOptions& o) {
  Result<SecureBuffer> secret;
  Result<double> bits;
  if (o.passphrase) {
    vault::gen::PassphrasePolicy policy;
    policy.words = o.words;
    policy.separator = o.separator;
    policy.capitalize = o.capitalize;
    if (Status s = vault::gen::CheckPassphrasePolicy(policy); !s.ok()) return ctx.Fail(s);
    secret = vault::gen::GeneratePassphrase(ctx.env, policy);
    bits = vault::gen::PassphraseEntropyBits(policy);
  } else {
    vault::gen::PasswordPolicy policy;
    policy.length = o.length;
    policy.symbols = !o.no_symbols;
    policy.digits = !o.no_digits;
    policy.avoid_ambiguous = o.avoid_ambiguous;
    policy.exclude = o.exclude;
    if (Status s = vault::gen::CheckPasswordPolicy(policy); !s.ok()) return ctx.Fail(s);
    secret = vault::gen::GeneratePassword(ctx.env, policy);
    bits = vault::gen::PasswordEntropyBits(policy);
  }
  if (!secret) return ctx.Fail(secret.error());
  if (!bits) return ctx.Fail(bits.error());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", *bits);
  ctx.console.err << "entropy: " << buf << " bits\n";
  if (ctx.options.json) {
    SecretJson out(ctx.console.out, json{{"entropy_bits", *bits}});
    out.Add(o.passphrase ? "passphrase" : "password", *secret);
    out.Close();
    ctx.console.out << "\n";
  } else {
    WriteRaw(ctx.console.out, *secret);
    ctx.console.out << "\n";
  }
  return kExitOk;
}


// --- rotate ----------------------------------------------------------------------------

// The item's metadata as the server has it now (not a cached listing): the
// pending version must be the server's.
Result<json> FreshMeta(Context& ctx, const ItemRef& ref) {
  auto c = ctx.client();
  if (!c) return Fail(c.error());
  auto items = (*c)->Call("GET", "/v1/collections/" + ref.collection_id + "/items");
  if (!items) return Fail(items.error());
  for (const auto& it : (*items)["items"]) {
    if (it.value("id", "") == ref.id) return it;
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
        " is already pending; finish it with `baton rotate " + o.item +
        " --confirm` (or --abort) before starting another"));
  }
  // Only the password changes; username, TOTP seed, notes and fields carry over.
  envelope::ItemPayload& p = item->payload;
  auto pw = GenerateDefaultPassword(ctx);
  if (!pw) return ctx.Fail(pw.error());
  p.password = std::move(*pw);

  const std::string id = item->meta.value("id", "");
  const std::string collection_id = item->meta.value("collection_id", "");
  const int64_t version = item->meta.value("version", int64_t{0});
  const int64_t next = item->meta.value("next_version", version + 1);
  const int64_t key_version = item->meta.value("key_version", int64_t{0});
  auto key = ctx.collection_key(collection_id);
  if (!key) return ctx.Fail(key.error());
  auto ct = envelope::EncryptItem(ctx.env, **key, {id, collection_id, next, key_version}, p);
  if (!ct) return ctx.Fail(ct.error());
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto begun = (*c)->Call("POST", "/v1/items/" + id + "/rotation",
                          json{{"expected_version", version},
                               {"pending_version", next},
                               {"ciphertext", crypto::ToBase64(*ct)}});
  if (!begun) return ctx.Fail(begun.error());
  if (ctx.options.json) {
    SecretJson out(ctx.console.out, *begun);
    if (o.show) out.Add("password", p.password);
    out.Close();
    ctx.console.out << "\n";
    return kExitOk;
  }
  auto& out = ctx.console.out;
  out << "Started rotating " << name << ": the new password is stored as pending version " << next
      << "; version " << version << " stays current until you confirm.\n";
  if (o.show) {
    out << "new password: ";
    WriteRaw(out, p.password);
    out << "\n";
  }
  out << "Next:\n"
      << "  1. Change the password on " << SiteOf(item->meta) << " to the new one ("
      << (o.show ? "shown above" : "shown with --show") << " or copied by `baton item get "
      << o.item << " --pending --field password`).\n"
      << "  2. Then run `baton rotate " << o.item << " --confirm`.\n"
      << "If the site refused the change, run `baton rotate " << o.item
      << " --abort`; the current password keeps working until then.\n";
  return kExitOk;
}

int RotateFinish(Context& ctx, const RotateOptions& o) {
  auto ref = ctx.FindItem(o.item);
  if (!ref) return ctx.Fail(ref.error());
  auto meta = FreshMeta(ctx, *ref);
  if (!meta) return ctx.Fail(meta.error());
  const std::string name = meta->value("name", "");
  if (!meta->contains("pending_version")) {
    return ctx.Fail(Status::FailedPrecondition(
        std::string("nothing to ") + (o.confirm ? "confirm" : "abort") + ": no rotation of " +
        name + " is pending (start one with `baton rotate " + o.item + "`)"));
  }
  const int64_t pending = meta->value("pending_version", int64_t{0});
  auto c = ctx.client();
  if (!c) return ctx.Fail(c.error());
  auto done = o.confirm ? (*c)->Call("POST", "/v1/items/" + ref->id + "/rotation/confirm",
                                     json{{"pending_version", pending}})
                        : (*c)->Call("DELETE", "/v1/items/" + ref->id + "/rotation");
  if (!done) return ctx.Fail(done.error());
  if (ctx.options.json) {
    ctx.console.out << done->dump() << "\n";
  } else if (o.confirm) {
    ctx.console.out << "Confirmed: version " << pending << " is now the current password of "
                    << name << "; version " << meta->value("version", int64_t{0})
                    << " is kept in its history.\n";
  } else {
    ctx.console.out << "Aborted the rotation of " << name << "; version "
                    << meta->value("version", int64_t{0})
                    << " stays current. The abandoned password stays in `baton item history "
                    << o.item << " --show` in case the site took it after all.\n";
  }
  return kExitOk;
}

int Rotate(Context& ctx, const RotateOptions& o) {
  return o.confirm || o.abort ? RotateFinish(ctx, o) : RotateBegin(ctx, o);
}

}  // namespace

void RegisterItemCommands(CLI::App& app, Context& ctx) {
  auto* item = app.add_subcommand("item", "Credentials: add, show, change, remove, find");
  item->require_subcommand(1);

  {
    auto o = std::make_shared<AddOptions>();
    auto* cmd = item->add_subcommand(
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
    auto* fields =
        cmd->add_option("--field", o->fields,
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
  {
    auto which = std::make_shared<std::string>();
    auto field = std::make_shared<std::string>();
    auto show = std::make_shared<bool>(false);
    auto* cmd = item->add_subcommand(
        "get", "Fetch and decrypt an item (an audited read); secrets are masked unless --show");
    cmd->add_option("item", *which, "Item id or name")->required();
    cmd->add_option("--field", *field,
                    "Print only this field, raw, for scripts: username, password, totp (the "
                    "current code), totp-uri, notes, backup-codes, url, or a custom field name");
    cmd->add_flag("--show", *show, "Show secrets instead of ********");
    auto pending = std::make_shared<bool>(false);
    cmd->add_flag("--pending", *pending,
                  "The new secret of the rotation under way instead of the current one");
    cmd->callback([&ctx, which, field, show, pending] {
      ctx.exit_code = ItemGet(ctx, *which, *field, *show, *pending);
    });
  }
  {
    auto o = std::make_shared<EditOptions>();
    auto* cmd = item->add_subcommand(
        "edit",
        "Change an item's secrets (stored as a new version; refused if someone changed it "
        "meanwhile or a rotation is pending) and/or its details: name, URL, channel, period");
    cmd->add_option("item", o->item, "Item id or name")->required();
    auto* user = cmd->add_option("--username", o->username, "New login name");
    auto* pw_stdin = cmd->add_flag("--password-stdin", o->password_stdin,
                                   "Read the new password from one line of stdin");
    auto* prompt = cmd->add_flag("--prompt-password", o->prompt_password,
                                 "Ask for the new password on the terminal");
    auto* gen =
        cmd->add_flag("--generate", o->generate, "Generate a new password (default policy)");
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
    cmd->callback([&ctx, o, user, name, url, channel, period] {
      o->meta.name_given = name->count() > 0;
      o->meta.url_given = url->count() > 0;
      o->meta.channel_given = channel->count() > 0;
      o->meta.period_given = period->count() > 0;
      o->username_given = user->count() > 0;
      ctx.exit_code = ItemEdit(ctx, *o);
    });
  }
  {
    auto which = std::make_shared<std::string>();
    auto* cmd = item->add_subcommand("rm", "Delete an item and all its versions");
    cmd->add_option("item", *which, "Item id or name")->required();
    cmd->callback([&ctx, which] { ctx.exit_code = ItemRemove(ctx, *which); });
  }
  {
    auto collection = std::make_shared<std::string>();
    auto* cmd = item->add_subcommand(
        "list", "Items (metadata only): channel, collection, version, rotation due date, flags");
    cmd->add_option("collection", *collection, "Only this collection (id or name)");
    cmd->callback([&ctx, collection] { ctx.exit_code = ItemList(ctx, *collection); });
  }
  {
    auto text = std::make_shared<std::string>();
    auto* cmd = item->add_subcommand(
        "search",
        "Find items whose name, URL or channel contains TEXT (any case; decrypts nothing)");
    cmd->add_option("text", *text, "Text to look for")->required();
    cmd->callback([&ctx, text] { ctx.exit_code = ItemSearch(ctx, *text); });
  }
  {
    auto which = std::make_shared<std::string>();
    auto show = std::make_shared<bool>(false);
    auto* cmd =
        item->add_subcommand("history", "Versions of an item: when and by whom (an audited read)");
    cmd->add_option("item", *which, "Item id or name")->required();
    cmd->add_flag("--show", *show, "Also decrypt each version and show its username and password");
    cmd->callback([&ctx, which, show] { ctx.exit_code = ItemHistory(ctx, *which, *show); });
  }
  {
    auto o = std::make_shared<RotateOptions>();
    auto* cmd = app.add_subcommand(
        "rotate",
        "Rotate an item's password in two steps: generate a new one and keep it pending while "
        "you change it on the site, then --confirm (or --abort)");
    cmd->add_option("item", o->item, "Item id or name")->required();
    auto* confirm = cmd->add_flag("--confirm", o->confirm,
                                  "The site took the new password: make it current");
    auto* abort = cmd->add_flag("--abort", o->abort,
                                "Drop the pending password; the current one stays");
    confirm->excludes(abort);
    cmd->add_flag("--show", o->show, "Print the new password")->excludes(confirm)->excludes(abort);
    cmd->callback([&ctx, o] { ctx.exit_code = Rotate(ctx, *o); });
  }
  {
    auto which = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("totp", "Current TOTP (2FA) code of an item and seconds left");
    cmd->add_option("item", *which, "Item id or name")->required();
    cmd->callback([&ctx, which] { ctx.exit_code = Totp(ctx, *which); });
  }
  {
    auto o = std::make_shared<GenerateOptions>();
    auto* cmd = app.add_subcommand(
        "generate",
        "Print a new random password (or a --diceware passphrase); its entropy goes to stderr. "
        "Needs no server");
    auto* length =
        cmd->add_option("--length", o->length, "Password length (8 to 128)")->capture_default_str();
    auto* no_symbols = cmd->add_flag("--no-symbols", o->no_symbols, "No punctuation characters");
    auto* no_digits = cmd->add_flag("--no-digits", o->no_digits, "No digits");
    auto* exclude = cmd->add_option("--exclude", o->exclude, "Never use these characters");
    auto* ambiguous = cmd->add_flag("--avoid-ambiguous", o->avoid_ambiguous,
                                    "Leave out look-alikes (I l 1 O 0 o)");
    auto* pass = cmd->add_flag("--diceware", o->passphrase,
                               "A passphrase: words from the EFF long list instead of characters");
    for (auto* opt : {length, no_symbols, no_digits, exclude, ambiguous}) opt->excludes(pass);
    cmd->add_option("--words", o->words, "Passphrase words (3 to 20)")
        ->capture_default_str()
        ->needs(pass);
    cmd->add_option("--separator", o->separator, "Between passphrase words")
        ->capture_default_str()
        ->needs(pass);
    cmd->add_flag("--capitalize", o->capitalize, "Capitalise each passphrase word")->needs(pass);
    cmd->callback([&ctx, o] { ctx.exit_code = Generate(ctx, *o); });
  }
}

int ShowItem(Context& ctx, json meta, envelope::ItemPayload payload, const std::string& field,
             bool show) {
  const OpenedItem item{std::move(meta), std::move(payload)};
  return ShowOpenedItem(ctx, &item, field, show);
}

}  // namespace cli
