#include "vault/server_keys.h"

#include <gtest/gtest.h>

#include <optional>

#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"

namespace vault {
namespace {

using crypto::AsBytes;
using testing_util::FakeEnv;

// The cheapest parameters the format accepts, to keep the suite fast.
constexpr kdf::Params kFast{1, kdf::kMinMemoryBytes, 1};
constexpr std::string_view kPass = "operator passphrase for batond";
constexpr char kPlainPath[] = "/var/lib/baton/server.keys";
constexpr char kSealedPath[] = "/var/lib/baton/sealed.keys";

// Offsets of format version 1 (see server_keys.h).
constexpr size_t kOffProtection = 10;
constexpr size_t kOffKdfAlg = 11;
constexpr size_t kOffAeadAlg = 12;
constexpr size_t kOffIterations = 13;
constexpr size_t kOffMemory = 17;
constexpr size_t kOffParallelism = 25;
constexpr size_t kOffSalt = 29;
constexpr size_t kOffAuditPk = 45;
constexpr size_t kOffEscrowPk = 77;
constexpr size_t kOffBox = 109;
constexpr size_t kOffPlainSecrets = kOffBox + 24;

ServerKeyPassphrase Seal(std::string_view pass = kPass, kdf::Params params = kFast) {
  return {AsBytes(pass), params};
}

// Rewrites the trailing checksum so a deliberate edit looks like a file as
// written, to reach the checks behind the checksum.
void Reseal(std::vector<uint8_t>& file) {
  const size_t body = file.size() - crypto::kHashBytes;
  crypto::Hash h = crypto::Blake2b256(std::span(file).first(body));
  std::copy(h.begin(), h.end(), file.begin() + static_cast<ptrdiff_t>(body));
}

void StoreLE(std::vector<uint8_t>& file, size_t offset, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) file[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

bool SameSecrets(const ServerKeys& a, const ServerKeys& b) {
  return crypto::ConstantTimeEqual(a.db_key().bytes(), b.db_key().bytes()) &&
         crypto::ConstantTimeEqual(a.audit_seed().bytes(), b.audit_seed().bytes()) &&
         crypto::ConstantTimeEqual(a.escrow_seed().bytes(), b.escrow_seed().bytes()) &&
         a.audit_public_key() == b.audit_public_key() &&
         a.escrow_public_key() == b.escrow_public_key();
}

class ServerKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(crypto::Init());
    ServerKeys keys = ServerKeys::Generate(env_);
    ASSERT_OK(SaveServerKeys(env_, kPlainPath, keys));
    ASSERT_OK(SaveServerKeys(env_, kSealedPath, keys, Seal()));
    plain_ = env_.files().at(kPlainPath);
    sealed_ = env_.files().at(kSealedPath);
  }

