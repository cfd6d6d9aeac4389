// The team recovery key over HTTPS (docs/api.md "Recovery"): owners set it
// up with their custodians' check values, anyone checks a share, members
// who manage a collection add its recovery copy, and every refusal leaves
// the store as it was.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backup/age.h"
#include "server_fixture.h"
#include "test_util.h"
#include "vault/api_json_recovery.h"
#include "vault/api_json_roster.h"
#include "vault/envelope.h"
#include "vault/recovery_store.h"
#include "vault/roster.h"
#include "vault/time_format.h"

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

// A recovery box pair, as a master secret would derive one.
crypto::BoxKeyPair NewRecoveryBox(vault::Env& env) {
  vault::SecureBuffer seed(32);
  const crypto::Bytes random = crypto::RandomBytes(env, seed.size());
  std::copy(random.begin(), random.end(), seed.data());
  auto pair = crypto::BoxKeyPairFromSeed(seed);
  EXPECT_TRUE(pair.has_value());
  return std::move(*pair);
}

class RecoveryApiTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    owner_ = Join("owner", "Mari");
    admin_ = Join("admin", "Ants");
    member_ = Join("member", "Jüri");
    auditor_ = Join("auditor", "Tiiu");
    box_ = NewRecoveryBox(env_);
    age_ = backup::age::Identity::Generate(env_).recipient().Format();
  }

  crypto::Hash CheckKey() {
    Reply r = Call("GET", "/v1/recovery/check-key", member_.token);
    EXPECT_EQ(r.status, 200) << r.raw;
    auto a = vault::api::RecoveryCheckKeyFromJson(r.body, "GET /v1/recovery/check-key");
    EXPECT_TRUE(a.has_value());
    return a ? a->check_key : crypto::Hash{};
  }
  // What a client sends for a share: the keyed hash of its words.
  crypto::Hash CheckOf(const std::string& share) {
    const crypto::Hash key = CheckKey();
    vault::SecureBuffer k(key.size());
    std::copy(key.begin(), key.end(), k.data());
    auto h = crypto::Blake2b256Keyed(k, crypto::AsBytes(share));
    EXPECT_TRUE(h.has_value());
    return h.value_or(crypto::Hash{});
  }
  // A body for K of N shares, share i's words being "share <i>".
  json SetupBody(int64_t k, int64_t n) {
    json shares = json::array();
    for (int64_t i = 1; i <= n; ++i) {
      shares.push_back({{"index", i},
                        {"custodian", "Custodian " + std::to_string(i)},
                        {"check", crypto::ToBase64(CheckOf("share " + std::to_string(i)))}});
    }
    return {{"recovery_public_key", crypto::ToBase64(box_.public_key)},
            {"age_recipient", age_},
            {"threshold", k},
            {"shares", shares}};
  }
  json CheckBody(int64_t index, const std::string& share) {
    return {{"index", index}, {"check", crypto::ToBase64(CheckOf(share))}};
  }

  std::optional<std::string> Setting(const std::string& key) {
    std::optional<std::string> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto v = t.GetSetting(key);
      if (!v) return v.error();
      out = *v;
      return Status::OK();
    }));
    return out;
  }
  vault::recovery::State Stored() {
    vault::recovery::State out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto s = vault::recovery::GetState(t);
      if (!s) return s.error();
      out = std::move(*s);
      return Status::OK();
    }));
    return out;
  }
  std::vector<vault::audit::Event> EventsFrom(int64_t seq) {
    std::vector<vault::audit::Event> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto page = t.ReadAudit(seq, 1000);
      if (!page) return page.error();
      out = std::move(*page);
      return Status::OK();
    }));
    return out;
  }
  std::vector<vault::audit::Event> EventsNamed(const std::string& action) {
    std::vector<vault::audit::Event> out;
    for (auto& e : EventsFrom(1)) {
      if (e.action == action) out.push_back(std::move(e));
    }
    return out;
  }
  vault::api::RecoveryStatus Status_(const Account& who) {
    Reply r = Call("GET", "/v1/recovery", who.token);
    EXPECT_EQ(r.status, 200) << r.raw;
    auto s = vault::api::RecoveryStatusFromJson(r.body, "GET /v1/recovery");
    EXPECT_TRUE(s.has_value());
    return s.value_or(vault::api::RecoveryStatus{});
  }
  // The store's state a refused request must leave alone.
  void ExpectNotSetUp() {
    EXPECT_EQ(Setting("recovery_public_key"), std::nullopt);
    EXPECT_EQ(Setting("recovery_age_recipient"), std::nullopt);
    EXPECT_EQ(Stored().threshold, 0);
    EXPECT_TRUE(Stored().shares.empty());
    EXPECT_TRUE(EventsNamed("recovery.setup").empty());
  }
  Reply PostCopy(const Account& who, const std::string& collection, int64_t version,
                 const crypto::PublicKey& to) {
    auto box = envelope::SealCollectionKey(collection_keys_.at(collection), to);
    EXPECT_TRUE(box.has_value());
    return Call("POST", "/v1/collections/" + collection + "/recovery-key", who.token,
                json{{"key_version", version}, {"recovery_sealed_key", crypto::ToBase64(*box)}});
  }

  Account owner_, admin_, member_, auditor_;
  crypto::BoxKeyPair box_;
  std::string age_;
};

