// The reminder digests' rules (vault/reminders.h) at fixed times, their
// text, and the record of sent digests in the store.
#include "vault/reminders.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"

namespace vault::reminders {
namespace {

using std::chrono::days;
using std::chrono::hours;
using testing_util::FakeEnv;
using testing_util::TempDir;

// 2026-03-10 09:00 UTC: after the default send hour.
const std::chrono::sys_days kToday = std::chrono::sys_days(std::chrono::year_month_day(
    std::chrono::year(2026), std::chrono::month(3), std::chrono::day(10)));
const TimePoint kNow = TimePoint(kToday) + hours(9);

const std::vector<MemberFacts> kTeam = {
    {"own", "Olga", true, true}, {"adm", "Adam", true, true}, {"ali", "Alice", true, false},
    {"bob", "Bob", true, false}, {"ex", "Exa", false, true},  {"aud", "Audrey", true, false},
};

// An item of `who` last rotated `ago` days before kNow, with a 30-day period.
ItemFacts ItemOf(const std::string& id, const std::string& who, int ago) {
  return {id, "Item " + id, "facebook", who, kNow - days(ago), days(30), {}, std::nullopt};
}

std::optional<Group> GroupOf(const ItemFacts& item, const Settings& s = {}) {
  auto e = Classify(item, kNow, s);
  if (!e) return std::nullopt;
  return e->group;
}

std::vector<std::string> Ids(const Digest& d) {
  std::vector<std::string> out;
  for (const Entry& e : d.entries) out.push_back(e.item_id);
  return out;
}

TEST(ReminderRulesTest, ClassifiesByDueDayInUtc) {
  // Due 30 days after the last rotation; kNow is 09:00.
  EXPECT_EQ(GroupOf(ItemOf("a", "ali", 31)), Group::kOverdue);
  EXPECT_EQ(GroupOf(ItemOf("a", "ali", 30)), Group::kDue);
  // Due later today (15:00) is due, not yet overdue.
  ItemFacts later_today = ItemOf("a", "ali", 30);
  later_today.last_rotated += hours(6);
  EXPECT_EQ(GroupOf(later_today), Group::kDue);
  // Due at 00:00 today, hours past: due today, not overdue.
  ItemFacts midnight = ItemOf("a", "ali", 30);
  midnight.last_rotated -= hours(9);
  EXPECT_EQ(GroupOf(midnight), Group::kDue);
  // Due at 23:59 yesterday: overdue by one day.
  midnight.last_rotated -= std::chrono::minutes(1);
  EXPECT_EQ(Classify(midnight, kNow, {})->days_overdue, 1);
  EXPECT_EQ(GroupOf(ItemOf("a", "ali", 23)), Group::kDueSoon);  // due in 7 days
  EXPECT_EQ(GroupOf(ItemOf("a", "ali", 22)), std::nullopt);     // due in 8 days
  EXPECT_EQ(GroupOf(ItemOf("a", "ali", 22), {.lead = days(8)}), Group::kDueSoon);
  EXPECT_EQ(GroupOf(ItemOf("a", "ali", 29), {.lead = days(0)}), std::nullopt);
}

TEST(ReminderRulesTest, FlagsComeFirstAndCountFromTheFlag) {
  ItemFacts item = ItemOf("a", "ali", 40);  // 10 days overdue by its period
  item.flags.Raise({RotationFlagKind::kBreach, "leak", kNow - days(12)});
  auto e = Classify(item, kNow, {});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->group, Group::kFlagged);
  EXPECT_EQ(e->days_overdue, 12);  // since the flag, the earlier of the two
  EXPECT_EQ(e->flags, "breach");
  // A fresh item flagged now is flagged, not overdue.
  ItemFacts fresh = ItemOf("b", "ali", 1);
  fresh.flags.Raise({RotationFlagKind::kMemberRemoved, "bob removed", kNow});
  EXPECT_EQ(GroupOf(fresh), Group::kFlagged);
  EXPECT_EQ(Classify(fresh, kNow, {})->days_overdue, 0);
}

TEST(ReminderRulesTest, PendingRotationsAfterADay) {
  ItemFacts item = ItemOf("a", "ali", 5);  // due in 25 days: no reminder by date
  item.pending_since = kNow - hours(24);
  EXPECT_EQ(GroupOf(item), std::nullopt);
  item.pending_since = kNow - hours(24) - std::chrono::seconds(1);
  EXPECT_EQ(GroupOf(item), Group::kPending);
  // Overdue stays overdue: the old secret is still in use.
  ItemFacts late = ItemOf("b", "ali", 35);
  late.pending_since = kNow - days(3);
  EXPECT_EQ(GroupOf(late), Group::kOverdue);
  // A young pending rotation does not hide that the item is due soon.
  ItemFacts soon = ItemOf("c", "ali", 25);
  soon.pending_since = kNow - hours(1);
  EXPECT_EQ(GroupOf(soon), Group::kDueSoon);
}

TEST(ReminderRulesTest, OneDailyDigestPerResponsibleMember) {
  const std::vector<ItemFacts> items = {ItemOf("a1", "ali", 31), ItemOf("a2", "ali", 25),
                                        ItemOf("a3", "ali", 2), ItemOf("b1", "bob", 30),
                                        ItemOf("o1", "own", 1)};
  auto plan = PlanDigests(kNow, kTeam, items, {}, {});
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].key, (DigestKey{"ali", kToday, DigestKind::kDaily}));
  EXPECT_EQ(Ids(plan[0]), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(plan[1].key, (DigestKey{"bob", kToday, DigestKind::kDaily}));
  EXPECT_EQ(Ids(plan[1]), (std::vector<std::string>{"b1"}));
}

