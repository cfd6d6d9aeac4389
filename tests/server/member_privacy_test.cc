// Members' e-mail addresses, against a real batond: owners and admins see
// everyone's (they run the notices), anyone else only their own; the field
// stays in every answer, empty, so old clients parse it.
#include <gtest/gtest.h>

#include <map>

#include "server_fixture.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;

class MemberPrivacyTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    owner_ = Join("owner", "Mari");
    admin_ = Join("admin", "Aino");
    member_ = Join("member", "Jüri");
    auditor_ = Join("auditor", "Ülle");
    for (Account* a : {&owner_, &admin_, &member_, &auditor_}) {
      const std::string email = a->member_id.substr(0, 8) + "@example.org";
      Reply r = Call("PUT", "/v1/me/email", a->token, json{{"email", email}});
      ASSERT_EQ(r.status, 200) << r.raw;
      emails_[a->member_id] = email;
    }
  }

  // Member id -> the address `who` is shown, from GET /v1/members.
  std::map<std::string, std::string> ListAs(const Account& who) {
    std::map<std::string, std::string> out;
    Reply r = Call("GET", "/v1/members", who.token);
    EXPECT_EQ(r.status, 200) << r.raw;
    for (const json& m : r.body["members"]) {
      EXPECT_TRUE(m.contains("email")) << m.dump();
      out[m["id"]] = m.value("email", "?");
    }
    return out;
  }

  Account owner_, admin_, member_, auditor_;
  std::map<std::string, std::string> emails_;
};

TEST_F(MemberPrivacyTest, OwnersAndAdminsSeeEveryAddress) {
  for (const Account* who : {&owner_, &admin_}) {
    SCOPED_TRACE(who->role);
    EXPECT_EQ(ListAs(*who), emails_);
    Reply one = Call("GET", "/v1/members/" + member_.member_id, who->token);
    ASSERT_EQ(one.status, 200) << one.raw;
    EXPECT_EQ(one.body["email"], emails_[member_.member_id]);
  }
}

TEST_F(MemberPrivacyTest, OthersSeeOnlyTheirOwnAddress) {
  for (const Account* who : {&member_, &auditor_}) {
    SCOPED_TRACE(who->role);
    const auto seen = ListAs(*who);
    ASSERT_EQ(seen.size(), emails_.size());
    for (const auto& [id, email] : seen) {
      EXPECT_EQ(email, id == who->member_id ? emails_[id] : "") << id;
    }
    Reply other = Call("GET", "/v1/members/" + owner_.member_id, who->token);
    ASSERT_EQ(other.status, 200) << other.raw;
    EXPECT_EQ(other.body["email"], "");
    EXPECT_EQ(other.body["name"], "Mari");
    Reply own = Call("GET", "/v1/members/" + who->member_id, who->token);
    ASSERT_EQ(own.status, 200) << own.raw;
    EXPECT_EQ(own.body["email"], emails_[who->member_id]);
  }
}

}  // namespace