  FakeEnv env_;
  std::vector<uint8_t> plain_;
  std::vector<uint8_t> sealed_;
};

TEST_F(ServerKeysTest, GeneratedKeysAreIndependentAndDerivedFromTheirSeeds) {
  ServerKeys keys = ServerKeys::Generate(env_);
  EXPECT_EQ(keys.db_key().size(), crypto::kKeyBytes);
  EXPECT_FALSE(crypto::ConstantTimeEqual(keys.db_key().bytes(), keys.audit_seed().bytes()));
  EXPECT_FALSE(crypto::ConstantTimeEqual(keys.audit_seed().bytes(), keys.escrow_seed().bytes()));
  ASSERT_OK_AND_ASSIGN(crypto::SigningKeyPair audit,
                       crypto::SigningKeyPairFromSeed(keys.audit_seed()));
  ASSERT_OK_AND_ASSIGN(crypto::BoxKeyPair escrow, crypto::BoxKeyPairFromSeed(keys.escrow_seed()));
  EXPECT_EQ(audit.public_key, keys.audit_public_key());
  EXPECT_EQ(escrow.public_key, keys.escrow_public_key());
  ServerKeys other = ServerKeys::Generate(env_);
  EXPECT_FALSE(SameSecrets(keys, other));
  EXPECT_STATUS(ServerKeys::FromSecrets(SecureBuffer(32), SecureBuffer(31), SecureBuffer(32)),
                kInvalidArgument);
}

TEST_F(ServerKeysTest, PlainRoundTrip) {
  ServerKeys keys = ServerKeys::Generate(env_);
  ASSERT_OK(SaveServerKeys(env_, "/k", keys));
  ASSERT_OK_AND_ASSIGN(ServerKeys back, LoadServerKeys(env_, "/k"));
  EXPECT_TRUE(SameSecrets(back, keys));
  EXPECT_EQ(env_.files().at("/k").size(), kServerKeyFileBytes);
  ASSERT_OK_AND_ASSIGN(uint32_t mode, env_.FileMode("/k"));
  EXPECT_EQ(mode, 0600u);
}

TEST_F(ServerKeysTest, SealedRoundTrip) {
  ServerKeys keys = ServerKeys::Generate(env_);
  ASSERT_OK(SaveServerKeys(env_, "/k", keys, Seal()));
  ASSERT_OK_AND_ASSIGN(ServerKeys back, LoadServerKeys(env_, "/k", AsBytes(kPass)));
  EXPECT_TRUE(SameSecrets(back, keys));
  EXPECT_EQ(env_.files().at("/k").size(), kServerKeyFileBytes);
  ASSERT_OK_AND_ASSIGN(uint32_t mode, env_.FileMode("/k"));
  EXPECT_EQ(mode, 0600u);
}

TEST_F(ServerKeysTest, LoadedKeysWork) {
  ASSERT_OK_AND_ASSIGN(ServerKeys keys, LoadServerKeys(env_, kSealedPath, AsBytes(kPass)));
  ASSERT_OK_AND_ASSIGN(crypto::Signature sig, crypto::Sign(keys.audit(), AsBytes("checkpoint")));
  EXPECT_OK(crypto::Verify(keys.audit_public_key(), AsBytes("checkpoint"), sig));
  ASSERT_OK_AND_ASSIGN(crypto::Bytes box, crypto::SealTo(keys.escrow_public_key(), AsBytes("x")));
  ASSERT_OK_AND_ASSIGN(SecureBuffer opened, crypto::OpenSealed(keys.escrow(), box));
  EXPECT_EQ(opened.size(), 1u);
}

TEST_F(ServerKeysTest, PlainAndSealedFilesHoldTheSameKeys) {
  ASSERT_OK_AND_ASSIGN(ServerKeys a, LoadServerKeys(env_, kPlainPath));
  ASSERT_OK_AND_ASSIGN(ServerKeys b, LoadServerKeys(env_, kSealedPath, AsBytes(kPass)));
  EXPECT_TRUE(SameSecrets(a, b));
}

TEST_F(ServerKeysTest, SealedFileDoesNotContainTheSecrets) {
  ASSERT_OK_AND_ASSIGN(ServerKeys keys, LoadServerKeys(env_, kPlainPath));
  for (const SecureBuffer* secret : {&keys.db_key(), &keys.audit_seed(), &keys.escrow_seed()}) {
    auto it =
        std::search(sealed_.begin(), sealed_.end(), secret->bytes().begin(), secret->bytes().end());
    EXPECT_EQ(it, sealed_.end());
  }
  // ...while the plain one stores them as is, where the ciphertext would be.
  EXPECT_TRUE(crypto::ConstantTimeEqual(std::span(plain_).subspan(kOffPlainSecrets, 32),
                                        keys.db_key().bytes()));
}

TEST_F(ServerKeysTest, EachSealingHasFreshSaltAndNonce) {
  ASSERT_OK_AND_ASSIGN(ServerKeys keys, LoadServerKeys(env_, kPlainPath));
  ASSERT_OK_AND_ASSIGN(SecureBuffer a, EncodeServerKeys(env_, keys, Seal()));
  ASSERT_OK_AND_ASSIGN(SecureBuffer b, EncodeServerKeys(env_, keys, Seal()));
  EXPECT_FALSE(
      crypto::ConstantTimeEqual(a.bytes().subspan(kOffSalt, 16), b.bytes().subspan(kOffSalt, 16)));
  EXPECT_FALSE(
      crypto::ConstantTimeEqual(a.bytes().subspan(kOffBox, 24), b.bytes().subspan(kOffBox, 24)));
  // The plain encoding is a function of the keys.
  ASSERT_OK_AND_ASSIGN(SecureBuffer p, EncodeServerKeys(env_, keys));
  EXPECT_TRUE(crypto::ConstantTimeEqual(p.bytes(), plain_));
}

TEST_F(ServerKeysTest, InspectReportsModeParametersAndKeys) {
  ASSERT_OK_AND_ASSIGN(ServerKeys keys, LoadServerKeys(env_, kPlainPath));
  ASSERT_OK_AND_ASSIGN(ServerKeyFileInfo plain, InspectServerKeyFile(plain_));
  EXPECT_EQ(plain.version, kServerKeyFileVersion);
  EXPECT_EQ(plain.protection, ServerKeyProtection::kPlain);
  EXPECT_FALSE(plain.needs_passphrase());
  EXPECT_FALSE(plain.kdf.has_value());
  EXPECT_EQ(plain.audit_public_key, keys.audit_public_key());
  EXPECT_EQ(plain.escrow_public_key, keys.escrow_public_key());

  ASSERT_OK_AND_ASSIGN(ServerKeyFileInfo sealed, InspectServerKeyFile(sealed_));
  EXPECT_EQ(sealed.protection, ServerKeyProtection::kPassphrase);
  EXPECT_TRUE(sealed.needs_passphrase());
  ASSERT_TRUE(sealed.kdf.has_value());
  EXPECT_EQ(*sealed.kdf, kFast);
  EXPECT_EQ(sealed.audit_public_key, keys.audit_public_key());
  EXPECT_EQ(sealed.escrow_public_key, keys.escrow_public_key());
}

TEST_F(ServerKeysTest, WrongPassphraseIsDistinctAndDoesNotLeak) {
  auto r = LoadServerKeys(env_, kSealedPath, AsBytes("operator passphrase for batonD"));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsWrongPassphrase()) << r.error().ToString();
  EXPECT_EQ(r.error().message().find("operator passphrase"), std::string::npos);
  EXPECT_EQ(env_.files().at(kSealedPath), sealed_);
}

