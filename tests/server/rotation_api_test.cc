// Two-phase rotation and metadata edits over the API (DESIGN.md §8), against
// a real batond: every transition, every refusal, and that a refusal
// changes nothing.
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
namespace crypto = vault::crypto;
namespace envelope = vault::envelope;

class RotationApiTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    owner_ = Join("owner", "Mari");
    viewer_ = Join("member", "Jüri");
    col_ = CreateCollection(owner_, "Social media");
    ASSERT_EQ(Grant(owner_, col_, viewer_, "view").status, 200);
    Reply created = CreateItem(owner_, col_, "Facebook page", "old-password", &item_);
    ASSERT_EQ(created.status, 201) << created.raw;
  }

  std::string Encrypt(int64_t version, const std::string& password) {
    envelope::ItemPayload p;
    p.password = vault::SecureBuffer::CopyOf(crypto::AsBytes(password));
    auto ct = envelope::EncryptItem(env_, collection_keys_.at(col_), {item_, col_, version, 1}, p);
    EXPECT_TRUE(ct.has_value());
    return ct ? crypto::ToBase64(*ct) : "";
  }

  std::string Decrypt(const json& reply) {
    auto ct = crypto::FromBase64(reply.value("ciphertext", ""));
    if (!ct) return "<not base64>";
    auto p = envelope::DecryptItem(collection_keys_.at(col_),
                                   {item_, col_, reply.value("version", int64_t{0}), 1}, *ct);
    if (!p) return "<" + p.error().ToString() + ">";
    return std::string(p->password.data(), p->password.data() + p->password.size());
  }

  Reply Begin(const Account& who, int64_t expected, int64_t pending, const std::string& pw) {
    return Call("POST", Path("/rotation"), who.token,
                json{{"expected_version", expected},
                     {"pending_version", pending},
                     {"ciphertext", Encrypt(pending, pw)}});
  }
  Reply Confirm(int64_t pending) {
    return Call("POST", Path("/rotation/confirm"), owner_.token,
                json{{"pending_version", pending}});
  }
  Reply Abort() { return Call("DELETE", Path("/rotation"), owner_.token); }
  Reply Get(const std::string& query = "") { return Call("GET", Path("") + query, owner_.token); }
  std::string Path(const std::string& suffix) { return "/v1/items/" + item_ + suffix; }

  // The item row, its versions and flags, and the audit length: what a
  // refused request must leave alone.
  std::string Snapshot() {
    std::string out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto m = t.GetItemMeta(item_);
      if (!m) return m.error();
      out = json{{"meta", json{{"v", m->version},
                               {"p", m->pending_version.value_or(0)},
                               {"next", m->next_version},
                               {"rotated", m->last_rotated_ms},
                               {"flags", m->flags.size()},
                               {"name", m->name},
                               {"url", m->url}}},
                 {"audit", t.AuditHead()->seq}}
                .dump();
      return vault::Status::OK();
    }));
    return out;
  }

  void ExpectRefused(const Reply& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.raw;
    EXPECT_EQ(r.body["error"]["code"], code) << r.raw;
  }

  std::vector<json> Events(const std::string& action) {
    Reply log = Call("GET", "/v1/audit?from=1&limit=1000", owner_.token);
    std::vector<json> out;
    for (const auto& e : log.body["events"]) {
      if (e["action"] == action && e["target"] == "item:" + item_) out.push_back(e);
    }
    return out;
  }

  Account owner_;
  Account viewer_;
  std::string col_;
  std::string item_;
};

