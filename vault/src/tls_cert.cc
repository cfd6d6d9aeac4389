#include "vault/tls_cert.h"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <ctime>
#include <memory>
#include <set>
#include <span>
#include <string>

namespace vault {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
template <typename T, auto Free>
using Owned = std::unique_ptr<T, Deleter<Free>>;

// Wipes a memory BIO's buffer (which held a private key) before freeing it.
// BIO_s_mem grows with BUF_MEM_grow_clean, so no stale copy is left behind.
void WipeAndFreeBio(BIO* bio) {
  BUF_MEM* mem = nullptr;
  if (BIO_get_mem_ptr(bio, &mem) == 1 && mem != nullptr && mem->data != nullptr) {
    OPENSSL_cleanse(mem->data, mem->max);
  }
  BIO_free(bio);
}

using BioPtr = Owned<BIO, BIO_free>;
using WipedBioPtr = Owned<BIO, WipeAndFreeBio>;
using BignumPtr = Owned<BIGNUM, BN_free>;
using PkeyPtr = Owned<EVP_PKEY, EVP_PKEY_free>;
using X509Ptr = Owned<X509, X509_free>;
using X509NamePtr = Owned<X509_NAME, X509_NAME_free>;
using GeneralNamePtr = Owned<GENERAL_NAME, GENERAL_NAME_free>;
using GeneralNamesPtr = Owned<GENERAL_NAMES, GENERAL_NAMES_free>;
using Ia5StringPtr = Owned<ASN1_IA5STRING, ASN1_IA5STRING_free>;
using OctetStringPtr = Owned<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using BitStringPtr = Owned<ASN1_BIT_STRING, ASN1_BIT_STRING_free>;
using BasicConstraintsPtr = Owned<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>;
using ExtKeyUsagePtr = Owned<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>;

constexpr char kCommonName[] = "baton server";
constexpr size_t kMaxExtraNames = 100;
constexpr size_t kMaxDnsName = 253;
constexpr size_t kMaxDnsLabel = 63;
constexpr size_t kSerialBytes = 16;

// Internal, with every queued OpenSSL error (the queue is thread-local and
// is drained, so a later failure does not report this one's causes).
Status OpenSslError(std::string_view what) {
  std::string msg = "OpenSSL: " + std::string(what);
  bool first = true;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    msg += first ? ": " : "; ";
    msg += text;
    first = false;
  }
  return Status::Internal(msg);
}

