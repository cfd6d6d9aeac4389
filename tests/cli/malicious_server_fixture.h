// The CLI against a server that lies: every command goes through a
// HostileProxy on the fixture's own certificate, and Tamper edits the real
// store between commands, as a rogue operator with the database could.
#ifndef BATON_TESTS_CLI_MALICIOUS_SERVER_FIXTURE_H_
#define BATON_TESTS_CLI_MALICIOUS_SERVER_FIXTURE_H_

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli_fixture.h"
#include "hostile_proxy.h"

namespace testing_util {

// Routes as the proxy's rules match them.
inline constexpr char kItemPath[] = "/v1/items/[0-9a-f]{32}";
inline constexpr char kItemsPath[] = "/v1/collections/[0-9a-f]{32}/items";
inline constexpr char kKeyPath[] = "/v1/collections/[0-9a-f]{32}/key";
inline constexpr char kCachePath[] = "/v1/collections/[0-9a-f]{32}/cache";
inline constexpr char kGrantsPath[] = "/v1/collections/[0-9a-f]{32}/grants";
inline constexpr char kRekeyPath[] = "/v1/collections/[0-9a-f]{32}/rekey";

class MaliciousServerFixture : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    if (HasFatalFailure()) return;
    const std::string cert = home_.File("proxy.crt"), key = home_.File("proxy.key");
    std::ofstream(cert) << tls_->cert_pem;
    std::ofstream(key) << std::string(reinterpret_cast<const char*>(tls_->key_pem.data()),
                                      tls_->key_pem.size());
    proxy_ = std::make_unique<HostileProxy>(cert, key, port_);
    ASSERT_GT(proxy_->port(), 0);
  }
  void TearDown() override {
    proxy_.reset();
    CliFixture::TearDown();
  }

  std::string proxy_url() const { return "https://127.0.0.1:" + std::to_string(proxy_->port()); }

  // `baton --profile PROFILE args...`, expecting exit code `want`.
  CliResult As(const std::string& profile, std::vector<std::string> args, int want = 0,
               const std::string& stdin_text = "") {
    args.insert(args.begin(), {"--profile", profile});
    CliResult r = Baton(args, stdin_text);
    EXPECT_EQ(r.code, want) << testing::PrintToString(args) << "\n" << r.out << r.err;
    return r;
  }

  // Edits the real store, as whoever runs the server could.
  void Tamper(const std::function<vault::Status(vault::WriteTxn&)>& fn) {
    ASSERT_OK(vault_->Write(fn));
  }

  // An owner ("owner", Mari), an admin ("admin", Ants) and a member
  // ("bookkeeper", Liis), all through the proxy; the collection "Banking",
  // created by the owner and shared with the bookkeeper only (edit).
  void SetUpTeam() {
    ASSERT_NO_FATAL_FAILURE(ProxyJoin("owner", "Mari", "owner", "init"));
    ASSERT_NO_FATAL_FAILURE(ProxyJoin("admin", "Ants", "admin"));
    ASSERT_NO_FATAL_FAILURE(ProxyJoin("member", "Liis", "bookkeeper"));
    ASSERT_EQ(As("owner", {"collection", "create", "Banking"}).code, 0);
    ASSERT_EQ(As("owner", {"collection", "grant", "Banking", "Liis", "edit"}).code, 0);
  }

  // CliJoin through the proxy: the real server keeps the real roster, and the
  // owner vouches for each joiner, so every attack below is refused for the
  // reason it names rather than for an unvouched member.
  void ProxyJoin(const std::string& role, const std::string& name, const std::string& profile,
                 const std::string& verb = "join") {
    std::vector<std::string> args = {verb, proxy_url(), "--code-stdin"};
    const std::string team_words = TeamFingerprint();
    if (!team_words.empty()) args.insert(args.end(), {"--team-fingerprint", team_words});
    ASSERT_EQ(As(profile, args, 0, Invite(role, name) + "\n").code, 0);
    if (verb == "init") {
      owner_profile_ = profile;
      return;
    }
    ASSERT_EQ(
        As(owner_profile_, {"member", "vouch", name, "--fingerprint", MemberWords(name)}).code, 0);
  }

  // Adds an item to Banking as `profile`.
  void AddItem(const std::string& profile, const std::string& name, const std::string& password) {
    ASSERT_EQ(
        As(profile, {"item", "add", "Banking", name, "--channel", "other", "--password-stdin"}, 0,
           password + "\n")
            .code,
        0);
  }

  std::unique_ptr<HostileProxy> proxy_;
};

}  // namespace testing_util

#endif  // BATON_TESTS_CLI_MALICIOUS_SERVER_FIXTURE_H_
