// The notice outbox and members' e-mail addresses in the vault store.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"
#include "vault/store.h"

namespace vault {
namespace {

using testing_util::FakeEnv;
using testing_util::TempDir;

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(crypto::Init());
    key_ = crypto::RandomKey(env_);
    ASSERT_OK_AND_ASSIGN(vault_,
                         Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kCreateNew},
                                     dir_.File("vault.db")));
    ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
      for (auto [id, role] :
           {std::pair{"o1", TeamRole::kOwner}, std::pair{"a1", TeamRole::kAdmin},
            std::pair{"m1", TeamRole::kMember}, std::pair{"r1", TeamRole::kMember}}) {
        Member m;
        m.id = id;
        m.name = std::string("name-") + id;
        m.role = role;
        env_.RandomBytes(m.signing_public_key);
        env_.RandomBytes(m.box_public_key);
        if (Status s = t.AddMember({"server"}, m); !s.ok()) return s;
      }
      if (Status s = t.SetMemberEmail({"o1"}, "o1", "mari@example.ee"); !s.ok()) return s;
      if (Status s = t.SetMemberEmail({"a1"}, "a1", "jüri@example.ee"); !s.ok()) return s;
      if (Status s = t.SetMemberEmail({"r1"}, "r1", "gone@example.ee"); !s.ok()) return s;
      return t.RemoveMember({"o1"}, "r1");
    }));
  }

  static Notice Sample() {
    return {"emergency.requested",
            "Jüri asks for emergency access.",
            R"({"grant_id":"g1","release_ms":5})",
            {"o1", "a1", "m1", "r1", "o1"}};
  }

  std::vector<Delivery> All() {
    std::vector<Delivery> out;
    EXPECT_OK(vault_->Read([&](ReadTxn& t) -> Status {
      auto d = t.ListDeliveries(0);
      if (!d) return d.error();
      out = *d;
      return Status::OK();
    }));
    return out;
  }

  std::vector<Delivery> Due(int64_t now_ms) {
    std::vector<Delivery> out;
    EXPECT_OK(vault_->Read([&](ReadTxn& t) -> Status {
      auto d = t.ListDueDeliveries(now_ms, 100);
      if (!d) return d.error();
      out = *d;
      return Status::OK();
    }));
    return out;
  }

  int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch())
        .count();
  }

  int64_t AuditLength() {
    int64_t n = -1;
    EXPECT_OK(vault_->Read([&](ReadTxn& t) -> Status {
      auto head = t.AuditHead();
      if (!head) return head.error();
      n = head->seq;
      return Status::OK();
    }));
    return n;
  }

  FakeEnv env_;
  TempDir dir_;
  SecureBuffer key_;
  std::unique_ptr<Store> vault_;
};

TEST_F(OutboxTest, EnqueueMakesOneWebhookAndAnEmailPerActiveRecipientWithAnAddress) {
  const int64_t audit_before = AuditLength();
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.EnqueueNotice(Sample()); }));
  EXPECT_EQ(AuditLength(), audit_before) << "the change that queues a notice is the event";
  auto all = All();
  // Webhook once; o1 (listed twice) and a1 by e-mail; m1 has no address, r1
  // was removed.
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].channel, DeliveryChannel::kWebhook);
  EXPECT_EQ(all[0].address, "");
  EXPECT_EQ(all[1].channel, DeliveryChannel::kEmail);
  EXPECT_EQ(all[1].member_id, "o1");
  EXPECT_EQ(all[1].address, "mari@example.ee");
  EXPECT_EQ(all[2].member_id, "a1");
  EXPECT_EQ(all[2].address, "jüri@example.ee");
  for (const Delivery& d : all) {
    EXPECT_EQ(d.notice_id, all[0].notice_id);
    EXPECT_EQ(d.state, DeliveryState::kPending);
    EXPECT_EQ(d.attempts, 0);
    EXPECT_EQ(d.next_attempt_ms, NowMs());
    EXPECT_EQ(d.kind, "emergency.requested");
    EXPECT_EQ(d.text, "Jüri asks for emergency access.");
    EXPECT_EQ(nlohmann::json::parse(d.details)["grant_id"], "g1");
    EXPECT_EQ(d.created_ms, NowMs());
  }
  EXPECT_EQ(Due(NowMs()).size(), 3u);
  EXPECT_EQ(Due(NowMs() - 1).size(), 0u);
}

