#include "vault/tls_cert.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"

namespace vault {
namespace {

using testing_util::FakeEnv;

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, Deleter<BASIC_CONSTRAINTS_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

X509Ptr ParseCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

PkeyPtr ParseKey(const SecureBuffer& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

// The SANs as "DNS:name" / "IP:address" (inet_ntop's canonical text).
std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> out;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names.get(), i);
    if (gen->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gen->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                         static_cast<size_t>(ASN1_STRING_length(s))));
    } else if (gen->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = gen->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      const int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text);
      out.push_back("IP:" + std::string(text));
    } else {
      out.push_back("other");
    }
  }
  return out;
}

// Formatted the way `openssl x509 -fingerprint -sha256` prints it, through
// X509_digest rather than the library's DER-and-hash path.
std::string DigestFingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return "";
  std::string out;
  char pair[4];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(pair, sizeof pair, i + 1 < len ? "%02X:" : "%02X", md[i]);
    out += pair;
  }
  return out;
}

bool IsCritical(X509* cert, int nid) {
  const int at = X509_get_ext_by_NID(cert, nid, -1);
  return at >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, at)) == 1;
}

// Verifies `cert` with itself as the only trust anchor, as a client pinning
// it would, for TLS server use and `host`, at `when`.
int VerifyPinned(X509* cert, const std::string& host, std::time_t when) {
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), cert) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr) != 1) {
    return -1;
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, when);
  X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
  return X509_STORE_CTX_get_error(ctx.get());
}

class TlsCertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Sub-second part on purpose: the certificate keeps whole seconds.
    now_ = env_.Now() + std::chrono::milliseconds(1500);
    start_ = Clock::to_time_t(now_);
    ASSERT_OK_AND_ASSIGN(tls_, GenerateSelfSignedTls(env_, now_, {}));
    cert_ = ParseCert(tls_.cert_pem);
    ASSERT_NE(cert_, nullptr);
  }

  FakeEnv env_;
  TimePoint now_;
  std::time_t start_ = 0;
  TlsMaterial tls_;
  X509Ptr cert_;
};

TEST_F(TlsCertTest, CertificateIsAV3SelfSignedP256Certificate) {
  EXPECT_EQ(X509_get_version(cert_.get()), X509_VERSION_3);
  char cn[64] = {};
  ASSERT_GT(
      X509_NAME_get_text_by_NID(X509_get_subject_name(cert_.get()), NID_commonName, cn, sizeof cn),
      0);
  EXPECT_STREQ(cn, "baton server");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert_.get()), X509_get_issuer_name(cert_.get())),
            0);
  EXPECT_EQ(X509_get_signature_nid(cert_.get()), NID_ecdsa_with_SHA256);
  EVP_PKEY* pub = X509_get0_pubkey(cert_.get());
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(X509_verify(cert_.get(), pub), 1);  // self-signed
  EXPECT_EQ(EVP_PKEY_get_base_id(pub), EVP_PKEY_EC);
  char group[64] = {};
  ASSERT_EQ(EVP_PKEY_get_group_name(pub, group, sizeof group, nullptr), 1);
  EXPECT_STREQ(group, "prime256v1");
}

TEST_F(TlsCertTest, SerialIsRandomPositiveAndAtMost128Bits) {
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr));
  ASSERT_NE(serial, nullptr);
  EXPECT_FALSE(BN_is_negative(serial.get()));
  EXPECT_FALSE(BN_is_zero(serial.get()));
  EXPECT_LE(BN_num_bits(serial.get()), 128);
  EXPECT_GT(BN_num_bits(serial.get()), 64);  // fails with chance 2^-64
  ASSERT_OK_AND_ASSIGN(TlsMaterial other, GenerateSelfSignedTls(env_, now_, {}));
  X509Ptr cert2 = ParseCert(other.cert_pem);
  ASSERT_NE(cert2, nullptr);
  EXPECT_NE(
      ASN1_INTEGER_cmp(X509_get0_serialNumber(cert_.get()), X509_get0_serialNumber(cert2.get())),
      0);
  EXPECT_NE(other.fingerprint_sha256, tls_.fingerprint_sha256);
}

