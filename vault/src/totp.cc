#include "vault/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <cstring>
#include <optional>

#include "utf8.h"

namespace vault::totp {
namespace {

using internal::IsValidUtf8;

constexpr std::string_view kScheme = "otpauth://";
constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

Status Invalid(std::string_view msg) { return Status::InvalidArgument(msg); }

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

std::string AsciiLowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// Short, printable values (an algorithm name, a number) may be echoed in an
// error; anything else is not, in case it is a misplaced secret.
std::string Quoted(std::string_view value) {
  if (value.size() > 16) return "(value not shown)";
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return "(value not shown)";
  }
  // Built with append: g++ 12 at -O3 warns spuriously (-Wrestrict) on
  // "'" + std::string(value) + "'".
  std::string out = "'";
  out.append(value);
  out += '\'';
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `in` into `out`, which must have room for in.size() bytes;
// returns the decoded length. '+' stays '+': otpauth URIs are not form data.
Result<size_t> PercentDecodeInto(std::string_view in, uint8_t* out, std::string_view what) {
  size_t n = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out[n++] = static_cast<uint8_t>(in[i]);
      continue;
    }
    const int hi = i + 1 < in.size() ? HexValue(in[i + 1]) : -1;
    const int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Fail(Invalid(std::string(what) + " has a bad percent-escape ('%' must be followed "
                                              "by two hex digits)"));
    }
    out[n++] = static_cast<uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return n;
}

