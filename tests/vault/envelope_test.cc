#include "vault/envelope.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "fake_env.h"
#include "test_util.h"

namespace vault::envelope {
namespace {

using crypto::AsBytes;
using testing_util::FakeEnv;

SecureBuffer S(std::string_view s) { return SecureBuffer::CopyOf(AsBytes(s)); }
std::string Str(const SecureBuffer& b) { return {b.data(), b.data() + b.size()}; }

ItemPayload FacebookLogin() {
  ItemPayload p;
  p.username = S("seitenadmin@firma.ee");
  p.password = S("Päästa-mind-õõ-ä 42!");
  p.totp_uri = S("otpauth://totp/Facebook:seitenadmin?secret=JBSWY3DPEHPK3PXP&issuer=Facebook");
  p.backup_codes.push_back(S("1234 5678"));
  p.backup_codes.push_back(S("8765 4321"));
  p.notes = S("Page: Kohvik Ööbik");
  p.custom_fields.push_back({"PIN", S("0000")});
  return p;
}

class EnvelopeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(crypto::Init()); }
  FakeEnv env_;
  CollectionKey key_ = NewCollectionKey(env_, "col-social");
  ItemBinding binding_{"item-fb", "col-social", 3, 1};
};

TEST_F(EnvelopeTest, ItemRoundTripWithNonAscii) {
  ASSERT_OK_AND_ASSIGN(auto ct, EncryptItem(env_, key_, binding_, FacebookLogin()));
  ASSERT_OK_AND_ASSIGN(ItemPayload back, DecryptItem(key_, binding_, ct));
  EXPECT_EQ(Str(back.username), "seitenadmin@firma.ee");
  EXPECT_EQ(Str(back.password), "Päästa-mind-õõ-ä 42!");
  EXPECT_EQ(Str(back.notes), "Page: Kohvik Ööbik");
  ASSERT_EQ(back.backup_codes.size(), 2u);
  EXPECT_EQ(Str(back.backup_codes[1]), "8765 4321");
  ASSERT_EQ(back.custom_fields.size(), 1u);
  EXPECT_EQ(back.custom_fields[0].name, "PIN");
  EXPECT_EQ(Str(back.custom_fields[0].value), "0000");
}

TEST_F(EnvelopeTest, CiphertextMovedToAnotherItemFails) {
  ASSERT_OK_AND_ASSIGN(auto ct, EncryptItem(env_, key_, binding_, FacebookLogin()));
  ItemBinding other = binding_;
  other.item_id = "item-ig";
  EXPECT_STATUS(DecryptItem(key_, other, ct), kCorruption);
}

TEST_F(EnvelopeTest, CiphertextMovedToAnotherCollectionFails) {
  ASSERT_OK_AND_ASSIGN(auto ct, EncryptItem(env_, key_, binding_, FacebookLogin()));
  // Even with the same key bytes, the collection id is bound.
  CollectionKey same_bytes{"col-other", 1, SecureBuffer::CopyOf(key_.key.bytes())};
  ItemBinding other = binding_;
  other.collection_id = "col-other";
  EXPECT_STATUS(DecryptItem(same_bytes, other, ct), kCorruption);
}

TEST_F(EnvelopeTest, OlderVersionPresentedAsCurrentFails) {
  ItemBinding v2 = binding_;
  v2.version = 2;
  ASSERT_OK_AND_ASSIGN(auto old_ct, EncryptItem(env_, key_, v2, FacebookLogin()));
  // The server replays version 2's ciphertext as version 3: rejected.
  EXPECT_STATUS(DecryptItem(key_, binding_, old_ct), kCorruption);
  EXPECT_OK(DecryptItem(key_, v2, old_ct));
}

TEST_F(EnvelopeTest, WrongKeyOrKeyVersionFails) {
  ASSERT_OK_AND_ASSIGN(auto ct, EncryptItem(env_, key_, binding_, FacebookLogin()));
  CollectionKey other = NewCollectionKey(env_, "col-social");
  EXPECT_STATUS(DecryptItem(other, binding_, ct), kCorruption);
  ItemBinding kv2 = binding_;
  kv2.key_version = 2;
  EXPECT_STATUS(DecryptItem(key_, kv2, ct), kCorruption);
}

