#include "trust.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "context.h"
#include "vault/api_json_roster.h"
#include "vault/crypto.h"
#include "vault/time_format.h"

namespace cli {

namespace crypto = vault::crypto;
namespace roster = vault::roster;
using nlohmann::json;
using vault::Result;
using vault::Status;

namespace {

constexpr char kPinsFile[] = "/pins.json";

Status BadPins(std::string_view why) {
  return Status::Corruption("pins.json is damaged (" + std::string(why) +
                            "); restore it from a backup of this profile, or join again");
}

// A {"id": non-negative int} object into `out`.
bool ReadVersions(const json& j, std::map<std::string, int64_t>& out) {
  if (!j.is_object()) return false;
  for (const auto& [id, v] : j.items()) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0) return false;
    out[id] = v.get<int64_t>();
  }
  return true;
}

Result<Pins> ParsePins(std::span<const uint8_t> bytes) {
  const json j = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return vault::Fail(BadPins("not a JSON object"));
  Pins p;
  const auto text = [&](const char* field, std::string& out) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return out.empty() || crypto::FromHex(out).has_value();
  };
  auto size = j.find("size");
  if (!text("team_id", p.team_id) || !text("head", p.head) || size == j.end() ||
      !size->is_number_unsigned()) {
    return vault::Fail(BadPins("the roster pin"));
  }
  p.size = size->get<uint64_t>();
  if ((p.size == 0) != p.team_id.empty()) return vault::Fail(BadPins("the roster pin"));
  if (!ReadVersions(j.value("key_versions", json::object()), p.key_versions) ||
      !ReadVersions(j.value("items", json::object()), p.items)) {
    return vault::Fail(BadPins("a version pin"));
  }
  return p;
}

int64_t PinOf(const std::map<std::string, int64_t>& pins, const std::string& id) {
  auto it = pins.find(id);
  return it == pins.end() ? 0 : it->second;
}

}  // namespace

Result<std::unique_ptr<TeamTrust>> TeamTrust::Load(vault::Env& env,
                                                   const std::string& profile_dir) {
  std::string path = profile_dir + kPinsFile;
  Pins pins;
  if (env.FileExists(path)) {
    auto bytes = env.ReadFile(path);
    if (!bytes) return vault::Fail(bytes.error());
    auto parsed = ParsePins(*bytes);
    if (!parsed) return vault::Fail(parsed.error());
    pins = std::move(*parsed);
  }
  return std::unique_ptr<TeamTrust>(new TeamTrust(env, std::move(path), std::move(pins)));
}

Status TeamTrust::Save() const {
  const json j = {{"team_id", pins_.team_id},
                  {"size", pins_.size},
                  {"head", pins_.head},
                  {"key_versions", pins_.key_versions},
                  {"items", pins_.items}};
  return env_.WriteFileAtomic(path_, crypto::AsBytes(j.dump(2) + "\n"), 0600);
}

Status TeamTrust::CheckItem(const std::string& item_id, int64_t version,
                            std::string_view what) const {
  const int64_t pinned = PinOf(pins_.items, item_id);
  if (version >= pinned) return Status::OK();
  return Status::Rollback("the server sent version " + std::to_string(version) + " of " +
                          std::string(what) + ", but this client has seen version " +
                          std::to_string(pinned) + ": refusing an older version");
}

Status TeamTrust::PinItem(const std::string& item_id, int64_t version) {
  if (version <= PinOf(pins_.items, item_id)) return Status::OK();
  pins_.items[item_id] = version;
  return Save();
}

Status TeamTrust::CheckKeyVersion(const std::string& collection_id, int64_t key_version,
                                  std::string_view what) const {
  const int64_t pinned = PinOf(pins_.key_versions, collection_id);
  if (key_version >= pinned) return Status::OK();
  return Status::Rollback("the server sent key version " + std::to_string(key_version) + " of " +
                          std::string(what) + ", but this client has seen key version " +
                          std::to_string(pinned) + ": refusing an older key");
}

