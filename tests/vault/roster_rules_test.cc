// Who may sign what in the team roster (vault/roster.h, SECURITY.md "Team
// roster"): for every kind, a signer the rules allow and one they refuse,
// and what a refused entry leaves unchanged.
#include <gtest/gtest.h>

#include <string>

#include "roster_builder.h"
#include "test_util.h"
#include "vault/roster.h"

namespace vault::roster {
namespace {

using testing_util::MakePerson;
using testing_util::Person;
using testing_util::RosterBuilder;
using testing_util::SignStatement;
using testing_util::SomeId;

using A = CollectionAccess;
using R = TeamRole;

class RosterRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(roster_.Create(owner_));
    ASSERT_OK(roster_.AddMember(owner_, admin_, R::kAdmin));
    ASSERT_OK(roster_.AddMember(owner_, member_, R::kMember));
    ASSERT_OK(roster_.AddMember(owner_, auditor_, R::kAuditor));
    // The owner's collection, shared with the member as manager.
    ASSERT_OK(roster_.Add(owner_, CollectionCreate{ops_, "ops", 1, {}}));
    ASSERT_OK(roster_.Add(owner_, CollectionAccessSet{ops_, member_.id, A::kManage}));
  }
  const State& state() const { return roster_.state(); }
  Status Access(const Person& by, const Person& who, A access) {
    return roster_.Add(by, CollectionAccessSet{ops_, who.id, access});
  }
  Status Grant(const Person& by, const Person& deputy, emergency::GrantMode mode,
               const std::string& id = SomeId(40)) {
    return roster_.Add(by, EmergencyGrant{id, deputy.id, mode, {ops_}});
  }
  // What member.join needs: an invite by `inviter` and the joiner's entry.
  Status Invite(const Person& inviter, const crypto::SigningKeyPair& invite, R role) {
    return roster_.Add(inviter, MemberInvite{invite.public_key, role});
  }
  Entry Join(const Person& joiner, const crypto::SigningKeyPair& invite) const {
    const crypto::Bytes msg =
        JoinMessage(state().team_id, joiner.id, joiner.sign.public_key, joiner.box.public_key);
    return roster_.Sign(joiner,
                        MemberJoin{invite.public_key, joiner.sign.public_key, joiner.box.public_key,
                                   joiner.name, *crypto::Sign(invite, msg)});
  }
  static crypto::SigningKeyPair InviteKey(uint8_t n) {
    SecureBuffer secret(16);
    secret.data()[0] = n;
    return std::move(*InviteKeyPair(secret));
  }

  Person owner_ = MakePerson(1);
  Person admin_ = MakePerson(2);
  Person member_ = MakePerson(3);
  Person auditor_ = MakePerson(4);
  Person newcomer_ = MakePerson(5);
  std::string ops_ = SomeId(30);
  RosterBuilder roster_;
};

TEST_F(RosterRulesTest, InvitesFollowTheRolePolicy) {
  EXPECT_OK(Invite(owner_, InviteKey(1), R::kOwner));
  EXPECT_OK(Invite(admin_, InviteKey(2), R::kAdmin));
  EXPECT_OK(Invite(admin_, InviteKey(3), R::kAuditor));
  EXPECT_STATUS(Invite(admin_, InviteKey(4), R::kOwner), kUntrustedKey);
  EXPECT_STATUS(Invite(member_, InviteKey(4), R::kMember), kUntrustedKey);
  EXPECT_STATUS(Invite(auditor_, InviteKey(4), R::kMember), kUntrustedKey);
  // An invite key is vouched for once.
  EXPECT_STATUS(Invite(owner_, InviteKey(1), R::kMember), kUntrustedKey);
}

TEST_F(RosterRulesTest, AJoinConsumesAnUnusedInviteSignedByItsKey) {
  const auto invite = InviteKey(1);
  ASSERT_OK(Invite(admin_, invite, R::kAdmin));
  // Signed by an invite key nobody vouched for.
  EXPECT_STATUS(roster_.Add(Join(newcomer_, InviteKey(2))), kUntrustedKey);
  // The invite's signature over other keys than the joiner's.
  Entry swapped = Join(newcomer_, invite);
  {
    auto st = *Decode(swapped.statement);
    std::get<MemberJoin>(st.body).box_pk = member_.box.public_key;
    swapped = SignStatement(newcomer_, st);
  }
  EXPECT_STATUS(roster_.Add(swapped), kUntrustedKey);
  // The joiner's statement signed by someone else.
  Entry forged = Join(newcomer_, invite);
  forged.signature = *crypto::Sign(admin_.sign, forged.statement);
  EXPECT_STATUS(roster_.Add(forged), kUntrustedKey);
  EXPECT_EQ(state().members.count(newcomer_.id), 0u);

  ASSERT_OK(roster_.Add(Join(newcomer_, invite)));
  ASSERT_NE(state().ActiveMember(newcomer_.id), nullptr);
  EXPECT_EQ(state().ActiveMember(newcomer_.id)->role, R::kAdmin);
  EXPECT_EQ(state().ActiveMember(newcomer_.id)->signing_pk, newcomer_.sign.public_key);
  // Used: a second joiner with the same code is refused.
  EXPECT_STATUS(roster_.Add(Join(MakePerson(6), invite)), kUntrustedKey);
}

