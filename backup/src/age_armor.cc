// ASCII armor: RFC 7468 strict PEM with the label "AGE ENCRYPTED FILE".
// Strict because armor is otherwise malleable: only white space may
// surround the block, every line but the last is exactly 64 columns, the
// base64 is canonical, and nothing else (headers, checksums) is allowed.
#include <sodium.h>

#include <algorithm>
#include <string>

#include "age_internal.h"

namespace backup::age::internal {
namespace {

constexpr std::string_view kBegin = "-----BEGIN AGE ENCRYPTED FILE-----";
constexpr std::string_view kEnd = "-----END AGE ENCRYPTED FILE-----";
constexpr size_t kColumns = 64;
constexpr size_t kBytesPerLine = kColumns / 4 * 3;

vault::Status Bad(std::string_view why) {
  return vault::Status::Corruption("age armor: " + std::string(why));
}

bool IsSpace(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Reads one line, dropping the LF or CRLF that ends it. Returns whether an
// end of line was there.
vault::Result<bool> ArmorLine(Reader& in, std::string& line) {
  auto ended = in.ReadLine(line, kColumns + 1, "age armor");
  if (!ended) return vault::Fail(ended.error());
  if (*ended && line.ends_with('\r')) line.pop_back();
  return *ended;
}

vault::Status WriteText(Sink& out, std::string_view text) {
  return out.Write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

}  // namespace

vault::Status ArmorSink::Write(std::span<const uint8_t> data) {
  if (!begun_) {
    begun_ = true;
    if (vault::Status s = WriteText(out_, std::string(kBegin) + "\n"); !s.ok()) return s;
  }
  pending_.insert(pending_.end(), data.begin(), data.end());
  return Flush(false);
}

vault::Status ArmorSink::Flush(bool final) {
  const size_t whole = pending_.size() / kBytesPerLine * kBytesPerLine;
  const size_t take = final ? pending_.size() : whole;
  std::string text;
  text.reserve(take / kBytesPerLine * (kColumns + 1) + kColumns + 1);
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  char line[kColumns + 1];
  for (size_t at = 0; at < take; at += kBytesPerLine) {
    const size_t n = std::min(kBytesPerLine, take - at);
    sodium_bin2base64(line, sizeof(line), pending_.data() + at, n, kVariant);
    text.append(line).push_back('\n');
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(take));
  return WriteText(out_, text);
}

vault::Status ArmorSink::Close() {
  if (vault::Status s = Write({}); !s.ok()) return s;
  if (vault::Status s = Flush(true); !s.ok()) return s;
  if (vault::Status s = WriteText(out_, std::string(kEnd) + "\n"); !s.ok()) return s;
  return out_.Close();
}

vault::Status ArmorSource::Begin() {
  for (;;) {
    auto next = in_.Peek();
    if (!next) return next.error();
    if (!next->has_value() || !IsSpace(**next)) break;
    std::array<uint8_t, 1> skip{};
    if (auto n = in_.Read(skip); !n) return n.error();
  }
  std::string line;
  auto ended = ArmorLine(in_, line);
  if (!ended) return ended.error();
  if (!*ended || line != kBegin) return Bad("not an age file (no BEGIN AGE ENCRYPTED FILE line)");
  state_ = State::kBody;
  return vault::Status::OK();
}

// After the END line only white space may follow.
vault::Status ArmorSource::End() {
  state_ = State::kDone;
  std::array<uint8_t, 256> rest{};
  for (;;) {
    auto n = in_.Read(rest);
    if (!n) return n.error();
    if (*n == 0) return vault::Status::OK();
    if (!std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(*n), IsSpace)) {
      return Bad("data after the END line");
    }
  }
}

vault::Status ArmorSource::NextLine() {
  std::string line;
  auto ended = ArmorLine(in_, line);
  if (!ended) return ended.error();
  if (line == kEnd) return End();
  if (!*ended) return Bad("file ends before the END line");
  if (short_line_seen_) return Bad("a short line before the last one");
  if (line.empty() || line.size() % 4 != 0) return Bad("line of the wrong length");
  // Checked here as libsodium takes some bytes >= 0x80 for base64 digits.
  const size_t digits = line.find_last_not_of('=') + 1;
  if (line.size() - digits > 2 ||
      !std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(digits),
                   IsBase64Char)) {
    return Bad("invalid base64");
  }
  short_line_seen_ = line.size() < kColumns || line.back() == '=';
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(line_.data(), line_.size(), line.data(), line.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != line.data() + line.size()) {
    return Bad("invalid base64");
  }
  line_pos_ = 0;
  line_len_ = len;
  return vault::Status::OK();
}

vault::Result<size_t> ArmorSource::Read(std::span<uint8_t> out) {
  if (state_ == State::kStart) {
    if (vault::Status s = Begin(); !s.ok()) return vault::Fail(s);
  }
  size_t done = 0;
  while (done < out.size()) {
    if (line_pos_ == line_len_) {
      if (state_ == State::kDone) break;
      if (vault::Status s = NextLine(); !s.ok()) return vault::Fail(s);
      continue;
    }
    const size_t n = std::min(out.size() - done, line_len_ - line_pos_);
    std::copy_n(line_.begin() + static_cast<std::ptrdiff_t>(line_pos_), n, out.begin() + done);
    line_pos_ += n;
    done += n;
  }
  return done;
}

}  // namespace backup::age::internal
