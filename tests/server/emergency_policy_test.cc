// Who may change an emergency grant, who may see one, and what becomes of a
// deputy made auditor (DESIGN.md §6, SECURITY.md), against a real batond:
// the attacks where an admin who is also the deputy shortens their own wait,
// an auditor lists every grant, and a deputy demoted to auditor keeps
// collecting the keys of a released request.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "emergency_fixture.h"

namespace {

using nlohmann::json;
using std::chrono::hours;
using testing_util::Account;
using testing_util::Reply;
using testing_util::emergency_fixture::Code;
using testing_util::emergency_fixture::EmergencyTest;
using vault::Status;
namespace em = vault::emergency;

class EmergencyPolicyTest : public EmergencyTest {
 protected:
  // E-mail addresses for the grantor (Mari) and the admin (Aino), so that
  // notices to them show up as deliveries.
  void GiveAddresses() {
    for (const auto& [who, email] :
         {std::pair{&owner_, "mari@example.ee"}, std::pair{&admin_, "aino@example.ee"}}) {
      ASSERT_EQ(Call("PUT", "/v1/me/email", who->token, json{{"email", email}}).status, 200);
    }
  }
};

TEST_F(EmergencyPolicyTest, ADeputyCannotChangeTheirOwnGrantEvenAsAdmin) {
  // Aino is an admin, and so may manage grants, but this one names her.
  Reply made = MakeGrant(owner_, admin_, {social_}, "view", 48, /*confirmations=*/1);
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string grant = made.body["id"];
  for (const json& change : {json{{"wait_hours", 1}}, json{{"confirmations_required", 0}},
                             json{{"access_window_hours", 720}}}) {
    SCOPED_TRACE(change.dump());
    ExpectRefused("PATCH", "/v1/emergency/grants/" + grant, admin_, change, 403,
                  "permission_denied");
  }
  const vault::EmergencyGrant g = GrantRow(grant);
  EXPECT_EQ(g.wait_s, 48 * 3600);
  EXPECT_EQ(g.confirmations_required, 1);
  EXPECT_FALSE(Audited("emergency.grant.change", admin_.member_id));
  // A member deputy is refused too; the owner, who is not the deputy, may.
  const std::string other = Grant(deputy_, {social_});
  ExpectRefused("PATCH", "/v1/emergency/grants/" + other, deputy_, json{{"wait_hours", 1}}, 403,
                "permission_denied");
  Reply ok = Call("PATCH", "/v1/emergency/grants/" + grant, owner_.token, json{{"wait_hours", 24}});
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(GrantRow(grant).wait_s, 24 * 3600);
}

TEST_F(EmergencyPolicyTest, AGrantChangeNotifiesTheGrantorAndAdmins) {
  GiveAddresses();
  if (HasFatalFailure()) return;
  const std::string grant = Grant(deputy_, {social_});
  const int64_t before = AuditLength();
  const size_t deliveries_before = Deliveries().size();

  Reply r = Call("PATCH", "/v1/emergency/grants/" + grant, admin_.token,
                 json{{"wait_hours", 24}, {"confirmations_required", 2}});
  ASSERT_EQ(r.status, 200) << r.raw;

  // Audited with the old and the new values.
  const auto changes = Events("emergency.grant.change", before + 1);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].actor, admin_.member_id);
  const json details = json::parse(changes[0].details);
  EXPECT_EQ(details["wait_s"], json::array({48 * 3600, 24 * 3600}));
  EXPECT_EQ(details["confirmations_required"], json::array({0, 2}));

  // One notice, by e-mail to the grantor and the admin.
  std::set<std::string> to;
  const auto all = Deliveries();
  for (size_t i = deliveries_before; i < all.size(); ++i) {
    SCOPED_TRACE(all[i].text);
    EXPECT_EQ(all[i].kind, "emergency.changed");
    EXPECT_EQ(json::parse(all[i].details)["grant"], grant);
    EXPECT_NE(all[i].text.find("Jüri"), std::string::npos);
    EXPECT_NE(all[i].text.find("48 h -> 24 h"), std::string::npos);
    if (all[i].channel == vault::DeliveryChannel::kEmail) to.insert(all[i].address);
  }
  EXPECT_EQ(to, (std::set<std::string>{"mari@example.ee", "aino@example.ee"}));

  // A refused change notifies nobody.
  const size_t after = Deliveries().size();
  ExpectRefused("PATCH", "/v1/emergency/grants/" + grant, deputy_, json{{"wait_hours", 1}}, 403,
                "permission_denied");
  EXPECT_EQ(Deliveries().size(), after);
}

