#include "vault/audit.h"

#include <gtest/gtest.h>

#include "fake_env.h"
#include "test_util.h"

namespace vault::audit {
namespace {

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(crypto::Init());
    auto pair = crypto::SigningKeyPairFromSeed(crypto::RandomKey(env_));
    ASSERT_TRUE(pair.has_value());
    server_ = std::move(*pair);
    Head head;
    for (int i = 0; i < 20; ++i) {
      Event e;
      e.time_ms = 1'700'000'000'000 + i;
      e.actor = i % 2 ? "member-a" : "member-b";
      e.action = "item.read";
      e.target = "item:" + std::to_string(i % 5);
      e.details = R"({"version":1})";
      head = Link(head, e);
      events_.push_back(e);
      if (i == 9 || i == 19) {
        auto cp = SignCheckpoint(server_, head, e.time_ms);
        ASSERT_TRUE(cp.has_value());
        checkpoints_.push_back(*cp);
      }
    }
  }

  Report Verify(const std::vector<Event>& events, std::optional<Head> pinned = std::nullopt,
                std::optional<std::vector<Checkpoint>> cps = std::nullopt) {
    Verifier v(server_.public_key, cps.value_or(checkpoints_), pinned);
    for (const Event& e : events) {
      if (!v.Add(e)) break;
    }
    return v.Finish();
  }

  testing_util::FakeEnv env_;
  crypto::SigningKeyPair server_;
  std::vector<Event> events_;
  std::vector<Checkpoint> checkpoints_;
};

TEST_F(AuditTest, IntactLogVerifies) {
  Report r = Verify(events_);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.events, 20);
  EXPECT_EQ(r.checkpoints_verified, 2);
  EXPECT_EQ(r.head.seq, 20);
  EXPECT_EQ(r.head.hash, events_.back().hash);
}

TEST_F(AuditTest, EmptyLogVerifies) {
  Report r = Verify({}, std::nullopt, std::vector<Checkpoint>{});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.head.seq, 0);
}

TEST_F(AuditTest, ModifiedFieldIsFoundAtItsSeq) {
  for (int field = 0; field < 5; ++field) {
    std::vector<Event> log = events_;
    Event& e = log[6];
    switch (field) {
      case 0: e.actor = "member-x"; break;
      case 1: e.action = "item.update"; break;
      case 2: e.target = "item:9"; break;
      case 3: e.details = R"({"version":2})"; break;
      case 4: e.time_ms += 1; break;
    }
    Report r = Verify(log);
    EXPECT_FALSE(r.ok) << field;
    EXPECT_EQ(r.first_bad_seq, 7) << field;
  }
}

TEST_F(AuditTest, ModifiedEventWithRecomputedHashBreaksTheNextLink) {
  std::vector<Event> log = events_;
  log[6].actor = "member-x";
  log[6].hash = ComputeHash(log[6].prev_hash, log[6]);
  Report r = Verify(log);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 8);
}

TEST_F(AuditTest, RewrittenTailIsCaughtByTheCheckpoint) {
  // An attacker rewrites events 5..20 into a consistent chain of their own.
  std::vector<Event> log(events_.begin(), events_.begin() + 4);
  Head head{4, log.back().hash};
  for (int i = 4; i < 20; ++i) {
    Event e = events_[static_cast<size_t>(i)];
    e.actor = "nobody";
    head = Link(head, e);
    log.push_back(e);
  }
  Report r = Verify(log);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 10);  // the first signed checkpoint
  EXPECT_NE(r.problem.find("checkpoint"), std::string::npos);
}

TEST_F(AuditTest, DeletedEventIsFound) {
  std::vector<Event> log = events_;
  log.erase(log.begin() + 3);
  Report r = Verify(log);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 4);
}

TEST_F(AuditTest, InsertedEventIsFound) {
  std::vector<Event> log = events_;
  Event extra = log[3];
  extra.actor = "intruder";
  log.insert(log.begin() + 4, extra);
  Report r = Verify(log);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 5);
}

TEST_F(AuditTest, ReorderedEventsAreFound) {
  std::vector<Event> log = events_;
  std::swap(log[11], log[12]);
  Report r = Verify(log);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 12);
}

TEST_F(AuditTest, ForgedCheckpointIsFound) {
  std::vector<Checkpoint> cps = checkpoints_;
  cps[0].time_ms += 1;  // signature no longer matches
  Report r = Verify(events_, std::nullopt, cps);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("signature"), std::string::npos);

  // A checkpoint signed by another key.
  auto other = crypto::SigningKeyPairFromSeed(crypto::RandomKey(env_));
  ASSERT_TRUE(other.has_value());
  auto forged = SignCheckpoint(*other, {20, events_.back().hash}, 1);
  ASSERT_TRUE(forged.has_value());
  r = Verify(events_, std::nullopt, std::vector<Checkpoint>{*forged});
  EXPECT_FALSE(r.ok);
}

TEST_F(AuditTest, TruncationBelowACheckpointIsFound) {
  std::vector<Event> log(events_.begin(), events_.begin() + 15);
  Report r = Verify(log);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 16);
  EXPECT_NE(r.problem.find("truncated"), std::string::npos);
}

TEST_F(AuditTest, TruncationBelowThePinnedHeadIsFound) {
  Head pinned{20, events_.back().hash};
  std::vector<Event> log(events_.begin(), events_.begin() + 19);
  Report r = Verify(log, pinned, std::vector<Checkpoint>{checkpoints_[0]});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 20);
}

TEST_F(AuditTest, RewriteAfterThePinnedHeadWasTakenIsFound) {
  // The auditor pinned seq 15; later the server rewrote 12..20 consistently
  // and dropped its checkpoints.
  Head pinned{15, events_[14].hash};
  std::vector<Event> log(events_.begin(), events_.begin() + 11);
  Head head{11, log.back().hash};
  for (int i = 11; i < 20; ++i) {
    Event e = events_[static_cast<size_t>(i)];
    e.details = R"({"version":7})";
    head = Link(head, e);
    log.push_back(e);
  }
  Report r = Verify(log, pinned, std::vector<Checkpoint>{});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 15);
  EXPECT_NE(r.problem.find("pinned"), std::string::npos);
}

TEST_F(AuditTest, GrowthAfterThePinnedHeadVerifies) {
  Head pinned{12, events_[11].hash};
  Report r = Verify(events_, pinned);
  EXPECT_TRUE(r.ok) << r.problem;
}

TEST_F(AuditTest, EncodingIsUnambiguous) {
  Event a, b;
  a.actor = "ab";
  a.action = "c";
  b.actor = "a";
  b.action = "bc";
  EXPECT_NE(Encode(a), Encode(b));
  EXPECT_NE(ComputeHash({}, a), ComputeHash({}, b));
}

}  // namespace
}  // namespace vault::audit
