// The team roster over HTTP (docs/api.md "Team roster"): entries are
// appended and read back as signed, a stale one is 409 conflict, and the
// server refuses (and stores nothing of) what Apply or its own checks
// refuse, together with the change that carried it. Also the key checks
// that come with the roster: the escrow key's signature, no replacing a
// holder's key, no update under an old key version.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server_fixture.h"
#include "test_util.h"
#include "vault/api_json.h"
#include "vault/api_json_roster.h"
#include "vault/envelope.h"
#include "vault/roster.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
using vault::Status;
using vault::TeamRole;
namespace crypto = vault::crypto;
namespace envelope = vault::envelope;
namespace roster = vault::roster;

class RosterApiTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    owner_ = Join("owner", "Mari");
    admin_ = Join("admin", "Ants");
    member_ = Join("member", "Jüri");
  }

  // The roster as the server has it, verified.
  roster::State Fetch() {
    Reply r = Call("GET", "/v1/roster", owner_.token);
    EXPECT_EQ(r.status, 200) << r.raw;
    auto page = vault::api::RosterPageFromJson(r.body, "GET /v1/roster");
    EXPECT_TRUE(page.has_value());
    if (!page) return {};
    auto state = roster::Replay(page->entries);
    EXPECT_TRUE(state.has_value()) << state.error().ToString();
    return state.value_or(roster::State{});
  }

  roster::Entry Sign(const Account& a, const roster::State& after, roster::Body body) {
    roster::Entry e;
    e.statement = roster::Encode(roster::Next(after, a.member_id, 1, std::move(body)));
    e.signature = *crypto::Sign(a.identity->signing(), e.statement);
    return e;
  }
  roster::Entry Sign(const Account& a, roster::Body body) { return Sign(a, Fetch(), body); }

  Reply Post(const Account& a, const std::vector<roster::Entry>& entries) {
    return Call("POST", "/v1/roster", a.token,
                json{{"entries", vault::api::RosterEntriesToJson(entries)}});
  }

  roster::TeamCreate Genesis(const Account& a) {
    return {a.identity->signing_public_key(), a.identity->box_public_key(), "Mari",
            keys_->audit_public_key(), keys_->escrow_public_key()};
  }
  roster::MemberAdd Vouch(const Account& a, TeamRole role) {
    return {a.member_id, a.identity->signing_public_key(), a.identity->box_public_key(), role,
            a.role};
  }
  // The team rooted by the owner, with the admin and the member vouched for.
  void Root() {
    ASSERT_EQ(Post(owner_, {Sign(owner_, Genesis(owner_))}).status, 201);
    ASSERT_EQ(Post(owner_, {Sign(owner_, Vouch(admin_, TeamRole::kAdmin))}).status, 201);
    ASSERT_EQ(Post(owner_, {Sign(owner_, Vouch(member_, TeamRole::kMember))}).status, 201);
  }

  // A collection created by the owner with its collection.create entry.
  std::string CreateRosteredCollection() {
    const std::string id = crypto::RandomId(env_);
    auto key = envelope::NewCollectionKey(env_, id);
    auto kcv = roster::KeyCheckValue(key.key, id, 1);
    EXPECT_TRUE(kcv.has_value());
    auto box = envelope::SealCollectionKey(key, owner_.identity->box_public_key());
    const roster::Entry e = Sign(owner_, roster::CollectionCreate{id, "Social", 1, *kcv});
    Reply r = Call("POST", "/v1/collections", owner_.token,
                   json{{"id", id},
                        {"name", "Social"},
                        {"sealed_key", crypto::ToBase64(*box)},
                        {"roster", AsJson({e})}});
    EXPECT_EQ(r.status, 201) << r.raw;
    collection_keys_.emplace(id, std::move(key));
    return id;
  }

  std::optional<std::string> AccessOf(const std::string& collection, const std::string& member) {
    std::optional<std::string> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto a = t.GetAccess(collection, member);
      if (a) out = *a;
      return a || a.error().IsNotFound() ? Status::OK() : a.error();
    }));
    return out;
  }

  static json AsJson(const std::vector<roster::Entry>& entries) {
    return vault::api::RosterEntriesToJson(entries);
  }

  static void ExpectError(const Reply& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.raw;
    EXPECT_EQ(r.body["error"]["code"], code) << r.raw;
  }

  Account owner_;
  Account admin_;
  Account member_;
};

