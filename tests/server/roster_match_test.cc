// Once a team has a roster, batond makes a change the roster describes only
// if the roster, with the statements sent along, agrees with it (docs/api.md
// "Team roster"): a change without its statement, or with a statement about
// something else, is 400 roster_mismatch and writes nothing (not the
// change, not the entries, not the audit event). A retried change whose
// statement is stored already needs none; a legacy team needs none at all.
#include <gtest/gtest.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server_fixture.h"
#include "test_util.h"
#include "vault/api_json_roster.h"
#include "vault/envelope.h"
#include "vault/roster.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
using vault::CollectionAccess;
using vault::Status;
using vault::TeamRole;
namespace crypto = vault::crypto;
namespace envelope = vault::envelope;
namespace roster = vault::roster;

class RosterMatchTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    owner_ = Join("owner", "Mari");
    admin_ = Join("admin", "Ants");
    liis_ = Join("member", "Liis");
    juri_ = Join("member", "Jüri");
  }

  // The roster as stored, replayed.
  roster::State Stored() {
    std::vector<roster::Entry> entries;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto all = t.RosterEntries(0);
      if (all) entries = std::move(*all);
      return all ? Status::OK() : all.error();
    }));
    auto state = roster::Replay(entries);
    EXPECT_TRUE(state.has_value()) << state.error().ToString();
    return state.value_or(roster::State{});
  }

  // `a`'s signed statement of `body`, next after the stored roster, as the
  // "roster" field of a request.
  json Statement(const Account& a, roster::Body body) {
    roster::Entry e;
    e.statement = roster::Encode(roster::Next(Stored(), a.member_id, 1, std::move(body)));
    e.signature = *crypto::Sign(a.identity->signing(), e.statement);
    return vault::api::RosterEntriesToJson(std::span(&e, 1));
  }
  void Append(const Account& a, roster::Body body) {
    Reply r = Call("POST", "/v1/roster", a.token, json{{"entries", Statement(a, std::move(body))}});
    ASSERT_EQ(r.status, 201) << r.raw;
  }
  roster::MemberAdd Vouch(const Account& a, TeamRole role, const std::string& name) {
    return {a.member_id, a.identity->signing_public_key(), a.identity->box_public_key(), role,
            name};
  }
  // The team rooted by the owner, with the admin and both members vouched.
  void Root() {
    ASSERT_NO_FATAL_FAILURE(Append(
        owner_,
        roster::TeamCreate{owner_.identity->signing_public_key(), owner_.identity->box_public_key(),
                           "Mari", keys_->audit_public_key(), keys_->escrow_public_key()}));
    ASSERT_NO_FATAL_FAILURE(Append(owner_, Vouch(admin_, TeamRole::kAdmin, "Ants")));
    ASSERT_NO_FATAL_FAILURE(Append(owner_, Vouch(liis_, TeamRole::kMember, "Liis")));
    ASSERT_NO_FATAL_FAILURE(Append(owner_, Vouch(juri_, TeamRole::kMember, "Jüri")));
  }

  // The body of POST /v1/collections for a fresh key sealed to the owner.
  json NewCollectionBody(const std::string& id, const std::string& name) {
    collection_keys_.emplace(id, envelope::NewCollectionKey(env_, id));
    auto box =
        envelope::SealCollectionKey(collection_keys_.at(id), owner_.identity->box_public_key());
    return json{{"id", id}, {"name", name}, {"sealed_key", crypto::ToBase64(*box)}};
  }
  roster::CollectionCreate CreateStatement(const std::string& id, const std::string& name) {
    return {id, name, 1, *roster::KeyCheckValue(collection_keys_.at(id).key, id, 1)};
  }
  // A collection the owner created with its statement.
  std::string RosteredCollection(const std::string& name) {
    const std::string id = crypto::RandomId(env_);
    json body = NewCollectionBody(id, name);
    body["roster"] = Statement(owner_, CreateStatement(id, name));
    Reply r = Call("POST", "/v1/collections", owner_.token, body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return id;
  }
  std::string Sealed(const std::string& collection, const Account& to) {
    return crypto::ToBase64(*envelope::SealCollectionKey(collection_keys_.at(collection),
                                                         to.identity->box_public_key()));
  }

  // What a refused request must have left as it was.
  struct Before {
    uint64_t roster_size;
    int64_t audit;
  };
  Before Now() { return {Stored().size, AuditLength()}; }
  void ExpectRefused(const Reply& r, const Before& before, const std::string& says) {
    EXPECT_EQ(r.status, 400) << r.raw;
    const json error = r.body.is_object() ? r.body.value("error", json::object()) : json::object();
    EXPECT_EQ(error.value("code", ""), "roster_mismatch") << r.raw;
    const std::string message = error.value("message", "");
    EXPECT_NE(message.find(says), std::string::npos) << message;
    EXPECT_EQ(Stored().size, before.roster_size);
    EXPECT_EQ(AuditLength(), before.audit);
  }

  std::optional<std::string> AccessOf(const std::string& collection, const Account& m) {
    std::optional<std::string> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto a = t.GetAccess(collection, m.member_id);
      if (a) out = *a;
      return a || a.error().IsNotFound() ? Status::OK() : a.error();
    }));
    return out;
  }
  vault::Member StoredMember(const Account& m) {
    vault::Member out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto found = t.GetMember(m.member_id);
      if (found) out = *found;
      return found ? Status::OK() : found.error();
    }));
    return out;
  }
  // The collection as stored; NotFound leaves the id empty.
  vault::Collection StoredCollection(const std::string& id) {
    vault::Collection out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto found = t.GetCollection(id);
      if (found) out = *found;
      return found || found.error().IsNotFound() ? Status::OK() : found.error();
    }));
    return out;
  }

  static json With(json body, const json& statements) {
    body["roster"] = statements;
    return body;
  }

  Account owner_;
  Account admin_;
  Account liis_;
  Account juri_;
};

