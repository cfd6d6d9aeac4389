// The routes behind the client's offline cache, against a real batond:
// filling it (one audited read per collection, incremental), the
// per-collection switch, reads made offline reported later, and the
// distinct answer a removed member gets at sign-in.
#include <gtest/gtest.h>

#include "server/config.h"
#include "server_fixture.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
using vault::Status;
namespace crypto = vault::crypto;

class CacheApiTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    owner_ = Join("owner", "Mari");
    viewer_ = Join("member", "Öie");
    collection_ = CreateCollection(owner_, "Sotsiaalmeedia");
    ASSERT_EQ(Grant(owner_, collection_, viewer_, "view").status, 200);
    for (const char* name : {"Facebook", "Instagram", "Käsitöö X"}) {
      std::string id;
      ASSERT_EQ(CreateItem(owner_, collection_, name, std::string("pw-") + name, &id).status, 201);
      items_.push_back(id);
    }
  }

  std::vector<vault::audit::Event> EventsFrom(int64_t seq) {
    std::vector<vault::audit::Event> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto page = t.ReadAudit(seq, 1000);
      if (!page) return page.error();
      out = std::move(*page);
      return Status::OK();
    }));
    return out;
  }

  int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch())
        .count();
  }

  Account owner_, viewer_;
  std::string collection_;
  std::vector<std::string> items_;
};

TEST_F(CacheApiTest, FillingTheCacheIsOneAuditedReadAndIncremental) {
  const int64_t before = AuditLength();
  Reply r = Call("GET", "/v1/collections/" + collection_ + "/cache", viewer_.token);
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body["items"].size(), 3u);
  EXPECT_EQ(r.body["current"].size(), 3u);
  EXPECT_TRUE(r.body.contains("sealed_key"));
  EXPECT_EQ(r.body["key_version"], 1);
  for (const auto& it : r.body["items"]) {
    EXPECT_FALSE(it.value("ciphertext", "").empty());
    EXPECT_EQ(it["collection_id"], collection_);
  }
  // One event for the whole collection, naming each item's version; no
  // per-item "item.read".
  auto events = EventsFrom(before + 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "collection.cache");
  EXPECT_EQ(events[0].actor, viewer_.member_id);
  const json details = json::parse(events[0].details);
  EXPECT_EQ(details["count"], 3);
  EXPECT_EQ(details["versions"][items_[1]], 1);

  // Nothing changed since: no ciphertext, no event, the listing still whole.
  const int64_t as_of = r.body["as_of_ms"];
  env_.AdvanceTime(std::chrono::seconds(5));
  const int64_t after_first = AuditLength();
  Reply again =
      Call("GET", "/v1/collections/" + collection_ + "/cache?since_ms=" + std::to_string(as_of + 1),
           viewer_.token);
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_TRUE(again.body["items"].empty());
  EXPECT_EQ(again.body["current"].size(), 3u);
  EXPECT_EQ(AuditLength(), after_first);

  // One item changes: only it comes back.
  const auto& key = collection_keys_.at(collection_);
  vault::envelope::ItemPayload p;
  p.password = vault::SecureBuffer::CopyOf(crypto::AsBytes("uus"));
  auto ct = vault::envelope::EncryptItem(env_, key, {items_[0], collection_, 2, 1}, p);
  ASSERT_TRUE(ct.has_value());
  ASSERT_EQ(Call("PUT", "/v1/items/" + items_[0], owner_.token,
                 json{{"expected_version", 1}, {"ciphertext", crypto::ToBase64(*ct)}})
                .status,
            200);
  Reply delta =
      Call("GET", "/v1/collections/" + collection_ + "/cache?since_ms=" + std::to_string(as_of + 1),
           viewer_.token);
  ASSERT_EQ(delta.status, 200) << delta.raw;
  ASSERT_EQ(delta.body["items"].size(), 1u);
  EXPECT_EQ(delta.body["items"][0]["id"], items_[0]);
  EXPECT_EQ(delta.body["items"][0]["version"], 2);
}

TEST_F(CacheApiTest, BadSinceIsRejected) {
  for (const char* q :
       {"since_ms=-1", "since_ms=abc", "since_ms=", "since_ms=1.5", "since_ms=9007199254740993"}) {
    const int64_t before = AuditLength();
    Reply r = Call("GET", "/v1/collections/" + collection_ + "/cache?" + q, viewer_.token);
    EXPECT_EQ(r.status, 400) << q << " " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "bad_parameter");
    EXPECT_EQ(AuditLength(), before);
  }
}