TEST_F(RosterApiTest, EntriesAreAppendedAuditedAndReadBackAsSigned) {
  Reply empty = Call("GET", "/v1/roster", member_.token);
  ASSERT_EQ(empty.status, 200) << empty.raw;
  EXPECT_EQ(empty.body["size"], 0);
  EXPECT_EQ(empty.body["team_id"], "");

  const int64_t audit_before = AuditLength();
  const roster::Entry genesis = Sign(owner_, Genesis(owner_));
  Reply first = Post(owner_, {genesis});
  ASSERT_EQ(first.status, 201) << first.raw;
  EXPECT_EQ(first.body["size"], 1);
  EXPECT_EQ(first.body["head"], crypto::ToHex(roster::EntryHash(genesis)));
  ASSERT_EQ(Post(owner_, {Sign(owner_, Vouch(admin_, TeamRole::kAdmin))}).status, 201);
  EXPECT_EQ(AuditLength(), audit_before + 2);

  // Everyone reads it, from any seq.
  Reply all = Call("GET", "/v1/roster", member_.token);
  ASSERT_EQ(all.status, 200);
  auto page = vault::api::RosterPageFromJson(all.body, "GET /v1/roster");
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  EXPECT_EQ(page->size, 2u);
  EXPECT_EQ(page->team_id, roster::EntryHash(genesis));
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].statement, genesis.statement);
  EXPECT_EQ(page->entries[0].signature, genesis.signature);
  ASSERT_OK_AND_ASSIGN(roster::State state, roster::Replay(page->entries));
  EXPECT_EQ(page->head, state.head);
  Reply tail = Call("GET", "/v1/roster?from=1", member_.token);
  ASSERT_EQ(tail.status, 200);
  EXPECT_EQ(tail.body["entries"].size(), 1u);
  EXPECT_EQ(tail.body["size"], 2);
  EXPECT_EQ(Call("GET", "/v1/roster?from=-1", member_.token).status, 400);
  EXPECT_EQ(Call("GET", "/v1/roster?from=x", member_.token).status, 400);

  // The audit log names each entry by seq, kind and hash.
  std::vector<vault::audit::Event> events;
  ASSERT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
    auto page_events = t.ReadAudit(audit_before + 1, 10);
    if (page_events) events = *page_events;
    return page_events ? Status::OK() : page_events.error();
  }));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "roster.append");
  const json details = json::parse(events[1].details);
  EXPECT_EQ(details["seq"], 1);
  EXPECT_EQ(details["kind"], "member.add");
  EXPECT_EQ(details["hash"], crypto::ToHex(state.head));
}

TEST_F(RosterApiTest, AStaleEntryIs409ConflictAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Root());
  const roster::State state = Fetch();
  const roster::Entry a =
      Sign(owner_, state, roster::MemberRole{member_.member_id, TeamRole::kAdmin});
  const roster::Entry b =
      Sign(admin_, state, roster::MemberRole{member_.member_id, TeamRole::kAuditor});
  ASSERT_EQ(Post(owner_, {a}).status, 201);
  const int64_t audit = AuditLength();
  ExpectError(Post(admin_, {b}), 409, "conflict");
  // The same on a route that carries roster entries.
  ExpectError(Call("PATCH", "/v1/members/" + member_.member_id, admin_.token,
                   json{{"role", "auditor"}, {"roster", AsJson({b})}}),
              409, "conflict");
  EXPECT_EQ(AuditLength(), audit);
  EXPECT_EQ(Fetch().size, state.size + 1);
}