TEST(ReminderRulesTest, EntriesAreSortedByGroupThenDueDate) {
  ItemFacts flagged = ItemOf("f", "ali", 1);
  flagged.flags.Raise({RotationFlagKind::kManual, "", kNow});
  const std::vector<ItemFacts> items = {ItemOf("s2", "ali", 24), ItemOf("s1", "ali", 25), flagged,
                                        ItemOf("o", "ali", 33), ItemOf("d", "ali", 30)};
  auto plan = PlanDigests(kNow, kTeam, items, {}, {});
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(Ids(plan[0]), (std::vector<std::string>{"o", "f", "d", "s1", "s2"}));
}

TEST(ReminderRulesTest, NothingBeforeTheSendHourAndNothingTwice) {
  const std::vector<ItemFacts> items = {ItemOf("a1", "ali", 31)};
  EXPECT_TRUE(PlanDigests(TimePoint(kToday) + hours(7) + std::chrono::minutes(59), kTeam, items, {},
                          {.send_hour = hours(8)})
                  .empty());
  EXPECT_EQ(
      PlanDigests(TimePoint(kToday) + hours(8), kTeam, items, {}, {.send_hour = hours(8)}).size(),
      1u);
  const std::set<DigestKey> sent = {{"ali", kToday, DigestKind::kDaily}};
  EXPECT_TRUE(PlanDigests(kNow, kTeam, items, sent, {}).empty());
  // Yesterday's record does not stand for today.
  const std::set<DigestKey> yesterday = {{"ali", kToday - days(1), DigestKind::kDaily}};
  EXPECT_EQ(PlanDigests(kNow, kTeam, items, yesterday, {}).size(), 1u);
}

