// The plain-text rendering, and the helpers both renderers share.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "backup/sheet.h"
#include "sheet_internal.h"

namespace backup::sheet {
namespace internal {

size_t Utf8SequenceLength(unsigned char lead) {
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  if (lead >= 0xE0) return lead < 0xF0 ? 3 : 1;
  if (lead >= 0xC0) return 2;
  return 1;
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += Utf8SequenceLength(static_cast<unsigned char>(s[i]))) {
    ++n;
  }
  return n;
}

std::vector<QrPiece> SplitCodes(Language language, const std::vector<Qr>& codes) {
  std::vector<QrPiece> pieces;
  for (const Qr& code : codes) {
    const std::string_view payload = TextView(code.payload);
    const size_t parts =
        std::max<size_t>(1, (payload.size() + kMaxQrPayloadBytes - 1) / kMaxQrPayloadBytes);
    if (parts == 1) {
      pieces.push_back({code.caption, payload});
      continue;
    }
    // Equal parts rather than full ones and a stub, so every code is the
    // same size on paper.
    const size_t part_bytes = (payload.size() + parts - 1) / parts;
    for (size_t i = 0; i < parts; ++i) {
      const std::string part =
          Phrase(language, Msg::kQrPart, {std::to_string(i + 1), std::to_string(parts)});
      pieces.push_back(
          {code.caption + " (" + part + ")", payload.substr(i * part_bytes, part_bytes)});
    }
  }
  return pieces;
}

std::vector<std::string_view> SplitWords(std::string_view words) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < words.size()) {
    while (i < words.size() && (words[i] == ' ' || words[i] == '\n')) ++i;
    size_t j = i;
    while (j < words.size() && words[j] != ' ' && words[j] != '\n') ++j;
    if (j > i) out.push_back(words.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace internal

namespace {

using internal::Utf8Length;
using internal::Utf8SequenceLength;

// Appends text to a growing secret without leaving unscrubbed copies: the
// old buffer is freed (and zeroed) by SecureBuffer whenever it grows.
class SecretWriter {
 public:
  void Append(std::string_view s) {
    if (size_ + s.size() > buf_.size()) {
      vault::SecureBuffer bigger(std::max(buf_.size() * 2, size_ + s.size() + 4096));
      if (size_ > 0) std::memcpy(bigger.data(), buf_.data(), size_);
      buf_ = std::move(bigger);
    }
    if (!s.empty()) std::memcpy(buf_.data() + size_, s.data(), s.size());
    size_ += s.size();
  }
  vault::SecureBuffer Take() {
    buf_.Truncate(size_);
    return std::move(buf_);
  }

 private:
  vault::SecureBuffer buf_;
  size_t size_ = 0;
};

// Greedy word wrap by code points; a word longer than a line (a password, a
// URI) is broken between code points, never shortened.
std::vector<std::string_view> WrapColumns(std::string_view text, size_t width) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    while (start < text.size() && text[start] == ' ') ++start;
    if (start >= text.size()) break;
    size_t end = start, last_space = std::string_view::npos, cols = 0;
    while (end < text.size() && text[end] != '\n' && cols < width) {
      if (text[end] == ' ') last_space = end;
      end += Utf8SequenceLength(static_cast<unsigned char>(text[end]));
      ++cols;
    }
    if (end < text.size() && text[end] != '\n' && text[end] != ' ' &&
        last_space != std::string_view::npos) {
      end = last_space;
    }
    lines.push_back(text.substr(start, end - start));
    start = end;
    if (start < text.size() && text[start] == '\n') ++start;
  }
  if (lines.empty()) lines.push_back({});
  return lines;
}

void AppendWrapped(SecretWriter& out, std::string_view indent, std::string_view first,
                   std::string_view text, size_t width) {
  const size_t room = width > Utf8Length(first) + 10 ? width - Utf8Length(first) : 10;
  bool head = true;
  for (std::string_view line : WrapColumns(text, room)) {
    out.Append(head ? first : indent);
    out.Append(line);
    out.Append("\n");
    head = false;
  }
}

void AppendWarnings(SecretWriter& out, const Sheet& sheet, size_t width) {
  for (const std::string& w : sheet.warnings) AppendWrapped(out, "!! ", "!! ", w, width);
}

}  // namespace

Text MakeText(std::string_view s) {
  return vault::SecureBuffer::CopyOf({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

std::string_view TextView(const Text& t) {
  return {reinterpret_cast<const char*>(t.data()), t.size()};
}

vault::SecureBuffer RenderText(const Sheet& sheet, int width) {
  const size_t cols = static_cast<size_t>(std::max(width, 30));
  SecretWriter out;
  AppendWrapped(out, "", "", sheet.title, cols);
  AppendWrapped(out, "", "", sheet.subtitle, cols);
  out.Append("\n");
  AppendWarnings(out, sheet, cols);
  for (const Section& section : sheet.sections) {
    out.Append("\n");
    if (!section.heading.empty()) AppendWrapped(out, "   ", "== ", section.heading, cols);
    for (const Row& row : section.rows) {
      const std::string first = row.key + ": ";
      AppendWrapped(out, std::string(std::min<size_t>(Utf8Length(first), 24), ' '), first,
                    TextView(row.value), cols);
    }
    const std::vector<std::string_view> words = internal::SplitWords(TextView(section.words));
    for (size_t i = 0; i < words.size(); ++i) {
      std::string number = std::to_string(i + 1) + ". ";
      if (number.size() < 4) number.insert(0, 4 - number.size(), ' ');
      out.Append(number);
      out.Append(words[i]);
      const bool line_end = i % 4 == 3 || i + 1 == words.size();
      out.Append(line_end ? "\n" : std::string(std::max<size_t>(1, 12 - words[i].size()), ' '));
    }
    for (const internal::QrPiece& piece : internal::SplitCodes(sheet.language, section.codes)) {
      AppendWrapped(out, "", "", piece.caption + ":", cols);
      AppendWrapped(out, "  ", "  ", piece.payload, cols);
    }
    for (const std::string& p : section.paragraphs) AppendWrapped(out, "", "", p, cols);
  }
  out.Append("\n");
  AppendWarnings(out, sheet, cols);
  return out.Take();
}

vault::Status WriteSheetFile(vault::Env& env, const std::string& path,
                             const vault::SecureBuffer& bytes) {
  if (path.empty()) return vault::Status::InvalidArgument("no output file given");
  vault::Status s = env.WriteFileAtomic(path, bytes.bytes(), 0600);
  if (!s.ok())
    return vault::Status::IOError("cannot write the sheet to " + path + ": " +
                                  std::string(s.message()));
  return vault::Status::OK();
}

}  // namespace backup::sheet