TEST_F(OutboxTest, AddressIsResolvedWhenQueued) {
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.EnqueueNotice(Sample()); }));
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.SetMemberEmail({"o1"}, "o1", "new@x.ee"); }));
  EXPECT_EQ(All()[1].address, "mari@example.ee");
}

TEST_F(OutboxTest, BadNoticesAreRefusedAndChangeNothing) {
  Notice no_kind = Sample();
  no_kind.kind = "";
  Notice no_text = Sample();
  no_text.text = "";
  Notice bad_details = Sample();
  bad_details.details = "[1,2]";
  Notice not_json = Sample();
  not_json.details = "{oops";
  Notice unknown = Sample();
  unknown.member_ids.push_back("nobody");
  for (const Notice* n : {&no_kind, &no_text, &bad_details, &not_json}) {
    EXPECT_STATUS(vault_->Write([&](WriteTxn& t) { return t.EnqueueNotice(*n); }),
                  kInvalidArgument);
  }
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) { return t.EnqueueNotice(unknown); }), kNotFound);
  EXPECT_TRUE(All().empty());
}

TEST_F(OutboxTest, NoticeRollsBackWithItsTransaction) {
  Status s = vault_->Write([&](WriteTxn& t) -> Status {
    if (Status e = t.EnqueueNotice(Sample()); !e.ok()) return e;
    return Status::FailedPrecondition("the transition failed after queueing");
  });
  EXPECT_STATUS(s, kFailedPrecondition);
  EXPECT_TRUE(All().empty());
}

TEST_F(OutboxTest, AttemptsMoveThroughRetryDeliveredAndGivenUp) {
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.EnqueueNotice(Sample()); }));
  auto all = All();
  const int64_t now = NowMs();
  const int64_t webhook = all[0].id, mail = all[1].id, other = all[2].id;
  ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
    if (Status s =
            t.RecordDeliveryAttempt(webhook, DeliveryState::kPending, "HTTP 500", now + 60'000);
        !s.ok()) {
      return s;
    }
    if (Status s = t.RecordDeliveryAttempt(mail, DeliveryState::kDelivered, "", 0); !s.ok()) {
      return s;
    }
    return t.RecordDeliveryAttempt(other, DeliveryState::kFailed, std::string(500, 'e'), 0);
  }));
  all = All();
  EXPECT_EQ(all[0].state, DeliveryState::kPending);
  EXPECT_EQ(all[0].attempts, 1);
  EXPECT_EQ(all[0].last_error, "HTTP 500");
  EXPECT_EQ(all[0].next_attempt_ms, now + 60'000);
  EXPECT_FALSE(all[0].ended_ms.has_value());
  EXPECT_EQ(all[1].state, DeliveryState::kDelivered);
  EXPECT_EQ(all[1].delivered_ms, now);
  EXPECT_EQ(all[1].ended_ms, now);
  EXPECT_EQ(all[2].state, DeliveryState::kFailed);
  EXPECT_EQ(all[2].last_error.size(), 200u);
  EXPECT_FALSE(all[2].delivered_ms.has_value());
  EXPECT_EQ(all[2].ended_ms, now);
  EXPECT_TRUE(Due(now).empty()) << "the retry is not due yet; the others ended";
  ASSERT_EQ(Due(now + 60'000).size(), 1u);

  // Ended deliveries take no more attempts; unknown ids are refused.
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) {
    return t.RecordDeliveryAttempt(mail, DeliveryState::kFailed, "x", 0);
  }),
                kFailedPrecondition);
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) {
    return t.RecordDeliveryAttempt(9999, DeliveryState::kDelivered, "", 0);
  }),
                kNotFound);
  EXPECT_EQ(All()[1].state, DeliveryState::kDelivered);
}

