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
#include <string>
#include <tuple>
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

using testing_util::kGrantsPath;
using testing_util::kItemsPath;
using testing_util::kKeyPath;
using testing_util::kRekeyPath;

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
    banking_ = BankingId();
    ASSERT_NO_FATAL_FAILURE(Refresh());
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

  // Signs `body` as `who` on top of `on` (or state_).
  roster::Entry Sign(const std::string& who, roster::Body body, const roster::State* on = nullptr) {
    const Signer& s = signers_.at(who);
    roster::Entry e;
    e.statement = roster::Encode(roster::Next(
        on ? *on : state_, s.member_id, 1000 + static_cast<int64_t>(state_.size), std::move(body)));
    e.signature = *crypto::Sign(s.identity->signing(), e.statement);
    return e;
  }
  // The answer to GET /v1/roster holding the first `n` entries.
  std::string Page(size_t n) const {
    vault::api::RosterPage page;
    page.entries.assign(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(n));
    if (n > 0) {
      auto state = roster::Replay(page.entries);
      EXPECT_TRUE(state.has_value());
      if (state) {
        page.team_id = state->team_id;
        page.size = state->size;
        page.head = state->head;
      }
    }
    return vault::api::RosterPageToJson(page).dump();
  }

  // The roster as the real server holds it now: init made the genesis,
  // each join and vouch appended, and so did every command since.
  void Refresh() {
    ASSERT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto entries = t.RosterEntries(0);
      if (!entries) return entries.error();
      entries_ = std::move(*entries);
      return vault::Status::OK();
    }));
    auto state = roster::Replay(entries_);
    ASSERT_TRUE(state.has_value()) << state.error().message();
    state_ = std::move(*state);
  }

  // The key the owner holds of `collection_id` (opened from their sealed copy).
  vault::envelope::CollectionKey OwnerKey(const std::string& collection_id) {
    vault::envelope::CollectionKey out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto sealed =
          t.GetSealedKey(collection_id, vault::KeyHolder::kMember, signers_.at("owner").member_id);
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

  std::map<std::string, Signer> signers_;
  std::map<std::string, std::string> dirs_;
  roster::State state_;
  std::vector<roster::Entry> entries_;
  std::string banking_;
};

TEST_F(RosterAttackTest, HonestGrantsReKeysAndRemovalsAppendToTheRoster) {
  const size_t before = entries_.size();
  ASSERT_NO_FATAL_FAILURE(AddItem("bookkeeper", "Bank login", "pw-one"));
  EXPECT_EQ(As("owner", {"item", "get", "Bank login", "--field", "password"}).out, "pw-one\n");
  ASSERT_EQ(As("owner", {"collection", "grant", "Banking", "Ants", "view"}).code, 0);
  EXPECT_EQ(As("admin", {"item", "get", "Bank login", "--field", "password"}).out, "pw-one\n");
  ASSERT_EQ(As("owner", {"member", "remove", "Ants"}).code, 0);
  ASSERT_EQ(As("owner", {"collection", "rekey", "Banking"}).code, 0);
  EXPECT_EQ(As("bookkeeper", {"item", "get", "Bank login", "--field", "password"}).out, "pw-one\n");
  ASSERT_EQ(As("owner", {"collection", "create", "Payroll"}).code, 0);
  ASSERT_NO_FATAL_FAILURE(AddItem("bookkeeper", "Tax office", "tax-1"));  // under Banking's new key

  // Every change is a statement the bookkeeper's client replayed and pinned:
  // grant, removal, re-key and create.
  ASSERT_NO_FATAL_FAILURE(Refresh());
  EXPECT_EQ(entries_.size(), before + 4);
  auto t = cli::TeamTrust::Load(vault::Env::Default(), dirs_["bookkeeper"]);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ((*t)->pins().size, entries_.size());
}

