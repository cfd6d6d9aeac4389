// A veto cannot be suppressed by failed logins: a deputy with a waiting
// emergency request floods the admins' sign-ins (from the same address, as
// behind a NAT), yet an admin signs in and rejects, and the request stays
// rejected after its wait ends (time moved only with the FakeEnv clock and
// Server::Tick()).
#include <gtest/gtest.h>

#include "login_flood.h"
#include "server_fixture.h"

namespace {

using nlohmann::json;
using std::chrono::hours;
using testing_util::Account;
using testing_util::Reply;
namespace crypto = vault::crypto;

class LoginVetoTest : public testing_util::ServerFixture {
 protected:
  // A wrong answer to a real challenge for `victim`, signed by `signer`.
  Reply WrongAnswer(const Account& victim, const Account& signer) {
    Reply ch = Call("POST", "/v1/auth/challenge", "", json{{"member_id", victim.member_id}});
    EXPECT_EQ(ch.status, 200) << ch.raw;
    const std::string nonce = ch.body.value("nonce", "");
    auto sig =
        crypto::Sign(signer.identity->signing(),
                     vault::LoginMessage(keys_->audit_public_key(), victim.member_id, nonce));
    EXPECT_TRUE(sig.has_value());
    return Call("POST", "/v1/auth/login", "",
                json{{"member_id", victim.member_id},
                     {"nonce", nonce},
                     {"signature", crypto::ToBase64(*sig)}});
  }
};

TEST_F(LoginVetoTest, FloodedAdminsStillRejectAWaitingRequest) {
  Account owner = Join("owner", "Mari");
  Account admin = Join("admin", "Aino");
  Account deputy = Join("member", "Jüri");
  const std::string social = CreateCollection(owner, "Social media");
  const auto& key = collection_keys_.at(social);
  auto sealed = vault::envelope::SealForEscrow(key, deputy.identity->box_public_key(),
                                               keys_->escrow_public_key());
  ASSERT_TRUE(sealed.has_value());
  Reply grant =
      Call("POST", "/v1/emergency/grants", owner.token,
           json{{"id", crypto::RandomId(env_)},
                {"deputy_id", deputy.member_id},
                {"mode", "view"},
                {"wait_hours", 48},
                {"confirmations_required", 0},
                {"keys", json::array({{{"collection_id", social},
                                       {"key_version", key.version},
                                       {"escrow_sealed_key", crypto::ToBase64(*sealed)}}})}});
  ASSERT_EQ(grant.status, 201) << grant.raw;
  Reply asked =
      Call("POST", "/v1/emergency/grants/" + grant.body["id"].get<std::string>() + "/requests",
           deputy.token, json{{"reason", "Mari is in hospital"}});
  ASSERT_EQ(asked.status, 201) << asked.raw;
  const std::string request = "/v1/emergency/requests/" + asked.body["id"].get<std::string>();

  // The deputy floods both admins: made-up nonces, and wrong answers to
  // real challenges until each admin's own limit at this address is hit.
  for (Account* victim : {&owner, &admin}) {
    auto client = Client();
    const auto flood = testing_util::BogusLogins(*client, env_, victim->member_id, 1000);
    EXPECT_EQ(flood.other, 0);
    EXPECT_GT(flood.limited, 0) << "the flood was limited, not let through";
    for (int i = 0; i < config_.max_failed_logins; ++i) {
      EXPECT_EQ(WrongAnswer(*victim, deputy).status, 401) << i;
    }
    EXPECT_EQ(WrongAnswer(*victim, deputy).status, 429);
    victim->token.clear();
  }

  // The admin signs in from the same address and vetoes.
  Reply login = Login(admin);
  ASSERT_EQ(login.status, 200) << login.raw;
  Reply rejected = Call("POST", request + "/reject", admin.token, json{{"reason", "not so"}});
  ASSERT_EQ(rejected.status, 200) << rejected.raw;
  EXPECT_EQ(rejected.body["state"], "rejected");

  env_.AdvanceTime(hours(49));
  ASSERT_OK(server_->Tick());
  // Both sessions have expired by now.
  ASSERT_EQ(Login(admin).status, 200);
  ASSERT_EQ(Login(deputy).status, 200);
  Reply after = Call("GET", request, admin.token);
  ASSERT_EQ(after.status, 200) << after.raw;
  EXPECT_EQ(after.body["state"], "rejected") << "released despite the veto";
  EXPECT_EQ(Call("GET", request + "/keys", deputy.token).status, 409);
}

// Behind one NAT the deputy shares the admin's address: a thousand
// challenges asked for the admin's id, and bogus logins, from that address
// neither push out the admin's own challenge nor stop a new one being given.
TEST_F(LoginVetoTest, ChallengesForTheAdminFromTheSameAddressDoNotKeepThemOut) {
  Account admin = Join("admin", "Aino");
  Reply held = Call("POST", "/v1/auth/challenge", "", json{{"member_id", admin.member_id}});
  ASSERT_EQ(held.status, 200) << held.raw;
  const std::string earlier = held.body["nonce"];

  auto client = Client();
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  const std::string ask = json{{"member_id", admin.member_id}}.dump();
  int given = 0;
  for (int i = 0; i < 1000; ++i) {
    auto r = client->Post("/v1/auth/challenge", ask, "application/json");
    given += r && r->status == 200;
  }
  EXPECT_EQ(given, 1000) << "a challenge is never refused";
  const auto flood = testing_util::BogusLogins(*client, env_, admin.member_id, 100);
  EXPECT_EQ(flood.other, 0);

  auto sign_in = [&](const std::string& nonce) {
    auto sig = crypto::Sign(admin.identity->signing(),
                            vault::LoginMessage(keys_->audit_public_key(), admin.member_id, nonce));
    EXPECT_TRUE(sig.has_value());
    return Call("POST", "/v1/auth/login", "",
                json{{"member_id", admin.member_id},
                     {"nonce", nonce},
                     {"signature", crypto::ToBase64(*sig)}});
  };
  Reply with_earlier = sign_in(earlier);
  EXPECT_EQ(with_earlier.status, 200) << with_earlier.raw;
  admin.token.clear();
  Reply login = Login(admin);
  ASSERT_EQ(login.status, 200) << login.raw;
  EXPECT_EQ(Call("GET", "/v1/me", admin.token).status, 200);
}

}  // namespace
