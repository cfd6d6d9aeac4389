// The team roster's encoding and chain (vault/roster.h): every kind round
// trips, anything else is refused, and Apply refuses an entry that does not
// continue the chain or is not signed by whom it names. The signer rules of
// each kind are in roster_rules_test.cc.
#include "vault/roster.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "roster_builder.h"
#include "test_util.h"
#include "vault/identity.h"

namespace vault::roster {
namespace {

using testing_util::MakePerson;
using testing_util::Person;
using testing_util::RosterBuilder;
using testing_util::SignStatement;
using testing_util::SomeId;

crypto::PublicKey Key(uint8_t n) {
  crypto::PublicKey k;
  k.fill(n);
  return k;
}

crypto::Hash HashOf(uint8_t n) {
  crypto::Hash h;
  h.fill(n);
  return h;
}

// One statement of every kind, with every field set.
std::vector<Statement> OneOfEach() {
  std::vector<Body> bodies = {
      TeamCreate{Key(1), Key(2), "Ada", Key(3), Key(4)},
      MemberInvite{Key(5), TeamRole::kAdmin},
      MemberJoin{Key(5), Key(6), Key(7), "Bob \xc3\xa9", crypto::Signature{9}},
      MemberAdd{SomeId(1), Key(8), Key(9), TeamRole::kAuditor, "Cy"},
      MemberRole{SomeId(1), TeamRole::kMember},
      MemberRemove{SomeId(1)},
      RecoverySet{Key(10)},
      RecoverySet{std::nullopt},
      CollectionCreate{SomeId(2), "ops", 3, HashOf(11)},
      CollectionAccessSet{SomeId(2), SomeId(1), CollectionAccess::kEdit},
      CollectionKey{SomeId(2), 4, HashOf(12)},
      EmergencyGrant{SomeId(3), SomeId(1), emergency::GrantMode::kTakeover, {SomeId(2), SomeId(4)}},
      EmergencyEnd{SomeId(3)},
      EmergencyTakeover{SomeId(3)},
      RecoveryKeysSet{Key(13), Key(14)},
  };
  std::vector<Statement> out;
  for (Body& b : bodies) {
    out.push_back(Statement{HashOf(20), 7, HashOf(21), 1234567, SomeId(5), std::move(b)});
  }
  return out;
}

TEST(RosterCodecTest, EveryKindRoundTrips) {
  std::set<Kind> kinds;
  for (const Statement& s : OneOfEach()) {
    const crypto::Bytes bytes = Encode(s);
    ASSERT_OK_AND_ASSIGN(Statement back, Decode(bytes));
    EXPECT_EQ(Encode(back), bytes) << ToString(KindOf(s.body));
    EXPECT_EQ(back.body.index(), s.body.index());
    EXPECT_EQ(back.team_id, s.team_id);
    EXPECT_EQ(back.seq, 7u);
    EXPECT_EQ(back.prev_hash, s.prev_hash);
    EXPECT_EQ(back.time_ms, 1234567);
    EXPECT_EQ(back.signer_id, s.signer_id);
    kinds.insert(KindOf(s.body));
  }
  EXPECT_EQ(kinds.size(), std::variant_size_v<Body>);
}

TEST(RosterCodecTest, TheLayoutIsTheDocumentedOne) {
  const Statement s = OneOfEach()[5];  // member.remove
  const crypto::Bytes b = Encode(s);
  ASSERT_EQ(b.size(), 16u + 32 + 8 + 32 + 8 + 2 + 32 + 1 + 2 + 32);
  EXPECT_EQ(std::string(b.begin(), b.begin() + 16), std::string(kStatementDomain));
  EXPECT_EQ(b[16], 20);                   // team id
  EXPECT_EQ(b[16 + 32 + 7], 7);           // u64 seq, big-endian
  EXPECT_EQ(b[16 + 32 + 8], 21);          // prev hash
  EXPECT_EQ(b[16 + 32 + 8 + 32 + 8], 0);  // u16 length of the signer id
  EXPECT_EQ(b[16 + 32 + 8 + 32 + 8 + 1], 32);
  EXPECT_EQ(b[16 + 32 + 8 + 32 + 8 + 2 + 32], static_cast<uint8_t>(Kind::kMemberRemove));
}

// Entries signed before recovery.set.v2 keep their kind number and bytes.
TEST(RosterCodecTest, RecoveryKindsKeepTheirNumbersAndLayouts) {
  EXPECT_EQ(static_cast<int>(Kind::kRecoverySet), 7);
  EXPECT_EQ(static_cast<int>(Kind::kRecoveryKeysSet), 14);
  EXPECT_EQ(ToString(Kind::kRecoverySet), "recovery.set");
  EXPECT_EQ(ToString(Kind::kRecoveryKeysSet), "recovery.set.v2");
  const size_t head = 16u + 32 + 8 + 32 + 8 + 2 + 32 + 1;
  const crypto::Bytes v1 = Encode(OneOfEach()[6]);
  ASSERT_EQ(v1.size(), head + 32);
  EXPECT_EQ(v1[head - 1], 7);
  EXPECT_EQ(v1[head], 10);  // Key(10)
  const crypto::Bytes v2 = Encode(OneOfEach().back());
  ASSERT_EQ(v2.size(), head + 64);
  EXPECT_EQ(v2[head - 1], 14);
  EXPECT_EQ(v2[head], 13);       // the box key first
  EXPECT_EQ(v2[head + 32], 14);  // then the age recipient
}

TEST(RosterCodecTest, EveryTruncationAndAnyTrailingByteIsRefused) {
  for (const Statement& s : OneOfEach()) {
    const crypto::Bytes bytes = Encode(s);
    for (size_t n = 0; n < bytes.size(); ++n) {
      auto r = Decode(crypto::ByteView(bytes).first(n));
      ASSERT_FALSE(r.has_value()) << ToString(KindOf(s.body)) << " cut at " << n;
      EXPECT_TRUE(r.error().IsInvalidArgument());
    }
    crypto::Bytes longer = bytes;
    longer.push_back(0);
    EXPECT_STATUS(Decode(longer), kInvalidArgument);
  }
}

TEST(RosterCodecTest, MalformedFieldsAreRefused) {
  auto refused = [](Statement s) { EXPECT_STATUS(Decode(Encode(s)), kInvalidArgument); };
  const Statement remove = OneOfEach()[5];
  Statement s = remove;
  s.signer_id = "0123456789ABCDEF0123456789ABCDEF";  // upper case
  refused(s);
  s.signer_id = SomeId(1).substr(1);
  refused(s);
  s = remove;
  s.body = MemberRemove{"not-an-id"};
  refused(s);
  s.body = MemberAdd{SomeId(1), Key(1), Key(2), TeamRole::kMember, ""};
  refused(s);
  s.body = MemberAdd{SomeId(1), Key(1), Key(2), TeamRole::kMember, std::string(257, 'a')};
  refused(s);
  s.body = MemberAdd{SomeId(1), Key(1), Key(2), TeamRole::kMember, "\xc3("};  // not UTF-8
  refused(s);
  s.body = MemberAdd{SomeId(1), Key(1), Key(2), TeamRole::kMember, std::string(256, 'a')};
  EXPECT_OK(Decode(Encode(s)));
  s.body = MemberRole{SomeId(1), static_cast<TeamRole>(4)};
  refused(s);
  s.body = CollectionAccessSet{SomeId(2), SomeId(1), static_cast<CollectionAccess>(9)};
  refused(s);
  s.body = CollectionCreate{SomeId(2), "ops", 0, HashOf(1)};
  refused(s);
  s.body = CollectionKey{SomeId(2), -1, HashOf(1)};
  refused(s);
  s.body = EmergencyGrant{SomeId(3), SomeId(1), emergency::GrantMode::kView, {}};
  refused(s);
  s.body =
      EmergencyGrant{SomeId(3), SomeId(1), emergency::GrantMode::kView, {SomeId(2), SomeId(2)}};
  refused(s);
  s.body = EmergencyGrant{SomeId(3), SomeId(1), static_cast<emergency::GrantMode>(2), {SomeId(2)}};
  refused(s);
  s.body = RecoveryKeysSet{Key(0), Key(1)};
  refused(s);
  s.body = RecoveryKeysSet{Key(1), Key(0)};
  refused(s);
  // An unknown kind, and another format's domain.
  crypto::Bytes bytes = Encode(remove);
  bytes[16 + 32 + 8 + 32 + 8 + 2 + 32] = 15;
  EXPECT_STATUS(Decode(bytes), kInvalidArgument);
  bytes[16 + 32 + 8 + 32 + 8 + 2 + 32] = 0;
  EXPECT_STATUS(Decode(bytes), kInvalidArgument);
  bytes = Encode(remove);
  bytes[0] = 'B';
  EXPECT_STATUS(Decode(bytes), kInvalidArgument);
  EXPECT_STATUS(Decode(crypto::Bytes(kMaxStatementBytes + 1, 0)), kInvalidArgument);
}

TEST(RosterCodecTest, EntryHashCoversStatementAndSignature) {
  Entry e{Encode(OneOfEach()[1]), crypto::Signature{1}};
  const crypto::Hash h = EntryHash(e);
  Entry other = e;
  other.signature[63] ^= 1;
  EXPECT_NE(EntryHash(other), h);
  other = e;
  other.statement.back() ^= 1;
  EXPECT_NE(EntryHash(other), h);
  EXPECT_EQ(EntryHash(e), h);
}

TEST(RosterCodecTest, JoinMessageBindsTeamMemberAndKeys) {
  const crypto::Bytes m = JoinMessage(HashOf(1), SomeId(1), Key(2), Key(3));
  EXPECT_EQ(std::string(m.begin(), m.begin() + 21), std::string("baton.roster.join.v1\0", 21));
  EXPECT_EQ(m.size(), 21u + 32 + 2 + 32 + 32 + 32);
  EXPECT_NE(JoinMessage(HashOf(2), SomeId(1), Key(2), Key(3)), m);
  EXPECT_NE(JoinMessage(HashOf(1), SomeId(2), Key(2), Key(3)), m);
  EXPECT_NE(JoinMessage(HashOf(1), SomeId(1), Key(3), Key(2)), m);
}

TEST(RosterCodecTest, InviteKeyPairIsDerivedFromSixteenBytes) {
  SecureBuffer secret(16);
  secret.data()[0] = 1;
  ASSERT_OK_AND_ASSIGN(auto a, InviteKeyPair(secret));
  ASSERT_OK_AND_ASSIGN(auto b, InviteKeyPair(secret));
  EXPECT_EQ(a.public_key, b.public_key);
  secret.data()[15] = 1;
  ASSERT_OK_AND_ASSIGN(auto c, InviteKeyPair(secret));
  EXPECT_NE(c.public_key, a.public_key);
  EXPECT_STATUS(InviteKeyPair(SecureBuffer(15)), kInvalidArgument);
  EXPECT_STATUS(InviteKeyPair(SecureBuffer(32)), kInvalidArgument);
}

TEST(RosterCodecTest, KeyCheckValueNeedsTheKeyAndNamesCollectionAndVersion) {
  SecureBuffer key(32);
  key.data()[0] = 7;
  ASSERT_OK_AND_ASSIGN(crypto::Hash kcv, KeyCheckValue(key, SomeId(1), 1));
  ASSERT_OK_AND_ASSIGN(crypto::Hash again, KeyCheckValue(key, SomeId(1), 1));
  EXPECT_EQ(kcv, again);
  EXPECT_NE(*KeyCheckValue(key, SomeId(1), 2), kcv);
  EXPECT_NE(*KeyCheckValue(key, SomeId(2), 1), kcv);
  SecureBuffer other(32);
  other.data()[0] = 8;
  EXPECT_NE(*KeyCheckValue(other, SomeId(1), 1), kcv);
  EXPECT_STATUS(KeyCheckValue(SecureBuffer(16), SomeId(1), 1), kInvalidArgument);
}

class RosterChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(roster_.Create(owner_, Key(30), Key(31)));
    ASSERT_OK(roster_.AddMember(owner_, admin_, TeamRole::kAdmin));
  }
  Entry Remove(const Person& by, const Person& who) const {
    return roster_.Sign(by, MemberRemove{who.id});
  }

