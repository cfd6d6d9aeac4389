// Bad input, route by route, against a real batond: malformed or mistyped
// bodies, bad ids, bad encodings, unknown names, out-of-range numbers and
// oversized bodies are rejected with 400 (413 for the size) and a specific
// JSON error code, change nothing in the vault, and never echo a secret that
// was sent. Each body route ends with a well-formed request that succeeds, so
// every rejection above it is down to the one thing that was wrong.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backup/age.h"
#include "server_fixture.h"
#include "vault/api.h"
#include "vault/api_json_roster.h"
#include "vault/roster.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;
using vault::Status;
namespace crypto = vault::crypto;
namespace envelope = vault::envelope;

constexpr size_t kMaxBody = 4096;

// Secret-looking values sent in bad requests; no reply may contain them.
constexpr std::string_view kSecretValue = "s3cr3t-hunter2-value-7c1e";
constexpr std::string_view kLongSecretName = "correct-horse-battery-staple-0f3b9e2d41";
constexpr std::string_view kInviteCode = "invite-code-3f9a1c77e0b24d5c8e11";

// Ids that are not ids: not hex, one digit short, upper case.
const std::vector<std::string> kBadIds = {"not-hex", "0123456789abcdef0123456789abcde",
                                          "0123456789ABCDEF0123456789ABCDEF"};

using vault::api::FieldType;

// The body fields of every route that takes a body, as the API contract
// declares them (vault/api.h). The entries of list fields ("... keys[]")
// get route-specific cases instead.
const std::map<std::string, std::vector<vault::api::Field>>& BodyFields() {
  static const auto* fields = [] {
    auto* out = new std::map<std::string, std::vector<vault::api::Field>>;
    for (const vault::api::BodySchema& b : vault::api::RequestBodies()) {
      if (b.key.ends_with("[]")) continue;
      (*out)[std::string(b.key)] = {b.fields.begin(), b.fields.end()};
    }
    return out;
  }();
  return *fields;
}

// Values of the wrong type for a field of `type`.
std::vector<json> WrongValues(FieldType type) {
  switch (type) {
    case FieldType::kString: return {42, nullptr, json::array({"a"})};
    case FieldType::kInt: return {"1", 1.5, true};
    case FieldType::kBool: return {"true", 1, json::object()};
    case FieldType::kArray: return {"[]", 1, json::object()};
    case FieldType::kObject: return {"{}", 1, json::array()};
  }
  return {};
}

std::string RouteKey(const server::RouteSpec& spec) {
  return std::string(spec.method) + " " + spec.pattern;
}

const server::RouteSpec* FindRoute(const std::string& key) {
  for (const server::RouteSpec& spec : server::Routes()) {
    if (RouteKey(spec) == key) return &spec;
  }
  return nullptr;
}

std::string B64(std::string_view s) { return crypto::ToBase64(crypto::AsBytes(s)); }

// One bad request and the error it must get.
struct Case {
  Case(std::string label_in, std::string body_in, int status_in, std::string code_in,
       std::string path_in = "")
      : label(std::move(label_in)),
        body(std::move(body_in)),
        status(status_in),
        code(std::move(code_in)),
        path(std::move(path_in)) {}
  std::string label;
  std::string body;
  int status;
  std::string code;
  std::string path;  // empty: the route's valid path
};

class BadInputTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    // The same server with a small body limit.
    StopServer();
    config_.max_body_bytes = kMaxBody;
    StartServer();
    if (HasFatalFailure()) return;

    owner_ = Join("owner", "Mari");
    member_ = Join("member", "Jüri");
    ASSERT_FALSE(owner_.token.empty());
    ASSERT_FALSE(member_.token.empty());
    collection_ = CreateCollection(owner_, "Social media");
    Reply item = CreateItem(owner_, collection_, "Facebook page", "Päästa-mind 42!", &item_);
    ASSERT_EQ(item.status, 201) << item.raw;

    // An unused invite for the join route.
    vault::Invite invite;
    invite.code_hash = crypto::Blake2b256(crypto::AsBytes(kInviteCode));
    invite.role = vault::TeamRole::kMember;
    invite.name = "Kati";
    invite.created_by = "server";
    invite.expires_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            (env_.Now() + std::chrono::days(7)).time_since_epoch())
                            .count();
    ASSERT_OK(
        vault_->Write([&](vault::WriteTxn& t) { return t.CreateInvite({"server"}, invite); }));
    joiner_.emplace(vault::Identity::Generate(env_));
    new_collection_ = crypto::RandomId(env_);
    new_item_ = crypto::RandomId(env_);
  }

  // A request to `route` that would succeed.
  json ValidBody(const std::string& route) {
    if (route == "POST /v1/join") {
      return {{"invite_code", kInviteCode},
              {"signing_public_key", crypto::ToBase64(joiner_->signing_public_key())},
              {"box_public_key", crypto::ToBase64(joiner_->box_public_key())}};
    }
    if (route == "POST /v1/auth/challenge") return {{"member_id", member_.member_id}};
    if (route == "POST /v1/auth/login") {
      return {{"member_id", member_.member_id}, {"nonce", nonce_}, {"signature", signature_}};
    }
    if (route == "POST /v1/invites") return {{"role", "member"}, {"name", "Tiit"}};
    if (route == "PATCH /v1/members/:id") return {{"role", "admin"}};
    if (route == "POST /v1/collections") {
      auto key = envelope::NewCollectionKey(env_, new_collection_);
      auto box = envelope::SealCollectionKey(key, owner_.identity->box_public_key());
      EXPECT_TRUE(box.has_value());
      return {{"id", new_collection_}, {"name", "Ads"}, {"sealed_key", crypto::ToBase64(*box)}};
    }
    if (route == "POST /v1/collections/:id/grants") {
      const auto& key = collection_keys_.at(collection_);
      auto box = envelope::SealCollectionKey(key, member_.identity->box_public_key());
      EXPECT_TRUE(box.has_value());
      return {{"member_id", member_.member_id},
              {"access", "view"},
              {"key_version", key.version},
              {"sealed_key", crypto::ToBase64(*box)}};
    }
    if (route == "POST /v1/collections/:id/items") {
      return {{"id", new_item_},
              {"name", "Instagram"},
              {"channel", "instagram"},
              {"key_version", 1},
              {"ciphertext", B64("opaque")}};
    }
    if (route == "PUT /v1/items/:id") {
      return {{"expected_version", 1}, {"ciphertext", B64("opaque v2")}};
    }
    if (route == "PUT /v1/me/email") return {{"email", "mari@example.org"}};
    if (route == "POST /v1/emergency/grants") {
      auto box =
          envelope::SealForEscrow(collection_keys_.at(collection_),
                                  member_.identity->box_public_key(), keys_->escrow_public_key());
      EXPECT_TRUE(box.has_value());
      return {{"id", new_grant_},
              {"deputy_id", member_.member_id},
              {"mode", "view"},
              {"wait_hours", 48},
              {"keys", json::array({{{"collection_id", collection_},
                                     {"key_version", 1},
                                     {"escrow_sealed_key", crypto::ToBase64(*box)}}})}};
    }
    if (route == "PATCH /v1/emergency/grants/:id") return {{"wait_hours", 2}};
    if (route == "POST /v1/emergency/grants/:id/requests") return {{"reason", "Mari is away"}};
    if (route == "POST /v1/emergency/requests/:id/approve" ||
        route == "POST /v1/emergency/requests/:id/reject") {
      return {{"reason", "phoned her"}};
    }
    if (route == "POST /v1/emergency/grants/:id/decline" ||
        route == "POST /v1/emergency/requests/:id/confirm") {
      return json::object();
    }
    if (route == "POST /v1/collections/:id/rekey") {
      auto next = envelope::NewCollectionKey(env_, collection_, 2);
      auto box = envelope::SealCollectionKey(next, owner_.identity->box_public_key());
      EXPECT_TRUE(box.has_value());
      return {{"key_version", 2},
              {"member_keys", json::array({{{"member_id", owner_.member_id},
                                            {"sealed_key", crypto::ToBase64(*box)}}})},
              {"grant_keys", json::array()},
              {"items",
               json::array(
                   {{{"id", item_}, {"expected_version", 1}, {"ciphertext", B64("opaque v2")}}})}};
    }
    if (route == "PATCH /v1/items/:id") return {{"name", "Facebook page (old)"}};
    if (route == "POST /v1/items/:id/rotation") {
      return {{"expected_version", 1}, {"pending_version", 2}, {"ciphertext", B64("opaque v2")}};
    }
    if (route == "POST /v1/items/:id/rotation/confirm") return {{"pending_version", 2}};
    if (route == "PATCH /v1/collections/:id") return {{"offline_cache", false}};
    if (route == "POST /v1/offline-reads") return {{"reads", {OfflineRead()}}};
    if (route == "POST /v1/exports") return {{"format", "age"}, {"items", 3}};
    if (route == "POST /v1/calendar") return {{"all", false}};
    if (route == "PUT /v1/recovery") {
      json shares = json::array();
      for (int i = 1; i <= 2; ++i) {
        shares.push_back(
            {{"index", i}, {"custodian", "Mari"}, {"check", B64(std::string(32, 'c'))}});
      }
      return {{"recovery_public_key", crypto::ToBase64(owner_.identity->box_public_key())},
              {"age_recipient", backup::age::Identity::Generate(env_).recipient().Format()},
              {"threshold", 2},
              {"shares", shares}};
    }
    if (route == "POST /v1/recovery/check") {
      return {{"index", 1}, {"check", B64(std::string(32, 'c'))}};
    }
    if (route == "POST /v1/collections/:id/recovery-key") {
      auto box = envelope::SealCollectionKey(collection_keys_.at(collection_),
                                             owner_.identity->box_public_key());
      EXPECT_TRUE(box.has_value());
      return {{"key_version", 1}, {"recovery_sealed_key", crypto::ToBase64(*box)}};
    }
    if (route == "POST /v1/sheets") return {{"kind", "breakglass"}};
    // A DELETE's body carries only optional roster entries.
    if (route.starts_with("DELETE ")) return json::object();
    if (route == "POST /v1/roster") {
      vault::roster::Entry genesis;
      genesis.statement = vault::roster::Encode(vault::roster::Next(
          {}, owner_.member_id, 0,
          vault::roster::TeamCreate{owner_.identity->signing_public_key(),
                                    owner_.identity->box_public_key(), "Mari",
                                    keys_->audit_public_key(), keys_->escrow_public_key()}));
      genesis.signature = *crypto::Sign(owner_.identity->signing(), genesis.statement);
      return {{"entries", vault::api::RosterEntriesToJson(std::vector{genesis})}};
    }
    ADD_FAILURE() << "no valid body for " << route;
    return json::object();
  }

  // One well-formed report of a read made offline.
  json OfflineRead() {
    return {{"id", "0123456789abcdef0123456789abcdef"},
            {"item_id", item_},
            {"version", 1},
            {"read_ms",
             std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch())
                 .count()}};
  }

  // The route's pattern with real ids.
  std::string ValidPath(std::string_view pattern) {
    std::string out(pattern);
    auto put = [&](std::string_view param, const std::string& id) {
      if (auto at = out.find(param); at != std::string::npos) out.replace(at, param.size(), id);
    };
    put(":member", member_.member_id);
    if (out.starts_with("/v1/members/")) put(":id", member_.member_id);
    if (out.starts_with("/v1/collections/")) put(":id", collection_);
    if (out.starts_with("/v1/items/")) put(":id", item_);
    if (out.starts_with("/v1/emergency/grants/")) put(":id", grant_);
    if (out.starts_with("/v1/emergency/requests/")) put(":id", request_);
    put(":item", item_);
    return out;
  }

  std::string TokenFor(const server::RouteSpec& spec) const {
    return spec.scope == server::Scope::kPublic ? "" : owner_.token;
  }

  // Everything a rejected request could have changed.
  std::string Snapshot() {
    std::string out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
      auto head = t.AuditHead();
      if (!head) return head.error();
      out += "audit " + std::to_string(head->seq) + " " + crypto::ToHex(head->hash) + "\n";
      auto members = t.ListMembers();
      if (!members) return members.error();
      for (const auto& m : *members) {
        out += "member " + m.id + " " + m.name + " " + std::string(vault::ToString(m.role)) + " " +
               std::string(vault::ToString(m.status)) + " " + m.email + "\n";
      }
      auto cols = t.ListCollections();
      if (!cols) return cols.error();
      for (const auto& c : *cols) {
        out += "collection " + c.id + " " + c.name + " " + std::to_string(c.key_version) + " " +
               std::to_string(c.offline_cache) + std::to_string(c.needs_rekey) + "\n";
        auto items = t.ListItems(c.id);
        if (!items) return items.error();
        for (const auto& i : *items) {
          out += "item " + i.id + " " + i.name + " " + i.channel + " " + i.url + " " +
                 std::to_string(i.rotation_period_s) + " v" + std::to_string(i.version) + " k" +
                 std::to_string(i.key_version) + " " + std::to_string(i.updated_ms) + " " +
                 std::to_string(i.flags.size()) + " p" +
                 std::to_string(i.pending_version.value_or(0)) + " " +
                 std::to_string(i.last_rotated_ms) + "\n";
        }
        for (const auto& m : *members) {
          if (auto a = t.GetAccess(c.id, m.id)) out += "access " + m.id + " " + *a + "\n";
          if (auto k = t.GetSealedKey(c.id, vault::KeyHolder::kMember, m.id)) {
            out += "key " + m.id + " " + crypto::ToHex(k->sealed) + "\n";
          }
        }
      }
      return Status::OK();
    }));
    return out;
  }

  // Sends `c` and checks the reply and that nothing changed.
  void ExpectRejected(const server::RouteSpec& spec, const Case& c) {
    const std::string path = c.path.empty() ? ValidPath(spec.pattern) : c.path;
    SCOPED_TRACE(RouteKey(spec) + ": " + c.label + " (" + spec.method + " " + path + ")");
    const std::string before = Snapshot();
    Reply r = Call(spec.method, path, TokenFor(spec), c.body);
    EXPECT_EQ(r.status, c.status) << r.raw;
    ExpectErrorBody(r, c.code);
    EXPECT_EQ(Snapshot(), before) << "a rejected request changed the vault";
  }

  // {"error":{"code":<code>,"message":<non-empty>}} and nothing else, with
  // no secret in it.
  void ExpectErrorBody(const Reply& r, const std::string& code) {
    ASSERT_TRUE(r.body.is_object()) << "not a JSON object: " << r.raw;
    EXPECT_EQ(r.body.size(), 1u) << r.raw;
    ASSERT_TRUE(r.body.contains("error") && r.body["error"].is_object()) << r.raw;
    const json& e = r.body["error"];
    EXPECT_EQ(e.size(), 2u) << r.raw;
    ASSERT_TRUE(e.contains("code") && e["code"].is_string()) << r.raw;
    ASSERT_TRUE(e.contains("message") && e["message"].is_string()) << r.raw;
    EXPECT_EQ(e["code"], code);
    EXPECT_FALSE(e["message"].get<std::string>().empty());
    for (std::string_view secret :
         {kSecretValue, kLongSecretName, kInviteCode, std::string_view(signature_)}) {
      if (secret.empty()) continue;
      EXPECT_EQ(r.raw.find(secret), std::string::npos) << "the reply echoes \"" << secret << "\"";
    }
  }

  // The shape errors every body route must reject, then route-specific
  // `extra` cases, then a valid request that must succeed with `ok_status`.
  // `empty_ok`: the body is optional, so an empty one is valid.
  void RunBodyTable(const std::string& route, const std::vector<Case>& extra, int ok_status,
                    bool empty_ok = false) {
    const server::RouteSpec* spec = FindRoute(route);
    ASSERT_NE(spec, nullptr) << route << " is not in server::Routes()";
    auto fields = BodyFields().find(route);
    ASSERT_NE(fields, BodyFields().end()) << "no field list for " << route;
    const json valid = ValidBody(route);

    std::vector<Case> cases = {
        {"malformed JSON", valid.dump().substr(0, std::min<size_t>(12, valid.dump().size() - 1)),
         400, "malformed_json"},
        {"a JSON array", json::array({valid}).dump(), 400, "malformed_json"},
        {"a JSON string", "\"" + std::string(kSecretValue) + "\"", 400, "malformed_json"},
        {"a JSON number", "42", 400, "malformed_json"},
    };
    if (!empty_ok) cases.push_back({"empty body", "", 400, "malformed_json"});
    {
      json b = valid;
      b["password"] = kSecretValue;
      cases.push_back({"unknown field \"password\"", b.dump(), 400, "unknown_field"});
      b = valid;
      b[std::string(kLongSecretName)] = 1;
      cases.push_back({"unknown long field name", b.dump(), 400, "unknown_field"});
    }
    for (const vault::api::Field& f : fields->second) {
      for (const json& wrong : WrongValues(f.type)) {
        json b = valid;
        b[f.name] = wrong;
        cases.push_back({std::string("wrong type for ") + f.name + ": " + wrong.dump(), b.dump(),
                         400, "wrong_type"});
      }
      if (f.required) {
        json b = valid;
        b.erase(f.name);
        cases.push_back({std::string("missing ") + f.name, b.dump(), 400, "missing_field"});
      }
    }
    {
      json b = valid;
      b["padding"] = std::string(kMaxBody, 'x');
      cases.push_back({"oversized body", b.dump(), 413, "payload_too_large"});
    }
    cases.insert(cases.end(), extra.begin(), extra.end());
    for (const Case& c : cases) ExpectRejected(*spec, c);

    // Control: the valid request works, so nothing above was rejected for
    // another reason (nor used up the invite or the nonce).
    Reply ok = Call(spec->method, ValidPath(spec->pattern), TokenFor(*spec), valid);
    EXPECT_EQ(ok.status, ok_status) << route << ": " << ok.raw;
  }

  // `valid` with `field` set to `value`.
  static std::string With(json valid, const char* field, const json& value) {
    valid[field] = value;
    return valid.dump();
  }

  Account owner_;
  Account member_;
  std::string collection_;
  std::string item_;
  std::optional<vault::Identity> joiner_;
  std::string new_collection_;
  std::string new_item_;
  // Emergency access, written directly so that the owner (whose token the
  // tables use) can be the deputy or a fellow deputy.
  std::string DirectGrant(const Account& grantor, const Account& deputy, int64_t confirmations) {
    vault::EmergencyGrant g;
    g.id = crypto::RandomId(env_);
    g.grantor_id = grantor.member_id;
    g.deputy_id = deputy.member_id;
    g.mode = vault::emergency::GrantMode::kView;
    g.wait_s = 48 * 3600;
    g.confirmations_required = confirmations;
    g.access_window_s = 72 * 3600;
    g.collections = {collection_};
    auto box =
        envelope::SealForEscrow(collection_keys_.at(collection_), deputy.identity->box_public_key(),
                                keys_->escrow_public_key());
    EXPECT_TRUE(box.has_value());
    EXPECT_OK(vault_->Write([&](vault::WriteTxn& t) {
      return t.CreateEmergencyGrant({"server"}, g,
                                    {{collection_, 1, vault::KeyHolder::kGrant, g.id, *box}});
    }));
    return g.id;
  }
  std::string DirectRequest(const std::string& grant) {
    vault::EmergencyRequest r;
    r.id = crypto::RandomId(env_);
    r.grant_id = grant;
    r.reason = "away";
    r.requested_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch())
            .count();
    r.release_ms = r.requested_ms + 48 * 3600 * 1000LL;
    EXPECT_OK(
        vault_->Write([&](vault::WriteTxn& t) { return t.CreateEmergencyRequest({"server"}, r); }));
    return r.id;
  }

  std::string new_grant_ = "5e1f0c8a9b7d4e3f2a1b0c9d8e7f6a5b";
  std::string grant_ = "0123456789abcdef0123456789abcdef";    // set by the test that needs one
  std::string request_ = "fedcba9876543210fedcba9876543210";  // likewise
  std::string nonce_ = "nonce";
  std::string signature_;
};