TEST_F(OutboxTest, SkippedCountsNoAttempt) {
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.EnqueueNotice(Sample()); }));
  const int64_t id = All()[0].id;
  ASSERT_OK(vault_->Write([&](WriteTxn& t) {
    return t.RecordDeliveryAttempt(id, DeliveryState::kSkipped, "no webhook configured", 0);
  }));
  EXPECT_EQ(All()[0].state, DeliveryState::kSkipped);
  EXPECT_EQ(All()[0].attempts, 0);
}

TEST_F(OutboxTest, ErrorIsCutOnACharacterBoundary) {
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.EnqueueNotice(Sample()); }));
  const int64_t id = All()[0].id;
  std::string error(199, 'x');
  error += "ä";  // bytes 199 and 200
  ASSERT_OK(vault_->Write(
      [&](WriteTxn& t) { return t.RecordDeliveryAttempt(id, DeliveryState::kFailed, error, 0); }));
  EXPECT_EQ(All()[0].last_error, std::string(199, 'x'));
}

TEST_F(OutboxTest, MemberEmailIsStoredAuditedWithoutTheAddressAndClearable) {
  const int64_t before = AuditLength();
  ASSERT_OK(
      vault_->Write([&](WriteTxn& t) { return t.SetMemberEmail({"m1"}, "m1", "kati@x.ee"); }));
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.SetMemberEmail({"m1"}, "m1", ""); }));
  EXPECT_EQ(AuditLength(), before + 2);
  ASSERT_OK(vault_->Read([&](ReadTxn& t) -> Status {
    auto m = t.GetMember("m1");
    if (!m) return m.error();
    EXPECT_EQ(m->email, "");
    auto events = t.ReadAudit(before + 1, 2);
    if (!events) return events.error();
    EXPECT_EQ((*events)[0].action, "member.email");
    EXPECT_EQ((*events)[0].details, R"({"set":true})");
    EXPECT_EQ((*events)[1].details, R"({"set":false})");
    return Status::OK();
  }));
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) { return t.SetMemberEmail({"m1"}, "zz", "a@b.c"); }),
                kNotFound);
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) { return t.SetMemberEmail({"r1"}, "r1", "a@b.c"); }),
                kFailedPrecondition);
  EXPECT_EQ(AuditLength(), before + 2);
}

