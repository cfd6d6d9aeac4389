// Emergency access over HTTP (DESIGN.md §6, docs/api.md) against a real
// batond: every transition and refusal, time moved only with the FakeEnv
// clock and Server::Tick(), and the escrow property on a copy of the
// database.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "emergency_fixture.h"

namespace {

using nlohmann::json;
using std::chrono::hours;
using testing_util::Account;
using testing_util::Reply;
using testing_util::emergency_fixture::Code;
using testing_util::emergency_fixture::EmergencyTest;
using vault::Status;
namespace crypto = vault::crypto;
namespace envelope = vault::envelope;
namespace em = vault::emergency;

TEST_F(EmergencyTest, WaitEndsReleaseThenWindowEndsExpiry) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);
  Reply got = Call("GET", "/v1/emergency/requests/" + req, deputy_.token);
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.body["state"], "waiting");
  EXPECT_EQ(got.body["admins_notified"], 2);  // Mari (grantor, owner) and Aino
  EXPECT_TRUE(Audited("emergency.request", deputy_.member_id));

  // The deputy gets nothing while waiting.
  ExpectRefused("GET", "/v1/emergency/requests/" + req + "/keys", deputy_, nullptr, 409, "conflict",
                req);
  env_.AdvanceTime(hours(47));
  Tick();
  EXPECT_EQ(StateOf(req), em::State::kWaiting);
  EXPECT_TRUE(Item(fb_).flags.empty());

  env_.AdvanceTime(hours(1));
  Tick();
  EXPECT_EQ(StateOf(req), em::State::kReleased);
  EXPECT_TRUE(Audited("emergency.release", "server"));
  // Everything in scope is flagged and due for re-keying; nothing outside.
  for (const std::string& item : {fb_, ig_}) {
    auto flags = Item(item).flags;
    ASSERT_EQ(flags.size(), 1u);
    EXPECT_EQ(flags[0].kind, vault::RotationFlagKind::kEmergencyAccess);
    EXPECT_EQ(flags[0].reason, "rotate: exposed via emergency access");
  }
  EXPECT_TRUE(Col(social_).needs_rekey);
  EXPECT_TRUE(Item(ads_item_).flags.empty());
  EXPECT_FALSE(Col(ads_).needs_rekey);

  const int64_t before = AuditLength();
  Reply keys = KeysAs(deputy_, req);
  ASSERT_EQ(keys.status, 200) << keys.raw;
  ASSERT_EQ(keys.body["keys"].size(), 1u);
  EXPECT_EQ(AuditLength(), before + 1);
  EXPECT_TRUE(Audited("emergency.keys.read", deputy_.member_id, before + 1));
  Reply item = Call("GET", "/v1/emergency/requests/" + req + "/items/" + fb_, deputy_.token);
  ASSERT_EQ(item.status, 200) << item.raw;
  EXPECT_FALSE(item.body["ciphertext"].get<std::string>().empty());
  EXPECT_TRUE(Audited("emergency.item.read", deputy_.member_id, before + 2));

  env_.AdvanceTime(hours(72));
  Tick();
  EXPECT_EQ(StateOf(req), em::State::kExpired);
  EXPECT_TRUE(Audited("emergency.expire", "server"));
  ExpectRefused("GET", "/v1/emergency/requests/" + req + "/keys", deputy_, nullptr, 409, "conflict",
                req);
  ExpectRefused("GET", "/v1/emergency/requests/" + req + "/items/" + fb_, deputy_, nullptr, 409,
                "conflict", req);
  ExpectAuditVerifies();
}

TEST_F(EmergencyTest, ARouteAppliesDueTransitionsWithoutATick) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);
  env_.AdvanceTime(hours(48));
  // No Tick(): the keys route itself settles the request first.
  Reply keys = KeysAs(deputy_, req);
  EXPECT_EQ(keys.status, 200) << keys.raw;
  env_.AdvanceTime(hours(72));
  Reply late = Call("GET", "/v1/emergency/requests/" + req + "/keys", deputy_.token);
  EXPECT_EQ(late.status, 409) << late.raw;
  EXPECT_EQ(StateOf(req), em::State::kExpired);
}