TEST_F(RosterMatchTest, AGrantNeedsTheStatementThatGivesExactlyThatAccess) {
  ASSERT_NO_FATAL_FAILURE(Root());
  const std::string banking = RosteredCollection("Banking");
  const std::string social = RosteredCollection("Social");
  const std::string path = "/v1/collections/" + banking + "/grants";
  const json body{{"member_id", liis_.member_id},
                  {"access", "view"},
                  {"key_version", 1},
                  {"sealed_key", Sealed(banking, liis_)}};
  const Before before = Now();
  ExpectRefused(Call("POST", path, owner_.token, body), before,
                "the team roster does not give Liis view on Banking: send the signed statement");
  // Edit instead of view, another member, another collection.
  for (const roster::CollectionAccessSet& other : {
           roster::CollectionAccessSet{banking, liis_.member_id, CollectionAccess::kEdit},
           roster::CollectionAccessSet{banking, juri_.member_id, CollectionAccess::kView},
           roster::CollectionAccessSet{social, liis_.member_id, CollectionAccess::kView},
       }) {
    ExpectRefused(Call("POST", path, owner_.token, With(body, Statement(owner_, other))), before,
                  "does not give Liis view on Banking");
  }
  EXPECT_FALSE(AccessOf(banking, liis_).has_value());
  EXPECT_FALSE(AccessOf(banking, juri_).has_value());

  const json right = Statement(
      owner_, roster::CollectionAccessSet{banking, liis_.member_id, CollectionAccess::kView});
  Reply ok = Call("POST", path, owner_.token, With(body, right));
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(AccessOf(banking, liis_), "view");
  EXPECT_EQ(Stored().AccessOf(liis_.member_id, banking), CollectionAccess::kView);
  // Retried: the roster agrees already.
  EXPECT_EQ(Call("POST", path, owner_.token, body).status, 200);
  EXPECT_EQ(Stored().size, before.roster_size + 1);
}

