// The answers of GET /v1/server, POST /v1/auth/challenge and POST
// /v1/auth/login are what baton's decoders (vault/api_json.h) read: the
// server builds them from the same records, and a damaged recovery key
// setting is the server's fault (500), not a malformed answer.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "server_fixture.h"
#include "vault/api_json.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
namespace api = vault::api;
namespace crypto = vault::crypto;

class SessionAnswersTest : public ServerFixture {
 protected:
  void PutRecoverySetting(const std::string& value) {
    ASSERT_OK(vault_->Write(
        [&](vault::WriteTxn& t) { return t.PutSetting({"setup"}, "recovery_public_key", value); }));
  }
};

TEST_F(SessionAnswersTest, ServerInfoDecodesWithAndWithoutARecoveryKey) {
  Reply plain = Call("GET", "/v1/server");
  ASSERT_EQ(plain.status, 200) << plain.raw;
  ASSERT_OK_AND_ASSIGN(api::ServerInfo info, api::ServerInfoFromJson(plain.body, "GET /v1/server"));
  EXPECT_EQ(info.version, BATON_VERSION);
  EXPECT_EQ(info.audit_public_key, keys_->audit_public_key());
  EXPECT_EQ(info.escrow_public_key, keys_->escrow_public_key());
  EXPECT_FALSE(info.recovery_public_key.has_value());
  EXPECT_FALSE(plain.body.contains("recovery_public_key")) << plain.raw;

  crypto::PublicKey recovery;
  recovery.fill(7);
  PutRecoverySetting(crypto::ToBase64(recovery));
  Reply with = Call("GET", "/v1/server");
  ASSERT_EQ(with.status, 200) << with.raw;
  EXPECT_EQ(with.body["recovery_public_key"], crypto::ToBase64(recovery));
  ASSERT_OK_AND_ASSIGN(info, api::ServerInfoFromJson(with.body, "GET /v1/server"));
  EXPECT_EQ(info.recovery_public_key, recovery);
}

TEST_F(SessionAnswersTest, ADamagedRecoveryKeySettingIsAServerError) {
  for (const std::string& bad :
       {std::string("not base64 %%"), crypto::ToBase64(std::vector<uint8_t>(31, 1))}) {
    SCOPED_TRACE(bad);
    PutRecoverySetting(bad);
    Reply r = Call("GET", "/v1/server");
    EXPECT_EQ(r.status, 500) << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "internal") << r.raw;
    EXPECT_FALSE(r.body.contains("version")) << r.raw;
  }
}

TEST_F(SessionAnswersTest, ChallengeAndLoginDecodeAsTheClientReadsThem) {
  Account a = Join("owner", "Mari");
  Reply ch = Call("POST", "/v1/auth/challenge", "", json{{"member_id", a.member_id}});
  ASSERT_EQ(ch.status, 200) << ch.raw;
  ASSERT_OK_AND_ASSIGN(api::Challenge challenge,
                       api::ChallengeFromJson(ch.body, "POST /v1/auth/challenge"));
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch()).count();
  EXPECT_EQ(
      challenge.expires_ms,
      now_ms +
          std::chrono::duration_cast<std::chrono::milliseconds>(config_.challenge_ttl).count());
  EXPECT_EQ(ch.body.size(), 2u) << ch.raw;

  Reply login = Login(a);
  ASSERT_EQ(login.status, 200) << login.raw;
  ASSERT_OK_AND_ASSIGN(api::LoginAnswer answer,
                       api::LoginAnswerFromJson(login.body, "POST /v1/auth/login"));
  EXPECT_EQ(answer.token, a.token);
  EXPECT_GT(answer.expires_ms, now_ms);
  EXPECT_EQ(answer.member.id, a.member_id);
  EXPECT_EQ(answer.member.name, "Mari");
  EXPECT_EQ(answer.member.role, vault::TeamRole::kOwner);
  EXPECT_EQ(login.body.size(), 3u) << login.raw;
}

}  // namespace
