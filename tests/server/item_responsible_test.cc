// The responsible member over the API, against a real batond: item metadata
// carries responsible_id, PATCH /v1/items/:id changes it only to a member
// who can read the collection, and a refusal changes nothing.
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;

class ItemResponsibleTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    owner_ = Join("owner", "Mari");
    editor_ = Join("member", "Jüri");
    outsider_ = Join("member", "Kadri");
    auditor_ = Join("auditor", "Tõnu");
    col_ = CreateCollection(owner_, "Social media");
    ASSERT_EQ(Grant(owner_, col_, editor_, "edit").status, 200);
    Reply created = CreateItem(owner_, col_, "Facebook page", "pw", &item_);
    ASSERT_EQ(created.status, 201) << created.raw;
  }

  Reply Patch(const Account& who, const json& body) {
    return Call("PATCH", "/v1/items/" + item_, who.token, body);
  }
  std::string Responsible() {
    return Call("GET", "/v1/collections/" + col_ + "/items", owner_.token)
        .body["items"][0]
        .value("responsible_id", "");
  }

  Account owner_, editor_, outsider_, auditor_;
  std::string col_, item_;
};

TEST_F(ItemResponsibleTest, ItemMetadataNamesTheCreatorAsResponsible) {
  EXPECT_EQ(Responsible(), owner_.member_id);
  Reply got = Call("GET", "/v1/items/" + item_, editor_.token);
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.body.value("responsible_id", ""), owner_.member_id);
}

TEST_F(ItemResponsibleTest, EditorMakesAReaderResponsibleAndItIsAudited) {
  Reply r = Patch(editor_, json{{"responsible_id", editor_.member_id}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.value("responsible_id", ""), editor_.member_id);
  EXPECT_EQ(Responsible(), editor_.member_id);
  Reply log = Call("GET", "/v1/audit?from=1&limit=1000", owner_.token);
  const json& last = log.body["events"].back();
  EXPECT_EQ(last["action"], "item.meta");
  const json details = last["details"].is_string() ? json::parse(last["details"].get<std::string>())
                                                   : last["details"];
  EXPECT_EQ(details["responsible"], json::array({owner_.member_id, editor_.member_id}))
      << last.dump();
}

TEST_F(ItemResponsibleTest, NoOneWhoCannotReadTheCollectionBecomesResponsible) {
  const int64_t audit = AuditLength();
  for (const std::string& who : {outsider_.member_id, auditor_.member_id,
                                 std::string("0123456789abcdef0123456789abcdef"), std::string()}) {
    Reply r = Patch(owner_, json{{"responsible_id", who}});
    EXPECT_EQ(r.status, 400) << who << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "invalid_argument") << r.raw;
    EXPECT_NE(r.raw.find("can read the item's collection"), std::string::npos) << r.raw;
  }
  // Wrong type: the schema refuses it.
  Reply typed = Patch(owner_, json{{"responsible_id", 7}});
  EXPECT_EQ(typed.status, 400) << typed.raw;
  EXPECT_EQ(Responsible(), owner_.member_id);
  EXPECT_EQ(AuditLength(), audit);
}

TEST_F(ItemResponsibleTest, OnlyEditorsMayChangeIt) {
  Account viewer = Join("member", "Õie");
  ASSERT_EQ(Grant(owner_, col_, viewer, "view").status, 200);
  const int64_t audit = AuditLength();
  Reply viewer_try = Patch(viewer, json{{"responsible_id", viewer.member_id}});
  EXPECT_EQ(viewer_try.status, 403) << viewer_try.raw;
  Reply outsider_try = Patch(outsider_, json{{"responsible_id", outsider_.member_id}});
  EXPECT_EQ(outsider_try.status, 403) << outsider_try.raw;
  EXPECT_EQ(Responsible(), owner_.member_id);
  EXPECT_EQ(AuditLength(), audit);
}

TEST_F(ItemResponsibleTest, MemberRemovedFromTheCollectionCanNoLongerBeMadeResponsible) {
  ASSERT_EQ(Call("DELETE", "/v1/collections/" + col_ + "/grants/" + editor_.member_id, owner_.token)
                .status,
            200);
  Reply r = Patch(owner_, json{{"responsible_id", editor_.member_id}});
  EXPECT_EQ(r.status, 400) << r.raw;
}

}  // namespace