TEST_F(RosterMatchTest, ARevokeNeedsTheStatementThatTakesTheAccessAway) {
  ASSERT_NO_FATAL_FAILURE(Root());
  const std::string banking = RosteredCollection("Banking");
  for (const Account* m : {&liis_, &juri_}) {
    Reply r = Call(
        "POST", "/v1/collections/" + banking + "/grants", owner_.token,
        json{{"member_id", m->member_id},
             {"access", "edit"},
             {"key_version", 1},
             {"sealed_key", Sealed(banking, *m)},
             {"roster", Statement(owner_, roster::CollectionAccessSet{banking, m->member_id,
                                                                      CollectionAccess::kEdit})}});
    ASSERT_EQ(r.status, 200) << r.raw;
  }
  const std::string liis_path = "/v1/collections/" + banking + "/grants/" + liis_.member_id;
  const Before before = Now();
  ExpectRefused(Call("DELETE", liis_path, owner_.token), before,
                "the team roster still gives Liis edit on Banking");
  ExpectRefused(
      Call("DELETE", liis_path, owner_.token,
           json{{"roster",
                 Statement(owner_, roster::CollectionAccessSet{banking, juri_.member_id,
                                                               CollectionAccess::kNone})}}),
      before, "still gives Liis edit on Banking");
  EXPECT_EQ(AccessOf(banking, liis_), "edit");
  EXPECT_EQ(AccessOf(banking, juri_), "edit");

  Reply ok = Call(
      "DELETE", liis_path, owner_.token,
      json{{"roster", Statement(owner_, roster::CollectionAccessSet{banking, liis_.member_id,
                                                                    CollectionAccess::kNone})}});
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_FALSE(AccessOf(banking, liis_).has_value());
  EXPECT_EQ(Stored().AccessOf(liis_.member_id, banking), CollectionAccess::kNone);
  // The statement went through on its own before (the change was lost on
  // the way): the change follows without a new one.
  ASSERT_NO_FATAL_FAILURE(Append(
      owner_, roster::CollectionAccessSet{banking, juri_.member_id, CollectionAccess::kNone}));
  Reply retried =
      Call("DELETE", "/v1/collections/" + banking + "/grants/" + juri_.member_id, owner_.token);
  ASSERT_EQ(retried.status, 200) << retried.raw;
  EXPECT_FALSE(AccessOf(banking, juri_).has_value());
}

TEST_F(RosterMatchTest, ACollectionNeedsItsCreateStatementWithItsName) {
  ASSERT_NO_FATAL_FAILURE(Root());
  const std::string id = crypto::RandomId(env_);
  const json body = NewCollectionBody(id, "Banking");
  const Before before = Now();
  ExpectRefused(Call("POST", "/v1/collections", owner_.token, body), before,
                "the team roster has no collection Banking (" + id + ") at key version 1");
  const std::string other = crypto::RandomId(env_);
  collection_keys_.emplace(other, envelope::NewCollectionKey(env_, other));
  for (const roster::CollectionCreate& wrong :
       {CreateStatement(id, "Bank"), CreateStatement(other, "Banking")}) {
    ExpectRefused(
        Call("POST", "/v1/collections", owner_.token, With(body, Statement(owner_, wrong))), before,
        "has no collection Banking");
  }
  EXPECT_TRUE(StoredCollection(id).id.empty());

  Reply ok = Call("POST", "/v1/collections", owner_.token,
                  With(body, Statement(owner_, CreateStatement(id, "Banking"))));
  ASSERT_EQ(ok.status, 201) << ok.raw;
  EXPECT_EQ(StoredCollection(id).name, "Banking");
  EXPECT_EQ(Stored().collections.at(id).name, "Banking");
  // Its statement stored first: the collection follows without one.
  const std::string later = crypto::RandomId(env_);
  const json later_body = NewCollectionBody(later, "Social");
  ASSERT_NO_FATAL_FAILURE(Append(owner_, CreateStatement(later, "Social")));
  Reply retried = Call("POST", "/v1/collections", owner_.token, later_body);
  ASSERT_EQ(retried.status, 201) << retried.raw;
}

TEST_F(RosterMatchTest, ARekeyNeedsTheRosterAtTheNewKeyVersion) {
  ASSERT_NO_FATAL_FAILURE(Root());
  const std::string banking = RosteredCollection("Banking");
  const std::string social = RosteredCollection("Social");
  auto rekey = [&](int64_t version) {
    collection_keys_.insert_or_assign(banking, envelope::NewCollectionKey(env_, banking, version));
    return json{
        {"key_version", version},
        {"member_keys",
         json::array({{{"member_id", owner_.member_id}, {"sealed_key", Sealed(banking, owner_)}}})},
        {"grant_keys", json::array()},
        {"items", json::array()}};
  };
  auto key_statement = [&](const std::string& col, int64_t version) {
    return roster::CollectionKey{
        col, version, *roster::KeyCheckValue(collection_keys_.at(banking).key, col, version)};
  };
  const std::string path = "/v1/collections/" + banking + "/rekey";
  const json v2 = rekey(2);
  const Before before = Now();
  ExpectRefused(Call("POST", path, owner_.token, v2), before,
                "the team roster does not put Banking at key version 2");
  ExpectRefused(
      Call("POST", path, owner_.token, With(v2, Statement(owner_, key_statement(social, 2)))),
      before, "does not put Banking at key version 2");
  EXPECT_EQ(StoredCollection(banking).key_version, 1);
  EXPECT_EQ(Stored().collections.at(social).key_version, 1);

  Reply ok =
      Call("POST", path, owner_.token, With(v2, Statement(owner_, key_statement(banking, 2))));
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(StoredCollection(banking).key_version, 2);
  EXPECT_EQ(Stored().collections.at(banking).key_version, 2);
  // The roster at the old version (2) for a re-key to 3.
  const json v3 = rekey(3);
  const Before at_v2 = Now();
  ExpectRefused(Call("POST", path, owner_.token, v3), at_v2,
                "does not put Banking at key version 3");
  EXPECT_EQ(StoredCollection(banking).key_version, 2);
  ASSERT_NO_FATAL_FAILURE(Append(owner_, key_statement(banking, 3)));
  Reply retried = Call("POST", path, owner_.token, v3);
  ASSERT_EQ(retried.status, 200) << retried.raw;
  EXPECT_EQ(StoredCollection(banking).key_version, 3);
}

