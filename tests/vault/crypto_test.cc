#include "vault/crypto.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cctype>
#include <string>

#include "fake_env.h"
#include "test_util.h"

namespace vault::crypto {
namespace {

using testing_util::FakeEnv;

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(Init()); }
  FakeEnv env_;
};

TEST_F(CryptoTest, InitIsIdempotent) {
  EXPECT_OK(Init());
  EXPECT_OK(Init());
}

// --- AEAD --------------------------------------------------------------------

TEST_F(CryptoTest, AeadRoundTrip) {
  SecureBuffer key = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(Bytes box, AeadSeal(env_, key, AsBytes("the password"), AsBytes("item-1")));
  EXPECT_EQ(box.size(), kAeadNonceBytes + 12 + kAeadTagBytes);
  ASSERT_OK_AND_ASSIGN(SecureBuffer plain, AeadOpen(key, box, AsBytes("item-1")));
  EXPECT_EQ(std::string(plain.data(), plain.data() + plain.size()), "the password");
}

TEST_F(CryptoTest, AeadEmptyPlaintext) {
  SecureBuffer key = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(Bytes box, AeadSeal(env_, key, {}, {}));
  ASSERT_OK_AND_ASSIGN(SecureBuffer plain, AeadOpen(key, box, {}));
  EXPECT_TRUE(plain.empty());
}

TEST_F(CryptoTest, AeadNoncesAreFresh) {
  SecureBuffer key = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(Bytes a, AeadSeal(env_, key, AsBytes("same"), {}));
  ASSERT_OK_AND_ASSIGN(Bytes b, AeadSeal(env_, key, AsBytes("same"), {}));
  EXPECT_NE(a, b);
}

TEST_F(CryptoTest, AeadMatchesRawLibsodium) {
  SecureBuffer key = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(Bytes box, AeadSeal(env_, key, AsBytes("abc"), AsBytes("ad")));
  uint8_t out[3];
  unsigned long long out_len = 0;
  ASSERT_EQ(crypto_aead_xchacha20poly1305_ietf_decrypt(
                out, &out_len, nullptr, box.data() + kAeadNonceBytes, box.size() - kAeadNonceBytes,
                reinterpret_cast<const uint8_t*>("ad"), 2, box.data(), key.data()),
            0);
  EXPECT_EQ(std::string(out, out + out_len), "abc");
}

TEST_F(CryptoTest, AeadRejectsEveryFlippedByte) {
  SecureBuffer key = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(Bytes box, AeadSeal(env_, key, AsBytes("secret"), AsBytes("ad")));
  for (size_t i = 0; i < box.size(); ++i) {
    Bytes bad = box;
    bad[i] ^= 0x01;
    EXPECT_STATUS(AeadOpen(key, bad, AsBytes("ad")), kCorruption) << "byte " << i;
  }
}

TEST_F(CryptoTest, AeadRejectsWrongAssociatedData) {
  SecureBuffer key = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(Bytes box, AeadSeal(env_, key, AsBytes("secret"), AsBytes("item-1|v2")));
  EXPECT_STATUS(AeadOpen(key, box, AsBytes("item-2|v2")), kCorruption);
  EXPECT_STATUS(AeadOpen(key, box, AsBytes("item-1|v1")), kCorruption);
  EXPECT_STATUS(AeadOpen(key, box, {}), kCorruption);
}

TEST_F(CryptoTest, AeadRejectsWrongKey) {
  SecureBuffer key = RandomKey(env_);
  SecureBuffer other = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(Bytes box, AeadSeal(env_, key, AsBytes("secret"), {}));
  EXPECT_STATUS(AeadOpen(other, box, {}), kCorruption);
}

TEST_F(CryptoTest, AeadRejectsTruncatedAndExtendedBoxes) {
  SecureBuffer key = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(Bytes box, AeadSeal(env_, key, AsBytes("secret"), {}));
  for (size_t n : {size_t{0}, size_t{10}, kAeadNonceBytes + kAeadTagBytes - 1, box.size() - 1}) {
    EXPECT_STATUS(AeadOpen(key, std::span(box).first(n), {}), kCorruption) << n;
  }
  Bytes longer = box;
  longer.push_back(0);
  EXPECT_STATUS(AeadOpen(key, longer, {}), kCorruption);
}