TEST_F(BadInputTest, EveryRouteWithABodyHasATable) {
  for (const server::RouteSpec& spec : server::Routes()) {
    const std::string_view method = spec.method;
    if (method == "GET" || method == "DELETE" || RouteKey(spec) == "POST /v1/auth/logout") continue;
    EXPECT_TRUE(BodyFields().contains(RouteKey(spec)))
        << RouteKey(spec) << " takes a body: add its fields and a TEST_F below";
  }
}

TEST_F(BadInputTest, Join) {
  const json valid = ValidBody("POST /v1/join");
  const std::string short_key = crypto::ToBase64(std::vector<uint8_t>(31, 7));
  const std::string long_key = crypto::ToBase64(std::vector<uint8_t>(33, 7));
  RunBodyTable(
      "POST /v1/join",
      {{"signing key not base64", With(valid, "signing_public_key", "%%not base64%%"), 400,
        "bad_encoding"},
       {"box key not base64", With(valid, "box_public_key", "%%not base64%%"), 400, "bad_encoding"},
       {"31-byte signing key", With(valid, "signing_public_key", short_key), 400, "bad_key"},
       {"33-byte signing key", With(valid, "signing_public_key", long_key), 400, "bad_key"},
       {"31-byte box key", With(valid, "box_public_key", short_key), 400, "bad_key"},
       {"33-byte box key", With(valid, "box_public_key", long_key), 400, "bad_key"}},
      201);
}