// A name for an error message: printable ASCII only, bounded.
std::string Quote(std::string_view name) {
  std::string out = "\"";
  for (char c : name.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (name.size() > 80) out += "...";
  return out + "\"";
}

struct SanEntry {
  int type = GEN_DNS;  // GEN_DNS or GEN_IPADD
  std::string value;   // the DNS name, or the 4 or 16 address bytes
};

bool IsLdh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// RFC 1123 host names; the last label must not be all digits, so that
// "1.2.3.256" is refused rather than certified as a DNS name.
Status CheckDnsName(std::string_view name) {
  const std::string bad = "invalid host name " + Quote(name) + ": ";
  if (name.size() > kMaxDnsName) return Status::InvalidArgument(bad + "longer than 253 characters");
  size_t start = 0;
  bool last_all_digits = false;
  while (true) {
    const size_t dot = name.find('.', start);
    const std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return Status::InvalidArgument(bad + "empty label");
    if (label.size() > kMaxDnsLabel) {
      return Status::InvalidArgument(bad + "label longer than 63 characters");
    }
    if (!std::all_of(label.begin(), label.end(), IsLdh)) {
      return Status::InvalidArgument(
          bad + "only letters, digits, hyphens and dots are allowed (no wildcards)");
    }
    if (label.front() == '-' || label.back() == '-') {
      return Status::InvalidArgument(bad + "a label starts or ends with a hyphen");
    }
    last_all_digits =
        std::all_of(label.begin(), label.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (last_all_digits) {
    return Status::InvalidArgument(bad + "neither an IP address nor a host name");
  }
  return Status::OK();
}

Result<SanEntry> ClassifyName(const std::string& name) {
  if (name.empty()) return Fail(Status::InvalidArgument("a subject alternative name is empty"));
  if (name.find('\0') != std::string::npos) {
    return Fail(Status::InvalidArgument("invalid host name " + Quote(name) + ": NUL character"));
  }
  std::array<uint8_t, 16> addr{};
  if (inet_pton(AF_INET, name.c_str(), addr.data()) == 1) {
    return SanEntry{GEN_IPADD, std::string(addr.begin(), addr.begin() + 4)};
  }
  if (inet_pton(AF_INET6, name.c_str(), addr.data()) == 1) {
    return SanEntry{GEN_IPADD, std::string(addr.begin(), addr.end())};
  }
  if (Status s = CheckDnsName(name); !s.ok()) return Fail(s);
  return SanEntry{GEN_DNS, name};
}

Result<GeneralNamesPtr> BuildSubjectAltNames(const std::vector<std::string>& extra_names) {
  if (extra_names.size() > kMaxExtraNames) {
    return Fail(Status::InvalidArgument("at most 100 extra names fit in the certificate"));
  }
  std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
  names.insert(names.end(), extra_names.begin(), extra_names.end());
  GeneralNamesPtr gens(sk_GENERAL_NAME_new_null());
  if (!gens) return Fail(OpenSslError("allocating subjectAltName"));
  std::set<std::pair<int, std::string>> seen;
  for (const std::string& name : names) {
    auto entry = ClassifyName(name);
    if (!entry) return Fail(entry.error());
    std::string key = entry->value;
    // DNS names compare case-insensitively.
    if (entry->type == GEN_DNS) {
      std::transform(key.begin(), key.end(), key.begin(),
                     [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
    }
    if (!seen.emplace(entry->type, key).second) continue;

    GeneralNamePtr gen(GENERAL_NAME_new());
    if (!gen) return Fail(OpenSslError("allocating a subjectAltName entry"));
    const auto* bytes = reinterpret_cast<const unsigned char*>(entry->value.data());
    const int len = static_cast<int>(entry->value.size());
    if (entry->type == GEN_DNS) {
      Ia5StringPtr dns(ASN1_IA5STRING_new());
      if (!dns || ASN1_STRING_set(dns.get(), bytes, len) != 1) {
        return Fail(OpenSslError("encoding a DNS name"));
      }
      GENERAL_NAME_set0_value(gen.get(), GEN_DNS, dns.release());
    } else {
      OctetStringPtr ip(ASN1_OCTET_STRING_new());
      if (!ip || ASN1_OCTET_STRING_set(ip.get(), bytes, len) != 1) {
        return Fail(OpenSslError("encoding an IP address"));
      }
      GENERAL_NAME_set0_value(gen.get(), GEN_IPADD, ip.release());
    }
    if (sk_GENERAL_NAME_push(gens.get(), gen.get()) <= 0) {
      return Fail(OpenSslError("adding a subjectAltName entry"));
    }
    gen.release();  // owned by the stack now
  }
  return gens;
}

Status AddExtensions(X509* cert, const GENERAL_NAMES* san) {
  BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
  if (!bc) return OpenSslError("allocating basicConstraints");
  bc->ca = 0;  // a leaf: it cannot issue certificates even if someone trusts it as a root
  if (X509_add1_ext_i2d(cert, NID_basic_constraints, bc.get(), /*crit=*/1, X509V3_ADD_DEFAULT) !=
      1) {
    return OpenSslError("adding basicConstraints");
  }
  BitStringPtr ku(ASN1_BIT_STRING_new());
  // Bit 0 is digitalSignature: ECDHE-ECDSA key exchange needs nothing else.
  if (!ku || ASN1_BIT_STRING_set_bit(ku.get(), 0, 1) != 1 ||
      X509_add1_ext_i2d(cert, NID_key_usage, ku.get(), /*crit=*/1, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("adding keyUsage");
  }
  ExtKeyUsagePtr eku(sk_ASN1_OBJECT_new_null());
  if (!eku || sk_ASN1_OBJECT_push(eku.get(), OBJ_nid2obj(NID_server_auth)) <= 0 ||
      X509_add1_ext_i2d(cert, NID_ext_key_usage, eku.get(), /*crit=*/0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("adding extendedKeyUsage");
  }
  // GENERAL_NAMES is passed as void*; OpenSSL only reads it.
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, const_cast<GENERAL_NAMES*>(san), /*crit=*/0,
                        X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("adding subjectAltName");
  }
  return Status::OK();
}

std::string FormatFingerprint(std::span<const uint8_t> digest) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (uint8_t b : digest) {
    if (!out.empty()) out += ':';
    out += kHex[b >> 4];
    out += kHex[b & 0x0f];
  }
  return out;
}

Result<std::string> FingerprintOf(X509* cert) {
  const int len = i2d_X509(cert, nullptr);
  if (len <= 0) return Fail(OpenSslError("encoding the certificate as DER"));
  std::vector<uint8_t> der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_X509(cert, &p) != len) return Fail(OpenSslError("encoding the certificate as DER"));
  std::array<uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_len = 0;
  if (EVP_Digest(der.data(), der.size(), digest.data(), &digest_len, EVP_sha256(), nullptr) != 1) {
    return Fail(OpenSslError("hashing the certificate"));
  }
  return FormatFingerprint(std::span(digest).first(digest_len));
}

Result<std::string> CertificatePem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return Fail(OpenSslError("writing the certificate PEM"));
  }
  BUF_MEM* mem = nullptr;
  if (BIO_get_mem_ptr(bio.get(), &mem) != 1 || mem == nullptr) {
    return Fail(OpenSslError("reading the certificate PEM"));
  }
  return std::string(mem->data, mem->length);
}

Result<SecureBuffer> PrivateKeyPem(EVP_PKEY* key) {
  WipedBioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Fail(OpenSslError("writing the private key PEM"));
  }
  BUF_MEM* mem = nullptr;
  if (BIO_get_mem_ptr(bio.get(), &mem) != 1 || mem == nullptr) {
    return Fail(OpenSslError("reading the private key PEM"));
  }
  return SecureBuffer::CopyOf(std::span(reinterpret_cast<const uint8_t*>(mem->data), mem->length));
}

}  // namespace