  Person owner_ = MakePerson(1, "Ada");
  Person admin_ = MakePerson(2);
  Person member_ = MakePerson(3);
  RosterBuilder roster_;
};

TEST_F(RosterChainTest, GenesisRootsTheTeam) {
  const State& s = roster_.state();
  EXPECT_EQ(s.size, 2u);
  EXPECT_EQ(s.team_id, EntryHash(roster_.entries()[0]));
  EXPECT_EQ(s.head, EntryHash(roster_.entries()[1]));
  EXPECT_EQ(s.server_audit_pk, Key(30));
  EXPECT_EQ(s.escrow_pk, Key(31));
  ASSERT_NE(s.ActiveMember(owner_.id), nullptr);
  EXPECT_EQ(s.ActiveMember(owner_.id)->role, TeamRole::kOwner);
  EXPECT_EQ(s.ActiveMember(admin_.id)->box_pk, admin_.box.public_key);
  EXPECT_EQ(TeamFingerprint(s), FingerprintWords(owner_.sign.public_key, owner_.box.public_key));
  EXPECT_EQ(TeamFingerprint(State{}), "");
}

TEST_F(RosterChainTest, ReplayRebuildsTheSameState) {
  ASSERT_OK_AND_ASSIGN(State s, Replay(roster_.entries()));
  EXPECT_EQ(s.head, roster_.state().head);
  EXPECT_EQ(s.size, 2u);
  EXPECT_EQ(s.members.size(), 2u);
  ASSERT_OK_AND_ASSIGN(State empty, Replay({}));
  EXPECT_EQ(empty.size, 0u);
}

