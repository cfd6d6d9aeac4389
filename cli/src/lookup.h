// Finding members and collections by name or id, and a member's keys as the
// server lists them: shared by the command groups that seal keys to members
// (collection grant, emergency grant, collection rekey).
#ifndef BATON_CLI_SRC_LOOKUP_H_
#define BATON_CLI_SRC_LOOKUP_H_

#include <map>
#include <string>

#include "api_client.h"
#include "context.h"
#include "vault/api_json.h"
#include "vault/status.h"
#include "vault/store.h"

namespace cli {

// A member by id or exact name, as GET /v1/members lists them. NotFound.
vault::Result<vault::Member> LookupMember(ApiClient& client, const std::string& name_or_id);
// A collection as GET /v1/collections lists it: the one whose id is
// `name_or_id`, else the only one so named. NotFound if none;
// FailedPrecondition naming the candidates' ids if several share the name.
vault::Result<vault::api::CollectionEntry> LookupCollection(ApiClient& client,
                                                            const std::string& name_or_id);
// Member id -> name, for showing who did something: empty when the role
// may not list members (the ids are shown then).
std::map<std::string, std::string> MemberNames(ApiClient& client);
// What is not yours does not exist for you (docs/cli.md, exit codes): a
// refusal (PermissionDenied) of an item that the server does not list to
// this member at all, such as one in a collection their access was revoked
// from that their offline cache still names, becomes "no item named ...",
// the answer for an item that does not exist, by name or by id alike. A
// refusal of an item they can see (an auditor reading a secret, a viewer
// deleting) stays a refusal; other failures are returned as they are.
vault::Status HideUnlisted(Context& ctx, const vault::Status& s, const std::string& name_or_id);
// The member's key fingerprint words (vault::FingerprintWords), to be read
// aloud and compared before anything is sealed to them.
std::string MemberFingerprintWords(const vault::Member& member);

}  // namespace cli

#endif  // BATON_CLI_SRC_LOOKUP_H_