TEST_F(BadInputTest, Challenge) {
  const json valid = ValidBody("POST /v1/auth/challenge");
  std::vector<Case> extra;
  for (const std::string& id : kBadIds) {
    extra.push_back({"member_id " + id, With(valid, "member_id", id), 400, "bad_id"});
  }
  RunBodyTable("POST /v1/auth/challenge", extra, 200);
}

TEST_F(BadInputTest, Login) {
  Reply ch = Call("POST", "/v1/auth/challenge", "", json{{"member_id", member_.member_id}});
  ASSERT_EQ(ch.status, 200) << ch.raw;
  nonce_ = ch.body["nonce"];
  auto sig =
      crypto::Sign(member_.identity->signing(),
                   vault::LoginMessage(keys_->audit_public_key(), member_.member_id, nonce_));
  ASSERT_TRUE(sig.has_value());
  signature_ = crypto::ToBase64(*sig);
  const json valid = ValidBody("POST /v1/auth/login");
  std::vector<Case> extra;
  for (const std::string& id : kBadIds) {
    extra.push_back({"member_id " + id, With(valid, "member_id", id), 400, "bad_id"});
  }
  // (A signature that is not base64 is a failed sign-in, 401 and audited,
  // not a 400: the nonce is spent either way.)
  RunBodyTable("POST /v1/auth/login", extra, 200);
}

