// The answer codecs the client reads with beyond members and items
// (vault/api_json.h, api_json_emergency.h, api_json_cache.h,
// api_json_recovery.h): each
// round-trips, and each refuses a missing field, a wrong type, a non-object
// and bad base64 or key sizes with a message naming the route and field.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "test_util.h"
#include "vault/api_json.h"
#include "vault/api_json_cache.h"
#include "vault/api_json_emergency.h"
#include "vault/api_json_recovery.h"
#include "vault/api_json_samples.h"
#include "vault/audit_json.h"

namespace vault::api {
namespace {

using nlohmann::json;

constexpr std::string_view kRoute = "GET /v1/things";

void ExpectMalformed(const Status& s, std::string_view detail) {
  EXPECT_TRUE(s.IsInternal()) << s.ToString();
  EXPECT_NE(s.message().find("the server sent a malformed answer to GET /v1/things: "),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find(detail), std::string::npos) << s.message();
}

// Every decoder refuses what is not an object.
template <typename T>
void ExpectRefusesNonObjects(Result<T> (*decode)(const json&, std::string_view)) {
  for (const json& j : {json::array(), json("text"), json(3), json(nullptr)}) {
    auto r = decode(j, kRoute);
    ASSERT_FALSE(r.has_value()) << j;
    ExpectMalformed(r.error(), "expected a JSON object");
  }
}

TEST(ApiAnswersTest, CollectionEntriesRoundTripAndNeedAnAccess) {
  Collection c{std::string(32, 'c'), "Social", 2, true, false, 9};
  const json list = {{"collections", {CollectionEntryToJson({c, "manage"})}}};
  auto back = CollectionsFromJson(list, kRoute);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].collection.name, "Social");
  EXPECT_EQ((*back)[0].collection.key_version, 2);
  EXPECT_EQ((*back)[0].access, "manage");
  json no_access = list;
  no_access["collections"][0].erase("access");
  ExpectMalformed(CollectionsFromJson(no_access, kRoute).error(), "\"access\" is missing");
  ExpectMalformed(CollectionsFromJson({{"collections", 1}}, kRoute).error(),
                  "\"collections\" must be a list");
  ExpectRefusesNonObjects(&CollectionEntryFromJson);
}

TEST(ApiAnswersTest, ItemWithCiphertextNeedsBase64) {
  ItemWithCiphertext item{SomeItem(), {1, 2, 3, 250}};
  auto back = ItemWithCiphertextFromJson(ItemWithCiphertextToJson(item), kRoute);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(back->ciphertext, item.ciphertext);
  EXPECT_EQ(back->meta.name, "Shop");
  json bad = ItemWithCiphertextToJson(item);
  bad["ciphertext"] = "%%%";
  ExpectMalformed(ItemWithCiphertextFromJson(bad, kRoute).error(), "\"ciphertext\" must be base64");
  bad.erase("ciphertext");
  ExpectMalformed(ItemWithCiphertextFromJson(bad, kRoute).error(), "\"ciphertext\" is missing");
  ExpectRefusesNonObjects(&ItemWithCiphertextFromJson);
}

TEST(ApiAnswersTest, ARotationPeriodThatWouldOverflowIsRefused) {
  json j = ItemMetaToJson(SomeItem());
  j["rotation_period_days"] = int64_t{1} << 62;
  ExpectMalformed(ItemMetaFromJson(j, kRoute).error(), "rotation_period_days");
  j["rotation_period_days"] = -1;
  ExpectMalformed(ItemMetaFromJson(j, kRoute).error(), "rotation_period_days");
}

TEST(ApiAnswersTest, SealedKeysRoundTrip) {
  SealedKeyAnswer a{std::string(32, 'c'), 3, {9, 8, 7}};
  auto back = SealedKeyAnswerFromJson(SealedKeyAnswerToJson(a), kRoute);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->key_version, 3);
  EXPECT_EQ(back->sealed, a.sealed);
  auto list = SealedKeysFromJson({{"keys", {SealedKeyAnswerToJson(a)}}}, kRoute);
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->size(), 1u);
  json bad = SealedKeyAnswerToJson(a);
  bad["key_version"] = "3";
  ExpectMalformed(SealedKeyAnswerFromJson(bad, kRoute).error(),
                  "\"key_version\" must be an integer");
  ExpectRefusesNonObjects(&SealedKeyAnswerFromJson);
}

