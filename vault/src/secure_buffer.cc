#include "vault/secure_buffer.h"

#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <utility>

namespace vault {

SecureBuffer::SecureBuffer(size_t size) : size_(size) {
  if (size == 0) return;
  // sodium_malloc needs the page size that sodium_init() looks up; this makes
  // SecureBuffer safe to use before crypto::Init(). sodium_init is idempotent.
  static const bool sodium_ready = sodium_init() >= 0;
  if (!sodium_ready) throw std::bad_alloc();
  data_ = static_cast<uint8_t*>(sodium_malloc(size));
  if (data_ == nullptr) throw std::bad_alloc();
  sodium_memzero(data_, size);
}

SecureBuffer SecureBuffer::CopyOf(std::span<const uint8_t> bytes) {
  SecureBuffer out(bytes.size());
  if (!bytes.empty()) std::memcpy(out.data_, bytes.data(), bytes.size());
  return out;
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecureBuffer::~SecureBuffer() {
  if (data_ != nullptr) sodium_free(data_);  // zeroes before unmapping
}

void SecureBuffer::Truncate(size_t n) {
  if (n >= size_) return;
  sodium_memzero(data_ + n, size_ - n);
  size_ = n;
}

Status SecureBuffer::Relock() const {
  if (data_ == nullptr) return Status::OK();
  // Whole pages: madvise (which sodium_mlock calls for MADV_DONTDUMP) takes
  // only a page-aligned start.
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<uintptr_t>(data_);
  const uintptr_t start = first & ~(page - 1);
  const uintptr_t end = (first + size_ + page - 1) & ~(page - 1);
  if (sodium_mlock(reinterpret_cast<void*>(start), end - start) != 0) {
    return Status::ResourceExhausted(std::string("cannot lock secret memory: ") +
                                     std::strerror(errno));
  }
  return Status::OK();
}

}  // namespace vault
