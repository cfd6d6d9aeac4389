#include "vault/identity.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"

namespace vault {
namespace {

using crypto::AsBytes;
using testing_util::FakeEnv;

// The cheapest parameters the format accepts, to keep the suite fast.
constexpr kdf::Params kFast{1, kdf::kMinMemoryBytes, 1};
constexpr std::string_view kPass = "correct horse battery staple";
constexpr char kPath[] = "/home/alice/.config/baton/identity";

// Rewrites the trailing checksum so a deliberate edit looks like a file as
// written, to reach the checks behind the checksum.
void Reseal(std::vector<uint8_t>& file) {
  const size_t body = file.size() - crypto::kHashBytes;
  crypto::Hash h = crypto::Blake2b256(std::span(file).first(body));
  std::copy(h.begin(), h.end(), file.begin() + static_cast<ptrdiff_t>(body));
}

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(crypto::Init());
    Identity id = Identity::Generate(env_);
    ASSERT_OK(SaveIdentity(env_, kPath, id, AsBytes(kPass), kFast));
    file_ = env_.files().at(kPath);
  }

  FakeEnv env_;
  std::vector<uint8_t> file_;
};

TEST_F(IdentityTest, RoundTripKeepsSeedAndKeys) {
  Identity id = Identity::Generate(env_);
  ASSERT_OK(SaveIdentity(env_, "/id2", id, AsBytes(kPass), kFast));
  ASSERT_OK_AND_ASSIGN(Identity back, LoadIdentity(env_, "/id2", AsBytes(kPass)));
  EXPECT_TRUE(crypto::ConstantTimeEqual(back.seed().bytes(), id.seed().bytes()));
  EXPECT_EQ(back.signing_public_key(), id.signing_public_key());
  EXPECT_EQ(back.box_public_key(), id.box_public_key());
  EXPECT_EQ(back.Fingerprint(), id.Fingerprint());
  EXPECT_EQ(env_.files().at("/id2").size(), kIdentityFileBytes);
  ASSERT_OK_AND_ASSIGN(uint32_t mode, env_.FileMode("/id2"));
  EXPECT_EQ(mode, 0600u);
}

TEST_F(IdentityTest, KeysAreDerivedSeparatelyFromTheSeed) {
  ASSERT_OK_AND_ASSIGN(Identity a, Identity::FromSeed(crypto::RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(Identity b, Identity::FromSeed(SecureBuffer::CopyOf(a.seed().bytes())));
  EXPECT_EQ(a.signing_public_key(), b.signing_public_key());
  EXPECT_EQ(a.box_public_key(), b.box_public_key());
  // Not one key used for both: the box key is not the signing key's
  // birational image, nor the seed used directly.
  crypto::PublicKey converted{};
  ASSERT_EQ(crypto_sign_ed25519_pk_to_curve25519(converted.data(), a.signing_public_key().data()),
            0);
  EXPECT_NE(converted, a.box_public_key());
  ASSERT_OK_AND_ASSIGN(crypto::SigningKeyPair direct, crypto::SigningKeyPairFromSeed(a.seed()));
  EXPECT_NE(direct.public_key, a.signing_public_key());
  EXPECT_STATUS(Identity::FromSeed(SecureBuffer(16)), kInvalidArgument);
}

TEST_F(IdentityTest, SignAndOpenWithLoadedIdentity) {
  ASSERT_OK_AND_ASSIGN(Identity id, LoadIdentity(env_, kPath, AsBytes(kPass)));
  ASSERT_OK_AND_ASSIGN(crypto::Signature sig, crypto::Sign(id.signing(), AsBytes("nonce")));
  EXPECT_OK(crypto::Verify(id.signing_public_key(), AsBytes("nonce"), sig));
  ASSERT_OK_AND_ASSIGN(crypto::Bytes sealed, crypto::SealTo(id.box_public_key(), AsBytes("ck")));
  ASSERT_OK_AND_ASSIGN(SecureBuffer opened, crypto::OpenSealed(id.box(), sealed));
  EXPECT_EQ(opened.size(), 2u);
}

TEST_F(IdentityTest, EachEncodingHasFreshSaltAndNonce) {
  ASSERT_OK_AND_ASSIGN(Identity id, LoadIdentity(env_, kPath, AsBytes(kPass)));
  ASSERT_OK_AND_ASSIGN(auto a, EncodeIdentityFile(env_, id, AsBytes(kPass), kFast));
  ASSERT_OK_AND_ASSIGN(auto b, EncodeIdentityFile(env_, id, AsBytes(kPass), kFast));
  EXPECT_NE(a, b);
}

TEST_F(IdentityTest, InspectReportsParametersAndKeys) {
  ASSERT_OK_AND_ASSIGN(IdentityFileInfo info, InspectIdentityFile(file_));
  EXPECT_EQ(info.version, kIdentityFileVersion);
  EXPECT_EQ(info.kdf, kFast);
  ASSERT_OK_AND_ASSIGN(Identity id, LoadIdentity(env_, kPath, AsBytes(kPass)));
  EXPECT_EQ(info.signing_public_key, id.signing_public_key());
  EXPECT_EQ(info.box_public_key, id.box_public_key());
}

TEST_F(IdentityTest, WrongPassphraseIsDistinctAndDoesNotLeak) {
  auto r = LoadIdentity(env_, kPath, AsBytes("correct horse battery stapler"));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsWrongPassphrase()) << r.error().ToString();
  EXPECT_EQ(r.error().message().find("correct horse"), std::string::npos);
  EXPECT_EQ(env_.files().at(kPath), file_);
}

TEST_F(IdentityTest, EmptyPassphraseIsRejected) {
  EXPECT_STATUS(LoadIdentity(env_, kPath, {}), kInvalidArgument);
  Identity id = Identity::Generate(env_);
  EXPECT_STATUS(SaveIdentity(env_, "/other", id, {}, kFast), kInvalidArgument);
  EXPECT_FALSE(env_.FileExists("/other"));
}

TEST_F(IdentityTest, EveryTruncationIsReportedAsTruncated) {
  for (size_t n = 0; n < file_.size(); ++n) {
    auto r = DecodeIdentityFile(std::span(file_).first(n), AsBytes(kPass));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_TRUE(r.error().IsCorruption()) << n << ": " << r.error().ToString();
    EXPECT_NE(r.error().message().find("truncated"), std::string::npos) << r.error().ToString();
  }
}

TEST_F(IdentityTest, TrailingBytesAreCorruption) {
  std::vector<uint8_t> longer = file_;
  longer.push_back(0);
  auto r = DecodeIdentityFile(longer, AsBytes(kPass));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsCorruption());
  EXPECT_NE(r.error().message().find("trailing"), std::string::npos);
}