TEST(ApiAnswersTest, ServerInfoChecksKeySizesAndTheOptionalRecoveryKey) {
  ServerInfo info;
  info.version = "0.1.0";
  info.audit_public_key.fill(1);
  info.escrow_public_key.fill(2);
  auto back = ServerInfoFromJson(ServerInfoToJson(info), kRoute);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(back->escrow_public_key, info.escrow_public_key);
  EXPECT_FALSE(back->recovery_public_key.has_value());
  info.recovery_public_key = crypto::PublicKey{};
  info.recovery_public_key->fill(3);
  back = ServerInfoFromJson(ServerInfoToJson(info), kRoute);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->recovery_public_key, info.recovery_public_key);
  json bad = ServerInfoToJson(info);
  bad["recovery_public_key"] = crypto::ToBase64(std::vector<uint8_t>(31, 1));
  ExpectMalformed(ServerInfoFromJson(bad, kRoute).error(), "\"recovery_public_key\" must be");
  bad = ServerInfoToJson(info);
  bad.erase("audit_public_key");
  ExpectMalformed(ServerInfoFromJson(bad, kRoute).error(), "\"audit_public_key\" is missing");
  ExpectRefusesNonObjects(&ServerInfoFromJson);
}

TEST(ApiAnswersTest, LoginNeedsATokenAndAWellFormedMember) {
  const Member m = SomeMember();
  const json ok = {{"token", "t"}, {"expires_ms", 5}, {"member", MemberToJson(m)}};
  auto back = LoginAnswerFromJson(ok, kRoute);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(back->token, "t");
  EXPECT_EQ(back->member.name, "Ann");
  json bad = ok;
  bad["token"] = 7;
  ExpectMalformed(LoginAnswerFromJson(bad, kRoute).error(), "\"token\" must be a string");
  bad = ok;
  bad.erase("member");
  ExpectMalformed(LoginAnswerFromJson(bad, kRoute).error(), "\"member\" is missing");
  bad = ok;
  bad["member"]["box_public_key"] = "AAAA";
  ExpectMalformed(LoginAnswerFromJson(bad, kRoute).error(), "box_public_key");
  ExpectRefusesNonObjects(&LoginAnswerFromJson);
  ExpectRefusesNonObjects(&ChallengeFromJson);
}

TEST(ApiAnswersTest, HistoryAndAccessListsRoundTrip) {
  ItemVersion v{2, 1, ItemVersionState::kCurrent, {4, 5}, 10, std::string(32, 'a')};
  auto history = HistoryFromJson({{"versions", {ItemVersionToJson(v)}}}, kRoute);
  ASSERT_TRUE(history.has_value()) << history.error().ToString();
  EXPECT_EQ((*history)[0].ciphertext, v.ciphertext);
  EXPECT_EQ((*history)[0].state, ItemVersionState::kCurrent);
  ExpectMalformed(HistoryFromJson({{"versions", {{{"version", "2"}}}}}, kRoute).error(),
                  "\"version\" must be an integer");
  auto access = AccessListFromJson({{"grants", {AccessEntryToJson({"m", "view"})}}}, kRoute);
  ASSERT_TRUE(access.has_value());
  EXPECT_EQ((*access)[0].access, "view");
  ExpectRefusesNonObjects(&AccessEntryFromJson);
}

TEST(ApiAnswersTest, AuditPagesAndCheckpointsAreCheckedEventByEvent) {
  audit::Event e;
  e.seq = 1;
  e.time_ms = 2;
  e.actor = "a";
  e.action = "item.read";
  e.target = "item:x";
  e.details = "{}";
  auto page = AuditPageFromJson({{"events", {audit::EventToJson(e)}}}, kRoute);
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  EXPECT_EQ((*page)[0].action, "item.read");
  json bad = audit::EventToJson(e);
  bad["seq"] = "1";
  ExpectMalformed(AuditPageFromJson({{"events", {bad}}}, kRoute).error(), "audit event");
  ExpectMalformed(AuditPageFromJson(json::array(), kRoute).error(), "expected a JSON object");
  ExpectMalformed(CheckpointsFromJson({{"checkpoints", {{{"seq", 1}}}}}, kRoute).error(),
                  "checkpoint");
}

