// Private helper shared by the enum parsers of policy.cc, rotation.cc and
// store_outbox.cc:
// a name to its enum value, with one error message for every kind.
#ifndef BATON_VAULT_SRC_PARSE_NAME_H_
#define BATON_VAULT_SRC_PARSE_NAME_H_

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "vault/status.h"

namespace vault {

// Bad input is echoed back to help the caller, but bounded and printable:
// it may come from an HTTP body.
inline std::string Echo(std::string_view name) {
  constexpr size_t kMaxEcho = 32;
  std::string out;
  for (char c : name.substr(0, kMaxEcho)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (name.size() > kMaxEcho) out += "...";
  return out;
}

// The value of `all` whose name_of() is `name`; InvalidArgument naming
// `what` and listing every valid name, in the order of `all`, otherwise.
template <typename Enum, size_t N, typename NameOf>
Result<Enum> ParseName(std::string_view what, std::string_view name, const std::array<Enum, N>& all,
                       const NameOf& name_of) {
  std::string valid;
  for (Enum e : all) {
    if (name_of(e) == name) return e;
    if (!valid.empty()) valid += ", ";
    valid += '"';
    valid += name_of(e);
    valid += '"';
  }
  return Fail(Status::InvalidArgument("unknown " + std::string(what) + " \"" + Echo(name) +
                                      "\"; expected one of " + valid));
}

// The same, by the enum's ToString().
template <typename Enum, size_t N>
Result<Enum> ParseName(std::string_view what, std::string_view name,
                       const std::array<Enum, N>& all) {
  return ParseName(what, name, all, [](Enum e) { return ToString(e); });
}

}  // namespace vault

#endif  // BATON_VAULT_SRC_PARSE_NAME_H_
