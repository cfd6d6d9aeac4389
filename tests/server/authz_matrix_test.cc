// The authorization matrix (DESIGN.md §4): every route of server::Routes()
// called by every team role with every access level to one target
// collection, against a real batond.
//
// Allowed cells must succeed (2xx, with a request built so that the handler
// can succeed), denied cells must be exactly 403 permission_denied and change
// nothing. The expectation comes from vault::Decide(), and Decide() itself is
// pinned per route in kPinned below: the server enforces Decide() too, so
// without the pinned table a changed policy cell would change the server and
// the expectation alike and go unnoticed.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backup/age.h"
#include "server_fixture.h"
#include "vault/api_json_roster.h"
#include "vault/roster.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
using vault::CollectionAccess;
using vault::Status;
using vault::TeamRole;
using vault::emergency::GrantStatus;
using vault::emergency::State;
namespace crypto = vault::crypto;
namespace envelope = vault::envelope;

// What Decide() must answer for each route's action. One group of four per
// role (owner, admin, member, auditor); within a group, collection access
// none, view, edit, manage. 'Y' allows, '.' denies. Change a row only with
// DESIGN.md §4.
struct Pinned {
  const char* route;
  const char* cells;
};
constexpr Pinned kPinned[] = {
    {"POST /v1/auth/logout", "YYYY YYYY YYYY YYYY"},  // use_session: any member
    {"GET /v1/me", "YYYY YYYY YYYY YYYY"},
    {"GET /v1/members", "YYYY YYYY YYYY YYYY"},
    {"GET /v1/members/:id", "YYYY YYYY YYYY YYYY"},
    {"POST /v1/invites", "YYYY YYYY .... ...."},
    {"PATCH /v1/members/:id", "YYYY YYYY .... ...."},
    {"DELETE /v1/members/:id", "YYYY YYYY .... ...."},
    {"POST /v1/collections", "YYYY YYYY .... ...."},
    {"GET /v1/collections", "YYYY YYYY YYYY YYYY"},
    {"GET /v1/collections/:id/key", "YYYY YYYY .YYY ...."},
    {"GET /v1/collections/:id/grants", "YYYY YYYY ...Y ...."},
    {"POST /v1/collections/:id/grants", "YYYY YYYY ...Y ...."},
    {"DELETE /v1/collections/:id/grants/:member", "YYYY YYYY ...Y ...."},
    {"GET /v1/collections/:id/items", "YYYY YYYY .YYY YYYY"},
    {"POST /v1/collections/:id/items", "YYYY YYYY ..YY ...."},
    {"GET /v1/items/:id", "YYYY YYYY .YYY ...."},
    {"PUT /v1/items/:id", "YYYY YYYY ..YY ...."},
    {"DELETE /v1/items/:id", "YYYY YYYY ..YY ...."},
    {"GET /v1/items/:id/history", "YYYY YYYY .YYY ...."},
    {"PATCH /v1/items/:id", "YYYY YYYY ..YY ...."},
    {"POST /v1/items/:id/rotation", "YYYY YYYY ..YY ...."},
    {"POST /v1/items/:id/rotation/confirm", "YYYY YYYY ..YY ...."},
    {"DELETE /v1/items/:id/rotation", "YYYY YYYY ..YY ...."},
    {"GET /v1/audit", "YYYY YYYY .... YYYY"},
    {"GET /v1/audit/checkpoints", "YYYY YYYY .... YYYY"},
    {"GET /v1/audit/head", "YYYY YYYY .... YYYY"},
    {"PUT /v1/me/email", "YYYY YYYY YYYY YYYY"},
    {"POST /v1/emergency/grants", "YYYY YYYY .... ...."},
    {"GET /v1/emergency/grants", "YYYY YYYY YYYY ...."},  // filtered by the handler
    {"GET /v1/emergency/grants/:id", "YYYY YYYY YYYY ...."},
    {"PATCH /v1/emergency/grants/:id", "YYYY YYYY .... ...."},
    {"DELETE /v1/emergency/grants/:id", "YYYY YYYY .... ...."},
    {"POST /v1/emergency/grants/:id/decline", "YYYY YYYY YYYY ...."},  // the deputy only
    {"POST /v1/emergency/grants/:id/requests", "YYYY YYYY YYYY ...."},
    {"GET /v1/emergency/requests", "YYYY YYYY YYYY ...."},
    {"GET /v1/emergency/requests/:id", "YYYY YYYY YYYY ...."},
    {"POST /v1/emergency/requests/:id/approve", "YYYY YYYY .... ...."},
    {"POST /v1/emergency/requests/:id/reject", "YYYY YYYY .... ...."},
    {"POST /v1/emergency/requests/:id/confirm", "YYYY YYYY YYYY ...."},
    {"GET /v1/emergency/requests/:id/keys", "YYYY YYYY YYYY ...."},  // the deputy only
    {"GET /v1/emergency/requests/:id/items", "YYYY YYYY YYYY ...."},
    {"GET /v1/emergency/requests/:id/items/:item", "YYYY YYYY YYYY ...."},
    {"POST /v1/collections/:id/rekey", "YYYY YYYY ...Y ...."},
    {"GET /v1/collections/:id/cache", "YYYY YYYY .YYY ...."},
    {"PATCH /v1/collections/:id", "YYYY YYYY .... ...."},
    {"POST /v1/offline-reads", "YYYY YYYY YYYY YYYY"},
    // roster::Apply decides each statement; the policy lets everyone try.
    {"GET /v1/roster", "YYYY YYYY YYYY YYYY"},
    {"POST /v1/roster", "YYYY YYYY YYYY YYYY"},
    // An owner's decrypted export is recorded; owners only.
    {"POST /v1/exports", "YYYY .... .... ...."},
    // Each member's own calendar feed.
    {"POST /v1/calendar", "YYYY YYYY YYYY YYYY"},
    {"DELETE /v1/calendar", "YYYY YYYY YYYY YYYY"},
    // The team recovery key: owners set it up, any member checks a share.
    {"PUT /v1/recovery", "YYYY .... .... ...."},
    {"GET /v1/recovery", "YYYY YYYY .... YYYY"},
    {"GET /v1/recovery/check-key", "YYYY YYYY YYYY YYYY"},
    {"GET /v1/recovery/unsealed", "YYYY YYYY YYYY YYYY"},
    {"POST /v1/recovery/check", "YYYY YYYY YYYY YYYY"},
    {"POST /v1/collections/:id/recovery-key", "YYYY YYYY ...Y ...."},
    // Who alone holds what: for those who run or audit the team.
    {"GET /v1/continuity", "YYYY YYYY .... YYYY"},
    // Printing a break-glass sheet: owners only.
    {"POST /v1/sheets", "YYYY .... .... ...."},
};

