// The PDF rendering: libharu with embedded DejaVu fonts (UTF-8, so names
// like Jürgen Šõžü print as written), QR codes drawn as vector modules.
//
// Layout is a flow of atoms (a line, a table row, a row of the word grid, a
// row of QR codes), each with a height and a draw function. A section is
// kept on one page when it fits on an empty one; otherwise it flows atom by
// atom. Page numbers ("page i of n") are drawn once the page count is known.
#include <hpdf.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backup/sheet.h"
#include "sheet_internal.h"
#include "sheet_pdf_internal.h"

namespace backup::sheet {
namespace {

using internal::Msg;

// libharu's heap holds the page content, secrets included, so every block
// is zeroed before it goes back to the system. The size sits in front.
constexpr size_t kHeapHeader = 16;

void* HPDF_STDCALL SheetPdfAlloc(HPDF_UINT size) {
  auto* p = static_cast<unsigned char*>(std::malloc(size + kHeapHeader));
  if (p == nullptr) return nullptr;
  std::memcpy(p, &size, sizeof size);
  return p + kHeapHeader;
}

void HPDF_STDCALL SheetPdfFree(void* ptr) {
  if (ptr == nullptr) return;
  auto* p = static_cast<unsigned char*>(ptr) - kHeapHeader;
  HPDF_UINT size = 0;
  std::memcpy(&size, p, sizeof size);
  sodium_memzero(p, size + kHeapHeader);
  std::free(p);
}

struct PdfErrors {
  HPDF_STATUS code = 0;
  HPDF_STATUS detail = 0;
};

void HPDF_STDCALL SheetPdfError(HPDF_STATUS code, HPDF_STATUS detail, void* user) {
  auto* errors = static_cast<PdfErrors*>(user);
  if (errors->code == 0) {
    errors->code = code;
    errors->detail = detail;
  }
}

struct DocDeleter {
  void operator()(HPDF_Doc doc) const { HPDF_Free(doc); }
};
using DocPtr = std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, DocDeleter>;

constexpr float kMargin = 42;
constexpr float kFooterBaseline = 26;
constexpr float kBodyBottom = 48;
constexpr float kGap = 6;
constexpr float kKeyWidth = 128;
constexpr float kQrTargetSide = 120;
constexpr float kQrMinModule = 2.0f;
constexpr float kQrCaptionSize = 8;

struct Atom {
  float height = 0;
  std::function<void(HPDF_Page, float top)> draw;
};

class PdfLayout {
 public:
  PdfLayout(HPDF_Doc doc, const PdfFonts& fonts, const Sheet& sheet, Paper paper)
      : doc_(doc), fonts_(fonts), sheet_(sheet), paper_(paper) {
    page_w_ = paper == Paper::kA4 ? 595.28f : 612.0f;
    page_h_ = paper == Paper::kA4 ? 841.89f : 792.0f;
    content_w_ = page_w_ - 2 * kMargin;
    warning_lines_.clear();
    for (const std::string& w : sheet.warnings) {
      for (std::string_view line : WrapToWidth(fonts_.bold, 9, w, content_w_ - 12)) {
        warning_lines_.push_back(line);
      }
    }
  }

  vault::Status Run() {
    NewPage();
    for (const Section& section : sheet_.sections) {
      vault::Result<std::vector<Atom>> atoms = SectionAtoms(section);
      if (!atoms) return atoms.error();
      Place(*atoms);
    }
    DrawPageNumbers();
    return vault::Status::OK();
  }

 private:
  float BodyTop() const {
    float h = 20 + 13;  // title and subtitle
    if (!warning_lines_.empty()) h += 11 * static_cast<float>(warning_lines_.size()) + 10;
    return page_h_ - kMargin - h - 10;
  }
  float BodyHeight() const { return BodyTop() - kBodyBottom; }