TEST_F(CacheApiTest, AdminsTurnTheCacheOffPerCollection) {
  // A member may not.
  Reply denied = Call("PATCH", "/v1/collections/" + collection_, viewer_.token,
                      json{{"offline_cache", false}});
  EXPECT_EQ(denied.status, 403) << denied.raw;

  const int64_t before = AuditLength();
  Reply off =
      Call("PATCH", "/v1/collections/" + collection_, owner_.token, json{{"offline_cache", false}});
  ASSERT_EQ(off.status, 200) << off.raw;
  EXPECT_EQ(off.body["offline_cache"], false);
  auto events = EventsFrom(before + 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "collection.settings");

  const int64_t after = AuditLength();
  Reply refused = Call("GET", "/v1/collections/" + collection_ + "/cache", viewer_.token);
  EXPECT_EQ(refused.status, 409) << refused.raw;
  EXPECT_EQ(refused.body["error"]["code"], "offline_cache_disabled");
  EXPECT_EQ(AuditLength(), after) << "a refused fill read nothing";
  // The collection listing tells clients too.
  Reply cols = Call("GET", "/v1/collections", viewer_.token);
  ASSERT_EQ(cols.status, 200);
  EXPECT_EQ(cols.body["collections"][0]["offline_cache"], false);

  ASSERT_EQ(
      Call("PATCH", "/v1/collections/" + collection_, owner_.token, json{{"offline_cache", true}})
          .status,
      200);
  EXPECT_EQ(Call("GET", "/v1/collections/" + collection_ + "/cache", viewer_.token).status, 200);

  // Unknown collection.
  Reply missing = Call("PATCH", "/v1/collections/" + crypto::RandomId(env_), owner_.token,
                       json{{"offline_cache", true}});
  EXPECT_EQ(missing.status, 404) << missing.raw;
}