TEST_F(EmergencyTest, VetoBeforeReleaseLeavesTheDeputyNothing) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);
  env_.AdvanceTime(hours(10));
  Reply r = Call("POST", "/v1/emergency/requests/" + req + "/reject", admin_.token,
                 json{{"reason", "Mari answered the phone"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["state"], "rejected");
  EXPECT_EQ(r.body["decided_by"], admin_.member_id);
  EXPECT_TRUE(Audited("emergency.reject", admin_.member_id));
  env_.AdvanceTime(hours(100));
  Tick();
  EXPECT_EQ(StateOf(req), em::State::kRejected);
  ExpectRefused("GET", "/v1/emergency/requests/" + req + "/keys", deputy_, nullptr, 409, "conflict",
                req);
  ExpectRefused("GET", "/v1/emergency/requests/" + req + "/items", deputy_, nullptr, 409,
                "conflict", req);
  // Approving a rejected request, or rejecting it again: refused.
  ExpectRefused("POST", "/v1/emergency/requests/" + req + "/approve", owner_, json::object(), 409,
                "conflict", req);
  ExpectRefused("POST", "/v1/emergency/requests/" + req + "/reject", owner_, json::object(), 409,
                "conflict", req);
  EXPECT_TRUE(Item(fb_).flags.empty());
  EXPECT_FALSE(Col(social_).needs_rekey);
}

TEST_F(EmergencyTest, EarlyApprovalReleasesNowAndTheDeputyCannotApproveThemselves) {
  // An admin as deputy must still wait: they cannot decide their own request.
  Reply g = MakeGrant(owner_, admin_, {social_});
  ASSERT_EQ(g.status, 201) << g.raw;
  const std::string admin_req = Ask(admin_, g.body["id"]);
  ExpectRefused("POST", "/v1/emergency/requests/" + admin_req + "/approve", admin_, json::object(),
                403, "permission_denied", admin_req);

  const std::string req = Ask(deputy_, Grant(deputy_, {social_}));
  // A member (not an admin) cannot approve.
  ExpectRefused("POST", "/v1/emergency/requests/" + req + "/approve", deputy2_, json::object(), 403,
                "permission_denied", req);
  env_.AdvanceTime(hours(1));
  Reply r = Call("POST", "/v1/emergency/requests/" + req + "/approve", owner_.token,
                 json{{"reason", "confirmed by phone"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["state"], "released");
  EXPECT_EQ(r.body["expires_ms"].get<int64_t>(),
            r.body["released_ms"].get<int64_t>() + 72 * 3600 * 1000);
  EXPECT_TRUE(Audited("emergency.approve", owner_.member_id));
  EXPECT_TRUE(Audited("emergency.release", owner_.member_id));
  EXPECT_EQ(KeysAs(deputy_, req).status, 200);
  // Not anyone else, not even an owner.
  ExpectRefused("GET", "/v1/emergency/requests/" + req + "/keys", owner_, nullptr, 403,
                "permission_denied", req);
  ExpectRefused("GET", "/v1/emergency/requests/" + req + "/keys", outsider_, nullptr, 404,
                "not_found", req);
  ExpectRefused("POST", "/v1/emergency/requests/" + req + "/approve", owner_, json::object(), 409,
                "conflict", req);
}

TEST_F(EmergencyTest, TwoPersonRule) {
  const std::string grant = Grant(deputy_, {social_}, "view", 48, /*confirmations=*/1);
  Grant(deputy2_, {ads_});  // Kati: another deputy of the same grantor
  const std::string req = Ask(deputy_, grant);
  ExpectRefused("POST", "/v1/emergency/requests/" + req + "/confirm", deputy_, nullptr, 403,
                "permission_denied", req);
  // Someone who is no deputy of Mari's does not even see the request.
  ExpectRefused("POST", "/v1/emergency/requests/" + req + "/confirm", outsider_, nullptr, 404,
                "not_found", req);
  env_.AdvanceTime(hours(60));
  Tick();
  EXPECT_EQ(StateOf(req), em::State::kWaiting);  // the wait is over, a confirmation is missing
  ExpectRefused("GET", "/v1/emergency/requests/" + req + "/keys", deputy_, nullptr, 409, "conflict",
                req);
  // Kati sees the request she may confirm, and confirms it.
  Reply list = Call("GET", "/v1/emergency/requests", deputy2_.token);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["requests"].size(), 1u);
  Reply c = Call("POST", "/v1/emergency/requests/" + req + "/confirm", deputy2_.token);
  ASSERT_EQ(c.status, 200) << c.raw;
  EXPECT_EQ(c.body["state"], "released");
  EXPECT_EQ(c.body["confirmations"], json::array({deputy2_.member_id}));
  EXPECT_TRUE(Audited("emergency.confirm", deputy2_.member_id));
  ExpectRefused("POST", "/v1/emergency/requests/" + req + "/confirm", deputy2_, nullptr, 409,
                "conflict", req);
  EXPECT_EQ(KeysAs(deputy_, req).status, 200);
}

TEST_F(EmergencyTest, ConfirmedBeforeTheWaitEndsReleasesWhenItEnds) {
  const std::string grant = Grant(deputy_, {social_}, "view", 48, 1);
  Grant(deputy2_, {ads_});
  const std::string req = Ask(deputy_, grant);
  Reply c =
      Call("POST", "/v1/emergency/requests/" + req + "/confirm", deputy2_.token, std::string());
  ASSERT_EQ(c.status, 200) << c.raw;
  EXPECT_EQ(c.body["state"], "waiting");
  env_.AdvanceTime(hours(48));
  Tick();
  EXPECT_EQ(StateOf(req), em::State::kReleased);
}

TEST_F(EmergencyTest, ADeputyOfOneCollectionCannotReachAnother) {
  const std::string req = Ask(deputy_, Grant(deputy_, {social_}));
  ASSERT_EQ(Call("POST", "/v1/emergency/requests/" + req + "/approve", owner_.token).status, 200);
  Reply keys = KeysAs(deputy_, req);
  ASSERT_EQ(keys.status, 200);
  ASSERT_EQ(keys.body["keys"].size(), 1u);
  EXPECT_EQ(keys.body["keys"][0]["collection_id"], social_);
  Reply items = Call("GET", "/v1/emergency/requests/" + req + "/items", deputy_.token);
  ASSERT_EQ(items.status, 200) << items.raw;
  ASSERT_EQ(items.body["items"].size(), 2u);
  for (const json& i : items.body["items"]) EXPECT_EQ(i["collection_id"], social_);
  ExpectRefused("GET", "/v1/emergency/requests/" + req + "/items/" + ads_item_, deputy_, nullptr,
                404, "not_found");
  // And the ordinary routes still refuse them the other collection.
  EXPECT_EQ(Call("GET", "/v1/items/" + ads_item_, deputy_.token).status, 403);
  EXPECT_EQ(Call("GET", "/v1/collections/" + ads_ + "/key", deputy_.token).status, 403);
}

TEST_F(EmergencyTest, TakeoverPromotesTheDeputy) {
  const std::string req = Ask(deputy_, Grant(deputy_, {social_}, "takeover"));
  ASSERT_EQ(Call("POST", "/v1/emergency/requests/" + req + "/approve", admin_.token).status, 200);
  Reply me = Call("GET", "/v1/me", deputy_.token);
  EXPECT_EQ(me.body["role"], "admin");
  EXPECT_TRUE(Audited("member.role", admin_.member_id));
  // Their member key for the collection is the inner box, and opens.
  Reply key = Call("GET", "/v1/collections/" + social_ + "/key", deputy_.token);
  ASSERT_EQ(key.status, 200) << key.raw;
  auto box = crypto::FromBase64(key.body["sealed_key"].get<std::string>());
  ASSERT_TRUE(box.has_value());
  ASSERT_OK_AND_ASSIGN(auto opened,
                       envelope::OpenCollectionKey(deputy_.identity->box(), *box, social_, 1));
  EXPECT_TRUE(
      crypto::ConstantTimeEqual(opened.key.bytes(), collection_keys_.at(social_).key.bytes()));
  bool manage = false;
  EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
    auto a = t.GetAccess(social_, deputy_.member_id);
    manage = a && *a == "manage";
    return Status::OK();
  }));
  EXPECT_TRUE(manage);
  ExpectAuditVerifies();
}

