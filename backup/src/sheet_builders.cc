// The share, break-glass and server sheets.
#include "backup/sheet_builders.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "sheet_internal.h"
#include "vault/crypto.h"
#include "vault/time_format.h"
#include "vault/totp.h"

namespace backup::sheet {
namespace {

using internal::Msg;
using internal::Phrase;
using internal::Tr;

vault::Status CheckName(std::string_view field, std::string_view value, bool required = true) {
  if (required && value.empty()) {
    return vault::Status::InvalidArgument(std::string(field) + " is empty");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return vault::Status::InvalidArgument(std::string(field) + " contains a control character");
    }
  }
  return vault::Status::OK();
}

std::string Date(vault::TimePoint t) {
  return vault::FormatUtc(vault::ToUnixMs(t), vault::UtcFormat::kDate);
}

Row MakeRow(Language language, Msg key, std::string_view value, bool monospace = false) {
  return Row{std::string(Tr(language, key)), MakeText(value), monospace};
}

Section Paragraphs(Language language, Msg heading, std::vector<std::string> paragraphs) {
  Section s;
  s.heading = std::string(Tr(language, heading));
  s.paragraphs = std::move(paragraphs);
  return s;
}

}  // namespace

vault::Result<Sheet> BuildShareSheet(const ShareSheetInput& in, Language language) {
  for (const auto& [field, value] : {std::pair<std::string_view, std::string_view>{"team", in.team},
                                     {"custodian", in.custodian},
                                     {"recovery fingerprint", in.recovery_fingerprint}}) {
    if (vault::Status s = CheckName(field, value); !s.ok()) return std::unexpected(s);
  }
  for (const std::string& other : in.other_custodians) {
    if (vault::Status s = CheckName("custodian", other); !s.ok()) return std::unexpected(s);
  }
  if (in.share_count < 1 || in.share_count > 16 || in.share_number < 1 ||
      in.share_number > in.share_count || in.threshold < 1 || in.threshold > in.share_count) {
    return std::unexpected(vault::Status::InvalidArgument(
        "share numbers must satisfy 1 <= share <= shares <= 16 and 1 <= threshold <= shares"));
  }
  if (internal::SplitWords(in.mnemonic).empty()) {
    return std::unexpected(vault::Status::InvalidArgument("the share has no words"));
  }
  const std::string number = std::to_string(in.share_number);
  const std::string count = std::to_string(in.share_count);
  const std::string threshold = std::to_string(in.threshold);
  Sheet sheet;
  sheet.language = language;
  sheet.title = std::string(Tr(language, Msg::kShareTitle)) + ": " + in.custodian;
  const std::string share_of = Phrase(language, Msg::kShareOf, {number, count, threshold});
  sheet.subtitle = in.team + " — " + share_of;
  sheet.warnings.emplace_back(Tr(language, Msg::kShareWarning));

  Section facts;
  facts.rows.push_back(MakeRow(language, Msg::kTeam, in.team));
  facts.rows.push_back(MakeRow(language, Msg::kCustodian, in.custodian));
  facts.rows.push_back(MakeRow(language, Msg::kShare, share_of));
  facts.rows.push_back(MakeRow(language, Msg::kRecoveryFingerprint, in.recovery_fingerprint));
  facts.rows.push_back(MakeRow(language, Msg::kDate, Date(in.date)));
  sheet.sections.push_back(std::move(facts));

  Section words;
  words.heading = std::string(Tr(language, Msg::kShareWords));
  words.words = MakeText(in.mnemonic);
  words.codes.push_back({std::string(Tr(language, Msg::kShareQr)), MakeText(in.mnemonic)});
  sheet.sections.push_back(std::move(words));

  sheet.sections.push_back(
      Paragraphs(language, Msg::kWhatHeading, {std::string(Tr(language, Msg::kWhatText))}));
  sheet.sections.push_back(
      Paragraphs(language, Msg::kKeepHeading, {std::string(Tr(language, Msg::kKeepText))}));
  sheet.sections.push_back(Paragraphs(language, Msg::kEmergencyHeading,
                                      {Phrase(language, Msg::kEmergencyStep1, {threshold}),
                                       std::string(Tr(language, Msg::kEmergencyStep2)),
                                       std::string(Tr(language, Msg::kEmergencyStep3))}));
  sheet.sections.push_back(
      Paragraphs(language, Msg::kAgeHeading, {std::string(Tr(language, Msg::kAgeText))}));
  sheet.sections.push_back(
      Paragraphs(language, Msg::kYearlyHeading, {std::string(Tr(language, Msg::kYearlyText))}));
  std::vector<std::string> others = in.other_custodians;
  if (others.empty()) others.emplace_back(Tr(language, Msg::kNoOthers));
  sheet.sections.push_back(Paragraphs(language, Msg::kOthersHeading, std::move(others)));
  return sheet;
}

