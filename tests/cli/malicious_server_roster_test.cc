// A server that lies about keys to a team with a signed roster: it hands a
// member a collection key of its own making, seals to a recovery key it
// planted, lists other holders for a re-key, vouches for an escrow key the
// audit key never signed, or serves a roster that went back or forked. Each
// attack ends with the exit code of its check (3: untrusted key, 7:
// rollback), a message naming it, and nothing sealed or posted.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <span>
#include <tuple>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/malicious_server_fixture.h"
#include "profile.h"
#include "trust.h"
#include "vault/api_json_roster.h"
#include "vault/envelope.h"
#include "vault/identity.h"
#include "vault/roster.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;
namespace crypto = vault::crypto;
namespace roster = vault::roster;

constexpr char kKeyPath[] = "/v1/collections/[0-9a-f]{32}/key";
constexpr char kItemsPath[] = "/v1/collections/[0-9a-f]{32}/items";
constexpr char kGrantsPath[] = "/v1/collections/[0-9a-f]{32}/grants";
constexpr char kRekeyPath[] = "/v1/collections/[0-9a-f]{32}/rekey";

class RosterAttackTest : public testing_util::MaliciousServerFixture {
 protected:
  // A profile's member, with the identity its passphrase unlocks.
  struct Signer {
    std::string profile;
    std::string member_id;
    std::unique_ptr<vault::Identity> identity;
  };

  void SetUp() override {
    MaliciousServerFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(SetUpTeam());
    for (const char* p : {"owner", "admin", "bookkeeper"}) {
      ASSERT_NO_FATAL_FAILURE(LoadSigner(p));
    }
    ASSERT_NO_FATAL_FAILURE(AdoptRoster());
  }

  vault::Identity LoadIdentity(const std::string& profile) {
    vault::Env& env = vault::Env::Default();
    auto p = cli::LoadProfile(env, home_.path(), profile);
    EXPECT_TRUE(p.has_value());
    auto id = vault::LoadIdentity(env, p->identity_path(),
                                  crypto::AsBytes("correct horse battery staple"));
    EXPECT_TRUE(id.has_value());
    return std::move(*id);
  }
  void LoadSigner(const std::string& profile) {
    auto p = cli::LoadProfile(vault::Env::Default(), home_.path(), profile);
    ASSERT_TRUE(p.has_value());
    signers_[profile] = {profile, p->member_id,
                         std::make_unique<vault::Identity>(LoadIdentity(profile))};
    dirs_[profile] = p->dir;
  }

  // Signs `body` as `who` on top of state_, keeping the entry.
  roster::Entry Sign(const std::string& who, roster::Body body,
                     const roster::State* on = nullptr) {
    const Signer& s = signers_.at(who);
    roster::Entry e;
    e.statement = roster::Encode(roster::Next(on ? *on : state_, s.member_id,
                                              1000 + static_cast<int64_t>(state_.size),
                                              std::move(body)));
    e.signature = *crypto::Sign(s.identity->signing(), e.statement);
    return e;
  }
  void Append(const std::string& who, roster::Body body) {
    roster::Entry e = Sign(who, std::move(body));
    ASSERT_OK(roster::Apply(state_, e));
    entries_.push_back(std::move(e));
  }

  // Posts the entries from `from` on, as `who` (the signer of all of them).
  void Post(const std::string& who, size_t from) {
    testing_util::Account a;
    a.identity = std::make_unique<vault::Identity>(LoadIdentity(who));
    a.member_id = signers_.at(who).member_id;
    ASSERT_EQ(Login(a).status, 200);
    std::vector<roster::Entry> batch(entries_.begin() + static_cast<ptrdiff_t>(from),
                                     entries_.end());
    testing_util::Reply r = Call("POST", "/v1/roster", a.token,
                                 json{{"entries", vault::api::RosterEntriesToJson(batch)}});
    ASSERT_EQ(r.status, 201) << r.raw;
  }