TEST_F(RosterAttackTest, AKeyTheRosterDoesNotVouchForIsRefusedAndNothingIsPosted) {
  // Attack 1: the server (or an admin without access) gives the bookkeeper
  // a key of its own making, to read what she encrypts under it.
  auto foreign = vault::envelope::NewCollectionKey(env_, banking_);
  auto sealed = vault::envelope::SealCollectionKey(
      foreign, signers_["bookkeeper"].identity->box_public_key());
  ASSERT_TRUE(sealed.has_value());
  const std::string answer = json{{"collection_id", banking_},
                                  {"key_version", 1},
                                  {"sealed_key", crypto::ToBase64(*sealed)}}
                                 .dump();
  proxy_->Answer("GET", kKeyPath, [answer](int& status, std::string& body) {
    status = 200;
    body = answer;
  });
  CliResult r =
      As("bookkeeper",
         {"item", "add", "Banking", "Bank login", "--channel", "other", "--password-stdin"},
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
  ASSERT_NO_FATAL_FAILURE(AddItem("bookkeeper", "Bank login", "pw-one"));
  const size_t before_grant = entries_.size();
  ASSERT_EQ(As("owner", {"collection", "grant", "Banking", "Ants", "view"}).code, 0);
  ASSERT_NO_FATAL_FAILURE(Refresh());
  ASSERT_EQ(entries_.size(), before_grant + 1);
  EXPECT_EQ(As("bookkeeper", {"item", "get", "Bank login", "--field", "password"}).out, "pw-one\n");
  // The roster as it was before Ants was granted access.
  const std::string old_page = Page(before_grant);
  proxy_->Answer("GET", "/v1/roster", [old_page](int&, std::string& body) { body = old_page; });
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
  entries_.back() = other;
  const std::string answer = Page(entries_.size());
  proxy_->Answer("GET", "/v1/roster", [answer](int&, std::string& body) { body = answer; });
  CliResult r =
      As("bookkeeper", {"item", "get", "Bank login", "--field", "password"}, cli::kExitAuth);
  EXPECT_NE(r.err.find("the roster was forked"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace

TEST_F(RosterAttackTest, AForkBetweenTwoMembersShowsInTheHeadWordsTheyCompare) {
  // The bookkeeper last saw the roster before the owner's next statement.
  ASSERT_NO_FATAL_FAILURE(AddItem("bookkeeper", "Bank login", "pw-one"));
  const roster::State before = state_;
  ASSERT_EQ(As("owner", {"collection", "grant", "Banking", "Ants", "view"}).code, 0);
  const json owner_view = json::parse(As("owner", {"--json", "team", "status"}).out);
  ASSERT_NO_FATAL_FAILURE(Refresh());
  EXPECT_EQ(owner_view.value("size", 0u), entries_.size());
  EXPECT_EQ(owner_view.value("head_words", ""), vault::HashWords(state_.head));
  EXPECT_TRUE(owner_view.value("pinned", false)) << owner_view;

  // The server shows her another, validly signed statement in its place.
  // Her own pins cannot tell (she never saw the owner's); the words can.
  entries_.back() = Sign("owner",
                         roster::CollectionAccessSet{banking_, signers_["bookkeeper"].member_id,
                                                     vault::CollectionAccess::kView},
                         &before);
  const std::string forked = Page(entries_.size());
  proxy_->Answer("GET", "/v1/roster", [forked](int&, std::string& body) { body = forked; });
  const json hers = json::parse(As("bookkeeper", {"--json", "team", "status"}).out);
  EXPECT_EQ(hers.value("size", 0u), owner_view.value("size", 0u));
  EXPECT_EQ(hers.value("team_fingerprint", ""), owner_view.value("team_fingerprint", ""));
  EXPECT_NE(hers.value("head_words", ""), owner_view.value("head_words", "")) << hers;

  CliResult text = As("bookkeeper", {"team", "status"});
  EXPECT_NE(text.out.find("Head words (statement " + std::to_string(entries_.size()) +
                          "): " + hers.value("head_words", "")),
            std::string::npos)
      << text.out;
}