TEST_F(RosterRulesTest, AJoinNeedsANewIdAndAnInviterWhoStillMayInvite) {
  const auto invite = InviteKey(1);
  ASSERT_OK(Invite(admin_, invite, R::kMember));
  // An existing member's id cannot be taken over by joining.
  Person clash = MakePerson(7);
  clash.id = member_.id;
  EXPECT_STATUS(roster_.Add(Join(clash, invite)), kUntrustedKey);
  // The admin is removed before the invite is used.
  ASSERT_OK(roster_.Add(owner_, MemberRemove{admin_.id}));
  EXPECT_STATUS(roster_.Add(Join(newcomer_, invite)), kUntrustedKey);
}

TEST_F(RosterRulesTest, MemberAddFollowsTheInviteRules) {
  EXPECT_STATUS(roster_.AddMember(admin_, newcomer_, R::kOwner), kUntrustedKey);
  EXPECT_STATUS(roster_.AddMember(member_, newcomer_, R::kMember), kUntrustedKey);
  EXPECT_STATUS(roster_.AddMember(admin_, MakePerson(3), R::kMember), kUntrustedKey);  // exists
  // Someone else's signing key under a new id.
  Person copy = MakePerson(3);
  copy.id = SomeId(77);
  EXPECT_STATUS(roster_.AddMember(admin_, copy, R::kMember), kUntrustedKey);
  EXPECT_OK(roster_.AddMember(admin_, newcomer_, R::kAdmin));
}

TEST_F(RosterRulesTest, RoleChangesFollowThePolicyAndKeepAnOwner) {
  EXPECT_STATUS(roster_.Add(admin_, MemberRole{admin_.id, R::kOwner}), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(admin_, MemberRole{owner_.id, R::kAdmin}), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(member_, MemberRole{auditor_.id, R::kMember}), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(owner_, MemberRole{owner_.id, R::kAdmin}), kUntrustedKey);  // last
  EXPECT_STATUS(roster_.Add(owner_, MemberRole{SomeId(9), R::kAdmin}), kUntrustedKey);
  EXPECT_OK(roster_.Add(admin_, MemberRole{auditor_.id, R::kMember}));
  EXPECT_OK(roster_.Add(owner_, MemberRole{admin_.id, R::kOwner}));
  EXPECT_OK(roster_.Add(owner_, MemberRole{owner_.id, R::kAdmin}));  // another owner remains
  EXPECT_EQ(state().ActiveMember(owner_.id)->role, R::kAdmin);
}

TEST_F(RosterRulesTest, DemotionToAuditorDropsAccessAndDeputyship) {
  ASSERT_OK(Grant(owner_, member_, emergency::GrantMode::kTakeover));
  ASSERT_OK(roster_.Add(owner_, MemberRole{member_.id, R::kAuditor}));
  EXPECT_EQ(state().AccessOf(member_.id, ops_), A::kNone);
  EXPECT_FALSE(state().grants.at(SomeId(40)).active);
  // And no access can be granted back while an auditor.
  EXPECT_STATUS(Access(owner_, member_, A::kView), kUntrustedKey);
}

TEST_F(RosterRulesTest, RemovalFollowsThePolicy) {
  EXPECT_STATUS(roster_.Add(owner_, MemberRemove{owner_.id}), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(admin_, MemberRemove{admin_.id}), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(admin_, MemberRemove{owner_.id}), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(member_, MemberRemove{auditor_.id}), kUntrustedKey);
  ASSERT_OK(Grant(owner_, member_, emergency::GrantMode::kView));
  ASSERT_OK(roster_.Add(admin_, MemberRemove{member_.id}));
  EXPECT_EQ(state().AccessOf(member_.id, ops_), A::kNone);
  EXPECT_FALSE(state().grants.at(SomeId(40)).active);
  EXPECT_STATUS(roster_.Add(admin_, MemberRemove{member_.id}), kUntrustedKey);  // already gone
  EXPECT_STATUS(Access(owner_, member_, A::kView), kUntrustedKey);
}