TEST_F(ServerKeysTest, PassphraseForAPlainFileIsRefused) {
  auto r = LoadServerKeys(env_, kPlainPath, AsBytes(kPass));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsInvalidArgument()) << r.error().ToString();
  EXPECT_NE(r.error().message().find("not sealed"), std::string::npos) << r.error().ToString();
}

TEST_F(ServerKeysTest, MissingPassphraseForASealedFile) {
  auto r = LoadServerKeys(env_, kSealedPath);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsFailedPrecondition()) << r.error().ToString();
  EXPECT_NE(r.error().message().find("passphrase is required"), std::string::npos)
      << r.error().ToString();
  EXPECT_NE(r.error().message().find(kSealedPath), std::string::npos);
}

TEST_F(ServerKeysTest, EmptyPassphraseIsRejected) {
  EXPECT_STATUS(LoadServerKeys(env_, kSealedPath, std::span<const uint8_t>{}), kInvalidArgument);
  ServerKeys keys = ServerKeys::Generate(env_);
  EXPECT_STATUS(SaveServerKeys(env_, "/other", keys, Seal("")), kInvalidArgument);
  EXPECT_FALSE(env_.FileExists("/other"));
}

TEST_F(ServerKeysTest, SaveRejectsWeakParameters) {
  ServerKeys keys = ServerKeys::Generate(env_);
  EXPECT_STATUS(SaveServerKeys(env_, "/weak", keys, Seal(kPass, {1, 8 * kdf::kMiB, 1})),
                kInvalidArgument);
  EXPECT_FALSE(env_.FileExists("/weak"));
}

TEST_F(ServerKeysTest, EveryTruncationIsReportedAsTruncated) {
  for (const auto* file : {&plain_, &sealed_}) {
    for (size_t n = 0; n < file->size(); ++n) {
      auto r = InspectServerKeyFile(std::span(*file).first(n));
      ASSERT_FALSE(r.has_value()) << n;
      EXPECT_TRUE(r.error().IsCorruption()) << n << ": " << r.error().ToString();
      EXPECT_NE(r.error().message().find("truncated"), std::string::npos) << r.error().ToString();
    }
  }
}

TEST_F(ServerKeysTest, TrailingBytesAreCorruption) {
  std::vector<uint8_t> longer = plain_;
  longer.push_back(0);
  auto r = DecodeServerKeys(longer);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsCorruption());
  EXPECT_NE(r.error().message().find("trailing"), std::string::npos);
}

TEST_F(ServerKeysTest, EveryFlippedByteIsDetected) {
  for (const auto* file : {&plain_, &sealed_}) {
    const bool sealed = file == &sealed_;
    for (size_t i = 0; i < file->size(); ++i) {
      for (uint8_t mask : {0x01, 0x80}) {
        std::vector<uint8_t> bad = *file;
        bad[i] ^= mask;
        auto r = sealed ? DecodeServerKeys(bad, AsBytes(kPass)) : DecodeServerKeys(bad);
        ASSERT_FALSE(r.has_value()) << "byte " << i;
        const Status& s = r.error();
        if (i < 8) {
          EXPECT_TRUE(s.IsInvalidArgument()) << i << ": " << s.ToString();  // magic
          EXPECT_NE(s.message().find("not a baton server key file"), std::string::npos);
        } else if (i < 10) {
          EXPECT_TRUE(s.IsUnsupported()) << i << ": " << s.ToString();  // version
        } else {
          EXPECT_TRUE(s.IsCorruption()) << i << ": " << s.ToString();
          EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.ToString();
        }
      }
    }
  }
}