TEST_F(RosterApiTest, RefusedEntriesAreNotStored) {
  // A team.create naming another escrow key, or by a non-owner.
  roster::TeamCreate wrong_escrow = Genesis(owner_);
  wrong_escrow.escrow_pk[0] ^= 1;
  ExpectError(Post(owner_, {Sign(owner_, wrong_escrow)}), 403, "permission_denied");
  roster::TeamCreate by_admin = Genesis(admin_);
  ExpectError(Post(admin_, {Sign(admin_, by_admin)}), 403, "permission_denied");
  ASSERT_NO_FATAL_FAILURE(Root());
  const roster::State state = Fetch();
  const int64_t audit = AuditLength();

  // Someone else's statement sent by the admin.
  ExpectError(Post(admin_, {Sign(owner_, state, roster::MemberRemove{member_.member_id})}), 403,
              "permission_denied");
  // A bad signature.
  roster::Entry forged = Sign(admin_, state, roster::MemberRemove{member_.member_id});
  forged.signature[0] ^= 1;
  ExpectError(Post(admin_, {forged}), 403, "permission_denied");
  // What the signer may not sign: an admin inviting an owner.
  crypto::PublicKey invite_pk{};
  invite_pk.fill(4);
  ExpectError(
      Post(admin_, {Sign(admin_, state, roster::MemberInvite{invite_pk, TeamRole::kOwner})}), 403,
      "permission_denied");
  // A vouch for keys the server did not store for that member.
  roster::MemberAdd swapped = Vouch(member_, TeamRole::kMember);
  swapped.member_id = crypto::RandomId(env_);
  ExpectError(Post(owner_, {Sign(owner_, state, swapped)}), 403, "permission_denied");
  // Malformed entries.
  roster::Entry garbage{crypto::Bytes{1, 2, 3}, {}};
  ExpectError(Post(owner_, {garbage}), 400, "bad_request");
  ExpectError(Call("POST", "/v1/roster", owner_.token, json{{"entries", json::array()}}), 400,
              "bad_request");
  ExpectError(Call("POST", "/v1/roster", owner_.token,
                   json{{"entries", json::array({json{{"statement", "AA=="}}})}}),
              400, "bad_request");
  EXPECT_EQ(AuditLength(), audit);
  EXPECT_EQ(Fetch().head, state.head);
}

// Attack 1: an admin who does not manage a collection grants it to
// themselves, or re-keys it, with a statement of their own.
TEST_F(RosterApiTest, ARogueAdminsGrantOrRekeyOfAnUnmanagedCollectionIsRefused) {
  ASSERT_NO_FATAL_FAILURE(Root());
  const std::string col = CreateRosteredCollection();
  const roster::State state = Fetch();
  const int64_t audit = AuditLength();
  auto box =
      envelope::SealCollectionKey(collection_keys_.at(col), admin_.identity->box_public_key());
  const roster::Entry grant =
      Sign(admin_, state,
           roster::CollectionAccessSet{col, admin_.member_id, vault::CollectionAccess::kManage});
  ExpectError(Call("POST", "/v1/collections/" + col + "/grants", admin_.token,
                   json{{"member_id", admin_.member_id},
                        {"access", "manage"},
                        {"key_version", 1},
                        {"sealed_key", crypto::ToBase64(*box)},
                        {"roster", AsJson({grant})}}),
              403, "permission_denied");
  EXPECT_FALSE(AccessOf(col, admin_.member_id).has_value());

  auto next = envelope::NewCollectionKey(env_, col, 2);
  auto next_box = envelope::SealCollectionKey(next, admin_.identity->box_public_key());
  const roster::Entry rekey =
      Sign(admin_, state, roster::CollectionKey{col, 2, *roster::KeyCheckValue(next.key, col, 2)});
  ExpectError(
      Call("POST", "/v1/collections/" + col + "/rekey", admin_.token,
           json{{"key_version", 2},
                {"member_keys", json::array({{{"member_id", admin_.member_id},
                                              {"sealed_key", crypto::ToBase64(*next_box)}}})},
                {"grant_keys", json::array()},
                {"items", json::array()},
                {"roster", AsJson({rekey})}}),
      403, "permission_denied");
  EXPECT_EQ(AuditLength(), audit);
  EXPECT_EQ(Fetch().head, state.head);
  vault::Collection stored;
  ASSERT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
    auto c = t.GetCollection(col);
    if (c) stored = *c;
    return c ? Status::OK() : c.error();
  }));
  EXPECT_EQ(stored.key_version, 1);
}

