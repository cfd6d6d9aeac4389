// Sign-in against a real batond over TLS (DESIGN.md §5): challenge–response
// login, single-use nonces, sessions, logout, removed members, failed-login
// limits per (member, address) and per address, challenges that are never
// refused, and invite codes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <string>
#include <vector>

#include "login_flood.h"
#include "server_fixture.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
namespace crypto = vault::crypto;

// Every client of the fixture comes from 127.0.0.1; this one is another
// loopback address, so the per-address limit can be told apart from the
// per-member one.
constexpr char kOtherAddress[] = "127.0.0.2";

class AuthTest : public ServerFixture {
 protected:
  // As Call(), but the client socket is bound to `source` first.
  Reply CallFrom(const std::string& source, const std::string& method, const std::string& path,
                 const std::string& token, const json& body) const {
    auto c = Client();
    c->set_socket_options([source](int sock) {
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      ::inet_pton(AF_INET, source.c_str(), &addr.sin_addr);
      (void)::bind(sock, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    });
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result r = method == "POST" ? c->Post(path, headers, body.dump(), "application/json")
                                         : c->Get(path, headers);
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.raw = r->body;
    out.body = json::parse(r->body, nullptr, false);
    out.retry_after = r->get_header_value("Retry-After");
    return out;
  }

  // A fresh nonce for `member_id`.
  std::string Nonce(const std::string& member_id, const std::string& source = "127.0.0.1") {
    Reply ch = CallFrom(source, "POST", "/v1/auth/challenge", "", json{{"member_id", member_id}});
    EXPECT_EQ(ch.status, 200) << ch.raw;
    return ch.status == 200 ? ch.body["nonce"].get<std::string>() : std::string();
  }

  // Posts a login for `member_id` with `nonce`, signed by `signer`'s key.
  Reply Answer(const Account& signer, const std::string& member_id, const std::string& nonce,
               const std::string& source = "127.0.0.1") {
    auto sig = crypto::Sign(signer.identity->signing(),
                            vault::LoginMessage(keys_->audit_public_key(), member_id, nonce));
    EXPECT_TRUE(sig.has_value());
    return CallFrom(
        source, "POST", "/v1/auth/login", "",
        json{{"member_id", member_id}, {"nonce", nonce}, {"signature", crypto::ToBase64(*sig)}});
  }

  // A full, correct login from `source`; sets the token on success.
  Reply LoginFrom(Account& a, const std::string& source) {
    const std::string nonce = Nonce(a.member_id, source);
    Reply r = Answer(a, a.member_id, nonce, source);
    if (r.status == 200) a.token = r.body["token"];
    return r;
  }

  // A login for `a` signed with the wrong key: one failure.
  Reply FailLogin(const Account& a, const Account& wrong_signer,
                  const std::string& source = "127.0.0.1") {
    return Answer(wrong_signer, a.member_id, Nonce(a.member_id, source), source);
  }

  std::vector<vault::audit::Event> Events(const std::string& action) {
    std::vector<vault::audit::Event> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) {
      return t.ScanAudit(1, [&](const vault::audit::Event& e) {
        if (e.action == action) out.push_back(e);
        return true;
      });
    }));
    return out;
  }

  Reply Me(const Account& a) { return Call("GET", "/v1/me", a.token); }

  // An invite made over HTTP by `owner`; returns the code.
  std::string Invite(const Account& owner, const std::string& role, const std::string& name) {
    Reply r = Call("POST", "/v1/invites", owner.token, json{{"role", role}, {"name", name}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body["code"].get<std::string>() : std::string();
  }

  Reply Redeem(const std::string& code) {
    auto id = vault::Identity::Generate(env_);
    return Call("POST", "/v1/join", "",
                json{{"invite_code", code},
                     {"signing_public_key", crypto::ToBase64(id.signing_public_key())},
                     {"box_public_key", crypto::ToBase64(id.box_public_key())}});
  }
};

// A Retry-After value: a positive whole number of seconds, at most `max`.
::testing::AssertionResult IsRetryAfter(const std::string& v, std::chrono::seconds max) {
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) {
    return ::testing::AssertionFailure() << "Retry-After \"" << v << "\" is not a number";
  }
  if (n < 1 || n > max.count()) {
    return ::testing::AssertionFailure() << "Retry-After " << n << " is not in 1.." << max.count();
  }
  return ::testing::AssertionSuccess();
}

int64_t Seconds(const std::string& v) { return std::stoll(v); }

