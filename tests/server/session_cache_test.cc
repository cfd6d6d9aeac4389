// The server caches authorization facts (session, member, role, access) per
// bearer token and resource, tagged with an epoch that the vault's commit
// observer moves after every change to who may do what. These
// tests prove against a real batond over TLS that the cache never answers
// with stale authorization: every check is made first on a warm entry (the
// same request answered twice), then the fact changes, then the very next
// request must see the change.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server_fixture.h"
#include "server_impl.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;

class SessionCacheTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    owner_ = Join("owner", "Mari");
    member_ = Join("member", "Kati");
    collection_ = CreateCollection(owner_, "Social");
    Reply item = CreateItem(owner_, collection_, "Facebook", "pw-1", &item_);
    ASSERT_EQ(item.status, 201) << item.raw;
  }

  // The item fetch, asked twice so that the second answer can come from the
  // cache; both answers must agree.
  int FetchTwice(const Account& who) {
    const int first = Call("GET", "/v1/items/" + item_, who.token).status;
    const int second = Call("GET", "/v1/items/" + item_, who.token).status;
    EXPECT_EQ(first, second);
    return second;
  }
  int Fetch(const Account& who) { return Call("GET", "/v1/items/" + item_, who.token).status; }
  server::internal::ServerImpl* Impl() {
    return dynamic_cast<server::internal::ServerImpl*>(server_.get());
  }
  uint64_t Epoch() { return Impl() != nullptr ? Impl()->TEST_AuthEpoch() : 0; }

  Account owner_;
  Account member_;
  std::string collection_;
  std::string item_;
};

TEST_F(SessionCacheTest, ReadsDoNotMoveTheEpochAndAuthChangesDo) {
  ASSERT_NE(Impl(), nullptr);
  ASSERT_EQ(Grant(owner_, collection_, member_, "view").status, 200);
  const uint64_t before = Epoch();
  // Audited fetches write (an audit event each) but change no authorization
  // fact, so cached facts stay usable across them.
  EXPECT_EQ(FetchTwice(member_), 200);
  EXPECT_EQ(Fetch(owner_), 200);
  EXPECT_EQ(Epoch(), before);
  // A change that is rolled back changes nothing either.
  EXPECT_FALSE(vault_
                   ->Write([&](vault::WriteTxn& t) -> vault::Status {
                     if (vault::Status s =
                             t.RevokeAccess({owner_.member_id}, collection_, member_.member_id);
                         !s.ok()) {
                       return s;
                     }
                     return vault::Status::Internal("abandoned");
                   })
                   .ok());
  EXPECT_EQ(Epoch(), before);
  EXPECT_EQ(Fetch(member_), 200);
  // A sign-in adds a session row: the epoch moves.
  ASSERT_EQ(Login(member_).status, 200);
  EXPECT_GT(Epoch(), before);
}

TEST_F(SessionCacheTest, AccessRevokeAndGrantApplyToTheNextRequest) {
  EXPECT_EQ(FetchTwice(member_), 403);
  ASSERT_EQ(Grant(owner_, collection_, member_, "view").status, 200);
  EXPECT_EQ(FetchTwice(member_), 200);
  Reply revoked = Call("DELETE", "/v1/collections/" + collection_ + "/grants/" + member_.member_id,
                       owner_.token);
  ASSERT_EQ(revoked.status, 200) << revoked.raw;
  EXPECT_EQ(Fetch(member_), 403);
  EXPECT_EQ(Call("GET", "/v1/collections/" + collection_ + "/key", member_.token).status, 403);
  ASSERT_EQ(Grant(owner_, collection_, member_, "view").status, 200);
  EXPECT_EQ(Fetch(member_), 200);
}

TEST_F(SessionCacheTest, RoleChangeAppliesToTheNextRequest) {
  // Without an access row a member may not read the item; an admin may.
  EXPECT_EQ(FetchTwice(member_), 403);
  EXPECT_EQ(Call("GET", "/v1/me", member_.token).body["role"], "member");
  Reply promoted =
      Call("PATCH", "/v1/members/" + member_.member_id, owner_.token, json{{"role", "admin"}});
  ASSERT_EQ(promoted.status, 200) << promoted.raw;
  EXPECT_EQ(FetchTwice(member_), 200);
  EXPECT_EQ(Call("GET", "/v1/me", member_.token).body["role"], "admin");
  Reply demoted =
      Call("PATCH", "/v1/members/" + member_.member_id, owner_.token, json{{"role", "member"}});
  ASSERT_EQ(demoted.status, 200) << demoted.raw;
  EXPECT_EQ(Fetch(member_), 403);
  EXPECT_EQ(Call("GET", "/v1/me", member_.token).body["role"], "member");
}

TEST_F(SessionCacheTest, ChangesMadeDirectlyInTheVaultApplyToo) {
  // Not through a route: any write to the authorization tables counts, so
  // code that changes them elsewhere (timed work, future ops) is covered.
  ASSERT_EQ(Grant(owner_, collection_, member_, "view").status, 200);
  EXPECT_EQ(FetchTwice(member_), 200);
  ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
    return t.RevokeAccess({"server"}, collection_, member_.member_id);
  }));
  EXPECT_EQ(Fetch(member_), 403);
  ASSERT_OK(vault_->Write(
      [&](vault::WriteTxn& t) { return t.SetMemberRole({"server"}, member_.member_id, "admin"); }));
  EXPECT_EQ(Fetch(member_), 200);
}