TEST_F(CryptoTest, AeadRejectsBadKeySize) {
  SecureBuffer short_key(16);
  EXPECT_STATUS(AeadSeal(env_, short_key, AsBytes("x"), {}), kInvalidArgument);
  EXPECT_STATUS(AeadOpen(short_key, Bytes(64), {}), kInvalidArgument);
}

TEST_F(CryptoTest, AeadOpenIntoReusesCallerMemory) {
  SecureBuffer key = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(Bytes box, AeadSeal(env_, key, AsBytes("abcd"), AsBytes("ad")));
  SecureBuffer out(4);
  ASSERT_OK(AeadOpenInto(key, box, AsBytes("ad"), out.bytes()));
  EXPECT_EQ(std::string(out.data(), out.data() + 4), "abcd");
  // A failed open leaves zeros, never partial plaintext.
  EXPECT_STATUS(AeadOpenInto(key, box, AsBytes("xx"), out.bytes()), kCorruption);
  EXPECT_EQ(std::string(out.data(), out.data() + 4), std::string(4, '\0'));
  SecureBuffer wrong_size(5);
  EXPECT_STATUS(AeadOpenInto(key, box, AsBytes("ad"), wrong_size.bytes()), kInvalidArgument);
}

// --- Sealed boxes ------------------------------------------------------------