TEST_F(RosterRulesTest, OnlyOwnersSetTheRecoveryKey) {
  crypto::PublicKey k{};
  k.fill(3);
  EXPECT_STATUS(roster_.Add(admin_, RecoverySet{k}), kUntrustedKey);
  EXPECT_FALSE(state().recovery_pk.has_value());
  EXPECT_OK(roster_.Add(owner_, RecoverySet{k}));
  EXPECT_EQ(state().recovery_pk, k);
  EXPECT_OK(roster_.Add(owner_, RecoverySet{std::nullopt}));
  EXPECT_FALSE(state().recovery_pk.has_value());
}

TEST_F(RosterRulesTest, OnlyOwnersSetBothRecoveryKeys) {
  crypto::PublicKey box{};
  box.fill(3);
  crypto::PublicKey age{};
  age.fill(4);
  for (const Person* p : {&admin_, &member_, &auditor_}) {
    EXPECT_STATUS(roster_.Add(*p, RecoveryKeysSet{box, age}), kUntrustedKey);
  }
  EXPECT_FALSE(state().recovery_pk.has_value());
  EXPECT_FALSE(state().recovery_age_pk.has_value());
  EXPECT_OK(roster_.Add(owner_, RecoveryKeysSet{box, age}));
  EXPECT_EQ(state().recovery_pk, box);
  EXPECT_EQ(state().recovery_age_pk, age);
  // A later recovery.set replaces the key; the age recipient was the old
  // key's, so it goes too.
  crypto::PublicKey other{};
  other.fill(5);
  EXPECT_OK(roster_.Add(owner_, RecoverySet{other}));
  EXPECT_EQ(state().recovery_pk, other);
  EXPECT_FALSE(state().recovery_age_pk.has_value());
  EXPECT_OK(roster_.Add(owner_, RecoveryKeysSet{box, age}));
  EXPECT_OK(roster_.Add(owner_, RecoverySet{std::nullopt}));
  EXPECT_FALSE(state().recovery_pk.has_value());
  EXPECT_FALSE(state().recovery_age_pk.has_value());
}

TEST_F(RosterRulesTest, CollectionsAreCreatedByThoseWhoMayAndOnce) {
  EXPECT_STATUS(roster_.Add(member_, CollectionCreate{SomeId(31), "x", 1, {}}), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(auditor_, CollectionCreate{SomeId(31), "x", 1, {}}), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(admin_, CollectionCreate{ops_, "again", 1, {}}), kUntrustedKey);
  crypto::Hash kcv{};
  kcv.fill(9);
  ASSERT_OK(roster_.Add(admin_, CollectionCreate{SomeId(31), "x", 4, kcv}));
  const Collection& c = state().collections.at(SomeId(31));
  EXPECT_EQ(c.key_version, 4);
  EXPECT_EQ(c.kcv.at(4), kcv);
  EXPECT_EQ(state().AccessOf(admin_.id, SomeId(31)), A::kManage);
}

// Attack 1: the team role alone never hands out a collection or its key.
TEST_F(RosterRulesTest, AnAdminWithoutManageCannotGrantOrRekey) {
  EXPECT_STATUS(Access(admin_, admin_, A::kView), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(admin_, CollectionKey{ops_, 2, {}}), kUntrustedKey);
  EXPECT_STATUS(Access(auditor_, auditor_, A::kView), kUntrustedKey);
  EXPECT_EQ(state().AccessOf(admin_.id, ops_), A::kNone);
  // A member who manages the collection may.
  EXPECT_OK(Access(member_, admin_, A::kEdit));
  EXPECT_EQ(state().AccessOf(admin_.id, ops_), A::kEdit);
  EXPECT_STATUS(Access(admin_, newcomer_, A::kView), kUntrustedKey);  // edit is not manage
}

TEST_F(RosterRulesTest, AccessIsNeverForAnAuditorOrSomeoneGone) {
  EXPECT_STATUS(Access(owner_, auditor_, A::kView), kUntrustedKey);
  EXPECT_STATUS(Access(owner_, newcomer_, A::kView), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(owner_, CollectionAccessSet{SomeId(99), admin_.id, A::kView}),
                kUntrustedKey);
  ASSERT_OK(Access(owner_, admin_, A::kView));
  ASSERT_OK(Access(member_, admin_, A::kNone));
  EXPECT_EQ(state().AccessOf(admin_.id, ops_), A::kNone);
  EXPECT_FALSE(state().collections.at(ops_).access.contains(admin_.id));
}

