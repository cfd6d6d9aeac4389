// The server certificate pinned on first use (DESIGN.md §5): `join` and
// `init` record the certificate's fingerprint; later commands talk only to
// that certificate and refuse another one with a clear message, before any
// request is sent.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"
#include "vault/tls_cert.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

class PinningCliTest : public testing_util::CliFixture {
 protected:
  std::string ProfileFile() const { return profile_dir() + "/profile.json"; }

  json ReadProfile() const {
    std::ifstream f(ProfileFile());
    return json::parse(std::string(std::istreambuf_iterator<char>(f), {}));
  }

  void WriteProfile(const json& j) const { std::ofstream(ProfileFile()) << j.dump(2); }
};

TEST_F(PinningCliTest, JoinPinsTheServersCertificateAndAnotherOneIsRefused) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "default", "init"));
  ASSERT_OK_AND_ASSIGN(std::string real, vault::CertificateFingerprint(tls_->cert_pem));
  const json profile = ReadProfile();
  EXPECT_EQ(profile.value("fingerprint", ""), real);
  ASSERT_EQ(Baton({"whoami"}).code, 0);

  // The same server now shows "another" certificate: as far as the client
  // can tell, someone is in the middle.
  json other = profile;
  std::string fake = real;
  fake[0] = fake[0] == 'A' ? 'B' : 'A';
  other["fingerprint"] = fake;
  WriteProfile(other);
  const int64_t before = AuditLength();
  CliResult r = Baton({"whoami"});
  EXPECT_EQ(r.code, cli::kExitAuth) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("the server's TLS certificate changed: pinned " + fake + ", offered " +
                       real + ". Refusing to connect."),
            std::string::npos)
      << r.err;
  // Refused before a request: not even a sign-in challenge reached the server.
  EXPECT_EQ(AuditLength(), before);
  EXPECT_EQ(ReadProfile().value("fingerprint", ""), fake) << "the pin is not replaced silently";

  WriteProfile(profile);
  EXPECT_EQ(Baton({"whoami"}).code, 0);
}

}  // namespace