Status TeamTrust::PinKeyVersion(const std::string& collection_id, int64_t key_version) {
  if (key_version <= PinOf(pins_.key_versions, collection_id)) return Status::OK();
  pins_.key_versions[collection_id] = key_version;
  return Save();
}

Status TeamTrust::RequirePinnedRoster() const {
  if (!first_use_) return Status::OK();
  return Status::UntrustedKey(
      "this team has a signed roster that this profile has not pinned yet: compare the team's "
      "fingerprint words with a teammate and run baton team trust; nothing was sealed or "
      "encrypted");
}

Status TeamTrust::CheckCollectionKey(const vault::envelope::CollectionKey& key) const {
  if (!state_) return Status::OK();
  const std::string& collection_id = key.collection_id;
  const int64_t key_version = key.version;
  auto col = state_->collections.find(collection_id);
  if (col == state_->collections.end()) {
    return Status::UntrustedKey("collection " + collection_id +
                                " is not in the team roster: its key is not vouched for");
  }
  const std::string what = "the key of " + col->second.name + " v" + std::to_string(key_version);
  auto want = col->second.kcv.find(key_version);
  if (want == col->second.kcv.end()) {
    return Status::UntrustedKey(what + " is not one the roster vouches for");
  }
  auto kcv = roster::KeyCheckValue(key.key, collection_id, key_version);
  if (!kcv) return kcv.error();
  if (!crypto::ConstantTimeEqual(*kcv, want->second)) {
    return Status::UntrustedKey(what + " is not the one the roster vouches for");
  }
  return Status::OK();
}

Status TeamTrust::CheckLatestKeyVersion(const std::string& collection_id,
                                        int64_t key_version) const {
  if (!state_) return Status::OK();
  auto col = state_->collections.find(collection_id);
  if (col == state_->collections.end() || col->second.key_version != key_version) {
    return Status::UntrustedKey(
        "the server's current key of collection " + collection_id + " (v" +
        std::to_string(key_version) + ") is not the latest the roster vouches for" +
        (col == state_->collections.end() ? ""
                                          : " (v" + std::to_string(col->second.key_version) + ")"));
  }
  return Status::OK();
}

Status TeamTrust::PinHead(const roster::State& state) {
  pins_.team_id = crypto::ToHex(state.team_id);
  pins_.size = state.size;
  pins_.head = crypto::ToHex(state.head);
  return Save();
}

Status TeamTrust::PinReplayed(const roster::State& state) {
  if (!pins_.team_id.empty()) {
    if (crypto::ToHex(state.team_id) != pins_.team_id) {
      return Status::UntrustedKey("this profile has pinned the roster of another team");
    }
    if (state.size < pins_.size) {
      return Status::Rollback("this profile has seen a longer team roster than the server sent");
    }
  }
  return PinHead(state);
}

Status TeamTrust::Verify(std::span<const roster::Entry> entries) {
  state_.reset();
  legacy_ = first_use_ = false;
  if (entries.empty()) {
    if (!pins_.team_id.empty()) {
      return Status::Rollback("the server sent an empty team roster, but this client has pinned " +
                              std::to_string(pins_.size) + " entries of it");
    }
    legacy_ = true;
    return Status::OK();
  }
  auto state = roster::Replay(entries);
  if (!state) return state.error();
  if (pins_.team_id.empty()) {
    first_use_ = true;
    state_ = std::move(*state);
    return Status::OK();
  }
  if (crypto::ToHex(state->team_id) != pins_.team_id) {
    return Status::UntrustedKey(
        "the server sent the roster of another team than the one this profile pinned");
  }
  if (state->size < pins_.size) {
    return Status::Rollback("the server sent " + std::to_string(state->size) +
                            " entries of the team roster, but this client has seen " +
                            std::to_string(pins_.size) + ": refusing a roster that went back");
  }
  const auto at_pin = crypto::ToHex(roster::EntryHash(entries[pins_.size - 1]));
  if (at_pin != pins_.head) {
    return Status::UntrustedKey("the team roster the server sent differs at entry " +
                                std::to_string(pins_.size - 1) +
                                " from the one this client pinned: the roster was forked");
  }
  state_ = std::move(*state);
  return state_->size == pins_.size ? Status::OK() : PinHead(*state_);
}