TEST(ReminderRulesTest, EscalatesToActiveOwnersAndAdminsAtTheThreshold) {
  // Due 7 days ago: overdue 7 days, the default threshold.
  const std::vector<ItemFacts> at = {ItemOf("a1", "ali", 37), ItemOf("a2", "ali", 36)};
  auto plan = PlanDigests(kNow, kTeam, at, {}, {});
  std::set<DigestKey> keys;
  for (const Digest& d : plan) keys.insert(d.key);
  EXPECT_EQ(keys, (std::set<DigestKey>{{"adm", kToday, DigestKind::kEscalation},
                                       {"ali", kToday, DigestKind::kDaily},
                                       {"own", kToday, DigestKind::kEscalation}}));
  for (const Digest& d : plan) {
    if (d.key.kind == DigestKind::kEscalation) {
      EXPECT_EQ(Ids(d), (std::vector<std::string>{"a1"}));
    } else {
      EXPECT_EQ(Ids(d), (std::vector<std::string>{"a1", "a2"}));
    }
  }
  // One day earlier there is no escalation; a lower threshold brings it.
  const std::vector<ItemFacts> before = {ItemOf("a2", "ali", 36)};
  EXPECT_EQ(PlanDigests(kNow, kTeam, before, {}, {}).size(), 1u);
  EXPECT_EQ(PlanDigests(kNow, kTeam, before, {}, {.escalate_after = days(6)}).size(), 3u);
}

TEST(ReminderRulesTest, AnItemWithoutAnActiveResponsibleGoesToTheAdmins) {
  for (const std::string who : {"ex", "gone", ""}) {
    auto plan = PlanDigests(kNow, kTeam, std::vector{ItemOf("x", who, 30)}, {}, {});
    ASSERT_EQ(plan.size(), 2u) << who;
    EXPECT_EQ(plan[0].key, (DigestKey{"adm", kToday, DigestKind::kDaily}));
    EXPECT_EQ(plan[1].key, (DigestKey{"own", kToday, DigestKind::kDaily}));
  }
}

TEST(ReminderRulesTest, AConfirmedRotationLeavesTheNextPlan) {
  ItemFacts item = ItemOf("a1", "ali", 40);
  item.flags.Raise({RotationFlagKind::kBreach, "leak", kNow - days(2)});
  item.pending_since = kNow - days(2);
  ASSERT_EQ(PlanDigests(kNow, kTeam, std::vector{item}, {}, {}).size(), 3u);
  // Confirmed an hour ago: rotated, flags cleared, nothing pending.
  item.last_rotated = kNow - hours(1);
  item.flags.Clear();
  item.pending_since.reset();
  EXPECT_TRUE(PlanDigests(kNow, kTeam, std::vector{item}, {}, {}).empty());
}

TEST(ReminderRulesTest, BadSettingsAreClamped) {
  const std::vector<ItemFacts> items = {ItemOf("a1", "ali", 30), ItemOf("far", "ali", -400)};
  const Settings bad{.lead = days(-5), .escalate_after = days(-1), .send_hour = hours(99)};
  // Send hour 23: nothing at 09:00; at 23:00 the due item, escalated at once.
  EXPECT_TRUE(PlanDigests(kNow, kTeam, items, {}, bad).empty());
  auto plan = PlanDigests(TimePoint(kToday) + hours(23), kTeam,
                          std::vector{ItemOf("a1", "ali", 31)}, {}, bad);
  EXPECT_EQ(plan.size(), 3u);
  const Settings huge{.lead = days(100000)};
  EXPECT_EQ(GroupOf(ItemOf("far", "ali", -300), huge), Group::kDueSoon);
  EXPECT_EQ(GroupOf(ItemOf("far", "ali", -400), huge), std::nullopt);
}

TEST(ReminderTextTest, SafeNameHidesControlAndBidiCharacters) {
  EXPECT_EQ(SafeName("Facebook page"), "Facebook page");
  EXPECT_EQ(SafeName("Café ✓"), "Café ✓");
  EXPECT_EQ(SafeName("a\r\nSubject: x"), "a??Subject: x");
  EXPECT_EQ(SafeName("evil\u202Egnp.exe"), "evil?gnp.exe");
  EXPECT_EQ(SafeName("x\x7f\u0085y"), "x??y");
  EXPECT_EQ(SafeName(std::string("bad\xff\xfe utf8")), "bad?? utf8");
}