std::string RouteKey(const server::RouteSpec& spec) {
  return std::string(spec.method) + " " + spec.pattern;
}

// The pinned answer for `role` with `access`, or nullopt if the route has no
// row.
std::optional<bool> PinnedAllows(const std::string& route, TeamRole role, CollectionAccess access) {
  for (const Pinned& p : kPinned) {
    if (route != p.route) continue;
    std::string cells;
    for (const char* c = p.cells; *c != '\0'; ++c) {
      if (*c != ' ') cells += *c;
    }
    if (cells.size() != 16) return std::nullopt;
    return cells[static_cast<size_t>(role) * 4 + static_cast<size_t>(access)] == 'Y';
  }
  return std::nullopt;
}

// The error code of a JSON error reply, or a description of what came back.
std::string ErrorCode(const Reply& r) {
  if (r.body.is_object() && r.body.contains("error") && r.body["error"].is_object() &&
      r.body["error"].contains("code") && r.body["error"]["code"].is_string()) {
    return r.body["error"]["code"].get<std::string>();
  }
  return "(no error code in: " + r.raw + ")";
}

const vault::Actor kSetup{"server"};

// One caller of the matrix: a team role and an access level to the target
// collection.
struct Principal {
  TeamRole role;
  CollectionAccess access;
  Account account;
};

// A request for one cell, and what must hold afterwards: `after(allowed)`
// checks that the target changed if and only if the call was allowed.
struct Request {
  std::string path;
  std::string body;
  std::function<void(bool allowed)> after;
};

class AuthzMatrixTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    for (TeamRole role : vault::AllTeamRoles()) {
      for (CollectionAccess access : vault::AllCollectionAccesses()) {
        const std::string name =
            std::string(vault::ToString(role)) + "-" + std::string(vault::ToString(access));
        Principal p{role, access, Join(std::string(vault::ToString(role)), name)};
        ASSERT_FALSE(p.account.token.empty()) << name << " could not sign in";
        principals_.push_back(std::move(p));
      }
    }

    // The target collection, written directly: every principal holds a
    // sealed key (so that an allowed key fetch has something to return), and
    // all but the "none" ones an access row. The API refuses auditors a grant
    // ("auditors never receive a collection key"); their rows exist only here,
    // to prove that the policy still denies them every secret and mutation.
    target_ = crypto::RandomId(env_);
    envelope::CollectionKey key = envelope::NewCollectionKey(env_, target_);
    std::vector<vault::SealedKey> sealed;
    for (const Principal& p : principals_) {
      auto box = envelope::SealCollectionKey(key, p.account.identity->box_public_key());
      ASSERT_TRUE(box.has_value()) << box.error().ToString();
      sealed.push_back(
          {target_, key.version, vault::KeyHolder::kMember, p.account.member_id, *box});
    }
    ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) -> Status {
      if (Status s =
              t.CreateCollection(kSetup, {target_, "Target", key.version, true, false, 0}, sealed);
          !s.ok()) {
        return s;
      }
      for (size_t i = 0; i < principals_.size(); ++i) {
        const Principal& p = principals_[i];
        if (p.access == CollectionAccess::kNone) continue;
        if (Status s = t.GrantAccess(kSetup, target_, p.account.member_id,
                                     std::string(vault::ToString(p.access)), sealed[i]);
            !s.ok()) {
          return s;
        }
      }
      return Status::OK();
    }));
    collection_keys_.emplace(target_, std::move(key));
    shared_item_ = NewItem();
  }

  const envelope::CollectionKey& TargetKey() const { return collection_keys_.at(target_); }

  // A member added directly to the vault (the victim of a PATCH, DELETE or
  // grant); returns its id.
  std::string NewMember(vault::TeamRole role) {
    vault::Identity id = vault::Identity::Generate(env_);
    vault::Member m;
    m.id = crypto::RandomId(env_);
    m.name = "victim-" + std::to_string(++counter_);
    m.role = role;
    m.signing_public_key = id.signing_public_key();
    m.box_public_key = id.box_public_key();
    EXPECT_OK(vault_->Write([&](vault::WriteTxn& t) { return t.AddMember(kSetup, m); }));
    box_keys_[m.id] = m.box_public_key;
    return m.id;
  }

  std::string SealedTo(const std::string& member_id) {
    auto box = envelope::SealCollectionKey(TargetKey(), box_keys_.at(member_id));
    EXPECT_TRUE(box.has_value());
    return box ? crypto::ToBase64(*box) : "";
  }

  void GrantDirect(const std::string& member_id, const std::string& access) {
    auto box = envelope::SealCollectionKey(TargetKey(), box_keys_.at(member_id));
    ASSERT_TRUE(box.has_value());
    ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
      return t.GrantAccess(
          kSetup, target_, member_id, access,
          {target_, TargetKey().version, vault::KeyHolder::kMember, member_id, *box});
    }));
  }

  // An item in the target collection, written directly; returns its id.
  std::string NewItem() {
    vault::ItemMeta meta;
    meta.id = crypto::RandomId(env_);
    meta.collection_id = target_;
    meta.name = "item-" + std::to_string(++counter_);
    meta.channel = "facebook";
    meta.rotation_period_s = 90 * 86400;
    meta.key_version = TargetKey().version;
    EXPECT_OK(vault_->Write([&](vault::WriteTxn& t) {
      return t.CreateItem(kSetup, meta, {0x62, 0x61, 0x74, 0x6f, 0x6e});
    }));
    return meta.id;
  }

  // An item with a rotation to version 2 pending.
  std::string NewPendingItem() {
    const std::string id = NewItem();
    EXPECT_OK(vault_->Write([&](vault::WriteTxn& t) -> Status {
      auto v = t.BeginRotation(kSetup, id, 1, {0x76, 0x32});
      return v ? Status::OK() : v.error();
    }));
    return id;
  }

  std::optional<vault::ItemMeta> FindItem(const std::string& id) {
    std::optional<vault::ItemMeta> out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto m = t.GetItemMeta(id);
      if (m) out = std::move(*m);
      return m || m.error().IsNotFound() ? Status::OK() : m.error();
    }));
    return out;
  }

  vault::Member MemberRow(const std::string& id) {
    vault::Member out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto m = t.GetMember(id);
      if (!m) return m.error();
      out = std::move(*m);
      return Status::OK();
    }));
    return out;
  }

  bool HasAccessRow(const std::string& collection, const std::string& member_id) {
    bool found = false;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto a = t.GetAccess(collection, member_id);
      found = a.has_value();
      return a || a.error().IsNotFound() ? Status::OK() : a.error();
    }));
    return found;
  }

  bool CollectionExists(const std::string& id) {
    bool found = false;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto c = t.GetCollection(id);
      found = c.has_value();
      return c || c.error().IsNotFound() ? Status::OK() : c.error();
    }));
    return found;
  }

  // --- Emergency access, written directly so that any principal can be the
  // deputy (the API refuses auditors that role; the policy must still hold).

  std::string DirectGrant(const std::string& grantor, const std::string& deputy,
                          const crypto::PublicKey& deputy_box, int64_t confirmations = 0) {
    vault::EmergencyGrant g;
    g.id = crypto::RandomId(env_);
    g.grantor_id = grantor;
    g.deputy_id = deputy;
    g.mode = vault::emergency::GrantMode::kView;
    g.wait_s = 48 * 3600;
    g.confirmations_required = confirmations;
    g.access_window_s = 72 * 3600;
    g.collections = {target_};
    auto box = envelope::SealForEscrow(TargetKey(), deputy_box, keys_->escrow_public_key());
    EXPECT_TRUE(box.has_value());
    EXPECT_OK(vault_->Write([&](vault::WriteTxn& t) {
      return t.CreateEmergencyGrant(kSetup, g,
                                    {{target_, TargetKey().version, vault::KeyHolder::kGrant, g.id,
                                      box ? *box : std::vector<uint8_t>{}}});
    }));
    return g.id;
  }

  // A grant to a fresh victim member from the first owner.
  std::string VictimGrant(int64_t confirmations = 0) {
    const std::string victim = NewMember(vault::TeamRole::kMember);
    return DirectGrant(principals_.front().account.member_id, victim, box_keys_.at(victim),
                       confirmations);
  }

  std::string DirectRequest(const std::string& grant, bool released) {
    vault::EmergencyRequest r;
    r.id = crypto::RandomId(env_);
    r.grant_id = grant;
    r.reason = "matrix";
    r.requested_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch())
            .count();
    r.release_ms = r.requested_ms + 48 * 3600 * 1000LL;
    EXPECT_OK(vault_->Write([&](vault::WriteTxn& t) -> Status {
      if (Status s = t.CreateEmergencyRequest(kSetup, r); !s.ok()) return s;
      if (!released) return Status::OK();
      return t.TransitionEmergencyRequest(kSetup, {r.id,
                                                   "emergency.approve",
                                                   State::kReleased,
                                                   r.requested_ms,
                                                   r.requested_ms + 72 * 3600 * 1000LL,
                                                   true,
                                                   "matrix",
                                                   {}});
    }));
    return r.id;
  }

  std::string ReleasedFor(const Principal& p) {
    return DirectRequest(DirectGrant(principals_.front().account.member_id, p.account.member_id,
                                     p.account.identity->box_public_key()),
                         true);
  }

  vault::EmergencyGrant GrantRow(const std::string& id) {
    vault::EmergencyGrant out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto g = t.GetEmergencyGrant(id);
      if (!g) return g.error();
      out = std::move(*g);
      return Status::OK();
    }));
    return out;
  }

  vault::EmergencyRequest RequestRow(const std::string& id) {
    vault::EmergencyRequest out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto r = t.GetEmergencyRequest(id);
      if (!r) return r.error();
      out = std::move(*r);
      return Status::OK();
    }));
    return out;
  }

  // A fresh collection where `p` has their matrix access (and holds its key,
  // with one item), for routes that would change the target collection.
  std::string OwnCollection(const Principal& p, CollectionAccess access,
                            envelope::CollectionKey& key_out, std::string& item_out) {
    const std::string id = crypto::RandomId(env_);
    key_out = envelope::NewCollectionKey(env_, id);
    auto box = envelope::SealCollectionKey(key_out, p.account.identity->box_public_key());
    EXPECT_TRUE(box.has_value());
    const vault::SealedKey sealed{id, 1, vault::KeyHolder::kMember, p.account.member_id, *box};
    vault::ItemMeta meta;
    meta.id = crypto::RandomId(env_);
    meta.collection_id = id;
    meta.name = "item";
    meta.channel = "facebook";
    meta.rotation_period_s = 90 * 86400;
    item_out = meta.id;
    EXPECT_OK(vault_->Write([&](vault::WriteTxn& t) -> Status {
      if (Status s = t.CreateCollection(
              kSetup, {id, "own-" + std::to_string(++counter_), 1, true, false, 0}, {sealed});
          !s.ok()) {
        return s;
      }
      if (access != CollectionAccess::kNone) {
        if (Status s = t.GrantAccess(kSetup, id, p.account.member_id,
                                     std::string(vault::ToString(access)), sealed);
            !s.ok()) {
          return s;
        }
      }
      return t.CreateItem(kSetup, meta, {0x6f, 0x6c, 0x64});
    }));
    return id;
  }

  void AddEmergencyBuilders(std::map<std::string, std::function<Request(const Principal&)>>& b) {
    const std::string g = "/v1/emergency/grants";
    const std::string rq = "/v1/emergency/requests";
    b["POST /v1/emergency/grants"] = [this, g](const Principal& p) {
      // The grantor must hold the collection: one of their own.
      envelope::CollectionKey key;
      std::string item;
      const std::string col = OwnCollection(p, CollectionAccess::kManage, key, item);
      const std::string victim = NewMember(vault::TeamRole::kMember);
      auto box = envelope::SealForEscrow(key, box_keys_.at(victim), keys_->escrow_public_key());
      const std::string id = crypto::RandomId(env_);
      return Request{g,
                     json{{"id", id},
                          {"deputy_id", victim},
                          {"mode", "view"},
                          {"wait_hours", 24},
                          {"keys", json::array({{{"collection_id", col},
                                                 {"key_version", 1},
                                                 {"escrow_sealed_key", crypto::ToBase64(*box)}}})}}
                         .dump(),
                     [this, id](bool allowed) {
        bool exists = false;
        EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) {
          exists = t.GetEmergencyGrant(id).has_value();
          return Status::OK();
        }));
        EXPECT_EQ(exists, allowed);
                     }};
    };
    b["GET /v1/emergency/grants"] = [g](const Principal&) { return Request{g, "", {}}; };
    b["GET /v1/emergency/grants/:id"] = [this, g](const Principal& p) {
      return Request{g + "/" + ReleasedGrantFor(p), "", {}};
    };
    b["PATCH /v1/emergency/grants/:id"] = [this, g](const Principal&) {
      const std::string id = VictimGrant();
      return Request{g + "/" + id, json{{"wait_hours", 5}}.dump(), [this, id](bool allowed) {
                       EXPECT_EQ(GrantRow(id).wait_s, (allowed ? 5 : 48) * 3600);
                     }};
    };
    b["DELETE /v1/emergency/grants/:id"] = [this, g](const Principal&) {
      const std::string id = VictimGrant();
      return Request{g + "/" + id, "",
                     [this, id](bool allowed) {
        EXPECT_EQ(GrantRow(id).status, allowed ? GrantStatus::kRevoked : GrantStatus::kActive);
                     }};
    };
    b["POST /v1/emergency/grants/:id/decline"] = [this, g](const Principal& p) {
      const std::string id = DirectGrant(principals_.front().account.member_id, p.account.member_id,
                                         p.account.identity->box_public_key());
      return Request{g + "/" + id + "/decline", "",
                     [this, id](bool allowed) {
        EXPECT_EQ(GrantRow(id).status, allowed ? GrantStatus::kDeclined : GrantStatus::kActive);
                     }};
    };
    b["POST /v1/emergency/grants/:id/requests"] = [this, g](const Principal& p) {
      const std::string id = DirectGrant(principals_.front().account.member_id, p.account.member_id,
                                         p.account.identity->box_public_key());
      return Request{g + "/" + id + "/requests", json{{"reason", "help"}}.dump(),
                     [this, id](bool allowed) {
        size_t n = 0;
        EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) {
          auto all = t.ListEmergencyRequests(id);
          n = all ? all->size() : 99;
          return Status::OK();
        }));
        EXPECT_EQ(n, allowed ? 1u : 0u);
                     }};
    };
    b["GET /v1/emergency/requests"] = [rq](const Principal&) { return Request{rq, "", {}}; };
    b["GET /v1/emergency/requests/:id"] = [this, rq](const Principal& p) {
      return Request{rq + "/" + ReleasedFor(p), "", {}};
    };
    for (const char* verdict : {"approve", "reject"}) {
      const State to = verdict == std::string("approve") ? State::kReleased : State::kRejected;
      b[std::string("POST /v1/emergency/requests/:id/") + verdict] =
          [this, rq, verdict, to](const Principal&) {
        const std::string id = DirectRequest(VictimGrant(), false);
        return Request{rq + "/" + id + "/" + verdict, "{}", [this, id, to](bool allowed) {
                         EXPECT_EQ(RequestRow(id).state, allowed ? to : State::kWaiting);
                       }};
      };
    }
    b["POST /v1/emergency/requests/:id/confirm"] = [this, rq](const Principal& p) {
      // A victim's request needing one confirmation, and `p` another deputy
      // of the same grantor.
      const std::string id = DirectRequest(VictimGrant(/*confirmations=*/1), false);
      DirectGrant(principals_.front().account.member_id, p.account.member_id,
                  p.account.identity->box_public_key());
      return Request{rq + "/" + id + "/confirm", "", [this, id](bool allowed) {
                       EXPECT_EQ(RequestRow(id).confirmations.size(), allowed ? 1u : 0u);
                     }};
    };
    b["GET /v1/emergency/requests/:id/keys"] = [this, rq](const Principal& p) {
      return Request{rq + "/" + ReleasedFor(p) + "/keys", "", {}};
    };
    b["GET /v1/emergency/requests/:id/items"] = [this, rq](const Principal& p) {
      return Request{rq + "/" + ReleasedFor(p) + "/items", "", {}};
    };
    b["GET /v1/emergency/requests/:id/items/:item"] = [this, rq](const Principal& p) {
      return Request{rq + "/" + ReleasedFor(p) + "/items/" + shared_item_, "", {}};
    };
    b["POST /v1/collections/:id/rekey"] = [this](const Principal& p) {
      envelope::CollectionKey key;
      std::string item;
      const std::string col = OwnCollection(p, p.access, key, item);
      auto next = envelope::NewCollectionKey(env_, col, 2);
      auto box = envelope::SealCollectionKey(next, p.account.identity->box_public_key());
      json members = json::array();
      if (p.access != CollectionAccess::kNone) {
        members.push_back(
            {{"member_id", p.account.member_id}, {"sealed_key", crypto::ToBase64(*box)}});
      }
      return Request{
          "/v1/collections/" + col + "/rekey",
          json{{"key_version", 2},
               {"member_keys", members},
               {"grant_keys", json::array()},
               {"items", json::array({{{"id", item},
                                       {"expected_version", 1},
                                       {"ciphertext", crypto::ToBase64(crypto::AsBytes("new"))}}})}}
              .dump(),
          [this, col](bool allowed) {
        int64_t version = 0;
        EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) {
          auto c = t.GetCollection(col);
          version = c ? c->key_version : 0;
          return Status::OK();
        }));
        EXPECT_EQ(version, allowed ? 2 : 1);
          }};
    };
  }

  std::string ReleasedGrantFor(const Principal& p) { return RequestRow(ReleasedFor(p)).grant_id; }

  // Signs `body` as the next roster entry after roster_.
  vault::roster::Entry SignRoster(const vault::Identity& by, const std::string& id,
                                  vault::roster::Body body) {
    vault::roster::Entry e;
    e.statement = vault::roster::Encode(vault::roster::Next(roster_, id, 0, std::move(body)));
    e.signature = *crypto::Sign(by.signing(), e.statement);
    return e;
  }
  // Stored directly, as the team's root owner (not a principal) signed it.
  void AppendAsRoot(vault::roster::Body body) {
    const vault::roster::Entry e = SignRoster(*roster_root_, root_id_, std::move(body));
    const uint64_t seq = roster_.size;
    ASSERT_OK(vault::roster::Apply(roster_, e));
    ASSERT_OK(vault_->Write(
        [&](vault::WriteTxn& t) { return t.AppendRoster(kSetup, seq, "setup", e, roster_.head); }));
  }
  // POST /v1/roster as `p`: their own member.join, under an invite for
  // their role that the root owner vouched for.
  vault::roster::Entry RosterJoinOf(const Principal& p) {
    if (!roster_root_) {
      roster_root_ = std::make_unique<vault::Identity>(vault::Identity::Generate(env_));
      root_id_ = crypto::RandomId(env_);
      AppendAsRoot(vault::roster::TeamCreate{
          roster_root_->signing_public_key(), roster_root_->box_public_key(), "root",
          keys_->audit_public_key(), keys_->escrow_public_key()});
    }
    vault::SecureBuffer secret(16);
    secret.data()[0] = static_cast<uint8_t>(++counter_);
    auto invite = vault::roster::InviteKeyPair(secret);
    AppendAsRoot(vault::roster::MemberInvite{invite->public_key, p.role});
    const vault::Identity& id = *p.account.identity;
    const crypto::Bytes msg = vault::roster::JoinMessage(
        roster_.team_id, p.account.member_id, id.signing_public_key(), id.box_public_key());
    return SignRoster(
        id, p.account.member_id,
        vault::roster::MemberJoin{invite->public_key, id.signing_public_key(), id.box_public_key(),
                                  "principal", *crypto::Sign(*invite, msg)});
  }

  // How to call each route as `p`, keyed by "METHOD pattern".
  std::map<std::string, std::function<Request(const Principal&)>> Builders() {
    std::map<std::string, std::function<Request(const Principal&)>> b;
    const std::string col = "/v1/collections/" + target_;
    b["POST /v1/auth/logout"] = [](const Principal&) { return Request{"/v1/auth/logout", "", {}}; };
    b["GET /v1/me"] = [](const Principal&) { return Request{"/v1/me", "", {}}; };
    b["GET /v1/members"] = [](const Principal&) { return Request{"/v1/members", "", {}}; };
    b["GET /v1/members/:id"] = [this](const Principal&) {
      return Request{"/v1/members/" + principals_.front().account.member_id, "", {}};
    };
    b["POST /v1/invites"] = [this](const Principal&) {
      return Request{
          "/v1/invites",
          json{{"role", "member"}, {"name", "invitee-" + std::to_string(++counter_)}}.dump(),
          {}};
    };
    b["PATCH /v1/members/:id"] = [this](const Principal&) {
      const std::string victim = NewMember(vault::TeamRole::kMember);
      return Request{"/v1/members/" + victim, json{{"role", "admin"}}.dump(),
                     [this, victim](bool allowed) {
        EXPECT_EQ(MemberRow(victim).role,
                  allowed ? vault::TeamRole::kAdmin : vault::TeamRole::kMember);
                     }};
    };
    b["DELETE /v1/members/:id"] = [this](const Principal&) {
      const std::string victim = NewMember(vault::TeamRole::kMember);
      return Request{"/v1/members/" + victim, "", [this, victim](bool allowed) {
                       EXPECT_EQ(MemberRow(victim).status, allowed ? vault::MemberStatus::kRemoved
                                                                   : vault::MemberStatus::kActive);
                     }};
    };
    b["POST /v1/collections"] = [this](const Principal& p) {
      const std::string id = crypto::RandomId(env_);
      auto key = envelope::NewCollectionKey(env_, id);
      auto box = envelope::SealCollectionKey(key, p.account.identity->box_public_key());
      EXPECT_TRUE(box.has_value());
      return Request{"/v1/collections",
                     json{{"id", id},
                          {"name", "collection-" + std::to_string(++counter_)},
                          {"sealed_key", box ? crypto::ToBase64(*box) : ""}}
                         .dump(),
                     [this, id](bool allowed) { EXPECT_EQ(CollectionExists(id), allowed); }};
    };
    b["GET /v1/collections"] = [](const Principal&) { return Request{"/v1/collections", "", {}}; };
    b["GET /v1/collections/:id/key"] = [col](const Principal&) {
      return Request{col + "/key", "", {}};
    };
    b["GET /v1/collections/:id/grants"] = [col](const Principal&) {
      return Request{col + "/grants", "", {}};
    };
    b["POST /v1/collections/:id/grants"] = [this, col](const Principal&) {
      const std::string victim = NewMember(vault::TeamRole::kMember);
      return Request{
          col + "/grants",
          json{{"member_id", victim},
               {"access", "view"},
               {"key_version", TargetKey().version},
               {"sealed_key", SealedTo(victim)}}
              .dump(),
          [this, victim](bool allowed) { EXPECT_EQ(HasAccessRow(target_, victim), allowed); }};
    };
    b["DELETE /v1/collections/:id/grants/:member"] = [this, col](const Principal&) {
      const std::string victim = NewMember(vault::TeamRole::kMember);
      GrantDirect(victim, "view");
      return Request{col + "/grants/" + victim, "", [this, victim](bool allowed) {
                       EXPECT_EQ(HasAccessRow(target_, victim), !allowed);
                     }};
    };
    b["GET /v1/collections/:id/items"] = [col](const Principal&) {
      return Request{col + "/items", "", {}};
    };
    b["POST /v1/collections/:id/items"] = [this, col](const Principal&) {
      const std::string id = crypto::RandomId(env_);
      return Request{col + "/items",
                     json{{"id", id},
                          {"name", "new-item-" + std::to_string(++counter_)},
                          {"channel", "instagram"},
                          {"key_version", TargetKey().version},
                          {"ciphertext", crypto::ToBase64(crypto::AsBytes("opaque"))}}
                         .dump(),
                     [this, id](bool allowed) { EXPECT_EQ(FindItem(id).has_value(), allowed); }};
    };
    b["GET /v1/items/:id"] = [this](const Principal&) {
      return Request{"/v1/items/" + shared_item_, "", {}};
    };
    b["PUT /v1/items/:id"] = [this](const Principal&) {
      const std::string id = NewItem();
      return Request{"/v1/items/" + id,
                     json{{"expected_version", 1},
                          {"ciphertext", crypto::ToBase64(crypto::AsBytes("opaque v2"))}}
                         .dump(),
                     [this, id](bool allowed) {
        auto meta = FindItem(id);
        ASSERT_TRUE(meta.has_value());
        EXPECT_EQ(meta->version, allowed ? 2 : 1);
                     }};
    };
    b["DELETE /v1/items/:id"] = [this](const Principal&) {
      const std::string id = NewItem();
      return Request{"/v1/items/" + id, "",
                     [this, id](bool allowed) { EXPECT_EQ(FindItem(id).has_value(), !allowed); }};
    };
    b["GET /v1/items/:id/history"] = [this](const Principal&) {
      return Request{"/v1/items/" + shared_item_ + "/history", "", {}};
    };
    b["PATCH /v1/items/:id"] = [this](const Principal&) {
      const std::string id = NewItem();
      return Request{"/v1/items/" + id, json{{"url", "https://example.com/login"}}.dump(),
                     [this, id](bool allowed) {
        auto meta = FindItem(id);
        ASSERT_TRUE(meta.has_value());
        EXPECT_EQ(meta->url, allowed ? "https://example.com/login" : "");
                     }};
    };
    b["POST /v1/items/:id/rotation"] = [this](const Principal&) {
      const std::string id = NewItem();
      return Request{"/v1/items/" + id + "/rotation",
                     json{{"expected_version", 1},
                          {"ciphertext", crypto::ToBase64(crypto::AsBytes("opaque v2"))}}
                         .dump(),
                     [this, id](bool allowed) {
        auto meta = FindItem(id);
        ASSERT_TRUE(meta.has_value());
        EXPECT_EQ(meta->pending_version.has_value(), allowed);
                     }};
    };
    b["POST /v1/items/:id/rotation/confirm"] = [this](const Principal&) {
      const std::string id = NewPendingItem();
      return Request{"/v1/items/" + id + "/rotation/confirm", json{{"pending_version", 2}}.dump(),
                     [this, id](bool allowed) {
        auto meta = FindItem(id);
        ASSERT_TRUE(meta.has_value());
        EXPECT_EQ(meta->version, allowed ? 2 : 1);
                     }};
    };
    b["DELETE /v1/items/:id/rotation"] = [this](const Principal&) {
      const std::string id = NewPendingItem();
      return Request{"/v1/items/" + id + "/rotation", "", [this, id](bool allowed) {
                       auto meta = FindItem(id);
                       ASSERT_TRUE(meta.has_value());
                       EXPECT_EQ(meta->pending_version.has_value(), !allowed);
                       EXPECT_EQ(meta->version, 1);
                     }};
    };
    b["GET /v1/audit"] = [](const Principal&) { return Request{"/v1/audit?limit=5", "", {}}; };
    b["GET /v1/audit/checkpoints"] = [](const Principal&) {
      return Request{"/v1/audit/checkpoints", "", {}};
    };
    b["GET /v1/audit/head"] = [](const Principal&) { return Request{"/v1/audit/head", "", {}}; };
    b["PUT /v1/me/email"] = [this](const Principal& p) {
      const std::string email = "m" + std::to_string(++counter_) + "@example.org";
      const std::string id = p.account.member_id;
      return Request{"/v1/me/email", json{{"email", email}}.dump(),
                     [this, id, email](bool allowed) {
        EXPECT_EQ(MemberRow(id).email, allowed ? email : "");
                     }};
    };
    AddEmergencyBuilders(b);
    b["GET /v1/collections/:id/cache"] = [col](const Principal&) {
      return Request{col + "/cache", "", {}};
    };
    b["PATCH /v1/collections/:id"] = [this](const Principal&) {
      // A collection of its own per cell, so the target keeps its cache.
      const std::string id = crypto::RandomId(env_);
      EXPECT_OK(vault_->Write([&](vault::WriteTxn& t) {
        return t.CreateCollection(
            kSetup, {id, "settings-" + std::to_string(++counter_), 1, true, false, 0}, {});
      }));
      return Request{"/v1/collections/" + id, json{{"offline_cache", false}}.dump(),
                     [this, id](bool allowed) {
        EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
          auto c = t.GetCollection(id);
          if (!c) return c.error();
          EXPECT_EQ(c->offline_cache, !allowed);
          return Status::OK();
        }));
                     }};
    };
    b["POST /v1/offline-reads"] = [this](const Principal&) {
      const int64_t now_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch())
              .count();
      return Request{"/v1/offline-reads",
                     json{{"reads",
                           {{{"id", crypto::RandomId(env_)},
                             {"item_id", shared_item_},
                             {"version", 1},
                             {"read_ms", now_ms}}}}}
                         .dump(),
                     {}};
    };
    // The routes table puts PUT /v1/recovery first, so the others find a
    // set-up.
    b["PUT /v1/recovery"] = [this](const Principal&) {
      const std::string check = crypto::ToBase64(crypto::Blake2b256(crypto::AsBytes("share")));
      return Request{
          "/v1/recovery",
          json{{"recovery_public_key",
                crypto::ToBase64(crypto::Blake2b256(crypto::AsBytes("recovery key")))},
               {"age_recipient", backup::age::Identity::Generate(env_).recipient().Format()},
               {"threshold", 2},
               {"shares",
                {{{"index", 1}, {"custodian", "Mari"}, {"check", check}},
                 {{"index", 2}, {"custodian", "Jüri"}, {"check", check}}}}}
              .dump(),
          {}};
    };
    for (const char* get : {"/v1/recovery", "/v1/recovery/check-key", "/v1/recovery/unsealed"}) {
      b[std::string("GET ") + get] = [get](const Principal&) { return Request{get, "", {}}; };
    }
    b["POST /v1/recovery/check"] = [](const Principal&) {
      return Request{
          "/v1/recovery/check",
          json{{"index", 1}, {"check", crypto::ToBase64(crypto::Blake2b256(crypto::AsBytes("x")))}}
              .dump(),
          {}};
    };
    b["POST /v1/collections/:id/recovery-key"] = [this](const Principal&) {
      return Request{"/v1/collections/" + target_ + "/recovery-key",
                     json{{"key_version", 1},
                          {"recovery_sealed_key", crypto::ToBase64(crypto::AsBytes("box"))}}
                         .dump(),
                     {}};
    };
    b["GET /v1/roster"] = [](const Principal&) { return Request{"/v1/roster", "", {}}; };
    b["POST /v1/exports"] = [](const Principal&) {
      return Request{"/v1/exports", json{{"format", "age"}, {"items", 2}}.dump(), {}};
    };
    b["GET /v1/continuity"] = [](const Principal&) { return Request{"/v1/continuity", "", {}}; };
    b["POST /v1/calendar"] = [](const Principal&) { return Request{"/v1/calendar", "{}", {}}; };
    b["POST /v1/sheets"] = [](const Principal&) {
      return Request{"/v1/sheets", R"({"kind":"breakglass"})", {}};
    };
    b["DELETE /v1/calendar"] = [this](const Principal& p) {
      // Something to revoke.
      Call("POST", "/v1/calendar", p.account.token, std::string("{}"));
      return Request{"/v1/calendar", "", {}};
    };
    b["POST /v1/roster"] = [this](const Principal& p) {
      const vault::roster::Entry e = RosterJoinOf(p);
      return Request{
          "/v1/roster",
          json{{"entries", vault::api::RosterEntriesToJson(std::vector<vault::roster::Entry>{e})}}
              .dump(),
          [this, e](bool allowed) {
        vault::roster::State after = roster_;
        EXPECT_EQ(vault::roster::Apply(after, e).ok(), true);
        Reply r = Call("GET", "/v1/roster", principals_.front().account.token);
        EXPECT_EQ(r.body["size"], allowed ? after.size : roster_.size);
        if (allowed) roster_ = std::move(after);
          }};
    };
    return b;
  }

  std::vector<Principal> principals_;
  std::string target_;
  std::string shared_item_;
  std::map<std::string, crypto::PublicKey> box_keys_;
  int counter_ = 0;
  // The roster POST /v1/roster extends, and its root owner.
  vault::roster::State roster_;
  std::unique_ptr<vault::Identity> roster_root_;
  std::string root_id_;
};

