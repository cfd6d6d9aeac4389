// Byte sources and sinks, the line reader, base64 and HKDF of the age format.
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <istream>
#include <ostream>

#include "age_internal.h"

namespace backup::age::internal {

vault::Result<size_t> IstreamSource::Read(std::span<uint8_t> out) {
  in_.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (in_.bad()) return vault::Fail(vault::Status::IOError("could not read the input"));
  return static_cast<size_t>(in_.gcount());
}

vault::Result<size_t> SpanSource::Read(std::span<uint8_t> out) {
  const size_t n = std::min(out.size(), data_.size());
  std::copy_n(data_.begin(), n, out.begin());
  data_ = data_.subspan(n);
  return n;
}

vault::Status OstreamSink::Write(std::span<const uint8_t> data) {
  out_.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out_) return vault::Status::IOError("could not write the output");
  return vault::Status::OK();
}

vault::Status OstreamSink::Close() {
  out_.flush();
  if (!out_) return vault::Status::IOError("could not write the output");
  return vault::Status::OK();
}

vault::Status Reader::Fill() {
  pos_ = 0;
  end_ = 0;
  auto n = src_.Read(buf_);
  if (!n) return n.error();
  end_ = *n;
  return vault::Status::OK();
}

vault::Result<size_t> Reader::Read(std::span<uint8_t> out) {
  const size_t buffered = std::min(out.size(), end_ - pos_);
  std::copy_n(buf_.begin() + static_cast<std::ptrdiff_t>(pos_), buffered, out.begin());
  pos_ += buffered;
  if (buffered == out.size()) return buffered;
  auto n = src_.Read(out.subspan(buffered));
  if (!n) return vault::Fail(n.error());
  return buffered + *n;
}

vault::Result<bool> Reader::ReadLine(std::string& line, size_t max, std::string_view what) {
  line.clear();
  for (;;) {
    if (pos_ == end_) {
      if (vault::Status s = Fill(); !s.ok()) return vault::Fail(s);
      if (end_ == 0) return false;
    }
    const auto* begin = buf_.data() + pos_;
    const auto* stop = buf_.data() + end_;
    const auto* lf = std::find(begin, stop, '\n');
    const size_t n = static_cast<size_t>(lf - begin);
    if (line.size() + n > max) {
      return vault::Fail(vault::Status::Corruption(std::string(what) + ": line too long"));
    }
    line.append(reinterpret_cast<const char*>(begin), n);
    pos_ += n;
    if (lf != stop) {
      ++pos_;
      return true;
    }
  }
}

vault::Result<std::optional<uint8_t>> Reader::Peek() {
  if (pos_ == end_) {
    if (vault::Status s = Fill(); !s.ok()) return vault::Fail(s);
    if (end_ == 0) return std::optional<uint8_t>();
  }
  return std::optional<uint8_t>(buf_[pos_]);
}

std::string ToBase64Raw(std::span<const uint8_t> data) {
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  std::string out(sodium_base64_encoded_len(data.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), kVariant);
  out.pop_back();  // the terminating NUL
  return out;
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

std::optional<std::vector<uint8_t>> FromBase64Raw(std::string_view text) {
  // libsodium reads some bytes >= 0x80 (negative chars) as base64 digits, so
  // the alphabet is checked here first.
  if (!std::all_of(text.begin(), text.end(), IsBase64Char)) return std::nullopt;
  // libsodium refuses non-zero padding bits, so only canonical text decodes.
  std::vector<uint8_t> out(text.size() / 4 * 3 + 3);
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

vault::Result<vault::SecureBuffer> Hkdf(std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                                        std::string_view info) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  vault::SecureBuffer out(kKeyBytes);
  size_t len = out.size();
  const bool ok = ctx != nullptr && EVP_PKEY_derive_init(ctx) > 0 &&
                  EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
                  (salt.empty() || EVP_PKEY_CTX_set1_hkdf_salt(
                                       ctx, salt.data(), static_cast<int>(salt.size())) > 0) &&
                  EVP_PKEY_CTX_set1_hkdf_key(ctx, ikm.data(), static_cast<int>(ikm.size())) > 0 &&
                  EVP_PKEY_CTX_add1_hkdf_info(ctx, reinterpret_cast<const uint8_t*>(info.data()),
                                              static_cast<int>(info.size())) > 0 &&
                  EVP_PKEY_derive(ctx, out.data(), &len) > 0 && len == out.size();
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return vault::Fail(vault::Status::Internal("HKDF-SHA-256 failed"));
  return out;
}

}  // namespace backup::age::internal