TEST_F(CryptoTest, SealedBoxRoundTripAndWrongRecipient) {
  ASSERT_OK_AND_ASSIGN(BoxKeyPair alice, BoxKeyPairFromSeed(RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(BoxKeyPair bob, BoxKeyPairFromSeed(RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(Bytes sealed, SealTo(alice.public_key, AsBytes("collection key")));
  EXPECT_EQ(sealed.size(), 14 + kSealOverheadBytes);
  ASSERT_OK_AND_ASSIGN(SecureBuffer plain, OpenSealed(alice, sealed));
  EXPECT_EQ(std::string(plain.data(), plain.data() + plain.size()), "collection key");
  EXPECT_STATUS(OpenSealed(bob, sealed), kCorruption);
}

TEST_F(CryptoTest, SealedBoxRejectsTamperingAndTruncation) {
  ASSERT_OK_AND_ASSIGN(BoxKeyPair alice, BoxKeyPairFromSeed(RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(Bytes sealed, SealTo(alice.public_key, AsBytes("k")));
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes bad = sealed;
    bad[i] ^= 0x80;
    EXPECT_FALSE(OpenSealed(alice, bad).has_value()) << "byte " << i;
  }
  EXPECT_STATUS(OpenSealed(alice, std::span(sealed).first(kSealOverheadBytes - 1)), kCorruption);
}

TEST_F(CryptoTest, OpenSealedIntoReusesCallerMemory) {
  ASSERT_OK_AND_ASSIGN(BoxKeyPair alice, BoxKeyPairFromSeed(RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(BoxKeyPair bob, BoxKeyPairFromSeed(RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(Bytes sealed, SealTo(alice.public_key, AsBytes("key!")));
  SecureBuffer out(4);
  ASSERT_OK(OpenSealedInto(alice, sealed, out.bytes()));
  EXPECT_EQ(std::string(out.data(), out.data() + 4), "key!");
  EXPECT_STATUS(OpenSealedInto(bob, sealed, out.bytes()), kCorruption);
  EXPECT_EQ(std::string(out.data(), out.data() + 4), std::string(4, '\0'));
  SecureBuffer wrong_size(3);
  EXPECT_STATUS(OpenSealedInto(alice, sealed, wrong_size.bytes()), kInvalidArgument);
}

TEST_F(CryptoTest, BoxKeyPairIsDeterministicFromSeed) {
  SecureBuffer seed = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(BoxKeyPair a, BoxKeyPairFromSeed(seed));
  ASSERT_OK_AND_ASSIGN(BoxKeyPair b, BoxKeyPairFromSeed(seed));
  EXPECT_EQ(a.public_key, b.public_key);
  EXPECT_STATUS(BoxKeyPairFromSeed(SecureBuffer(31)), kInvalidArgument);
}

// --- Ed25519 ------------------------------------------------------------------

// RFC 8032 §7.1, TEST 2 (one-byte message 0x72).
TEST_F(CryptoTest, Ed25519Rfc8032Vector) {
  ASSERT_OK_AND_ASSIGN(Bytes seed,
                       FromHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
  ASSERT_OK_AND_ASSIGN(SigningKeyPair pair, SigningKeyPairFromSeed(SecureBuffer::CopyOf(seed)));
  EXPECT_EQ(ToHex(pair.public_key),
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  const uint8_t msg[] = {0x72};
  ASSERT_OK_AND_ASSIGN(Signature sig, Sign(pair, msg));
  EXPECT_EQ(ToHex(sig),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  EXPECT_OK(Verify(pair.public_key, msg, sig));
}

TEST_F(CryptoTest, Ed25519RejectsTamperedMessageSignatureAndKey) {
  ASSERT_OK_AND_ASSIGN(SigningKeyPair pair, SigningKeyPairFromSeed(RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(SigningKeyPair other, SigningKeyPairFromSeed(RandomKey(env_)));
  ASSERT_OK_AND_ASSIGN(Signature sig, Sign(pair, AsBytes("challenge")));
  EXPECT_OK(Verify(pair.public_key, AsBytes("challenge"), sig));
  EXPECT_STATUS(Verify(pair.public_key, AsBytes("challengf"), sig), kUnauthenticated);
  EXPECT_STATUS(Verify(other.public_key, AsBytes("challenge"), sig), kUnauthenticated);
  for (size_t i = 0; i < sig.size(); ++i) {
    Signature bad = sig;
    bad[i] ^= 0x04;
    EXPECT_STATUS(Verify(pair.public_key, AsBytes("challenge"), bad), kUnauthenticated) << i;
  }
  EXPECT_STATUS(Verify(pair.public_key, AsBytes("challenge"), std::span(sig).first(63)),
                kUnauthenticated);
}

// --- Hashing and subkeys -------------------------------------------------------

TEST_F(CryptoTest, Blake2b256KnownAnswer) {
  // BLAKE2b-256("abc"), as printed by `b2sum -l 256`.
  EXPECT_EQ(ToHex(Blake2b256(AsBytes("abc"))),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST_F(CryptoTest, KeyedHashDependsOnKeyAndRejectsBadKeys) {
  SecureBuffer k1 = RandomKey(env_), k2 = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(Hash a, Blake2b256Keyed(k1, AsBytes("m")));
  ASSERT_OK_AND_ASSIGN(Hash b, Blake2b256Keyed(k2, AsBytes("m")));
  EXPECT_NE(a, b);
  EXPECT_NE(a, Blake2b256(AsBytes("m")));
  EXPECT_STATUS(Blake2b256Keyed(SecureBuffer(8), AsBytes("m")), kInvalidArgument);
}

TEST_F(CryptoTest, SubkeysAreIndependentPerIdAndContext) {
  SecureBuffer master = RandomKey(env_);
  ASSERT_OK_AND_ASSIGN(SecureBuffer a, DeriveSubkey(master, 1, "contextA"));
  ASSERT_OK_AND_ASSIGN(SecureBuffer a2, DeriveSubkey(master, 1, "contextA"));
  ASSERT_OK_AND_ASSIGN(SecureBuffer b, DeriveSubkey(master, 2, "contextA"));
  ASSERT_OK_AND_ASSIGN(SecureBuffer c, DeriveSubkey(master, 1, "contextB"));
  EXPECT_TRUE(ConstantTimeEqual(a.bytes(), a2.bytes()));
  EXPECT_FALSE(ConstantTimeEqual(a.bytes(), b.bytes()));
  EXPECT_FALSE(ConstantTimeEqual(a.bytes(), c.bytes()));
  EXPECT_FALSE(ConstantTimeEqual(a.bytes(), master.bytes()));
}

TEST_F(CryptoTest, SubkeyRejectsBadArguments) {
  SecureBuffer master = RandomKey(env_);
  EXPECT_STATUS(DeriveSubkey(master, 1, "short"), kInvalidArgument);
  EXPECT_STATUS(DeriveSubkey(master, 1, "far too long"), kInvalidArgument);
  EXPECT_STATUS(DeriveSubkey(master, 1, "contextA", 8), kInvalidArgument);
  EXPECT_STATUS(DeriveSubkey(master, 1, "contextA", 65), kInvalidArgument);
  EXPECT_STATUS(DeriveSubkey(SecureBuffer(16), 1, "contextA"), kInvalidArgument);
}

// --- Comparison, ids, codecs ----------------------------------------------------

TEST_F(CryptoTest, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual(AsBytes("token"), AsBytes("token")));
  EXPECT_FALSE(ConstantTimeEqual(AsBytes("token"), AsBytes("tokeN")));
  EXPECT_FALSE(ConstantTimeEqual(AsBytes("token"), AsBytes("token2")));
  EXPECT_TRUE(ConstantTimeEqual({}, {}));
}

TEST_F(CryptoTest, RandomIdsAreHexAndDistinct) {
  std::string a = RandomId(env_), b = RandomId(env_);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(FromHex(a).has_value());
}

TEST_F(CryptoTest, HexRoundTripAndRejects) {
  const uint8_t raw[] = {0x00, 0xab, 0xff};
  EXPECT_EQ(ToHex(raw), "00abff");
  ASSERT_OK_AND_ASSIGN(Bytes back, FromHex("00ABff"));
  EXPECT_EQ(back, Bytes(std::begin(raw), std::end(raw)));
  EXPECT_STATUS(FromHex("abc"), kInvalidArgument);
  EXPECT_STATUS(FromHex("zz"), kInvalidArgument);
  EXPECT_STATUS(FromHex("00 1"), kInvalidArgument);
}

TEST_F(CryptoTest, Base64RoundTripAndRejects) {
  // RFC 4648 §10.
  EXPECT_EQ(ToBase64(AsBytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(ToBase64(AsBytes("fo")), "Zm8=");
  EXPECT_EQ(ToBase64(AsBytes("fo"), Base64::kUrlNoPadding), "Zm8");
  const uint8_t raw[] = {0xfb, 0xff};
  EXPECT_EQ(ToBase64(raw), "+/8=");
  EXPECT_EQ(ToBase64(raw, Base64::kUrlNoPadding), "-_8");
  ASSERT_OK_AND_ASSIGN(Bytes back, FromBase64("Zm9vYmFy"));
  EXPECT_EQ(std::string(back.begin(), back.end()), "foobar");
  ASSERT_OK_AND_ASSIGN(Bytes url, FromBase64("-_8", Base64::kUrlNoPadding));
  EXPECT_EQ(url, Bytes(std::begin(raw), std::end(raw)));
  EXPECT_STATUS(FromBase64("Zm9v!mFy"), kInvalidArgument);
  // Every byte outside the alphabet is refused where a digit could stand,
  // in both variants: none may decode to the bytes of another text.
  for (int b = 0; b < 256; ++b) {
    if (b == '=') continue;  // padding, tested above
    std::string text = "Zm9vYmFy";
    text[7] = static_cast<char>(b);
    const bool digit = b < 0x80 && std::isalnum(b) != 0;
    EXPECT_EQ(FromBase64(text).has_value(), digit || b == '+' || b == '/') << b;
    EXPECT_EQ(FromBase64(text, Base64::kUrlNoPadding).has_value(), digit || b == '-' || b == '_')
        << b;
  }
  EXPECT_STATUS(FromBase64("Zm8"), kInvalidArgument);  // padding required
  EXPECT_STATUS(FromBase64("+/8=", Base64::kUrlNoPadding), kInvalidArgument);
}

}  // namespace
}  // namespace vault::crypto