TEST_F(BadInputTest, Invite) {
  const json valid = ValidBody("POST /v1/invites");
  RunBodyTable("POST /v1/invites",
               {{"unknown role", With(valid, "role", "superuser"), 400, "bad_role"},
                {"role in upper case", With(valid, "role", "Member"), 400, "bad_role"},
                {"empty role", With(valid, "role", ""), 400, "bad_role"},
                {"empty name", With(valid, "name", ""), 400, "bad_name"},
                {"101-byte name", With(valid, "name", std::string(101, 'n')), 400, "bad_name"}},
               201);
}

TEST_F(BadInputTest, ChangeRole) {
  const json valid = ValidBody("PATCH /v1/members/:id");
  RunBodyTable("PATCH /v1/members/:id",
               {{"unknown role", With(valid, "role", "root"), 400, "bad_role"},
                {"empty role", With(valid, "role", ""), 400, "bad_role"}},
               200);
}

TEST_F(BadInputTest, CreateCollection) {
  const json valid = ValidBody("POST /v1/collections");
  std::vector<Case> extra;
  for (const std::string& id : kBadIds) {
    extra.push_back({"id " + id, With(valid, "id", id), 400, "bad_id"});
  }
  extra.push_back({"empty name", With(valid, "name", ""), 400, "bad_name"});
  extra.push_back(
      {"sealed_key not base64", With(valid, "sealed_key", "%%not base64%%"), 400, "bad_encoding"});
  extra.push_back({"recovery_sealed_key not base64",
                   With(valid, "recovery_sealed_key", "%%not base64%%"), 400, "bad_encoding"});
  RunBodyTable("POST /v1/collections", extra, 201);
}

TEST_F(BadInputTest, Grant) {
  const json valid = ValidBody("POST /v1/collections/:id/grants");
  std::vector<Case> extra;
  for (const std::string& id : kBadIds) {
    extra.push_back({"member_id " + id, With(valid, "member_id", id), 400, "bad_id"});
  }
  for (const char* access : {"owner", "none", "VIEW", ""}) {
    extra.push_back({std::string("access \"") + access + "\"", With(valid, "access", access), 400,
                     "bad_access"});
  }
  extra.push_back(
      {"sealed_key not base64", With(valid, "sealed_key", "%%not base64%%"), 400, "bad_encoding"});
  RunBodyTable("POST /v1/collections/:id/grants", extra, 200);
}

TEST_F(BadInputTest, AppendRoster) {
  const json valid = ValidBody("POST /v1/roster");
  json garbage = valid;
  garbage["entries"][0]["statement"] = B64("not a statement");
  json short_signature = valid;
  short_signature["entries"][0]["signature"] = B64("short");
  RunBodyTable("POST /v1/roster",
               {{"no entries", With(valid, "entries", json::array()), 400, "bad_request"},
                {"an entry that is not an object", With(valid, "entries", json::array({1})), 400,
                 "bad_request"},
                {"a statement that does not decode", garbage.dump(), 400, "bad_request"},
                {"a short signature", short_signature.dump(), 400, "bad_request"}},
               201);
}

TEST_F(BadInputTest, CreateItem) {
  const json valid = ValidBody("POST /v1/collections/:id/items");
  std::vector<Case> extra;
  for (const std::string& id : kBadIds) {
    extra.push_back({"id " + id, With(valid, "id", id), 400, "bad_id"});
  }
  extra.push_back({"empty name", With(valid, "name", ""), 400, "bad_name"});
  extra.push_back({"unknown channel", With(valid, "channel", "myspace"), 400, "bad_channel"});
  for (int64_t days : {int64_t{0}, int64_t{-1}, int64_t{3651}, int64_t{99999}}) {
    extra.push_back({"rotation_period_days " + std::to_string(days),
                     With(valid, "rotation_period_days", days), 400, "bad_period"});
  }
  extra.push_back(
      {"ciphertext not base64", With(valid, "ciphertext", "%%not base64%%"), 400, "bad_encoding"});
  RunBodyTable("POST /v1/collections/:id/items", extra, 201);
}

TEST_F(BadInputTest, UpdateItem) {
  const json valid = ValidBody("PUT /v1/items/:id");
  RunBodyTable(
      "PUT /v1/items/:id",
      {{"ciphertext not base64", With(valid, "ciphertext", "%%not base64%%"), 400, "bad_encoding"}},
      200);
}

