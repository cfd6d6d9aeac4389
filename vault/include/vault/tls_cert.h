// The server's TLS key and self-signed certificate (DESIGN.md §3, §5).
//
// Clients pin the certificate on first use (trust on first use) by its
// SHA-256 fingerprint, compared out of band; there is no CA (the pin itself
// is the client's: cli's tls_pin.h). Built with OpenSSL 3's libcrypto:
//   key          ECDSA P-256, written as unencrypted PKCS#8 PEM
//   certificate  X.509 v3, random positive 128-bit serial, signed with
//                ecdsa-with-SHA256, subject = issuer = CN "baton server",
//                valid from `now` to `now` + 825 days,
//                basicConstraints CA:FALSE (critical),
//                keyUsage digitalSignature (critical),
//                extendedKeyUsage serverAuth,
//                subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1, then the
//                extra names in the order given (duplicates dropped)
#ifndef BATON_VAULT_TLS_CERT_H_
#define BATON_VAULT_TLS_CERT_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault {

inline constexpr std::chrono::days kTlsCertificateValidity{825};

struct TlsMaterial {
  SecureBuffer key_pem;  // "-----BEGIN PRIVATE KEY-----" (PKCS#8), no trailing NUL
  std::string cert_pem;  // "-----BEGIN CERTIFICATE-----"
  // SHA-256 of the certificate's DER as upper-case hex pairs joined by
  // colons ("AB:01:..."), as `openssl x509 -fingerprint -sha256` prints it.
  std::string fingerprint_sha256;
};

// Generates a key and a self-signed certificate valid from `now` (truncated
// to whole seconds) for kTlsCertificateValidity. The serial comes from env's
// randomness; OpenSSL draws the key from its own generator. Each extra name
// is an IP address if it parses as IPv4 or IPv6 (no zone, no brackets), else
// a DNS name (letters, digits and hyphens, labels of 1-63 characters not
// starting or ending with a hyphen, at most 253 characters, last label not
// all digits; no wildcards, no trailing dot). Errors:
//   InvalidArgument  an empty or invalid extra name, or more than 100
//   Internal         OpenSSL failed (the message carries its error text)
Result<TlsMaterial> GenerateSelfSignedTls(Env& env, TimePoint now,
                                          const std::vector<std::string>& extra_names);

// The fingerprint (format as above) of the first certificate in a PEM text,
// for clients pinning it. InvalidArgument if there is no certificate or more
// than one.
Result<std::string> CertificateFingerprint(std::string_view cert_pem);

}  // namespace vault

#endif  // BATON_VAULT_TLS_CERT_H_