TEST(ReminderTextTest, DailyDigestListsGroupsWithoutUrls) {
  ItemFacts flagged = ItemOf("f", "ali", 1);
  flagged.name = "X\naccount";
  flagged.flags.Raise({RotationFlagKind::kBreach, "secret reason", kNow - days(1)});
  const std::vector<ItemFacts> items = {ItemOf("o", "ali", 33), flagged, ItemOf("s", "ali", 25)};
  auto plan = PlanDigests(kNow, kTeam, items, {}, {});
  ASSERT_EQ(plan.size(), 1u);
  const Notice n = RenderDigest(plan[0], kTeam, {});
  EXPECT_EQ(n.kind, "reminder.daily");
  EXPECT_EQ(n.member_ids, std::vector<std::string>{"ali"});
  EXPECT_EQ(n.text,
            "Rotations for Alice on 2026-03-10: 1 overdue, 1 flagged, 1 due-soon\n"
            "Overdue:\n"
            "- Item o (facebook): due 2026-03-07, 3 days overdue\n"
            "Flagged, rotate now:\n"
            "- X?account (facebook): breach since 2026-03-09, 1 day overdue\n"
            "Due within 7 days:\n"
            "- Item s (facebook): due 2026-03-15");
  const auto details = nlohmann::json::parse(n.details);
  EXPECT_EQ(details, (nlohmann::json{{"day", "2026-03-10"},
                                     {"digest", "daily"},
                                     {"member", "ali"},
                                     {"items", 3},
                                     {"overdue", "o"},
                                     {"flagged", "f"},
                                     {"due-soon", "s"}}));
  EXPECT_EQ(n.text.find("secret reason"), std::string::npos);
}

TEST(ReminderTextTest, EscalationNamesTheResponsibleMember) {
  const std::vector<ItemFacts> items = {ItemOf("a1", "ali", 38), ItemOf("x", "ex", 40)};
  auto plan = PlanDigests(kNow, kTeam, items, {}, {});
  const Digest* esc = nullptr;
  for (const Digest& d : plan) {
    if (d.key == DigestKey{"adm", kToday, DigestKind::kEscalation}) esc = &d;
  }
  ASSERT_NE(esc, nullptr);
  const Notice n = RenderDigest(*esc, kTeam, {});
  EXPECT_EQ(n.kind, "reminder.escalation");
  EXPECT_EQ(n.text,
            "2 rotations are 7 days or more overdue on 2026-03-10\n"
            "Overdue:\n"
            "- Item x (facebook): due 2026-02-28, 10 days overdue; responsible: nobody active\n"
            "- Item a1 (facebook): due 2026-03-02, 8 days overdue; responsible: Alice");
}

// --- The store ---------------------------------------------------------------

class ReminderStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(crypto::Init());
    key_ = crypto::RandomKey(env_);
    ASSERT_OK_AND_ASSIGN(vault_,
                         Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kCreateNew},
                                     dir_.File("vault.db")));
    ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
      for (const auto& [id, mail] : {std::pair{"o1", "o1@example.org"}, std::pair{"m1", ""}}) {
        Member m{id, "name-" + std::string(id),
                 id == std::string("o1") ? TeamRole::kOwner : TeamRole::kMember};
        env_.RandomBytes(m.signing_public_key);
        env_.RandomBytes(m.box_public_key);
        if (Status s = t.AddMember({"o1"}, m); !s.ok()) return s;
        if (Status s = t.SetMemberEmail({"o1"}, id, mail); !s.ok()) return s;
      }
      return Status::OK();
    }));
  }

  Status Send(const DigestKey& key) {
    return vault_->Write([&](WriteTxn& t) {
      return RecordAndEnqueue(t, key, {"reminder.daily", "text", "{}", {key.member_id}});
    });
  }

  std::set<DigestKey> Sent(std::chrono::sys_days day) {
    std::set<DigestKey> out;
    EXPECT_OK(vault_->Read([&](ReadTxn& t) -> Status {
      auto s = SentOn(t, day);
      if (!s) return s.error();
      out = *s;
      return Status::OK();
    }));
    return out;
  }

  std::vector<Delivery> Deliveries() {
    std::vector<Delivery> out;
    EXPECT_OK(vault_->Read([&](ReadTxn& t) -> Status {
      auto d = t.ListDeliveries(0);
      if (!d) return d.error();
      out = *d;
      return Status::OK();
    }));
    return out;
  }

  FakeEnv env_;
  TempDir dir_;
  SecureBuffer key_;
  std::unique_ptr<Store> vault_;
};

