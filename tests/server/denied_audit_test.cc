// Refused requests in the audit log, against a real batond: who tried what
// and was refused, as "<action>.denied" events in the hash chain; one event
// per actor, action and target per minute, counting the refusals.
#include <gtest/gtest.h>

#include <chrono>

#include "denied_log.h"
#include "emergency_fixture.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::emergency_fixture::EmergencyTest;
using vault::Status;
namespace crypto = vault::crypto;

class DeniedAuditTest : public EmergencyTest {
 protected:
  // Moves past the current minute and lets the server tick, as batond does
  // every 30 s.
  void NextMinute() {
    env_.AdvanceTime(std::chrono::seconds(61));
    Tick();
  }

  std::vector<vault::audit::Event> DeniedSince(int64_t from) {
    std::vector<vault::audit::Event> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) {
      return t.ScanAudit(from, [&](const vault::audit::Event& e) {
        if (vault::audit::IsDenied(e.action)) out.push_back(e);
        return true;
      });
    }));
    return out;
  }

  static json Details(const vault::audit::Event& e) { return json::parse(e.details); }

  // `e` records that `who` was refused `action` on `target`, for the reason
  // `refusal` gave.
  static void ExpectDenied(const vault::audit::Event& e, const std::string& action,
                           const Account& who, const std::string& target, const Reply& refusal) {
    EXPECT_EQ(e.action, action);
    EXPECT_EQ(e.actor, who.member_id);
    EXPECT_EQ(e.target, target);
    EXPECT_EQ(Details(e)["reason"], refusal.body["error"]["message"]);
  }
};

TEST_F(DeniedAuditTest, AMembersRefusedReadIsAuditedOnceItsMinuteIsOver) {
  const int64_t before = AuditLength();
  Reply r = Call("GET", "/v1/items/" + fb_, outsider_.token);
  ASSERT_EQ(r.status, 403) << r.raw;
  EXPECT_EQ(AuditLength(), before) << "a refusal itself writes nothing";

  NextMinute();
  auto denied = DeniedSince(before + 1);
  ASSERT_EQ(denied.size(), 1u);
  ExpectDenied(denied[0], "item.read.denied", outsider_, "item:" + fb_, r);
  const json d = Details(denied[0]);
  EXPECT_EQ(d["count"], 1);
  EXPECT_EQ(d["route"], "GET /v1/items/:id");
  EXPECT_LE(d["first_ms"].get<int64_t>(), d["last_ms"].get<int64_t>());
  ExpectAuditVerifies();
}

TEST_F(DeniedAuditTest, AnAuditorsRefusedItemGetIsAudited) {
  const int64_t before = AuditLength();
  Reply r = Call("GET", "/v1/items/" + ig_, auditor_.token);
  ASSERT_EQ(r.status, 403) << r.raw;
  NextMinute();
  auto denied = DeniedSince(before + 1);
  ASSERT_EQ(denied.size(), 1u);
  ExpectDenied(denied[0], "item.read.denied", auditor_, "item:" + ig_, r);
}

TEST_F(DeniedAuditTest, RefusedGrantsAndInvitesAreAudited) {
  ASSERT_EQ(ServerFixture::Grant(owner_, social_, deputy2_, "view").status, 200);
  const int64_t before = AuditLength();
  // Refused by the route's policy: a viewer may not grant.
  Reply grant = ServerFixture::Grant(deputy2_, social_, outsider_, "view");
  ASSERT_EQ(grant.status, 403) << grant.raw;
  // Refused by the handler: an admin may invite, but not an owner.
  Reply invite =
      Call("POST", "/v1/invites", admin_.token, json{{"role", "owner"}, {"name", "Ahto"}});
  ASSERT_EQ(invite.status, 403) << invite.raw;
  NextMinute();
  auto denied = DeniedSince(before + 1);
  ASSERT_EQ(denied.size(), 2u);
  ExpectDenied(denied[0], "collection.grant.denied", deputy2_, "collection:" + social_, grant);
  ExpectDenied(denied[1], "member.invite.denied", admin_, "team", invite);
}