TEST_F(BadInputTest, MemberEmail) {
  const json valid = ValidBody("PUT /v1/me/email");
  std::vector<Case> extra;
  for (const std::string& bad :
       {std::string("mari"), std::string("mari@example"), std::string("@example.org"),
        std::string("mari@example.org\r\nBcc: x@example.org"), std::string("Mari <m@example.org>"),
        std::string("märi@example.org"),
        std::string(64, 'm') + "@" + std::string(190, 'e') + ".org", std::string(kSecretValue)}) {
    extra.push_back(
        {"email \"" + bad.substr(0, 40) + "\"", With(valid, "email", bad), 400, "bad_email"});
  }
  RunBodyTable("PUT /v1/me/email", extra, 200);
}

TEST_F(BadInputTest, CreateEmergencyGrant) {
  const json valid = ValidBody("POST /v1/emergency/grants");
  std::vector<Case> extra;
  for (const std::string& id : kBadIds) {
    extra.push_back({"id " + id, With(valid, "id", id), 400, "bad_id"});
    extra.push_back({"deputy_id " + id, With(valid, "deputy_id", id), 400, "bad_id"});
  }
  extra.push_back({"mode \"admin\"", With(valid, "mode", "admin"), 400, "bad_mode"});
  for (int64_t h : {int64_t{0}, int64_t{-1}, int64_t{2161}}) {
    extra.push_back(
        {"wait_hours " + std::to_string(h), With(valid, "wait_hours", h), 400, "bad_wait"});
  }
  for (int64_t h : {int64_t{0}, int64_t{721}}) {
    extra.push_back({"access_window_hours " + std::to_string(h),
                     With(valid, "access_window_hours", h), 400, "bad_window"});
  }
  for (int64_t n : {int64_t{-1}, int64_t{11}}) {
    extra.push_back({"confirmations_required " + std::to_string(n),
                     With(valid, "confirmations_required", n), 400, "bad_confirmations"});
  }
  extra.push_back({"no keys", With(valid, "keys", json::array()), 400, "bad_keys"});
  json twice = valid["keys"];
  twice.push_back(twice[0]);
  extra.push_back({"a collection twice", With(valid, "keys", twice), 400, "bad_keys"});
  json bad = valid["keys"];
  bad[0]["escrow_sealed_key"] = "%%not base64%%";
  extra.push_back({"key not base64", With(valid, "keys", bad), 400, "bad_encoding"});
  bad = valid["keys"];
  bad[0]["collection_id"] = "not-hex";
  extra.push_back({"collection_id not an id", With(valid, "keys", bad), 400, "bad_id"});
  bad = valid["keys"];
  bad[0]["password"] = std::string(kSecretValue);
  extra.push_back({"unknown field in a key", With(valid, "keys", bad), 400, "unknown_field"});
  bad = valid["keys"];
  bad[0].erase("key_version");
  extra.push_back({"key without key_version", With(valid, "keys", bad), 400, "missing_field"});
  extra.push_back(
      {"a key that is a string", With(valid, "keys", json::array({"k"})), 400, "malformed_json"});
  RunBodyTable("POST /v1/emergency/grants", extra, 201);
}

TEST_F(BadInputTest, ChangeEmergencyGrant) {
  grant_ = DirectGrant(owner_, member_, 0);
  const json valid = ValidBody("PATCH /v1/emergency/grants/:id");
  RunBodyTable(
      "PATCH /v1/emergency/grants/:id",
      {{"nothing to change", "{}", 400, "missing_field"},
       {"wait_hours 0", With(valid, "wait_hours", 0), 400, "bad_wait"},
       {"access_window_hours 721", With(valid, "access_window_hours", 721), 400, "bad_window"},
       {"confirmations_required 11", With(valid, "confirmations_required", 11), 400,
        "bad_confirmations"}},
      200);
}

TEST_F(BadInputTest, DeclineEmergencyGrant) {
  grant_ = DirectGrant(member_, owner_, 0);
  RunBodyTable("POST /v1/emergency/grants/:id/decline", {}, 200, /*empty_ok=*/true);
}

TEST_F(BadInputTest, RequestEmergencyAccess) {
  grant_ = DirectGrant(member_, owner_, 0);
  const json valid = ValidBody("POST /v1/emergency/grants/:id/requests");
  RunBodyTable(
      "POST /v1/emergency/grants/:id/requests",
      {{"empty reason", With(valid, "reason", ""), 400, "bad_reason"},
       {"501-byte reason", With(valid, "reason", std::string(501, 'r')), 400, "bad_reason"}},
      201);
}

TEST_F(BadInputTest, ApproveAndRejectEmergencyRequest) {
  for (const char* verdict : {"approve", "reject"}) {
    request_ = DirectRequest(DirectGrant(owner_, member_, 0));
    const std::string route = std::string("POST /v1/emergency/requests/:id/") + verdict;
    RunBodyTable(route,
                 {{"501-byte reason", With(ValidBody(route), "reason", std::string(501, 'r')), 400,
                   "bad_reason"}},
                 200, /*empty_ok=*/true);
  }
}

TEST_F(BadInputTest, ConfirmEmergencyRequest) {
  Account grantor = Join("admin", "Aino");
  request_ = DirectRequest(DirectGrant(grantor, member_, 1));
  DirectGrant(grantor, owner_, 0);  // the owner: another deputy of Aino's
  RunBodyTable("POST /v1/emergency/requests/:id/confirm", {}, 200, /*empty_ok=*/true);
}