TEST_F(RotationApiTest, BeginKeepsCurrentAndExposesPendingToReaders) {
  Reply begun = Begin(owner_, 1, 2, "new-password");
  ASSERT_EQ(begun.status, 201) << begun.raw;
  EXPECT_EQ(begun.body["pending_version"], 2);
  EXPECT_EQ(begun.body["version"], 1);
  EXPECT_EQ(begun.body["next_version"], 3);

  Reply current = Get();
  ASSERT_EQ(current.status, 200) << current.raw;
  EXPECT_EQ(current.body["version"], 1);
  EXPECT_EQ(Decrypt(current.body), "old-password");

  // A teammate who may read secrets logs in with the new one meanwhile.
  Reply pending = Call("GET", Path("?version=pending"), viewer_.token);
  ASSERT_EQ(pending.status, 200) << pending.raw;
  EXPECT_EQ(pending.body["version"], 2);
  EXPECT_EQ(pending.body["state"], "pending");
  EXPECT_EQ(Decrypt(pending.body), "new-password");
  // That read is audited as a read of the pending version.
  bool seen = false;
  for (const json& e : Events("item.read")) {
    seen = seen || (e["actor"] == viewer_.member_id &&
                    json::parse(e["details"].get<std::string>())["state"] == "pending");
  }
  EXPECT_TRUE(seen);
  ASSERT_EQ(Events("item.rotate.begin").size(), 1u);

  // A viewer may read the pending secret but not steer the rotation.
  const std::string before = Snapshot();
  ExpectRefused(
      Call("POST", Path("/rotation/confirm"), viewer_.token, json{{"pending_version", 2}}), 403,
      "permission_denied");
  ExpectRefused(Call("DELETE", Path("/rotation"), viewer_.token), 403, "permission_denied");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RotationApiTest, ConfirmMakesPendingCurrentKeepsHistoryAndClearsFlags) {
  ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
    return t.FlagItem({"server"}, item_,
                      {vault::RotationFlagKind::kBreach, "password found in a leak", 1});
  }));
  ASSERT_EQ(Begin(owner_, 1, 2, "new-password").status, 201);
  env_.AdvanceTime(std::chrono::hours(2));
  Reply confirmed = Confirm(2);
  ASSERT_EQ(confirmed.status, 200) << confirmed.raw;
  EXPECT_EQ(confirmed.body["version"], 2);
  EXPECT_FALSE(confirmed.body.contains("pending_version"));
  EXPECT_TRUE(confirmed.body["flags"].empty());
  EXPECT_EQ(
      confirmed.body["last_rotated_ms"],
      std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch()).count());

  Reply current = Get();
  EXPECT_EQ(current.body["version"], 2);
  EXPECT_EQ(Decrypt(current.body), "new-password");

  Reply history = Call("GET", Path("/history"), owner_.token);
  ASSERT_EQ(history.status, 200) << history.raw;
  ASSERT_EQ(history.body["versions"].size(), 2u);
  EXPECT_EQ(history.body["versions"][0]["state"], "previous");
  EXPECT_EQ(history.body["versions"][1]["state"], "current");

  // The event keeps why the cleared flag was raised.
  auto events = Events("item.rotate.confirm");
  ASSERT_EQ(events.size(), 1u);
  const json details = json::parse(events[0]["details"].get<std::string>());
  EXPECT_EQ(details["version"], 2);
  EXPECT_EQ(details["previous"], 1);
  ASSERT_EQ(details["cleared"].size(), 1u);
  EXPECT_EQ(details["cleared"][0]["kind"], "breach");
  EXPECT_EQ(details["cleared"][0]["reason"], "password found in a leak");
}

TEST_F(RotationApiTest, FlagRaisedWhilePendingSurvivesConfirm) {
  ASSERT_EQ(Begin(owner_, 1, 2, "new-password").status, 201);
  env_.AdvanceTime(std::chrono::minutes(5));
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch()).count();
  ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
    return t.FlagItem({"server"}, item_,
                      {vault::RotationFlagKind::kMemberRemoved, "Tiit left", now_ms});
  }));
  Reply confirmed = Confirm(2);
  ASSERT_EQ(confirmed.status, 200) << confirmed.raw;
  ASSERT_EQ(confirmed.body["flags"].size(), 1u);
  EXPECT_EQ(confirmed.body["flags"][0]["kind"], "member-removed");
}