vault::Result<Sheet> BuildBreakGlassSheet(BreakGlassInput in, Language language) {
  if (vault::Status s = CheckName("team", in.team); !s.ok()) return std::unexpected(s);
  if (vault::Status s = CheckName("vault fingerprint", in.vault_fingerprint); !s.ok()) {
    return std::unexpected(s);
  }
  Sheet sheet;
  sheet.language = language;
  sheet.title = std::string(Tr(language, Msg::kBreakGlassTitle));
  sheet.subtitle =
      Phrase(language, Msg::kBreakGlassSubtitle, {in.team, Date(in.printed), in.vault_fingerprint});
  sheet.warnings.emplace_back(Tr(language, Msg::kBreakGlassWarning));
  sheet.warnings.push_back(Phrase(language, Msg::kBreakGlassStale, {in.vault_fingerprint}));
  for (Channel& c : in.channels) {
    if (vault::Status s = CheckName("service", c.service); !s.ok()) return std::unexpected(s);
    if (vault::Status s = CheckName("login of " + c.service, c.login, false); !s.ok()) {
      return std::unexpected(s);
    }
    Section section;
    section.heading = c.service;
    if (!c.login.empty()) section.rows.push_back(MakeRow(language, Msg::kLogin, c.login));
    if (!c.password.empty()) {
      section.rows.push_back(
          {std::string(Tr(language, Msg::kPassword)), std::move(c.password), true});
    }
    if (!c.backup_codes.empty()) {
      section.rows.push_back(
          {std::string(Tr(language, Msg::kBackupCodes)), std::move(c.backup_codes), true});
    }
    section.rows.push_back(MakeRow(
        language, Msg::kLastRotation,
        c.last_rotation.empty() ? std::string(Tr(language, Msg::kNever)) : c.last_rotation));
    if (!c.totp_uri.empty()) {
      if (!vault::totp::ParseOtpauthUri(TextView(c.totp_uri)).has_value()) {
        return std::unexpected(vault::Status::InvalidArgument(
            "the TOTP URI of " + c.service + " is not a valid otpauth://totp URI"));
      }
      section.codes.push_back({std::string(Tr(language, Msg::kTotpQr)), std::move(c.totp_uri)});
    }
    sheet.sections.push_back(std::move(section));
  }
  return sheet;
}

