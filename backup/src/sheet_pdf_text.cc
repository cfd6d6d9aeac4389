// Text measurement and drawing for the PDF renderer, and its QR matrices.
#include <qrencode.h>
#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "sheet_internal.h"
#include "sheet_pdf_internal.h"

namespace backup::sheet {
namespace {

using internal::Utf8SequenceLength;

size_t NextCodePoint(std::string_view s, size_t i) {
  return std::min(s.size(), i + Utf8SequenceLength(static_cast<unsigned char>(s[i])));
}

}  // namespace

float TextWidth(HPDF_Font font, float size, std::string_view text) {
  if (text.empty()) return 0;
  const HPDF_TextWidth w = HPDF_Font_TextWidth(
      font, reinterpret_cast<const HPDF_BYTE*>(text.data()), static_cast<HPDF_UINT>(text.size()));
  return static_cast<float>(w.width) * size / 1000.0f;
}

std::vector<std::string_view> WrapToWidth(HPDF_Font font, float size, std::string_view text,
                                          float width) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    while (start < text.size() && text[start] == ' ') ++start;
    if (start >= text.size()) break;
    size_t end = start;  // the line so far is text[start, end)
    size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos) newline = text.size();
    while (end < newline) {
      size_t word_end = text.find(' ', end + 1);
      if (word_end == std::string_view::npos || word_end > newline) word_end = newline;
      if (TextWidth(font, size, text.substr(start, word_end - start)) <= width) {
        end = word_end;
        continue;
      }
      if (end > start) break;  // the next word goes to the next line
      // One word wider than the line: break it between code points.
      size_t cut = NextCodePoint(text, start);
      while (cut < word_end &&
             TextWidth(font, size, text.substr(start, NextCodePoint(text, cut) - start)) <= width) {
        cut = NextCodePoint(text, cut);
      }
      end = cut;
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end;
    if (start < text.size() && text[start] == '\n') ++start;
  }
  if (lines.empty()) lines.push_back({});
  return lines;
}

std::string Ellipsize(HPDF_Font font, float size, std::string_view text, float width) {
  if (TextWidth(font, size, text) <= width) return std::string(text);
  static constexpr std::string_view kEllipsis = "…";
  std::string best(kEllipsis);
  for (size_t cut = 0; cut < text.size();) {
    cut = NextCodePoint(text, cut);
    std::string candidate = std::string(text.substr(0, cut)) + std::string(kEllipsis);
    if (TextWidth(font, size, candidate) > width) break;
    best = std::move(candidate);
  }
  return best;
}

void DrawLine(HPDF_Page page, HPDF_Font font, float size, float x, float y, std::string_view text) {
  if (text.empty()) return;
  vault::SecureBuffer z(text.size() + 1);
  std::memcpy(z.data(), text.data(), text.size());
  HPDF_Page_BeginText(page);
  HPDF_Page_SetFontAndSize(page, font, size);
  HPDF_Page_TextOut(page, x, y, reinterpret_cast<const char*>(z.data()));
  HPDF_Page_EndText(page);
}

vault::Result<QrMatrix> EncodeQr(std::string_view payload) {
  if (payload.empty()) return std::unexpected(vault::Status::InvalidArgument("empty QR code"));
  const QRecLevel level = payload.size() <= 100 ? QR_ECLEVEL_Q : QR_ECLEVEL_M;
  QRcode* code =
      QRcode_encodeData(static_cast<int>(payload.size()),
                        reinterpret_cast<const unsigned char*>(payload.data()), 0, level);
  if (code == nullptr) {
    return std::unexpected(vault::Status::InvalidArgument(
        errno == ERANGE ? "QR payload too long" : "cannot encode a QR code"));
  }
  QrMatrix m;
  m.width = code->width;
  const size_t n = static_cast<size_t>(code->width) * static_cast<size_t>(code->width);
  m.dark = vault::SecureBuffer(n);
  for (size_t i = 0; i < n; ++i) m.dark.data()[i] = code->data[i] & 1;
  sodium_memzero(code->data, n);
  QRcode_free(code);
  return m;
}

}  // namespace backup::sheet