TEST_F(EmergencyPolicyTest, AnAuditorCannotListEmergencyGrants) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);
  for (const std::string& path :
       {std::string("/v1/emergency/grants"), "/v1/emergency/grants/" + grant,
        std::string("/v1/emergency/requests"), "/v1/emergency/requests/" + req,
        "/v1/emergency/requests/" + req + "/keys", "/v1/emergency/requests/" + req + "/items"}) {
    ExpectRefused("GET", path, auditor_, nullptr, 403, "permission_denied", req);
  }
  ExpectRefused("POST", "/v1/emergency/grants/" + grant + "/decline", auditor_, json::object(), 403,
                "permission_denied");
  ExpectRefused("POST", "/v1/emergency/grants/" + grant + "/requests", auditor_,
                json{{"reason", "curious"}}, 403, "permission_denied", req);
  // Their own session routes stay open to them.
  EXPECT_EQ(Call("GET", "/v1/me", auditor_.token).status, 200);
}

TEST_F(EmergencyPolicyTest, ADeputyDemotedToAuditorLosesTheReleasedKeys) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);
  ASSERT_EQ(Call("POST", "/v1/emergency/requests/" + req + "/approve", owner_.token).status, 200);
  ASSERT_EQ(KeysAs(deputy_, req).status, 200);
  const int64_t before = AuditLength();

  Reply demoted =
      Call("PATCH", "/v1/members/" + deputy_.member_id, admin_.token, json{{"role", "auditor"}});
  ASSERT_EQ(demoted.status, 200) << demoted.raw;

  // The grant ended in the same change, audited with why.
  EXPECT_EQ(GrantStatus(grant), em::GrantStatus::kRevoked);
  EXPECT_EQ(StateOf(req), em::State::kCancelled);
  EXPECT_FALSE(Escrowed(social_, grant));
  const auto revokes = Events("emergency.grant.revoke", before + 1);
  ASSERT_EQ(revokes.size(), 1u);
  EXPECT_EQ(revokes[0].target, "grant:" + grant);
  EXPECT_EQ(json::parse(revokes[0].details)["reason"], "deputy made auditor");
  for (const std::string& path :
       {"/v1/emergency/requests/" + req + "/keys", "/v1/emergency/requests/" + req + "/items",
        "/v1/emergency/requests/" + req + "/items/" + fb_}) {
    ExpectRefused("GET", path, deputy_, nullptr, 403, "permission_denied", req);
  }
  // Made a member again, they get nothing back: the grant stays ended.
  ASSERT_EQ(
      Call("PATCH", "/v1/members/" + deputy_.member_id, admin_.token, json{{"role", "member"}})
          .status,
      200);
  EXPECT_EQ(GrantStatus(grant), em::GrantStatus::kRevoked);
  EXPECT_EQ(Code(Call("GET", "/v1/emergency/requests/" + req + "/keys", deputy_.token)),
            "conflict");
  ExpectAuditVerifies();
}

TEST_F(EmergencyPolicyTest, AnAdminsApprovalCountsOnlyWhenTheyAreNotTheDeputy) {
  // Aino, an admin, is the deputy of a grant needing one confirmation.
  Grant(deputy2_, {ads_});  // Kati: another deputy of the same grantor
  Reply made = MakeGrant(owner_, admin_, {social_}, "view", 48, /*confirmations=*/1);
  ASSERT_EQ(made.status, 201) << made.raw;
  const std::string req = Ask(admin_, made.body["id"]);
  ExpectRefused("POST", "/v1/emergency/requests/" + req + "/approve", admin_, json::object(), 403,
                "permission_denied", req);
  ExpectRefused("POST", "/v1/emergency/requests/" + req + "/confirm", admin_, nullptr, 403,
                "permission_denied", req);
  ExpectRefused("GET", "/v1/emergency/requests/" + req + "/keys", admin_, nullptr, 409, "conflict",
                req);
  // The owner, who is not the deputy, is the second person.
  Reply ok = Call("POST", "/v1/emergency/requests/" + req + "/approve", owner_.token,
                  json{{"reason", "called her"}});
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["state"], "released");
  EXPECT_EQ(KeysAs(admin_, req).status, 200);
}

}  // namespace
