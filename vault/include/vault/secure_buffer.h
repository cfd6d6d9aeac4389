// SecureBuffer: the one home of secrets in memory.
//
// Memory comes from libsodium's sodium_malloc: guard pages on both sides,
// locked against swapping where the system allows it, and zeroed by
// sodium_free. The type is move-only, has no stream operator and no
// conversion to std::string, so a secret cannot be copied or logged by
// accident. Hand out views (bytes()) whose lifetime is the buffer's.
#ifndef BATON_VAULT_SECURE_BUFFER_H_
#define BATON_VAULT_SECURE_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "vault/status.h"

namespace vault {

class SecureBuffer {
 public:
  SecureBuffer() = default;
  // Allocates `size` zeroed bytes. Throws std::bad_alloc if the allocation
  // fails, as operator new does.
  explicit SecureBuffer(size_t size);
  // Copies `bytes` into a new buffer. Use only on data that is not already a
  // secret held elsewhere, e.g. a prompt's input before it is wiped.
  static SecureBuffer CopyOf(std::span<const uint8_t> bytes);

  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;
  ~SecureBuffer();

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  std::span<uint8_t> bytes() { return {data_, size_}; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

  // Shrinks the visible size (the tail is zeroed). REQUIRES: n <= size().
  void Truncate(size_t n);

  // Locks the buffer's pages against swapping again, and keeps them out of
  // core dumps: a fork()ed child does not inherit its parent's memory locks,
  // so a process that keeps secrets made before it forked must call this.
  // const: it changes how the pages are held, not the bytes. An empty buffer
  // is OK; ResourceExhausted if the system refuses (RLIMIT_MEMLOCK).
  Status Relock() const;

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace vault

#endif  // BATON_VAULT_SECURE_BUFFER_H_