TEST_F(BadInputTest, RekeyCollection) {
  const json valid = ValidBody("POST /v1/collections/:id/rekey");
  std::vector<Case> extra;
  json bad = valid["member_keys"];
  bad[0]["member_id"] = "not-hex";
  extra.push_back({"member_id not an id", With(valid, "member_keys", bad), 400, "bad_id"});
  bad = valid["member_keys"];
  bad[0]["sealed_key"] = "%%not base64%%";
  extra.push_back({"sealed_key not base64", With(valid, "member_keys", bad), 400, "bad_encoding"});
  bad = valid["items"];
  bad[0]["ciphertext"] = "%%not base64%%";
  extra.push_back({"ciphertext not base64", With(valid, "items", bad), 400, "bad_encoding"});
  bad = valid["items"];
  bad[0].erase("expected_version");
  extra.push_back(
      {"item without expected_version", With(valid, "items", bad), 400, "missing_field"});
  extra.push_back(
      {"no member keys", With(valid, "member_keys", json::array()), 400, "invalid_argument"});
  extra.push_back({"no items", With(valid, "items", json::array()), 400, "invalid_argument"});
  json twice = valid["items"];
  twice.push_back(twice[0]);
  extra.push_back({"an item twice", With(valid, "items", twice), 400, "invalid_argument"});
  extra.push_back({"key_version not current + 1", With(valid, "key_version", 3), 409, "conflict"});
  extra.push_back({"grant that does not exist",
                   With(valid, "grant_keys",
                        json::array({{{"grant_id", crypto::RandomId(env_)},
                                      {"escrow_sealed_key", B64("box")}}})),
                   400, "invalid_argument"});
  RunBodyTable("POST /v1/collections/:id/rekey", extra, 200);
}

TEST_F(BadInputTest, UpdateItemMetadata) {
  const json valid = ValidBody("PATCH /v1/items/:id");
  // A second item whose name the first may not take.
  Reply other = CreateItem(owner_, collection_, "Instagram", "Päästa-mind 43!", nullptr);
  ASSERT_EQ(other.status, 201) << other.raw;
  std::vector<Case> extra = {
      {"no field", "{}", 400, "empty_change"},
      {"empty name", With(valid, "name", ""), 400, "bad_name"},
      {"name of 201 bytes", With(valid, "name", std::string(201, 'n')), 400, "bad_name"},
      {"unknown channel", With(valid, "channel", "myspace"), 400, "bad_channel"},
      {"a name taken in the collection", With(valid, "name", "Instagram"), 409, "already_exists"},
      {"the values it has", json{{"name", "Facebook page"}}.dump(), 400, "invalid_argument"},
  };
  for (int64_t days : {int64_t{0}, int64_t{-1}, int64_t{3651}}) {
    extra.push_back({"rotation_period_days " + std::to_string(days),
                     With(valid, "rotation_period_days", days), 400, "bad_period"});
  }
  RunBodyTable("PATCH /v1/items/:id", extra, 200);
}

TEST_F(BadInputTest, BeginRotation) {
  const json valid = ValidBody("POST /v1/items/:id/rotation");
  RunBodyTable(
      "POST /v1/items/:id/rotation",
      {{"ciphertext not base64", With(valid, "ciphertext", "%%not base64%%"), 400, "bad_encoding"},
       {"stale expected_version", With(valid, "expected_version", 0), 409, "failed_precondition"},
       {"pending_version not the next one", With(valid, "pending_version", 5), 409,
        "failed_precondition"}},
      201);
  // Once begun, a second begin is refused and changes nothing.
  ExpectRejected(*FindRoute("POST /v1/items/:id/rotation"),
                 {"a rotation already pending",
                  json{{"expected_version", 1}, {"ciphertext", B64("opaque v3")}}.dump(), 409,
                  "failed_precondition"});
}

TEST_F(BadInputTest, ConfirmRotation) {
  const server::RouteSpec* confirm = FindRoute("POST /v1/items/:id/rotation/confirm");
  ASSERT_NE(confirm, nullptr);
  ExpectRejected(*confirm,
                 {"nothing pending", ValidBody("POST /v1/items/:id/rotation/confirm").dump(), 409,
                  "failed_precondition"});
  Reply begun = Call("POST", "/v1/items/" + item_ + "/rotation", owner_.token,
                     ValidBody("POST /v1/items/:id/rotation"));
  ASSERT_EQ(begun.status, 201) << begun.raw;
  RunBodyTable("POST /v1/items/:id/rotation/confirm",
               {{"another pending_version", json{{"pending_version", 3}}.dump(), 409,
                 "failed_precondition"}},
               200);
}

TEST_F(BadInputTest, AbortAndPendingReadWithNothingPending) {
  const server::RouteSpec* abort = FindRoute("DELETE /v1/items/:id/rotation");
  const server::RouteSpec* get = FindRoute("GET /v1/items/:id");
  ASSERT_NE(abort, nullptr);
  ASSERT_NE(get, nullptr);
  ExpectRejected(*abort, {"nothing pending", "", 409, "failed_precondition"});
  ExpectRejected(*get, {"version=pending with nothing pending", "", 409, "failed_precondition",
                        "/v1/items/" + item_ + "?version=pending"});
  for (const char* v : {"1", "current", "", "PENDING"}) {
    ExpectRejected(*get, {std::string("version=") + v, "", 400, "bad_version",
                          "/v1/items/" + item_ + "?version=" + v});
  }
}

TEST_F(BadInputTest, ChangeCollectionSettings) {
  RunBodyTable("PATCH /v1/collections/:id", {}, 200);
}

