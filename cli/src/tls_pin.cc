#include "tls_pin.h"

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>

#include "vault/tls_cert.h"

namespace cli {
namespace {

std::optional<std::string> PemOf(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  BUF_MEM* mem = nullptr;
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1 || BIO_get_mem_ptr(bio.get(), &mem) != 1 ||
      mem == nullptr) {
    return std::nullopt;
  }
  return std::string(mem->data, mem->length);
}

int VerifyPinned(X509_STORE_CTX* ctx, void* arg) {
  auto* pin = static_cast<TlsPin*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  std::optional<std::string> pem = leaf != nullptr ? PemOf(leaf) : std::nullopt;
  // One fingerprint function for the server's record and the client's check.
  auto fingerprint = pem ? vault::CertificateFingerprint(*pem)
                         : vault::Result<std::string>(vault::Fail(vault::Status::Internal("")));
  if (!fingerprint) {
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  pin->seen_fingerprint = *fingerprint;
  pin->seen_cert_pem = std::move(*pem);
  if (pin->trust != Trust::kFirstUse && pin->expected != *fingerprint) {
    pin->mismatch = true;
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  X509_STORE_CTX_set_error(ctx, X509_V_OK);
  return 1;
}

}  // namespace

bool IsWellFormedFingerprint(std::string_view fingerprint) {
  constexpr size_t kBytes = 32;
  if (fingerprint.size() != kBytes * 3 - 1) return false;
  for (size_t i = 0; i < fingerprint.size(); ++i) {
    const char c = fingerprint[i];
    const bool ok = i % 3 == 2 ? c == ':' : (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

vault::Status CheckPinnedFingerprint(std::string_view fingerprint) {
  if (IsWellFormedFingerprint(fingerprint)) return vault::Status::OK();
  return vault::Status::Unauthenticated(
      "the profile's pinned server fingerprint is missing or malformed; refusing to connect "
      "without it. Put back the fingerprint recorded at join (compare it out of band with the one "
      "batond prints) or join again under a new --profile.");
}

void InstallTlsPin(ssl_ctx_st* ssl_ctx, TlsPin* pin) {
  SSL_CTX_set_cert_verify_callback(ssl_ctx, VerifyPinned, pin);
}

}  // namespace cli