TEST_F(RecoveryApiTest, OwnerSetsUpAndEveryReaderSeesIt) {
  Reply r = Call("PUT", "/v1/recovery", owner_.token, SetupBody(3, 5));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(Setting("recovery_public_key"), crypto::ToBase64(box_.public_key));
  EXPECT_EQ(Setting("recovery_age_recipient"), age_);
  Reply info = Call("GET", "/v1/server");
  EXPECT_EQ(info.body["recovery_public_key"], crypto::ToBase64(box_.public_key));
  for (const Account* who : {&owner_, &admin_, &auditor_}) {
    auto s = Status_(*who);
    EXPECT_EQ(s.threshold, 3);
    ASSERT_EQ(s.shares.size(), 5u);
    EXPECT_EQ(s.shares[2].index, 3);
    EXPECT_EQ(s.shares[2].custodian, "Custodian 3");
    EXPECT_EQ(s.shares[2].last_checked_ms, std::nullopt);
    EXPECT_EQ(s.check_key, CheckKey());  // drawn once, the same ever after
  }
  const auto setup = EventsNamed("recovery.setup");
  ASSERT_EQ(setup.size(), 1u);
  EXPECT_EQ(setup[0].actor, owner_.member_id);
  EXPECT_EQ(json::parse(setup[0].details)["threshold"], 3);
  EXPECT_EQ(json::parse(setup[0].details)["shares"], 5);
}

TEST_F(RecoveryApiTest, MembersMayNotReadTheSetUp) {
  EXPECT_EQ(Call("GET", "/v1/recovery", member_.token).status, 403);
}

TEST_F(RecoveryApiTest, OnlyAnOwnerSetsUpAndARefusalChangesNothing) {
  for (const Account* who : {&admin_, &member_, &auditor_}) {
    Reply r = Call("PUT", "/v1/recovery", who->token, SetupBody(2, 3));
    EXPECT_EQ(r.status, 403) << who->role << " " << r.raw;
  }
  ExpectNotSetUp();
}