TEST_F(TlsCertTest, ValidityComesFromTheInjectedTime) {
  const std::time_t end = start_ + 825 * 24 * 3600;
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert_.get()), start_), 0);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert_.get()), end), 0);
  EXPECT_EQ(VerifyPinned(cert_.get(), "localhost", start_), X509_V_OK);
  EXPECT_EQ(VerifyPinned(cert_.get(), "localhost", end - 1), X509_V_OK);
  EXPECT_EQ(VerifyPinned(cert_.get(), "localhost", start_ - 1), X509_V_ERR_CERT_NOT_YET_VALID);
  // OpenSSL's X509_cmp_time counts the notAfter second itself as expired.
  EXPECT_EQ(VerifyPinned(cert_.get(), "localhost", end), X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST_F(TlsCertTest, ValidityPast2049UsesGeneralizedTime) {
  const TimePoint late = std::chrono::sys_days{std::chrono::year{2049} / 6 / 1};
  ASSERT_OK_AND_ASSIGN(TlsMaterial tls, GenerateSelfSignedTls(env_, late, {}));
  X509Ptr cert = ParseCert(tls.cert_pem);
  ASSERT_NE(cert, nullptr);
  const std::time_t t = Clock::to_time_t(late);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert.get()), t), 0);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert.get()), t + 825 * 24 * 3600), 0);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notBefore(cert.get())), V_ASN1_UTCTIME);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notAfter(cert.get())), V_ASN1_GENERALIZEDTIME);
}

