// GET /v1/continuity and the second_admin field, against a real batond:
// a team with known single points of failure gets exactly those findings,
// granting the suggested access removes them, members may not read the
// report, /metrics counts it, and only owners and admins record a second
// admin (a refused or bad value changes nothing).
#include <gtest/gtest.h>

#include "server_fixture.h"
#include "vault/recovery_store.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;

class ContinuityServerTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    owner_ = Join("owner", "Mari");
    admin_ = Join("admin", "Ants");
    member_ = Join("member", "Jüri");
    auditor_ = Join("auditor", "Tõnu");
    social_ = CreateCollection(owner_, "Social");
    bank_ = CreateCollection(owner_, "Bank");
    CreateCollection(owner_, "Empty");
    ASSERT_EQ(Grant(owner_, bank_, member_, "edit").status, 200);
    ASSERT_EQ(CreateItem(owner_, social_, "Facebook page", "pw1", &facebook_).status, 201);
    ASSERT_EQ(CreateItem(owner_, social_, "Instagram", "pw2").status, 201);
    ASSERT_EQ(CreateItem(owner_, bank_, "Bank login", "pw3", &bank_login_).status, 201);
  }

  // "<severity> <kind> <subject> | <fix>" of each finding, in order.
  std::vector<std::string> Findings(const Account& who) {
    Reply r = Call("GET", "/v1/continuity", who.token);
    EXPECT_EQ(r.status, 200) << r.raw;
    std::vector<std::string> out;
    for (const json& f : r.body.value("findings", json::array())) {
      std::string line =
          f.value("severity", "") + " " + f.value("kind", "") + " " + f.value("subject", "") + " |";
      for (const json& a : f.value("fix", json::array())) line += " " + a.get<std::string>();
      out.push_back(line);
    }
    return out;
  }

  std::string SecondAdmin(const std::string& item_id) {
    return Call("GET", "/v1/items/" + item_id, owner_.token).body.value("second_admin", "?");
  }

  Account owner_, admin_, member_, auditor_;
  std::string social_, bank_, facebook_, bank_login_;
};

TEST_F(ContinuityServerTest, FindsExactlyTheKnownSinglePointsOfFailure) {
  const std::vector<std::string> want = {
      "high single_reader Facebook page | collection grant Social Ants view",
      "high single_reader Instagram | collection grant Social Ants view",
      "medium no_deputy Bank | emergency grant Ants --collection Bank --wait 48h",
      "medium no_deputy Social | emergency grant Ants --collection Social --wait 48h",
      "low second_admin_unknown Bank login | item edit Bank login --second-admin yes",
      "low second_admin_unknown Facebook page | item edit Facebook page --second-admin yes",
      "low second_admin_unknown Instagram | item edit Instagram --second-admin yes",
  };
  EXPECT_EQ(Findings(owner_), want);
  // Admins and auditors see the same report.
  EXPECT_EQ(Findings(admin_), want);
  EXPECT_EQ(Findings(auditor_), want);

  Reply r = Call("GET", "/v1/continuity", owner_.token);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["sole_holders"],
            json::parse(R"([{"member":"Mari","collections":["Empty","Social"]}])"));
  EXPECT_EQ(r.body["recovery"]["set_up"], false);
  // Metadata only: no secret, no ciphertext.
  for (const char* secret : {"pw1", "pw2", "pw3", "ciphertext"}) {
    EXPECT_EQ(r.raw.find(secret), std::string::npos) << secret;
  }
}

