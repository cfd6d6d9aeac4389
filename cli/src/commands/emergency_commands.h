// The emergency commands, a few to a file, registered by
// RegisterEmergencyCommands (emergency.cc) in the order `baton emergency
// --help` lists them; and what they share: finding grants and requests by
// id prefix, and the names that make the plain words readable.
#ifndef BATON_CLI_SRC_COMMANDS_EMERGENCY_COMMANDS_H_
#define BATON_CLI_SRC_COMMANDS_EMERGENCY_COMMANDS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "context.h"
#include "emergency.h"
#include "vault/api_json_emergency.h"
#include "vault/status.h"

namespace cli {

void RegisterEmergencyGrant(CLI::App& group, Context& ctx);
void RegisterEmergencyList(CLI::App& group, Context& ctx);
void RegisterEmergencyShow(CLI::App& group, Context& ctx);
void RegisterEmergencyChange(CLI::App& group, Context& ctx);
void RegisterEmergencyRevoke(CLI::App& group, Context& ctx);
void RegisterEmergencyDecline(CLI::App& group, Context& ctx);
void RegisterEmergencyRequest(CLI::App& group, Context& ctx);
void RegisterEmergencyStatus(CLI::App& group, Context& ctx);
void RegisterEmergencyDecide(CLI::App& group, Context& ctx);  // approve, reject, confirm
void RegisterEmergencyOpen(CLI::App& group, Context& ctx);

int64_t NowMs(Context& ctx);

// Member and collection names for the plain words. Best effort: a role that
// may not list them sees ids instead.
struct Directory {
  emergency::Names members;
  emergency::Names collections;
};
Directory LoadDirectory(ApiClient& c);

using vault::api::GrantAnswer;
using vault::api::RequestAnswer;

// GET /v1/emergency/grants and GET /v1/emergency/requests, decoded.
vault::Result<std::vector<GrantAnswer>> ListGrants(ApiClient& c);
vault::Result<std::vector<RequestAnswer>> ListRequests(ApiClient& c);
vault::Result<GrantAnswer> FindGrant(ApiClient& c, const std::string& given);
// A request by its id, or the newest request of a grant given by its id (the
// deputy may only remember the grant's). Fetched on its own so the answer is
// exact now (the server applies due transitions on the way).
vault::Result<RequestAnswer> FindRequest(ApiClient& c, const std::string& given);
// A request to `path` that a grant answers, decoded.
vault::Result<GrantAnswer> SendForGrant(ApiClient& c, const std::string& method,
                                        const std::string& path, const nlohmann::json& body);
// GET /v1/emergency/requests/:id, decoded (vault/api_json_emergency.h).
vault::Result<RequestAnswer> GetRequest(ApiClient& c, const std::string& id);
// A list of answers as --json prints it: each encoded as the server sent it.
template <typename Answer>
nlohmann::json JsonList(const std::vector<Answer>& answers,
                        nlohmann::json (*encode)(const Answer&)) {
  nlohmann::json out = nlohmann::json::array();
  for (const Answer& a : answers) out.push_back(encode(a));
  return out;
}
// OK unless `given` cannot be an id at all.
vault::Status CheckGivenId(const std::string& given, std::string_view what);
void PrintRequest(Context& ctx, const RequestAnswer& answer, const Directory& d);

}  // namespace cli

#endif  // BATON_CLI_SRC_COMMANDS_EMERGENCY_COMMANDS_H_
