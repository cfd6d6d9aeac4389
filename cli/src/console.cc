#include "cli/console.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>

#include "vault/secret_input.h"

namespace cli {

Console StandardConsole() {
  return Console{std::cin, std::cout, std::cerr, vault::ReadSecretFromTerminal};
}

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Emits `text` in pieces as Printable shows it, so that a secret can be
// written to a stream without a copy outside locked memory.
using Emit = std::function<void(std::string_view)>;

void EmitByteEscape(const Emit& emit, uint8_t b) {
  const char escaped[] = {'\\', 'x', kHex[b >> 4], kHex[b & 0x0f]};
  emit({escaped, sizeof escaped});
}

void EmitCodePointEscape(const Emit& emit, char32_t cp) {
  char buf[16];
  const int n = std::snprintf(buf, sizeof buf, "\\u{%04x}", static_cast<unsigned>(cp));
  emit({buf, static_cast<size_t>(n)});
}

// The length of the well-formed UTF-8 sequence at the start of `s` and its
// code point, or 0 when it is not one (stray continuation, truncated,
// overlong, a surrogate, beyond U+10FFFF).
size_t DecodeUtf8(std::string_view s, char32_t* cp) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t lead = byte(0);
  size_t len = 0;
  char32_t value = 0;
  char32_t min = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    len = 2, value = lead & 0x1f, min = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    len = 3, value = lead & 0x0f, min = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    len = 4, value = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((byte(i) & 0xc0) != 0x80) return 0;
    value = (value << 6) | (byte(i) & 0x3f);
  }
  if (value < min || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return 0;
  *cp = value;
  return len;
}

// C1 controls, the bidi controls and marks that reorder the text around
// them (U+061C, U+200E-F, U+202A-E, U+2066-9), and the line and paragraph
// separators that some terminals break lines at.
bool IsHiddenCodePoint(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void EmitPrintable(std::string_view text, bool double_backslash, const Emit& emit) {
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<uint8_t>(text[i]);
    char32_t cp = 0;
    const size_t len = b < 0x80 ? 1 : DecodeUtf8(text.substr(i), &cp);
    if (b == '\\' && double_backslash) {
      // Doubled, so that a name cannot spell out an escape this function
      // makes and pass for a control character it does not contain.
      emit("\\\\");
      ++i;
    } else if (b < 0x20 || b == 0x7f || len == 0) {
      EmitByteEscape(emit, b);
      ++i;
    } else if (b >= 0x80 && IsHiddenCodePoint(cp)) {
      EmitCodePointEscape(emit, cp);
      i += len;
    } else {
      emit(text.substr(i, len));
      i += len;
    }
  }
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  EmitPrintable(text, /*double_backslash=*/true, [&](std::string_view piece) { out += piece; });
  return out;
}

void WritePrintable(std::ostream& out, std::string_view text) {
  EmitPrintable(text, /*double_backslash=*/false, [&](std::string_view piece) {
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
  });
}

std::string ShellQuote(std::string_view word) {
  const auto safe = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
  };
  if (!word.empty() && std::all_of(word.begin(), word.end(), safe)) return std::string(word);
  std::string out = "'";
  // A quote closes the quoted part, is quoted itself, and reopens it; with
  // no backslash, the command reads the same after Printable.
  for (char c : word) out += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return out + "'";
}

std::string BatonCommand(std::string_view profile, std::initializer_list<std::string_view> args) {
  return BatonCommand(profile, std::vector<std::string>(args.begin(), args.end()));
}

std::string BatonCommand(std::string_view profile, const std::vector<std::string>& args) {
  std::string line = "baton";
  const auto add = [&](std::string_view word) {
    line += ' ';
    EmitPrintable(ShellQuote(word), /*double_backslash=*/false,
                  [&](std::string_view piece) { line += piece; });
  };
  if (profile != "default") {
    add("--profile");
    add(profile);
  }
  for (const std::string& a : args) add(a);
  return line;
}

}  // namespace cli