TEST_F(AuthTest, LoginIssuesASession) {
  Account a = Join("member", "Kati");  // Join signs in
  ASSERT_FALSE(a.token.empty());
  Reply again = Login(a);
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["member"]["id"], a.member_id);
  EXPECT_EQ(again.body["expires_ms"].get<int64_t>(),
            std::chrono::duration_cast<std::chrono::milliseconds>(
                (env_.Now() + config_.session_ttl).time_since_epoch())
                .count());
  Reply me = Me(a);
  ASSERT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(me.body["id"], a.member_id);
  EXPECT_EQ(me.body["role"], "member");
  // No session, or a made-up one, is not a session.
  EXPECT_EQ(Call("GET", "/v1/me").status, 401);
  Reply forged = Call("GET", "/v1/me", "Zm9yZ2Vk");
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(forged.body["error"]["code"], "unauthenticated");
}

TEST_F(AuthTest, WrongSignatureIsRejectedAndAudited) {
  Account a = Join("member", "Kati");
  Account b = Join("member", "Mart");
  const auto failed_before = Events("auth.login_failed").size();
  Reply r = FailLogin(a, b);
  EXPECT_EQ(r.status, 401) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "unauthenticated");
  EXPECT_FALSE(r.body.contains("token"));

  auto failed = Events("auth.login_failed");
  ASSERT_EQ(failed.size(), failed_before + 1);
  const auto& e = failed.back();
  EXPECT_EQ(e.actor, a.member_id);
  EXPECT_EQ(e.target, "member:" + a.member_id);
  json details = json::parse(e.details);
  EXPECT_EQ(details["reason"], "bad signature");
  EXPECT_EQ(details["address"], "127.0.0.1");

  // A signature that is not even base64 fails the same way.
  Reply garbage = Call("POST", "/v1/auth/login", "",
                       json{{"member_id", a.member_id},
                            {"nonce", Nonce(a.member_id)},
                            {"signature", "not base64!"}});
  EXPECT_EQ(garbage.status, 401) << garbage.raw;
  EXPECT_EQ(Events("auth.login_failed").size(), failed_before + 2);
}

TEST_F(AuthTest, NonceIsSingleUse) {
  Account a = Join("member", "Kati");
  const std::string nonce = Nonce(a.member_id);
  Reply first = Answer(a, a.member_id, nonce);
  ASSERT_EQ(first.status, 200) << first.raw;
  Reply second = Answer(a, a.member_id, nonce);
  EXPECT_EQ(second.status, 401) << second.raw;
  EXPECT_FALSE(second.body.contains("token"));
  // A nonce never issued is no better.
  EXPECT_EQ(Answer(a, a.member_id, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").status, 401);
}

TEST_F(AuthTest, NonceIsBoundToItsMember) {
  Account a = Join("member", "Kati");
  Account b = Join("member", "Mart");
  const std::string nonce_for_a = Nonce(a.member_id);
  // B answers A's nonce correctly for B: refused.
  Reply r = Answer(b, b.member_id, nonce_for_a);
  EXPECT_EQ(r.status, 401) << r.raw;
  // Nor does a wrong answer spend it: only A's own signature does.
  EXPECT_EQ(Answer(b, a.member_id, nonce_for_a).status, 401);
  EXPECT_EQ(Answer(a, a.member_id, nonce_for_a).status, 200);
  EXPECT_EQ(Login(b).status, 200);
}

TEST_F(AuthTest, NonceExpires) {
  Account a = Join("member", "Kati");
  const std::string fresh = Nonce(a.member_id);
  env_.AdvanceTime(config_.challenge_ttl - std::chrono::seconds(1));
  EXPECT_EQ(Answer(a, a.member_id, fresh).status, 200);  // just in time

  const std::string stale = Nonce(a.member_id);
  env_.AdvanceTime(config_.challenge_ttl + std::chrono::seconds(1));
  Reply r = Answer(a, a.member_id, stale);
  EXPECT_EQ(r.status, 401) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "unauthenticated");
}

TEST_F(AuthTest, SessionExpires) {
  Account a = Join("member", "Kati");
  env_.AdvanceTime(config_.session_ttl - std::chrono::seconds(1));
  EXPECT_EQ(Me(a).status, 200);
  env_.AdvanceTime(std::chrono::seconds(2));
  Reply r = Me(a);
  EXPECT_EQ(r.status, 401) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "unauthenticated");
  // Signing in again gives a working session.
  ASSERT_EQ(Login(a).status, 200);
  EXPECT_EQ(Me(a).status, 200);
}

TEST_F(AuthTest, LogoutEndsTheSession) {
  Account a = Join("member", "Kati");
  const std::string old_token = a.token;
  ASSERT_EQ(Login(a).status, 200);  // a second, independent session
  const std::string second_token = a.token;
  ASSERT_NE(old_token, second_token);

  Reply out = Call("POST", "/v1/auth/logout", second_token, json::object());
  ASSERT_EQ(out.status, 200) << out.raw;
  EXPECT_EQ(Call("GET", "/v1/me", second_token).status, 401);
  EXPECT_EQ(Call("POST", "/v1/auth/logout", second_token, json::object()).status, 401);
  // Only that session ended.
  EXPECT_EQ(Call("GET", "/v1/me", old_token).status, 200);
}

