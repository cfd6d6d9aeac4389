// One-time passwords: RFC 6238 TOTP on top of RFC 4226 HOTP, configured
// from `otpauth://totp/...` URIs in the Key Uri Format that Google
// Authenticator and most sites use:
//
//   otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer
//       &algorithm=SHA1&digits=6&period=30
//
// The shared secret lives in a SecureBuffer. Error messages name the
// offending part of a URI but never contain the secret. All functions are
// pure (no Env needed) and thread-safe.
#ifndef BATON_VAULT_TOTP_H_
#define BATON_VAULT_TOTP_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault::totp {

// The HMAC underneath HOTP. SHA1 is the default of every authenticator app.
enum class Algorithm { kSha1, kSha256, kSha512 };

// "SHA1", "SHA256" or "SHA512", as written in otpauth URIs.
std::string_view AlgorithmName(Algorithm algorithm);

inline constexpr int kMinDigits = 6;
inline constexpr int kMaxDigits = 8;
inline constexpr int kDefaultDigits = 6;
inline constexpr std::chrono::seconds kMinPeriod{15};
inline constexpr std::chrono::seconds kMaxPeriod{300};
inline constexpr std::chrono::seconds kDefaultPeriod{30};
// RFC 4226 asks for at least 128 bits, but real sites still issue 80-bit
// secrets, so 80 bits is the floor.
inline constexpr size_t kMinSecretBytes = 10;
inline constexpr size_t kMaxSecretBytes = 256;
// Longer URIs are rejected before any parsing.
inline constexpr size_t kMaxUriBytes = 4096;

struct TotpParams {
  SecureBuffer secret;  // the raw key, kMinSecretBytes..kMaxSecretBytes
  Algorithm algorithm = Algorithm::kSha1;
  int digits = kDefaultDigits;                   // kMinDigits..kMaxDigits
  std::chrono::seconds period = kDefaultPeriod;  // kMinPeriod..kMaxPeriod
  std::string issuer;                            // may be empty; UTF-8
  std::string account;                           // not empty; UTF-8
};

// Parses an `otpauth://totp/LABEL?PARAMS` URI.
//
// LABEL is `account` or `Issuer:account` (the colon literal or %3A, spaces
// before the account ignored), percent-encoded UTF-8. PARAMS: `secret`
// (required; RFC 4648 base32, case-insensitive, `=` padding optional, spaces
// ignored), `issuer` (must equal the label's issuer prefix when both are
// given), `algorithm` (SHA1, SHA256, SHA512; default SHA1), `digits` (6..8,
// default 6), `period` (15..300 seconds, default 30). Parameter names are
// case-insensitive; unknown parameters (e.g. `image`) are ignored; a fragment
// (`#...`) is ignored.
//
// InvalidArgument, with a message that never contains the secret, for: a
// scheme other than otpauth, `otpauth://hotp` (counter-based OTP is not
// supported), a missing or empty label, account or secret, bad percent
// escapes, invalid UTF-8 or control characters in the label or issuer, bad
// base32, a secret outside kMinSecretBytes..kMaxSecretBytes, an unknown
// algorithm, digits or period out of range or not a decimal number, a
// parameter given twice, an issuer mismatch, or a URI over kMaxUriBytes.
[[nodiscard]] Result<TotpParams> ParseOtpauthUri(std::string_view uri);

// The canonical URI of `params`: label `Issuer:account` (or `account` when
// the issuer is empty), then secret (upper-case base32 without padding),
// issuer (when not empty), algorithm, digits and period, always in that
// order. Bytes other than RFC 3986 unreserved characters are
// percent-encoded. ParseOtpauthUri() of the result gives back equal params.
// The URI contains the secret, so it is returned in a SecureBuffer.
// InvalidArgument if `params` is out of range (as TotpCode()).
[[nodiscard]] Result<SecureBuffer> ToOtpauthUri(const TotpParams& params);

// RFC 4226 HOTP value for `counter`: HMAC of the 8-byte big-endian counter,
// dynamic truncation, modulo 10^digits, zero-padded to `digits` characters.
// InvalidArgument if `digits` is outside kMinDigits..kMaxDigits or the
// secret is outside kMinSecretBytes..kMaxSecretBytes.
[[nodiscard]] Result<std::string> HotpCode(std::span<const uint8_t> secret, Algorithm algorithm,
                                           uint64_t counter, int digits);

// RFC 6238 TOTP code at `now` (T0 = 0): HotpCode() of
// floor(unix_seconds / period). The sys_seconds overload reaches times that
// a nanosecond TimePoint cannot (after the year 2262). InvalidArgument if
// `params` is out of range or `now` is before the Unix epoch.
[[nodiscard]] Result<std::string> TotpCode(const TotpParams& params, TimePoint now);
[[nodiscard]] Result<std::string> TotpCode(const TotpParams& params, std::chrono::sys_seconds now);

// Whole seconds until the code shown at `now` changes: `period` right at a
// step boundary, down to 1 in the step's last second.
// REQUIRES: params.period is positive (otherwise returns 0s).
std::chrono::seconds TotpSecondsLeft(const TotpParams& params, TimePoint now);

}  // namespace vault::totp

#endif  // BATON_VAULT_TOTP_H_
