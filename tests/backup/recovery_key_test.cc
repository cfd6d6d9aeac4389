// The recovery key's derivation: pinned known answers, one key per protocol,
// the labels' effect, bad master secrets, and the round trip through SLIP-39
// shares that custodians hold.
#include "backup/recovery_key.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <sstream>
#include <string>
#include <vector>

#include "backup/age.h"
#include "backup/slip39.h"
#include "fake_env.h"
#include "test_util.h"
#include "vault/crypto.h"

namespace backup::recovery {
namespace {

using testing_util::FakeEnv;
using vault::SecureBuffer;
namespace crypto = vault::crypto;

SecureBuffer CountingSecret(size_t n) {
  SecureBuffer s(n);
  for (size_t i = 0; i < n; ++i) s.data()[i] = static_cast<uint8_t>(i);
  return s;
}

std::string Hex(const SecureBuffer& b) { return crypto::ToHex(b.bytes()); }
std::string Hex(const crypto::PublicKey& k) { return crypto::ToHex(k); }

class RecoveryKeyTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(crypto::Init()); }
};

// Computed once from the master secret 00 01 .. 1f, and checked apart from
// libsodium (Python's hashlib BLAKE2b with salt = subkey id and person =
// context, SHA-512 for crypto_box's seed, X25519 from pyca/cryptography); a
// change here means every custodian's shares would stop opening the team's
// collections.
TEST_F(RecoveryKeyTest, KnownAnswers) {
  ASSERT_OK_AND_ASSIGN(RecoveryKeys keys, DeriveRecoveryKeys(CountingSecret(32)));
  EXPECT_EQ(Hex(keys.box.public_key),
            "e8fedfe2bda0899011f4788835d289a2cd7dd63fdf49b277169fcd6a10549871");
  EXPECT_EQ(Hex(keys.box.secret_key),
            "78a38112d34d294fceeda30e573890d29983439bc3462212a27624c993a1fd73");
  EXPECT_EQ(Hex(keys.age_identity),
            "baa5525ec63c0a72a33bfa75cac7d6583cbd821061d4bbf31f7f5bce1d7873a7");
  EXPECT_EQ(Hex(keys.age_public_key),
            "67196b023f989cd0e67d20cc5717c248b7e83f66cfc00f3fdcd53ce441a17c04");
}

TEST_F(RecoveryKeyTest, SameSecretSameKeysOtherSecretOtherKeys) {
  ASSERT_OK_AND_ASSIGN(RecoveryKeys a, DeriveRecoveryKeys(CountingSecret(32)));
  ASSERT_OK_AND_ASSIGN(RecoveryKeys b, DeriveRecoveryKeys(CountingSecret(32)));
  EXPECT_EQ(Hex(a.box.secret_key), Hex(b.box.secret_key));
  EXPECT_EQ(Hex(a.age_identity), Hex(b.age_identity));

  SecureBuffer other = CountingSecret(32);
  other.data()[31] ^= 1;
  ASSERT_OK_AND_ASSIGN(RecoveryKeys c, DeriveRecoveryKeys(other));
  EXPECT_NE(Hex(a.box.public_key), Hex(c.box.public_key));
  EXPECT_NE(Hex(a.age_public_key), Hex(c.age_public_key));
}

// Each key comes from its own label: the derivation is exactly the KDF under
// that label, and any other label gives another key.
TEST_F(RecoveryKeyTest, EachKeyIsItsLabelsSubkey) {
  const SecureBuffer master = CountingSecret(32);
  ASSERT_OK_AND_ASSIGN(RecoveryKeys keys, DeriveRecoveryKeys(master));

  ASSERT_OK_AND_ASSIGN(SecureBuffer box_seed, crypto::DeriveSubkey(master, 1, "bt-rcbox"));
  ASSERT_OK_AND_ASSIGN(crypto::BoxKeyPair box, crypto::BoxKeyPairFromSeed(box_seed));
  EXPECT_EQ(Hex(keys.box.public_key), Hex(box.public_key));
  ASSERT_OK_AND_ASSIGN(SecureBuffer age, crypto::DeriveSubkey(master, 1, "bt-rcage"));
  EXPECT_EQ(Hex(keys.age_identity), Hex(age));

  for (std::string_view other : {"bt-rcbpx", "bt-rcagf", "baton-id"}) {
    SCOPED_TRACE(other);
    ASSERT_OK_AND_ASSIGN(SecureBuffer seed, crypto::DeriveSubkey(master, 1, other));
    ASSERT_OK_AND_ASSIGN(crypto::BoxKeyPair pair, crypto::BoxKeyPairFromSeed(seed));
    EXPECT_NE(Hex(pair.public_key), Hex(keys.box.public_key));
    EXPECT_NE(Hex(seed), Hex(keys.age_identity));
  }
  ASSERT_OK_AND_ASSIGN(SecureBuffer id2, crypto::DeriveSubkey(master, 2, "bt-rcage"));
  EXPECT_NE(Hex(id2), Hex(keys.age_identity));
}

TEST_F(RecoveryKeyTest, NoKeyServesTwoProtocols) {
  ASSERT_OK_AND_ASSIGN(RecoveryKeys keys, DeriveRecoveryKeys(CountingSecret(32)));
  const std::string master = Hex(CountingSecret(32));
  EXPECT_NE(Hex(keys.box.secret_key), Hex(keys.age_identity));
  EXPECT_NE(Hex(keys.box.public_key), Hex(keys.age_public_key));
  EXPECT_NE(Hex(keys.box.secret_key), master);
  EXPECT_NE(Hex(keys.age_identity), master);
}