TEST_F(AuthTest, RemovedMembersSessionStopsWorking) {
  Account owner = Join("owner", "Mari");
  Account a = Join("member", "Kati");
  ASSERT_EQ(Me(a).status, 200);
  Reply removed = Call("DELETE", "/v1/members/" + a.member_id, owner.token);
  ASSERT_EQ(removed.status, 200) << removed.raw;
  Reply r = Me(a);
  EXPECT_EQ(r.status, 401) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "unauthenticated");
  // Nor can they sign in again.
  EXPECT_EQ(Login(a).status, 401);
  EXPECT_EQ(Me(owner).status, 200);
}

TEST_F(AuthTest, WrongAnswersAreLimitedPerMemberAndAddress) {
  const int max = config_.max_failed_logins;
  const auto window = config_.failed_login_window;
  ASSERT_GE(max, 2);
  Account a = Join("member", "Kati");
  Account b = Join("member", "Mart");
  for (int i = 0; i < max; ++i) {
    Reply r = FailLogin(a, b);
    ASSERT_EQ(r.status, 401) << "attempt " << i << ": " << r.raw;
  }
  // Another wrong answer for A from this address is refused, with a
  // Retry-After, and not audited.
  const auto failed_before = Events("auth.login_failed").size();
  Reply limited = FailLogin(a, b);
  ASSERT_EQ(limited.status, 429) << limited.raw;
  EXPECT_EQ(limited.body["error"]["code"], "too_many_failed_logins");
  EXPECT_TRUE(IsRetryAfter(limited.retry_after, window));
  EXPECT_EQ(Events("auth.login_failed").size(), failed_before);

  // From another address, A's wrong answers are counted apart ...
  EXPECT_EQ(FailLogin(a, b, kOtherAddress).status, 401);
  // ... and B, at this address, is not limited at all.
  EXPECT_EQ(FailLogin(b, a).status, 401);

  // The right signature on a fresh nonce signs A in here all the same, and
  // clears the count of this member at this address.
  Reply ok = Login(a);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(Me(a).status, 200);
  EXPECT_EQ(FailLogin(a, b).status, 401) << "the count started over";

  // Half the window later the wait has shrunk; once over, answers count again.
  for (int i = 1; i < max; ++i) ASSERT_EQ(FailLogin(a, b).status, 401) << i;
  env_.AdvanceTime(window / 2);
  Reply still = FailLogin(a, b);
  ASSERT_EQ(still.status, 429) << still.raw;
  ASSERT_TRUE(IsRetryAfter(still.retry_after, window));
  EXPECT_LE(Seconds(still.retry_after), window.count() - window.count() / 2);
  env_.AdvanceTime(std::chrono::seconds(Seconds(still.retry_after)));
  EXPECT_EQ(FailLogin(a, b).status, 401);
}

TEST_F(AuthTest, MadeUpNoncesAreLimitedPerAddressOnly) {
  const int max = config_.max_failed_logins;
  ASSERT_GE(max, 2);
  Account a = Join("member", "Kati");
  Account c = Join("member", "Tiit");
  // Made-up nonces for several member ids, known and unknown.
  for (int i = 0; i < max; ++i) {
    const std::string who = i % 2 == 0 ? a.member_id : crypto::RandomId(env_);
    Reply r = Answer(c, who, crypto::RandomId(env_));
    ASSERT_EQ(r.status, 401) << "attempt " << i << ": " << r.raw;
  }
  Reply limited = Answer(c, a.member_id, crypto::RandomId(env_));
  ASSERT_EQ(limited.status, 429) << limited.raw;
  EXPECT_EQ(limited.body["error"]["code"], "too_many_failed_logins");
  EXPECT_TRUE(IsRetryAfter(limited.retry_after, config_.failed_login_window));
  // The members are not limited: with real nonces they sign in from this
  // very address, and a wrong answer on a real nonce is an ordinary 401.
  EXPECT_EQ(Login(c).status, 200);
  EXPECT_EQ(Login(a).status, 200);
  EXPECT_EQ(FailLogin(a, c).status, 401);
  // Another address is not limited either.
  EXPECT_EQ(Answer(c, a.member_id, crypto::RandomId(env_), kOtherAddress).status, 401);
  for (const auto& e : Events("auth.login_failed")) {
    const std::string address = json::parse(e.details)["address"];
    EXPECT_TRUE(address == "127.0.0.1" || address == kOtherAddress) << address;
  }
  env_.AdvanceTime(config_.failed_login_window);
  EXPECT_EQ(Answer(c, a.member_id, crypto::RandomId(env_)).status, 401);
}