Result<TlsMaterial> GenerateSelfSignedTls(Env& env, TimePoint now,
                                          const std::vector<std::string>& extra_names) {
  ERR_clear_error();
  auto san = BuildSubjectAltNames(extra_names);
  if (!san) return Fail(san.error());

  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Fail(OpenSslError("generating the P-256 key"));

  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return Fail(OpenSslError("creating the certificate"));
  }
  // RFC 5280 §4.1.2.2: positive, at most 20 octets; 128 random bits also
  // make each certificate's serial unique without state.
  std::array<uint8_t, kSerialBytes> random{};
  do {
    env.RandomBytes(random);
  } while (std::all_of(random.begin(), random.end(), [](uint8_t b) { return b == 0; }));
  BignumPtr serial(BN_bin2bn(random.data(), static_cast<int>(random.size()), nullptr));
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return Fail(OpenSslError("setting the serial number"));
  }

  const std::time_t start = Clock::to_time_t(now);
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), start) == nullptr ||
      ASN1_TIME_adj(X509_getm_notAfter(cert.get()), start,
                    static_cast<int>(kTlsCertificateValidity.count()), 0) == nullptr) {
    return Fail(OpenSslError("setting the validity period"));
  }

  X509NamePtr name(X509_NAME_new());
  if (!name ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(kCommonName), -1, -1,
                                 0) != 1 ||
      X509_set_subject_name(cert.get(), name.get()) != 1 ||
      X509_set_issuer_name(cert.get(), name.get()) != 1) {
    return Fail(OpenSslError("setting the subject and issuer"));
  }
  if (X509_set_pubkey(cert.get(), key.get()) != 1) {
    return Fail(OpenSslError("setting the public key"));
  }
  if (Status s = AddExtensions(cert.get(), san->get()); !s.ok()) return Fail(s);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return Fail(OpenSslError("signing the certificate"));
  }

  TlsMaterial out;
  auto key_pem = PrivateKeyPem(key.get());
  if (!key_pem) return Fail(key_pem.error());
  auto cert_pem = CertificatePem(cert.get());
  if (!cert_pem) return Fail(cert_pem.error());
  auto fingerprint = FingerprintOf(cert.get());
  if (!fingerprint) return Fail(fingerprint.error());
  out.key_pem = std::move(*key_pem);
  out.cert_pem = std::move(*cert_pem);
  out.fingerprint_sha256 = std::move(*fingerprint);
  return out;
}

Result<std::string> CertificateFingerprint(std::string_view cert_pem) {
  ERR_clear_error();
  if (cert_pem.size() > INT_MAX) return Fail(Status::InvalidArgument("certificate is too large"));
  BioPtr bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  if (!bio) return Fail(OpenSslError("reading the certificate"));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    ERR_clear_error();  // bad input, not an OpenSSL failure
    return Fail(Status::InvalidArgument("no PEM certificate found"));
  }
  // A pin must name one certificate, not whichever comes first.
  X509Ptr second(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (second) return Fail(Status::InvalidArgument("more than one certificate in the PEM text"));
  return FingerprintOf(cert.get());
}

}  // namespace vault