TEST_F(RosterChainTest, TheGenesisMustBeSelfSignedTeamCreate) {
  RosterBuilder other;
  // Signed by someone other than the key it introduces.
  const Person mallory = MakePerson(9);
  State empty;
  Entry forged = SignStatement(
      mallory, Next(empty, owner_.id, 1,
                    TeamCreate{owner_.sign.public_key, owner_.box.public_key, "Ada", {}, {}}));
  EXPECT_STATUS(other.Add(forged), kUntrustedKey);
  // Not a team.create, or naming a team.
  EXPECT_STATUS(other.Add(owner_, MemberRemove{admin_.id}), kUntrustedKey);
  Statement named = Next(empty, owner_.id, 1,
                         TeamCreate{owner_.sign.public_key, owner_.box.public_key, "Ada", {}, {}});
  named.team_id = HashOf(1);
  EXPECT_STATUS(other.Add(SignStatement(owner_, named)), kUntrustedKey);
  EXPECT_EQ(other.state().size, 0u);
  // And only ever first.
  EXPECT_STATUS(roster_.Create(admin_), kUntrustedKey);
}

TEST_F(RosterChainTest, ChainBreaksAreRefusedAndChangeNothing) {
  const State before = roster_.state();
  Statement s = Next(before, owner_.id, 1, MemberRemove{admin_.id});
  Statement skip = s;
  skip.seq += 1;
  Statement again = s;
  again.seq -= 1;
  Statement wrong_prev = s;
  wrong_prev.prev_hash = before.team_id;
  Statement wrong_team = s;
  wrong_team.team_id = HashOf(3);
  for (const Statement& bad : {skip, again, wrong_prev, wrong_team}) {
    State state = before;
    EXPECT_STATUS(Apply(state, SignStatement(owner_, bad)), kUntrustedKey);
    EXPECT_EQ(state.size, before.size);
    EXPECT_EQ(state.head, before.head);
    EXPECT_NE(state.ActiveMember(admin_.id), nullptr);
  }
}