TEST_F(AuthzMatrixTest, EveryRouteRoleAndAccess) {
  ASSERT_EQ(principals_.size(), 16u);
  auto builders = Builders();
  int cells = 0;
  for (const server::RouteSpec& spec : server::Routes()) {
    if (spec.scope == server::Scope::kPublic) continue;  // PublicRoutesNeedNoToken
    const std::string route = RouteKey(spec);
    auto build = builders.find(route);
    if (build == builders.end()) {
      ADD_FAILURE() << "no authorization matrix case for " << route << ": add one";
      continue;
    }
    for (Principal& p : principals_) {
      SCOPED_TRACE(route + " as " + std::string(vault::ToString(p.role)) + " with access \"" +
                   std::string(vault::ToString(p.access)) + "\"");
      ++cells;
      // Session-scope routes too: the policy runs before every handler.
      const bool allowed = vault::Decide(p.role, p.access, spec.action) == vault::Decision::kAllow;
      const std::optional<bool> pinned = PinnedAllows(route, p.role, p.access);
      ASSERT_TRUE(pinned.has_value()) << "add a well-formed row for " << route << " to kPinned";
      EXPECT_EQ(allowed, *pinned) << "the policy cell for action " << vault::ToString(spec.action)
                                  << " changed; update kPinned only together with DESIGN.md §4";

      Request req = build->second(p);
      const int64_t before = AuditLength();
      const std::string old_token = p.account.token;
      Reply r = Call(spec.method, req.path, p.account.token, req.body);
      if (allowed) {
        EXPECT_TRUE(r.status >= 200 && r.status < 300) << r.status << " " << r.raw;
        if (std::string_view(spec.method) != "GET") {
          EXPECT_GT(AuditLength(), before) << "an allowed mutation must be audited";
        }
      } else {
        EXPECT_EQ(r.status, 403) << r.raw;
        EXPECT_EQ(ErrorCode(r), "permission_denied");
        EXPECT_EQ(AuditLength(), before) << "a denied request changed the vault";
      }
      if (req.after) req.after(allowed);

      if (route == "POST /v1/auth/logout") {
        // The session is over; sign in again for the rest of the matrix.
        EXPECT_EQ(Call("GET", "/v1/me", old_token).status, 401);
        ASSERT_EQ(Login(p.account).status, 200);
      }
    }
  }
  // Every route but the public ones, for 16 principals.
  int routes = 0;
  for (const server::RouteSpec& spec : server::Routes()) {
    routes += spec.scope != server::Scope::kPublic;
  }
  EXPECT_EQ(cells, routes * 16);
  // Every pinned row names a route that exists.
  for (const Pinned& p : kPinned) {
    bool exists = false;
    for (const server::RouteSpec& spec : server::Routes()) {
      exists = exists || RouteKey(spec) == p.route;
    }
    EXPECT_TRUE(exists) << "kPinned names " << p.route << ", which is not in server::Routes()";
  }
}