  // The key the owner holds of `collection_id` (opened from their sealed copy).
  vault::envelope::CollectionKey OwnerKey(const std::string& collection_id) {
    vault::envelope::CollectionKey out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto sealed = t.GetSealedKey(collection_id, vault::KeyHolder::kMember,
                                   signers_.at("owner").member_id);
      if (!sealed) return sealed.error();
      auto opened = crypto::OpenSealed(signers_.at("owner").identity->box(), sealed->sealed);
      if (!opened) return opened.error();
      auto key = vault::envelope::CollectionKeyFromOpened(opened->bytes(), collection_id,
                                                          sealed->key_version);
      if (!key) return key.error();
      out = std::move(*key);
      return vault::Status::OK();
    }));
    return out;
  }

  std::string BankingId() {
    std::string id;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto cols = t.ListCollections();
      if (!cols) return cols.error();
      for (const auto& c : *cols) {
        if (c.name == "Banking") id = c.id;
      }
      return vault::Status::OK();
    }));
    return id;
  }

  // The team's roster as its owner would adopt it: the owner, the admin and
  // the bookkeeper vouched for, Banking with its key's check value and the
  // bookkeeper's access; every profile pins it.
  void AdoptRoster() {
    Append("owner", roster::TeamCreate{signers_["owner"].identity->signing_public_key(),
                                       signers_["owner"].identity->box_public_key(), "Mari",
                                       keys_->audit_public_key(), keys_->escrow_public_key()});
    for (const auto& [who, name, role] :
         {std::tuple{"admin", "Ants", vault::TeamRole::kAdmin},
          std::tuple{"bookkeeper", "Liis", vault::TeamRole::kMember}}) {
      const Signer& s = signers_[who];
      Append("owner", roster::MemberAdd{s.member_id, s.identity->signing_public_key(),
                                        s.identity->box_public_key(), role, name});
    }
    banking_ = BankingId();
    const auto key = OwnerKey(banking_);
    auto kcv = roster::KeyCheckValue(key.key, banking_, key.version);
    ASSERT_TRUE(kcv.has_value());
    Append("owner", roster::CollectionCreate{banking_, "Banking", key.version, *kcv});
    Append("owner", roster::CollectionAccessSet{banking_, signers_["bookkeeper"].member_id,
                                                vault::CollectionAccess::kEdit});
    ASSERT_NO_FATAL_FAILURE(Post("owner", 0));
    for (const auto& [profile, dir] : dirs_) {
      auto t = cli::TeamTrust::Load(vault::Env::Default(), dir);
      ASSERT_TRUE(t.has_value());
      ASSERT_OK((*t)->PinFirstUse(entries_, {}));
    }
  }

  std::map<std::string, Signer> signers_;
  std::map<std::string, std::string> dirs_;
  roster::State state_;
  std::vector<roster::Entry> entries_;
  std::string banking_;
};

TEST_F(RosterAttackTest, HonestGrantsReKeysAndRemovalsAppendToTheRoster) {
  ASSERT_NO_FATAL_FAILURE(AddItem("bookkeeper", "Bank login", "pw-one"));
  EXPECT_EQ(As("owner", {"item", "get", "Bank login", "--field", "password"}).out, "pw-one\n");
  ASSERT_EQ(As("owner", {"collection", "grant", "Banking", "Ants", "view"}).code, 0);
  EXPECT_EQ(As("admin", {"item", "get", "Bank login", "--field", "password"}).out, "pw-one\n");
  ASSERT_EQ(As("owner", {"member", "remove", "Ants"}).code, 0);
  ASSERT_EQ(As("owner", {"collection", "rekey", "Banking"}).code, 0);
  EXPECT_EQ(As("bookkeeper", {"item", "get", "Bank login", "--field", "password"}).out,
            "pw-one\n");
  ASSERT_EQ(As("owner", {"collection", "create", "Payroll"}).code, 0);
  ASSERT_NO_FATAL_FAILURE(
      AddItem("bookkeeper", "Tax office", "tax-1"));  // under Banking's new key

  // Every change is a statement the bookkeeper's client replayed and pinned.
  auto t = cli::TeamTrust::Load(vault::Env::Default(), dirs_["bookkeeper"]);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ((*t)->pins().size, entries_.size() + 4) << "grant, remove, re-key, create";
}