TEST_F(EmergencyTest, RevocationCancelsAndEndsEverything) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);
  ExpectRefused("DELETE", "/v1/emergency/grants/" + grant, deputy_, nullptr, 403,
                "permission_denied", req);
  Reply r = Call("DELETE", "/v1/emergency/grants/" + grant, admin_.token);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["status"], "revoked");
  EXPECT_EQ(r.body["request"]["state"], "cancelled");
  EXPECT_TRUE(Audited("emergency.cancel", admin_.member_id));
  EXPECT_TRUE(Audited("emergency.grant.revoke", admin_.member_id));
  env_.AdvanceTime(hours(100));
  Tick();
  EXPECT_EQ(StateOf(req), em::State::kCancelled);
  // Acting after revocation: refused, nothing changes.
  ExpectRefused("GET", "/v1/emergency/requests/" + req + "/keys", deputy_, nullptr, 409, "conflict",
                req);
  ExpectRefused("POST", "/v1/emergency/grants/" + grant + "/requests", deputy_,
                json{{"reason", "again"}}, 409, "conflict", req);
  ExpectRefused("POST", "/v1/emergency/requests/" + req + "/approve", owner_, json::object(), 409,
                "conflict", req);
  ExpectRefused("DELETE", "/v1/emergency/grants/" + grant, owner_, nullptr, 409, "conflict", req);
  ExpectRefused("PATCH", "/v1/emergency/grants/" + grant, owner_, json{{"wait_hours", 2}}, 409,
                "conflict", req);
  // The escrowed key is gone from the store.
  EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
    EXPECT_TRUE(t.GetSealedKey(social_, vault::KeyHolder::kGrant, grant).error().IsNotFound());
    return Status::OK();
  }));
}

