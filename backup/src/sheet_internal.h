// Private helpers shared by the sheet builders and renderers.
#ifndef BATON_BACKUP_SRC_SHEET_INTERNAL_H_
#define BATON_BACKUP_SRC_SHEET_INTERNAL_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "backup/sheet.h"

namespace backup::sheet::internal {

// Every phrase a sheet prints, translated in sheet_strings.cc.
enum class Msg {
  kPageOf,  // {} {}: page, pages
  kShareTitle,
  kShareOf,  // {} {} {}: share, shares, threshold
  kShareWarning,
  kTeam,
  kCustodian,
  kShare,
  kRecoveryFingerprint,
  kDate,
  kShareWords,
  kShareQr,
  kWhatHeading,
  kWhatText,
  kKeepHeading,
  kKeepText,
  kEmergencyHeading,
  kEmergencyStep1,  // {}: threshold
  kEmergencyStep2,
  kEmergencyStep3,
  kAgeHeading,
  kAgeText,
  kYearlyHeading,
  kYearlyText,
  kOthersHeading,
  kNoOthers,
  kBreakGlassTitle,
  kBreakGlassSubtitle,  // {} {} {}: team, date, fingerprint
  kBreakGlassWarning,
  kBreakGlassStale,  // {}: fingerprint
  kLogin,
  kPassword,
  kBackupCodes,
  kLastRotation,
  kTotpQr,
  kNever,
  kServerTitle,
  kServerSubtitle,  // {} {}: team, date
  kServerWarning,
  kServerUrl,
  kTlsFingerprint,
  kAuditFingerprint,
  kBackups,
  kPrinted,
  kRestoreHeading,
  kRestoreStep1,
  kRestoreStep2,  // {}: backup location
  kRestoreStep3,
  kRestoreStep4,
  kQrPart,  // {} {}: part, parts
  kCount,
};

std::string_view Tr(Language language, Msg msg);
// Tr() with each "{}" replaced by the next argument.
std::string Phrase(Language language, Msg msg, std::initializer_list<std::string_view> args);

// Bytes of the UTF-8 sequence that starts with `lead` (1 for a stray byte).
size_t Utf8SequenceLength(unsigned char lead);
// Code points in `s`.
size_t Utf8Length(std::string_view s);

// One QR code as it is drawn: a payload of at most kMaxQrPayloadBytes
// (a view into the section's Qr) and its caption, numbered when split.
struct QrPiece {
  std::string caption;
  std::string_view payload;
};
std::vector<QrPiece> SplitCodes(Language language, const std::vector<Qr>& codes);

// The words of a word grid (views into `words`).
std::vector<std::string_view> SplitWords(std::string_view words);

}  // namespace backup::sheet::internal

#endif  // BATON_BACKUP_SRC_SHEET_INTERNAL_H_
