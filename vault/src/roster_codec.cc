// The byte layout of roster statements (vault/roster.h) and the hashes and
// messages built over them. Decode is strict, so that one statement has one
// encoding: a signature then vouches for exactly the meaning shown.
#include <sodium.h>

#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>

#include "utf8.h"
#include "vault/roster.h"

namespace vault::roster {

namespace {

constexpr std::string_view kEntryDomain{"baton.roster.entry.v1\0", 22};
constexpr std::string_view kJoinDomain{"baton.roster.join.v1\0", 21};
constexpr std::string_view kInviteDomain{"baton.invite.v1\0", 16};
constexpr std::string_view kKeyCheckDomain{"baton.key-check.v1\0", 19};
constexpr size_t kMaxNameBytes = 256;
constexpr size_t kInviteSecretBytes = 16;
constexpr size_t kIdChars = 32;

bool IsId(std::string_view s) {
  return s.size() == kIdChars && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Big-endian integers, length-prefixed strings and fixed byte arrays.
class Out {
 public:
  explicit Out(crypto::Bytes& out) : out_(out) {}
  template <typename T>
  requires std::is_unsigned_v<T>
  void Int(T v) {
    for (size_t i = sizeof(T); i > 0; --i) out_.push_back(static_cast<uint8_t>(v >> (8 * (i - 1))));
  }
  void Raw(crypto::ByteView b) {
    const size_t at = out_.size();
    out_.resize(at + b.size());
    std::copy(b.begin(), b.end(), out_.begin() + static_cast<ptrdiff_t>(at));
  }
  void Raw(std::string_view s) { Raw(crypto::AsBytes(s)); }
  void Str(std::string_view s) {
    Int(static_cast<uint16_t>(s.size()));
    Raw(s);
  }

 private:
  crypto::Bytes& out_;
};

// The mirror of Out. The first problem is kept; later reads yield zeros.
class In {
 public:
  explicit In(crypto::ByteView in) : in_(in) {}

  template <typename T>
  requires std::is_unsigned_v<T> T Int() {
    T v = 0;
    for (uint8_t b : Take(sizeof(T))) v = static_cast<T>((v << 8) | b);
    return v;
  }
  template <size_t N>
  std::array<uint8_t, N> Fixed() {
    std::array<uint8_t, N> out{};
    crypto::ByteView b = Take(N);
    std::copy(b.begin(), b.end(), out.begin());
    return out;
  }
  std::string Str() {
    const auto len = Int<uint16_t>();
    crypto::ByteView b = Take(len);
    return {b.begin(), b.end()};
  }
  std::string Id(const char* what) {
    std::string s = Str();
    if (!IsId(s)) Refuse(std::string(what) + " is not an id");
    return s;
  }
  std::string Name(const char* what) {
    std::string s = Str();
    if (s.empty() || s.size() > kMaxNameBytes || !internal::IsValidUtf8(s)) {
      Refuse(std::string(what) + " is not 1 to 256 bytes of UTF-8");
    }
    return s;
  }
  // An enum stored as one byte, known values only.
  template <typename Enum, size_t N>
  Enum Enumerated(const std::array<Enum, N>& all, const char* what) {
    const auto v = Int<uint8_t>();
    if (v >= N) Refuse(std::string("unknown ") + what);
    return v < N ? all[v] : all[0];
  }
  int64_t Version() {
    const auto v = Int<uint64_t>();
    if (v == 0 || v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      Refuse("a key version out of range");
    }
    return static_cast<int64_t>(v);
  }
  void Refuse(std::string why) {
    if (problem_.empty()) problem_ = std::move(why);
  }
  bool AtEnd() const { return off_ == in_.size(); }
  const std::string& problem() const { return problem_; }

 private:
  crypto::ByteView Take(size_t n) {
    if (!problem_.empty()) return {};
    if (in_.size() - off_ < n) {
      Refuse("truncated");
      return {};
    }
    crypto::ByteView b = in_.subspan(off_, n);
    off_ += n;
    return b;
  }

  crypto::ByteView in_;
  size_t off_ = 0;
  std::string problem_;
};

using PK = crypto::PublicKey;

// One pair of functions per kind; the overloads keep Encode and Decode in
// step with the Body variant.
void Put(Out& o, const TeamCreate& b) {
  o.Raw(b.signing_pk);
  o.Raw(b.box_pk);
  o.Str(b.owner_name);
  o.Raw(b.server_audit_pk);
  o.Raw(b.escrow_pk);
}
void Get(In& i, TeamCreate& b) {
  b.signing_pk = i.Fixed<32>();
  b.box_pk = i.Fixed<32>();
  b.owner_name = i.Name("the owner's name");
  b.server_audit_pk = i.Fixed<32>();
  b.escrow_pk = i.Fixed<32>();
}
void Put(Out& o, const MemberInvite& b) {
  o.Raw(b.invite_pk);
  o.Int(static_cast<uint8_t>(b.role));
}
void Get(In& i, MemberInvite& b) {
  b.invite_pk = i.Fixed<32>();
  b.role = i.Enumerated(kAllTeamRoles, "role");
}
void Put(Out& o, const MemberJoin& b) {
  o.Raw(b.invite_pk);
  o.Raw(b.signing_pk);
  o.Raw(b.box_pk);
  o.Str(b.name);
  o.Raw(b.invite_signature);
}
void Get(In& i, MemberJoin& b) {
  b.invite_pk = i.Fixed<32>();
  b.signing_pk = i.Fixed<32>();
  b.box_pk = i.Fixed<32>();
  b.name = i.Name("the member's name");
  b.invite_signature = i.Fixed<crypto::kSignatureBytes>();
}
void Put(Out& o, const MemberAdd& b) {
  o.Str(b.member_id);
  o.Raw(b.signing_pk);
  o.Raw(b.box_pk);
  o.Int(static_cast<uint8_t>(b.role));
  o.Str(b.name);
}
void Get(In& i, MemberAdd& b) {
  b.member_id = i.Id("the member id");
  b.signing_pk = i.Fixed<32>();
  b.box_pk = i.Fixed<32>();
  b.role = i.Enumerated(kAllTeamRoles, "role");
  b.name = i.Name("the member's name");
}
void Put(Out& o, const MemberRole& b) {
  o.Str(b.member_id);
  o.Int(static_cast<uint8_t>(b.role));
}
void Get(In& i, MemberRole& b) {
  b.member_id = i.Id("the member id");
  b.role = i.Enumerated(kAllTeamRoles, "role");
}
void Put(Out& o, const MemberRemove& b) { o.Str(b.member_id); }
void Get(In& i, MemberRemove& b) { b.member_id = i.Id("the member id"); }
void Put(Out& o, const RecoverySet& b) { o.Raw(b.recovery_pk.value_or(PK{})); }
void Get(In& i, RecoverySet& b) {
  const PK pk = i.Fixed<32>();
  if (pk != PK{}) b.recovery_pk = pk;
}
void Put(Out& o, const CollectionCreate& b) {
  o.Str(b.collection_id);
  o.Str(b.name);
  o.Int(static_cast<uint64_t>(b.key_version));
  o.Raw(b.kcv);
}
void Get(In& i, CollectionCreate& b) {
  b.collection_id = i.Id("the collection id");
  b.name = i.Name("the collection's name");
  b.key_version = i.Version();
  b.kcv = i.Fixed<crypto::kHashBytes>();
}
void Put(Out& o, const CollectionAccessSet& b) {
  o.Str(b.collection_id);
  o.Str(b.member_id);
  o.Int(static_cast<uint8_t>(b.access));
}
void Get(In& i, CollectionAccessSet& b) {
  b.collection_id = i.Id("the collection id");
  b.member_id = i.Id("the member id");
  b.access = i.Enumerated(kAllCollectionAccesses, "access");
}
void Put(Out& o, const CollectionKey& b) {
  o.Str(b.collection_id);
  o.Int(static_cast<uint64_t>(b.key_version));
  o.Raw(b.kcv);
}
void Get(In& i, CollectionKey& b) {
  b.collection_id = i.Id("the collection id");
  b.key_version = i.Version();
  b.kcv = i.Fixed<crypto::kHashBytes>();
}
void Put(Out& o, const EmergencyGrant& b) {
  o.Str(b.grant_id);
  o.Str(b.deputy_id);
  o.Int(static_cast<uint8_t>(b.mode));
  o.Int(static_cast<uint16_t>(b.collection_ids.size()));
  for (const std::string& c : b.collection_ids) o.Str(c);
}
void Get(In& i, EmergencyGrant& b) {
  b.grant_id = i.Id("the grant id");
  b.deputy_id = i.Id("the deputy id");
  b.mode = i.Enumerated(emergency::kAllGrantModes, "grant mode");
  const auto n = i.Int<uint16_t>();
  if (n == 0) i.Refuse("a grant of no collection");
  for (uint16_t k = 0; k < n && i.problem().empty(); ++k) {
    std::string c = i.Id("a collection id");
    if (std::find(b.collection_ids.begin(), b.collection_ids.end(), c) != b.collection_ids.end()) {
      i.Refuse("a collection listed twice");
    }
    b.collection_ids.push_back(std::move(c));
  }
}
void Put(Out& o, const EmergencyEnd& b) { o.Str(b.grant_id); }
void Get(In& i, EmergencyEnd& b) { b.grant_id = i.Id("the grant id"); }
void Put(Out& o, const EmergencyTakeover& b) { o.Str(b.grant_id); }
void Get(In& i, EmergencyTakeover& b) { b.grant_id = i.Id("the grant id"); }
void Put(Out& o, const RecoveryKeysSet& b) {
  o.Raw(b.recovery_pk);
  o.Raw(b.age_pk);
}
void Get(In& i, RecoveryKeysSet& b) {
  b.recovery_pk = i.Fixed<crypto::kPublicKeyBytes>();
  b.age_pk = i.Fixed<crypto::kPublicKeyBytes>();
  if (b.recovery_pk == PK{} || b.age_pk == PK{}) i.Refuse("a zero recovery key");
}

// Kind k is Body alternative k - 1.
template <size_t I = 0>
bool GetBody(In& in, uint8_t kind, Body& body) {
  if constexpr (I < std::variant_size_v<Body>) {
    if (kind == I + 1) {
      std::variant_alternative_t<I, Body> b;
      Get(in, b);
      body = std::move(b);
      return true;
    }
    return GetBody<I + 1>(in, kind, body);
  } else {
    return false;
  }
}

}  // namespace

Kind KindOf(const Body& body) { return static_cast<Kind>(body.index() + 1); }

std::string_view ToString(Kind kind) {
  switch (kind) {
    case Kind::kTeamCreate: return "team.create";
    case Kind::kMemberInvite: return "member.invite";
    case Kind::kMemberJoin: return "member.join";
    case Kind::kMemberAdd: return "member.add";
    case Kind::kMemberRole: return "member.role";
    case Kind::kMemberRemove: return "member.remove";
    case Kind::kRecoverySet: return "recovery.set";
    case Kind::kCollectionCreate: return "collection.create";
    case Kind::kCollectionAccess: return "collection.access";
    case Kind::kCollectionKey: return "collection.key";
    case Kind::kEmergencyGrant: return "emergency.grant";
    case Kind::kEmergencyEnd: return "emergency.end";
    case Kind::kEmergencyTakeover: return "emergency.takeover";
    case Kind::kRecoveryKeysSet: return "recovery.set.v2";
  }
  return "unknown";
}

crypto::Bytes Encode(const Statement& s) {
  crypto::Bytes bytes;
  Out o(bytes);
  o.Raw(kStatementDomain);
  o.Raw(s.team_id);
  o.Int(s.seq);
  o.Raw(s.prev_hash);
  o.Int(static_cast<uint64_t>(s.time_ms));
  o.Str(s.signer_id);
  o.Int(static_cast<uint8_t>(KindOf(s.body)));
  std::visit([&](const auto& b) { Put(o, b); }, s.body);
  return bytes;
}

Result<Statement> Decode(crypto::ByteView bytes) {
  if (bytes.size() > kMaxStatementBytes) {
    return Fail(Status::InvalidArgument("roster statement: too long"));
  }
  In in(bytes);
  const auto domain = in.Fixed<kStatementDomain.size()>();
  if (!std::equal(domain.begin(), domain.end(), kStatementDomain.begin())) {
    in.Refuse("not a roster statement");
  }
  Statement s;
  s.team_id = in.Fixed<crypto::kHashBytes>();
  s.seq = in.Int<uint64_t>();
  s.prev_hash = in.Fixed<crypto::kHashBytes>();
  s.time_ms = static_cast<int64_t>(in.Int<uint64_t>());
  s.signer_id = in.Id("the signer");
  const auto kind = in.Int<uint8_t>();
  if (in.problem().empty() && !GetBody(in, kind, s.body)) in.Refuse("unknown kind");
  if (in.problem().empty() && !in.AtEnd()) in.Refuse("trailing bytes");
  if (!in.problem().empty())
    return Fail(Status::InvalidArgument("roster statement: " + in.problem()));
  return s;
}

crypto::Hash EntryHash(const Entry& e) {
  crypto::Bytes len;
  Out(len).Int(static_cast<uint32_t>(e.statement.size()));
  return crypto::Blake2b256({crypto::AsBytes(kEntryDomain), len, e.statement, e.signature});
}

crypto::Bytes JoinMessage(const crypto::Hash& team_id, std::string_view member_id,
                          const crypto::PublicKey& signing_pk, const crypto::PublicKey& box_pk) {
  crypto::Bytes out;
  Out o(out);
  o.Raw(kJoinDomain);
  o.Raw(team_id);
  o.Str(member_id);
  o.Raw(signing_pk);
  o.Raw(box_pk);
  return out;
}

Result<crypto::SigningKeyPair> InviteKeyPair(const SecureBuffer& invite_secret) {
  if (invite_secret.size() != kInviteSecretBytes) {
    return Fail(Status::InvalidArgument("an invite secret is 16 bytes"));
  }
  auto seed = crypto::Blake2b256Keyed(invite_secret, crypto::AsBytes(kInviteDomain));
  if (!seed) return Fail(seed.error());
  SecureBuffer secure_seed = SecureBuffer::CopyOf(*seed);
  sodium_memzero(seed->data(), seed->size());
  return crypto::SigningKeyPairFromSeed(secure_seed);
}

Result<crypto::Hash> KeyCheckValue(const SecureBuffer& key, std::string_view collection_id,
                                   int64_t key_version) {
  if (key.size() != crypto::kKeyBytes) {
    return Fail(Status::InvalidArgument("a collection key is 32 bytes"));
  }
  crypto::Bytes msg;
  Out o(msg);
  o.Raw(kKeyCheckDomain);
  o.Str(collection_id);
  o.Int(static_cast<uint64_t>(key_version));
  return crypto::Blake2b256Keyed(key, msg);
}

}  // namespace vault::roster
