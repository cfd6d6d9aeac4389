// Test people and a roster they build by signing statements, for the tests
// of the team roster (vault/roster.h) and of the routes that carry it.
#ifndef BATON_TESTS_SUPPORT_ROSTER_BUILDER_H_
#define BATON_TESTS_SUPPORT_ROSTER_BUILDER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "vault/crypto.h"
#include "vault/roster.h"

namespace testing_util {

// Someone with an id and key pairs derived from one byte, so a test can
// name them and get the same keys every run.
struct Person {
  std::string id;
  std::string name;
  vault::crypto::SigningKeyPair sign;
  vault::crypto::BoxKeyPair box;
};

inline Person MakePerson(uint8_t n, std::string name = "") {
  Person p;
  p.id = vault::crypto::ToHex(std::vector<uint8_t>(16, n));
  p.name = name.empty() ? "person " + std::to_string(n) : std::move(name);
  vault::SecureBuffer seed(vault::crypto::kKeyBytes);
  std::fill(seed.data(), seed.data() + seed.size(), n);
  p.sign = std::move(*vault::crypto::SigningKeyPairFromSeed(seed));
  seed.data()[0] ^= 0xff;
  p.box = std::move(*vault::crypto::BoxKeyPairFromSeed(seed));
  return p;
}

// An id that is not a person's, for collections and grants.
inline std::string SomeId(uint8_t n) {
  return vault::crypto::ToHex(std::vector<uint8_t>(16, static_cast<uint8_t>(n ^ 0x5a)));
}

// Signs `s` as `signer`.
inline vault::roster::Entry SignStatement(const Person& signer, const vault::roster::Statement& s) {
  vault::roster::Entry e;
  e.statement = vault::roster::Encode(s);
  e.signature = *vault::crypto::Sign(signer.sign, e.statement);
  return e;
}

// A roster as its members build it: each statement follows the current
// head; an entry Apply refuses is not kept.
class RosterBuilder {
 public:
  vault::roster::Entry Sign(const Person& signer, vault::roster::Body body) const {
    return SignStatement(
        signer, vault::roster::Next(state_, signer.id, 1000 + state_.size, std::move(body)));
  }
  vault::Status Add(const vault::roster::Entry& e) {
    vault::Status s = vault::roster::Apply(state_, e);
    if (s.ok()) entries_.push_back(e);
    return s;
  }
  vault::Status Add(const Person& signer, vault::roster::Body body) {
    return Add(Sign(signer, std::move(body)));
  }
  // The genesis entry, with `owner` as the first owner.
  vault::Status Create(const Person& owner, const vault::crypto::PublicKey& audit_pk = {},
                       const vault::crypto::PublicKey& escrow_pk = {}) {
    return Add(owner, vault::roster::TeamCreate{.signing_pk = owner.sign.public_key,
                                                .box_pk = owner.box.public_key,
                                                .owner_name = owner.name,
                                                .server_audit_pk = audit_pk,
                                                .escrow_pk = escrow_pk});
  }
  // A direct vouch for `p` with `role`.
  vault::Status AddMember(const Person& by, const Person& p, vault::TeamRole role) {
    return Add(by, vault::roster::MemberAdd{.member_id = p.id,
                                            .signing_pk = p.sign.public_key,
                                            .box_pk = p.box.public_key,
                                            .role = role,
                                            .name = p.name});
  }

  const vault::roster::State& state() const { return state_; }
  const std::vector<vault::roster::Entry>& entries() const { return entries_; }

 private:
  vault::roster::State state_;
  std::vector<vault::roster::Entry> entries_;
};

}  // namespace testing_util

#endif  // BATON_TESTS_SUPPORT_ROSTER_BUILDER_H_