TEST_F(SessionCacheTest, MemberRemovalEndsTheSessionAtOnce) {
  ASSERT_EQ(Grant(owner_, collection_, member_, "view").status, 200);
  EXPECT_EQ(FetchTwice(member_), 200);
  EXPECT_EQ(Call("GET", "/v1/me", member_.token).status, 200);
  Reply removed = Call("DELETE", "/v1/members/" + member_.member_id, owner_.token);
  ASSERT_EQ(removed.status, 200) << removed.raw;
  Reply r = Call("GET", "/v1/items/" + item_, member_.token);
  EXPECT_EQ(r.status, 401) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "unauthenticated");
  EXPECT_EQ(Call("GET", "/v1/me", member_.token).status, 401);
  EXPECT_EQ(Fetch(owner_), 200);
}

TEST_F(SessionCacheTest, LogoutEndsTheSessionAtOnce) {
  ASSERT_EQ(Grant(owner_, collection_, member_, "view").status, 200);
  const std::string first = member_.token;
  ASSERT_EQ(Login(member_).status, 200);  // a second session
  const std::string second = member_.token;
  EXPECT_EQ(Call("GET", "/v1/items/" + item_, first).status, 200);
  EXPECT_EQ(Call("GET", "/v1/items/" + item_, second).status, 200);
  EXPECT_EQ(Call("GET", "/v1/items/" + item_, second).status, 200);
  ASSERT_EQ(Call("POST", "/v1/auth/logout", second, json::object()).status, 200);
  EXPECT_EQ(Call("GET", "/v1/items/" + item_, second).status, 401);
  EXPECT_EQ(Call("GET", "/v1/me", second).status, 401);
  EXPECT_EQ(Call("GET", "/v1/items/" + item_, first).status, 200);
}

TEST_F(SessionCacheTest, ExpiryIsCheckedOnEveryRequest) {
  ASSERT_EQ(Grant(owner_, collection_, member_, "view").status, 200);
  env_.AdvanceTime(config_.session_ttl - std::chrono::seconds(1));
  EXPECT_EQ(FetchTwice(member_), 200);
  EXPECT_EQ(Call("GET", "/v1/me", member_.token).status, 200);
  const uint64_t epoch = Epoch();
  env_.AdvanceTime(std::chrono::seconds(2));  // nothing in the vault changes
  EXPECT_EQ(Epoch(), epoch);
  Reply r = Call("GET", "/v1/items/" + item_, member_.token);
  EXPECT_EQ(r.status, 401) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "unauthenticated");
  EXPECT_EQ(Call("GET", "/v1/me", member_.token).status, 401);
}

TEST_F(SessionCacheTest, NothingIsAnsweredForATokenThatWasNeverValid) {
  EXPECT_EQ(Call("GET", "/v1/items/" + item_, "bm90LWEtdG9rZW4").status, 401);
  EXPECT_EQ(Call("GET", "/v1/items/" + item_, "bm90LWEtdG9rZW4").status, 401);
  // A valid token for one item says nothing about another one.
  ASSERT_EQ(Grant(owner_, collection_, member_, "view").status, 200);
  EXPECT_EQ(FetchTwice(member_), 200);
  const std::string other = CreateCollection(owner_, "Mail");
  std::string other_item;
  ASSERT_EQ(CreateItem(owner_, other, "Gmail", "pw-2", &other_item).status, 201);
  EXPECT_EQ(Call("GET", "/v1/items/" + other_item, member_.token).status, 403);
}

TEST_F(SessionCacheTest, AnItemNamedLikeACollectionLendsItNoAccess) {
  // Item ids are chosen by clients: an item in a collection the member can
  // read may carry the id of a collection they cannot.
  ASSERT_EQ(Grant(owner_, collection_, member_, "manage").status, 200);
  const std::string secret = CreateCollection(owner_, "Secret");
  vault::ItemMeta meta;
  meta.id = secret;
  meta.collection_id = collection_;
  meta.name = "Lookalike";
  meta.channel = "facebook";
  meta.rotation_period_s = 86400;
  ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
    return t.CreateItem({owner_.member_id}, meta, std::vector<uint8_t>(40, 7));
  }));
  EXPECT_EQ(Call("GET", "/v1/items/" + secret, member_.token).status, 200);
  EXPECT_EQ(Call("GET", "/v1/items/" + secret, member_.token).status, 200);
  EXPECT_EQ(Call("GET", "/v1/collections/" + secret + "/key", member_.token).status, 403);
  EXPECT_EQ(Call("GET", "/v1/collections/" + secret + "/items", member_.token).status, 403);
}

TEST_F(SessionCacheTest, RestartKeepsWhatTheVaultSays) {
  ASSERT_EQ(Grant(owner_, collection_, member_, "view").status, 200);
  const std::string ended = member_.token;
  ASSERT_EQ(Login(member_).status, 200);
  EXPECT_EQ(FetchTwice(member_), 200);
  EXPECT_EQ(Call("GET", "/v1/items/" + item_, ended).status, 200);
  ASSERT_EQ(Call("POST", "/v1/auth/logout", ended, json::object()).status, 200);
  ASSERT_EQ(Call("DELETE", "/v1/collections/" + collection_ + "/grants/" + member_.member_id,
                 owner_.token)
                .status,
            200);
  // A new process: server and vault both reopened.
  StopServer();
  vault_.reset();
  auto reopened = vault::Store::Open(
      {.env = &env_, .key = &keys_->db_key(), .mode = vault::OpenMode::kOpenExisting},
      dir_.File("vault.db"));
  ASSERT_TRUE(reopened.has_value()) << reopened.error().ToString();
  vault_ = std::move(*reopened);
  StartServer();
  EXPECT_EQ(Call("GET", "/v1/items/" + item_, ended).status, 401);
  EXPECT_EQ(FetchTwice(member_), 403);
  EXPECT_EQ(Call("GET", "/v1/me", member_.token).status, 200);
  ASSERT_EQ(Grant(owner_, collection_, member_, "view").status, 200);
  EXPECT_EQ(Fetch(member_), 200);
}

}  // namespace