TEST_F(TlsCertTest, KeyUsageAndConstraints) {
  BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert_.get(), NID_basic_constraints, nullptr, nullptr)));
  ASSERT_NE(bc, nullptr);
  EXPECT_EQ(bc->ca, 0);
  EXPECT_TRUE(IsCritical(cert_.get(), NID_basic_constraints));
  EXPECT_EQ(X509_check_ca(cert_.get()), 0);
  EXPECT_EQ(X509_get_key_usage(cert_.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_TRUE(IsCritical(cert_.get(), NID_key_usage));
  EXPECT_EQ(X509_get_extended_key_usage(cert_.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_FALSE(IsCritical(cert_.get(), NID_ext_key_usage));
  EXPECT_FALSE(IsCritical(cert_.get(), NID_subject_alt_name));
  EXPECT_EQ(X509_check_purpose(cert_.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_EQ(X509_check_purpose(cert_.get(), X509_PURPOSE_SSL_CLIENT, 0), 0);
}

TEST_F(TlsCertTest, DefaultSubjectAltNames) {
  EXPECT_EQ(SubjectAltNames(cert_.get()),
            (std::vector<std::string>{"DNS:localhost", "IP:127.0.0.1", "IP:::1"}));
  EXPECT_EQ(X509_check_host(cert_.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert_.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert_.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_host(cert_.get(), "baton server", 0, 0, nullptr), 0);  // not the CN
  EXPECT_NE(VerifyPinned(cert_.get(), "evil.example", start_ + 60), X509_V_OK);
}

TEST_F(TlsCertTest, ExtraNamesAreClassifiedAndDeduplicated) {
  const std::vector<std::string> extra = {
      "vault.example.com", "192.0.2.7",       "2001:DB8::1",           "LOCALHOST", "127.0.0.1",
      "Vault.Example.COM", "0:0:0:0:0:0:0:1", "xn--bcher-kva.example", "host-1"};
  ASSERT_OK_AND_ASSIGN(TlsMaterial tls, GenerateSelfSignedTls(env_, now_, extra));
  X509Ptr cert = ParseCert(tls.cert_pem);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(SubjectAltNames(cert.get()),
            (std::vector<std::string>{"DNS:localhost", "IP:127.0.0.1", "IP:::1",
                                      "DNS:vault.example.com", "IP:192.0.2.7", "IP:2001:db8::1",
                                      "DNS:xn--bcher-kva.example", "DNS:host-1"}));
  EXPECT_EQ(X509_check_host(cert.get(), "VAULT.example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "2001:db8:0::1", 0), 1);
  EXPECT_EQ(VerifyPinned(cert.get(), "vault.example.com", start_ + 60), X509_V_OK);
}

TEST_F(TlsCertTest, BadExtraNamesAreRejected) {
  const std::string long_label(64, 'a');
  std::string long_name;
  for (int i = 0; i < 51; ++i) long_name += "abcd.";  // 255 characters with the last label
  long_name += "ef";
  const std::vector<std::string> bad = {
      "",
      " ",
      "bad name",
      "-lead.example",
      "trail-.example",
      "a..b",
      ".example",
      "example.",
      "exa_mple.com",
      "*.example.com",
      "[::1]",
      "fe80::1%eth0",
      "1.2.3.256",
      "1.2.3.4.5",
      "999",
      "bücher.example",
      "host:443",
      "https://vault.example.com",
      std::string("nul\0byte", 8),
      long_label + ".example",
      long_name,
  };
  for (const std::string& name : bad) {
    auto r = GenerateSelfSignedTls(env_, now_, {"ok.example", name});
    ASSERT_FALSE(r.has_value()) << name;
    EXPECT_TRUE(r.error().IsInvalidArgument()) << name << ": " << r.error().ToString();
  }
  std::string max_label(63, 'a');
  EXPECT_OK(GenerateSelfSignedTls(env_, now_, {max_label + ".example"}));
  EXPECT_STATUS(GenerateSelfSignedTls(env_, now_, std::vector<std::string>(101, "a.example")),
                kInvalidArgument);
}

TEST_F(TlsCertTest, KeyMatchesCertificate) {
  const std::string_view head(reinterpret_cast<const char*>(tls_.key_pem.data()),
                              tls_.key_pem.size());
  EXPECT_TRUE(head.starts_with("-----BEGIN PRIVATE KEY-----\n")) << "PKCS#8 expected";
  EXPECT_TRUE(head.ends_with("-----END PRIVATE KEY-----\n"));
  PkeyPtr key = ParseKey(tls_.key_pem);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(cert_.get(), key.get()), 1);
  ASSERT_OK_AND_ASSIGN(TlsMaterial other, GenerateSelfSignedTls(env_, now_, {}));
  PkeyPtr other_key = ParseKey(other.key_pem);
  ASSERT_NE(other_key, nullptr);
  EXPECT_EQ(X509_check_private_key(cert_.get(), other_key.get()), 0);
  ERR_clear_error();
}

TEST_F(TlsCertTest, FingerprintMatchesX509Digest) {
  const std::string expected = DigestFingerprint(cert_.get());
  ASSERT_EQ(expected.size(), 32u * 3 - 1);
  EXPECT_EQ(tls_.fingerprint_sha256, expected);
  ASSERT_OK_AND_ASSIGN(std::string again, CertificateFingerprint(tls_.cert_pem));
  EXPECT_EQ(again, expected);
  // Text around the PEM block (as in a file with comments) is ignored.
  ASSERT_OK_AND_ASSIGN(std::string framed,
                       CertificateFingerprint("baton server\n" + tls_.cert_pem + "\n\n"));
  EXPECT_EQ(framed, expected);
}

TEST_F(TlsCertTest, CertificateFingerprintRejectsBadInput) {
  EXPECT_STATUS(CertificateFingerprint(""), kInvalidArgument);
  EXPECT_STATUS(CertificateFingerprint("not a certificate"), kInvalidArgument);
  std::string broken = tls_.cert_pem;
  broken[40] = broken[40] == 'A' ? 'B' : 'A';
  broken.erase(60, 8);
  EXPECT_STATUS(CertificateFingerprint(broken), kInvalidArgument);
  const std::string key_pem(reinterpret_cast<const char*>(tls_.key_pem.data()),
                            tls_.key_pem.size());
  EXPECT_STATUS(CertificateFingerprint(key_pem), kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(TlsMaterial other, GenerateSelfSignedTls(env_, now_, {}));
  EXPECT_STATUS(CertificateFingerprint(tls_.cert_pem + other.cert_pem), kInvalidArgument);
}

// The `openssl` command-line tool, if installed (Debian package openssl).
std::optional<std::string> FindOpenSslTool() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  const std::string dirs = path;
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t colon = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate = dirs.substr(start, colon - start) + "/openssl";
    if (colon > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return std::nullopt;
}

std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

TEST_F(TlsCertTest, OpenSslCommandLineAgrees) {
  const std::optional<std::string> tool = FindOpenSslTool();
  ASSERT_TRUE(tool.has_value())
      << "the openssl command-line tool is missing (scripts/setup installs it)";
  ASSERT_OK_AND_ASSIGN(TlsMaterial tls,
                       GenerateSelfSignedTls(env_, now_, {"vault.example.com", "192.0.2.7"}));
  testing_util::TempDir dir;
  const std::string pem = dir.File("cert.pem");
  std::ofstream(pem) << tls.cert_pem;
  const std::string x509 = "'" + *tool + "' x509 -noout -in '" + pem + "'";

  const std::string san = RunCommand(x509 + " -ext subjectAltName");
  EXPECT_NE(san.find("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, "
                     "DNS:vault.example.com, IP Address:192.0.2.7\n"),
            std::string::npos)
      << san;
  const std::string ext = RunCommand(x509 + " -ext basicConstraints,keyUsage,extendedKeyUsage");
  EXPECT_NE(ext.find("Basic Constraints: critical\n    CA:FALSE"), std::string::npos) << ext;
  EXPECT_NE(ext.find("Key Usage: critical\n    Digital Signature\n"), std::string::npos) << ext;
  EXPECT_NE(ext.find("TLS Web Server Authentication\n"), std::string::npos) << ext;

  const std::string fp = RunCommand(x509 + " -fingerprint -sha256");
  EXPECT_EQ(fp, "sha256 Fingerprint=" + tls.fingerprint_sha256 + "\n");

  const std::string verify =
      RunCommand("'" + *tool + "' verify -CAfile '" + pem +
                 "' -purpose sslserver -verify_hostname vault.example.com " + "-attime " +
                 std::to_string(start_ + 60) + " '" + pem + "'");
  EXPECT_EQ(verify, pem + ": OK\n");
}

}  // namespace
}  // namespace vault