TEST_F(RosterChainTest, AForkIsRefusedOnceOneBranchIsApplied) {
  const Entry a = roster_.Sign(owner_, MemberRole{admin_.id, TeamRole::kMember});
  const Entry b = roster_.Sign(owner_, MemberRemove{admin_.id});
  ASSERT_OK(roster_.Add(a));
  // Same seq, same predecessor, another entry: it no longer continues.
  EXPECT_STATUS(roster_.Add(b), kUntrustedKey);
  std::vector<Entry> forked = roster_.entries();
  forked.back() = b;
  ASSERT_OK_AND_ASSIGN(State other, Replay(forked));
  EXPECT_NE(other.head, roster_.state().head);
}

TEST_F(RosterChainTest, SignaturesMustBeTheSigners) {
  State state = roster_.state();
  Entry e = roster_.Sign(owner_, MemberRemove{admin_.id});
  e.signature[0] ^= 1;
  EXPECT_STATUS(Apply(state, e), kUntrustedKey);
  // Named as the owner, signed by the admin.
  Entry impostor =
      SignStatement(admin_, Next(state, owner_.id, 1, MemberRole{admin_.id, TeamRole::kOwner}));
  EXPECT_STATUS(Apply(state, impostor), kUntrustedKey);
  // A stranger.
  const Person stranger = MakePerson(8);
  EXPECT_STATUS(Apply(state, roster_.Sign(stranger, MemberRemove{admin_.id})), kUntrustedKey);
  // Garbage.
  EXPECT_STATUS(Apply(state, Entry{crypto::Bytes{1, 2, 3}, {}}), kUntrustedKey);
  EXPECT_EQ(state.size, 2u);
}

TEST_F(RosterChainTest, ARemovedMembersLaterSignaturesAreRefusedEarlierOnesStay) {
  ASSERT_OK(roster_.AddMember(admin_, member_, TeamRole::kMember));
  ASSERT_OK(roster_.Add(Remove(owner_, admin_)));
  EXPECT_EQ(roster_.state().ActiveMember(admin_.id), nullptr);
  EXPECT_STATUS(roster_.AddMember(admin_, MakePerson(4), TeamRole::kMember), kUntrustedKey);
  // The member the admin vouched for before is still vouched for.
  ASSERT_OK_AND_ASSIGN(State replayed, Replay(roster_.entries()));
  EXPECT_NE(replayed.ActiveMember(member_.id), nullptr);
  EXPECT_EQ(replayed.members.at(admin_.id).active, false);
}

TEST_F(RosterChainTest, ReplayNamesTheEntryItRefuses) {
  std::vector<Entry> entries = roster_.entries();
  entries[1].signature[5] ^= 1;
  auto r = Replay(entries);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().IsUntrustedKey());
  EXPECT_NE(r.error().message().find("roster entry 1"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace vault::roster
