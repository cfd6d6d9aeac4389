// Printable sheets (DESIGN.md §9): paper that works with the power off and
// the server gone. A Sheet is a small document model (title, warnings,
// sections of text, word grids, QR codes and key/value tables) that the
// builders in backup/sheet_builders.h fill, and that renders to PDF (A4 or
// US Letter, libharu with an embedded DejaVu font, QR codes from
// libqrencode) or to plain text for terminals and line printers.
//
// Everything a sheet may carry that is secret (share words, passwords,
// backup codes, otpauth URIs) is held in SecureBuffer, and so is the
// rendered output: the plaintext reaches no disk but the output file.
// libharu's own heap is scrubbed when it frees, and text content streams are
// left uncompressed so that no compressor's buffers see them either.
#ifndef BATON_BACKUP_SHEET_H_
#define BATON_BACKUP_SHEET_H_

#include <string>
#include <string_view>
#include <vector>

#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::sheet {

enum class Language { kEn, kFi, kEt };
enum class Paper { kA4, kLetter };

// "en", "fi", "et" (case-insensitive); InvalidArgument naming the
// languages otherwise.
[[nodiscard]] vault::Result<Language> ParseLanguage(std::string_view code);
// "a4" or "letter" (case-insensitive); InvalidArgument otherwise.
[[nodiscard]] vault::Result<Paper> ParsePaper(std::string_view name);

// A value on a sheet; a SecureBuffer because it may be a secret.
using Text = vault::SecureBuffer;
Text MakeText(std::string_view s);
std::string_view TextView(const Text& t);

struct Row {
  std::string key;  // a label from the string table
  Text value;
  bool monospace = false;  // passwords and codes: tells l from 1 and O from 0
};

// One QR code; a payload longer than kMaxQrPayloadBytes becomes several
// numbered codes ("1/3", "2/3", ...) whose payloads, joined in order, give
// back the whole.
struct Qr {
  std::string caption;
  Text payload;
};
inline constexpr size_t kMaxQrPayloadBytes = 300;

// Rendered in this order: heading, rows (with the QR codes beside them),
// numbered word grid, paragraphs. A section is kept on one page when it fits
// on an empty one.
struct Section {
  std::string heading;
  std::vector<Row> rows;
  Text words;  // space-separated words shown as a numbered grid; may be empty
  std::vector<Qr> codes;
  std::vector<std::string> paragraphs;
};

struct Sheet {
  Language language = Language::kEn;
  std::string title;
  std::string subtitle;               // one line under the title on every page
  std::vector<std::string> warnings;  // repeated on every page
  std::vector<Section> sections;
};

struct PdfOptions {
  Paper paper = Paper::kA4;
  // DejaVuSans.ttf and DejaVuSansMono.ttf are read from here and embedded.
  std::string font_dir = "/usr/share/fonts/truetype/dejavu";
};

// The sheet as a PDF file's bytes. NotFound naming the font file when a font
// is missing; InvalidArgument for content that cannot be laid out (e.g. a QR
// payload libqrencode refuses); Internal for other libharu errors.
[[nodiscard]] vault::Result<vault::SecureBuffer> RenderPdf(const Sheet& sheet,
                                                           const PdfOptions& options);

// The sheet as UTF-8 text, lines of at most `width` columns where words
// allow (secrets are broken, never shortened). QR codes are shown as their
// payload, since a terminal may not draw them scannably.
vault::SecureBuffer RenderText(const Sheet& sheet, int width = 78);

// Writes `bytes` to `path` atomically with mode 0600 (the temporary file is
// beside `path`, never in a shared temp dir). IOError naming the path, and
// nothing written, when it fails.
[[nodiscard]] vault::Status WriteSheetFile(vault::Env& env, const std::string& path,
                                           const vault::SecureBuffer& bytes);

}  // namespace backup::sheet

#endif  // BATON_BACKUP_SHEET_H_
