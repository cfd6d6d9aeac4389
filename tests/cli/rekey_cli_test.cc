// baton collection rekey against a real batond: a new key, every item
// re-encrypted at its current version, every holder (members, the recovery
// key, emergency grants) sealed the new key, all in one atomic request. The
// route lands with the emergency work on the server; until then a probe shows
// it missing and the tests that need it skip, saying so.
#include <gtest/gtest.h>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"
#include "profile.h"
#include "vault/envelope.h"
#include "vault/identity.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;
namespace envelope = vault::envelope;

class RekeyCliTest : public testing_util::CliFixture {
 protected:
  // Owner Mari, viewer Jaan, editor Kati; "Social media" with two items.
  void SetUpTeam() {
    ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "init"));
    ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Jaan", "viewer"));
    ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Kati", "editor"));
    As("owner", {"collection", "create", "Social media"});
    As("owner",
       {"item", "add", "Social media", "Facebook page", "--channel", "facebook",
        "--password-stdin"},
       0, "Lehe-Parool-1\n");
    As("owner",
       {"item", "add", "Social media", "Instagram", "--channel", "instagram", "--password-stdin"},
       0, "Pildi-Parool-2\n");
    As("owner", {"collection", "grant", "Social media", "Jaan", "view"});
    As("owner", {"collection", "grant", "Social media", "Kati", "edit"});
  }

  json Collection(const std::string& name) {
    for (const auto& c : json::parse(As("owner", {"--json", "collection", "list"}).out)) {
      if (c.value("name", "") == name) return c;
    }
    ADD_FAILURE() << "no collection " << name;
    return {};
  }

  // The owner's current key of the collection, opened with the owner's
  // identity file as the CLI would.
  envelope::CollectionKey OwnerKey(const std::string& collection_id) {
    auto profile = cli::LoadProfile(cli_env_, home_.path(), "owner");
    if (!profile) {
      ADD_FAILURE() << profile.error().ToString();
      return {};
    }
    auto id = vault::LoadIdentity(cli_env_, profile->identity_path(),
                                  vault::crypto::AsBytes("correct horse battery staple"));
    if (!id) {
      ADD_FAILURE() << id.error().ToString();
      return {};
    }
    vault::SealedKey sealed;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto k = t.GetSealedKey(collection_id, vault::KeyHolder::kMember, profile->member_id);
      if (!k) return k.error();
      sealed = *k;
      return vault::Status::OK();
    }));
    auto key =
        envelope::OpenCollectionKey(id->box(), sealed.sealed, collection_id, sealed.key_version);
    if (!key) {
      ADD_FAILURE() << key.error().ToString();
      return {};
    }
    return std::move(*key);
  }

  // An item's current ciphertext as stored (read as the server).
  vault::ItemWithCiphertext Stored(const std::string& item_id) {
    vault::ItemWithCiphertext out;
    EXPECT_OK(vault_->Write([&](vault::WriteTxn& t) -> vault::Status {
      auto it = t.FetchItem({"server"}, item_id);
      if (!it) return it.error();
      out = *it;
      return vault::Status::OK();
    }));
    return out;
  }

  std::vector<std::string> ItemIds(const std::string& collection_id) {
    std::vector<std::string> ids;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto items = t.ListItems(collection_id);
      if (!items) return items.error();
      for (const auto& m : *items) ids.push_back(m.id);
      return vault::Status::OK();
    }));
    return ids;
  }
};

