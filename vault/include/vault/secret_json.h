// SecretJson: nlohmann::json whose every allocation (strings, arrays,
// objects, the parser's token buffer) is wiped with sodium_memzero before it
// is freed, so plaintext payloads leave no copies in freed heap memory. The
// one JSON type for secrets: item payloads here, secret output in the client.
#ifndef BATON_VAULT_SECRET_JSON_H_
#define BATON_VAULT_SECRET_JSON_H_

#include <sodium.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vault {

template <typename T>
struct ZeroingAllocator {
  using value_type = T;
  ZeroingAllocator() noexcept = default;
  template <typename U>
  ZeroingAllocator(const ZeroingAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, size_t n) noexcept {
    sodium_memzero(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <typename U>
  bool operator==(const ZeroingAllocator<U>&) const noexcept {
    return true;
  }
};

using SecretString = std::basic_string<char, std::char_traits<char>, ZeroingAllocator<char>>;
using SecretJson = nlohmann::basic_json<std::map, std::vector, SecretString, bool, std::int64_t,
                                        std::uint64_t, double, ZeroingAllocator>;

}  // namespace vault

#endif  // BATON_VAULT_SECRET_JSON_H_