TEST_F(RecoveryApiTest, BadSetUpsAreRefusedAndChangeNothing) {
  struct Case {
    const char* what;
    std::function<void(json&)> spoil;
    const char* says;
  };
  const std::vector<Case> cases =
      {
          {"threshold over the shares", [](json& b) { b["threshold"] = 4; }, "more than the 3"},
          {"threshold 1", [](json& b) { b["threshold"] = 1; }, "at least 2"},
          {"17 shares",
           [](json& b) {
    for (int i = 4; i <= 17; ++i) {
      json s = b["shares"][0];
      s["index"] = i;
      b["shares"].push_back(s);
    }
           },
           "at most 16"},
          {"an index twice", [](json& b) { b["shares"][1]["index"] = 1; }, "given twice"},
          {"index 0", [](json& b) { b["shares"][0]["index"] = 0; }, "not 1 to 3"},
          {"an empty custodian", [](json& b) { b["shares"][0]["custodian"] = ""; }, "custodian"},
          {"a control character", [](json& b) { b["shares"][0]["custodian"] = "Mari\x1b[2J"; },
           "control"},
          {"a short check", [](json& b) { b["shares"][0]["check"] = "AAAA"; }, "check"},
          {"a bad age recipient", [](json& b) { b["age_recipient"] = "age1notarecipient"; },
           "age_recipient"},
          {"a short key", [](json& b) { b["recovery_public_key"] = "AAAA"; },
           "recovery_public_key"},
          {"no shares", [](json& b) { b.erase("shares"); }, "shares"},
  };
  for (const Case& c : cases) {
    json body = SetupBody(2, 3);
    c.spoil(body);
    Reply r = Call("PUT", "/v1/recovery", owner_.token, body);
    EXPECT_EQ(r.status, 400) << c.what << ": " << r.raw;
    EXPECT_NE(r.body["error"]["message"].get<std::string>().find(c.says), std::string::npos)
        << c.what << ": " << r.raw;
  }
  ExpectNotSetUp();
}

TEST_F(RecoveryApiTest, ACheckMatchesOnlyTheRightShareAndIsRecorded) {
  ASSERT_EQ(Call("PUT", "/v1/recovery", owner_.token, SetupBody(3, 5)).status, 200);
  env_.AdvanceTime(std::chrono::hours(5));
  const int64_t now_ms = vault::ToUnixMs(env_.Now());

  Reply wrong = Call("POST", "/v1/recovery/check", member_.token, CheckBody(3, "share 4"));
  ASSERT_EQ(wrong.status, 200) << wrong.raw;
  EXPECT_EQ(wrong.body["matches"], false);
  EXPECT_EQ(Stored().shares[2].last_checked_ms, std::nullopt);

  Reply right = Call("POST", "/v1/recovery/check", member_.token, CheckBody(3, "share 3"));
  ASSERT_EQ(right.status, 200) << right.raw;
  auto a = vault::api::RecoveryCheckAnswerFromJson(right.body, "POST /v1/recovery/check");
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->matches);
  EXPECT_EQ(a->index, 3);
  EXPECT_EQ(a->shares, 5);
  EXPECT_EQ(a->threshold, 3);
  EXPECT_EQ(Status_(owner_).shares[2].last_checked_ms, now_ms);
  EXPECT_EQ(Status_(owner_).shares[1].last_checked_ms, std::nullopt);

  // An index the set lacks, as a share of a larger set has.
  Reply other = Call("POST", "/v1/recovery/check", member_.token, CheckBody(9, "share 3"));
  EXPECT_EQ(other.body["matches"], false) << other.raw;

  const auto checks = EventsNamed("recovery.check");
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].actor, member_.member_id);
  EXPECT_EQ(json::parse(checks[0].details), json({{"index", 3}, {"matches", false}}));
  EXPECT_EQ(json::parse(checks[1].details), json({{"index", 3}, {"matches", true}}));
  EXPECT_EQ(json::parse(checks[2].details), json({{"index", 9}, {"matches", false}}));
}

TEST_F(RecoveryApiTest, BadChecksAreRefused) {
  Reply before = Call("POST", "/v1/recovery/check", member_.token, CheckBody(1, "share 1"));
  EXPECT_EQ(before.status, 409) << before.raw;  // nothing set up to check against
  ASSERT_EQ(Call("PUT", "/v1/recovery", owner_.token, SetupBody(2, 3)).status, 200);
  for (const json& body : {json{{"index", 0}, {"check", crypto::ToBase64(crypto::Hash{})}},
                           json{{"index", 17}, {"check", crypto::ToBase64(crypto::Hash{})}},
                           json{{"index", 1}, {"check", "AAAA"}}, json{{"index", 1}}}) {
    Reply r = Call("POST", "/v1/recovery/check", member_.token, body);
    EXPECT_EQ(r.status, 400) << body.dump() << " " << r.raw;
  }
  EXPECT_TRUE(EventsNamed("recovery.check").empty());
}