TEST_F(RosterMatchTest, ARoleChangeNeedsTheRostersRole) {
  ASSERT_NO_FATAL_FAILURE(Root());
  const std::string path = "/v1/members/" + liis_.member_id;
  const json body{{"role", "admin"}};
  const Before before = Now();
  ExpectRefused(Call("PATCH", path, admin_.token, body), before,
                "the team roster does not make Liis admin");
  for (const roster::MemberRole& other :
       {roster::MemberRole{juri_.member_id, TeamRole::kAdmin},
        roster::MemberRole{liis_.member_id, TeamRole::kAuditor}}) {
    ExpectRefused(Call("PATCH", path, admin_.token, With(body, Statement(admin_, other))), before,
                  "does not make Liis admin");
  }
  EXPECT_EQ(StoredMember(liis_).role, TeamRole::kMember);
  EXPECT_EQ(StoredMember(juri_).role, TeamRole::kMember);

  Reply ok =
      Call("PATCH", path, admin_.token,
           With(body, Statement(admin_, roster::MemberRole{liis_.member_id, TeamRole::kAdmin})));
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(StoredMember(liis_).role, TeamRole::kAdmin);
  EXPECT_EQ(Stored().ActiveMember(liis_.member_id)->role, TeamRole::kAdmin);
  EXPECT_EQ(Call("PATCH", path, admin_.token, body).status, 200);  // retried
  // The roster does not know someone who joined since and was not vouched
  // for: it has no role of theirs to agree with.
  Account kati = Join("member", "Kati");
  EXPECT_EQ(Call("PATCH", "/v1/members/" + kati.member_id, admin_.token, body).status, 200);
}

TEST_F(RosterMatchTest, ARemovalNeedsTheRosterToRemoveTheMember) {
  ASSERT_NO_FATAL_FAILURE(Root());
  const std::string path = "/v1/members/" + liis_.member_id;
  const Before before = Now();
  ExpectRefused(Call("DELETE", path, admin_.token), before,
                "the team roster still has Liis on the team");
  ExpectRefused(Call("DELETE", path, admin_.token,
                     json{{"roster", Statement(admin_, roster::MemberRemove{juri_.member_id})}}),
                before, "still has Liis on the team");
  EXPECT_EQ(StoredMember(liis_).status, vault::MemberStatus::kActive);
  EXPECT_EQ(StoredMember(juri_).status, vault::MemberStatus::kActive);

  Reply ok = Call("DELETE", path, admin_.token,
                  json{{"roster", Statement(admin_, roster::MemberRemove{liis_.member_id})}});
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(StoredMember(liis_).status, vault::MemberStatus::kRemoved);
  EXPECT_EQ(Stored().ActiveMember(liis_.member_id), nullptr);
}