TEST_F(EmergencyTest, RevokingAReleasedGrantEndsAccess) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);
  ASSERT_EQ(Call("POST", "/v1/emergency/requests/" + req + "/approve", owner_.token).status, 200);
  ASSERT_EQ(Call("DELETE", "/v1/emergency/grants/" + grant, owner_.token).status, 200);
  EXPECT_EQ(StateOf(req), em::State::kCancelled);
  EXPECT_EQ(Call("GET", "/v1/emergency/requests/" + req + "/keys", deputy_.token).status, 409);
}

TEST_F(EmergencyTest, RemovingADeputyRevokesEachOfTheirGrants) {
  // Addresses, so that the notices go by e-mail to the grantor and the admin.
  ASSERT_EQ(Call("PUT", "/v1/me/email", owner_.token, json{{"email", "mari@example.ee"}}).status,
            200);
  ASSERT_EQ(Call("PUT", "/v1/me/email", admin_.token, json{{"email", "aino@example.ee"}}).status,
            200);
  const std::string idle = Grant(deputy_, {social_});
  const std::string waiting = Grant(deputy_, {ads_});
  const std::string wait_req = Ask(deputy_, waiting);
  const std::string open = Grant(deputy_, {social_}, "takeover");
  const std::string open_req = Ask(deputy_, open);
  const std::string other = Grant(deputy2_, {ads_});  // Kati's stays
  ASSERT_EQ(Call("POST", "/v1/emergency/requests/" + open_req + "/approve", owner_.token).status,
            200);
  EXPECT_EQ(KeysAs(deputy_, open_req).status, 200);
  const std::string old_token = deputy_.token;
  const int64_t before = AuditLength();
  const size_t deliveries_before = Deliveries().size();

  Reply removed = Call("DELETE", "/v1/members/" + deputy_.member_id, admin_.token);
  ASSERT_EQ(removed.status, 200) << removed.raw;

  // Each of Jüri's grants lists as revoked; their requests are cancelled.
  for (const std::string& g : {idle, waiting, open}) {
    Reply got = Call("GET", "/v1/emergency/grants/" + g, owner_.token);
    ASSERT_EQ(got.status, 200) << got.raw;
    EXPECT_EQ(got.body["status"], "revoked") << g;
    EXPECT_TRUE(got.body.contains("ended_ms"));
  }
  EXPECT_EQ(StateOf(wait_req), em::State::kCancelled);
  EXPECT_EQ(StateOf(open_req), em::State::kCancelled);
  EXPECT_EQ(GrantStatus(other), em::GrantStatus::kActive);
  // The escrowed keys rows are gone; Kati's are not.
  EXPECT_FALSE(Escrowed(social_, idle));
  EXPECT_FALSE(Escrowed(ads_, waiting));
  EXPECT_FALSE(Escrowed(social_, open));
  EXPECT_TRUE(Escrowed(ads_, other));
  // The keys routes refuse: the session is gone, and so is the state that
  // would let a new one in.
  EXPECT_EQ(Call("GET", "/v1/emergency/requests/" + open_req + "/keys", old_token).status, 401);
  EXPECT_EQ(Call("GET", "/v1/emergency/requests/" + wait_req + "/keys", old_token).status, 401);

  // Each revocation is audited with its actor and the reason.
  const auto revokes = Events("emergency.grant.revoke", before + 1);
  ASSERT_EQ(revokes.size(), 3u);
  std::vector<std::string> targets;
  for (const auto& e : revokes) {
    EXPECT_EQ(e.actor, admin_.member_id);
    const json d = json::parse(e.details);
    EXPECT_EQ(d["reason"], "deputy removed");
    EXPECT_EQ(d["deputy"], deputy_.member_id);
    targets.push_back(e.target);
  }
  std::sort(targets.begin(), targets.end());
  std::vector<std::string> want = {"grant:" + idle, "grant:" + waiting, "grant:" + open};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(targets, want);
  const auto cancels = Events("emergency.cancel", before + 1);
  ASSERT_EQ(cancels.size(), 2u);
  for (const auto& e : cancels) {
    EXPECT_EQ(e.actor, admin_.member_id);
    EXPECT_EQ(json::parse(e.details)["reason"], "deputy removed");
  }
  EXPECT_EQ(Events("member.remove", before + 1).size(), 1u);

  // One notice per grant to the grantor and the admin (and the webhook).
  std::map<std::string, std::vector<vault::Delivery>> by_grant;
  const auto all = Deliveries();
  for (size_t i = deliveries_before; i < all.size(); ++i) {
    by_grant[json::parse(all[i].details)["grant"].get<std::string>()].push_back(all[i]);
  }
  ASSERT_EQ(by_grant.size(), 3u);
  for (const auto& [g, ds] : by_grant) {
    SCOPED_TRACE(g);
    ASSERT_EQ(ds.size(), 3u);  // webhook, Mari, Aino
    EXPECT_EQ(ds[1].address, "mari@example.ee");
    EXPECT_EQ(ds[2].address, "aino@example.ee");
    EXPECT_EQ(ds[0].kind, g == idle ? "emergency.revoked" : "emergency.cancelled");
    EXPECT_NE(ds[0].text.find("Jüri"), std::string::npos) << ds[0].text;
    EXPECT_NE(ds[0].text.find("deputy removed"), std::string::npos) << ds[0].text;
  }

  // Time passes: nothing is released, nothing more is flagged.
  env_.AdvanceTime(hours(200));
  Tick();
  EXPECT_EQ(StateOf(wait_req), em::State::kCancelled);
  EXPECT_EQ(StateOf(open_req), em::State::kCancelled);
  EXPECT_TRUE(Item(ads_item_).flags.empty());
  EXPECT_FALSE(Col(ads_).needs_rekey);
  EXPECT_EQ(Events("emergency.release", before + 1).size(), 0u);
  ExpectAuditVerifies();
}

