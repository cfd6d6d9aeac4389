// Private helpers of the PDF renderer: text measurement on libharu fonts and
// QR matrices from libqrencode.
#ifndef BATON_BACKUP_SRC_SHEET_PDF_INTERNAL_H_
#define BATON_BACKUP_SRC_SHEET_PDF_INTERNAL_H_

#include <hpdf.h>

#include <string>
#include <string_view>
#include <vector>

#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::sheet {

struct PdfFonts {
  HPDF_Font sans = nullptr;
  HPDF_Font bold = nullptr;
  HPDF_Font mono = nullptr;
};

// Width in points of `text` set in `font` at `size`.
float TextWidth(HPDF_Font font, float size, std::string_view text);

// `text` broken into lines no wider than `width`: at spaces where possible,
// between code points inside a word too long for a line (a name, a
// password), so nothing is cut off or shortened. Views into `text`; at least
// one line.
std::vector<std::string_view> WrapToWidth(HPDF_Font font, float size, std::string_view text,
                                          float width);

// `text` on one line, shortened with "…" to fit `width`. For titles only,
// never for secrets.
std::string Ellipsize(HPDF_Font font, float size, std::string_view text, float width);

// Draws one line with its baseline at (x, y). The text is copied into locked
// memory for libharu's C string.
void DrawLine(HPDF_Page page, HPDF_Font font, float size, float x, float y, std::string_view text);

// A QR code's modules, in locked memory since they encode a secret.
inline constexpr int kQrQuietModules = 4;
struct QrMatrix {
  int width = 0;
  vault::SecureBuffer dark;  // width * width bytes, 1 for a dark module
  bool Dark(int row, int col) const { return dark.data()[row * width + col] != 0; }
};

// Error correction Q for short payloads (a TOTP URI) and M for longer ones
// (share words), both fit for paper. InvalidArgument if it does not encode.
vault::Result<QrMatrix> EncodeQr(std::string_view payload);

}  // namespace backup::sheet

#endif  // BATON_BACKUP_SRC_SHEET_PDF_INTERNAL_H_
