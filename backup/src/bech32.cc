#include "bech32.h"

#include <array>

#include <sodium.h>

namespace backup::bech32 {
namespace {

constexpr std::string_view kAlphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr size_t kChecksumValues = 6;

uint32_t Polymod(uint32_t chk, uint8_t value) {
  static constexpr std::array<uint32_t, 5> kGen = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                                   0x2a1462b3};
  const uint32_t top = chk >> 25;
  chk = ((chk & 0x1ffffff) << 5) ^ value;
  for (size_t i = 0; i < kGen.size(); ++i) {
    if (((top >> i) & 1) != 0) chk ^= kGen[i];
  }
  return chk;
}

// The checksum state after the expanded HRP; `hrp` is lower case.
uint32_t HrpPolymod(std::string_view hrp) {
  uint32_t chk = 1;
  for (char c : hrp) chk = Polymod(chk, static_cast<uint8_t>(c) >> 5);
  chk = Polymod(chk, 0);
  for (char c : hrp) chk = Polymod(chk, static_cast<uint8_t>(c) & 31);
  return chk;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

vault::Status Bad(std::string_view why) {
  return vault::Status::InvalidArgument(std::string("not a valid Bech32 string: ") +
                                        std::string(why));
}

}  // namespace

vault::Result<Parts> Split(std::string_view text) {
  bool lower = false;
  bool upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return vault::Fail(Bad("character out of range"));
    lower = lower || (c >= 'a' && c <= 'z');
    upper = upper || (c >= 'A' && c <= 'Z');
  }
  if (lower && upper) return vault::Fail(Bad("mixed case"));
  const size_t sep = text.rfind('1');
  if (sep == std::string_view::npos) return vault::Fail(Bad("no separator"));
  if (sep == 0) return vault::Fail(Bad("empty human-readable part"));
  if (text.size() - sep - 1 < kChecksumValues) return vault::Fail(Bad("checksum too short"));
  Parts parts;
  for (char c : text.substr(0, sep)) parts.hrp.push_back(Lower(c));
  uint32_t chk = HrpPolymod(parts.hrp);
  const std::string_view data = text.substr(sep + 1);
  parts.values.reserve(data.size() - kChecksumValues);
  for (size_t i = 0; i < data.size(); ++i) {
    const size_t v = kAlphabet.find(Lower(data[i]));
    if (v == std::string_view::npos) {
      sodium_memzero(parts.values.data(), parts.values.size());
      return vault::Fail(Bad("character outside the alphabet"));
    }
    chk = Polymod(chk, static_cast<uint8_t>(v));
    if (i < data.size() - kChecksumValues) parts.values.push_back(static_cast<uint8_t>(v));
  }
  if (chk != 1) {
    sodium_memzero(parts.values.data(), parts.values.size());
    return vault::Fail(Bad("checksum mismatch"));
  }
  return parts;
}

vault::SecureBuffer Encode(std::string_view hrp, std::span<const uint8_t> data, bool upper) {
  const size_t n_values = (data.size() * 8 + 4) / 5;
  vault::SecureBuffer values(n_values + kChecksumValues);
  size_t at = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : data) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      values.data()[at++] = static_cast<uint8_t>((acc >> bits) & 31);
    }
    acc &= (1u << bits) - 1;
  }
  if (bits > 0) values.data()[at++] = static_cast<uint8_t>((acc << (5 - bits)) & 31);
  sodium_memzero(&acc, sizeof acc);  // bits of a possibly secret key
  uint32_t chk = HrpPolymod(hrp);
  for (size_t i = 0; i < n_values; ++i) chk = Polymod(chk, values.data()[i]);
  for (size_t i = 0; i < kChecksumValues; ++i) chk = Polymod(chk, 0);
  chk ^= 1;
  for (size_t i = 0; i < kChecksumValues; ++i) {
    values.data()[n_values + i] = static_cast<uint8_t>((chk >> (5 * (5 - i))) & 31);
  }

  vault::SecureBuffer out(hrp.size() + 1 + values.size());
  char* p = reinterpret_cast<char*>(out.data());
  for (char c : hrp) *p++ = upper ? Upper(c) : c;
  *p++ = '1';
  for (uint8_t v : values.bytes()) *p++ = upper ? Upper(kAlphabet[v]) : kAlphabet[v];
  return out;
}

vault::Result<vault::SecureBuffer> Decode(std::string_view text, std::string_view hrp) {
  auto parts = Split(text);
  if (!parts) return vault::Fail(parts.error());
  // The 5-bit values are a copy of a possibly secret key: wiped on return.
  struct Wipe {
    std::vector<uint8_t>& v;
    ~Wipe() { sodium_memzero(v.data(), v.size()); }
  } wipe{parts->values};
  if (parts->hrp != hrp) {
    return vault::Fail(
        vault::Status::InvalidArgument("wrong Bech32 prefix: expected " + std::string(hrp) + "1…"));
  }
  const size_t n_bytes = parts->values.size() * 5 / 8;
  vault::SecureBuffer out(n_bytes);
  size_t at = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t v : parts->values) {
    acc = ((acc << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.data()[at++] = static_cast<uint8_t>((acc >> bits) & 0xff);
    }
  }
  acc &= (1u << bits) - 1;
  const bool padded_ok = bits < 5 && acc == 0;
  sodium_memzero(&acc, sizeof acc);
  if (!padded_ok) return vault::Fail(Bad("bad padding"));
  return out;
}

}  // namespace backup::bech32