TEST_F(RekeyCliTest, NewKeyOldKeyOpensOnlyOldHistoryEveryMemberStillReads) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  // An emergency deputy of the collection keeps a (re-sealed) way in.
  ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Peeter", "deputy"));
  CliResult g = As("owner", {"--json", "emergency", "grant", "Peeter", "--collection",
                             "Social media", "--wait", "24h"});
  const std::string grant = json::parse(g.out).value("id", "");
  // Kati leaves the collection: it is marked for re-keying.
  As("owner", {"collection", "revoke", "Social media", "Kati"});
  const json before = Collection("Social media");
  const std::string cid = before.value("id", "");
  EXPECT_TRUE(before.value("needs_rekey", false)) << before;
  const envelope::CollectionKey old_key = OwnerKey(cid);
  ASSERT_EQ(old_key.version, 1);

  CliResult r = As("owner", {"collection", "rekey", "Social media"});
  EXPECT_EQ(r.out,
            "Re-keyed Social media (key version 2): 2 items, 2 members, 1 emergency grant; the "
            "old key opens only old history.\n");
  // Every recipient's key comes from the signed roster, so no fingerprint
  // words are shown to compare; the emergency holder is still named.
  EXPECT_EQ(r.err.find("fingerprint"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Peeter holds an emergency grant on Social media"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("Kati"), std::string::npos) << r.err;

  const json after = Collection("Social media");
  EXPECT_EQ(after.value("key_version", 0), 2);
  EXPECT_FALSE(after.value("needs_rekey", true)) << after;
  // The stored ciphertexts are under key version 2, which the old key cannot open.
  const std::vector<std::string> ids = ItemIds(cid);
  ASSERT_EQ(ids.size(), 2u);
  const envelope::CollectionKey new_key = OwnerKey(cid);
  EXPECT_EQ(new_key.version, 2);
  for (const auto& id : ids) {
    const vault::ItemWithCiphertext item = Stored(id);
    EXPECT_EQ(item.meta.key_version, 2);
    EXPECT_FALSE(envelope::DecryptItem(old_key, {id, cid, item.meta.version, 2}, item.ciphertext));
    EXPECT_FALSE(envelope::DecryptItem(old_key, {id, cid, item.meta.version, 1}, item.ciphertext));
    EXPECT_TRUE(envelope::DecryptItem(new_key, {id, cid, item.meta.version, 2}, item.ciphertext));
  }

  // Everyone with access still reads; Kati does not.
  EXPECT_EQ(As("owner", {"item", "get", "Facebook page", "--field", "password"}).out,
            "Lehe-Parool-1\n");
  EXPECT_EQ(As("viewer", {"item", "get", "Instagram", "--field", "password"}).out,
            "Pildi-Parool-2\n");
  CliResult kati =
      Baton({"--profile", "editor", "item", "get", "Instagram", "--field", "password"});
  EXPECT_NE(kati.code, 0);
  EXPECT_EQ(kati.out, "");

  // The deputy's grant was re-sealed: after release it opens the new key.
  CliResult req = As("deputy", {"--json", "emergency", "request", grant, "--reason", "away"});
  const std::string request = json::parse(req.out).value("id", "");
  As("owner", {"emergency", "approve", request});
  EXPECT_EQ(As("deputy", {"emergency", "open", request, "Instagram", "--field", "password"}).out,
            "Pildi-Parool-2\n");

  // A second re-key works from the new key, and the audit log has both.
  As("owner", {"collection", "rekey", cid});
  EXPECT_EQ(Collection("Social media").value("key_version", 0), 3);
  EXPECT_EQ(As("viewer", {"item", "get", "Facebook page", "--field", "password"}).out,
            "Lehe-Parool-1\n");
  ASSERT_NO_FATAL_FAILURE(CliJoin("auditor", "Tõnu", "auditor"));
  const std::string log = As("auditor", {"audit", "log"}).out;
  EXPECT_NE(log.find("collection.rekey"), std::string::npos) << log;
  EXPECT_EQ(As("auditor", {"audit", "verify"}).out.rfind("OK: ", 0), 0u);
}

TEST_F(RekeyCliTest, RefusedRekeysChangeNothing) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  const std::string cid = Collection("Social media").value("id", "");
  As("owner", {"collection", "rekey", "No such collection"}, cli::kExitNotFound);
  // A viewer may not re-key (and holds no manage access).
  As("viewer", {"collection", "rekey", "Social media"}, cli::kExitDenied);
  const json after = Collection("Social media");
  EXPECT_EQ(after.value("key_version", 0), 1);
  for (const auto& id : ItemIds(cid)) EXPECT_EQ(Stored(id).meta.key_version, 1);
  EXPECT_EQ(As("viewer", {"item", "get", "Facebook page", "--field", "password"}).out,
            "Lehe-Parool-1\n");
}

TEST_F(RekeyCliTest, AnEmptyCollectionRekeys) {
  ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "init"));
  As("owner", {"collection", "create", "Empty"});
  CliResult r = As("owner", {"collection", "rekey", "Empty"});
  EXPECT_EQ(r.out,
            "Re-keyed Empty (key version 2): 0 items, 1 member, 0 emergency grants; the old key "
            "opens only old history.\n");
}

}  // namespace