TEST_F(RosterRulesTest, AKeyVersionIsAlwaysTheNextOne) {
  crypto::Hash kcv{};
  kcv.fill(2);
  EXPECT_STATUS(roster_.Add(member_, CollectionKey{ops_, 1, kcv}), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(member_, CollectionKey{ops_, 3, kcv}), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(member_, CollectionKey{SomeId(99), 2, kcv}), kUntrustedKey);
  ASSERT_OK(roster_.Add(member_, CollectionKey{ops_, 2, kcv}));
  EXPECT_EQ(state().collections.at(ops_).key_version, 2);
  EXPECT_EQ(state().collections.at(ops_).kcv.at(2), kcv);
  EXPECT_EQ(state().collections.at(ops_).kcv.count(1), 1u);
}

TEST_F(RosterRulesTest, EmergencyGrantsHandOnlyWhatTheGrantorHolds) {
  // An admin holding nothing of ops.
  EXPECT_STATUS(Grant(admin_, member_, emergency::GrantMode::kView), kUntrustedKey);
  // Members may not manage grants at all, even for a collection they manage.
  EXPECT_STATUS(Grant(member_, admin_, emergency::GrantMode::kView), kUntrustedKey);
  EXPECT_STATUS(Grant(owner_, auditor_, emergency::GrantMode::kView), kUntrustedKey);
  EXPECT_STATUS(Grant(owner_, owner_, emergency::GrantMode::kView), kUntrustedKey);
  EXPECT_STATUS(Grant(owner_, newcomer_, emergency::GrantMode::kView), kUntrustedKey);
  EXPECT_STATUS(
      roster_.Add(owner_,
                  EmergencyGrant{SomeId(40), admin_.id, emergency::GrantMode::kView, {SomeId(99)}}),
      kUntrustedKey);
  ASSERT_OK(Access(owner_, admin_, A::kView));
  EXPECT_OK(Grant(admin_, member_, emergency::GrantMode::kView));
  EXPECT_STATUS(Grant(owner_, member_, emergency::GrantMode::kView), kUntrustedKey);  // id used
}

TEST_F(RosterRulesTest, AGrantIsEndedByItsPartiesOrTeamAdministrators) {
  for (uint8_t g = 40; g < 43; ++g)
    ASSERT_OK(Grant(owner_, member_, emergency::GrantMode::kView, SomeId(g)));
  ASSERT_OK(Grant(owner_, admin_, emergency::GrantMode::kView, SomeId(43)));
  EXPECT_STATUS(roster_.Add(auditor_, EmergencyEnd{SomeId(40)}), kUntrustedKey);
  EXPECT_STATUS(roster_.Add(member_, EmergencyEnd{SomeId(43)}), kUntrustedKey);  // not a party
  EXPECT_OK(roster_.Add(member_, EmergencyEnd{SomeId(40)}));                     // the deputy
  EXPECT_OK(roster_.Add(owner_, EmergencyEnd{SomeId(41)}));                      // the grantor
  EXPECT_OK(roster_.Add(admin_, EmergencyEnd{SomeId(42)}));                      // an administrator
  EXPECT_STATUS(roster_.Add(owner_, EmergencyEnd{SomeId(40)}), kUntrustedKey);   // ended
  EXPECT_STATUS(roster_.Add(owner_, EmergencyEnd{SomeId(49)}), kUntrustedKey);
}

TEST_F(RosterRulesTest, OnlyTheDeputyTakesOverAnActiveTakeoverGrant) {
  ASSERT_OK(Grant(owner_, admin_, emergency::GrantMode::kView, SomeId(40)));
  ASSERT_OK(Grant(owner_, admin_, emergency::GrantMode::kTakeover, SomeId(41)));
  ASSERT_OK(Grant(owner_, admin_, emergency::GrantMode::kTakeover, SomeId(42)));
  ASSERT_OK(roster_.Add(owner_, EmergencyEnd{SomeId(42)}));
  EXPECT_STATUS(roster_.Add(admin_, EmergencyTakeover{SomeId(40)}), kUntrustedKey);  // view
  EXPECT_STATUS(roster_.Add(admin_, EmergencyTakeover{SomeId(42)}), kUntrustedKey);  // ended
  EXPECT_STATUS(roster_.Add(owner_, EmergencyTakeover{SomeId(41)}), kUntrustedKey);  // grantor
  EXPECT_EQ(state().AccessOf(admin_.id, ops_), A::kNone);
  ASSERT_OK(roster_.Add(admin_, EmergencyTakeover{SomeId(41)}));
  EXPECT_EQ(state().AccessOf(admin_.id, ops_), A::kManage);
  EXPECT_STATUS(roster_.Add(admin_, EmergencyTakeover{SomeId(41)}), kUntrustedKey);  // twice
  // Now a manager, the deputy may re-key.
  EXPECT_OK(roster_.Add(admin_, CollectionKey{ops_, 2, {}}));
}

}  // namespace
}  // namespace vault::roster