TEST_F(DeniedAuditTest, ADeputysKeysBeforeReleaseAreRefusedAndAudited) {
  const std::string grant = Grant(deputy_, {social_});
  const std::string request = Ask(deputy_, grant);
  ASSERT_FALSE(request.empty());
  const int64_t before = AuditLength();
  Reply keys = Call("GET", "/v1/emergency/requests/" + request + "/keys", deputy_.token);
  ASSERT_EQ(keys.status, 409) << keys.raw;
  Reply item = Call("GET", "/v1/emergency/requests/" + request + "/items/" + fb_, deputy_.token);
  ASSERT_EQ(item.status, 409) << item.raw;
  NextMinute();
  auto denied = DeniedSince(before + 1);
  ASSERT_EQ(denied.size(), 2u);
  ExpectDenied(denied[0], "emergency.keys.denied", deputy_, "request:" + request, keys);
  ExpectDenied(denied[1], "emergency.item.read.denied", deputy_, "request:" + request, item);
  ExpectAuditVerifies();
}

TEST_F(DeniedAuditTest, AThousandRefusalsInOneMinuteAreOneEventWithTheirCount) {
  const int64_t before = AuditLength();
  auto client = Client();
  client->set_keep_alive(true);
  const httplib::Headers headers = {{"Authorization", "Bearer " + outsider_.token}};
  for (int i = 0; i < 1000; ++i) {
    auto r = client->Get("/v1/items/" + fb_, headers);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 403);
  }
  EXPECT_EQ(AuditLength(), before);
  NextMinute();
  auto denied = DeniedSince(before + 1);
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(Details(denied[0])["count"], 1000);

  // The next minute is a window of its own.
  const int64_t second = AuditLength();
  ASSERT_EQ(Call("GET", "/v1/items/" + fb_, outsider_.token).status, 403);
  NextMinute();
  denied = DeniedSince(second + 1);
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(Details(denied[0])["count"], 1);
  EXPECT_GT(Details(denied[0])["window_start_ms"].get<int64_t>(),
            Details(DeniedSince(before + 1)[0])["window_start_ms"].get<int64_t>());
}

TEST_F(DeniedAuditTest, MadeUpIdsCannotMultiplyTheEvents) {
  const int64_t before = AuditLength();
  constexpr int kIds = 40;
  for (int i = 0; i < kIds; ++i) {
    const std::string id = crypto::RandomId(env_);
    ASSERT_EQ(Call("GET", "/v1/collections/" + id + "/items", outsider_.token).status, 403);
  }
  NextMinute();
  auto denied = DeniedSince(before + 1);
  EXPECT_EQ(denied.size(), server::DeniedLog::kMaxTargets + 1);
  int64_t total = 0;
  for (const auto& e : denied) total += Details(e)["count"].get<int64_t>();
  EXPECT_EQ(total, kIds);
  EXPECT_EQ(denied.back().target, "other");
  EXPECT_EQ(Details(denied.back())["count"], kIds - int64_t{server::DeniedLog::kMaxTargets});
}

TEST_F(DeniedAuditTest, TheOpenMinuteIsWrittenWhenTheServerStops) {
  const int64_t before = AuditLength();
  ASSERT_EQ(Call("GET", "/v1/items/" + fb_, outsider_.token).status, 403);
  ASSERT_EQ(Call("GET", "/v1/items/" + fb_, outsider_.token).status, 403);
  StopServer();
  auto denied = DeniedSince(before + 1);
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(Details(denied[0])["count"], 2);
  StartServer();
  ExpectAuditVerifies();
}

TEST_F(DeniedAuditTest, AnAuditorReadingTheLogSeesTheMinutesThatAreOver) {
  const int64_t before = AuditLength();
  ASSERT_EQ(Call("GET", "/v1/items/" + fb_, outsider_.token).status, 403);
  env_.AdvanceTime(std::chrono::seconds(61));  // no tick
  Reply log = Call("GET", "/v1/audit?from=" + std::to_string(before + 1), auditor_.token);
  ASSERT_EQ(log.status, 200) << log.raw;
  ASSERT_EQ(log.body["events"].size(), 1u) << log.raw;
  EXPECT_EQ(log.body["events"][0]["action"], "item.read.denied");
}

TEST_F(DeniedAuditTest, WhatIsAllowedOrMissingIsNoRefusal) {
  const int64_t before = AuditLength();
  EXPECT_EQ(Call("GET", "/v1/items/" + crypto::RandomId(env_), owner_.token).status, 404);
  EXPECT_EQ(Call("GET", "/v1/items/" + fb_, owner_.token).status, 200);
  EXPECT_EQ(Call("GET", "/v1/me", "not-a-session").status, 401);
  NextMinute();
  EXPECT_TRUE(DeniedSince(before + 1).empty());
}

}  // namespace