  void NewPage() {
    HPDF_Page page = HPDF_AddPage(doc_);
    HPDF_Page_SetSize(page, paper_ == Paper::kA4 ? HPDF_PAGE_SIZE_A4 : HPDF_PAGE_SIZE_LETTER,
                      HPDF_PAGE_PORTRAIT);
    pages_.push_back(page);
    float y = page_h_ - kMargin - 16;
    DrawLine(page, fonts_.bold, 16, kMargin, y,
             Ellipsize(fonts_.bold, 16, sheet_.title, content_w_));
    y -= 15;
    DrawLine(page, fonts_.sans, 9, kMargin, y,
             Ellipsize(fonts_.sans, 9, sheet_.subtitle, content_w_));
    y -= 8;
    if (!warning_lines_.empty()) {
      const float box_h = 11 * static_cast<float>(warning_lines_.size()) + 6;
      HPDF_Page_SetRGBStroke(page, 0.6f, 0, 0);
      HPDF_Page_SetLineWidth(page, 1.2f);
      HPDF_Page_Rectangle(page, kMargin, y - box_h, content_w_, box_h);
      HPDF_Page_Stroke(page);
      HPDF_Page_SetRGBFill(page, 0.6f, 0, 0);
      float line_y = y - 11;
      for (std::string_view line : warning_lines_) {
        DrawLine(page, fonts_.bold, 9, kMargin + 6, line_y, line);
        line_y -= 11;
      }
      HPDF_Page_SetRGBFill(page, 0, 0, 0);
    }
    y_ = BodyTop();
  }

  void Place(const std::vector<Atom>& atoms) {
    float total = 0;
    for (const Atom& a : atoms) total += a.height;
    const bool keep = total <= BodyHeight();
    if (keep && y_ - total < kBodyBottom) NewPage();
    for (const Atom& a : atoms) {
      if (y_ - a.height < kBodyBottom && y_ < BodyTop()) NewPage();
      a.draw(pages_.back(), y_);
      y_ -= a.height;
    }
  }

  void DrawPageNumbers() {
    const std::string total = std::to_string(pages_.size());
    for (size_t i = 0; i < pages_.size(); ++i) {
      const std::string text =
          internal::Phrase(sheet_.language, Msg::kPageOf, {std::to_string(i + 1), total});
      const float w = TextWidth(fonts_.sans, 9, text);
      DrawLine(pages_[i], fonts_.sans, 9, (page_w_ - w) / 2, kFooterBaseline, text);
    }
  }

  // The lines of `text` as one atom each.
  void AddLines(std::vector<Atom>& atoms, HPDF_Font font, float size, float leading,
                std::string_view text, float x, float width) {
    for (std::string_view line : WrapToWidth(font, size, text, width)) {
      atoms.push_back({leading, [=](HPDF_Page page, float top) {
                         DrawLine(page, font, size, x, top - size, line);
                       }});
    }
  }

  // Table rows, each one atom; with `side` set, that QR code sits to the
  // right of the rows, all in one atom.
  vault::Result<std::vector<Atom>> RowAtoms(const Section& section, const internal::QrPiece* side) {
    std::vector<Atom> rows;
    std::shared_ptr<QrMatrix> qr;
    float side_w = 0, side_h = 0;
    if (side != nullptr) {
      vault::Result<QrMatrix> m = EncodeQr(side->payload);
      if (!m) return std::unexpected(m.error());
      qr = std::make_shared<QrMatrix>(std::move(*m));
      side_w = QrSide(*qr);
      side_h = side_w + CaptionHeight(side->caption, side_w);
    }
    const float value_x = kMargin + kKeyWidth + kGap;
    const float value_w = content_w_ - kKeyWidth - kGap - (side ? side_w + 2 * kGap : 0);
    for (const Row& row : section.rows) {
      const HPDF_Font value_font = row.monospace ? fonts_.mono : fonts_.sans;
      auto keys = WrapToWidth(fonts_.bold, 9, row.key, kKeyWidth);
      auto values = WrapToWidth(value_font, 10, TextView(row.value), value_w);
      const float h = std::max(11.0f * static_cast<float>(keys.size()),
                               13.0f * static_cast<float>(values.size())) +
                      4;
      rows.push_back({h, [=, this](HPDF_Page page, float top) {
                        float y = top - 10;
                        for (std::string_view k : keys) {
                          DrawLine(page, fonts_.bold, 9, kMargin, y, k);
                          y -= 11;
                        }
                        y = top - 10;
                        for (std::string_view v : values) {
                          DrawLine(page, value_font, 10, value_x, y, v);
                          y -= 13;
                        }
                      }});
    }
    if (side == nullptr) return rows;
    float rows_h = 0;
    for (const Atom& a : rows) rows_h += a.height;
    const float x = kMargin + content_w_ - side_w;
    const std::string caption = side->caption;
    Atom combined{std::max(rows_h, side_h) + kGap, [=, this](HPDF_Page page, float top) {
                    float y = top;
                    for (const Atom& a : rows) {
                      a.draw(page, y);
                      y -= a.height;
                    }
                    DrawQr(page, *qr, x, top);
                    DrawCaption(page, caption, x, top - side_w, side_w);
                  }};
    return std::vector<Atom>{std::move(combined)};
  }

