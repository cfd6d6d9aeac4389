// The team roster on the wire (docs/api.md, "Team roster"), as
// vault/api_json.h does for the other answers: an entry is
// {"statement": base64, "signature": base64}; batond sends pages of them and
// takes lists of them, in POST /v1/roster and in the optional "roster"
// field of the routes that change what the roster describes.
#ifndef BATON_VAULT_API_JSON_ROSTER_H_
#define BATON_VAULT_API_JSON_ROSTER_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "vault/crypto.h"
#include "vault/roster.h"
#include "vault/status.h"

namespace vault::api {

// GET /v1/roster?from=SEQ: the roster's size and head, and its entries from
// SEQ on. An empty roster (a team from before the roster) has size 0 and
// team_id "" on the wire (zeros here).
struct RosterPage {
  crypto::Hash team_id{};
  uint64_t size = 0;
  crypto::Hash head{};
  std::vector<roster::Entry> entries;
};

// The answer to POST /v1/roster (201).
struct RosterAppendAnswer {
  uint64_t size = 0;
  crypto::Hash head{};
};

nlohmann::json RosterEntryToJson(const roster::Entry& e);
// A JSON list of entries: the "entries" of a page, the "roster" of a body.
nlohmann::json RosterEntriesToJson(std::span<const roster::Entry> entries);
nlohmann::json RosterPageToJson(const RosterPage& page);
nlohmann::json RosterAppendAnswerToJson(const RosterAppendAnswer& a);

// Never throw. `where` names the answer ("GET /v1/roster") or the request
// field for the message. A statement longer than roster::kMaxStatementBytes
// or a signature that is not 64 bytes is refused here; whether the
// statement means anything is roster::Apply's to say.
Result<roster::Entry> RosterEntryFromJson(const nlohmann::json& j, std::string_view where);
Result<std::vector<roster::Entry>> RosterEntriesFromJson(const nlohmann::json& list,
                                                         std::string_view where);
Result<RosterPage> RosterPageFromJson(const nlohmann::json& j, std::string_view route);
Result<RosterAppendAnswer> RosterAppendAnswerFromJson(const nlohmann::json& j,
                                                      std::string_view route);

}  // namespace vault::api

#endif  // BATON_VAULT_API_JSON_ROSTER_H_