Status TeamTrust::PinFirstUse(std::span<const roster::Entry> entries,
                              std::span<const uint8_t> team_prefix) {
  if (!pins_.team_id.empty()) return Verify(entries);
  auto state = roster::Replay(entries);
  if (!state) return state.error();
  if (entries.empty()) return Status::UntrustedKey("the server sent no team roster to pin");
  if (team_prefix.size() > state->team_id.size() ||
      !crypto::ConstantTimeEqual(team_prefix,
                                 std::span(state->team_id).first(team_prefix.size()))) {
    return Status::UntrustedKey(
        "the server's team roster is not the one the invite code names: another team");
  }
  if (Status s = PinHead(*state); !s.ok()) return s;
  state_ = std::move(*state);
  legacy_ = first_use_ = false;
  return Status::OK();
}

Result<const roster::Member*> TeamTrust::VouchedMember(const std::string& member_id,
                                                       std::string_view name) const {
  if (!state_) return nullptr;
  const roster::Member* vouched = state_->ActiveMember(member_id);
  if (vouched == nullptr) {
    return vault::Fail(Status::UntrustedKey(
        std::string(name) +
        "'s keys are not vouched for in the team roster; an admin who compared their fingerprint "
        "words runs baton member vouch first. Nothing was shared"));
  }
  if (vouched->role == vault::TeamRole::kAuditor) {
    return vault::Fail(Status::PermissionDenied(
        std::string(name) +
        " is an auditor in the team roster and holds no collection keys; nothing was shared"));
  }
  return vouched;
}

Status TeamTrust::Advance(roster::State next) {
  state_ = std::move(next);
  return PinHead(*state_);
}

Result<json> SendWithStatements(Context& ctx, const std::string& method, const std::string& path,
                                json body, const StatementsFn& statements) {
  for (int attempt = 0;; ++attempt) {
    auto t = ctx.trust();
    if (!t) return vault::Fail(t.error());
    if (Status s = (*t)->RequirePinnedRoster(); !s.ok()) return vault::Fail(s);
    std::optional<roster::State> next;
    if (const roster::State* state = (*t)->roster()) {
      auto bodies = statements(*state);
      if (!bodies) return vault::Fail(bodies.error());
      auto p = ctx.profile();
      if (!p) return vault::Fail(p.error());
      auto k = ctx.keys();
      if (!k) return vault::Fail(k.error());
      next = *state;
      std::vector<roster::Entry> entries;
      for (roster::Body& b : *bodies) {
        roster::Entry e;
        e.statement = roster::Encode(
            roster::Next(*next, (*p)->member_id, vault::ToUnixMs(ctx.env.Now()), std::move(b)));
        auto sig = (*k)->SignRosterStatement(e.statement);
        if (!sig) return vault::Fail(sig.error());
        e.signature = *sig;
        // What this member may not say, the server is not asked to store.
        if (Status s = roster::Apply(*next, e); !s.ok()) return vault::Fail(s);
        entries.push_back(std::move(e));
      }
      if (!entries.empty()) body["roster"] = vault::api::RosterEntriesToJson(entries);
    }
    auto c = ctx.client();
    if (!c) return vault::Fail(c.error());
    // A DELETE without statements keeps its empty body, as servers before
    // the roster expect.
    auto answer = (*c)->Call(method, path, body.empty() ? std::nullopt : std::optional<json>(body));
    if (answer) {
      if (next && next->size != (*t)->pins().size) {
        if (Status s = (*t)->Advance(std::move(*next)); !s.ok()) return vault::Fail(s);
      }
      return answer;
    }
    if (attempt > 0 || !next || (*c)->last_error_code() != "conflict") {
      return vault::Fail(answer.error());
    }
    (*t)->Forget();
  }
}

}  // namespace cli
