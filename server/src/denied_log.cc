// Refused requests in the audit log: the per-minute windows (DeniedLog) and
// what the server records of a refusal (its action name and target).
#include "denied_log.h"

#include <algorithm>
#include <iostream>
#include <limits>
#include <utility>

#include "server_impl.h"
#include "vault/audit.h"

namespace server {

void DeniedLog::Note(Key key, const std::string& route, const std::string& reason, int64_t now_ms) {
  const int64_t start = now_ms - now_ms % kWindowMs;
  std::lock_guard lock(mu_);
  CloseBefore(start, false);
  auto it = open_.find(key);
  if (it == open_.end()) {
    size_t targets = 0;
    for (auto j = open_.lower_bound(Key{key.actor, key.action, ""});
         j != open_.end() && j->first.actor == key.actor && j->first.action == key.action; ++j) {
      ++targets;
    }
    if (targets >= kMaxTargets) {
      key.target = kOtherTargets;
      it = open_.find(key);
    }
  }
  if (it == open_.end()) {
    oldest_start_ = open_.empty() ? start : std::min(oldest_start_, start);
    it = open_.emplace(key, Window{key, route, reason, start, now_ms, now_ms, 0, next_order_++})
             .first;
  }
  it->second.last_ms = now_ms;
  ++it->second.count;
}

std::vector<DeniedLog::Window> DeniedLog::Take(int64_t now_ms, bool all) {
  std::lock_guard lock(mu_);
  CloseBefore(now_ms - now_ms % kWindowMs, all);
  std::vector<Window> out = std::exchange(over_, {});
  // So the log reads as the refusals happened.
  std::sort(out.begin(), out.end(),
            [](const Window& a, const Window& b) { return a.order < b.order; });
  return out;
}

void DeniedLog::CloseBefore(int64_t start, bool all) {
  if (open_.empty() || (!all && oldest_start_ >= start)) return;
  int64_t oldest = std::numeric_limits<int64_t>::max();
  for (auto it = open_.begin(); it != open_.end();) {
    if (all || it->second.start_ms < start) {
      over_.push_back(std::move(it->second));
      it = open_.erase(it);
    } else {
      oldest = std::min(oldest, it->second.start_ms);
      ++it;
    }
  }
  oldest_start_ = oldest;
}

namespace internal {
namespace {

// The audit action a refusal of `spec` is named after: the event the route
// writes when it is allowed, where it writes one.
std::string DeniedName(const RouteSpec& spec) {
  const std::string_view pattern = spec.pattern, method = spec.method;
  switch (spec.action) {
    case Action::kReadServerInfo: return "server.info";
    case Action::kManageServerSettings: return "server.settings";
    case Action::kManageRecovery: return "server.recovery";
    case Action::kCreateServerBackup: return "server.backup";
    case Action::kListMembers: return "member.list";
    case Action::kInviteMember:
    case Action::kInviteAdmin:
    case Action::kInviteOwner: return "member.invite";
    case Action::kChangeRole:
    case Action::kChangeOwnerRole: return "member.role";
    case Action::kRemoveMember:
    case Action::kRemoveOwner: return "member.remove";
    case Action::kCreateCollection: return "collection.create";
    case Action::kDeleteCollection: return "collection.delete";
    case Action::kListCollections: return "collection.list";
    case Action::kChangeCollectionSettings: return "collection.settings";
    case Action::kReadAuditLog: return "audit.read";
    case Action::kExportAuditLog: return "audit.export";
    case Action::kListEmergencyGrants: return "emergency.list";
    case Action::kManageEmergencyGrants: return "emergency.grant";
    case Action::kDecideEmergencyRequest: return "emergency.decide";
    case Action::kRequestEmergencyAccess:
      if (pattern.ends_with("/keys")) return "emergency.keys";
      if (pattern.find("/items") != std::string_view::npos) return "emergency.item.read";
      if (pattern.ends_with("/decline")) return "emergency.decline";
      return "emergency.request";
    case Action::kConfirmEmergencyRequest: return "emergency.confirm";
    case Action::kUseSession: return "session";
    case Action::kReadItemMetadata: return "item.list";
    case Action::kReadItemSecret:
      if (pattern.ends_with("/history")) return "item.history";
      if (pattern.ends_with("/cache")) return "collection.cache";
      return "item.read";
    case Action::kCreateItem: return "item.create";
    case Action::kUpdateItem: return method == "PATCH" ? "item.meta" : "item.update";
    case Action::kDeleteItem: return "item.delete";
    case Action::kFlagItem: return "item.flag";
    case Action::kRotateItem: return "item.rotate";
    case Action::kGrantCollectionAccess:
      return method == "GET" ? "collection.grants" : "collection.grant";
    case Action::kRevokeCollectionAccess: return "collection.revoke";
    case Action::kRekeyCollection: return "collection.rekey";
    case Action::kReadSealedCollectionKey: return "collection.key";
    case Action::kReadRoster: return "roster.read";
    case Action::kAppendRoster: return "roster.append";
    case Action::kReadRecovery: return "recovery.read";
    case Action::kCheckRecoveryShare: return "recovery.check";
    case Action::kReadContinuityReport: return "continuity.read";
  }
  return "unknown";
}

// "item:<id>", "collection:<id>", ... for the id in the path; "team" for a
// route without one (or with an id that is not one).
std::string DeniedTarget(const RouteSpec& spec, const std::string* resource) {
  if (resource == nullptr || !IsId(*resource)) return "team";
  constexpr std::pair<std::string_view, std::string_view> kKinds[] = {
      {"/v1/items/", "item:"},
      {"/v1/collections/", "collection:"},
      {"/v1/members/", "member:"},
      {"/v1/emergency/requests/", "request:"},
      {"/v1/emergency/grants/", "grant:"},
  };
  for (const auto& [prefix, kind] : kKinds) {
    if (std::string_view(spec.pattern).starts_with(prefix)) return std::string(kind) + *resource;
  }
  return "team";
}

}  // namespace

bool IsRefusal(const RouteSpec& spec, int status) {
  // A deputy's read under a request that is not (or no longer) released is
  // refused with 409, not 403: the request exists and is theirs.
  return status == 403 || (status == 409 && spec.action == Action::kRequestEmergencyAccess &&
                           std::string_view(spec.method) == "GET");
}

std::string ErrorMessage(const httplib::Response& res) {
  const json j = json::parse(res.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("message") && j["error"]["message"].is_string()) {
    return j["error"]["message"].get<std::string>();
  }
  return "refused";
}

void ServerImpl::NoteDenied(const RouteSpec& spec, const Caller& c, const std::string* resource,
                            const std::string& reason) {
  denied_.Note({c.member.id, DeniedName(spec), DeniedTarget(spec, resource)},
               std::string(spec.method) + " " + spec.pattern, reason, Millis(env_.Now()));
}

void ServerImpl::FlushDenied(bool all) {
  const std::vector<DeniedLog::Window> windows = denied_.Take(Millis(env_.Now()), all);
  if (windows.empty()) return;
  Status s = vault_.Write([&](vault::WriteTxn& t) -> Status {
    for (const DeniedLog::Window& w : windows) {
      const json details = {{"count", w.count},       {"reason", w.reason},
                            {"route", w.route},       {"window_start_ms", w.start_ms},
                            {"first_ms", w.first_ms}, {"last_ms", w.last_ms}};
      if (Status st = t.Record({w.key.actor}, vault::audit::DeniedAction(w.key.action),
                               w.key.target, details.dump());
          !st.ok()) {
        return st;
      }
    }
    auto head = t.AuditHead();
    if (head) audit_length_ = head->seq;
    return Status::OK();
  });
  // The request that was refused has its answer already; a log that cannot
  // be written is the operator's to see.
  if (!s.ok()) std::clog << "batond: refused requests not audited: " << s.ToString() << "\n";
}

}  // namespace internal
}  // namespace server
