// Rotation reminder digests from a real batond over TLS: 90 simulated days
// of a 30-item team against the local webhook and SMTP receivers, with the
// expected digests worked out here from the fixture's own schedule; plus the
// settings and the /metrics gauges.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "server/config.h"
#include "server_fixture.h"
#include "smtp_sink.h"
#include "vault/time_format.h"
#include "webhook_sink.h"

namespace {

using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;
using testing_util::Account;
using testing_util::ServerFixture;
using testing_util::SmtpSink;
using testing_util::WebhookSink;
using vault::Status;
using vault::TimePoint;

constexpr int kItems = 30;
constexpr int kDays = 90;
constexpr int kLead = 7;
constexpr int kEscalate = 7;
const std::array<int, 6> kPeriods = {7, 14, 30, 45, 60, 90};

// (member id, "YYYY-MM-DD", "daily" or "escalation").
using Key = std::tuple<std::string, std::string, std::string>;
// Group name to the item ids in it, sorted.
using Groups = std::map<std::string, std::set<std::string>>;

std::string DayOf(std::chrono::sys_days d) {
  return vault::FormatUtc(vault::ToUnixMs(TimePoint(d)), vault::UtcFormat::kDate);
}

// What the test knows of an item, kept up to date as it acts on the vault.
struct Model {
  std::string id;
  std::string name;
  std::string responsible;
  int period = 0;
  TimePoint last_rotated;
  std::optional<TimePoint> flagged_at;
  std::optional<TimePoint> pending_since;
};

class RemindersTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    metrics_token_ = UseMetricsToken();
    config_.webhook_url = webhook_.url();
    config_.smtp_url = smtp_.url();
    config_.smtp_from = "baton@example.org";
    config_.smtp_require_starttls = false;
    config_.reminder_hour_utc = 8;
    Restart();
    owner_ = Join("owner", "Olga");
    admin_ = Join("admin", "Adam");
    alice_ = Join("member", "Alice \u202Eevil");
    bob_ = Join("member", "Bob");
    members_ = {&owner_, &admin_, &alice_, &bob_};
    ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) -> Status {
      vault::Collection c{"c-social", "Social", 1, true, false, 0};
      if (Status s = t.CreateCollection(
              {owner_.member_id}, c, {{c.id, 1, vault::KeyHolder::kMember, owner_.member_id, {1}}});
          !s.ok()) {
        return s;
      }
      for (const Account* a : {&admin_, &alice_, &bob_}) {
        if (Status s = t.GrantAccess({owner_.member_id}, c.id, a->member_id, "edit",
                                     {c.id, 1, vault::KeyHolder::kMember, a->member_id, {2}});
            !s.ok()) {
          return s;
        }
      }
      // Olga and Alice have addresses; Adam and Bob get the webhook alone.
      if (Status s = t.SetMemberEmail({owner_.member_id}, owner_.member_id, "olga@example.org");
          !s.ok()) {
        return s;
      }
      return t.SetMemberEmail({alice_.member_id}, alice_.member_id, "alice@example.org");
    }));
  }

  void Restart() {
    StopServer();
    StartServer();
  }

  std::string Metrics() { return Call("GET", "/metrics", metrics_token_).raw; }

  // Item i: responsible member i % 4, period kPeriods[i % 6], created (and
  // so last rotated) on day i of the setup, at hour i % 5.
  void CreateItems() {
    const TimePoint t0 = env_.Now();
    for (int i = 0; i < kItems; ++i) {
      env_.SetTime(t0 + days(i) + hours(i % 5));
      Model m{"item-" + std::to_string(100 + i),
              "Item " + std::to_string(i),
              members_[i % 4]->member_id,
              kPeriods[i % 6],
              env_.Now(),
              std::nullopt,
              std::nullopt};
      ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
        vault::ItemMeta meta;
        meta.id = m.id;
        meta.collection_id = "c-social";
        meta.name = m.name;
        meta.channel = "facebook";
        meta.url = "https://example.org/login?token=SECRET-TOKEN";
        meta.rotation_period_s = int64_t{m.period} * 86400;
        return t.CreateItem({m.responsible}, meta, {9});
      }));
      model_.push_back(m);
    }
  }

  Status BeginRotation(Model& m) {
    m.pending_since = env_.Now();
    return vault_->Write([&](vault::WriteTxn& t) -> Status {
      auto meta = t.GetItemMeta(m.id);
      if (!meta) return meta.error();
      auto v = t.BeginRotation({m.responsible}, m.id, meta->version, {7});
      return v ? Status::OK() : v.error();
    });
  }

  Status ConfirmRotation(Model& m) {
    m.pending_since.reset();
    m.flagged_at.reset();
    m.last_rotated = env_.Now();
    return vault_->Write([&](vault::WriteTxn& t) -> Status {
      auto meta = t.GetItemMeta(m.id);
      if (!meta) return meta.error();
      return t.ConfirmRotation({m.responsible}, m.id, meta->pending_version.value_or(0));
    });
  }

  // The digests due at env_.Now() by the documented rules, from the model.
  std::map<Key, Groups> Expected() {
    const TimePoint now = env_.Now();
    const auto today = std::chrono::floor<days>(now);
    std::map<Key, Groups> out;
    for (const Model& m : model_) {
      const TimePoint due = m.last_rotated + days(m.period);
      auto due_day = std::chrono::floor<days>(due);
      std::string group;
      if (m.flagged_at) {
        group = "flagged";
        due_day = std::min(due_day, std::chrono::floor<days>(*m.flagged_at));
      } else if (due_day < today) {
        group = "overdue";
      } else if (m.pending_since && now - *m.pending_since > hours(24)) {
        group = "pending";
      } else if (due_day == today) {
        group = "due";
      } else if ((due_day - today).count() <= kLead) {
        group = "due-soon";
      } else {
        continue;
      }
      out[{m.responsible, DayOf(today), "daily"}][group].insert(m.id);
      if ((today - due_day).count() >= kEscalate) {
        for (const Account* a : {&owner_, &admin_}) {
          out[{a->member_id, DayOf(today), "escalation"}][group].insert(m.id);
        }
      }
    }
    return out;
  }

  static Groups GroupsOf(const json& details) {
    Groups g;
    for (const char* name : {"overdue", "flagged", "pending", "due", "due-soon"}) {
      if (!details.contains(name)) continue;
      std::stringstream ids(details[name].get<std::string>());
      for (std::string id; std::getline(ids, id, ',');) g[name].insert(id);
    }
    return g;
  }

  // Every digest the webhook accepted, by key; a key seen twice fails.
  std::map<Key, Groups> WebhookDigests() {
    std::map<Key, Groups> out;
    for (const std::string& body : webhook_.bodies()) {
      const json b = json::parse(body);
      if (!b["kind"].get<std::string>().starts_with("reminder.")) continue;
      const json& d = b["details"];
      const Key key{d["member"], d["day"], d["digest"]};
      EXPECT_FALSE(out.contains(key)) << "twice: " << body;
      EXPECT_EQ(body.find("SECRET-TOKEN"), std::string::npos);
      EXPECT_EQ(body.find("https://"), std::string::npos);
      out[key] = GroupsOf(d);
    }
    return out;
  }

  // (recipient, member, day, kind) of every digest mail accepted.
  std::multiset<std::tuple<std::string, std::string, std::string, std::string>> Mails() {
    std::multiset<std::tuple<std::string, std::string, std::string, std::string>> out;
    for (const SmtpSink::Message& m : smtp_.messages()) {
      const std::string body = SmtpSink::Body(m);
      std::map<std::string, std::string> fields;
      std::stringstream lines(body);
      for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const size_t colon = line.find(": ");
        if (colon != std::string::npos) fields[line.substr(0, colon)] = line.substr(colon + 2);
      }
      EXPECT_EQ(body.find("SECRET-TOKEN"), std::string::npos);
      out.insert({m.rcpt_to.at(0), fields["member"], fields["day"], fields["digest"]});
    }
    return out;
  }

  WebhookSink webhook_;
  SmtpSink smtp_;
  std::string metrics_token_;
  Account owner_, admin_, alice_, bob_;
  std::vector<const Account*> members_;
  std::vector<Model> model_;
};

