// The STREAM payload: 64 KiB chunks under ChaCha20-Poly1305, each nonce a
// chunk counter and a final-chunk flag, so chunks cannot be dropped,
// reordered or cut off unnoticed.
#include <sodium.h>

#include <array>
#include <string>

#include "age_internal.h"

namespace backup::age::internal {
namespace {

constexpr size_t kSealedChunkBytes = kChunkBytes + kTagBytes;
using ChunkNonce = std::array<uint8_t, crypto_aead_chacha20poly1305_IETF_NPUBBYTES>;

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

bool Open(const vault::SecureBuffer& key, std::span<const uint8_t> sealed, uint64_t counter,
          bool last, uint8_t* plain) {
  const ChunkNonce nonce = NonceFor(counter, last);
  return crypto_aead_chacha20poly1305_ietf_decrypt(plain, nullptr, nullptr, sealed.data(),
                                                   sealed.size(), nullptr, 0, nonce.data(),
                                                   key.data()) == 0;
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
  size_t carried = 0;
  for (uint64_t counter = 0;; ++counter) {
    auto n = in.Read(plain.bytes().subspan(carried));
    if (!n) return n.error();
    size_t len = carried + *n;
    const bool last = len <= kChunkBytes;
    if (!last) len = kChunkBytes;
    const ChunkNonce chunk_nonce = NonceFor(counter, last);
    crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), nullptr, plain.data(), len, nullptr, 0,
                                              nullptr, chunk_nonce.data(), key->data());
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
    if (!Open(*key, chunk, counter, !more, plain.data())) {
      // A full chunk that opens with the other flag is authentic and is
      // released like any other; what follows it (the end, or more data) is
      // the error: a cut-off stream, or data after the final chunk. A short
      // chunk can only be final.
      if (len != kSealedChunkBytes || !Open(*key, chunk, counter, more, plain.data())) {
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
