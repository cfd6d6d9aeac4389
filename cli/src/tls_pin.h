// Certificate pinning for the client: trust on first use, then only the
// pinned certificate (DESIGN.md §5). The server's certificate is made by
// vault/tls_cert.h with libcrypto alone; the pin works on a TLS context,
// so it lives here, and libvault does not link libssl.
#ifndef BATON_CLI_TLS_PIN_H_
#define BATON_CLI_TLS_PIN_H_

#include <string>
#include <string_view>

#include "vault/status.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace cli {

// Whether a connection may trust a certificate it has not seen before: only
// `baton init` and `join` do, once, before anything is pinned.
enum class Trust { kPinned, kFirstUse };

// Filled in during each TLS handshake.
struct TlsPin {
  Trust trust = Trust::kPinned;
  std::string expected;          // fingerprint to require (ignored on first use)
  std::string seen_fingerprint;  // the server's leaf certificate, as offered
  std::string seen_cert_pem;
  bool mismatch = false;  // the server offered another certificate than `expected`
};

// A fingerprint as vault::CertificateFingerprint writes it: 32 bytes in
// upper-case hex pairs joined by colons.
bool IsWellFormedFingerprint(std::string_view fingerprint);
// OK for a well-formed pin, else Unauthenticated ("the profile's pinned
// server fingerprint is missing or malformed; ..."): an empty pin must
// never mean "trust any certificate".
vault::Status CheckPinnedFingerprint(std::string_view fingerprint);

// Makes every handshake on `ssl_ctx` (an OpenSSL SSL_CTX*) check the
// server's leaf certificate against `pin` instead of a CA chain: the
// handshake fails (X509_V_ERR_CERT_REJECTED) unless `pin.trust` is first use
// or the certificate is `pin.expected`, so an empty pin matches nothing. Fingerprints are
// vault::CertificateFingerprint's. `pin` must outlive the context.
void InstallTlsPin(ssl_ctx_st* ssl_ctx, TlsPin* pin);

}  // namespace cli

#endif  // BATON_CLI_TLS_PIN_H_