TEST_F(RemindersTest, NinetyDaysOfDigests) {
  CreateItems();
  // Day 0 of the simulation: the first midnight after the last item.
  const auto start = std::chrono::floor<days>(env_.Now()) + days(1);
  std::map<Key, Groups> expected;
  for (int day = 0; day < kDays; ++day) {
    const TimePoint morning = TimePoint(start + days(day)) + hours(7);
    env_.SetTime(morning);
    // What people do before the digests go out at 08:00: the items of
    // Olga's and Bob's are rotated once two days overdue, one rotation is
    // left pending for four days, and one item is flagged for a breach.
    for (Model& m : model_) {
      const auto due_day = std::chrono::floor<days>(m.last_rotated + days(m.period));
      const bool tidy = m.responsible == owner_.member_id || m.responsible == bob_.member_id;
      if (tidy && !m.pending_since && (start + days(day) - due_day).count() >= 2) {
        ASSERT_OK(BeginRotation(m));
        ASSERT_OK(ConfirmRotation(m));
      }
    }
    if (day == 20) {
      model_[6].flagged_at = env_.Now();
      ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
        return t.FlagItem(
            {admin_.member_id}, model_[6].id,
            vault::RotationFlagRecord{vault::RotationFlagKind::kBreach, "password seen in a leak",
                                      vault::ToUnixMs(env_.Now())});
      }));
    }
    if (day == 30) {
      ASSERT_OK(BeginRotation(model_[10]));
    }
    if (day == 34) {
      ASSERT_OK(ConfirmRotation(model_[10]));
    }
    if (day == 60) {
      // Both receivers down for two days.
      webhook_.FailNext(2, 503);
      smtp_.FailNext(2);
    }
    env_.SetTime(morning + hours(1) + std::chrono::minutes(day % 50));
    ASSERT_OK(server_->Tick());
    if (day == 45) {
      // A restart after the day's digests went out repeats none of them.
      Restart();
      ASSERT_OK(server_->Tick());
    }
    const auto today = Expected();
    expected.insert(today.begin(), today.end());
    // Delivery is synchronous in Tick(); the wait only bounds a hang.
    if (day != 60 && day != 61) {
      ASSERT_TRUE(webhook_.WaitFor(expected.size())) << "day " << day;
    }
  }
  const std::map<Key, Groups> got = WebhookDigests();
  EXPECT_EQ(got.size(), expected.size());
  for (const auto& [key, groups] : expected) {
    const auto it = got.find(key);
    if (it == got.end()) {
      ADD_FAILURE() << "missing " << std::get<0>(key) << " " << std::get<1>(key) << " "
                    << std::get<2>(key);
      continue;
    }
    EXPECT_EQ(it->second, groups) << std::get<0>(key) << " " << std::get<1>(key) << " "
                                  << std::get<2>(key);
  }
  // A mail for each digest of a member with an address, once.
  std::multiset<std::tuple<std::string, std::string, std::string, std::string>> want_mail;
  for (const auto& [key, groups] : expected) {
    const auto& [member, day, kind] = key;
    if (member == owner_.member_id) want_mail.insert({"olga@example.org", member, day, kind});
    if (member == alice_.member_id) want_mail.insert({"alice@example.org", member, day, kind});
  }
  EXPECT_EQ(Mails(), want_mail);

  // The simulation covered what it claims to.
  const auto seen = [&](const std::string& id, const std::string& group, const std::string& kind) {
    std::set<std::string> days_seen;
    for (const auto& [key, groups] : got) {
      const auto g = groups.find(group);
      if (std::get<2>(key) == kind && g != groups.end() && g->second.contains(id)) {
        days_seen.insert(std::get<1>(key));
      }
    }
    return days_seen;
  };
  // Item 5 (Adam's, 90 days, due on day 65) escalates exactly 7 days after
  // its due date.
  const Model& m5 = model_[5];
  const auto m5_due = std::chrono::floor<days>(m5.last_rotated + days(m5.period));
  ASSERT_EQ(m5_due, start + days(65));
  const auto escalated = seen(m5.id, "overdue", "escalation");
  ASSERT_FALSE(escalated.empty());
  EXPECT_EQ(*escalated.begin(), DayOf(m5_due + days(kEscalate)));
  EXPECT_EQ(seen(m5.id, "overdue", "daily").size(), size_t{kDays - 66});
  // The rotation of item 10 begun on day 30 was reminded of from a day
  // later, and nothing of it after its confirmation on day 34 until it is
  // due soon again.
  EXPECT_EQ(seen(model_[10].id, "pending", "daily"),
            (std::set<std::string>{DayOf(start + days(31)), DayOf(start + days(32)),
                                   DayOf(start + days(33))}));
  for (const auto& group : {"overdue", "flagged", "pending", "due", "due-soon"}) {
    for (const std::string& d : seen(model_[10].id, group, "daily")) {
      EXPECT_TRUE(d < DayOf(start + days(34)) || d >= DayOf(start + days(80))) << group << d;
    }
  }
  EXPECT_FALSE(seen(model_[6].id, "flagged", "escalation").empty());
  EXPECT_NE(Metrics().find("baton_reminder_digests " + std::to_string(expected.size()) + "\n"),
            std::string::npos);
}