// (More than 1000 reads exceed this fixture's body limit: cache_api_test.)
TEST_F(BadInputTest, OfflineReads) {
  const json good = OfflineRead();
  auto with = [&](const char* field, const json& value) {
    json r = good;
    r[field] = value;
    return json{{"reads", {r}}}.dump();
  };
  const int64_t now_ms = good["read_ms"];
  json extra_field = good;
  extra_field["password"] = kSecretValue;
  RunBodyTable(
      "POST /v1/offline-reads",
      {{"no reads", json{{"reads", json::array()}}.dump(), 400, "bad_reads"},
       {"a read that is not an object", json{{"reads", {"x"}}}.dump(), 400, "bad_reads"},
       {"bad item id", with("item_id", "not-hex"), 400, "bad_id"},
       {"bad report id", with("id", "0123456789ABCDEF0123456789ABCDEF"), 400, "bad_id"},
       {"read in the future", with("read_ms", now_ms + 3600 * 1000), 400, "bad_time"},
       {"read long ago", with("read_ms", 0), 400, "bad_time"},
       {"version 0", with("version", 0), 400, "bad_version"},
       {"read_ms a string", with("read_ms", "now"), 400, "wrong_type"},
       {"unknown field in a read", json{{"reads", {extra_field}}}.dump(), 400, "unknown_field"}},
      200);
}

TEST_F(BadInputTest, CalendarFeed) { RunBodyTable("POST /v1/calendar", {}, 201, true); }

TEST_F(BadInputTest, RecoverySetUpCheckAndCopy) {
  const json valid = ValidBody("PUT /v1/recovery");
  json duplicate = valid;
  duplicate["shares"][1]["index"] = 1;
  json bad_share = valid;
  bad_share["shares"][0] = {{"index", 1}, {"custodian", "Mari"}};
  RunBodyTable(
      "PUT /v1/recovery",
      {{"threshold 1", With(valid, "threshold", 1), 400, "bad_shares"},
       {"threshold over the shares", With(valid, "threshold", 3), 400, "bad_shares"},
       {"an index twice", duplicate.dump(), 400, "bad_shares"},
       {"a share without a check", bad_share.dump(), 400, "missing_field"},
       {"not an age recipient", With(valid, "age_recipient", "age1xyz"), 400, "bad_recipient"},
       {"a short key", With(valid, "recovery_public_key", B64("short")), 400, "bad_key"}},
      200);
  const json check = ValidBody("POST /v1/recovery/check");
  RunBodyTable("POST /v1/recovery/check",
               {{"index 0", With(check, "index", 0), 400, "bad_index"},
                {"a short check", With(check, "check", B64("short")), 400, "bad_check"}},
               200);
  RunBodyTable("POST /v1/collections/:id/recovery-key",
               {{"an old key version",
                 With(ValidBody("POST /v1/collections/:id/recovery-key"), "key_version", 2), 409,
                 "failed_precondition"}},
               200);
}

TEST_F(BadInputTest, RecordExport) {
  RunBodyTable(
      "POST /v1/exports",
      {{"another format", json{{"format", "zip"}, {"items", 1}}.dump(), 400, "bad_format"},
       {"negative items", json{{"format", "age"}, {"items", -1}}.dump(), 400, "bad_items"},
       {"too many items", json{{"format", "age"}, {"items", 2'000'000}}.dump(), 400, "bad_items"}},
      201);
}

// Every :param of every route, one at a time, replaced by a malformed id.
TEST_F(BadInputTest, BadIdsInPaths) {
  int seen = 0;
  for (const server::RouteSpec& spec : server::Routes()) {
    const std::string pattern = spec.pattern;
    const std::string key = RouteKey(spec);
    const std::string body = BodyFields().contains(key) ? ValidBody(key).dump() : "";
    for (size_t colon = pattern.find(':'); colon != std::string::npos;
         colon = pattern.find(':', colon + 1)) {
      const size_t end = std::min(pattern.find('/', colon), pattern.size());
      const std::string param = pattern.substr(colon, end - colon);
      for (const std::string& id : kBadIds) {
        // The other params stay valid.
        const std::string path =
            ValidPath(pattern.substr(0, colon)) + id + ValidPath(pattern.substr(end));
        ExpectRejected(spec, {param + " " + id, body, 400, "bad_id", path});
        ++seen;
      }
    }
  }
  EXPECT_GE(seen, 12 * 3);
}

TEST_F(BadInputTest, AuditQueryOutOfRange) {
  const server::RouteSpec* spec = FindRoute("GET /v1/audit");
  ASSERT_NE(spec, nullptr);
  for (const char* query : {"limit=0", "limit=abc", "limit=-1", "limit=1001", "limit=", "limit=1.5",
                            "limit=10x", "from=0", "from=abc", "from=9007199254740993"}) {
    ExpectRejected(*spec, {query, "", 400, "bad_parameter", std::string("/v1/audit?") + query});
  }
  Reply ok = Call("GET", "/v1/audit?from=1&limit=1000", owner_.token);
  EXPECT_EQ(ok.status, 200) << ok.raw;
}

TEST_F(BadInputTest, UnknownRoutesAreJson404) {
  const int64_t before = AuditLength();
  const std::string item = "/v1/items/" + item_;
  for (auto [method, path] :
       {std::pair{"GET", std::string("/v1/nope")}, std::pair{"POST", std::string("/v1/nope")},
        std::pair{"GET", std::string("/")}, std::pair{"GET", std::string("/v1")},
        std::pair{"GET", std::string("/v2/members")}, std::pair{"GET", item + "/extra"},
        std::pair{"DELETE", std::string("/v1/members")},
        std::pair{"PUT", std::string("/v1/collections")}}) {
    SCOPED_TRACE(std::string(method) + " " + path);
    for (const std::string& token : {std::string(), owner_.token}) {
      Reply r = Call(method, path, token, std::string("{}"));
      EXPECT_EQ(r.status, 404) << r.raw;
      ExpectErrorBody(r, "not_found");
    }
  }
  EXPECT_EQ(AuditLength(), before);
}

}  // namespace