vault::Result<Sheet> BuildServerSheet(const ServerSheetInput& in, Language language) {
  for (const auto& [field, value] : {std::pair<std::string_view, std::string_view>{"team", in.team},
                                     {"server URL", in.url},
                                     {"TLS fingerprint", in.tls_fingerprint},
                                     {"audit key fingerprint", in.audit_fingerprint},
                                     {"backup location", in.backup_location}}) {
    if (vault::Status s = CheckName(field, value); !s.ok()) return std::unexpected(s);
  }
  Sheet sheet;
  sheet.language = language;
  sheet.title = std::string(Tr(language, Msg::kServerTitle));
  sheet.subtitle = Phrase(language, Msg::kServerSubtitle, {in.team, Date(in.printed)});
  sheet.warnings.emplace_back(Tr(language, Msg::kServerWarning));
  Section facts;
  facts.rows.push_back(MakeRow(language, Msg::kTeam, in.team));
  facts.rows.push_back(MakeRow(language, Msg::kServerUrl, in.url));
  facts.rows.push_back(MakeRow(language, Msg::kTlsFingerprint, in.tls_fingerprint, true));
  facts.rows.push_back(MakeRow(language, Msg::kAuditFingerprint, in.audit_fingerprint, true));
  facts.rows.push_back(MakeRow(language, Msg::kBackups, in.backup_location));
  facts.rows.push_back(MakeRow(language, Msg::kPrinted, Date(in.printed)));
  sheet.sections.push_back(std::move(facts));
  sheet.sections.push_back(Paragraphs(language, Msg::kRestoreHeading,
                                      {std::string(Tr(language, Msg::kRestoreStep1)),
                                       Phrase(language, Msg::kRestoreStep2, {in.backup_location}),
                                       std::string(Tr(language, Msg::kRestoreStep3)),
                                       std::string(Tr(language, Msg::kRestoreStep4))}));
  return sheet;
}

std::string VaultStateFingerprint(std::vector<ItemVersion> items) {
  std::sort(items.begin(), items.end(),
            [](const ItemVersion& a, const ItemVersion& b) { return a.id < b.id; });
  std::string canonical = "baton-vault-state-v1\n";
  for (const ItemVersion& item : items) {
    // Length-prefixed so no id can run into the next pair.
    canonical +=
        std::to_string(item.id.size()) + ":" + item.id + "=" + std::to_string(item.version) + "\n";
  }
  const vault::crypto::Hash h = vault::crypto::Blake2b256(
      {reinterpret_cast<const uint8_t*>(canonical.data()), canonical.size()});
  const std::string hex = vault::crypto::ToHex({h.data(), 8});
  return hex.substr(0, 4) + "-" + hex.substr(4, 4) + "-" + hex.substr(8, 4) + "-" +
         hex.substr(12, 4);
}

vault::Result<vault::SecureBuffer> RenderSheet(const Sheet& sheet, const OutputOptions& options) {
  if (options.format == Format::kText) return RenderText(sheet);
  return RenderPdf(sheet, options.pdf);
}

vault::Result<std::vector<std::string>> WriteShareSheets(vault::Env& env, const ShareSetInput& in,
                                                         Language language,
                                                         const OutputOptions& options,
                                                         const std::string& out_dir) {
  if (in.custodians.size() != in.shares.size()) {
    return std::unexpected(
        vault::Status::InvalidArgument("one custodian name is needed for each share"));
  }
  const int count = static_cast<int>(in.shares.size());
  std::vector<vault::SecureBuffer> rendered;
  std::vector<std::string> paths;
  for (int i = 0; i < count; ++i) {
    ShareSheetInput one;
    one.team = in.team;
    one.custodian = in.custodians[static_cast<size_t>(i)];
    one.share_number = i + 1;
    one.share_count = count;
    one.threshold = in.threshold;
    one.mnemonic = TextView(in.shares[static_cast<size_t>(i)]);
    one.recovery_fingerprint = in.recovery_fingerprint;
    one.date = in.date;
    for (int j = 0; j < count; ++j) {
      if (j != i) one.other_custodians.push_back(in.custodians[static_cast<size_t>(j)]);
    }
    vault::Result<Sheet> sheet = BuildShareSheet(one, language);
    if (!sheet) return std::unexpected(sheet.error());
    vault::Result<vault::SecureBuffer> bytes = RenderSheet(*sheet, options);
    if (!bytes) return std::unexpected(bytes.error());
    rendered.push_back(std::move(*bytes));
    paths.push_back(out_dir + "/share-" + std::to_string(i + 1) + "-of-" + std::to_string(count) +
                    (options.format == Format::kText ? ".txt" : ".pdf"));
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    if (vault::Status s = WriteSheetFile(env, paths[i], rendered[i]); !s.ok()) {
      for (size_t j = 0; j < i; ++j) (void)env.RemoveFile(paths[j]);
      return std::unexpected(s);
    }
  }
  return paths;
}

}  // namespace backup::sheet
