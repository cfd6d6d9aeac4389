// What this client has seen, so that a server cannot take it back: the
// pins of <profile>/pins.json (the team roster's head, the highest key
// version of each collection, the highest version of each item), and the
// team roster this client verified in this run (SECURITY.md "Team roster").
//
// pins.json: {"team_id": hex, "size": N, "head": hex,
//             "key_versions": {collection id: max}, "items": {item id: max}}
// 0600, written atomically; a pin only ever goes up.
#ifndef BATON_CLI_SRC_TRUST_H_
#define BATON_CLI_SRC_TRUST_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api_client.h"
#include "vault/env.h"
#include "vault/envelope.h"
#include "vault/roster.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace cli {

struct Pins {
  std::string team_id;  // hex; "" until a roster was pinned
  uint64_t size = 0;
  std::string head;  // hex EntryHash of entry size-1
  std::map<std::string, int64_t> key_versions;
  std::map<std::string, int64_t> items;
};

class TeamTrust {
 public:
  // The pins of the profile in `profile_dir`; none yet is an empty Pins.
  // Corruption if the file is not one this client wrote.
  static vault::Result<std::unique_ptr<TeamTrust>> Load(vault::Env& env,
                                                        const std::string& profile_dir);

  const Pins& pins() const { return pins_; }

  // Rollback unless `version` is at least the highest version of the item
  // this client has seen; `what` names the item in the message.
  vault::Status CheckItem(const std::string& item_id, int64_t version, std::string_view what) const;
  // Raises the item's pin to `version` (never lowers it) and saves.
  vault::Status PinItem(const std::string& item_id, int64_t version);
  // The same for a collection's key version.
  vault::Status CheckKeyVersion(const std::string& collection_id, int64_t key_version,
                                std::string_view what) const;
  vault::Status PinKeyVersion(const std::string& collection_id, int64_t key_version);

  // --- The team roster -------------------------------------------------

  // Replays `entries` (the whole roster, from seq 0, as the server sent
  // it) and checks it against the pins: fewer entries than pinned is
  // Rollback; another team, or another entry at the pinned seq, is
  // UntrustedKey. Only then pins the new head. An empty roster is a legacy
  // team (legacy() is true), unless a roster was pinned (Rollback). A
  // profile that never pinned a roster keeps the replayed state but pins
  // nothing: first_use() is true until PinFirstUse.
  vault::Status Verify(std::span<const vault::roster::Entry> entries);
  // Trust on first use, made explicit: replays `entries`, checks that the
  // team id starts with `team_prefix` (from an invite code; empty when the
  // person compared TeamFingerprint instead) and pins the head. For `baton
  // join` and `baton team trust`.
  vault::Status PinFirstUse(std::span<const vault::roster::Entry> entries,
                            std::span<const uint8_t> team_prefix);

  bool verified() const { return state_.has_value() || legacy_; }
  bool legacy() const { return legacy_; }
  bool first_use() const { return first_use_; }
  // The verified roster, or nullptr (legacy team, or not verified).
  const vault::roster::State* roster() const { return state_ ? &*state_ : nullptr; }

  // OK if keys may be sealed or data encrypted on the roster's word: a
  // verified roster this profile pinned, or a legacy team. UntrustedKey
  // naming `baton team trust` for a roster not pinned yet.
  vault::Status RequirePinnedRoster() const;
  // OK unless the roster vouches for another key: `key` must reproduce the
  // roster's check value for its (collection, version). A legacy team has
  // none to check.
  vault::Status CheckCollectionKey(const vault::envelope::CollectionKey& key) const;
  // OK if `key_version` is the roster's latest for the collection (any, for
  // a legacy team); new data goes only under that key.
  vault::Status CheckLatestKeyVersion(const std::string& collection_id, int64_t key_version) const;

  // The member as the roster vouches for them, to seal a key to: nullptr
  // for a legacy team (the caller uses the server's keys); UntrustedKey,
  // naming `baton member vouch`, for a member the roster does not vouch for
  // (`name` names them); PermissionDenied for an auditor, who holds no keys.
  vault::Result<const vault::roster::Member*> VouchedMember(const std::string& member_id,
                                                            std::string_view name) const;

  // After the server took statements this client made on the verified
  // roster: `next` is that roster with them applied; pins its head.
  vault::Status Advance(vault::roster::State next);
  // Pins `state`, a roster this client replayed itself (init, join, team
  // trust). A profile that pinned another team or a longer roster keeps its
  // pins: UntrustedKey or Rollback.
  vault::Status PinReplayed(const vault::roster::State& state);
  // Forgets the verified roster, so that the next Context::trust() fetches
  // it again (after a 409: someone appended first).
  void Forget() {
    state_.reset();
    legacy_ = first_use_ = false;
  }

 private:
  TeamTrust(vault::Env& env, std::string path, Pins pins)
      : env_(env), path_(std::move(path)), pins_(std::move(pins)) {}
  vault::Status Save() const;
  vault::Status PinHead(const vault::roster::State& state);

  vault::Env& env_;
  const std::string path_;
  Pins pins_;
  std::optional<vault::roster::State> state_;
  bool legacy_ = false;
  bool first_use_ = false;
};

class Context;

// Makes the statements that describe a change, given the verified roster.
using StatementsFn =
    std::function<vault::Result<std::vector<vault::roster::Body>>(const vault::roster::State&)>;

// Sends a request that changes what the roster describes, with the
// statements of `statements` signed by this member in the body's "roster"
// field, so that the server applies both or neither; a 409 (someone
// appended first) re-fetches the roster and tries once more. A legacy team
// gets no statements; a roster this profile has not pinned is refused.
// Returns the answer's JSON body.
vault::Result<nlohmann::json> SendWithStatements(Context& ctx, const std::string& method,
                                                 const std::string& path, nlohmann::json body,
                                                 const StatementsFn& statements);
template <typename T>
vault::Result<T> SendWithStatements(Context& ctx, const std::string& method,
                                    const std::string& path, nlohmann::json body,
                                    const StatementsFn& statements, ApiClient::Decoder<T> decode) {
  auto answer = SendWithStatements(ctx, method, path, std::move(body), statements);
  if (!answer) return vault::Fail(answer.error());
  return decode(*answer, ApiClient::RouteOf(method, path));
}

}  // namespace cli

#endif  // BATON_CLI_SRC_TRUST_H_