TEST_F(ContinuityServerTest, GrantingTheSuggestedAccessRemovesTheFindings) {
  ASSERT_EQ(Grant(owner_, social_, admin_, "view").status, 200);
  for (const std::string& f : Findings(owner_)) {
    EXPECT_EQ(f.find("single_reader"), std::string::npos) << f;
  }
  Reply r = Call("PATCH", "/v1/items/" + facebook_, admin_.token, json{{"second_admin", "yes"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["second_admin"], "yes");
  for (const std::string& f : Findings(owner_)) {
    EXPECT_EQ(f.find("unknown Facebook page"), std::string::npos) << f;
  }
}

TEST_F(ContinuityServerTest, MembersMayNotReadTheReport) {
  Reply r = Call("GET", "/v1/continuity", member_.token);
  EXPECT_EQ(r.status, 403) << r.raw;
  EXPECT_EQ(r.raw.find("Facebook"), std::string::npos) << r.raw;
  EXPECT_EQ(Call("GET", "/v1/continuity").status, 401);
}

TEST_F(ContinuityServerTest, SecondAdminNoIsAMediumFinding) {
  ASSERT_EQ(
      Call("PATCH", "/v1/items/" + bank_login_, owner_.token, json{{"second_admin", "no"}}).status,
      200);
  const auto got = Findings(owner_);
  EXPECT_NE(
      std::find(got.begin(), got.end(),
                "medium no_second_admin Bank login | item edit Bank login --second-admin yes"),
      got.end());
}

TEST_F(ContinuityServerTest, OnlyOwnersAndAdminsRecordASecondAdmin) {
  const int64_t before = AuditLength();
  // The member may edit the item, but the second admin is the admins' call.
  Reply r = Call("PATCH", "/v1/items/" + bank_login_, member_.token, json{{"second_admin", "yes"}});
  EXPECT_EQ(r.status, 403) << r.raw;
  EXPECT_EQ(SecondAdmin(bank_login_), "unknown");
  Reply mixed = Call("PATCH", "/v1/items/" + bank_login_, member_.token,
                     json{{"second_admin", "yes"}, {"name", "Renamed"}});
  EXPECT_EQ(mixed.status, 403) << mixed.raw;
  EXPECT_EQ(Call("GET", "/v1/items/" + bank_login_, owner_.token).body.value("name", ""),
            "Bank login");
  EXPECT_EQ(Call("PATCH", "/v1/items/" + bank_login_, auditor_.token, json{{"second_admin", "yes"}})
                .status,
            403);
  // Only GET reads and the refusals' audit trail happened; no item.meta.
  Reply log = Call("GET", "/v1/audit?from=" + std::to_string(before) + "&limit=1000", owner_.token);
  for (const json& e : log.body["events"]) EXPECT_NE(e["action"], "item.meta") << e;
}

TEST_F(ContinuityServerTest, BadSecondAdminValuesChangeNothing) {
  for (const json& body :
       {json{{"second_admin", "maybe"}}, json{{"second_admin", "YES"}}, json{{"second_admin", ""}},
        json{{"second_admin", 1}}, json{{"second_admin", nullptr}}, json{{"second_admin", true}}}) {
    Reply r = Call("PATCH", "/v1/items/" + facebook_, owner_.token, body);
    EXPECT_EQ(r.status, 400) << body << " " << r.raw;
    EXPECT_EQ(SecondAdmin(facebook_), "unknown") << body;
  }
  Reply ok = Call("PATCH", "/v1/items/" + facebook_, owner_.token, json{{"second_admin", "no"}});
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(SecondAdmin(facebook_), "no");
  // The same value again is no change.
  EXPECT_EQ(
      Call("PATCH", "/v1/items/" + facebook_, owner_.token, json{{"second_admin", "no"}}).status,
      400);
}

TEST_F(ContinuityServerTest, MetricsCountTheReport) {
  const std::string token = UseMetricsToken();
  StopServer();
  StartServer();
  Reply m = Call("GET", "/metrics", token);
  ASSERT_EQ(m.status, 200) << m.raw;
  EXPECT_NE(m.raw.find("\nbaton_items_single_reader 2\n"), std::string::npos) << m.raw;
  EXPECT_NE(m.raw.find("\nbaton_collections_without_deputy 2\n"), std::string::npos) << m.raw;
  EXPECT_NE(m.raw.find("\nbaton_items_without_second_admin 3\n"), std::string::npos) << m.raw;
  ASSERT_EQ(Grant(owner_, social_, admin_, "view").status, 200);
  m = Call("GET", "/metrics", token);
  EXPECT_NE(m.raw.find("\nbaton_items_single_reader 0\n"), std::string::npos) << m.raw;
}

TEST_F(ContinuityServerTest, ShowsTheRecoveryThresholdAndEachCustodiansLastCheck) {
  vault::recovery::Setup setup{.public_key = owner_.identity->box_public_key(),
                               .age_recipient = "age1-unused-by-the-report",
                               .threshold = 2,
                               .shares = {{1, "Mari", {}, {}}, {2, "Ants", {}, {}}}};
  setup.shares[1].check.fill(7);
  ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) -> vault::Status {
    if (auto key = vault::recovery::CheckKey(t, env_); !key) return key.error();
    if (vault::Status s = vault::recovery::PutSetup(t, {"test"}, setup); !s.ok()) return s;
    auto matched = vault::recovery::RecordCheck(t, {"test"}, 2, setup.shares[1].check, 1234);
    return matched ? vault::Status::OK() : matched.error();
  }));
  Reply r = Call("GET", "/v1/continuity", auditor_.token);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["recovery"]["threshold"], 2);
  EXPECT_EQ(r.body["recovery"]["shares"],
            json::parse(R"([{"holder":"Mari"},{"holder":"Ants","last_checked_ms":1234}])"));
}

}  // namespace
