#include "vault/policy.h"

#include <gtest/gtest.h>

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"

namespace vault {
namespace {

// --- The expected policy, written out as data --------------------------------
//
// One row per action. The 16 cells are role x access: four groups for owner,
// admin, member, auditor, and in each group access none, view, edit, manage.
// 'Y' = allow, '.' = deny. Spaces are only for reading.
struct Row {
  Action action;
  const char* cells;
};

// clang-format off
constexpr Row kExpected[] = {
  //                                   owner admin member auditor
  //                                   nvem  nvem  nvem   nvem
  {Action::kReadServerInfo,           "YYYY  YYYY  YYYY   YYYY"},
  {Action::kManageServerSettings,     "YYYY  ....  ....   ...."},
  {Action::kManageRecovery,           "YYYY  ....  ....   ...."},
  {Action::kCreateServerBackup,       "YYYY  YYYY  ....   ...."},
  {Action::kListMembers,              "YYYY  YYYY  YYYY   YYYY"},
  {Action::kInviteMember,             "YYYY  YYYY  ....   ...."},
  {Action::kInviteAdmin,              "YYYY  YYYY  ....   ...."},
  {Action::kInviteOwner,              "YYYY  ....  ....   ...."},
  {Action::kChangeRole,               "YYYY  YYYY  ....   ...."},
  {Action::kChangeOwnerRole,          "YYYY  ....  ....   ...."},
  {Action::kRemoveMember,             "YYYY  YYYY  ....   ...."},
  {Action::kRemoveOwner,              "YYYY  ....  ....   ...."},
  {Action::kCreateCollection,         "YYYY  YYYY  ....   ...."},
  {Action::kDeleteCollection,         "YYYY  YYYY  ....   ...."},
  {Action::kListCollections,          "YYYY  YYYY  YYYY   YYYY"},
  {Action::kChangeCollectionSettings, "YYYY  YYYY  ....   ...."},
  {Action::kReadAuditLog,             "YYYY  YYYY  ....   YYYY"},
  {Action::kExportAuditLog,           "YYYY  YYYY  ....   YYYY"},
  {Action::kListEmergencyGrants,      "YYYY  YYYY  YYYY   ...."},
  {Action::kManageEmergencyGrants,    "YYYY  YYYY  ....   ...."},
  {Action::kDecideEmergencyRequest,   "YYYY  YYYY  ....   ...."},
  {Action::kRequestEmergencyAccess,   "YYYY  YYYY  YYYY   ...."},
  {Action::kConfirmEmergencyRequest,  "YYYY  YYYY  YYYY   ...."},
  {Action::kUseSession,               "YYYY  YYYY  YYYY   YYYY"},
  {Action::kReadRoster,               "YYYY  YYYY  YYYY   YYYY"},
  {Action::kAppendRoster,             "YYYY  YYYY  YYYY   YYYY"},
  {Action::kReadRecovery,             "YYYY  YYYY  ....   YYYY"},
  {Action::kCheckRecoveryShare,       "YYYY  YYYY  YYYY   YYYY"},
  {Action::kReadContinuityReport,     "YYYY  YYYY  ....   YYYY"},
  {Action::kReadItemMetadata,         "YYYY  YYYY  .YYY   YYYY"},
  {Action::kReadItemSecret,           "YYYY  YYYY  .YYY   ...."},
  {Action::kCreateItem,               "YYYY  YYYY  ..YY   ...."},
  {Action::kUpdateItem,               "YYYY  YYYY  ..YY   ...."},
  {Action::kDeleteItem,               "YYYY  YYYY  ..YY   ...."},
  {Action::kFlagItem,                 "YYYY  YYYY  .YYY   ...."},
  {Action::kRotateItem,               "YYYY  YYYY  ..YY   ...."},
  {Action::kGrantCollectionAccess,    "YYYY  YYYY  ...Y   ...."},
  {Action::kRevokeCollectionAccess,   "YYYY  YYYY  ...Y   ...."},
  {Action::kRekeyCollection,          "YYYY  YYYY  ...Y   ...."},
  {Action::kReadSealedCollectionKey,  "YYYY  YYYY  .YYY   ...."},
};
// clang-format on

void PrintTo(const Row& row, std::ostream* os) { *os << ToString(row.action); }

// The 16 cells of a row without spaces, or "" if the row is malformed.
std::string Cells(const Row& row) {
  std::string out;
  for (const char* p = row.cells; *p != '\0'; ++p) {
    if (*p == ' ') continue;
    if (*p != 'Y' && *p != '.') return "";
    out += *p;
  }
  return out.size() == 16 ? out : "";
}

TEST(PolicyTableTest, TableListsEveryActionExactlyOnce) {
  std::set<Action> seen;
  for (const Row& row : kExpected) {
    EXPECT_TRUE(seen.insert(row.action).second) << "twice: " << ToString(row.action);
    EXPECT_EQ(Cells(row).size(), 16u) << "malformed row: " << ToString(row.action);
  }
  for (Action a : AllActions()) {
    EXPECT_TRUE(seen.count(a)) << "missing from the table: " << ToString(a);
  }
  EXPECT_EQ(seen.size(), AllActions().size());
}

class PolicyTableTest : public ::testing::TestWithParam<Row> {};

// Every cell: role x access x action, against the table above. Check() must
// agree with Decide() and name the role and action when it denies.
TEST_P(PolicyTableTest, EveryCellMatches) {
  const Row& row = GetParam();
  const std::string cells = Cells(row);
  ASSERT_EQ(cells.size(), 16u);
  for (size_t r = 0; r < AllTeamRoles().size(); ++r) {
    for (size_t c = 0; c < AllCollectionAccesses().size(); ++c) {
      const TeamRole role = AllTeamRoles()[r];
      const CollectionAccess access = AllCollectionAccesses()[c];
      const Decision want = cells[r * 4 + c] == 'Y' ? Decision::kAllow : Decision::kDeny;
      SCOPED_TRACE(std::string(ToString(role)) + " / " + std::string(ToString(access)) + " / " +
                   std::string(ToString(row.action)));
      EXPECT_EQ(ToString(Decide(role, access, row.action)), ToString(want));
      const Status s = Check(role, access, row.action);
      if (want == Decision::kAllow) {
        EXPECT_OK(s);
      } else {
        EXPECT_STATUS(s, kPermissionDenied);
        EXPECT_NE(s.message().find(ToString(role)), std::string::npos) << s.ToString();
        EXPECT_NE(s.message().find(ToString(row.action)), std::string::npos) << s.ToString();
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllActions, PolicyTableTest, ::testing::ValuesIn(kExpected),
                         [](const ::testing::TestParamInfo<Row>& p) {
  return std::string(ToString(p.param.action));
});

// --- Properties, stated independently of the table ----------------------------

// Out-of-range values, as a corrupted row or a bad cast would produce.
constexpr TeamRole kBadRole = static_cast<TeamRole>(4);
constexpr CollectionAccess kBadAccess = static_cast<CollectionAccess>(4);
const Action kBadAction = static_cast<Action>(AllActions().size());

TEST(PolicyTest, AuditorNeverGetsSecretKeyOrMutationWhateverTheAccess) {
  // kUseSession changes only the auditor's own session and e-mail address;
  // kAppendRoster is decided per statement by roster::Apply, which lets an
  // auditor sign only their own join; a share check records only its
  // outcome; the continuity report is metadata.
  const std::set<Action> read_only = {
      Action::kReadServerInfo, Action::kListMembers,        Action::kListCollections,
      Action::kReadAuditLog,   Action::kExportAuditLog,     Action::kReadItemMetadata,
      Action::kUseSession,     Action::kReadRoster,         Action::kAppendRoster,
      Action::kReadRecovery,   Action::kCheckRecoveryShare, Action::kReadContinuityReport};
  const std::vector<CollectionAccess> accesses = {CollectionAccess::kNone,
                                                  CollectionAccess::kView,
                                                  CollectionAccess::kEdit,
                                                  CollectionAccess::kManage,
                                                  kBadAccess,
                                                  static_cast<CollectionAccess>(255)};
  for (Action a : AllActions()) {
    for (CollectionAccess access : accesses) {
      const Decision got = Decide(TeamRole::kAuditor, access, a);
      if (read_only.count(a) && access <= CollectionAccess::kManage) {
        EXPECT_EQ(got, Decision::kAllow) << ToString(a);
      } else {
        EXPECT_EQ(got, Decision::kDeny) << ToString(a) << " access " << static_cast<int>(access);
      }
    }
  }
  for (CollectionAccess access : accesses) {
    EXPECT_EQ(Decide(TeamRole::kAuditor, access, Action::kReadItemSecret), Decision::kDeny);
    EXPECT_EQ(Decide(TeamRole::kAuditor, access, Action::kReadSealedCollectionKey),
              Decision::kDeny);
    EXPECT_EQ(Decide(TeamRole::kAuditor, access, Action::kRequestEmergencyAccess), Decision::kDeny);
  }
}

TEST(PolicyTest, OutOfRangeValuesAreDeniedEvenForOwners) {
  for (Action a : AllActions()) {
    EXPECT_EQ(Decide(kBadRole, CollectionAccess::kManage, a), Decision::kDeny);
    EXPECT_EQ(Decide(static_cast<TeamRole>(255), CollectionAccess::kManage, a), Decision::kDeny);
    EXPECT_EQ(Decide(TeamRole::kOwner, kBadAccess, a), Decision::kDeny);
  }
  for (TeamRole r : AllTeamRoles()) {
    EXPECT_EQ(Decide(r, CollectionAccess::kManage, kBadAction), Decision::kDeny);
    EXPECT_EQ(Decide(r, CollectionAccess::kManage, static_cast<Action>(255)), Decision::kDeny);
  }
  EXPECT_STATUS(Check(kBadRole, CollectionAccess::kNone, Action::kReadServerInfo),
                kPermissionDenied);
}

TEST(PolicyTest, TeamLevelActionsIgnoreAccess) {
  for (Action a : AllActions()) {
    if (IsCollectionAction(a)) continue;
    for (TeamRole r : AllTeamRoles()) {
      const Decision base = Decide(r, CollectionAccess::kNone, a);
      for (CollectionAccess access : AllCollectionAccesses()) {
        EXPECT_EQ(Decide(r, access, a), base) << ToString(r) << " " << ToString(a);
      }
    }
  }
}

TEST(PolicyTest, CollectionActionsAreExactlyTheItemAndKeyOnes) {
  const std::set<Action> want = {Action::kReadItemMetadata,
                                 Action::kReadItemSecret,
                                 Action::kCreateItem,
                                 Action::kUpdateItem,
                                 Action::kDeleteItem,
                                 Action::kFlagItem,
                                 Action::kRotateItem,
                                 Action::kGrantCollectionAccess,
                                 Action::kRevokeCollectionAccess,
                                 Action::kRekeyCollection,
                                 Action::kReadSealedCollectionKey};
  for (Action a : AllActions()) EXPECT_EQ(IsCollectionAction(a), want.count(a) == 1) << ToString(a);
  EXPECT_FALSE(IsCollectionAction(kBadAction));
}

TEST(PolicyTest, MoreAccessNeverTakesAnythingAway) {
  for (Action a : AllActions()) {
    for (TeamRole r : AllTeamRoles()) {
      for (size_t i = 1; i < AllCollectionAccesses().size(); ++i) {
        if (Decide(r, AllCollectionAccesses()[i - 1], a) == Decision::kAllow) {
          EXPECT_EQ(Decide(r, AllCollectionAccesses()[i], a), Decision::kAllow)
              << ToString(r) << " " << ToString(a);
        }
      }
    }
  }
}

TEST(PolicyTest, CheckMessageNamesRoleActionAndAccess) {
  const Status s = Check(TeamRole::kMember, CollectionAccess::kView, Action::kDeleteItem);
  EXPECT_STATUS(s, kPermissionDenied);
  EXPECT_EQ(s.message(), "role \"member\" may not delete_item with collection access \"view\"");
  const Status t = Check(TeamRole::kAdmin, CollectionAccess::kNone, Action::kInviteOwner);
  EXPECT_EQ(t.message(), "role \"admin\" may not invite_owner");
}

// --- Names -------------------------------------------------------------------

TEST(PolicyNamesTest, AllActionsIsInEnumOrderAndComplete) {
  for (size_t i = 0; i < AllActions().size(); ++i) {
    EXPECT_EQ(AllActions()[i], static_cast<Action>(i));
  }
  // An enumerator added without being listed would have a name here.
  EXPECT_EQ(ToString(kBadAction), "unknown");
}

TEST(PolicyNamesTest, ActionNamesAreUniqueSnakeCase) {
  std::set<std::string_view> names;
  for (Action a : AllActions()) {
    const std::string_view n = ToString(a);
    EXPECT_TRUE(names.insert(n).second) << n;
    EXPECT_NE(n, "unknown");
    for (char c : n) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << n;
  }
}

TEST(PolicyNamesTest, RolesRoundTrip) {
  const std::vector<std::pair<TeamRole, std::string_view>> want = {{TeamRole::kOwner, "owner"},
                                                                   {TeamRole::kAdmin, "admin"},
                                                                   {TeamRole::kMember, "member"},
                                                                   {TeamRole::kAuditor, "auditor"}};
  ASSERT_EQ(want.size(), AllTeamRoles().size());
  for (const auto& [role, name] : want) {
    EXPECT_EQ(ToString(role), name);
    ASSERT_OK_AND_ASSIGN(TeamRole parsed, ParseTeamRole(name));
    EXPECT_EQ(parsed, role);
  }
  EXPECT_EQ(ToString(kBadRole), "unknown");
}

TEST(PolicyNamesTest, AccessRoundTrip) {
  const std::vector<std::pair<CollectionAccess, std::string_view>> want = {
      {CollectionAccess::kNone, "none"},
      {CollectionAccess::kView, "view"},
      {CollectionAccess::kEdit, "edit"},
      {CollectionAccess::kManage, "manage"}};
  ASSERT_EQ(want.size(), AllCollectionAccesses().size());
  for (const auto& [access, name] : want) {
    EXPECT_EQ(ToString(access), name);
    ASSERT_OK_AND_ASSIGN(CollectionAccess parsed, ParseCollectionAccess(name));
    EXPECT_EQ(parsed, access);
  }
  EXPECT_EQ(ToString(kBadAccess), "unknown");
  EXPECT_EQ(ToString(Decision::kAllow), "allow");
  EXPECT_EQ(ToString(Decision::kDeny), "deny");
}

TEST(PolicyNamesTest, BadNamesRejected) {
  const std::vector<std::string> bad = {"",       "Owner",  "OWNER",   " owner",
                                        "owner ", "root",   "unknown", "0",
                                        "owners", "viewer", "admin\n", std::string("owner\0", 6)};
  for (const std::string& name : bad) {
    EXPECT_STATUS(ParseTeamRole(name), kInvalidArgument) << '"' << name << '"';
    EXPECT_STATUS(ParseCollectionAccess(name), kInvalidArgument) << '"' << name << '"';
  }
  for (std::string_view name : {"View", "read", "write", "all", "admin"}) {
    EXPECT_STATUS(ParseCollectionAccess(name), kInvalidArgument) << name;
  }
  for (std::string_view name : {"none", "view", "edit", "manage"}) {
    EXPECT_STATUS(ParseTeamRole(name), kInvalidArgument) << name;
  }
}

TEST(PolicyNamesTest, BadNameErrorIsHelpfulAndBounded) {
  auto r = ParseTeamRole("superuser");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("\"superuser\""), std::string::npos);
  EXPECT_NE(r.error().message().find("\"auditor\""), std::string::npos);

  const std::string hostile = std::string(1000, 'A') + "\x1b[2J";
  auto h = ParseCollectionAccess(hostile);
  ASSERT_FALSE(h.has_value());
  EXPECT_LT(h.error().message().size(), 200u);
  EXPECT_EQ(h.error().message().find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace vault