TEST_F(RotationApiTest, AbortKeepsCurrentAndNeverReusesTheNumber) {
  ASSERT_EQ(Begin(owner_, 1, 2, "abandoned").status, 201);
  Reply aborted = Abort();
  ASSERT_EQ(aborted.status, 200) << aborted.raw;
  EXPECT_EQ(aborted.body["version"], 1);
  EXPECT_FALSE(aborted.body.contains("pending_version"));
  EXPECT_EQ(aborted.body["next_version"], 3);
  EXPECT_EQ(Decrypt(Get().body), "old-password");
  ASSERT_EQ(Events("item.rotate.abort").size(), 1u);

  // A begin that would reuse the aborted number is refused ...
  const std::string before = Snapshot();
  ExpectRefused(Begin(owner_, 1, 2, "again"), 409, "failed_precondition");
  EXPECT_EQ(Snapshot(), before);
  // ... the next one gets 3, and an ordinary edit after it 4.
  Reply again = Begin(owner_, 1, 3, "second-try");
  ASSERT_EQ(again.status, 201) << again.raw;
  EXPECT_EQ(again.body["pending_version"], 3);
  ASSERT_EQ(Confirm(3).status, 200);
  EXPECT_EQ(Decrypt(Get().body), "second-try");
  Reply history = Call("GET", Path("/history"), owner_.token);
  ASSERT_EQ(history.body["versions"].size(), 3u);
  EXPECT_EQ(history.body["versions"][1]["state"], "aborted");
  Reply edited = Call("PUT", Path(""), owner_.token,
                      json{{"expected_version", 3}, {"ciphertext", Encrypt(4, "edited")}});
  ASSERT_EQ(edited.status, 200) << edited.raw;
  EXPECT_EQ(edited.body["version"], 4);
  EXPECT_EQ(Decrypt(Get().body), "edited");
}

TEST_F(RotationApiTest, RefusalsChangeNothing) {
  std::string before = Snapshot();
  // Confirm or abort with nothing pending.
  ExpectRefused(Confirm(2), 409, "failed_precondition");
  ExpectRefused(Abort(), 409, "failed_precondition");
  ExpectRefused(Get("?version=pending"), 409, "failed_precondition");
  // A stale expected version.
  ExpectRefused(Begin(owner_, 7, 2, "x"), 409, "failed_precondition");
  // An unknown item.
  ExpectRefused(Call("POST", "/v1/items/" + crypto::RandomId(env_) + "/rotation/confirm",
                     owner_.token, json{{"pending_version", 2}}),
                404, "not_found");
  EXPECT_EQ(Snapshot(), before);

  ASSERT_EQ(Begin(owner_, 1, 2, "new-password").status, 201);
  before = Snapshot();
  // Begin twice; confirm the wrong number; an ordinary update meanwhile.
  ExpectRefused(Call("POST", Path("/rotation"), owner_.token,
                     json{{"expected_version", 1}, {"ciphertext", Encrypt(3, "y")}}),
                409, "failed_precondition");
  ExpectRefused(Confirm(3), 409, "failed_precondition");
  ExpectRefused(Call("PUT", Path(""), owner_.token,
                     json{{"expected_version", 1}, {"ciphertext", Encrypt(3, "z")}}),
                409, "failed_precondition");
  EXPECT_EQ(Snapshot(), before);

  // Abort after confirm: nothing is pending any more.
  ASSERT_EQ(Confirm(2).status, 200);
  before = Snapshot();
  ExpectRefused(Abort(), 409, "failed_precondition");
  ExpectRefused(Confirm(2), 409, "failed_precondition");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RotationApiTest, MetadataEditIsAuditedAndChecked) {
  Reply patched = Call("PATCH", Path(""), owner_.token,
                       json{{"name", "FB page"},
                            {"url", "https://facebook.com/login"},
                            {"channel", "instagram"},
                            {"rotation_period_days", 30}});
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body["name"], "FB page");
  EXPECT_EQ(patched.body["url"], "https://facebook.com/login");
  EXPECT_EQ(patched.body["channel"], "instagram");
  EXPECT_EQ(patched.body["rotation_period_days"], 30);
  EXPECT_EQ(patched.body["version"], 1) << "metadata is not a new secret version";
  auto events = Events("item.meta");
  ASSERT_EQ(events.size(), 1u);
  const json details = json::parse(events[0]["details"].get<std::string>());
  EXPECT_EQ(details["name"], json::array({"Facebook page", "FB page"}));
  EXPECT_EQ(details["rotation_period_days"], json::array({90, 30}));
  // The secret is untouched and still decrypts.
  EXPECT_EQ(Decrypt(Get().body), "old-password");

  // A viewer may not; an unknown item is 404; both change nothing.
  const std::string before = Snapshot();
  ExpectRefused(Call("PATCH", Path(""), viewer_.token, json{{"name", "Mine"}}), 403,
                "permission_denied");
  ExpectRefused(
      Call("PATCH", "/v1/items/" + crypto::RandomId(env_), owner_.token, json{{"name", "Mine"}}),
      404, "not_found");
  EXPECT_EQ(Snapshot(), before);
}

}  // namespace
