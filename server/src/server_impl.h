// Internal to the server library: the server implementation class shared
// by the route files (routes_*.cc), the wire encodings of stored records,
// and the per-request facts for the access log.
#ifndef BATON_SERVER_SRC_SERVER_IMPL_H_
#define BATON_SERVER_SRC_SERVER_IMPL_H_

#include <httplib.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "auth.h"
#include "denied_log.h"
#include "http_util.h"
#include "metrics.h"
#include "notifier.h"
#include "server/server.h"
#include "vault/api_json.h"
#include "vault/audit_json.h"
#include "vault/continuity.h"
#include "vault/emergency.h"
#include "vault/roster.h"
#include "vault/time_format.h"

namespace server::internal {

using nlohmann::json;
using vault::Action;
using vault::CollectionAccess;
using vault::Fail;
using vault::Result;
using vault::Status;
using vault::TeamRole;
namespace crypto = vault::crypto;

int64_t Millis(vault::TimePoint t);

// Per-request facts for the access log, set on the worker thread that runs
// the request.
extern thread_local std::chrono::nanoseconds t_start;
extern thread_local const char* t_route;
extern thread_local std::string t_member;

// Wire encodings of stored records (docs/api.md).
using vault::api::CollectionToJson;
using vault::api::ItemMetaToJson;
using vault::api::MemberToJson;
// A base64 field holding a 32-byte public key, or a 400 naming `field`.
ApiResult<crypto::PublicKey> DecodeKey(const std::string& b64, const char* field);

// The reasons recorded when removing a member, or making them an auditor,
// ends their emergency grants.
inline constexpr char kDeputyRemoved[] = "deputy removed";
inline constexpr char kDeputyMadeAuditor[] = "deputy made auditor";

// Revokes every active emergency grant naming `member_id` as deputy, as an
// admin's revocation does (routes_emergency.cc): cancels its open or
// released request, drops its escrowed keys, audits it with `reason` and
// notifies the grantor and the admins. Part of the caller's transaction, so
// it stands or falls with the removal or demotion. Grants they gave stay in
// force.
Status EndGrantsOfDeputy(vault::WriteTxn& t, const vault::Actor& actor,
                         const std::string& member_id, int64_t now_ms, const std::string& reason);

// Who is calling, once the session checked out.
struct Caller {
  vault::Member member;
  TeamRole role = TeamRole::kAuditor;
  crypto::Hash session_hash{};
  vault::Actor actor() const { return {member.id}; }
};

using Handler = std::function<void(const httplib::Request&, httplib::Response&, const Caller&)>;

// What a route's change must leave the team roster saying, as the
// statement an honest client signs for it (the key check values are not
// compared: only a key holder can make them).
using RosterClaim = std::variant<vault::roster::MemberInvite, vault::roster::MemberRole,
                                 vault::roster::MemberRemove, vault::roster::CollectionCreate,
                                 vault::roster::CollectionAccessSet, vault::roster::CollectionKey,
                                 vault::roster::EmergencyGrant, vault::roster::EmergencyEnd,
                                 vault::roster::RecoveryKeysSet>;

// The roster entries a request carries (routes_roster.cc), decoded; and,
// once applied in the request's write, the roster after them.
struct RosterChange {
  std::vector<vault::roster::Entry> entries;
  std::vector<vault::roster::Statement> statements;
  vault::roster::State next;
  bool stale = false;  // an entry did not follow the stored roster
  // Set by the route: once the team has a roster, the change is made only
  // if the roster agrees with it (ServerImpl::MatchRoster).
  std::optional<RosterClaim> claim;
  std::string mismatch;  // why the roster did not agree; "" if it did
};
// The entries of a JSON list; a 400 bad_request for a malformed entry or
// statement.
ApiResult<RosterChange> ParseRosterEntries(const json& list, const char* field);
// The optional "roster" field of a body; none if absent.
ApiResult<RosterChange> RosterOf(const Body& body);
// The same for a route whose body is optional (DELETE): an empty body
// carries no roster; otherwise it is checked against `schema`.
ApiResult<RosterChange> RosterOf(const httplib::Request& req, const char* schema);

// OK if `state`, the roster after the request's entries `sent`, agrees
// with `claim` for a change made by `caller_id`; otherwise InvalidArgument
// naming what the roster lacks (roster_match.cc).
Status RosterMatches(const vault::roster::State& state,
                     std::span<const vault::roster::Statement> sent, const std::string& caller_id,
                     const RosterClaim& claim);

// The route table entry for a method and pattern; aborts if it is missing
// (a handler for a route the table does not list).
const RouteSpec& Spec(std::string_view method, std::string_view pattern);

// Whether an answer with `status` refuses the caller (audited as
// "<action>.denied", denied_log.cc).
bool IsRefusal(const RouteSpec& spec, int status);
// The message of an error answer already sent.
std::string ErrorMessage(const httplib::Response& res);

class ServerImpl final : public Server {
 public:
  ServerImpl(const Config& config, const Deps& deps)
      : config_(config),
        deps_(deps),
        env_(*deps.env),
        vault_(*deps.vault),
        challenges_(env_, config.challenge_ttl),
        limiter_(env_, config.max_failed_logins, config.failed_login_window),
        commit_observer_(vault_.AddCommitObserver([this](const vault::CommitInfo& commit) {
          if (commit.auth_changed) auth_cache_.AuthChanged();
        })) {}
  ~ServerImpl() override { vault_.RemoveCommitObserver(commit_observer_); }