TEST(ApiAnswersTest, GrantsAndRequestsRoundTrip) {
  GrantAnswer g;
  g.grant.id = "g";
  g.grant.grantor_id = "o";
  g.grant.deputy_id = "d";
  g.grant.mode = emergency::GrantMode::kView;
  g.grant.wait_s = 48 * 3600;
  g.grant.access_window_s = 72 * 3600;
  g.grant.confirmations_required = 1;
  g.grant.status = emergency::GrantStatus::kActive;
  g.grant.collections = {"c1", "c2"};
  g.grant.created_ms = 3;
  auto back = GrantsFromJson({{"grants", {GrantAnswerToJson(g)}}}, kRoute);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ((*back)[0].grant.wait_s, g.grant.wait_s);
  EXPECT_EQ((*back)[0].grant.collections, g.grant.collections);
  EXPECT_FALSE((*back)[0].request.has_value());

  RequestAnswer r;
  r.request.id = "r";
  r.request.grant_id = "g";
  r.request.state = emergency::State::kWaiting;
  r.request.reason = "away";
  r.request.confirmations = {"o"};
  r.request.decided_by = "o";
  r.deputy_id = "d";
  r.confirmations_required = 1;
  r.admins_notified = 2;
  g.request = r;
  auto with_request = GrantAnswerFromJson(GrantAnswerToJson(g), kRoute);
  ASSERT_TRUE(with_request.has_value()) << with_request.error().ToString();
  ASSERT_TRUE(with_request->request.has_value());
  EXPECT_EQ(with_request->request->request.decided_by, "o");
  EXPECT_EQ(with_request->request->admins_notified, 2);
  EXPECT_EQ(GrantAnswerToJson(*with_request), GrantAnswerToJson(g));

  json bad = GrantAnswerToJson(g);
  bad["collections"] = {1, 2};
  ExpectMalformed(GrantAnswerFromJson(bad, kRoute).error(), "\"collections\" must be a list");
  bad = GrantAnswerToJson(g);
  bad["wait_hours"] = int64_t{1} << 60;
  ExpectMalformed(GrantAnswerFromJson(bad, kRoute).error(), "out of range");
  bad = GrantAnswerToJson(g);
  bad["request"]["state"] = false;
  ExpectMalformed(GrantAnswerFromJson(bad, kRoute).error(), "\"state\" must be a string");
  ExpectMalformed(RequestsFromJson({{"requests", {{{"id", "r"}}}}}, kRoute).error(), "missing");
  ExpectRefusesNonObjects(&GrantAnswerFromJson);
  ExpectRefusesNonObjects(&RequestAnswerFromJson);
}

// Each value of the grant's `field` goes out under `key` as its name and
// comes back as itself.
template <typename Enum>
void ExpectGrantNames(const char* key, Enum EmergencyGrant::*field,
                      const std::vector<std::pair<Enum, std::string>>& names) {
  GrantAnswer g;
  g.grant.wait_s = 3600;
  g.grant.access_window_s = 3600;
  for (const auto& [value, name] : names) {
    g.grant.*field = value;
    const json j = GrantAnswerToJson(g);
    EXPECT_EQ(j[key], name);
    ASSERT_OK_AND_ASSIGN(GrantAnswer back, GrantAnswerFromJson(j, kRoute));
    EXPECT_EQ(back.grant.*field, value);
  }
}

// The records carry enums; the answers still name them as strings (an enum
// put into JSON as is would become a number), and a name this build does
// not know is a malformed answer.
TEST(ApiAnswersTest, EmergencyAndInviteNamesOnTheWire) {
  using emergency::GrantMode;
  using emergency::GrantStatus;
  using emergency::State;
  ExpectGrantNames("mode", &EmergencyGrant::mode,
                   {{GrantMode::kView, "view"}, {GrantMode::kTakeover, "takeover"}});
  ExpectGrantNames("status", &EmergencyGrant::status,
                   {{GrantStatus::kActive, "active"},
                    {GrantStatus::kDeclined, "declined"},
                    {GrantStatus::kRevoked, "revoked"}});
  GrantAnswer g;
  g.grant.wait_s = 3600;
  g.grant.access_window_s = 3600;
  RequestAnswer r;
  for (const auto& [state, name] :
       {std::pair{State::kWaiting, "waiting"}, std::pair{State::kRejected, "rejected"},
        std::pair{State::kReleased, "released"}, std::pair{State::kExpired, "expired"},
        std::pair{State::kCancelled, "cancelled"}}) {
    r.request.state = state;
    const json j = RequestAnswerToJson(r);
    EXPECT_EQ(j["state"], name);
    ASSERT_OK_AND_ASSIGN(RequestAnswer back, RequestAnswerFromJson(j, kRoute));
    EXPECT_EQ(back.request.state, state);
    g.request = r;
    EXPECT_EQ(GrantAnswerToJson(g)["request"]["state"], name);
  }

  json bad = GrantAnswerToJson(g);
  bad["mode"] = "edit";
  ExpectMalformed(GrantAnswerFromJson(bad, kRoute).error(), "\"mode\"");
  bad = GrantAnswerToJson(g);
  bad["mode"] = 0;
  ExpectMalformed(GrantAnswerFromJson(bad, kRoute).error(), "\"mode\" must be a string");
  bad = GrantAnswerToJson(g);
  bad["status"] = "suspended";
  ExpectMalformed(GrantAnswerFromJson(bad, kRoute).error(), "\"status\"");
  bad = GrantAnswerToJson(g);
  bad["request"]["state"] = "none";
  ExpectMalformed(GrantAnswerFromJson(bad, kRoute).error(), "\"state\"");
  json bad_request = RequestAnswerToJson(r);
  bad_request["state"] = "paused";
  ExpectMalformed(RequestAnswerFromJson(bad_request, kRoute).error(), "\"state\"");

  const InviteAnswer invite{"code", TeamRole::kAdmin, "Bob", 7};
  json j = InviteAnswerToJson(invite);
  EXPECT_EQ(j["role"], "admin");
  ASSERT_OK_AND_ASSIGN(InviteAnswer back, InviteAnswerFromJson(j, kRoute));
  EXPECT_EQ(back.role, TeamRole::kAdmin);
  j["role"] = "viewer";
  ExpectMalformed(InviteAnswerFromJson(j, kRoute).error(), "\"role\"");
}

