#include "vault/audit_json.h"

#include <gtest/gtest.h>

#include "fake_env.h"
#include "test_util.h"

namespace vault::audit {
namespace {

using nlohmann::json;

Event SampleEvent() {
  Event e;
  e.seq = 7;
  e.time_ms = 1'700'000'000'123;
  e.actor = "0123456789abcdef0123456789abcdef";
  e.action = "item.read";
  e.target = "item:42";
  e.details = R"({"name":"Facebook-leht õ"})";
  e.prev_hash.fill(0xab);
  e.hash.fill(0xcd);
  return e;
}

TEST(AuditJsonTest, EventRoundTrips) {
  const Event e = SampleEvent();
  ASSERT_OK_AND_ASSIGN(Event back, EventFromJson(EventToJson(e)));
  EXPECT_EQ(back.seq, e.seq);
  EXPECT_EQ(back.time_ms, e.time_ms);
  EXPECT_EQ(back.actor, e.actor);
  EXPECT_EQ(back.action, e.action);
  EXPECT_EQ(back.target, e.target);
  EXPECT_EQ(back.details, e.details);
  EXPECT_EQ(back.prev_hash, e.prev_hash);
  EXPECT_EQ(back.hash, e.hash);
}

TEST(AuditJsonTest, CheckpointRoundTrips) {
  testing_util::FakeEnv env;
  ASSERT_OK(crypto::Init());
  auto key = crypto::SigningKeyPairFromSeed(crypto::RandomKey(env));
  ASSERT_TRUE(key.has_value());
  Event e = SampleEvent();
  ASSERT_OK_AND_ASSIGN(Checkpoint cp, SignCheckpoint(*key, Link(Head{}, e), 99));
  ASSERT_OK_AND_ASSIGN(Checkpoint back, CheckpointFromJson(CheckpointToJson(cp)));
  EXPECT_EQ(back.seq, cp.seq);
  EXPECT_EQ(back.hash, cp.hash);
  EXPECT_EQ(back.time_ms, cp.time_ms);
  EXPECT_EQ(back.signature, cp.signature);
  EXPECT_OK(VerifyCheckpoint(key->public_key, back));
}

// Each way an event can be malformed is refused as Corruption.
TEST(AuditJsonTest, MalformedEventsAreRefused) {
  const json good = EventToJson(SampleEvent());
  std::vector<json> bad;
  for (const char* field :
       {"seq", "time_ms", "actor", "action", "target", "details", "prev_hash", "hash"}) {
    json missing = good;
    missing.erase(field);
    bad.push_back(missing);
    json wrong_type = good;
    wrong_type[field] = json::array();
    bad.push_back(wrong_type);
  }
  json short_hash = good;
  short_hash["hash"] = "abcd";
  bad.push_back(short_hash);
  json not_hex = good;
  not_hex["prev_hash"] = std::string(64, 'z');
  bad.push_back(not_hex);
  json seq_as_text = good;
  seq_as_text["seq"] = "7";
  bad.push_back(seq_as_text);
  bad.push_back(json::array());
  bad.push_back(json(nullptr));
  for (const json& j : bad) {
    EXPECT_STATUS(EventFromJson(j), kCorruption) << j.dump();
  }
}

TEST(AuditJsonTest, MalformedCheckpointsAreRefused) {
  Checkpoint cp;
  cp.seq = 3;
  cp.time_ms = 5;
  cp.hash.fill(1);
  cp.signature.fill(2);
  const json good = CheckpointToJson(cp);
  ASSERT_TRUE(CheckpointFromJson(good).has_value());
  std::vector<json> bad;
  for (const char* field : {"seq", "time_ms", "hash", "signature"}) {
    json missing = good;
    missing.erase(field);
    bad.push_back(missing);
  }
  json short_sig = good;
  short_sig["signature"] = "AAAA";
  bad.push_back(short_sig);
  json not_base64 = good;
  not_base64["signature"] = "!!!";
  bad.push_back(not_base64);
  for (const json& j : bad) {
    EXPECT_STATUS(CheckpointFromJson(j), kCorruption) << j.dump();
  }
}

}  // namespace
}  // namespace vault::audit
