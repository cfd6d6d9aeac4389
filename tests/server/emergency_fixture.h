// The emergency-access fixture: a real batond with a team (owner, admin,
// two deputies, an outsider, an auditor), two collections with items, and
// helpers to grant, request, move time and inspect the vault and the audit
// log. Shared by the emergency test binaries.
#ifndef BATON_TESTS_SERVER_EMERGENCY_FIXTURE_H_
#define BATON_TESTS_SERVER_EMERGENCY_FIXTURE_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "server_fixture.h"
#include "vault/audit.h"

namespace testing_util::emergency_fixture {

using nlohmann::json;
using std::chrono::hours;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
using vault::Status;
namespace crypto = vault::crypto;
namespace envelope = vault::envelope;
namespace em = vault::emergency;

inline std::string Code(const Reply& r) {
  return r.body.is_object() && r.body.contains("error") ? r.body["error"].value("code", "")
                                                        : "(none: " + r.raw + ")";
}

class EmergencyTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    // Sessions that outlast the waits and windows the tests run through.
    StopServer();
    config_.session_ttl = hours(24 * 365);
    StartServer();
    if (HasFatalFailure()) return;
    owner_ = Join("owner", "Mari");
    admin_ = Join("admin", "Aino");
    deputy_ = Join("member", "Jüri");
    deputy2_ = Join("member", "Kati");
    outsider_ = Join("member", "Tiit");
    auditor_ = Join("auditor", "Ülle");
    social_ = CreateCollection(owner_, "Social media");
    ads_ = CreateCollection(owner_, "Ads");
    ASSERT_EQ(CreateItem(owner_, social_, "Facebook page", "Päästa-mind 42!", &fb_).status, 201);
    ASSERT_EQ(CreateItem(owner_, social_, "Instagram", "kohvik-ööbik-7", &ig_).status, 201);
    ASSERT_EQ(CreateItem(owner_, ads_, "Google Ads", "ads-secret-1", &ads_item_).status, 201);
  }

  // A grant over HTTP from `grantor` to `deputy`, keys sealed as the client
  // does (SealForEscrow).
  Reply MakeGrant(const Account& grantor, const Account& deputy,
                  const std::vector<std::string>& collections, const std::string& mode = "view",
                  int wait_hours = 48, int confirmations = 0) {
    json keys = json::array();
    for (const std::string& c : collections) {
      const auto& key = collection_keys_.at(c);
      auto box = envelope::SealForEscrow(key, deputy.identity->box_public_key(),
                                         keys_->escrow_public_key());
      EXPECT_TRUE(box.has_value());
      keys.push_back({{"collection_id", c},
                      {"key_version", key.version},
                      {"escrow_sealed_key", crypto::ToBase64(*box)}});
    }
    return Call("POST", "/v1/emergency/grants", grantor.token,
                json{{"id", crypto::RandomId(env_)},
                     {"deputy_id", deputy.member_id},
                     {"mode", mode},
                     {"wait_hours", wait_hours},
                     {"confirmations_required", confirmations},
                     {"keys", keys}});
  }

  std::string Grant(const Account& deputy, const std::vector<std::string>& collections,
                    const std::string& mode = "view", int wait_hours = 48, int confirmations = 0) {
    Reply r = MakeGrant(owner_, deputy, collections, mode, wait_hours, confirmations);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body["id"].get<std::string>() : "";
  }

  std::string Ask(const Account& deputy, const std::string& grant) {
    Reply r = Call("POST", "/v1/emergency/grants/" + grant + "/requests", deputy.token,
                   json{{"reason", "Mari is in hospital"}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body["id"].get<std::string>() : "";
  }

  em::State StateOf(const std::string& request) {
    em::State out = em::State::kNone;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto r = t.GetEmergencyRequest(request);
      if (!r) return r.error();
      out = r->state;
      return Status::OK();
    }));
    return out;
  }

  void Tick() { ASSERT_OK(server_->Tick()); }

  // A refused call: status, code, and not a single audit event or state
  // change.
  void ExpectRefused(const std::string& method, const std::string& path, const Account& who,
                     const json& body, int status, const std::string& code,
                     const std::string& request = "") {
    SCOPED_TRACE(method + " " + path);
    const int64_t before = AuditLength();
    const em::State state = request.empty() ? em::State::kNone : StateOf(request);
    Reply r = Call(method, path, who.token, body.is_null() ? std::string() : body.dump());
    EXPECT_EQ(r.status, status) << r.raw;
    EXPECT_EQ(Code(r), code);
    EXPECT_EQ(AuditLength(), before) << "a refused request changed the vault";
    if (!request.empty()) {
      EXPECT_EQ(StateOf(request), state);
    }
  }

  // The actions of the audit log, in order, from seq `from`.
  std::vector<std::pair<std::string, std::string>> Audit(int64_t from = 1) {
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) {
      return t.ScanAudit(from, [&](const vault::audit::Event& e) {
        out.emplace_back(e.action, e.actor);
        return true;
      });
    }));
    return out;
  }

  bool Audited(const std::string& action, const std::string& actor, int64_t from = 1) {
    for (const auto& [a, who] : Audit(from)) {
      if (a == action && who == actor) return true;
    }
    return false;
  }

  void ExpectAuditVerifies() {
    ASSERT_OK(server_->Checkpoint());
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto cps = t.ListCheckpoints();
      if (!cps) return cps.error();
      vault::audit::Verifier verifier(keys_->audit_public_key(), *cps);
      if (Status s = t.ScanAudit(1, [&](const vault::audit::Event& e) { return verifier.Add(e); });
          !s.ok()) {
        return s;
      }
      vault::audit::Report report = verifier.Finish();
      EXPECT_TRUE(report.ok) << report.problem << " at " << report.first_bad_seq;
      return Status::OK();
    }));
  }

  vault::ItemMeta Item(const std::string& id) {
    vault::ItemMeta out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto m = t.GetItemMeta(id);
      if (!m) return m.error();
      out = std::move(*m);
      return Status::OK();
    }));
    return out;
  }

  vault::Collection Col(const std::string& id) {
    vault::Collection out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto c = t.GetCollection(id);
      if (!c) return c.error();
      out = std::move(*c);
      return Status::OK();
    }));
    return out;
  }

  // The deputy's keys route; on success checks every key opens, with the
  // deputy's own box key, to the real collection key.
  Reply KeysAs(const Account& who, const std::string& request) {
    Reply r = Call("GET", "/v1/emergency/requests/" + request + "/keys", who.token);
    if (r.status != 200) return r;
    for (const json& k : r.body["keys"]) {
      const std::string col = k["collection_id"];
      auto box = crypto::FromBase64(k["sealed_key"].get<std::string>());
      EXPECT_TRUE(box.has_value());
      auto opened = envelope::OpenCollectionKey(who.identity->box(), *box, col,
                                                k["key_version"].get<int64_t>());
      EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
      if (opened) {
        EXPECT_TRUE(
            crypto::ConstantTimeEqual(opened->key.bytes(), collection_keys_.at(col).key.bytes()));
      }
    }
    return r;
  }

  vault::EmergencyGrant GrantRow(const std::string& grant) {
    vault::EmergencyGrant out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto g = t.GetEmergencyGrant(grant);
      if (!g) return g.error();
      out = std::move(*g);
      return Status::OK();
    }));
    return out;
  }

  em::GrantStatus GrantStatus(const std::string& grant) { return GrantRow(grant).status; }

  // Whether the grant's escrowed key for `collection` is stored.
  bool Escrowed(const std::string& collection, const std::string& grant) {
    bool found = false;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto k = t.GetSealedKey(collection, vault::KeyHolder::kGrant, grant);
      if (!k && !k.error().IsNotFound()) return k.error();
      found = k.has_value();
      return Status::OK();
    }));
    return found;
  }

  // The audit events with this action from seq `from`, in order.
  std::vector<vault::audit::Event> Events(const std::string& action, int64_t from = 1) {
    std::vector<vault::audit::Event> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) {
      return t.ScanAudit(from, [&](const vault::audit::Event& e) {
        if (e.action == action) out.push_back(e);
        return true;
      });
    }));
    return out;
  }

  Account owner_, admin_, deputy_, deputy2_, outsider_, auditor_;
  std::string social_, ads_, fb_, ig_, ads_item_;
};

}  // namespace testing_util::emergency_fixture

#endif  // BATON_TESTS_SERVER_EMERGENCY_FIXTURE_H_