TEST_F(EnvelopeTest, EncryptRefusesMismatchedKeyAndBadIds) {
  ItemBinding wrong = binding_;
  wrong.collection_id = "col-other";
  EXPECT_STATUS(EncryptItem(env_, key_, wrong, FacebookLogin()), kInvalidArgument);
  ItemBinding empty = binding_;
  empty.item_id = "";
  EXPECT_STATUS(EncryptItem(env_, key_, empty, FacebookLogin()), kInvalidArgument);
  ItemBinding zero = binding_;
  zero.version = 0;
  EXPECT_STATUS(EncryptItem(env_, key_, zero, FacebookLogin()), kInvalidArgument);
}

TEST_F(EnvelopeTest, SealedCollectionKeyOpensOnlyForItsCollectionAndVersion) {
  ASSERT_OK_AND_ASSIGN(auto alice, crypto::BoxKeyPairFromSeed(crypto::RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(auto bob, crypto::BoxKeyPairFromSeed(crypto::RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(auto sealed, SealCollectionKey(key_, alice.public_key));
  ASSERT_OK_AND_ASSIGN(CollectionKey opened, OpenCollectionKey(alice, sealed, "col-social", 1));
  EXPECT_TRUE(crypto::ConstantTimeEqual(opened.key.bytes(), key_.key.bytes()));
  EXPECT_STATUS(OpenCollectionKey(bob, sealed, "col-social", 1), kCorruption);
  // The server hands Alice this box as another collection's key, or as a
  // newer version: refused.
  EXPECT_STATUS(OpenCollectionKey(alice, sealed, "col-finance", 1), kCorruption);
  EXPECT_STATUS(OpenCollectionKey(alice, sealed, "col-social", 2), kCorruption);
}

TEST_F(EnvelopeTest, PayloadDecoderRejectsBadInput) {
  const char* bad[] = {
      "",
      "not json",
      "[]",
      R"({"password": 5})",
      R"({"username": "a", "extra": "x"})",
      R"({"backup_codes": "1234"})",
      R"({"backup_codes": [1]})",
      R"({"fields": [{"name": "PIN"}]})",
      R"({"fields": [{"name": "", "value": "x"}]})",
      R"({"fields": [{"name": "a", "value": "x", "more": 1}]})",
      R"({"password": "abc")",
  };
  for (const char* text : bad) {
    auto r = DecodePayload(AsBytes(text));
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_TRUE(r.error().IsInvalidArgument()) << text;
  }
}

TEST_F(EnvelopeTest, PayloadErrorsNeverQuoteTheInput) {
  auto r = DecodePayload(AsBytes(R"({"password": 1, "hunter2-secret": "x"})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message().find("hunter2"), std::string::npos);
}

TEST_F(EnvelopeTest, PayloadEncodingIsCanonicalJson) {
  ItemPayload p;
  p.password = S("pw");
  ASSERT_OK_AND_ASSIGN(SecureBuffer json, EncodePayload(p));
  EXPECT_EQ(
      Str(json),
      R"({"backup_codes":[],"fields":[],"notes":"","password":"pw","totp":"","username":""})");
}

TEST_F(EnvelopeTest, InvalidUtf8IsRejected) {
  ItemPayload p;
  const uint8_t bad[] = {0xff, 0xfe};
  p.password = SecureBuffer::CopyOf(bad);
  EXPECT_STATUS(EncodePayload(p), kInvalidArgument);
}

TEST_F(EnvelopeTest, RekeyReencryptsEveryVersionAndSealsToRecipients) {
  ASSERT_OK_AND_ASSIGN(auto alice, crypto::BoxKeyPairFromSeed(crypto::RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(auto recovery, crypto::BoxKeyPairFromSeed(crypto::RandomKey(env_)));
  std::vector<StoredVersion> versions;
  for (int64_t v : {1, 2}) {
    ItemBinding b{"item-fb", "col-social", v, 1};
    ASSERT_OK_AND_ASSIGN(auto ct, EncryptItem(env_, key_, b, FacebookLogin()));
    versions.push_back({"item-fb", v, ct});
  }
  ASSERT_OK_AND_ASSIGN(Rekeyed r,
                       Rekey(env_, key_, versions,
                             {{"alice", alice.public_key}, {"recovery", recovery.public_key}}));
  EXPECT_EQ(r.key.version, 2);
  ASSERT_EQ(r.versions.size(), 2u);
  ASSERT_EQ(r.sealed.size(), 2u);
  ASSERT_OK_AND_ASSIGN(CollectionKey k2,
                       OpenCollectionKey(alice, r.sealed[0].second, "col-social", 2));
  for (const StoredVersion& v : r.versions) {
    ItemBinding b{v.item_id, "col-social", v.version, 2};
    ASSERT_OK_AND_ASSIGN(ItemPayload p, DecryptItem(k2, b, v.ciphertext));
    EXPECT_EQ(Str(p.username), "seitenadmin@firma.ee");
    // The old key no longer opens the new ciphertext.
    EXPECT_FALSE(DecryptItem(key_, {v.item_id, "col-social", v.version, 1}, v.ciphertext));
  }
}

TEST_F(EnvelopeTest, RekeyRequiresTheRecoveryKeyAndIntactInput) {
  ASSERT_OK_AND_ASSIGN(auto alice, crypto::BoxKeyPairFromSeed(crypto::RandomKey(env_)));
  EXPECT_STATUS(Rekey(env_, key_, {}, {{"alice", alice.public_key}}), kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(auto ct, EncryptItem(env_, key_, binding_, FacebookLogin()));
  ct[30] ^= 1;
  EXPECT_STATUS(Rekey(env_, key_, {{"item-fb", 3, ct}}, {{"recovery", alice.public_key}}),
                kCorruption);
}

TEST_F(EnvelopeTest, RekeyWithoutARecoveryKeyWhenTheTeamHasNone) {
  ASSERT_OK_AND_ASSIGN(auto alice, crypto::BoxKeyPairFromSeed(crypto::RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(Rekeyed r, Rekey(env_, key_, {}, {{"alice", alice.public_key}},
                                        /*recovery_required=*/false));
  ASSERT_EQ(r.sealed.size(), 1u);
  EXPECT_TRUE(OpenCollectionKey(alice, r.sealed[0].second, "col-social", 2));
}

TEST_F(EnvelopeTest, EscrowedKeyNeedsBothTheServerAndTheDeputy) {
  ASSERT_OK_AND_ASSIGN(auto deputy, crypto::BoxKeyPairFromSeed(crypto::RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(auto escrow, crypto::BoxKeyPairFromSeed(crypto::RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(auto outer, SealForEscrow(key_, deputy.public_key, escrow.public_key));
  // The deputy alone cannot open the outer box, nor can the server open the inner one.
  EXPECT_STATUS(OpenCollectionKey(deputy, outer, "col-social", 1), kCorruption);
  ASSERT_OK_AND_ASSIGN(auto inner, crypto::OpenSealed(escrow, outer));
  EXPECT_STATUS(OpenCollectionKey(escrow, inner.bytes(), "col-social", 1), kCorruption);
  ASSERT_OK_AND_ASSIGN(CollectionKey back,
                       OpenCollectionKey(deputy, inner.bytes(), "col-social", 1));
  EXPECT_EQ(0, sodium_memcmp(back.key.data(), key_.key.data(), key_.key.size()));
  // The inner box names its collection and version like any member's copy.
  EXPECT_STATUS(OpenCollectionKey(deputy, inner.bytes(), "col-other", 1), kCorruption);
}

}  // namespace
}  // namespace vault::envelope