  Status Init();
  Result<int> Bind() override;
  Status Serve() override;
  void Shutdown() override;
  Result<vault::audit::Checkpoint> Checkpoint() override;
  Status Tick() override;
  void RecordBackup(vault::TimePoint at, int64_t bytes) override {
    metrics_.SetLastBackup(vault::ToUnixMs(at), bytes);
  }

  // The authorization cache's epoch, for tests that check what moves it.
  uint64_t TEST_AuthEpoch() const { return auth_cache_.epoch(); }

 private:
  void Register(const RouteSpec& spec, Handler handler);
  // Authenticates and authorizes, or gives the error answer.
  ApiResult<Caller> Authorize(const RouteSpec& spec, const httplib::Request& req,
                              const std::string* resource);
  // Audits a refusal of `c` (NoteDenied) and returns it as the answer.
  std::unexpected<ApiError> Refuse(const RouteSpec& spec, const Caller& c,
                                   const std::string* resource, ApiError e);
  void Finish(const httplib::Request& req, const httplib::Response& res);
  // Refused requests (denied_log.cc): NoteDenied counts one in its minute
  // window; FlushDenied writes the windows that are over (with `all`, every
  // window) as "<action>.denied" events.
  void NoteDenied(const RouteSpec& spec, const Caller& c, const std::string* resource,
                  const std::string& reason);
  void FlushDenied(bool all);

  // A route handler: the caller has been authorized for the route's
  // RouteSpec (for public routes, `c` is empty).
  using Method = void (ServerImpl::*)(const httplib::Request&, httplib::Response&, const Caller&);
  // One row of an area's route table; the method and pattern name a row of
  // the API's RouteSpec table (Routes()), which says how it is authorized.
  struct Route {
    const char* method;
    const char* pattern;
    Method handler;
  };
  void RegisterAll(std::span<const Route> routes);