TEST_F(IdentityTest, EveryFlippedByteIsDetected) {
  for (size_t i = 0; i < file_.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80}) {
      std::vector<uint8_t> bad = file_;
      bad[i] ^= mask;
      auto r = DecodeIdentityFile(bad, AsBytes(kPass));
      ASSERT_FALSE(r.has_value()) << "byte " << i;
      const Status& s = r.error();
      if (i < 8) {
        EXPECT_TRUE(s.IsInvalidArgument()) << i << ": " << s.ToString();  // magic
      } else if (i < 10) {
        EXPECT_TRUE(s.IsUnsupported()) << i << ": " << s.ToString();  // version
      } else {
        EXPECT_TRUE(s.IsCorruption()) << i << ": " << s.ToString();
        EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.ToString();
      }
    }
  }
}

TEST_F(IdentityTest, NotAnIdentityFile) {
  const std::string text = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  auto r = DecodeIdentityFile(AsBytes(text), AsBytes(kPass));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsInvalidArgument());
  EXPECT_NE(r.error().message().find("not a baton identity file"), std::string::npos);
}

TEST_F(IdentityTest, UnknownVersionIsUnsupported) {
  std::vector<uint8_t> future = file_;
  future[8] = 2;
  Reseal(future);
  auto r = DecodeIdentityFile(future, AsBytes(kPass));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsUnsupported()) << r.error().ToString();
  EXPECT_NE(r.error().message().find("version 2"), std::string::npos);
}

TEST_F(IdentityTest, UnknownAlgorithmIsUnsupported) {
  for (size_t off : {size_t{10}, size_t{11}}) {
    std::vector<uint8_t> bad = file_;
    bad[off] = 9;
    Reseal(bad);
    EXPECT_STATUS(DecodeIdentityFile(bad, AsBytes(kPass)), kUnsupported) << off;
  }
}

TEST_F(IdentityTest, AbsurdKdfParametersAreRefusedBeforeDerivation) {
  struct Case {
    size_t offset;
    uint64_t value;
    int width;
  };
  const Case cases[] = {
      {16, 64ull << 30, 8},  // 64 GiB of memory
      {16, 1ull << 20, 8},   // 1 MiB: below the floor
      {12, 0, 4},            // zero iterations
      {12, 1u << 30, 4},     // a billion iterations
      {24, 8, 4},            // eight lanes
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> bad = file_;
    for (int i = 0; i < c.width; ++i) bad[c.offset + i] = static_cast<uint8_t>(c.value >> (8 * i));
    Reseal(bad);
    auto r = DecodeIdentityFile(bad, AsBytes(kPass));
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().IsInvalidArgument()) << r.error().ToString();
    EXPECT_NE(r.error().message().find("KDF parameters"), std::string::npos);
  }
}