TEST_F(RosterAttackTest, AKeyTheRosterDoesNotVouchForIsRefusedAndNothingIsPosted) {
  // Attack 1: the server (or an admin without access) gives the bookkeeper
  // a key of its own making, to read what she encrypts under it.
  auto foreign = vault::envelope::NewCollectionKey(env_, banking_);
  auto sealed = vault::envelope::SealCollectionKey(
      foreign, signers_["bookkeeper"].identity->box_public_key());
  ASSERT_TRUE(sealed.has_value());
  const std::string answer =
      json{{"key_version", 1}, {"sealed_key", crypto::ToBase64(*sealed)}}.dump();
  proxy_->Answer("GET", kKeyPath, [answer](int& status, std::string& body) {
    status = 200;
    body = answer;
  });
  CliResult r = As("bookkeeper", {"item", "add", "Banking", "Bank login", "--channel", "other", "--password-stdin"},
                   cli::kExitAuth, "pw-one\n");
  EXPECT_NE(r.err.find("the key of Banking v1 is not the one the roster vouches for"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(proxy_->Seen("POST", kItemsPath), 0) << "an item was encrypted under a foreign key";
}

TEST_F(RosterAttackTest, ARecoveryKeyPlantedInTheServerSettingsIsNotSealedTo) {
  // Attack 2: whoever runs the server sets a recovery key of their own.
  const vault::Identity planted = vault::Identity::Generate(env_);
  Tamper([&](vault::WriteTxn& t) {
    return t.PutSetting({"server"}, "recovery_public_key",
                        crypto::ToBase64(planted.box_public_key()));
  });
  std::string sent;
  proxy_->RewriteRequest("POST", "/v1/collections", [&sent](std::string& body) { sent = body; });
  // The server insists on a recovery copy, so the honest client creates
  // nothing; it never seals to the planted key.
  As("owner", {"collection", "create", "Payroll"}, cli::kExitInvalid);
  ASSERT_FALSE(sent.empty());
  EXPECT_FALSE(json::parse(sent).contains("recovery_sealed_key"))
      << "the collection key was sealed to a key the roster does not name";
}

TEST_F(RosterAttackTest, AReKeyRefusesAHolderListThatDiffersFromTheRoster) {
  ASSERT_NO_FATAL_FAILURE(AddItem("bookkeeper", "Bank login", "pw-one"));
  // The server adds Ants to those who hold Banking.
  const std::string ants = signers_["admin"].member_id;
  proxy_->Corrupt("GET", kGrantsPath, [ants](int&, std::string& body) {
    json j = json::parse(body);
    j["grants"].push_back({{"member_id", ants}, {"access", "view"}});
    body = j.dump();
  });
  CliResult r = As("owner", {"collection", "rekey", "Banking"}, cli::kExitAuth);
  EXPECT_NE(r.err.find("the server's list of who holds Banking differs from the team roster's"),
            std::string::npos)
      << r.err;
  EXPECT_GE(proxy_->hits(), 1);
  EXPECT_EQ(proxy_->Seen("POST", kRekeyPath), 0);
}

TEST_F(RosterAttackTest, ARosterThatGoesBackIsRefused) {
  proxy_->Record("GET", "/v1/roster");
  ASSERT_NO_FATAL_FAILURE(AddItem("bookkeeper", "Bank login", "pw-one"));
  ASSERT_EQ(As("owner", {"collection", "grant", "Banking", "Ants", "view"}).code, 0);
  EXPECT_EQ(As("bookkeeper", {"item", "get", "Bank login", "--field", "password"}).out,
            "pw-one\n");
  // The roster as it was before Ants was granted access.
  proxy_->Replay("GET", "/v1/roster", 0);
  CliResult r =
      As("bookkeeper", {"item", "get", "Bank login", "--field", "password"}, cli::kExitConflict);
  EXPECT_NE(r.err.find("refusing a roster that went back"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(RosterAttackTest, AForkedRosterIsRefused) {
  ASSERT_NO_FATAL_FAILURE(AddItem("bookkeeper", "Bank login", "pw-one"));
  // Another last entry, validly signed by the owner: the roster others see
  // is not the one the bookkeeper pinned.
  roster::State before = *roster::Replay(std::span(entries_).first(entries_.size() - 1));
  roster::Entry other = Sign("owner",
                             roster::CollectionAccessSet{banking_, signers_["bookkeeper"].member_id,
                                                         vault::CollectionAccess::kView},
                             &before);
  std::vector<roster::Entry> forked(entries_.begin(), entries_.end() - 1);
  forked.push_back(other);
  vault::api::RosterPage page;
  auto replayed = roster::Replay(forked);
  ASSERT_TRUE(replayed.has_value());
  page.team_id = replayed->team_id;
  page.size = replayed->size;
  page.head = replayed->head;
  page.entries = forked;
  const std::string answer = vault::api::RosterPageToJson(page).dump();
  proxy_->Answer("GET", "/v1/roster", [answer](int&, std::string& body) { body = answer; });
  CliResult r =
      As("bookkeeper", {"item", "get", "Bank login", "--field", "password"}, cli::kExitAuth);
  EXPECT_NE(r.err.find("the roster was forked"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