TEST(ApiAnswersTest, CacheAnswersRoundTripWithAndWithoutAKey) {
  CacheAnswer a;
  a.collection_id = "c";
  a.as_of_ms = 5;
  a.key_version = 2;
  a.current = {{"i", 3}};
  a.items = {{SomeItem(), {1, 2}}};
  auto back = CacheAnswerFromJson(CacheAnswerToJson(a), kRoute);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_FALSE(back->sealed_key.has_value());
  ASSERT_EQ(back->items.size(), 1u);
  EXPECT_EQ(back->items[0].ciphertext, a.items[0].ciphertext);
  EXPECT_EQ(back->current[0].version, 3);
  a.sealed_key = std::vector<uint8_t>{7, 7};
  back = CacheAnswerFromJson(CacheAnswerToJson(a), kRoute);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->sealed_key, a.sealed_key);

  json bad = CacheAnswerToJson(a);
  bad["sealed_key"] = "%%";
  ExpectMalformed(CacheAnswerFromJson(bad, kRoute).error(), "\"sealed_key\" must be base64");
  bad = CacheAnswerToJson(a);
  bad["current"][0]["version"] = "3";
  ExpectMalformed(CacheAnswerFromJson(bad, kRoute).error(), "current: ");
  bad = CacheAnswerToJson(a);
  bad["items"] = json::object();
  ExpectMalformed(CacheAnswerFromJson(bad, kRoute).error(), "\"items\" must be a list");
  ExpectRefusesNonObjects(&CacheAnswerFromJson);

  auto acked = AcknowledgedFromJson(AcknowledgedToJson({"a", "b"}), kRoute);
  ASSERT_TRUE(acked.has_value());
  EXPECT_EQ(acked->size(), 2u);
  ExpectMalformed(AcknowledgedFromJson({{"acknowledged", {1}}}, kRoute).error(), "list of strings");
}

TEST(ApiAnswersTest, RecoveryAnswersRoundTripAndCheckTheirKeys) {
  RecoveryStatus a;
  a.threshold = 3;
  a.shares = {{1, "Mari", std::nullopt}, {2, "Jüri", 1234}};
  a.check_key.fill(9);
  a.unsealed = {{"c", "Social", 2}};
  auto back = RecoveryStatusFromJson(RecoveryStatusToJson(a), kRoute);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(back->shares[0].last_checked_ms, std::nullopt);
  EXPECT_EQ(back->shares[1].last_checked_ms, 1234);
  EXPECT_EQ(back->shares[1].custodian, "Jüri");
  EXPECT_EQ(back->check_key, a.check_key);
  EXPECT_EQ(back->unsealed[0].key_version, 2);

  json bad = RecoveryStatusToJson(a);
  bad["check_key"] = "AAAA";
  ExpectMalformed(RecoveryStatusFromJson(bad, kRoute).error(), "\"check_key\"");
  bad = RecoveryStatusToJson(a);
  bad["shares"][0].erase("custodian");
  ExpectMalformed(RecoveryStatusFromJson(bad, kRoute).error(), "shares: ");
  ExpectRefusesNonObjects(&RecoveryStatusFromJson);
  ExpectRefusesNonObjects(&RecoveryCheckKeyFromJson);
  ExpectRefusesNonObjects(&RecoveryUnsealedFromJson);

  auto check = RecoveryCheckAnswerFromJson(RecoveryCheckAnswerToJson({true, 3, 5, 3}), kRoute);
  ASSERT_TRUE(check.has_value());
  EXPECT_TRUE(check->matches);
  EXPECT_EQ(check->shares, 5);
  ExpectMalformed(RecoveryCheckAnswerFromJson(
                      {{"matches", "yes"}, {"index", 1}, {"shares", 2}, {"threshold", 2}}, kRoute)
                      .error(),
                  "\"matches\"");
}

}  // namespace
}  // namespace vault::api