  void RegisterRoutes();
  // One route table per area, each in its own file.
  void RegisterSessionRoutes();  // routes_session.cc: public and session routes
  void Healthz(const httplib::Request& req, httplib::Response& res, const Caller& c);
  // Reads config_.metrics_token_file, if set (routes_session.cc).
  Status InitMetricsToken();
  void MetricsPage(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ServerInfo(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void Join(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void Challenge(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void Login(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void Logout(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void Me(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void SetEmail(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RegisterTeamRoutes();  // routes_team.cc: members, invites, collections
  void ListMembers(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void GetMember(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void CreateInvite(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ChangeMember(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RemoveMember(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void CreateCollection(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ListCollections(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void CollectionKey(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ListAccess(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void GrantAccess(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RevokeAccess(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RegisterItemRoutes();  // routes_items.cc
  void ListItems(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void CreateItem(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void GetItem(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void UpdateItem(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void DeleteItem(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ItemHistory(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void EditItemMeta(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void BeginRotation(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ConfirmRotation(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void AbandonRotation(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RegisterAuditRoutes();  // routes_audit.cc
  void ReadAuditLog(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ListCheckpoints(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void AuditHead(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RecordExport(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RegisterRekeyRoutes();  // routes_rekey.cc
  void RekeyCollection(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RegisterCacheRoutes();  // routes_cache.cc: the client's offline cache
  void CollectionCache(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void SetCollectionCaching(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ReportOfflineReads(const httplib::Request& req, httplib::Response& res, const Caller& c);
  // Counts `reads` against the member's offline-reads quota of the UTC day,
  // or answers 429 (auditing the first refusal of the day); false if it
  // answered.
  bool TakeOfflineQuota(httplib::Response& res, const Caller& c, int64_t reads, int64_t now_ms);
  // routes_emergency.cc (grants, and the table), routes_emergency_requests.cc
  void RegisterEmergencyRoutes();
  void CreateGrant(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ListGrants(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void GetGrant(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ChangeGrant(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RevokeGrant(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void DeclineGrant(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RequestAccess(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ListRequests(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void GetRequest(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ApproveRequest(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RejectRequest(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ConfirmRequest(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ReleasedKeys(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ReleasedItems(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void ReleasedItem(const httplib::Request& req, httplib::Response& res, const Caller& c);
  // Settles what is due before a route answers, so every answer is exact at
  // the moment of the request; false (the error sent) if that failed. An
  // empty id settles nothing; `all` settles every open request.
  bool SettleFor(httplib::Response& res, const std::string& request_id, bool all = false);
  // The id of the newest request under a grant, or "".
  std::string NewestRequestOf(const std::string& grant_id);
  // Revoking (an admin) and declining (the deputy) end a grant alike.
  void EndGrantRoute(const std::string& id, httplib::Response& res, const Caller& c,
                     const std::string& status, RosterChange& roster);
  // The tail of the routes that change grant `id`: settles its newest
  // request, runs `change` on the stored grant (never null) and answers with
  // the grant as it is then stored (a missing grant or a refused change: the
  // error).
  void ChangeGrantAndAnswer(
      httplib::Response& res, const std::string& id,
      const std::function<Status(vault::WriteTxn&, const vault::EmergencyGrant*)>& change);
  // The tail of the routes that act on request `id`: settles it, loads it
  // and its grant as `c` may see them, runs `change` and answers with the
  // request as it is then stored.
  void ChangeRequestAndAnswer(
      httplib::Response& res, const Caller& c, const std::string& id,
      const std::function<Status(vault::WriteTxn&, const vault::EmergencyRequest&,
                                 const vault::EmergencyGrant&)>& change);
  // Approve and reject: an admin or the grantor, never the deputy.
  void DecideRequest(const httplib::Request& req, httplib::Response& res, const Caller& c,
                     vault::emergency::Event event);
  // The deputy's audited reads under released request `id`: settles it,
  // checks AsDeputy and runs `fn` in one write; false (the error sent) if
  // any of that failed.
  bool WriteAsDeputy(httplib::Response& res, const Caller& c, const std::string& id,
                     const std::function<Status(vault::WriteTxn&, const vault::EmergencyRequest&,
                                                const vault::EmergencyGrant&)>& fn);
  // Checks that `c` is the deputy of released request `id` within its window.
  Status AsDeputy(vault::ReadTxn& t, const Caller& c, const std::string& id,
                  vault::EmergencyRequest& r, vault::EmergencyGrant& g);
  // Applies the time-driven transitions and reminders due now to the open
  // request with this id, or to every open request if the id is empty.
  Status SettleEmergency(const std::string& request_id);

  // Timed work, one per area; Tick() runs each.
  Status TickEmergency();      // routes_emergency.cc
  Status TickNotifications();  // notifications.cc
  Status TickReminders();      // reminders.cc
  Status InitNotifications();  // notifications.cc: the configured notifiers

  // The calendar feed (routes_calendar.cc).
  void RegisterCalendarRoutes();
  void CreateCalendarFeed(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RevokeCalendarFeed(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void CalendarFeed(const httplib::Request& req, httplib::Response& res, const Caller& c);

  // The team recovery key's set-up and share checks (routes_recovery.cc).
  void RegisterRecoveryRoutes();
  void PutRecovery(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void GetRecovery(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void UnsealedForCaller(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void RecoveryCheckKey(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void CheckRecoveryShare(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void PutRecoveryCopy(const httplib::Request& req, httplib::Response& res, const Caller& c);
  // The continuity report (routes_continuity.cc) and its /metrics gauges.
  void RegisterContinuityRoutes();
  void GetContinuity(const httplib::Request& req, httplib::Response& res, const Caller& c);
  Result<vault::continuity::Report> ContinuityReport();
  std::string ContinuityGauges();
  // Printed break-glass sheets (routes_sheets.cc): owners only, audited.
  void RegisterSheetRoutes();
  void RecordSheet(const httplib::Request& req, httplib::Response& res, const Caller& c);

  // The team roster (routes_roster.cc).
  void RegisterRosterRoutes();
  void GetRoster(const httplib::Request& req, httplib::Response& res, const Caller& c);
  void AppendRoster(const httplib::Request& req, httplib::Response& res, const Caller& c);
  // The stored roster's state, from the copy in memory and what was stored
  // since.
  Result<vault::roster::State> StoredRoster(vault::WriteTxn& t);
  // Verifies and appends `change`'s entries in the caller's transaction
  // (call it first in the write, then AfterRoster once the write is over):
  // FailedPrecondition and change.stale for an entry that does not follow
  // the stored roster, PermissionDenied for one that Apply or the server's
  // own checks refuse.
  Status ApplyRoster(vault::WriteTxn& t, const Caller& c, RosterChange& change);
  // Last in the write of a route that set change.claim: on a team with a
  // roster, refuses the change unless the roster (with the request's
  // entries) agrees with it, so that the tables never drift from what
  // people signed; the refusal is kept in change.mismatch for AfterRoster.
  // A legacy team (no roster) needs no statement.
  Status MatchRoster(vault::WriteTxn& t, const Caller& c, RosterChange& change);
  // Keeps the roster a committed write stored, or answers a stale entry
  // with 409 conflict and a mismatch with 400 roster_mismatch.
  void AfterRoster(httplib::Response& res, const RosterChange& change, bool committed);
  // WriteOr, with the request's roster entries applied in the same
  // transaction (all or nothing).
  bool WriteWithRoster(httplib::Response& res, const Caller& c, RosterChange& change,
                       const std::function<Status(vault::WriteTxn&)>& fn,
                       Conflicts conflicts = Conflicts::kByStatus);

  // Runs a write and sends its error, if any; true on success.
  bool WriteOr(httplib::Response& res, const std::function<Status(vault::WriteTxn&)>& fn,
               Conflicts conflicts = Conflicts::kByStatus);
  bool ReadOr(httplib::Response& res, const std::function<Status(vault::ReadTxn&)>& fn,
              Conflicts conflicts = Conflicts::kByStatus);
  // The tail of every creating route: runs `write`, reads the new record
  // back in the same transaction with `read_back` (so the answer shows what
  // was stored, defaults and all) and answers 201 with it.
  void WriteAndAnswerCreated(httplib::Response& res,
                             const std::function<Status(vault::WriteTxn&)>& write,
                             const std::function<Result<json>(vault::WriteTxn&)>& read_back,
                             Conflicts conflicts = Conflicts::kByStatus);
  // The same for a route that changes an existing record: answers 200.
  void WriteAndAnswerOk(httplib::Response& res,
                        const std::function<Status(vault::WriteTxn&)>& write,
                        const std::function<Result<json>(vault::WriteTxn&)>& read_back,
                        Conflicts conflicts = Conflicts::kByStatus);
  // Both of the above, answering `code`.
  void WriteAndAnswer(httplib::Response& res, int code,
                      const std::function<Status(vault::WriteTxn&)>& write,
                      const std::function<Result<json>(vault::WriteTxn&)>& read_back,
                      Conflicts conflicts);
  // Sends the error answer for a failed transaction, logging server faults.
  void SendFailure(httplib::Response& res, const Status& s, Conflicts conflicts);

  const Config config_;
  const Deps deps_;
  vault::Env& env_;
  vault::Store& vault_;
  Challenges challenges_;
  RateLimiter limiter_;
  // Calendar feed fetches per address: calendar programs poll every 15
  // minutes or so; 60 an hour leaves room for several behind one NAT.
  RateLimiter calendar_limiter_{env_, 60, std::chrono::hours(1)};
  // Share checks that did not match, per member: a share cannot be guessed
  // (128 bits or more), but a check is an oracle all the same, so a member
  // gets 10 wrong ones an hour.
  RateLimiter recovery_check_limiter_{env_, 10, std::chrono::hours(1)};
  Metrics metrics_;
  std::unique_ptr<httplib::SSLServer> http_;
  std::atomic<int64_t> audit_length_{0};
  // Authorization facts per bearer token and resource (Authorize), and the
  // observer of the vault's commits that moves its epoch.
  AuthCache auth_cache_{16384};
  DeniedLog denied_;
  // Offline reads reported per member in the current UTC day. Counted in
  // memory: a restart starts the day's count again.
  struct OfflineQuota {
    int64_t day = 0;  // days since the epoch
    int64_t used = 0;
    bool limited = false;  // the day's refusal is audited
  };
  std::mutex offline_mu_;
  std::map<std::string, OfflineQuota> offline_reads_;  // by member id; guarded by offline_mu_
  // The digest of the token /metrics asks for; none: /metrics answers 404.
  std::optional<crypto::Hash> metrics_token_hash_;
  const uint64_t commit_observer_;
  // httplib's stop() does nothing until listen_after_bind() has started
  // its loop, so a Shutdown() that came earlier (a SIGTERM right after
  // Bind()) would be lost and Serve() would block in accept() for good.
  std::mutex run_mu_;
  bool stop_requested_ = false;  // guarded by run_mu_
  bool serving_ = false;         // Serve() is in listen_after_bind(); guarded by run_mu_
  // Notice delivery (notifications.cc); null: that channel is off.
  std::unique_ptr<Notifier> webhook_notifier_;
  std::unique_ptr<Notifier> email_notifier_;
  std::mutex notify_mu_;  // held by the tick that is delivering
  // The roster as last committed by this server: replayed from the store
  // on first use, advanced after each commit that appended to it.
  std::mutex roster_mu_;
  vault::roster::State roster_;  // guarded by roster_mu_
};

}  // namespace server::internal

#endif  // BATON_SERVER_SRC_SERVER_IMPL_H_