TEST_F(RosterApiTest, AGrantAndItsStatementStandOrFallTogether) {
  ASSERT_NO_FATAL_FAILURE(Root());
  const std::string col = CreateRosteredCollection();
  const roster::State state = Fetch();
  const int64_t audit = AuditLength();
  auto box =
      envelope::SealCollectionKey(collection_keys_.at(col), member_.identity->box_public_key());
  auto grant_body = [&](const roster::Entry& e) {
    return json{{"member_id", member_.member_id},
                {"access", "view"},
                {"key_version", 1},
                {"sealed_key", crypto::ToBase64(*box)},
                {"roster", AsJson({e})}};
  };
  // The statement is refused (signed by someone who does not manage the
  // collection): the grant is not made.
  const roster::Entry refused =
      Sign(member_, state,
           roster::CollectionAccessSet{col, member_.member_id, vault::CollectionAccess::kView});
  ExpectError(Call("POST", "/v1/collections/" + col + "/grants", owner_.token, grant_body(refused)),
              403, "permission_denied");
  EXPECT_FALSE(AccessOf(col, member_.member_id).has_value());
  // The statement is fine but the grant fails (no such collection in the
  // path): the statement is not stored either.
  const roster::Entry fine =
      Sign(owner_, state,
           roster::CollectionAccessSet{col, member_.member_id, vault::CollectionAccess::kView});
  Reply missing = Call("POST", "/v1/collections/" + crypto::RandomId(env_) + "/grants",
                       owner_.token, grant_body(fine));
  EXPECT_GE(missing.status, 400) << missing.raw;
  EXPECT_EQ(AuditLength(), audit);
  EXPECT_EQ(Fetch().head, state.head);
  // Both fine: both stored.
  Reply ok = Call("POST", "/v1/collections/" + col + "/grants", owner_.token, grant_body(fine));
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(AccessOf(col, member_.member_id), "view");
  EXPECT_EQ(Fetch().AccessOf(member_.member_id, col), vault::CollectionAccess::kView);
}

TEST_F(RosterApiTest, TheEscrowKeyIsSignedByTheAuditKey) {
  Reply r = Call("GET", "/v1/server");
  ASSERT_EQ(r.status, 200) << r.raw;
  auto info = vault::api::ServerInfoFromJson(r.body, "GET /v1/server");
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  ASSERT_TRUE(info->escrow_key_signature.has_value());
  EXPECT_OK(crypto::Verify(info->audit_public_key,
                           vault::api::EscrowKeyMessage(info->escrow_public_key),
                           *info->escrow_key_signature));
  crypto::PublicKey other = info->escrow_public_key;
  other[0] ^= 1;
  EXPECT_FALSE(crypto::Verify(info->audit_public_key, vault::api::EscrowKeyMessage(other),
                              *info->escrow_key_signature)
                   .ok());
}