TEST_F(AuthTest, ANonceIsNotBoundToAnAddress) {
  // Behind a proxy or a changing NAT the challenge and the answer may come
  // from different addresses; the nonce names the member, not the address.
  Account a = Join("member", "Kati");
  const std::string nonce = Nonce(a.member_id, kOtherAddress);
  EXPECT_EQ(Answer(a, a.member_id, nonce).status, 200);
  EXPECT_EQ(Answer(a, a.member_id, nonce, kOtherAddress).status, 401) << "spent by the sign-in";
}

// All test connections come from 127.0.0.1, as a whole team behind one NAT
// or reverse proxy would: the attacker shares the admin's address.
TEST_F(AuthTest, AThousandBogusLoginsDoNotLockOutTheAdmin) {
  Account admin = Join("admin", "Aino");
  Account attacker = Join("member", "Jüri");
  auto client = Client();
  const auto flood = testing_util::BogusLogins(*client, env_, admin.member_id, 1000);
  EXPECT_EQ(flood.unauthenticated, config_.max_failed_logins);
  EXPECT_EQ(flood.limited, 1000 - config_.max_failed_logins);
  EXPECT_EQ(flood.other, 0);
  // Wrong answers on real nonces, up to the admin's own limit here.
  for (int i = 0; i < config_.max_failed_logins + 2; ++i) FailLogin(admin, attacker);
  ASSERT_EQ(FailLogin(admin, attacker).status, 429);
  admin.token.clear();
  Reply ok = Login(admin);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(Me(admin).status, 200);
}

TEST_F(AuthTest, ChallengesAreNeverRefused) {
  Account a = Join("member", "Kati");
  for (int i = 0; i < 100; ++i) {
    Reply r = Call("POST", "/v1/auth/challenge", "", json{{"member_id", crypto::RandomId(env_)}});
    ASSERT_EQ(r.status, 200) << i << ": " << r.raw;
  }
  Reply bad = Call("POST", "/v1/auth/challenge", "", json{{"member_id", "not-an-id"}});
  EXPECT_EQ(bad.status, 400) << bad.raw;
  EXPECT_EQ(Login(a).status, 200);
}

TEST_F(AuthTest, InviteCodeIsSingleUse) {
  Account owner = Join("owner", "Mari");
  const std::string code = Invite(owner, "member", "Kati");
  Reply first = Redeem(code);
  ASSERT_EQ(first.status, 201) << first.raw;
  EXPECT_EQ(first.body["name"], "Kati");
  EXPECT_EQ(first.body["role"], "member");
  Reply second = Redeem(code);
  EXPECT_EQ(second.status, 409) << second.raw;
  EXPECT_EQ(second.body["error"]["code"], "failed_precondition");
}

TEST_F(AuthTest, ExpiredInviteIsRefused) {
  Account owner = Join("owner", "Mari");
  const std::string code = Invite(owner, "member", "Kati");
  env_.AdvanceTime(config_.invite_ttl + std::chrono::seconds(1));
  Reply r = Redeem(code);
  EXPECT_EQ(r.status, 409) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "failed_precondition");
}

TEST_F(AuthTest, UnknownInviteIsNotFound) {
  Reply r = Redeem("00112233445566778899aabbccddeeff");
  EXPECT_EQ(r.status, 404) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "not_found");
}

TEST_F(AuthTest, MetricsNeverShowTokensOrNonces) {
  const std::string metrics_token = UseMetricsToken();
  StopServer();
  StartServer();
  Account owner = Join("owner", "Mari");
  Account a = Join("member", "Kati");
  const std::string code = Invite(owner, "member", "Mart");
  const std::string nonce = Nonce(a.member_id);
  ASSERT_EQ(Answer(a, a.member_id, nonce).status, 200);
  ASSERT_EQ(Me(owner).status, 200);
  ASSERT_EQ(Call("GET", "/v1/me", "bogus-token-value").status, 401);
  ASSERT_EQ(FailLogin(owner, a).status, 401);

  Reply m = Call("GET", "/metrics", metrics_token);
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.raw.find("route=\"/v1/auth/login\""), std::string::npos) << m.raw;
  for (const std::string& secret :
       {owner.token, a.token, std::string("bogus-token-value"), nonce, code}) {
    ASSERT_FALSE(secret.empty());
    EXPECT_EQ(m.raw.find(secret), std::string::npos) << "metrics leak " << secret;
  }
  EXPECT_EQ(m.raw.find("Bearer"), std::string::npos);
  EXPECT_EQ(m.raw.find(owner.member_id), std::string::npos);  // no per-member labels
}

}  // namespace