TEST_F(RecoveryApiTest, WrongChecksAreRateLimitedPerMember) {
  ASSERT_EQ(Call("PUT", "/v1/recovery", owner_.token, SetupBody(2, 3)).status, 200);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Call("POST", "/v1/recovery/check", member_.token, CheckBody(1, "guess")).status, 200);
  }
  Reply limited = Call("POST", "/v1/recovery/check", member_.token, CheckBody(1, "share 1"));
  EXPECT_EQ(limited.status, 429) << limited.raw;
  EXPECT_FALSE(limited.retry_after.empty());
  // Another member is not held up by the guesser.
  EXPECT_EQ(
      Call("POST", "/v1/recovery/check", admin_.token, CheckBody(1, "share 1")).body["matches"],
      true);
  env_.AdvanceTime(std::chrono::hours(1) + std::chrono::seconds(1));
  EXPECT_EQ(
      Call("POST", "/v1/recovery/check", member_.token, CheckBody(1, "share 1")).body["matches"],
      true);
}

TEST_F(RecoveryApiTest, RecoveryCopiesAreForTheCurrentKeyOfManagers) {
  const std::string col = CreateCollection(owner_, "Sotsiaalmeedia");
  // No recovery key yet: nothing to seal to.
  EXPECT_EQ(PostCopy(owner_, col, 1, box_.public_key).status, 409);
  ASSERT_EQ(Call("PUT", "/v1/recovery", owner_.token, SetupBody(2, 3)).status, 200);
  auto before = Status_(owner_);
  ASSERT_EQ(before.unsealed.size(), 1u);
  EXPECT_EQ(before.unsealed[0].id, col);
  EXPECT_EQ(before.unsealed[0].key_version, 1);

  ASSERT_EQ(Grant(owner_, col, member_, "edit").status, 200);
  EXPECT_EQ(PostCopy(member_, col, 1, box_.public_key).status, 403);  // edit is not manage
  EXPECT_EQ(PostCopy(owner_, col, 2, box_.public_key).status, 409);   // not the current version
  EXPECT_EQ(Status_(owner_).unsealed.size(), 1u);

  // A member with edit access has nothing to seal; with manage, they do.
  EXPECT_TRUE(Call("GET", "/v1/recovery/unsealed", member_.token).body["unsealed"].empty());
  Account manager = Join("member", "Kati");
  ASSERT_EQ(Grant(owner_, col, manager, "manage").status, 200);
  Reply mine = Call("GET", "/v1/recovery/unsealed", manager.token);
  ASSERT_EQ(mine.body["unsealed"].size(), 1u) << mine.raw;
  EXPECT_EQ(mine.body["unsealed"][0]["id"], col);
  Reply ok = PostCopy(manager, col, 1, box_.public_key);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_TRUE(Status_(owner_).unsealed.empty());
  EXPECT_TRUE(Call("GET", "/v1/recovery/unsealed", manager.token).body["unsealed"].empty());
  const auto copies = EventsNamed("collection.recovery_key");
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].actor, manager.member_id);

  // The copy opens with the recovery secret.
  vault::SealedKey stored;
  ASSERT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
    auto k = t.GetSealedKey(col, vault::KeyHolder::kRecovery, "recovery");
    if (!k) return k.error();
    stored = *k;
    return Status::OK();
  }));
  auto opened = envelope::OpenCollectionKey(box_, stored.sealed, col, 1);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
}

