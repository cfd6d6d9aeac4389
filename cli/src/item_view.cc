#include "item_view.h"

#include <algorithm>
#include <chrono>

#include "cli/exit_codes.h"
#include "lookup.h"
#include "short_names.h"
#include "vault/rotation.h"
#include "vault/time_format.h"
#include "vault/totp.h"

namespace cli {

std::string_view View(const SecureBuffer& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

void WriteRaw(std::ostream& out, const SecureBuffer& b) {
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

vault::SecretJson SecretJsonOf(const json& base) {
  return base.is_object() ? vault::SecretJson::parse(base.dump()) : vault::SecretJson::object();
}

vault::SecretString SecretText(const SecureBuffer& b) {
  const std::string_view v = View(b);
  return vault::SecretString(v.begin(), v.end());
}

void WriteSecretJson(std::ostream& out, const vault::SecretJson& doc) {
  const vault::SecretString text =
      doc.dump(-1, ' ', /*ensure_ascii=*/false, vault::SecretJson::error_handler_t::replace);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void WriteJsonWithSecret(std::ostream& out, const json& base, const char* key,
                         const SecureBuffer* secret) {
  vault::SecretJson doc = SecretJsonOf(base);
  if (secret != nullptr) doc[key] = SecretText(*secret);
  WriteSecretJson(out, doc);
  out << "\n";
}

void WriteLabelledSecret(std::ostream& out, std::string_view label, const SecureBuffer& secret) {
  out << label << ": ";
  WriteRaw(out, secret);
  out << "\n";
}

std::string Date(int64_t ms) { return vault::FormatUtc(ms, vault::UtcFormat::kDate); }

std::string DateTime(int64_t ms) { return vault::FormatUtc(ms, vault::UtcFormat::kMinute) + "Z"; }

// Columns line up for UTF-8 text: count code points, not bytes.
size_t DisplayWidth(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<uint8_t>(c) & 0xc0) != 0x80; }));
}

std::string Pad(const std::string& s, size_t width) {
  const size_t w = DisplayWidth(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

vault::DueInfo DueOf(Context& ctx, const json& meta) {
  vault::RotationFlags flags;
  for (const auto& f : meta.value("flags", json::array())) {
    flags.Raise({vault::ReportedFlagKind(f.value("kind", "")), f.value("reason", ""),
                 vault::FromUnixMs(f.value("raised_ms", int64_t{0}))});
  }
  return vault::ComputeDue(
      ctx.env.Now(), vault::FromUnixMs(meta.value("last_rotated_ms", int64_t{0})),
      std::chrono::days(meta.value("rotation_period_days", int64_t{0})), flags);
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
  meta["due_ms"] = vault::ToUnixMs(due.due_at);
  return meta;
}

namespace {

constexpr std::string_view kMask = "********";

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
  ctx.console.out << Pad(Printable(label), 13);
  if (show) {
    WritePrintable(ctx.console.out, View(value));
  } else {
    ctx.console.out << kMask;
  }
  ctx.console.out << "\n";
}

}  // namespace

// Also behind cli::ShowItem (emergency open), hence apart from the fetch.
int ShowOpenedItem(Context& ctx, const OpenedItem* item, const std::string& field, bool show) {
  if (!field.empty()) return PrintField(ctx, *item, field);

  const auto& p = item->payload;
  json meta = WithDue(ctx, item->meta);
  if (meta.value("collection", "").empty()) {
    meta["collection"] = CollectionNameOf(ctx, meta.value("collection_id", ""));
  }
  // By name, as `item history` shows it, where the role may list members.
  if (auto c = ctx.client(); c) {
    const auto names = MemberNames(**c);
    if (auto it = names.find(meta.value("updated_by", "")); it != names.end()) {
      meta["updated_by_name"] = it->second;
    }
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
    vault::SecretJson out = SecretJsonOf(masked);
    out["username"] = SecretText(p.username);
    if (show) {
      if (!p.password.empty()) out["password"] = SecretText(p.password);
      if (!p.totp_uri.empty()) out["totp_uri"] = SecretText(p.totp_uri);
      if (!p.notes.empty()) out["notes"] = SecretText(p.notes);
      if (!p.backup_codes.empty()) {
        auto& codes = out["backup_codes"] = vault::SecretJson::array();
        for (const auto& code : p.backup_codes) codes.push_back(SecretText(code));
      }
      if (!p.custom_fields.empty()) {
        auto& fields = out["fields"] = vault::SecretJson::object();
        for (const auto& f : p.custom_fields) fields[f.name.c_str()] = SecretText(f.value);
      }
    }
    WriteSecretJson(ctx.console.out, out);
    ctx.console.out << "\n";
    return kExitOk;
  }

  // Every line shows what other members wrote, escaped (cli::Printable).
  auto& out = ctx.console.out;
  const auto shown = [&](const char* key) { return Printable(meta.value(key, "")); };
  out << Pad("name", 13) << shown("name") << "\n"
      << Pad("id", 13) << shown("id") << "\n"
      << Pad("collection", 13) << shown("collection") << " (" << shown("collection_id") << ")\n"
      << Pad("channel", 13) << shown("channel") << "\n"
      << Pad("second admin", 13) << shown("second_admin") << "\n";
  if (!meta.value("url", "").empty()) out << Pad("url", 13) << shown("url") << "\n";
  out << Pad("version", 13) << meta.value("version", int64_t{0}) << ", updated "
      << DateTime(meta.value("updated_ms", int64_t{0})) << " by "
      << Printable(meta.value("updated_by_name", meta.value("updated_by", ""))) << "\n"
      << Pad("rotation", 13) << "every " << meta.value("rotation_period_days", int64_t{0})
      << " days; last " << Date(meta.value("last_rotated_ms", int64_t{0})) << "; due "
      << Date(meta.value("due_ms", int64_t{0})) << " (" << meta.value("due", "") << ")\n";
  if (const std::string flags = FlagNames(meta); !flags.empty()) {
    out << Pad("flags", 13) << Printable(flags) << "\n";
  }
  if (!p.username.empty()) {
    out << Pad("username", 13);
    WritePrintable(out, View(p.username));
    out << "\n";
  }
  // The password line is always there, masked, so its absence is not news.
  out << Pad("password", 13);
  if (show) {
    WritePrintable(out, View(p.password));
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
        WritePrintable(out, View(code));
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
      {"NAME", "CHANNEL", "COLLECTION", "RESPONSIBLE", "VERSION", "ROTATED", "DUE", "FLAGS"}};
  for (const auto& raw : items) {
    const json it = WithDue(ctx, raw);
    rows.push_back({Printable(it.value("name", "")), Printable(it.value("channel", "")),
                    Printable(it.value("collection", "")),
                    Printable(it.value("responsible", it.value("responsible_id", ""))),
                    std::to_string(it.value("version", int64_t{0})),
                    Date(it.value("last_rotated_ms", int64_t{0})),
                    Date(it.value("due_ms", int64_t{0})) + " " + it.value("due", ""),
                    Printable(FlagNames(it))});
  }
  WriteTable(ctx.console.out, rows);
}

void WriteTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return;
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
    out << line << "\n";
  }
}

int ShowItem(Context& ctx, json meta, envelope::ItemPayload payload, const std::string& field,
             bool show) {
  const OpenedItem item{std::move(meta), std::move(payload)};
  return ShowOpenedItem(ctx, &item, field, show);
}

}  // namespace cli