TEST_F(RosterApiTest, GrantDoesNotReplaceAHoldersKey) {
  const std::string col = CreateCollection(owner_, "Ads");
  const auto& key = collection_keys_.at(col);
  auto first = envelope::SealCollectionKey(key, member_.identity->box_public_key());
  auto second = envelope::SealCollectionKey(key, member_.identity->box_public_key());
  ASSERT_NE(*first, *second);  // sealed boxes are randomised
  auto grant = [&](const std::string& access, const std::vector<uint8_t>* sealed) {
    json body{{"member_id", member_.member_id}, {"access", access}, {"key_version", 1}};
    if (sealed != nullptr) body["sealed_key"] = crypto::ToBase64(*sealed);
    return Call("POST", "/v1/collections/" + col + "/grants", owner_.token, body);
  };
  ASSERT_EQ(grant("view", &*first).status, 200);
  // Another box for the version they hold: refused, theirs is kept.
  ExpectError(grant("edit", &*second), 409, "conflict");
  Reply held = Call("GET", "/v1/collections/" + col + "/key", member_.token);
  ASSERT_EQ(held.status, 200) << held.raw;
  EXPECT_EQ(held.body["sealed_key"], crypto::ToBase64(*first));
  EXPECT_EQ(AccessOf(col, member_.member_id), "view");
  // An access change alone keeps the key; the same box again is fine too.
  ASSERT_EQ(grant("edit", nullptr).status, 200);
  ASSERT_EQ(grant("manage", &*first).status, 200);
  EXPECT_EQ(AccessOf(col, member_.member_id), "manage");
  held = Call("GET", "/v1/collections/" + col + "/key", member_.token);
  EXPECT_EQ(held.body["sealed_key"], crypto::ToBase64(*first));
  // Without a key, for someone who holds none: refused.
  ExpectError(Call("POST", "/v1/collections/" + col + "/grants", owner_.token,
                   json{{"member_id", admin_.member_id}, {"access", "view"}, {"key_version", 1}}),
              400, "invalid_argument");
}

TEST_F(RosterApiTest, AnUpdateUnderAnOldKeyVersionIs409) {
  const std::string col = CreateCollection(owner_, "Ads");
  std::string item;
  ASSERT_EQ(CreateItem(owner_, col, "Page", "pw-1", &item).status, 201);
  // Re-keyed to version 2 (directly: the route's own checks are tested
  // elsewhere).
  auto next = envelope::NewCollectionKey(env_, col, 2);
  auto box = envelope::SealCollectionKey(next, owner_.identity->box_public_key());
  ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
    vault::WriteTxn::Rekey r;
    r.collection_id = col;
    r.key_version = 2;
    r.member_keys = {{owner_.member_id, *box}};
    r.items = {{item, 1, {1, 2, 3}}};
    return t.RekeyCollection({"server"}, r);
  }));
  const std::string path = "/v1/items/" + item;
  const json stale{{"expected_version", 2}, {"ciphertext", "AAAA"}, {"key_version", 1}};
  ExpectError(Call("PUT", path, owner_.token, stale), 409, "conflict");
  ExpectError(Call("POST", path + "/rotation", owner_.token, stale), 409, "conflict");
  // The stale write changed nothing; under the current key it goes through.
  json current = stale;
  current["key_version"] = 2;
  Reply ok = Call("PUT", path, owner_.token, current);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(ok.body["version"], 3);
  // Without key_version, as before the roster.
  EXPECT_EQ(
      Call("PUT", path, owner_.token, json{{"expected_version", 3}, {"ciphertext", "AAAA"}}).status,
      200);
}

TEST_F(RosterApiTest, AJoinerSignsTheirOwnJoinWithTheInviteKey) {
  ASSERT_NO_FATAL_FAILURE(Root());
  vault::SecureBuffer secret(16);
  secret.data()[3] = 9;
  ASSERT_OK_AND_ASSIGN(crypto::SigningKeyPair invite, roster::InviteKeyPair(secret));
  const roster::Entry vouch =
      Sign(admin_, roster::MemberInvite{invite.public_key, TeamRole::kMember});
  Reply invited = Call("POST", "/v1/invites", admin_.token,
                       json{{"role", "member"}, {"name", "Kati"}, {"roster", AsJson({vouch})}});
  ASSERT_EQ(invited.status, 201) << invited.raw;
  Account kati = Join("member", "Kati");
  const roster::State state = Fetch();
  const crypto::Bytes msg =
      roster::JoinMessage(state.team_id, kati.member_id, kati.identity->signing_public_key(),
                          kati.identity->box_public_key());
  const roster::Entry join =
      Sign(kati, state,
           roster::MemberJoin{invite.public_key, kati.identity->signing_public_key(),
                              kati.identity->box_public_key(), "Kati", *crypto::Sign(invite, msg)});
  ASSERT_EQ(Post(kati, {join}).status, 201);
  ASSERT_NE(Fetch().ActiveMember(kati.member_id), nullptr);
}

}  // namespace
