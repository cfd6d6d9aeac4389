// Certificate pinning for the client: trust on first use, then only the
// pinned certificate (DESIGN.md §5). The server's certificate is made by
// vault/tls_cert.h with libcrypto alone; the pin works on a TLS context,
// so it lives here, and libvault does not link libssl.
#ifndef BATON_CLI_TLS_PIN_H_
#define BATON_CLI_TLS_PIN_H_

#include <string>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace cli {

// Filled in during each TLS handshake.
struct TlsPin {
  std::string expected;          // fingerprint to require; empty: first use, accept and record
  std::string seen_fingerprint;  // the server's leaf certificate, as offered
  std::string seen_cert_pem;
  bool mismatch = false;  // the server offered another certificate than `expected`
};

// Makes every handshake on `ssl_ctx` (an OpenSSL SSL_CTX*) check the
// server's leaf certificate against `pin` instead of a CA chain: the
// handshake fails (X509_V_ERR_CERT_REJECTED) when `pin.expected` is set and
// differs. Fingerprints are vault::CertificateFingerprint's. `pin` must
// outlive the context.
void InstallTlsPin(ssl_ctx_st* ssl_ctx, TlsPin* pin);

}  // namespace cli

#endif  // BATON_CLI_TLS_PIN_H_