TEST_F(IdentityTest, HeaderIsBoundToTheCiphertext) {
  // A consistent-looking file (checksum recomputed) whose salt, KDF figures
  // or public keys were changed does not open: the header is the AEAD's
  // associated data, so an attacker cannot swap in their own public keys.
  struct Edit {
    size_t offset;
    const char* what;
  };
  for (const Edit& e :
       {Edit{12, "iterations"}, Edit{30, "salt"}, Edit{50, "signing key"}, Edit{80, "box key"}}) {
    std::vector<uint8_t> bad = file_;
    bad[e.offset] ^= (e.offset == 12 ? 0x02 : 0x01);
    Reseal(bad);
    EXPECT_STATUS(DecodeIdentityFile(bad, AsBytes(kPass)), kWrongPassphrase) << e.what;
  }
}

TEST_F(IdentityTest, SaveRefusesToOverwrite) {
  Identity other = Identity::Generate(env_);
  EXPECT_STATUS(SaveIdentity(env_, kPath, other, AsBytes(kPass), kFast), kAlreadyExists);
  EXPECT_EQ(env_.files().at(kPath), file_);
  EXPECT_OK(SaveIdentity(env_, kPath, other, AsBytes(kPass), kFast, /*overwrite=*/true));
}

TEST_F(IdentityTest, SaveRejectsWeakParameters) {
  Identity id = Identity::Generate(env_);
  EXPECT_STATUS(SaveIdentity(env_, "/weak", id, AsBytes(kPass), {1, 8 * kdf::kMiB, 1}),
                kInvalidArgument);
  EXPECT_FALSE(env_.FileExists("/weak"));
}

TEST_F(IdentityTest, LoadMissingFileIsNotFound) {
  EXPECT_STATUS(LoadIdentity(env_, "/nope", AsBytes(kPass)), kNotFound);
}

TEST_F(IdentityTest, ChangePassphraseReencrypts) {
  ASSERT_OK_AND_ASSIGN(IdentityFileInfo before, InspectIdentityFile(file_));
  const kdf::Params stronger{2, kdf::kMinMemoryBytes, 1};
  ASSERT_OK(ChangeIdentityPassphrase(env_, kPath, AsBytes(kPass), AsBytes("new pass"), stronger));
  EXPECT_STATUS(LoadIdentity(env_, kPath, AsBytes(kPass)), kWrongPassphrase);
  ASSERT_OK_AND_ASSIGN(Identity id, LoadIdentity(env_, kPath, AsBytes("new pass")));
  EXPECT_EQ(id.signing_public_key(), before.signing_public_key);
  ASSERT_OK_AND_ASSIGN(IdentityFileInfo after, InspectIdentityFile(env_.files().at(kPath)));
  EXPECT_EQ(after.kdf, stronger);
  // New salt: bytes 28..43 differ.
  const auto& now = env_.files().at(kPath);
  EXPECT_FALSE(std::equal(now.begin() + 28, now.begin() + 44, file_.begin() + 28));
}

TEST_F(IdentityTest, ChangePassphraseWithWrongOldChangesNothing) {
  EXPECT_STATUS(ChangeIdentityPassphrase(env_, kPath, AsBytes("guess"), AsBytes("x"), kFast),
                kWrongPassphrase);
  EXPECT_EQ(env_.files().at(kPath), file_);
}

TEST_F(IdentityTest, ChangePassphraseWriteFailureKeepsOldFile) {
  env_.FailNextWrites(1);
  EXPECT_STATUS(ChangeIdentityPassphrase(env_, kPath, AsBytes(kPass), AsBytes("new"), kFast),
                kIOError);
  EXPECT_EQ(env_.files().at(kPath), file_);
  EXPECT_OK(LoadIdentity(env_, kPath, AsBytes(kPass)));
}

TEST_F(IdentityTest, ChangePassphraseRejectsEmptyNewPassphrase) {
  EXPECT_STATUS(ChangeIdentityPassphrase(env_, kPath, AsBytes(kPass), {}, kFast), kInvalidArgument);
  EXPECT_EQ(env_.files().at(kPath), file_);
}

TEST(IdentityPosixTest, FileOnDiskIsPrivate) {
  ASSERT_OK(crypto::Init());
  testing_util::TempDir dir;
  Env& env = Env::Default();
  Identity id = Identity::Generate(env);
  const std::string path = dir.File("identity");
  ASSERT_OK(SaveIdentity(env, path, id, AsBytes(kPass), kFast));
  ASSERT_OK_AND_ASSIGN(uint32_t mode, env.FileMode(path));
  EXPECT_EQ(mode, 0600u);
  ASSERT_OK_AND_ASSIGN(Identity back, LoadIdentity(env, path, AsBytes(kPass)));
  EXPECT_EQ(back.box_public_key(), id.box_public_key());
}

}  // namespace
}  // namespace vault