  vault::Result<std::vector<Atom>> SectionAtoms(const Section& section) {
    std::vector<Atom> atoms;
    atoms.push_back({8, [](HPDF_Page, float) {}});
    if (!section.heading.empty()) {
      AddLines(atoms, fonts_.bold, 12, 16, section.heading, kMargin, content_w_);
    }
    std::vector<internal::QrPiece> pieces = internal::SplitCodes(sheet_.language, section.codes);
    const internal::QrPiece* side =
        !section.rows.empty() && pieces.size() == 1 ? &pieces.front() : nullptr;
    vault::Result<std::vector<Atom>> rows = RowAtoms(section, side);
    if (!rows) return rows;
    for (Atom& a : *rows) atoms.push_back(std::move(a));
    AddWordGrid(atoms, TextView(section.words));
    if (side == nullptr) {
      vault::Status s = AddQrRows(atoms, pieces);
      if (!s.ok()) return std::unexpected(s);
    }
    for (const std::string& p : section.paragraphs) {
      AddLines(atoms, fonts_.sans, 10, 13, p, kMargin, content_w_);
      atoms.push_back({3, [](HPDF_Page, float) {}});
    }
    return atoms;
  }

  void AddWordGrid(std::vector<Atom>& atoms, std::string_view text) {
    const std::vector<std::string_view> words = internal::SplitWords(text);
    constexpr size_t kColumns = 4;
    const float col_w = content_w_ / kColumns;
    for (size_t first = 0; first < words.size(); first += kColumns) {
      const size_t last = std::min(words.size(), first + kColumns);
      std::vector<std::string_view> line(words.begin() + static_cast<long>(first),
                                         words.begin() + static_cast<long>(last));
      atoms.push_back({24, [=, this](HPDF_Page page, float top) {
                         for (size_t i = 0; i < line.size(); ++i) {
                           const float x = kMargin + col_w * static_cast<float>(i);
                           const std::string n = std::to_string(first + i + 1) + ".";
                           DrawLine(page, fonts_.sans, 9, x + 18 - TextWidth(fonts_.sans, 9, n),
                                    top - 15, n);
                           DrawLine(page, fonts_.mono, 14, x + 22, top - 16, line[i]);
                         }
                       }});
    }
  }

  vault::Status AddQrRows(std::vector<Atom>& atoms, const std::vector<internal::QrPiece>& pieces) {
    struct Cell {
      std::shared_ptr<QrMatrix> qr;
      std::string caption;
      float side;
    };
    std::vector<Cell> row;
    float row_w = 0;
    auto flush = [&] {
      if (row.empty()) return;
      float h = 0;
      for (const Cell& c : row) h = std::max(h, c.side + CaptionHeight(c.caption, c.side));
      atoms.push_back({h + kGap, [row, this](HPDF_Page page, float top) {
                         float x = kMargin;
                         for (const Cell& c : row) {
                           DrawQr(page, *c.qr, x, top);
                           DrawCaption(page, c.caption, x, top - c.side, c.side);
                           x += c.side + 2 * kGap;
                         }
                       }});
      row.clear();
      row_w = 0;
    };
    for (const internal::QrPiece& piece : pieces) {
      vault::Result<QrMatrix> m = EncodeQr(piece.payload);
      if (!m) return m.error();
      auto qr = std::make_shared<QrMatrix>(std::move(*m));
      const float side = QrSide(*qr);
      if (row_w + side > content_w_) flush();
      row.push_back({qr, piece.caption, side});
      row_w += side + 2 * kGap;
    }
    flush();
    return vault::Status::OK();
  }

  static float QrSide(const QrMatrix& qr) {
    const float modules = static_cast<float>(qr.width + 2 * kQrQuietModules);
    return modules * std::max(kQrMinModule, kQrTargetSide / modules);
  }

  float CaptionHeight(const std::string& caption, float width) const {
    return 10.0f *
           static_cast<float>(WrapToWidth(fonts_.sans, kQrCaptionSize, caption, width).size());
  }

  void DrawCaption(HPDF_Page page, const std::string& caption, float x, float top,
                   float width) const {
    float y = top - kQrCaptionSize;
    for (std::string_view line : WrapToWidth(fonts_.sans, kQrCaptionSize, caption, width)) {
      DrawLine(page, fonts_.sans, kQrCaptionSize, x, y, line);
      y -= 10;
    }
  }