TEST_F(RemindersTest, DigestTextNamesSafelyAndNothingBeforeTheHour) {
  CreateItems();
  env_.SetTime(TimePoint(std::chrono::floor<days>(env_.Now()) + days(20)) + hours(7));
  ASSERT_OK(server_->Tick());
  EXPECT_TRUE(webhook_.bodies().empty()) << "before reminder_hour_utc";
  env_.AdvanceTime(hours(1));
  ASSERT_OK(server_->Tick());
  ASSERT_TRUE(webhook_.WaitFor(1));
  bool saw_alice = false;
  for (const std::string& body : webhook_.bodies()) {
    const json b = json::parse(body);
    if (b["details"]["member"] != alice_.member_id) continue;
    saw_alice = true;
    const std::string text = b["text"];
    EXPECT_TRUE(text.starts_with("Rotations for Alice ?evil on ")) << text;
    EXPECT_EQ(text.find("\u202E"), std::string::npos);
  }
  EXPECT_TRUE(saw_alice);
  const std::string metrics = Metrics();
  for (const char* gauge :
       {"baton_items_overdue ", "baton_items_flagged 0\n", "baton_rotations_pending 0\n",
        "baton_reminders_sent ", "baton_reminders_failed 0\n"}) {
    EXPECT_NE(metrics.find(gauge), std::string::npos) << gauge;
  }
}

