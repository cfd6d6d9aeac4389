// The age v1 header: stanzas and MAC, parsed strictly and written
// canonically, so that parse-then-write gives back the bytes read.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "age_internal.h"

namespace backup::age::internal {
namespace {

constexpr size_t kBodyColumns = 64;
constexpr size_t kMacBase64Chars = 43;

vault::Status Bad(std::string_view why) {
  return vault::Status::Corruption("age header: " + std::string(why));
}

bool IsVchar(char c) { return c >= 0x21 && c <= 0x7e; }

// One line that must end in LF, counted into the header's size.
vault::Status NextLine(Reader& in, std::string& line, std::string& mac_input) {
  auto ended = in.ReadLine(line, kMaxLineBytes, "age header");
  if (!ended) return ended.error();
  if (!*ended) return Bad("truncated");
  if (mac_input.size() + line.size() > kMaxHeaderBytes) return Bad("too large");
  return vault::Status::OK();
}

vault::Result<std::vector<std::string>> ParseArguments(std::string_view text) {
  std::vector<std::string> args;
  size_t start = 0;
  for (;;) {
    const size_t space = std::min(text.find(' ', start), text.size());
    const std::string_view arg = text.substr(start, space - start);
    if (arg.empty()) return vault::Fail(Bad("empty stanza argument"));
    if (!std::all_of(arg.begin(), arg.end(), IsVchar)) {
      return vault::Fail(Bad("invalid character in a stanza argument"));
    }
    args.emplace_back(arg);
    if (space == text.size()) return args;
    start = space + 1;
  }
}

// The stanza whose "-> " line is `arg_line`, reading its body lines.
vault::Result<Stanza> ParseStanza(Reader& in, std::string_view arg_line, std::string& mac_input) {
  auto args = ParseArguments(arg_line.substr(3));
  if (!args) return vault::Fail(args.error());
  std::string body_text;
  std::string line;
  for (;;) {
    if (vault::Status s = NextLine(in, line, mac_input); !s.ok()) return vault::Fail(s);
    mac_input.append(line).push_back('\n');
    if (line.size() > kBodyColumns) return vault::Fail(Bad("stanza body line too long"));
    if (!std::all_of(line.begin(), line.end(), IsBase64Char)) {
      return vault::Fail(Bad("invalid character in a stanza body"));
    }
    body_text += line;
    if (line.size() < kBodyColumns) break;
  }
  auto body = FromBase64Raw(body_text);
  if (!body) return vault::Fail(Bad("stanza body is not canonical base64"));
  return Stanza{std::move(*args), std::move(*body)};
}

}  // namespace

vault::Result<Header> ParseHeader(Reader& in) {
  Header header;
  std::string line;
  auto ended = in.ReadLine(line, kMaxLineBytes, "not an age file");
  if (!ended) return vault::Fail(ended.error());
  if (!*ended || line != kVersionLine) {
    if (*ended && line.starts_with("age-encryption.org/")) {
      return vault::Fail(vault::Status::Unsupported("unsupported age version"));
    }
    return vault::Fail(vault::Status::InvalidArgument("not an age file"));
  }
  header.mac_input.append(line).push_back('\n');
  for (;;) {
    if (vault::Status s = NextLine(in, line, header.mac_input); !s.ok()) return vault::Fail(s);
    if (line.starts_with("-> ")) {
      header.mac_input.append(line).push_back('\n');
      auto stanza = ParseStanza(in, line, header.mac_input);
      if (!stanza) return vault::Fail(stanza.error());
      header.stanzas.push_back(std::move(*stanza));
      continue;
    }
    if (!line.starts_with("---")) return vault::Fail(Bad("unexpected line"));
    if (header.stanzas.empty()) return vault::Fail(Bad("no recipient stanza"));
    header.mac_input += "---";
    if (line.size() != 4 + kMacBase64Chars || line[3] != ' ') {
      return vault::Fail(Bad("malformed MAC line"));
    }
    auto mac = FromBase64Raw(std::string_view(line).substr(4));
    if (!mac || mac->size() != kMacBytes) return vault::Fail(Bad("malformed MAC"));
    std::copy(mac->begin(), mac->end(), header.mac.begin());
    return header;
  }
}

std::string EncodeHeaderWithoutMac(const std::vector<Stanza>& stanzas) {
  std::string out(kVersionLine);
  out.push_back('\n');
  for (const Stanza& stanza : stanzas) {
    out += "->";
    for (const std::string& arg : stanza.args) out.append(" ").append(arg);
    out.push_back('\n');
    const std::string body = ToBase64Raw(stanza.body);
    // Always a final line shorter than 64 columns, empty if need be.
    for (size_t at = 0;; at += kBodyColumns) {
      const std::string_view part = std::string_view(body).substr(at, kBodyColumns);
      out.append(part).push_back('\n');
      if (part.size() < kBodyColumns) break;
    }
  }
  out += "---";
  return out;
}

std::string EncodeHeader(const Header& header) {
  return EncodeHeaderWithoutMac(header.stanzas) + " " + ToBase64Raw(header.mac) + "\n";
}

vault::Result<std::array<uint8_t, kMacBytes>> HeaderMac(std::span<const uint8_t> file_key,
                                                        std::string_view mac_input) {
  auto key = Hkdf(file_key, {}, "header");
  if (!key) return vault::Fail(key.error());
  std::array<uint8_t, kMacBytes> mac{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
           reinterpret_cast<const uint8_t*>(mac_input.data()), mac_input.size(), mac.data(),
           &len) == nullptr ||
      len != mac.size()) {
    return vault::Fail(vault::Status::Internal("HMAC-SHA-256 failed"));
  }
  return mac;
}

}  // namespace backup::age::internal