  // The modules inside a quiet zone of kQrQuietModules, top-left at (x, top).
  static void DrawQr(HPDF_Page page, const QrMatrix& qr, float x, float top) {
    const float modules = static_cast<float>(qr.width + 2 * kQrQuietModules);
    const float m = QrSide(qr) / modules;
    const float x0 = x + kQrQuietModules * m;
    const float y0 = top - kQrQuietModules * m;
    for (int r = 0; r < qr.width; ++r) {
      for (int c = 0; c < qr.width;) {
        if (!qr.Dark(r, c)) {
          ++c;
          continue;
        }
        int end = c;
        while (end < qr.width && qr.Dark(r, end)) ++end;
        // A hair taller than a module, so rows leave no seams when rasterised.
        HPDF_Page_Rectangle(page, x0 + static_cast<float>(c) * m,
                            y0 - static_cast<float>(r + 1) * m - 0.05f,
                            static_cast<float>(end - c) * m, m + 0.1f);
        c = end;
      }
    }
    HPDF_Page_Fill(page);
  }

  HPDF_Doc doc_;
  const PdfFonts& fonts_;
  const Sheet& sheet_;
  Paper paper_;
  float page_w_ = 0, page_h_ = 0, content_w_ = 0, y_ = 0;
  std::vector<std::string_view> warning_lines_;
  std::vector<HPDF_Page> pages_;
};

vault::Result<HPDF_Font> LoadFont(HPDF_Doc doc, const std::string& dir, const char* file) {
  const std::string path = dir + "/" + file;
  const char* name = HPDF_LoadTTFontFromFile(doc, path.c_str(), HPDF_TRUE);
  if (name == nullptr) {
    return std::unexpected(
        vault::Status::NotFound("cannot load the font " + path + " (install fonts-dejavu-core)"));
  }
  HPDF_Font font = HPDF_GetFont(doc, name, "UTF-8");
  if (font == nullptr) return std::unexpected(vault::Status::Internal("cannot use font " + path));
  return font;
}

}  // namespace

vault::Result<vault::SecureBuffer> RenderPdf(const Sheet& sheet, const PdfOptions& options) {
  PdfErrors errors;
  DocPtr doc(HPDF_NewEx(SheetPdfError, SheetPdfAlloc, SheetPdfFree, 0, &errors));
  if (!doc) return std::unexpected(vault::Status::ResourceExhausted("cannot start a PDF"));
  // Only the fonts are compressed: zlib's buffers are not scrubbed, and the
  // page content holds the secrets.
  HPDF_SetCompressionMode(doc.get(), HPDF_COMP_METADATA);
  HPDF_UseUTFEncodings(doc.get());
  HPDF_SetCurrentEncoder(doc.get(), "UTF-8");
  PdfFonts fonts;
  struct {
    HPDF_Font* slot;
    const char* file;
  } const wanted[] = {{&fonts.sans, "DejaVuSans.ttf"},
                      {&fonts.bold, "DejaVuSans-Bold.ttf"},
                      {&fonts.mono, "DejaVuSansMono.ttf"}};
  for (const auto& w : wanted) {
    vault::Result<HPDF_Font> font = LoadFont(doc.get(), options.font_dir, w.file);
    if (!font) return std::unexpected(font.error());
    *w.slot = *font;
  }
  PdfLayout layout(doc.get(), fonts, sheet, options.paper);
  if (vault::Status s = layout.Run(); !s.ok()) return std::unexpected(s);
  if (errors.code == 0) HPDF_SaveToStream(doc.get());
  if (errors.code != 0) {
    char msg[80];
    std::snprintf(msg, sizeof msg, "PDF library error 0x%04X (detail %u)",
                  static_cast<unsigned>(errors.code), static_cast<unsigned>(errors.detail));
    return std::unexpected(vault::Status::Internal(msg));
  }
  vault::SecureBuffer out(HPDF_GetStreamSize(doc.get()));
  size_t filled = 0;
  while (filled < out.size()) {
    HPDF_UINT32 n = static_cast<HPDF_UINT32>(out.size() - filled);
    const HPDF_STATUS s = HPDF_ReadFromStream(doc.get(), out.data() + filled, &n);
    filled += n;
    if (n == 0 || (s != HPDF_OK && s != HPDF_STREAM_EOF)) break;
  }
  if (filled != out.size()) return std::unexpected(vault::Status::Internal("short PDF stream"));
  return out;
}

}  // namespace backup::sheet
