// End-to-end API behaviour against a real batond over TLS.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

#include "server_fixture.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
namespace crypto = vault::crypto;

class ApiTest : public ServerFixture {};

TEST_F(ApiTest, HealthAndInfoArePublicAndMetricsAnswerTheirToken) {
  const std::string token = UseMetricsToken();
  StopServer();
  StartServer();
  Reply h = Call("GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.raw, "ok\n");
  Reply info = Call("GET", "/v1/server");
  ASSERT_EQ(info.status, 200) << info.raw;
  EXPECT_EQ(info.body["version"], BATON_VERSION);
  EXPECT_EQ(info.body["audit_public_key"], crypto::ToBase64(keys_->audit_public_key()));
  Reply m = Call("GET", "/metrics", token);
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.raw.find("baton_http_requests_total{route=\"/healthz\",status=\"200\"} 1"),
            std::string::npos)
      << m.raw;
  EXPECT_NE(m.raw.find("baton_audit_events"), std::string::npos);
}

TEST_F(ApiTest, OwnerStoresAndAViewerReadsACredential) {
  Account owner = Join("owner", "Mari");
  Account viewer = Join("member", "Jüri");
  const std::string col = CreateCollection(owner, "Social media");
  ASSERT_EQ(Grant(owner, col, viewer, "view").status, 200);
  std::string item;
  Reply created = CreateItem(owner, col, "Facebook page", "Päästa-mind 42!", &item);
  ASSERT_EQ(created.status, 201) << created.raw;

  Reply fetched = Call("GET", "/v1/items/" + item, viewer.token);
  ASSERT_EQ(fetched.status, 200) << fetched.raw;
  auto ct = crypto::FromBase64(fetched.body["ciphertext"].get<std::string>());
  ASSERT_TRUE(ct.has_value());
  Reply key = Call("GET", "/v1/collections/" + col + "/key", viewer.token);
  ASSERT_EQ(key.status, 200) << key.raw;
  auto sealed = crypto::FromBase64(key.body["sealed_key"].get<std::string>());
  ASSERT_OK_AND_ASSIGN(auto ck,
                       vault::envelope::OpenCollectionKey(viewer.identity->box(), *sealed, col, 1));
  ASSERT_OK_AND_ASSIGN(auto payload, vault::envelope::DecryptItem(ck, {item, col, 1, 1}, *ct));
  EXPECT_EQ(std::string(payload.password.data(), payload.password.data() + payload.password.size()),
            "Päästa-mind 42!");

  // The viewer cannot write.
  Reply denied = Call("PUT", "/v1/items/" + item, viewer.token,
                      json{{"expected_version", 1}, {"ciphertext", crypto::ToBase64(*ct)}});
  EXPECT_EQ(denied.status, 403) << denied.raw;
  EXPECT_EQ(denied.body["error"]["code"], "permission_denied");

  // The read is in the audit log, with the viewer as actor.
  Reply log = Call("GET", "/v1/audit?from=1&limit=1000", owner.token);
  ASSERT_EQ(log.status, 200);
  bool seen = false;
  for (const auto& e : log.body["events"]) {
    seen = seen || (e["action"] == "item.read" && e["actor"] == viewer.member_id);
  }
  EXPECT_TRUE(seen);
}

TEST_F(ApiTest, MemberListCarriesRoleAndStatusNames) {
  Account owner = Join("owner", "Mari");
  Account auditor = Join("auditor", "Tiina");
  Account gone = Join("member", "Kalle");
  ASSERT_EQ(Call("DELETE", "/v1/members/" + gone.member_id, owner.token).status, 200);
  Reply list = Call("GET", "/v1/members", owner.token);
  ASSERT_EQ(list.status, 200) << list.raw;
  std::map<std::string, std::pair<std::string, std::string>> seen;  // id: role, status
  for (const auto& m : list.body["members"]) {
    seen[m["id"].get<std::string>()] = {m["role"].get<std::string>(),
                                        m["status"].get<std::string>()};
  }
  using Names = std::pair<std::string, std::string>;
  EXPECT_EQ(seen[owner.member_id], Names("owner", "active"));
  EXPECT_EQ(seen[auditor.member_id], Names("auditor", "active"));
  EXPECT_EQ(seen[gone.member_id], Names("member", "removed"));
}

}  // namespace