TEST_F(OutboxTest, PruneDeletesOnlyOldNoticesWhoseDeliveriesAreAllOver) {
  // Ends every delivery of the newest notice the way `states` says, in order.
  auto queue = [&](std::vector<DeliveryState> states) -> int64_t {
    EXPECT_OK(vault_->Write([&](WriteTxn& t) { return t.EnqueueNotice(Sample()); }));
    const std::vector<Delivery> all = All();
    std::vector<Delivery> mine;
    for (const Delivery& d : all) {
      if (d.notice_id == all.back().notice_id) mine.push_back(d);
    }
    EXPECT_EQ(mine.size(), states.size());
    EXPECT_OK(vault_->Write([&](WriteTxn& t) -> Status {
      for (size_t i = 0; i < mine.size() && i < states.size(); ++i) {
        if (states[i] == DeliveryState::kPending) continue;
        if (Status s = t.RecordDeliveryAttempt(mine[i].id, states[i], "", 0); !s.ok()) return s;
      }
      return Status::OK();
    }));
    return mine.front().notice_id;
  };
  using enum DeliveryState;
  const int64_t old_done = queue({kDelivered, kFailed, kSkipped});
  const int64_t old_pending = queue({kDelivered, kPending, kDelivered});
  env_.AdvanceTime(std::chrono::milliseconds(1));
  const int64_t at_cutoff = queue({kDelivered, kDelivered, kDelivered});
  env_.AdvanceTime(std::chrono::days(30));
  const int64_t recent = queue({kSkipped, kSkipped, kSkipped});
  // 30 days before now: at_cutoff is exactly that old and stays.
  const int64_t cutoff = NowMs() - int64_t{30} * 86'400'000;

  auto notices = [&] {
    std::vector<int64_t> ids;
    for (const Delivery& d : All()) {
      if (ids.empty() || ids.back() != d.notice_id) ids.push_back(d.notice_id);
    }
    return ids;
  };
  const size_t deliveries_before = All().size();
  const int64_t audit_before = AuditLength();
  int64_t pruned = -1;
  ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
    auto n = t.PruneNotices({"server"}, cutoff);
    if (!n) return n.error();
    pruned = *n;
    return Status::OK();
  }));
  EXPECT_EQ(pruned, 1);
  EXPECT_NE(old_done, old_pending);
  EXPECT_EQ(notices(), (std::vector<int64_t>{old_pending, at_cutoff, recent}));
  EXPECT_EQ(All().size(), deliveries_before - 3) << "the pruned notice's deliveries went too";
  ASSERT_EQ(AuditLength(), audit_before + 1);
  ASSERT_OK(vault_->Read([&](ReadTxn& t) -> Status {
    auto events = t.ReadAudit(audit_before + 1, 1);
    if (!events) return events.error();
    EXPECT_EQ((*events)[0].action, "notices.prune");
    EXPECT_EQ((*events)[0].actor, "server");
    EXPECT_EQ(nlohmann::json::parse((*events)[0].details)["notices"], 1);
    return Status::OK();
  }));
  // The notice row went with its deliveries: a row left behind with none
  // would count as prunable again.
  ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
    auto again = t.PruneNotices({"server"}, cutoff);
    if (!again) return again.error();
    EXPECT_EQ(*again, 0);
    return Status::OK();
  }));
  EXPECT_EQ(AuditLength(), audit_before + 1) << "a prune that deletes nothing is not audited";

  // Once its last delivery is over, the old notice goes too.
  int64_t last = 0;
  for (const Delivery& d : All()) {
    if (d.notice_id == old_pending && d.state == kPending) last = d.id;
  }
  ASSERT_NE(last, 0);
  ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
    if (Status s = t.RecordDeliveryAttempt(last, kFailed, "gave up", 0); !s.ok()) return s;
    auto n = t.PruneNotices({"server"}, cutoff);
    if (!n) return n.error();
    EXPECT_EQ(*n, 1);
    return Status::OK();
  }));
  EXPECT_EQ(notices(), (std::vector<int64_t>{at_cutoff, recent}));
}

TEST_F(OutboxTest, PruneRollsBackWithItsTransaction) {
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.EnqueueNotice(Sample()); }));
  const std::vector<Delivery> all = All();
  ASSERT_OK(vault_->Write([&](WriteTxn& t) -> Status {
    for (const Delivery& d : all) {
      if (Status s = t.RecordDeliveryAttempt(d.id, DeliveryState::kDelivered, "", 0); !s.ok()) {
        return s;
      }
    }
    return Status::OK();
  }));
  const int64_t audit_before = AuditLength();
  EXPECT_STATUS(vault_->Write([&](WriteTxn& t) -> Status {
    auto n = t.PruneNotices({"server"}, NowMs() + 1);
    if (!n) return n.error();
    EXPECT_EQ(*n, 1);
    return Status::Internal("a later step failed");
  }),
                kInternal);
  EXPECT_EQ(All().size(), 3u);
  EXPECT_EQ(AuditLength(), audit_before);
}

TEST_F(OutboxTest, OutboxSurvivesReopen) {
  ASSERT_OK(vault_->Write([&](WriteTxn& t) { return t.EnqueueNotice(Sample()); }));
  vault_.reset();
  ASSERT_OK_AND_ASSIGN(vault_,
                       Store::Open({.env = &env_, .key = &key_, .mode = OpenMode::kOpenExisting},
                                   dir_.File("vault.db")));
  EXPECT_EQ(vault_->schema_version(), kSchemaVersion);
  EXPECT_EQ(All().size(), 3u);
}

}  // namespace
}  // namespace vault