TEST_F(EmergencyTest, RemovingAGrantorLeavesTheirGrantsInForce) {
  ASSERT_EQ(ServerFixture::Grant(owner_, social_, admin_, "edit").status, 200);
  Reply g = MakeGrant(admin_, deputy_, {social_});
  ASSERT_EQ(g.status, 201) << g.raw;
  const std::string grant = g.body["id"];
  const int64_t before = AuditLength();
  ASSERT_EQ(Call("DELETE", "/v1/members/" + admin_.member_id, owner_.token).status, 200);
  EXPECT_EQ(GrantStatus(grant), em::GrantStatus::kActive);
  EXPECT_TRUE(Escrowed(social_, grant));
  EXPECT_TRUE(Events("emergency.grant.revoke", before + 1).empty());
  // The deputy can still ask and is released when the wait ends.
  const std::string req = Ask(deputy_, grant);
  env_.AdvanceTime(hours(48));
  Tick();
  EXPECT_EQ(StateOf(req), em::State::kReleased);
  EXPECT_EQ(KeysAs(deputy_, req).status, 200);
}

TEST_F(EmergencyTest, ARemovedMembersConfirmationNoLongerCounts) {
  const std::string grant = Grant(deputy_, {social_}, "view", 48, /*confirmations=*/1);
  Grant(deputy2_, {ads_});
  const std::string req = Ask(deputy_, grant);
  ASSERT_EQ(Call("POST", "/v1/emergency/requests/" + req + "/confirm", deputy2_.token).status, 200);
  const int64_t before = AuditLength();
  ASSERT_EQ(Call("DELETE", "/v1/members/" + deputy2_.member_id, owner_.token).status, 200);
  Reply got = Call("GET", "/v1/emergency/requests/" + req, owner_.token);
  EXPECT_EQ(got.body["confirmations"], json::array());
  const auto removal = Events("member.remove", before + 1);
  ASSERT_EQ(removal.size(), 1u);
  EXPECT_EQ(json::parse(removal[0].details)["confirmations_withdrawn"], json::array({req}));
  // The wait ends, and the request waits for a confirmation that counts.
  env_.AdvanceTime(hours(48));
  Tick();
  EXPECT_EQ(StateOf(req), em::State::kWaiting);
  EXPECT_EQ(GrantStatus(grant), em::GrantStatus::kActive);
  // Another deputy of Mari's still can.
  Grant(outsider_, {ads_});
  Reply c = Call("POST", "/v1/emergency/requests/" + req + "/confirm", outsider_.token);
  ASSERT_EQ(c.status, 200) << c.raw;
  EXPECT_EQ(c.body["state"], "released");
}