bool HasControlCharacter(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<uint8_t>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

Status CheckText(std::string_view text, std::string_view what) {
  if (!IsValidUtf8(text)) return Invalid(std::string(what) + " is not valid UTF-8");
  if (HasControlCharacter(text))
    return Invalid(std::string(what) + " contains a control character");
  return Status::OK();
}

// Decodes a label part or the issuer: non-secret text, so a std::string.
Result<std::string> DecodeText(std::string_view in, std::string_view what) {
  std::string out(in.size(), '\0');
  auto n = PercentDecodeInto(in, reinterpret_cast<uint8_t*>(out.data()), what);
  if (!n) return Fail(n.error());
  out.resize(*n);
  if (Status s = CheckText(out, what); !s.ok()) return Fail(s);
  return out;
}

int Base32Value(uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

Status CheckSecretSize(size_t bytes) {
  if (bytes < kMinSecretBytes) {
    return Invalid("secret is too short: " + std::to_string(bytes * 8) + " bits, need at least " +
                   std::to_string(kMinSecretBytes * 8));
  }
  if (bytes > kMaxSecretBytes) {
    return Invalid("secret is too long: more than " + std::to_string(kMaxSecretBytes) + " bytes");
  }
  return Status::OK();
}

// RFC 4648 base32. Messages describe the defect, never the text.
Result<SecureBuffer> DecodeBase32(std::span<const uint8_t> text) {
  size_t symbols = 0;
  bool in_padding = false;
  for (uint8_t c : text) {
    if (c == ' ') continue;  // secrets are often shown in groups of four
    if (c == '=') {
      in_padding = true;
      continue;
    }
    if (in_padding) return Fail(Invalid("secret is not valid base32: data after '=' padding"));
    if (Base32Value(c) < 0) {
      return Fail(
          Invalid("secret is not valid base32: it may contain only A-Z, 2-7, spaces "
                  "and trailing '='"));
    }
    ++symbols;
  }
  if (symbols == 0) return Fail(Invalid("secret is empty"));
  // 1, 3 or 6 trailing symbols cannot encode a whole number of bytes.
  const size_t tail = symbols % 8;
  if (tail == 1 || tail == 3 || tail == 6) {
    return Fail(Invalid("secret is not valid base32: its length (" + std::to_string(symbols) +
                        " symbols) is impossible"));
  }
  const size_t bytes = symbols * 5 / 8;
  if (Status s = CheckSecretSize(bytes); !s.ok()) return Fail(s);

  SecureBuffer out(bytes);
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (uint8_t c : text) {
    const int v = Base32Value(c);
    if (v < 0) continue;
    acc = (acc << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.data()[n++] = static_cast<uint8_t>(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  // Leftover bits (< 5) are ignored rather than required to be zero: some
  // sites issue random base32 strings of lengths like 26 symbols.
  sodium_memzero(&acc, sizeof acc);
  return out;
}

size_t Base32Length(size_t bytes) { return (bytes * 8 + 4) / 5; }

void EncodeBase32(std::span<const uint8_t> data, char* out) {
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (uint8_t b : data) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[n++] = kBase32Alphabet[(acc >> bits) & 0x1f];
    }
    acc &= (1u << bits) - 1;
  }
  if (bits > 0) out[n++] = kBase32Alphabet[(acc << (5 - bits)) & 0x1f];
  sodium_memzero(&acc, sizeof acc);
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<uint8_t>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

Status CheckDigits(int digits) {
  if (digits < kMinDigits || digits > kMaxDigits) {
    return Invalid("digits must be between " + std::to_string(kMinDigits) + " and " +
                   std::to_string(kMaxDigits) + ", got " + std::to_string(digits));
  }
  return Status::OK();
}

Status CheckPeriod(std::chrono::seconds period) {
  if (period < kMinPeriod || period > kMaxPeriod) {
    return Invalid("period must be between " + std::to_string(kMinPeriod.count()) + " and " +
                   std::to_string(kMaxPeriod.count()) + " seconds, got " +
                   std::to_string(period.count()));
  }
  return Status::OK();
}

const EVP_MD* Digest(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kSha1: return EVP_sha1();
    case Algorithm::kSha256: return EVP_sha256();
    case Algorithm::kSha512: return EVP_sha512();
  }
  return nullptr;
}

Status CheckCodeParams(const TotpParams& p) {
  if (Digest(p.algorithm) == nullptr) return Invalid("unknown TOTP algorithm");
  if (Status s = CheckSecretSize(p.secret.size()); !s.ok()) return s;
  if (Status s = CheckDigits(p.digits); !s.ok()) return s;
  return CheckPeriod(p.period);
}

// Strict decimal: no sign, no spaces, at most 4 digits (enough for every
// valid digits or period value; longer is out of range anyway).
std::optional<int> ParseSmallDecimal(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<Algorithm> ParseAlgorithm(std::string_view s) {
  if (EqualsIgnoreCase(s, "SHA1")) return Algorithm::kSha1;
  if (EqualsIgnoreCase(s, "SHA256")) return Algorithm::kSha256;
  if (EqualsIgnoreCase(s, "SHA512")) return Algorithm::kSha512;
  return std::nullopt;
}

struct Label {
  std::string issuer;  // empty if the label has no prefix
  std::string account;
};

Result<Label> ParseLabel(std::string_view raw) {
  // The separator is the first literal ':'; failing that the first %3A, so
  // an issuer or account may carry an encoded colon next to a literal one.
  size_t sep = raw.find(':');
  size_t sep_len = 1;
  if (sep == std::string_view::npos) {
    for (size_t i = 0; i + 2 < raw.size(); ++i) {
      if (raw[i] == '%' && raw[i + 1] == '3' && AsciiLower(raw[i + 2]) == 'a') {
        sep = i;
        sep_len = 3;
        break;
      }
    }
  }
  Label label;
  std::string_view account_raw = raw;
  if (sep != std::string_view::npos) {
    auto issuer = DecodeText(raw.substr(0, sep), "label issuer");
    if (!issuer) return Fail(issuer.error());
    label.issuer = std::move(*issuer);
    account_raw = raw.substr(sep + sep_len);
  }
  auto account = DecodeText(account_raw, "label account");
  if (!account) return Fail(account.error());
  const size_t first = account->find_first_not_of(' ');
  label.account = first == std::string::npos ? std::string() : account->substr(first);
  if (label.account.empty()) return Fail(Invalid("label has no account name"));
  return label;
}

Result<std::string> HotpFromCounter(std::span<const uint8_t> secret, Algorithm algorithm,
                                    uint64_t counter, int digits) {
  const EVP_MD* md = Digest(algorithm);
  if (md == nullptr) return Fail(Invalid("unknown HOTP algorithm"));
  uint8_t message[8];
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<uint8_t>(counter & 0xff);
    counter >>= 8;
  }
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  // OpenSSL for all three hashes: libsodium has no HMAC-SHA1, and one code
  // path is easier to trust than two.
  if (HMAC(md, secret.data(), static_cast<int>(secret.size()), message, sizeof message, mac,
           &mac_len) == nullptr ||
      mac_len < 20) {
    sodium_memzero(mac, sizeof mac);
    return Fail(Status::Internal("HMAC computation failed"));
  }
  // RFC 4226 §5.3 dynamic truncation.
  const unsigned offset = mac[mac_len - 1] & 0x0f;
  uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                    (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                    (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                    static_cast<uint32_t>(mac[offset + 3]);
  sodium_memzero(mac, sizeof mac);
  std::string code(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    code[static_cast<size_t>(i)] = static_cast<char>('0' + binary % 10);
    binary /= 10;
  }
  return code;
}

}  // namespace

std::string_view AlgorithmName(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kSha1: return "SHA1";
    case Algorithm::kSha256: return "SHA256";
    case Algorithm::kSha512: return "SHA512";
  }
  return "unknown";
}

Result<TotpParams> ParseOtpauthUri(std::string_view uri) {
  if (uri.size() > kMaxUriBytes) {
    return Fail(Invalid("otpauth URI is longer than " + std::to_string(kMaxUriBytes) + " bytes"));
  }
  if (uri.size() < kScheme.size() || !EqualsIgnoreCase(uri.substr(0, kScheme.size()), kScheme)) {
    return Fail(Invalid("not an otpauth URI: it must start with otpauth://"));
  }
  std::string_view rest = uri.substr(kScheme.size());
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  const size_t slash = rest.find('/');
  const std::string_view type = rest.substr(0, slash);
  if (EqualsIgnoreCase(type, "hotp")) {
    return Fail(
        Invalid("otpauth://hotp (counter-based HOTP) is not supported; only "
                "otpauth://totp is"));
  }
  if (!EqualsIgnoreCase(type, "totp")) {
    return Fail(Invalid("unknown OTP type " + Quoted(type) + "; only otpauth://totp is supported"));
  }
  if (slash == std::string_view::npos) return Fail(Invalid("otpauth URI has no label"));
  rest = rest.substr(slash + 1);

  const size_t question = rest.find('?');
  const std::string_view raw_label = rest.substr(0, question);
  if (raw_label.empty()) return Fail(Invalid("otpauth URI has no label (account name)"));
  auto label = ParseLabel(raw_label);
  if (!label) return Fail(label.error());

  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : rest.substr(question + 1);
  std::optional<std::string_view> secret, issuer, algorithm, digits, period;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view item = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    // The name is not echoed: a pasted bare secret would land here.
    if (eq == std::string_view::npos) return Fail(Invalid("a URI parameter has no '=' and value"));
    const std::string name = AsciiLowerCopy(item.substr(0, eq));
    const std::string_view value = item.substr(eq + 1);
    std::optional<std::string_view>* slot = nullptr;
    if (name == "secret") slot = &secret;
    if (name == "issuer") slot = &issuer;
    if (name == "algorithm") slot = &algorithm;
    if (name == "digits") slot = &digits;
    if (name == "period") slot = &period;
    if (slot == nullptr) continue;  // e.g. image=, color=: harmless extensions
    if (slot->has_value()) return Fail(Invalid("parameter '" + name + "' appears more than once"));
    *slot = value;
  }

  TotpParams params;
  if (!secret.has_value()) return Fail(Invalid("otpauth URI has no secret parameter"));
  {
    // Percent-decode straight into locked memory: the secret never sits in
    // a std::string.
    if (secret->empty()) return Fail(Invalid("secret is empty"));
    SecureBuffer decoded(secret->size());
    auto n = PercentDecodeInto(*secret, decoded.data(), "secret");
    if (!n) return Fail(n.error());
    decoded.Truncate(*n);
    auto key = DecodeBase32(decoded.bytes());
    if (!key) return Fail(key.error());
    params.secret = std::move(*key);
  }

  if (issuer.has_value()) {
    auto decoded = DecodeText(*issuer, "issuer");
    if (!decoded) return Fail(decoded.error());
    if (!label->issuer.empty() && !decoded->empty() && *decoded != label->issuer) {
      return Fail(Invalid("issuer parameter '" + *decoded +
                          "' does not match the label's issuer '" + label->issuer + "'"));
    }
    params.issuer = decoded->empty() ? label->issuer : std::move(*decoded);
  } else {
    params.issuer = label->issuer;
  }
  params.account = std::move(label->account);

  if (algorithm.has_value()) {
    const auto a = ParseAlgorithm(*algorithm);
    if (!a) {
      return Fail(Invalid("algorithm " + Quoted(*algorithm) +
                          " is not supported; use SHA1, SHA256 or SHA512"));
    }
    params.algorithm = *a;
  }
  if (digits.has_value()) {
    const auto d = ParseSmallDecimal(*digits);
    if (!d) return Fail(Invalid("digits must be a decimal number between 6 and 8"));
    if (Status s = CheckDigits(*d); !s.ok()) return Fail(s);
    params.digits = *d;
  }
  if (period.has_value()) {
    const auto p = ParseSmallDecimal(*period);
    if (!p) return Fail(Invalid("period must be a decimal number of seconds between 15 and 300"));
    if (Status s = CheckPeriod(std::chrono::seconds(*p)); !s.ok()) return Fail(s);
    params.period = std::chrono::seconds(*p);
  }
  return params;
}

Result<SecureBuffer> ToOtpauthUri(const TotpParams& params) {
  if (Status s = CheckCodeParams(params); !s.ok()) return Fail(s);
  if (Status s = CheckText(params.issuer, "issuer"); !s.ok()) return Fail(s);
  if (Status s = CheckText(params.account, "account"); !s.ok()) return Fail(s);
  if (params.account.empty()) return Fail(Invalid("account is empty"));
  if (params.account.front() == ' ') {
    return Fail(Invalid("account must not start with a space (a URI label cannot keep it)"));
  }

  std::string head = "otpauth://totp/";
  if (!params.issuer.empty()) {
    head += PercentEncode(params.issuer) + ":";
  } else if (params.account.find(':') != std::string::npos) {
    // An empty prefix, so the account's encoded colon is not taken as the
    // issuer separator when parsed back.
    head += ":";
  }
  head += PercentEncode(params.account);
  head += "?secret=";
  std::string tail;
  if (!params.issuer.empty()) tail += "&issuer=" + PercentEncode(params.issuer);
  tail += "&algorithm=" + std::string(AlgorithmName(params.algorithm));
  tail += "&digits=" + std::to_string(params.digits);
  tail += "&period=" + std::to_string(params.period.count());

  const size_t secret_len = Base32Length(params.secret.size());
  SecureBuffer out(head.size() + secret_len + tail.size());
  char* p = reinterpret_cast<char*>(out.data());
  std::memcpy(p, head.data(), head.size());
  EncodeBase32(params.secret.bytes(), p + head.size());
  std::memcpy(p + head.size() + secret_len, tail.data(), tail.size());
  return out;
}

Result<std::string> HotpCode(std::span<const uint8_t> secret, Algorithm algorithm, uint64_t counter,
                             int digits) {
  if (Status s = CheckSecretSize(secret.size()); !s.ok()) return Fail(s);
  if (Status s = CheckDigits(digits); !s.ok()) return Fail(s);
  return HotpFromCounter(secret, algorithm, counter, digits);
}

Result<std::string> TotpCode(const TotpParams& params, std::chrono::sys_seconds now) {
  if (Status s = CheckCodeParams(params); !s.ok()) return Fail(s);
  const int64_t t = now.time_since_epoch().count();
  if (t < 0) return Fail(Invalid("TOTP time is before the Unix epoch"));
  const auto counter = static_cast<uint64_t>(t / params.period.count());
  return HotpFromCounter(params.secret.bytes(), params.algorithm, counter, params.digits);
}

Result<std::string> TotpCode(const TotpParams& params, TimePoint now) {
  return TotpCode(params, std::chrono::floor<std::chrono::seconds>(now));
}

std::chrono::seconds TotpSecondsLeft(const TotpParams& params, TimePoint now) {
  const int64_t period = params.period.count();
  if (period <= 0) return std::chrono::seconds(0);
  const int64_t t = std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
  int64_t into = t % period;
  if (into < 0) into += period;
  return std::chrono::seconds(period - into);
}

}  // namespace vault::totp