TEST_F(CacheApiTest, OfflineReadsAreRecordedAsReportedByTheClient) {
  const int64_t read_ms = NowMs() - 3600 * 1000;
  const std::string report = crypto::RandomId(env_);
  const int64_t before = AuditLength();
  Reply r = Call(
      "POST", "/v1/offline-reads", viewer_.token,
      json{{"reads",
            {{{"id", report}, {"item_id", items_[2]}, {"version", 1}, {"read_ms", read_ms}}}}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["acknowledged"], json::array({report}));
  auto events = EventsFrom(before + 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "item.read.offline");
  EXPECT_EQ(events[0].actor, viewer_.member_id);
  EXPECT_EQ(events[0].target, "item:" + items_[2]);
  const json d = json::parse(events[0].details);
  EXPECT_EQ(d["reported_by"], "client");
  EXPECT_EQ(d["read_ms"], read_ms);
  EXPECT_EQ(d["report_id"], report);
  EXPECT_EQ(d["item_known"], true);
  EXPECT_EQ(d["collection"], collection_);
}

TEST_F(CacheApiTest, BadOfflineReportsChangeNothing) {
  auto one = [&](json patch) {
    json r = {{"id", crypto::RandomId(env_)},
              {"item_id", items_[0]},
              {"version", 1},
              {"read_ms", NowMs()}};
    r.merge_patch(patch);
    return r;
  };
  std::vector<json> many(1001, one(json::object()));
  const std::vector<std::pair<json, std::string>> cases = {
      {json{{"reads", json::array()}}, "bad_reads"},
      {json{{"reads", many}}, "bad_reads"},
      {json{{"reads", "x"}}, "wrong_type"},
      {json::object(), "missing_field"},
      {json{{"reads", {42}}}, "bad_reads"},
      {json{{"reads", {one({{"item_id", "not-hex"}})}}}, "bad_id"},
      {json{{"reads", {one({{"id", "ABC"}})}}}, "bad_id"},
      {json{{"reads", {one({{"read_ms", NowMs() + 3600 * 1000}})}}}, "bad_time"},
      {json{{"reads", {one({{"read_ms", int64_t{0}}})}}}, "bad_time"},
      {json{{"reads", {one({{"version", 0}})}}}, "bad_version"},
      {json{{"reads", {one({{"password", "hunter2"}})}}}, "unknown_field"},
      {json{{"reads", {one({{"read_ms", "now"}})}}}, "wrong_type"},
      // One bad report spoils the batch: nothing of it is recorded.
      {json{{"reads", {one(json::object()), one({{"item_id", "x"}})}}}, "bad_id"},
  };
  for (const auto& [body, code] : cases) {
    SCOPED_TRACE(body.dump().substr(0, 200));
    const int64_t before = AuditLength();
    Reply r = Call("POST", "/v1/offline-reads", viewer_.token, body);
    EXPECT_EQ(r.status, 400) << r.raw;
    EXPECT_EQ(r.body["error"]["code"], code) << r.raw;
    EXPECT_EQ(r.raw.find("hunter2"), std::string::npos);
    EXPECT_EQ(AuditLength(), before);
  }
  EXPECT_EQ(Call("POST", "/v1/offline-reads", "", json{{"reads", {one(json::object())}}}).status,
            401);
}

TEST_F(CacheApiTest, OfflineReadsHaveADailyQuotaPerMember) {
  StopServer();
  config_.offline_reads_per_day = 3;
  StartServer();
  auto report = [&](const Account& who, int n) {
    json reads = json::array();
    for (int i = 0; i < n; ++i) {
      reads.push_back({{"id", crypto::RandomId(env_)},
                       {"item_id", items_[0]},
                       {"version", 1},
                       {"read_ms", NowMs()}});
    }
    return Call("POST", "/v1/offline-reads", who.token, json{{"reads", reads}});
  };
  const int64_t before = AuditLength();
  ASSERT_EQ(report(viewer_, 2).status, 200);
  Reply over = report(viewer_, 2);
  ASSERT_EQ(over.status, 429) << over.raw;
  EXPECT_EQ(over.body["error"]["code"], "rate_limited");
  constexpr int64_t kDayMs = int64_t{86400} * 1000;
  const int64_t next_day_ms = (NowMs() / kDayMs + 1) * kDayMs;
  EXPECT_EQ(over.retry_after, std::to_string((next_day_ms - NowMs() + 999) / 1000));
  // What fits the quota still goes in; the refusals of the day are one event.
  ASSERT_EQ(report(viewer_, 1).status, 200);
  EXPECT_EQ(report(viewer_, 1).status, 429);
  EXPECT_EQ(report(viewer_, 1).status, 429);
  // Another member has a quota of their own.
  EXPECT_EQ(report(owner_, 3).status, 200);
  auto events = EventsFrom(before + 1);
  std::vector<vault::audit::Event> limited;
  for (const auto& e : events) {
    if (e.action == "offline_reads.limited") limited.push_back(e);
  }
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(limited[0].actor, viewer_.member_id);
  EXPECT_EQ(limited[0].target, "member:" + viewer_.member_id);
  EXPECT_EQ(json::parse(limited[0].details)["per_day"], 3);
  EXPECT_EQ(events.size(), 2u + 1u + 1u + 3u) << "only accepted reads are recorded";

  // A new UTC day, a new quota.
  env_.AdvanceTime(std::chrono::milliseconds(next_day_ms - NowMs()));
  ASSERT_EQ(Login(viewer_).status, 200);  // the session may have ended meanwhile
  EXPECT_EQ(report(viewer_, 3).status, 200);
  EXPECT_EQ(report(viewer_, 1).status, 429);
  EXPECT_EQ(AuditLength(), before + 7 + 1 + 3 + 1) << "7 reads, a login, 3 reads, a refusal";
}

TEST(OfflineReadsSetting, IsAConfigKeyAndAVariableFrom1To1000000) {
  server::Config c;
  EXPECT_EQ(c.offline_reads_per_day, 5000);
  ASSERT_TRUE(server::ApplyConfigText("offline_reads_per_day = 200\n", c).ok());
  EXPECT_EQ(c.offline_reads_per_day, 200);
  ASSERT_TRUE(server::ApplyEnvironment({{"BATON_OFFLINE_READS_PER_DAY", "7"}}, c).ok());
  EXPECT_EQ(c.offline_reads_per_day, 7);
  for (const char* bad : {"0", "-1", "1000001", "many"}) {
    EXPECT_TRUE(server::ApplySetting("offline_reads_per_day", bad, c).IsInvalidArgument()) << bad;
  }
  EXPECT_EQ(c.offline_reads_per_day, 7);
}

TEST_F(CacheApiTest, ARemovedMemberLearnsItAtSignInOnlyWithTheirKey) {
  ASSERT_OK(vault_->Write(
      [&](vault::WriteTxn& t) { return t.RemoveMember({owner_.member_id}, viewer_.member_id); }));
  Reply r = Login(viewer_);
  EXPECT_EQ(r.status, 401) << r.raw;
  EXPECT_EQ(r.body["error"]["code"], "member_removed");

  // Someone without the member's key gets the generic answer.
  Account impostor;
  impostor.member_id = viewer_.member_id;
  impostor.identity = std::make_unique<vault::Identity>(vault::Identity::Generate(env_));
  Reply other = Login(impostor);
  EXPECT_EQ(other.status, 401) << other.raw;
  EXPECT_EQ(other.body["error"]["code"], "unauthenticated");
}

}  // namespace
