// The STREAM payload: 64 KiB chunks under ChaCha20-Poly1305, each nonce a
// chunk counter and a final-chunk flag, so chunks cannot be dropped,
// reordered or cut off unnoticed.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>

#include "age_internal.h"

namespace backup::age::internal {
namespace {

constexpr size_t kSealedChunkBytes = kChunkBytes + kTagBytes;
using ChunkNonce = std::array<uint8_t, 12>;

// The payload's cipher is OpenSSL's ChaCha20-Poly1305 (the same AEAD as
// libsodium's IETF one): it is about 2.5 times libsodium 1.0.18's speed on
// this project's x86-64 machines (bench/RESULTS.md, "age format"), and the
// payload is nearly all of a backup's time. One context serves every chunk.
class ChunkCipher {
 public:
  ChunkCipher() : ctx_(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free) {}

  // `out` gets len bytes of ciphertext and the 16-byte tag.
  bool Seal(const vault::SecureBuffer& key, const ChunkNonce& nonce, const uint8_t* plain,
            size_t len, uint8_t* out) {
    int n = 0, tail = 0;
    return ctx_ &&
           EVP_EncryptInit_ex(ctx_.get(), EVP_chacha20_poly1305(), nullptr, key.data(),
                              nonce.data()) == 1 &&
           EVP_EncryptUpdate(ctx_.get(), out, &n, plain, static_cast<int>(len)) == 1 &&
           EVP_EncryptFinal_ex(ctx_.get(), out + n, &tail) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagBytes),
                               out + len) == 1;
  }

  // False unless the tag verifies; `plain` (sealed.size() - 16 bytes) is
  // then not to be used.
  bool Open(const vault::SecureBuffer& key, const ChunkNonce& nonce,
            std::span<const uint8_t> sealed, uint8_t* plain) {
    if (!ctx_ || sealed.size() < kTagBytes) return false;
    const size_t len = sealed.size() - kTagBytes;
    std::array<uint8_t, kTagBytes> tag{};
    std::copy(sealed.begin() + static_cast<ptrdiff_t>(len), sealed.end(), tag.begin());
    int n = 0, tail = 0;
    return EVP_DecryptInit_ex(ctx_.get(), EVP_chacha20_poly1305(), nullptr, key.data(),
                              nonce.data()) == 1 &&
           EVP_DecryptUpdate(ctx_.get(), plain, &n, sealed.data(), static_cast<int>(len)) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagBytes),
                               tag.data()) == 1 &&
           EVP_DecryptFinal_ex(ctx_.get(), plain + n, &tail) == 1;
  }

 private:
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx_;
};

ChunkNonce NonceFor(uint64_t counter, bool last) {
  ChunkNonce nonce{};  // the counter's top 3 of 11 bytes stay zero
  for (size_t i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  nonce[11] = last ? 1 : 0;
  return nonce;
}

vault::Result<vault::SecureBuffer> PayloadKey(std::span<const uint8_t> file_key,
                                              std::span<const uint8_t> nonce) {
  return Hkdf(file_key, nonce, "payload");
}

bool Open(ChunkCipher& cipher, const vault::SecureBuffer& key, std::span<const uint8_t> sealed,
          uint64_t counter, bool last, uint8_t* plain) {
  return cipher.Open(key, NonceFor(counter, last), sealed, plain);
}

vault::Status Damaged(uint64_t counter) {
  return vault::Status::Corruption("payload damaged at chunk " + std::to_string(counter));
}

}  // namespace

vault::Status EncryptPayload(vault::Env& env, std::span<const uint8_t> file_key, Source& in,
                             Sink& out) {
  std::array<uint8_t, kPayloadNonceBytes> nonce{};
  env.RandomBytes(nonce);
  auto key = PayloadKey(file_key, nonce);
  if (!key) return key.error();
  if (vault::Status s = out.Write(nonce); !s.ok()) return s;
  // One byte past a full chunk tells whether another chunk follows.
  vault::SecureBuffer plain(kChunkBytes + 1);
  std::vector<uint8_t> sealed(kSealedChunkBytes);
  ChunkCipher cipher;
  size_t carried = 0;
  for (uint64_t counter = 0;; ++counter) {
    auto n = in.Read(plain.bytes().subspan(carried));
    if (!n) return n.error();
    size_t len = carried + *n;
    const bool last = len <= kChunkBytes;
    if (!last) len = kChunkBytes;
    if (!cipher.Seal(*key, NonceFor(counter, last), plain.data(), len, sealed.data())) {
      return vault::Status::Internal("the payload cipher failed");
    }
    if (vault::Status s = out.Write(std::span(sealed).first(len + kTagBytes)); !s.ok()) return s;
    if (last) return vault::Status::OK();
    plain.data()[0] = plain.data()[kChunkBytes];
    carried = 1;
  }
}

vault::Status DecryptPayload(std::span<const uint8_t> file_key, Source& in, Sink& out) {
  std::array<uint8_t, kPayloadNonceBytes> nonce{};
  auto got = in.Read(nonce);
  if (!got) return got.error();
  if (*got != nonce.size()) {
    return vault::Status::Corruption("age header: file ends before the payload nonce");
  }
  auto key = PayloadKey(file_key, nonce);
  if (!key) return key.error();
  std::vector<uint8_t> sealed(kSealedChunkBytes + 1);
  vault::SecureBuffer plain(kChunkBytes);
  ChunkCipher cipher;
  size_t carried = 0;
  for (uint64_t counter = 0;; ++counter) {
    auto n = in.Read(std::span(sealed).subspan(carried));
    if (!n) return n.error();
    size_t len = carried + *n;
    const bool more = len > kSealedChunkBytes;
    if (more) len = kSealedChunkBytes;
    if (len < kTagBytes) return vault::Status::Corruption("payload truncated");
    const std::span<const uint8_t> chunk = std::span(sealed).first(len);
    const size_t plain_len = len - kTagBytes;
    if (!Open(cipher, *key, chunk, counter, !more, plain.data())) {
      // A full chunk that opens with the other flag is authentic and is
      // released like any other; what follows it (the end, or more data) is
      // the error: a cut-off stream, or data after the final chunk. A short
      // chunk can only be final.
      if (len != kSealedChunkBytes || !Open(cipher, *key, chunk, counter, more, plain.data())) {
        return Damaged(counter);
      }
      if (vault::Status s = out.Write(plain.bytes().first(plain_len)); !s.ok()) return s;
      return more ? vault::Status::Corruption("payload: data after the final chunk")
                  : vault::Status::Corruption("payload truncated: no final chunk");
    }
    if (!more && plain_len == 0 && counter > 0) {
      return vault::Status::Corruption("payload: empty final chunk after other chunks");
    }
    if (vault::Status s = out.Write(plain.bytes().first(plain_len)); !s.ok()) return s;
    if (!more) return vault::Status::OK();
    sealed[0] = sealed[kSealedChunkBytes];
    carried = 1;
  }
}

}  // namespace backup::age::internal
