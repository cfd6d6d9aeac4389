// The team roster (vault/roster.h). The codec and Apply follow; until then
// every call refuses, so nothing can mistake the roster for a checked one.
#include "vault/roster.h"

namespace vault::roster {

namespace {
Status NotYet() { return Status::Unsupported("the team roster is not implemented yet"); }
}  // namespace

crypto::Bytes Encode(const Statement&) { return {}; }
Result<Statement> Decode(crypto::ByteView) { return Fail(NotYet()); }
crypto::Hash EntryHash(const Entry&) { return {}; }

crypto::Bytes JoinMessage(const crypto::Hash&, std::string_view, const crypto::PublicKey&,
                          const crypto::PublicKey&) {
  return {};
}
Result<crypto::SigningKeyPair> InviteKeyPair(const SecureBuffer&) { return Fail(NotYet()); }
Result<crypto::Hash> KeyCheckValue(const SecureBuffer&, std::string_view, int64_t) {
  return Fail(NotYet());
}

const Member* State::ActiveMember(std::string_view id) const {
  auto it = members.find(std::string(id));
  return it != members.end() && it->second.active ? &it->second : nullptr;
}

CollectionAccess State::AccessOf(std::string_view member_id,
                                 std::string_view collection_id) const {
  auto c = collections.find(std::string(collection_id));
  if (c == collections.end()) return CollectionAccess::kNone;
  auto a = c->second.access.find(std::string(member_id));
  return a == c->second.access.end() ? CollectionAccess::kNone : a->second;
}

Status Apply(State&, const Entry&) { return NotYet(); }
Result<State> Replay(std::span<const Entry>) { return Fail(NotYet()); }

Statement Next(const State& state, std::string signer_id, int64_t time_ms, Body body) {
  return Statement{.team_id = state.team_id,
                   .seq = state.size,
                   .prev_hash = state.head,
                   .time_ms = time_ms,
                   .signer_id = std::move(signer_id),
                   .body = std::move(body)};
}

std::string TeamFingerprint(const State&) { return {}; }

}  // namespace vault::roster
