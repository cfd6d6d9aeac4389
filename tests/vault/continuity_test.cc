// The continuity report's computation (vault/continuity.h) over hand-made
// records, and its wire codec.
#include "vault/continuity.h"

#include <gtest/gtest.h>

#include "vault/api_json_continuity.h"
#include "vault/time_format.h"

namespace {

using vault::continuity::Compute;
using vault::continuity::Finding;
using vault::continuity::Input;
using vault::continuity::Report;
using vault::continuity::Severity;

vault::Member Person(const std::string& id, const std::string& name, vault::TeamRole role,
                     bool active = true) {
  vault::Member m;
  m.id = id;
  m.name = name;
  m.role = role;
  m.status = active ? vault::MemberStatus::kActive : vault::MemberStatus::kRemoved;
  return m;
}

vault::ItemMeta Item(const std::string& id, const std::string& name, const std::string& col,
                     const std::string& second_admin = "unknown") {
  vault::ItemMeta it;
  it.id = id;
  it.name = name;
  it.collection_id = col;
  it.channel = "facebook";
  it.rotation_period_s = 90 * 86400;
  it.last_rotated_ms = vault::ToUnixMs(vault::FromUnixMs(1'700'000'000'000));
  it.second_admin = second_admin;
  return it;
}

// Owner Mari alone holds Social (two items); Bank is held by Mari and Jüri,
// and covered by a grant to Kadri; Old is held by nobody active; a grant
// from removed Peeter still stands.
Input Team() {
  Input in;
  in.now = vault::FromUnixMs(1'700'000'000'000 + 86400000LL);
  in.members = {Person("m", "Mari", vault::TeamRole::kOwner),
                Person("j", "Jüri", vault::TeamRole::kMember),
                Person("k", "Kadri", vault::TeamRole::kMember),
                Person("t", "Tõnu", vault::TeamRole::kAuditor),
                Person("p", "Peeter", vault::TeamRole::kAdmin, /*active=*/false)};
  in.collections = {{"cs", "Social"}, {"cb", "Bank"}, {"co", "Old"}};
  in.access = {{"cs", {"m"}}, {"cb", {"m", "j"}}, {"co", {"p"}}};
  in.items = {Item("i1", "Facebook page", "cs"), Item("i2", "Instagram", "cs", "yes"),
              Item("i3", "Bank login", "cb", "no"), Item("i4", "Old forum", "co", "yes")};
  vault::EmergencyGrant covers_bank;
  covers_bank.id = "g1";
  covers_bank.grantor_id = "m";
  covers_bank.deputy_id = "k";
  covers_bank.wait_s = 48 * 3600;
  covers_bank.collections = {"cb"};
  vault::EmergencyGrant dead;
  dead.id = "g2";
  dead.grantor_id = "p";
  dead.deputy_id = "j";
  dead.collections = {"co"};
  in.grants = {covers_bank, dead};
  return in;
}

std::string Line(const Finding& f) {
  std::string fix;
  for (const auto& a : f.fix) fix += " " + a;
  return std::string(vault::continuity::ToString(f.severity)) + " " + f.kind + " " + f.subject +
         " |" + fix;
}

TEST(ContinuityTest, FindsExactlyTheSinglePointsOfFailureMostSeriousFirst) {
  const Report r = Compute(Team());
  std::vector<std::string> got;
  for (const auto& f : r.findings) got.push_back(Line(f));
  EXPECT_EQ(got,
            (std::vector<std::string>{
                "critical no_reader Old forum |",
                "high single_reader Facebook page | collection grant Social Jüri view",
                "high single_reader Instagram | collection grant Social Jüri view",
                "medium no_deputy Old | emergency grant Mari --collection Old --wait 48h",
                "medium no_deputy Social | emergency grant Jüri --collection Social --wait 48h",
                "medium grant_removed_member g2 | emergency revoke g2",
                "medium no_second_admin Bank login | item edit Bank login --second-admin yes",
                "low second_admin_unknown Facebook page | item edit Facebook page "
                "--second-admin yes",
            }));
  ASSERT_EQ(r.sole_holders.size(), 1u);
  EXPECT_EQ(r.sole_holders[0].member, "Mari");
  EXPECT_EQ(r.sole_holders[0].collections, std::vector<std::string>{"Social"});
  EXPECT_EQ(r.collections_without_deputy, (std::vector<std::string>{"Social", "Old"}));
  EXPECT_EQ(r.grants_to_removed, std::vector<std::string>{"g2"});
  ASSERT_EQ(r.items.size(), 4u);
  EXPECT_EQ(r.items[2].readers, (std::vector<std::string>{"Mari", "Jüri"}));
  ASSERT_EQ(r.items[2].covers.size(), 1u);
  EXPECT_EQ(r.items[2].covers[0].deputy, "Kadri");
  EXPECT_EQ(r.items[2].covers[0].wait_s, 48 * 3600);
  EXPECT_EQ(r.items[0].rotation, "ok");
  EXPECT_FALSE(r.recovery.set_up);

  const auto g = vault::continuity::CountGauges(r);
  EXPECT_EQ(g.items_single_reader, 3);  // two with one reader, one with none
  EXPECT_EQ(g.collections_without_deputy, 2);
  EXPECT_EQ(g.items_without_second_admin, 2);
}

TEST(ContinuityTest, FixingTheRecordsClearsTheFindings) {
  Input in = Team();
  in.access["cs"].push_back("j");
  in.access["co"] = {"m", "j"};
  in.grants[1].status = vault::emergency::GrantStatus::kRevoked;
  in.grants[0].collections = {"cb", "co", "cs"};
  for (auto& it : in.items) it.second_admin = "yes";
  const Report r = Compute(in);
  for (const auto& f : r.findings) ADD_FAILURE() << Line(f);
  EXPECT_TRUE(r.sole_holders.empty());
}

TEST(ContinuityTest, ItemsWithTheSameNameAreNamedById) {
  Input in = Team();
  in.items.push_back(Item("i5", "Facebook page", "cb"));
  const Report r = Compute(in);
  std::vector<std::vector<std::string>> fixes;
  for (const auto& f : r.findings) {
    if (f.kind == vault::continuity::kSecondAdminUnknown) fixes.push_back(f.fix);
  }
  ASSERT_EQ(fixes.size(), 2u);
  EXPECT_EQ(fixes[0][2], "i1");
  EXPECT_EQ(fixes[1][2], "i5");
}

TEST(ContinuityTest, ReportCodecRoundTripsAndRefusesBadAnswers) {
  Input in = Team();
  in.recovery.set_up = true;
  in.recovery.last_backup_ms = 1'700'000'000'000;
  const Report r = Compute(in);
  const auto j = vault::api::ContinuityReportToJson(r);
  auto back = vault::api::ContinuityReportFromJson(j, "GET /v1/continuity");
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(vault::api::ContinuityReportToJson(*back), j);
  EXPECT_TRUE(back->recovery.set_up);

  auto bad_severity = j;
  bad_severity["findings"][0]["severity"] = "apocalyptic";
  EXPECT_FALSE(vault::api::ContinuityReportFromJson(bad_severity, "GET /v1/continuity"));
  auto no_items = j;
  no_items.erase("items");
  EXPECT_FALSE(vault::api::ContinuityReportFromJson(no_items, "GET /v1/continuity"));
  auto bad_reader = j;
  bad_reader["items"][0]["readers"] = 3;
  EXPECT_FALSE(vault::api::ContinuityReportFromJson(bad_reader, "GET /v1/continuity"));
}

}  // namespace