TEST_F(RemindersTest, OffSendsNothingButKeepsTheGauges) {
  config_.reminders = false;
  Restart();
  CreateItems();
  env_.AdvanceTime(days(60));
  ASSERT_OK(server_->Tick());
  EXPECT_EQ(webhook_.requests(), 0u);
  EXPECT_TRUE(Deliveries().empty());
  EXPECT_NE(Metrics().find("baton_reminder_digests 0\n"), std::string::npos);
  EXPECT_EQ(Metrics().find("baton_items_overdue 0\n"), std::string::npos);
}

TEST(ReminderConfigTest, DefaultsAndBadValues) {
  server::Config c;
  EXPECT_TRUE(c.reminders);
  EXPECT_EQ(c.reminder_hour_utc, 8);
  EXPECT_EQ(c.reminder_lead_days, 7);
  EXPECT_EQ(c.reminder_escalate_days, 7);
  ASSERT_OK(
      server::ApplyConfigText("reminders = false\nreminder_hour_utc = 23\n"
                              "reminder_lead_days = 0\nreminder_escalate_days = 30\n",
                              c));
  EXPECT_FALSE(c.reminders);
  EXPECT_EQ(c.reminder_hour_utc, 23);
  EXPECT_EQ(c.reminder_lead_days, 0);
  EXPECT_EQ(c.reminder_escalate_days, 30);
  for (const char* bad :
       {"reminders = maybe", "reminder_hour_utc = 24", "reminder_hour_utc = -1",
        "reminder_lead_days = 366", "reminder_escalate_days = 0", "reminder_escalate_days = 7d"}) {
    server::Config before = c;
    EXPECT_STATUS(server::ApplyConfigText(bad, c), kInvalidArgument) << bad;
    EXPECT_EQ(c.reminder_hour_utc, before.reminder_hour_utc) << bad;
    EXPECT_EQ(c.reminder_lead_days, before.reminder_lead_days) << bad;
    EXPECT_EQ(c.reminder_escalate_days, before.reminder_escalate_days) << bad;
    EXPECT_EQ(c.reminders, before.reminders) << bad;
  }
}

}  // namespace