class AuthzTest : public ServerFixture {
 protected:
  // `pattern` with each :param replaced by a well-formed id.
  std::string Fill(std::string_view pattern) {
    std::string out;
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] == ':') {
        while (i + 1 < pattern.size() && pattern[i + 1] != '/') ++i;
        out += crypto::RandomId(env_);
      } else {
        out += pattern[i];
      }
    }
    return out;
  }
};

TEST_F(AuthzTest, PublicRoutesNeedNoToken) {
  int seen = 0;
  for (const server::RouteSpec& spec : server::Routes()) {
    if (spec.scope != server::Scope::kPublic) continue;
    SCOPED_TRACE(RouteKey(spec));
    ++seen;
    if (std::string_view(spec.pattern) == "/metrics") {
      // No session, but a token of its own; off without one configured
      // (metrics_token_test).
      EXPECT_EQ(Call("GET", spec.pattern).status, 404);
    } else if (std::string_view(spec.pattern).starts_with("/v1/calendar/")) {
      // The token is the credential: no session; the handler itself
      // answers, here that ":token" is not one.
      Reply r = Call("GET", spec.pattern);
      EXPECT_EQ(r.status, 400) << r.raw;
      EXPECT_EQ(ErrorCode(r), "bad_id");
    } else if (std::string_view(spec.method) == "GET") {
      Reply r = Call("GET", spec.pattern);
      EXPECT_EQ(r.status, 200) << r.raw;
    } else {
      // Reached without a session: the handler itself answers, here about
      // the empty body (the successful calls are in api_test and the
      // fixture's Join/Login).
      Reply r = Call(spec.method, spec.pattern, "", std::string("{}"));
      EXPECT_EQ(r.status, 400) << r.raw;
      EXPECT_EQ(ErrorCode(r), "missing_field");
    }
  }
  EXPECT_EQ(seen, 7);
}