TEST_F(EmergencyTest, ARefusedRemovalLeavesTheDeputysGrantsAlone) {
  // Mari (the only owner) is a deputy too, of a grant from Aino.
  ASSERT_EQ(ServerFixture::Grant(owner_, ads_, admin_, "edit").status, 200);
  Reply from_aino = MakeGrant(admin_, owner_, {ads_});
  ASSERT_EQ(from_aino.status, 201) << from_aino.raw;
  const std::string owner_grant = from_aino.body["id"];
  const std::string owner_req = Ask(owner_, owner_grant);
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);

  auto unchanged = [&](const char* what) {
    SCOPED_TRACE(what);
    EXPECT_EQ(GrantStatus(owner_grant), em::GrantStatus::kActive);
    EXPECT_EQ(GrantStatus(grant), em::GrantStatus::kActive);
    EXPECT_EQ(StateOf(owner_req), em::State::kWaiting);
    EXPECT_TRUE(Escrowed(ads_, owner_grant));
    EXPECT_TRUE(Escrowed(social_, grant));
  };
  const size_t deliveries = Deliveries().size();
  // The last owner cannot go: not by their own hand, not by an admin.
  ExpectRefused("DELETE", "/v1/members/" + owner_.member_id, owner_, nullptr, 409,
                "failed_precondition", owner_req);
  ExpectRefused("DELETE", "/v1/members/" + owner_.member_id, admin_, nullptr, 403,
                "permission_denied", owner_req);
  // A member cannot remove anyone; an unknown id is not found.
  ExpectRefused("DELETE", "/v1/members/" + deputy_.member_id, deputy2_, nullptr, 403,
                "permission_denied", req);
  ExpectRefused("DELETE", "/v1/members/" + crypto::RandomId(env_), owner_, nullptr, 404,
                "not_found", req);
  unchanged("refused removals");
  EXPECT_EQ(StateOf(req), em::State::kWaiting);
  EXPECT_EQ(Deliveries().size(), deliveries);

  // Removing a member who is already gone changes nothing either.
  ASSERT_EQ(Call("DELETE", "/v1/members/" + deputy_.member_id, owner_.token).status, 200);
  ASSERT_EQ(GrantStatus(grant), em::GrantStatus::kRevoked);
  const size_t after_removal = Deliveries().size();
  ExpectRefused("DELETE", "/v1/members/" + deputy_.member_id, owner_, nullptr, 409,
                "failed_precondition", req);
  EXPECT_EQ(Deliveries().size(), after_removal);
  EXPECT_EQ(Events("emergency.grant.revoke").size(), 1u);
  env_.AdvanceTime(hours(48));
  Tick();
  EXPECT_EQ(StateOf(req), em::State::kCancelled);
  EXPECT_EQ(StateOf(owner_req), em::State::kReleased) << "Mari's own grant was never touched";
}

TEST_F(EmergencyTest, OneRequestAtATimeAndChangesOnlyWhileIdle) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);
  ExpectRefused("POST", "/v1/emergency/grants/" + grant + "/requests", deputy_,
                json{{"reason", "twice"}}, 409, "conflict", req);
  ExpectRefused("PATCH", "/v1/emergency/grants/" + grant, owner_, json{{"wait_hours", 1}}, 409,
                "conflict", req);
  ExpectRefused("POST", "/v1/emergency/grants/" + grant + "/requests", deputy2_,
                json{{"reason", "not mine"}}, 404, "not_found", req);
  ASSERT_EQ(Call("POST", "/v1/emergency/requests/" + req + "/reject", owner_.token).status, 200);
  Reply p = Call("PATCH", "/v1/emergency/grants/" + grant, owner_.token,
                 json{{"wait_hours", 1}, {"access_window_hours", 2}});
  ASSERT_EQ(p.status, 200) << p.raw;
  EXPECT_EQ(p.body["wait_hours"], 1);
  EXPECT_EQ(p.body["access_window_hours"], 2);
  EXPECT_TRUE(Audited("emergency.grant.change", owner_.member_id));
  // A new request after the rejection, under the new terms.
  const std::string again = Ask(deputy_, grant);
  env_.AdvanceTime(hours(1));
  Tick();
  EXPECT_EQ(StateOf(again), em::State::kReleased);
  env_.AdvanceTime(hours(2));
  Tick();
  EXPECT_EQ(StateOf(again), em::State::kExpired);
}

TEST_F(EmergencyTest, DeputyDeclines) {
  const std::string grant = Grant(deputy_, {social_});
  ExpectRefused("POST", "/v1/emergency/grants/" + grant + "/decline", owner_, nullptr, 403,
                "permission_denied");
  ExpectRefused("POST", "/v1/emergency/grants/" + grant + "/decline", outsider_, nullptr, 404,
                "not_found");
  Reply r = Call("POST", "/v1/emergency/grants/" + grant + "/decline", deputy_.token);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["status"], "declined");
  EXPECT_TRUE(Audited("emergency.grant.decline", deputy_.member_id));
  ExpectRefused("POST", "/v1/emergency/grants/" + grant + "/requests", deputy_,
                json{{"reason", "changed my mind"}}, 409, "conflict");
}