TEST_F(RecoveryKeyTest, BoxPairOpensWhatIsSealedToIt) {
  ASSERT_OK_AND_ASSIGN(RecoveryKeys keys, DeriveRecoveryKeys(CountingSecret(32)));
  FakeEnv env;
  const SecureBuffer collection_key = crypto::RandomKey(env);
  ASSERT_OK_AND_ASSIGN(crypto::Bytes sealed,
                       crypto::SealTo(keys.box.public_key, collection_key.bytes()));
  ASSERT_OK_AND_ASSIGN(SecureBuffer opened, crypto::OpenSealed(keys.box, sealed));
  EXPECT_EQ(Hex(opened), Hex(collection_key));
}

// The age public half is X25519 of the identity: both sides of a key
// agreement with another party's key reach the same shared secret.
TEST_F(RecoveryKeyTest, AgePublicKeyIsTheIdentitysX25519Image) {
  ASSERT_OK_AND_ASSIGN(RecoveryKeys keys, DeriveRecoveryKeys(CountingSecret(32)));
  FakeEnv env;
  const SecureBuffer peer = crypto::RandomKey(env);
  crypto::PublicKey peer_pk{};
  ASSERT_EQ(crypto_scalarmult_base(peer_pk.data(), peer.data()), 0);
  crypto::PublicKey mine{};
  crypto::PublicKey theirs{};
  ASSERT_EQ(crypto_scalarmult(mine.data(), keys.age_identity.data(), peer_pk.data()), 0);
  ASSERT_EQ(crypto_scalarmult(theirs.data(), peer.data(), keys.age_public_key.data()), 0);
  EXPECT_EQ(Hex(mine), Hex(theirs));
}

// The derived age secret is an age identity whose recipient is the derived
// public half: a file encrypted to that recipient opens with it.
TEST_F(RecoveryKeyTest, TheAgeIdentityOpensWhatIsEncryptedToItsRecipient) {
  ASSERT_OK_AND_ASSIGN(RecoveryKeys keys, DeriveRecoveryKeys(CountingSecret(32)));
  ASSERT_OK_AND_ASSIGN(age::Identity identity,
                       age::Identity::FromSecret(keys.age_identity.bytes()));
  EXPECT_EQ(Hex(identity.recipient().key()), Hex(keys.age_public_key));
  FakeEnv env;
  const age::Recipient to = age::Recipient::FromKey(keys.age_public_key);
  std::istringstream plain("the team's backup");
  std::ostringstream sealed;
  ASSERT_OK(age::Encrypt(env, std::span(&to, 1), plain, sealed));
  std::istringstream in(sealed.str());
  std::ostringstream opened;
  ASSERT_OK(age::Decrypt(std::span(&identity, 1), in, opened));
  EXPECT_EQ(opened.str(), "the team's backup");
}

TEST_F(RecoveryKeyTest, RefusesAMasterSecretOfTheWrongSize) {
  for (size_t n : {0u, 16u, 31u, 33u, 64u}) {
    SCOPED_TRACE(n);
    auto keys = DeriveRecoveryKeys(CountingSecret(n));
    ASSERT_FALSE(keys.has_value());
    EXPECT_TRUE(keys.error().IsInvalidArgument());
    EXPECT_NE(keys.error().message().find("must be 32 bytes, not " + std::to_string(n)),
              std::string::npos)
        << keys.error().message();
  }
}

TEST_F(RecoveryKeyTest, GeneratedSecretsAreFreshAndTheRightSize) {
  FakeEnv env;
  const SecureBuffer a = GenerateMasterSecret(env);
  const SecureBuffer b = GenerateMasterSecret(env);
  EXPECT_EQ(a.size(), kMasterSecretBytes);
  EXPECT_NE(Hex(a), Hex(b));
}

// What custodians hold: any K of N shares give back the master secret, and
// so the very keys the team registered.
TEST_F(RecoveryKeyTest, AnyThresholdOfSharesGivesBackTheKeys) {
  FakeEnv env;
  const SecureBuffer master = GenerateMasterSecret(env);
  ASSERT_OK_AND_ASSIGN(RecoveryKeys keys, DeriveRecoveryKeys(master));
  slip39::SplitOptions options;
  options.groups = {{3, 5}};
  options.iteration_exponent = 0;
  ASSERT_OK_AND_ASSIGN(auto groups, slip39::Split(env, master, {}, options));
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_EQ(groups[0].size(), 5u);
  const std::vector<std::string_view> picked = {slip39::MnemonicText(groups[0][4]),
                                                slip39::MnemonicText(groups[0][0]),
                                                slip39::MnemonicText(groups[0][2])};
  ASSERT_OK_AND_ASSIGN(SecureBuffer back, slip39::Combine(picked, {}));
  ASSERT_OK_AND_ASSIGN(RecoveryKeys again, DeriveRecoveryKeys(back));
  EXPECT_EQ(Hex(again.box.public_key), Hex(keys.box.public_key));
  EXPECT_EQ(Hex(again.age_public_key), Hex(keys.age_public_key));
}

}  // namespace
}  // namespace backup::recovery