TEST_F(ReminderStoreTest, RecordsEachDigestOnceWithItsNotice) {
  EXPECT_EQ(vault_->schema_version(), kSchemaVersion);
  const DigestKey o1{"o1", kToday, DigestKind::kDaily};
  const DigestKey o1_esc{"o1", kToday, DigestKind::kEscalation};
  const DigestKey m1{"m1", kToday, DigestKind::kDaily};
  ASSERT_OK(Send(o1));
  ASSERT_OK(Send(o1_esc));
  ASSERT_OK(Send(m1));
  EXPECT_EQ(Sent(kToday), (std::set<DigestKey>{o1, o1_esc, m1}));
  EXPECT_TRUE(Sent(kToday + days(1)).empty());
  // Webhook for each, e-mail only for the member with an address.
  const auto deliveries = Deliveries();
  ASSERT_EQ(deliveries.size(), 5u);
  EXPECT_EQ(std::count_if(deliveries.begin(), deliveries.end(),
                          [](const Delivery& d) { return d.channel == DeliveryChannel::kEmail; }),
            2);
  // A second time: refused, and nothing more queued.
  EXPECT_STATUS(Send(o1), kAlreadyExists);
  EXPECT_EQ(Deliveries().size(), 5u);
  ASSERT_OK(Send({"o1", kToday + days(1), DigestKind::kDaily}));
  EXPECT_EQ(Deliveries().size(), 7u);
}

TEST_F(ReminderStoreTest, AFailedEnqueueRecordsNothing) {
  const DigestKey ghost{"ghost", kToday, DigestKind::kDaily};
  EXPECT_STATUS(Send(ghost), kNotFound);
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) {
    return RecordAndEnqueue(t, {"o1", kToday, DigestKind::kDaily}, {"", "", "{}", {"o1"}});
  }),
                kInvalidArgument);
  EXPECT_TRUE(Sent(kToday).empty());
  EXPECT_TRUE(Deliveries().empty());
}

TEST_F(ReminderStoreTest, CountsDeliveriesOfDigestsOnly) {
  ASSERT_OK(Send({"o1", kToday, DigestKind::kDaily}));
  ASSERT_OK(vault_->Write([&](WriteTxn& t) {
    return t.EnqueueNotice({"emergency.requested", "other", "{}", {"o1"}});
  }));
  std::vector<Delivery> all = Deliveries();
  ASSERT_EQ(all.size(), 4u);
  ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
    for (const Delivery& d : all) {
      const bool ok = d.channel == DeliveryChannel::kWebhook;
      if (Status s = t.RecordDeliveryAttempt(
              d.id, ok ? DeliveryState::kDelivered : DeliveryState::kFailed, "", 0);
          !s.ok()) {
        return s;
      }
    }
    return Status::OK();
  }));
  ASSERT_OK(vault_->Read([&](ReadTxn& t) -> Status {
    auto n = CountDeliveries(t);
    if (!n) return n.error();
    EXPECT_EQ(n->digests, 1);
    EXPECT_EQ(n->delivered, 1);
    EXPECT_EQ(n->failed, 1);
    auto pending = PendingSince(t);
    if (!pending) return pending.error();
    EXPECT_TRUE(pending->empty());
    return Status::OK();
  }));
}

}  // namespace
}  // namespace vault::reminders