TEST_F(EmergencyTest, GrantCreationRefusals) {
  auto refused = [&](const Account& grantor, const Account& deputy,
                     const std::vector<std::string>& cols, int status, const std::string& code) {
    const int64_t before = AuditLength();
    Reply r = MakeGrant(grantor, deputy, cols);
    EXPECT_EQ(r.status, status) << r.raw;
    EXPECT_EQ(Code(r), code);
    EXPECT_EQ(AuditLength(), before);
  };
  refused(owner_, auditor_, {social_}, 409, "conflict");            // auditors are never deputies
  refused(owner_, owner_, {social_}, 400, "invalid_argument");      // not your own deputy
  refused(admin_, deputy_, {social_}, 403, "permission_denied");    // Aino has no access to it
  refused(deputy2_, deputy_, {social_}, 403, "permission_denied");  // members cannot grant
  refused(auditor_, deputy_, {social_}, 403, "permission_denied");
  // A key for an old key version.
  json keys = json::array({{{"collection_id", social_},
                            {"key_version", 7},
                            {"escrow_sealed_key", crypto::ToBase64(crypto::AsBytes("box"))}}});
  const int64_t before = AuditLength();
  Reply old = Call("POST", "/v1/emergency/grants", owner_.token,
                   json{{"id", crypto::RandomId(env_)},
                        {"deputy_id", deputy_.member_id},
                        {"mode", "view"},
                        {"wait_hours", 24},
                        {"keys", keys}});
  EXPECT_EQ(old.status, 409) << old.raw;
  keys[0]["collection_id"] = crypto::RandomId(env_);
  keys[0]["key_version"] = 1;
  Reply missing = Call("POST", "/v1/emergency/grants", owner_.token,
                       json{{"id", crypto::RandomId(env_)},
                            {"deputy_id", deputy_.member_id},
                            {"mode", "view"},
                            {"wait_hours", 24},
                            {"keys", keys}});
  EXPECT_EQ(missing.status, 404) << missing.raw;
  EXPECT_EQ(AuditLength(), before);
  // A removed deputy.
  ASSERT_EQ(Call("DELETE", "/v1/members/" + outsider_.member_id, owner_.token).status, 200);
  refused(owner_, outsider_, {social_}, 409, "conflict");
}

TEST_F(EmergencyTest, VisibilityOfGrantsAndRequests) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);
  // Auditors see none of it: emergency_policy_test.cc.
  for (const Account* a : {&owner_, &admin_, &deputy_}) {
    Reply l = Call("GET", "/v1/emergency/grants", a->token);
    ASSERT_EQ(l.status, 200) << l.raw;
    EXPECT_EQ(l.body["grants"].size(), 1u);
    EXPECT_EQ(l.body["grants"][0]["request"]["id"], req);
    EXPECT_EQ(Call("GET", "/v1/emergency/grants/" + grant, a->token).status, 200);
    EXPECT_EQ(Call("GET", "/v1/emergency/requests/" + req, a->token).status, 200);
  }
  Reply none = Call("GET", "/v1/emergency/grants", outsider_.token);
  EXPECT_EQ(none.body["grants"].size(), 0u);
  EXPECT_EQ(Call("GET", "/v1/emergency/requests", outsider_.token).body["requests"].size(), 0u);
  EXPECT_EQ(Call("GET", "/v1/emergency/grants/" + grant, outsider_.token).status, 404);
  EXPECT_EQ(Call("GET", "/v1/emergency/requests/" + req, outsider_.token).status, 404);
  EXPECT_EQ(Call("GET", "/v1/emergency/requests/" + crypto::RandomId(env_), owner_.token).status,
            404);
}

TEST_F(EmergencyTest, RemindersGoOutOnceEach) {
  const std::string req = Ask(deputy_, Grant(deputy_, {social_}));
  auto reminders = [&] {
    int n = 0;
    for (const auto& [a, who] : Audit()) n += a == "emergency.reminder" && who == "server";
    return n;
  };
  env_.AdvanceTime(hours(23));
  Tick();
  EXPECT_EQ(reminders(), 0);
  env_.AdvanceTime(hours(1));
  Tick();
  Tick();
  EXPECT_EQ(reminders(), 1);
  env_.AdvanceTime(hours(23));
  Tick();
  Tick();
  EXPECT_EQ(reminders(), 2);
  env_.AdvanceTime(hours(1));
  Tick();
  EXPECT_EQ(reminders(), 2);
  EXPECT_EQ(StateOf(req), em::State::kReleased);
}

