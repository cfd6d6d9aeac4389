// The server certificate pinned on first use (DESIGN.md §5): `join` and
// `init` record the certificate's fingerprint; later commands talk only to
// that certificate and refuse another one with a clear message, before any
// request is sent.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>

#include "api_client.h"
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

// An empty or malformed pin must not mean "trust any certificate": the
// profile is refused before anything is sent, and is not overwritten.
TEST_F(PinningCliTest, AnEmptyPinnedFingerprintIsRefused) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "default", "init"));
  const json profile = ReadProfile();
  const std::string real = profile.value("fingerprint", "");
  std::string lower = real;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::vector<std::optional<std::string>> pins = {
      "", std::nullopt, "not a fingerprint", real.substr(3), lower, real + ":00"};
  for (const auto& pin : pins) {
    const std::string what = pin ? "\"" + *pin + "\"" : "no fingerprint";
    json edited = profile;
    if (pin) {
      edited["fingerprint"] = *pin;
    } else {
      edited.erase("fingerprint");
    }
    WriteProfile(edited);
    const int64_t before = AuditLength();
    CliResult r = Baton({"whoami"});
    EXPECT_EQ(r.code, cli::kExitAuth) << what << ": " << r.err;
    EXPECT_EQ(r.out, "") << what;
    EXPECT_NE(r.err.find("the profile's pinned server fingerprint is missing or malformed"),
              std::string::npos)
        << what << ": " << r.err;
    EXPECT_EQ(AuditLength(), before) << what << ": a request reached the server";
  }

  // Joining again under the same name does not replace the identity.
  json emptied = profile;
  emptied["fingerprint"] = "";
  WriteProfile(emptied);
  EXPECT_EQ(Baton({"join", url(), "--code-stdin"}, Invite("member", "Mari again") + "\n").code,
            cli::kExitAuth);
  EXPECT_EQ(ReadProfile(), emptied);
  // Nor does a malformed pin given on the command line reach the server.
  const int64_t before_join = AuditLength();
  EXPECT_EQ(
      Baton({"--profile", "other", "join", url(), "--code-stdin", "--fingerprint", lower}, "code\n")
          .code,
      cli::kExitInvalid);
  EXPECT_EQ(AuditLength(), before_join);

  WriteProfile(profile);
  EXPECT_EQ(Baton({"whoami"}).code, 0);
}

// Below the profile: a client made with an empty pin trusts nothing.
TEST_F(PinningCliTest, AClientWithAnEmptyPinSendsNothing) {
  ASSERT_OK_AND_ASSIGN(cli::ServerAddress address, cli::ParseServerUrl(url()));
  const int64_t before = AuditLength();
  cli::ApiClient client(address, "");
  auto answer = client.Get("/v1/server", &vault::api::ServerInfoFromJson);
  ASSERT_FALSE(answer.has_value());
  EXPECT_TRUE(answer.error().IsUnauthenticated()) << answer.error().message();
  EXPECT_EQ(client.seen_fingerprint(), "") << "a connection was made";
  EXPECT_EQ(AuditLength(), before);

  // First use, as `init` and `join` make it, records what the server shows.
  cli::ApiClient first(address, "", cli::Trust::kFirstUse);
  ASSERT_OK(first.Get("/v1/server", &vault::api::ServerInfoFromJson));
  ASSERT_OK_AND_ASSIGN(std::string real, vault::CertificateFingerprint(tls_->cert_pem));
  EXPECT_EQ(first.seen_fingerprint(), real);
}

}  // namespace