TEST_F(ServerKeysTest, NotAServerKeyFile) {
  const std::string text = "-----BEGIN PRIVATE KEY-----\n";
  auto r = DecodeServerKeys(AsBytes(text));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsInvalidArgument());
  EXPECT_NE(r.error().message().find("not a baton server key file"), std::string::npos);
  // Nor is an identity file, whose magic differs only in its last bytes.
  std::vector<uint8_t> id = plain_;
  std::copy_n("BATON-ID", 8, id.begin());
  EXPECT_STATUS(InspectServerKeyFile(id), kInvalidArgument);
}

TEST_F(ServerKeysTest, UnknownVersionIsUnsupported) {
  std::vector<uint8_t> future = plain_;
  future[8] = 2;
  Reseal(future);
  auto r = DecodeServerKeys(future);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsUnsupported()) << r.error().ToString();
  EXPECT_NE(r.error().message().find("version 2"), std::string::npos);
}

TEST_F(ServerKeysTest, UnknownModeOrAlgorithmIsUnsupported) {
  struct Case {
    const std::vector<uint8_t>* file;
    size_t offset;
    uint8_t value;
    const char* what;
  };
  const Case cases[] = {
      {&plain_, kOffProtection, 2, "unknown protection mode"},
      {&sealed_, kOffProtection, 0xff, "unknown protection mode"},
      {&sealed_, kOffKdfAlg, 9, "unknown KDF"},
      {&sealed_, kOffAeadAlg, 9, "unknown cipher"},
      {&plain_, kOffKdfAlg, 1, "plain file naming a KDF"},
      {&plain_, kOffAeadAlg, 1, "plain file naming a cipher"},
      {&plain_, kOffProtection, 1, "plain file marked sealed: no KDF named"},
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> bad = *c.file;
    bad[c.offset] = c.value;
    Reseal(bad);
    EXPECT_STATUS(InspectServerKeyFile(bad), kUnsupported) << c.what;
  }
}

TEST_F(ServerKeysTest, SealedFileMarkedPlainIsCorruption) {
  std::vector<uint8_t> bad = sealed_;
  bad[kOffProtection] = 0;
  bad[kOffKdfAlg] = 0;
  bad[kOffAeadAlg] = 0;
  Reseal(bad);
  auto r = DecodeServerKeys(bad);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsCorruption()) << r.error().ToString();
  EXPECT_NE(r.error().message().find("non-zero passphrase fields"), std::string::npos);
}

TEST_F(ServerKeysTest, AbsurdKdfParametersAreRefusedBeforeDerivation) {
  struct Case {
    size_t offset;
    uint64_t value;
    int width;
  };
  const Case cases[] = {
      {kOffMemory, 64ull << 30, 8},   // 64 GiB of memory
      {kOffMemory, 1ull << 20, 8},    // 1 MiB: below the floor
      {kOffIterations, 0, 4},         // zero iterations
      {kOffIterations, 1u << 30, 4},  // a billion iterations
      {kOffParallelism, 8, 4},        // eight lanes
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> bad = sealed_;
    StoreLE(bad, c.offset, c.value, c.width);
    Reseal(bad);
    // No passphrase needed to refuse it: Inspect already does.
    auto info = InspectServerKeyFile(bad);
    ASSERT_FALSE(info.has_value());
    EXPECT_TRUE(info.error().IsInvalidArgument()) << info.error().ToString();
    EXPECT_NE(info.error().message().find("KDF parameters"), std::string::npos);
    EXPECT_STATUS(DecodeServerKeys(bad, AsBytes(kPass)), kInvalidArgument);
  }
}

TEST_F(ServerKeysTest, SealedHeaderIsBoundToTheCiphertext) {
  // A consistent-looking file (checksum recomputed) whose salt, KDF figures
  // or public keys were changed does not open: the header is the AEAD's
  // associated data, so nobody can swap in their own audit or escrow key.
  struct Edit {
    size_t offset;
    const char* what;
  };
  for (const Edit& e : {Edit{kOffIterations, "iterations"}, Edit{kOffSalt + 1, "salt"},
                        Edit{kOffAuditPk + 5, "audit key"}, Edit{kOffEscrowPk + 3, "escrow key"}}) {
    std::vector<uint8_t> bad = sealed_;
    bad[e.offset] ^= (e.offset == kOffIterations ? 0x02 : 0x01);
    Reseal(bad);
    EXPECT_STATUS(DecodeServerKeys(bad, AsBytes(kPass)), kWrongPassphrase) << e.what;
  }
}