// The escrow property: a copy of the database holds nothing that opens a
// grant for the deputy; only the server's escrow key (in the server key
// file, not in the database) removes the outer layer.
TEST_F(EmergencyTest, ADatabaseCopyCannotOpenAGrant) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);
  // The database as it is on disk (the main file and its write-ahead log).
  testing_util::TempDir copy;
  for (const char* suffix : {"", "-wal"}) {
    const std::string from = dir_.File(std::string("vault.db") + suffix);
    if (std::filesystem::exists(from)) {
      std::filesystem::copy_file(from, copy.File(std::string("vault.db") + suffix));
    }
  }
  // Even with the database key, the copy yields only the outer box.
  ASSERT_OK_AND_ASSIGN(auto stolen, vault::Store::Open({.env = &env_,
                                                        .key = &keys_->db_key(),
                                                        .mode = vault::OpenMode::kOpenExisting},
                                                       copy.File("vault.db")));
  ASSERT_OK(stolen->Read([&](vault::ReadTxn& t) -> Status {
    auto outer = t.GetSealedKey(social_, vault::KeyHolder::kGrant, grant);
    if (!outer) return outer.error();
    // The deputy's own key does not open it, as a key or as a box.
    EXPECT_STATUS(crypto::OpenSealed(deputy_.identity->box(), outer->sealed), kCorruption);
    EXPECT_STATUS(envelope::OpenCollectionKey(deputy_.identity->box(), outer->sealed, social_, 1),
                  kCorruption);
    // No member key for the deputy either.
    EXPECT_TRUE(
        t.GetSealedKey(social_, vault::KeyHolder::kMember, deputy_.member_id).error().IsNotFound());
    // And the escrow key pair is not in the database: the outer box opens
    // only with the server key file's escrow secret.
    auto inner = crypto::OpenSealed(keys_->escrow(), outer->sealed);
    EXPECT_TRUE(inner.has_value());
    auto settings = t.GetSetting("escrow_secret_key");
    EXPECT_TRUE(settings.has_value() && !settings->has_value());
    return Status::OK();
  }));
  stolen.reset();
  // The escrow secret's bytes appear nowhere in the copied files.
  for (const char* suffix : {"", "-wal"}) {
    const std::string path = copy.File(std::string("vault.db") + suffix);
    if (!std::filesystem::exists(path)) continue;
    std::ifstream in(path, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    ASSERT_FALSE(bytes.empty());
    const auto secret = keys_->escrow().secret_key.bytes();
    EXPECT_EQ(std::search(bytes.begin(), bytes.end(), secret.begin(), secret.end()), bytes.end());
  }
  // After release the deputy gets keys that open to the collection key.
  ASSERT_EQ(Call("POST", "/v1/emergency/requests/" + req + "/approve", owner_.token).status, 200);
  EXPECT_EQ(KeysAs(deputy_, req).status, 200);
}

TEST_F(EmergencyTest, RekeyAfterReleaseClearsNeedsRekey) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string req = Ask(deputy_, grant);
  ASSERT_EQ(Call("POST", "/v1/emergency/requests/" + req + "/approve", owner_.token).status, 200);
  ASSERT_TRUE(Col(social_).needs_rekey);
  ASSERT_OK(server_->Tick());

  // The client's side: a new key, every item re-encrypted, sealed to each
  // holder (the owner; the grant is still active and covers it).
  auto next = envelope::NewCollectionKey(env_, social_, 2);
  auto body = [&](int64_t version, bool with_grant, int64_t fb_expected) {
    json items = json::array();
    for (const auto& [id, ver] : {std::pair{fb_, fb_expected}, std::pair{ig_, int64_t{1}}}) {
      vault::envelope::ItemPayload p;
      p.password = vault::SecureBuffer::CopyOf(crypto::AsBytes("same password"));
      auto ct = envelope::EncryptItem(env_, next, {id, social_, ver + 1, 2}, p);
      items.push_back(
          {{"id", id}, {"expected_version", ver}, {"ciphertext", crypto::ToBase64(*ct)}});
    }
    auto owner_box = envelope::SealCollectionKey(next, owner_.identity->box_public_key());
    auto grant_box = envelope::SealForEscrow(next, deputy_.identity->box_public_key(),
                                             keys_->escrow_public_key());
    json grant_keys = json::array();
    if (with_grant) {
      grant_keys.push_back(
          {{"grant_id", grant}, {"escrow_sealed_key", crypto::ToBase64(*grant_box)}});
    }
    return json{{"key_version", version},
                {"member_keys", json::array({{{"member_id", owner_.member_id},
                                              {"sealed_key", crypto::ToBase64(*owner_box)}}})},
                {"grant_keys", grant_keys},
                {"items", items}};
  };
  const std::string path = "/v1/collections/" + social_ + "/rekey";
  ExpectRefused("POST", path, owner_, body(3, true, 1), 409, "conflict");
  ExpectRefused("POST", path, owner_, body(2, false, 1), 400, "invalid_argument");
  ExpectRefused("POST", path, owner_, body(2, true, 5), 409, "conflict");
  ExpectRefused("POST", path, deputy2_, body(2, true, 1), 403, "permission_denied");
  Reply ok = Call("POST", path, owner_.token, body(2, true, 1));
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["key_version"], 2);
  EXPECT_EQ(ok.body["needs_rekey"], false);
  EXPECT_EQ(Item(fb_).key_version, 2);
  EXPECT_EQ(Item(fb_).version, 2);
  EXPECT_TRUE(Audited("collection.rekey", owner_.member_id));
  // The deputy's released request now hands out the new key.
  collection_keys_.erase(social_);
  collection_keys_.emplace(social_, std::move(next));
  Reply keys = KeysAs(deputy_, req);
  ASSERT_EQ(keys.status, 200);
  EXPECT_EQ(keys.body["keys"][0]["key_version"], 2);
  ExpectAuditVerifies();
}

}  // namespace
