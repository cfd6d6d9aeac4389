#include "vault/api_json.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "test_util.h"
#include "vault/api.h"
#include "vault/api_json_samples.h"

namespace vault::api {
namespace {

using nlohmann::json;

constexpr std::string_view kRoute = "GET /v1/members/0123";

void ExpectMalformed(const Status& s, std::string_view field) {
  EXPECT_TRUE(s.IsInternal()) << s.ToString();
  EXPECT_NE(s.message().find("the server sent a malformed answer to " + std::string(kRoute)),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
}

TEST(ApiJsonTest, MemberRoundTrips) {
  const Member m = SomeMember();
  auto back = MemberFromJson(MemberToJson(m), kRoute);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(back->id, m.id);
  EXPECT_EQ(back->name, m.name);
  EXPECT_EQ(back->role, m.role);
  EXPECT_EQ(back->status, m.status);
  EXPECT_EQ(back->signing_public_key, m.signing_public_key);
  EXPECT_EQ(back->box_public_key, m.box_public_key);
  EXPECT_EQ(back->created_ms, m.created_ms);
  EXPECT_EQ(back->email, m.email);
}

TEST(ApiJsonTest, MemberAnswerCarriesTheSameNames) {
  // The record holds enums; the wire keeps the names it always had.
  Member m = SomeMember();
  for (auto [role, name] :
       {std::pair{TeamRole::kOwner, "owner"}, std::pair{TeamRole::kAdmin, "admin"},
        std::pair{TeamRole::kMember, "member"}, std::pair{TeamRole::kAuditor, "auditor"}}) {
    m.role = role;
    EXPECT_EQ(MemberToJson(m)["role"], name);
  }
  m.status = MemberStatus::kRemoved;
  EXPECT_EQ(MemberToJson(m)["status"], "removed");
  const json j = MemberToJson(SomeMember());
  EXPECT_EQ(j.dump(),
            R"({"box_public_key":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=","created_ms":1234,)"
            R"("email":"ann@example.org","id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","name":"Ann",)"
            R"("role":"admin","signing_public_key":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",)"
            R"("status":"active"})");

  json bad_role = j;
  bad_role["role"] = "Owner";
  auto r = MemberFromJson(bad_role, kRoute);
  ASSERT_FALSE(r.has_value());
  ExpectMalformed(r.error(), "role");
  json bad_status = j;
  bad_status["status"] = "gone";
  auto s = MemberFromJson(bad_status, kRoute);
  ASSERT_FALSE(s.has_value());
  ExpectMalformed(s.error(), "status");
}

TEST(ApiJsonTest, ItemMetaRoundTrips) {
  const ItemMeta m = SomeItem();
  auto back = ItemMetaFromJson(ItemMetaToJson(m), kRoute);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(ItemMetaToJson(*back), ItemMetaToJson(m));
  EXPECT_EQ(back->pending_version, 4);
  ItemMeta settled = m;
  settled.pending_version.reset();
  auto again = ItemMetaFromJson(ItemMetaToJson(settled), kRoute);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->pending_version.has_value());
}

TEST(ApiJsonTest, CollectionAndInviteRoundTrip) {
  const Collection c{std::string(32, 'c'), "Social", 3, false, true, 9};
  auto col = CollectionFromJson(CollectionToJson(c), kRoute);
  ASSERT_TRUE(col.has_value());
  EXPECT_EQ(CollectionToJson(*col), CollectionToJson(c));
  const InviteAnswer a{"code", TeamRole::kMember, "Bob", 77};
  auto inv = InviteAnswerFromJson(InviteAnswerToJson(a), kRoute);
  ASSERT_TRUE(inv.has_value());
  EXPECT_EQ(InviteAnswerToJson(*inv), InviteAnswerToJson(a));
}

TEST(ApiJsonTest, MalformedAnswersAreAClearStatus) {
  ExpectMalformed(MemberFromJson(json::array(), kRoute).error(), "object");
  ExpectMalformed(MemberFromJson(nullptr, kRoute).error(), "object");
  json m = MemberToJson(SomeMember());
  m.erase("role");
  ExpectMalformed(MemberFromJson(m, kRoute).error(), "\"role\" is missing");
  m = MemberToJson(SomeMember());
  m["created_ms"] = "yesterday";
  ExpectMalformed(MemberFromJson(m, kRoute).error(), "\"created_ms\" must be an integer");
  m = MemberToJson(SomeMember());
  m["box_public_key"] = "c2hvcnQ=";
  ExpectMalformed(MemberFromJson(m, kRoute).error(), "\"box_public_key\"");
  json item = ItemMetaToJson(SomeItem());
  item["flags"] = json::array({{{"kind", 1}}});
  ExpectMalformed(ItemMetaFromJson(item, kRoute).error(), "flags");
  item = ItemMetaToJson(SomeItem());
  item["pending_version"] = 1.5;
  ExpectMalformed(ItemMetaFromJson(item, kRoute).error(), "pending_version");
}

TEST(ApiJsonTest, ListsDecodeEveryEntry) {
  json list = {{"members", json::array({MemberToJson(SomeMember()), MemberToJson(SomeMember())})}};
  auto members = MembersFromJson(list, kRoute);
  ASSERT_TRUE(members.has_value());
  EXPECT_EQ(members->size(), 2u);
  list["members"].push_back(42);
  ExpectMalformed(MembersFromJson(list, kRoute).error(), "object");
  ExpectMalformed(ItemsFromJson(json::object(), kRoute).error(), "\"items\" is missing");
}

TEST(ApiSchemaTest, KeysAreUniqueAndFieldsTooPerBody) {
  std::set<std::string_view> keys;
  for (const BodySchema& b : RequestBodies()) {
    EXPECT_TRUE(keys.insert(b.key).second) << b.key;
    std::set<std::string_view> names;
    for (const Field& f : b.fields) EXPECT_TRUE(names.insert(f.name).second) << b.key;
    EXPECT_EQ(&RequestBody(b.key), &b);
  }
}

TEST(ApiSchemaTest, CheckBodyNamesTheProblem) {
  const BodySchema& invite = RequestBody("POST /v1/invites");
  EXPECT_TRUE(CheckBody({{"role", "member"}, {"name", "Bob"}}, invite).has_value());
  EXPECT_EQ(CheckBody(json::array(), invite).error().code, "malformed_json");
  EXPECT_EQ(CheckBody({{"role", "member"}}, invite).error().code, "missing_field");
  EXPECT_EQ(CheckBody({{"role", 1}, {"name", "Bob"}}, invite).error().code, "wrong_type");
  auto unknown = CheckBody({{"role", "member"}, {"name", "Bob"}, {"x", 1}}, invite);
  EXPECT_EQ(unknown.error().code, "unknown_field");
  EXPECT_EQ(unknown.error().message, "unknown field \"x\"");
  auto hidden = CheckBody({{"role", "member"}, {"name", "Bob"}, {std::string(40, 'y'), 1}}, invite);
  EXPECT_EQ(hidden.error().message, "unknown field");
  // Optional fields may be left out.
  EXPECT_TRUE(CheckBody(json::object(), RequestBody("PATCH /v1/items/:id")).has_value());
}

}  // namespace
}  // namespace vault::api
