// Emergency access, shared by the route files (routes_emergency*.cc) and
// defined in emergency_flow.cc: who sees what, the notices, the wire
// encodings and the transitions the routes apply.
#ifndef BATON_SERVER_SRC_EMERGENCY_FLOW_H_
#define BATON_SERVER_SRC_EMERGENCY_FLOW_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server_impl.h"
#include "vault/emergency.h"

namespace server::internal {

namespace em = vault::emergency;
using vault::EmergencyGrant;
using vault::EmergencyRequest;

// A time as "YYYY-MM-DD HH:MM UTC", for notices.
std::string Utc(int64_t ms);

// An optional JSON body: empty means {}.
ApiResult<Body> OptionalBody(const std::string& text, const vault::api::BodySchema& spec);

// The optional "reason" of a body, at most em::kMaxReasonBytes.
ApiResult<std::string> Reason(const Body& body);

// What the state machine needs to know of a grant and its newest request.
em::Facts FactsOf(const EmergencyGrant& g, const std::optional<EmergencyRequest>& r);

// Owners and admins see every grant and request. Auditors see none (the
// policy denies them the routes; the history is in the audit log).
bool SeesAll(const Caller& c);

// Whether `c` may confirm requests under grants from `grantor_id`: they are
// the deputy of an active grant from the same grantor.
Result<bool> IsFellowDeputy(vault::ReadTxn& t, const Caller& c, const std::string& grantor_id);

// Owners, admins and auditors see every grant and request; anyone else the
// grants naming them as deputy and the requests they may confirm.
Result<bool> Sees(vault::ReadTxn& t, const Caller& c, const EmergencyGrant& g);

// A member's name for notices ("the server" for the server itself).
Result<std::string> NameOf(vault::ReadTxn& t, const std::string& member_id);

// A notice's text from the deputy's name and the scope's names.
using NoticeText = std::function<std::string(const std::string&, const std::string&)>;

// Queues one notice about request `r` under `g`.
Status Notify(vault::WriteTxn& t, const EmergencyGrant& g, const EmergencyRequest& r,
              const std::string& kind, const NoticeText& text);

// Wire encodings (docs/api.md).
json RequestJson(vault::ReadTxn& t, const EmergencyGrant& g, const EmergencyRequest& r);
Result<json> GrantJson(vault::ReadTxn& t, const EmergencyGrant& g);

// The deputy's inner boxes for every collection in scope: the escrow layer
// comes off here and nowhere else.
Result<std::vector<vault::SealedKey>> InnerKeys(vault::ReadTxn& t, const EmergencyGrant& g,
                                                const crypto::BoxKeyPair& escrow);

// Applies a release decided by the state machine, with its notice.
Status Release(vault::WriteTxn& t, const vault::Actor& actor, const EmergencyGrant& g,
               const EmergencyRequest& r, const em::Step& step, const std::string& action,
               const std::string& reason, bool decided, const crypto::BoxKeyPair& escrow);

// Ends the active grant `g` ("revoked" or "declined") for `reason`: cancels
// its open request, drops its escrowed keys and tells the grantor and the
// admins (one notice: the cancellation's, if a request was open). Revoking,
// declining and removing the deputy from the team all end a grant here.
Status EndGrant(vault::WriteTxn& t, const vault::Actor& actor, const EmergencyGrant& g, int64_t now,
                const std::string& status, const std::string& reason);

// The numbers of a grant that PATCH may change, in seconds.
struct GrantNumbers {
  int64_t wait_s = 0;
  int64_t confirmations_required = 0;
  int64_t access_window_s = 0;
};

// Changes the active grant `g` to `to`, audited with the old and new values,
// and tells the grantor and the admins: a grant that quietly got a shorter
// wait or fewer confirmations would defeat the veto it exists for.
Status ApplyGrantChange(vault::WriteTxn& t, const vault::Actor& actor, const EmergencyGrant& g,
                        const GrantNumbers& to);

// The 400 for a malformed id in an emergency route's path.
void SendBadId(httplib::Response& res);

}  // namespace server::internal

#endif  // BATON_SERVER_SRC_EMERGENCY_FLOW_H_