TEST_F(RecoveryApiTest, ANewSetUpReplacesTheKeySharesAndCopies) {
  const std::string col = CreateCollection(owner_, "Sotsiaalmeedia");
  ASSERT_EQ(Call("PUT", "/v1/recovery", owner_.token, SetupBody(2, 3)).status, 200);
  ASSERT_EQ(PostCopy(owner_, col, 1, box_.public_key).status, 200);
  ASSERT_EQ(
      Call("POST", "/v1/recovery/check", member_.token, CheckBody(1, "share 1")).body["matches"],
      true);

  box_ = NewRecoveryBox(env_);
  json again = SetupBody(2, 2);
  again["shares"][0]["check"] = crypto::ToBase64(CheckOf("new share 1"));
  ASSERT_EQ(Call("PUT", "/v1/recovery", owner_.token, again).status, 200);
  auto s = Status_(owner_);
  EXPECT_EQ(s.shares.size(), 2u);
  EXPECT_EQ(s.shares[0].last_checked_ms, std::nullopt);
  ASSERT_EQ(s.unsealed.size(), 1u);  // the old copy opens only with the old key
  EXPECT_EQ(Setting("recovery_public_key"), crypto::ToBase64(box_.public_key));
  EXPECT_EQ(
      Call("POST", "/v1/recovery/check", member_.token, CheckBody(1, "share 1")).body["matches"],
      false);
  EXPECT_EQ(Call("POST", "/v1/recovery/check", member_.token, CheckBody(1, "new share 1"))
                .body["matches"],
            true);
}

// On a team with a roster, the keys must be the ones the owners signed.
class RecoveryRosterTest : public RecoveryApiTest {
 protected:
  roster::State Fetch() {
    Reply r = Call("GET", "/v1/roster", owner_.token);
    auto page = vault::api::RosterPageFromJson(r.body, "GET /v1/roster");
    EXPECT_TRUE(page.has_value());
    auto state = roster::Replay(page->entries);
    EXPECT_TRUE(state.has_value());
    return state.value_or(roster::State{});
  }
  roster::Entry Sign(const Account& a, roster::Body body) {
    roster::Entry e;
    e.statement = roster::Encode(roster::Next(Fetch(), a.member_id, 1, std::move(body)));
    e.signature = *crypto::Sign(a.identity->signing(), e.statement);
    return e;
  }
  void Root() {
    roster::Entry genesis =
        Sign(owner_, roster::TeamCreate{owner_.identity->signing_public_key(),
                                        owner_.identity->box_public_key(), "Mari",
                                        keys_->audit_public_key(), keys_->escrow_public_key()});
    ASSERT_EQ(Call("POST", "/v1/roster", owner_.token,
                   json{{"entries", vault::api::RosterEntriesToJson(std::vector{genesis})}})
                  .status,
              201);
  }
};

TEST_F(RecoveryRosterTest, TheSignedStatementMustNameTheseKeys) {
  Root();
  if (HasFatalFailure()) return;
  const auto age_key = backup::age::Recipient::Parse(age_)->key();
  Reply bare = Call("PUT", "/v1/recovery", owner_.token, SetupBody(2, 3));
  EXPECT_EQ(bare.status, 400) << bare.raw;
  EXPECT_EQ(bare.body["error"]["code"], "roster_mismatch") << bare.raw;

  json other = SetupBody(2, 3);
  other["roster"] = vault::api::RosterEntriesToJson(
      std::vector{Sign(owner_, roster::RecoveryKeysSet{NewRecoveryBox(env_).public_key, age_key})});
  Reply swapped = Call("PUT", "/v1/recovery", owner_.token, other);
  EXPECT_EQ(swapped.status, 400) << swapped.raw;
  ExpectNotSetUp();
  EXPECT_EQ(Fetch().recovery_pk, std::nullopt);

  json signed_body = SetupBody(2, 3);
  signed_body["roster"] = vault::api::RosterEntriesToJson(
      std::vector{Sign(owner_, roster::RecoveryKeysSet{box_.public_key, age_key})});
  Reply ok = Call("PUT", "/v1/recovery", owner_.token, signed_body);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(Fetch().recovery_pk, box_.public_key);
  EXPECT_EQ(Fetch().recovery_age_pk, age_key);
}

}  // namespace