TEST_F(ServerKeysTest, PlainSecretsMustReproduceTheHeaderKeys) {
  for (size_t offset :
       {kOffAuditPk + 7, kOffEscrowPk, kOffPlainSecrets + 32, kOffPlainSecrets + 95}) {
    std::vector<uint8_t> bad = plain_;
    bad[offset] ^= 0x01;
    Reseal(bad);
    auto r = DecodeServerKeys(bad);
    ASSERT_FALSE(r.has_value()) << offset;
    EXPECT_TRUE(r.error().IsCorruption()) << offset << ": " << r.error().ToString();
    EXPECT_NE(r.error().message().find("do not match"), std::string::npos) << r.error().ToString();
  }
}

TEST_F(ServerKeysTest, PlainFileWithNonZeroPassphraseFieldsIsCorruption) {
  for (size_t offset : {kOffIterations, kOffMemory + 3, kOffParallelism, kOffSalt + 15, kOffBox,
                        kOffPlainSecrets + 96 + 15}) {
    std::vector<uint8_t> bad = plain_;
    bad[offset] = 1;
    Reseal(bad);
    EXPECT_STATUS(DecodeServerKeys(bad), kCorruption) << offset;
  }
}

TEST_F(ServerKeysTest, SaveRefusesToOverwrite) {
  ServerKeys other = ServerKeys::Generate(env_);
  EXPECT_STATUS(SaveServerKeys(env_, kPlainPath, other), kAlreadyExists);
  EXPECT_STATUS(SaveServerKeys(env_, kPlainPath, other, Seal()), kAlreadyExists);
  EXPECT_EQ(env_.files().at(kPlainPath), plain_);
  ASSERT_OK(SaveServerKeys(env_, kPlainPath, other, std::nullopt, /*overwrite=*/true));
  ASSERT_OK_AND_ASSIGN(ServerKeys back, LoadServerKeys(env_, kPlainPath));
  EXPECT_TRUE(SameSecrets(back, other));
}

TEST_F(ServerKeysTest, WriteFailureLeavesTheOldFile) {
  ASSERT_OK_AND_ASSIGN(ServerKeys keys, LoadServerKeys(env_, kPlainPath));
  // Sealing an existing plain file in place, as `batond` would on request.
  env_.FailNextWrites(1);
  EXPECT_STATUS(SaveServerKeys(env_, kPlainPath, keys, Seal(), /*overwrite=*/true), kIOError);
  EXPECT_EQ(env_.files().at(kPlainPath), plain_);
  EXPECT_OK(LoadServerKeys(env_, kPlainPath));
  ASSERT_OK(SaveServerKeys(env_, kPlainPath, keys, Seal(), /*overwrite=*/true));
  ASSERT_OK_AND_ASSIGN(ServerKeys back, LoadServerKeys(env_, kPlainPath, AsBytes(kPass)));
  EXPECT_TRUE(SameSecrets(back, keys));
}

TEST_F(ServerKeysTest, LoadMissingFileIsNotFound) {
  EXPECT_STATUS(LoadServerKeys(env_, "/nope"), kNotFound);
}

TEST(ServerKeysPosixTest, FilesOnDiskArePrivate) {
  ASSERT_OK(crypto::Init());
  testing_util::TempDir dir;
  Env& env = Env::Default();
  ServerKeys keys = ServerKeys::Generate(env);
  const std::string plain = dir.File("server.keys");
  const std::string sealed = dir.File("sealed.keys");
  ASSERT_OK(SaveServerKeys(env, plain, keys));
  ASSERT_OK(SaveServerKeys(env, sealed, keys, Seal()));
  for (const std::string& path : {plain, sealed}) {
    ASSERT_OK_AND_ASSIGN(uint32_t mode, env.FileMode(path));
    EXPECT_EQ(mode, 0600u) << path;
  }
  ASSERT_OK_AND_ASSIGN(ServerKeys a, LoadServerKeys(env, plain));
  ASSERT_OK_AND_ASSIGN(ServerKeys b, LoadServerKeys(env, sealed, AsBytes(kPass)));
  EXPECT_TRUE(SameSecrets(a, keys));
  EXPECT_TRUE(SameSecrets(b, keys));
  EXPECT_STATUS(SaveServerKeys(env, plain, keys), kAlreadyExists);
}

}  // namespace
}  // namespace vault