TEST_F(AuthzTest, EveryOtherRouteNeedsAValidSession) {
  Account owner = Join("owner", "Mari");
  ASSERT_FALSE(owner.token.empty());
  const int64_t before = AuditLength();
  for (const server::RouteSpec& spec : server::Routes()) {
    if (spec.scope == server::Scope::kPublic) continue;
    const std::string path = Fill(spec.pattern);
    for (const char* token : {"", "bogus-token", "Bearer", " "}) {
      SCOPED_TRACE(RouteKey(spec) + " with token \"" + token + "\"");
      Reply r = Call(spec.method, path, token, std::string("{}"));
      EXPECT_EQ(r.status, 401) << r.raw;
      EXPECT_EQ(ErrorCode(r), "unauthenticated");
    }
  }
  // A session past its lifetime is no session.
  env_.AdvanceTime(config_.session_ttl + std::chrono::seconds(1));
  for (const server::RouteSpec& spec : server::Routes()) {
    if (spec.scope == server::Scope::kPublic) continue;
    SCOPED_TRACE(RouteKey(spec) + " with an expired session");
    Reply r = Call(spec.method, Fill(spec.pattern), owner.token, std::string("{}"));
    EXPECT_EQ(r.status, 401) << r.raw;
    EXPECT_EQ(ErrorCode(r), "unauthenticated");
  }
  EXPECT_EQ(AuditLength(), before);
}

}  // namespace
