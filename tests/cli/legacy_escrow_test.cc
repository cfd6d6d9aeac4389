// A team from before the roster takes the escrow key from GET /v1/server.
// A server that swaps it, or strips the audit key's signature from it, must
// not receive a deputy's escrow copy: `emergency grant` and `collection
// rekey` refuse (exit 3) and post nothing.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <tuple>

#include "cli/exit_codes.h"
#include "cli/malicious_server_fixture.h"
#include "vault/crypto.h"
#include "vault/identity.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;
using testing_util::kRekeyPath;

class LegacyEscrowTest : public testing_util::MaliciousServerFixture {
 protected:
  void SetUp() override {
    MaliciousServerFixture::SetUp();
    if (HasFatalFailure()) return;
    // Joined as before the roster: no genesis, so no roster to vouch.
    for (const auto& [role, name, profile] :
         {std::tuple{"owner", "Mari", "owner"}, std::tuple{"member", "Peeter", "deputy"}}) {
      ASSERT_EQ(
          As(profile, {"join", proxy_url(), "--code-stdin"}, 0, Invite(role, name) + "\n").code, 0);
    }
    ASSERT_EQ(As("owner", {"collection", "create", "Social"}).code, 0);
  }

  // The server's answer to GET /v1/server, changed by `edit`.
  void EditServerInfo(const std::function<void(json&)>& edit) {
    proxy_->Corrupt("GET", "/v1/server", [edit](int&, std::string& body) {
      json j = json::parse(body);
      edit(j);
      body = j.dump();
    });
  }

  std::string Grant(int want) {
    CliResult r = As("owner",
                     {"--json", "emergency", "grant", "Peeter", "--collection", "Social", "--wait",
                      "24h", "--fingerprint", MemberWords("Peeter")},
                     want);
    return want == 0 ? json::parse(r.out).value("id", "") : r.err;
  }
};

TEST_F(LegacyEscrowTest, AGrantRefusesAnEscrowKeyWithoutTheAuditKeysSignature) {
  EditServerInfo([](json& j) { j.erase("escrow_key_signature"); });
  const std::string err = Grant(cli::kExitAuth);
  EXPECT_NE(err.find("does not sign its escrow key"), std::string::npos) << err;
  EXPECT_EQ(proxy_->Seen("POST", "/v1/emergency/grants"), 0);
}

TEST_F(LegacyEscrowTest, AGrantRefusesASwappedEscrowKey) {
  const vault::Identity planted = vault::Identity::Generate(env_);
  EditServerInfo([&planted](json& j) {
    j["escrow_public_key"] = vault::crypto::ToBase64(planted.box_public_key());
  });
  const std::string err = Grant(cli::kExitAuth);
  EXPECT_NE(err.find("is not signed by the server's audit key"), std::string::npos) << err;
  EXPECT_EQ(proxy_->Seen("POST", "/v1/emergency/grants"), 0);
}

TEST_F(LegacyEscrowTest, AReKeyRefusesASwappedEscrowKeyForAnActiveGrant) {
  ASSERT_FALSE(Grant(0).empty());
  const vault::Identity planted = vault::Identity::Generate(env_);
  EditServerInfo([&planted](json& j) {
    j["escrow_public_key"] = vault::crypto::ToBase64(planted.box_public_key());
  });
  CliResult r = As("owner", {"collection", "rekey", "Social"}, cli::kExitAuth);
  EXPECT_NE(r.err.find("is not signed by the server's audit key"), std::string::npos) << r.err;
  EXPECT_EQ(proxy_->Seen("POST", kRekeyPath), 0);
  // The honest server's key still works.
  proxy_->Clear();
  EXPECT_EQ(As("owner", {"collection", "rekey", "Social"}).code, 0);
}

}  // namespace