TEST_F(RosterMatchTest, AnEmergencyGrantAndItsEndNeedMatchingStatements) {
  ASSERT_NO_FATAL_FAILURE(Root());
  const std::string banking = RosteredCollection("Banking");
  const std::string social = RosteredCollection("Social");
  const std::string id = crypto::RandomId(env_);
  auto box = envelope::SealForEscrow(collection_keys_.at(banking), liis_.identity->box_public_key(),
                                     keys_->escrow_public_key());
  ASSERT_TRUE(box.has_value());
  const json body{{"id", id},
                  {"deputy_id", liis_.member_id},
                  {"mode", "view"},
                  {"wait_hours", 48},
                  {"keys", json::array({{{"collection_id", banking},
                                         {"key_version", 1},
                                         {"escrow_sealed_key", crypto::ToBase64(*box)}}})}};
  auto stored_grant = [&]() -> std::optional<vault::EmergencyGrant> {
    std::optional<vault::EmergencyGrant> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto g = t.GetEmergencyGrant(id);
      if (g) out = *g;
      return g || g.error().IsNotFound() ? Status::OK() : g.error();
    }));
    return out;
  };
  const Before before = Now();
  const std::string says = "the team roster has no emergency grant " + id +
                           " from you to Liis for view of exactly these collections";
  ExpectRefused(Call("POST", "/v1/emergency/grants", owner_.token, body), before, says);
  using Mode = vault::emergency::GrantMode;
  for (const roster::EmergencyGrant& other : {
           roster::EmergencyGrant{id, liis_.member_id, Mode::kTakeover, {banking}},
           roster::EmergencyGrant{id, juri_.member_id, Mode::kView, {banking}},
           roster::EmergencyGrant{id, liis_.member_id, Mode::kView, {banking, social}},
       }) {
    ExpectRefused(
        Call("POST", "/v1/emergency/grants", owner_.token, With(body, Statement(owner_, other))),
        before, says);
  }
  EXPECT_FALSE(stored_grant().has_value());

  Reply ok = Call(
      "POST", "/v1/emergency/grants", owner_.token,
      With(body,
           Statement(owner_, roster::EmergencyGrant{id, liis_.member_id, Mode::kView, {banking}})));
  ASSERT_EQ(ok.status, 201) << ok.raw;
  ASSERT_TRUE(stored_grant().has_value());
  EXPECT_TRUE(Stored().grants.at(id).active);

  const std::string path = "/v1/emergency/grants/" + id;
  const Before granted = Now();
  ExpectRefused(Call("DELETE", path, owner_.token), granted,
                "the team roster still has emergency grant " + id + " in force");
  EXPECT_EQ(stored_grant()->status, vault::emergency::GrantStatus::kActive);
  Reply ended = Call("DELETE", path, owner_.token,
                     json{{"roster", Statement(owner_, roster::EmergencyEnd{id})}});
  ASSERT_EQ(ended.status, 200) << ended.raw;
  EXPECT_EQ(stored_grant()->status, vault::emergency::GrantStatus::kRevoked);
  EXPECT_FALSE(Stored().grants.at(id).active);
}

TEST_F(RosterMatchTest, AnInviteFromARosteredMemberNeedsTheirInviteStatement) {
  ASSERT_NO_FATAL_FAILURE(Root());
  const json body{{"role", "member"}, {"name", "Kati"}};
  crypto::PublicKey invite_pk{};
  invite_pk.fill(7);
  const Before before = Now();
  ExpectRefused(Call("POST", "/v1/invites", admin_.token, body), before,
                "the team roster has no invite of yours for the role member");
  ExpectRefused(
      Call("POST", "/v1/invites", admin_.token,
           With(body, Statement(admin_, roster::MemberInvite{invite_pk, TeamRole::kAdmin}))),
      before, "has no invite of yours for the role member");
  Reply ok =
      Call("POST", "/v1/invites", admin_.token,
           With(body, Statement(admin_, roster::MemberInvite{invite_pk, TeamRole::kMember})));
  ASSERT_EQ(ok.status, 201) << ok.raw;
  EXPECT_TRUE(Stored().invites.contains(invite_pk));
  // Someone the roster does not know cannot sign one: their invitee is
  // vouched for later.
  Account kati = Join("admin", "Kati");
  EXPECT_EQ(Call("POST", "/v1/invites", kati.token, body).status, 201);
}

TEST_F(RosterMatchTest, ALegacyTeamNeedsNoStatements) {
  const std::string col = CreateCollection(owner_, "Banking");
  ASSERT_EQ(Grant(owner_, col, liis_, "view").status, 200);
  EXPECT_EQ(
      Call("DELETE", "/v1/collections/" + col + "/grants/" + liis_.member_id, owner_.token).status,
      200);
  EXPECT_EQ(
      Call("PATCH", "/v1/members/" + juri_.member_id, admin_.token, json{{"role", "admin"}}).status,
      200);
  EXPECT_EQ(
      Call("POST", "/v1/invites", admin_.token, json{{"role", "member"}, {"name", "Kati"}}).status,
      201);
  EXPECT_EQ(Call("DELETE", "/v1/members/" + liis_.member_id, admin_.token).status, 200);
  EXPECT_EQ(StoredMember(juri_).role, TeamRole::kAdmin);
  EXPECT_EQ(Stored().size, 0u);
}

}  // namespace
