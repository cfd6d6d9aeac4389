// The continuity report (DESIGN.md §8): where a team still depends on one
// person. Computed from metadata only (who holds which collection, the
// emergency grants, what admins recorded about each platform), never from a
// secret, so the server can compute it for owners, admins and auditors.
//
// Everything here is pure: the caller reads the records in one transaction
// and passes the clock's time.
#ifndef BATON_VAULT_CONTINUITY_H_
#define BATON_VAULT_CONTINUITY_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/env.h"
#include "vault/status.h"
#include "vault/store.h"

namespace vault::continuity {

// How bad a finding is; findings are sorted in this order. Names:
// "critical" (nobody can reach it), "high" (one person can), "medium" (no
// way in if that person is gone: no deputy, a dead grant, no second admin on
// the platform), "low" (not known yet).
enum class Severity : uint8_t { kCritical, kHigh, kMedium, kLow };
inline constexpr std::array kAllSeverities = {Severity::kCritical, Severity::kHigh,
                                              Severity::kMedium, Severity::kLow};
std::string_view ToString(Severity s);
Result<Severity> ParseSeverity(std::string_view name);

// Finding kinds, in the order they are listed within a severity.
inline constexpr char kNoReader[] = "no_reader";
inline constexpr char kSingleReader[] = "single_reader";
inline constexpr char kNoDeputy[] = "no_deputy";
inline constexpr char kGrantRemovedMember[] = "grant_removed_member";
inline constexpr char kNoSecondAdmin[] = "no_second_admin";
inline constexpr char kSecondAdminUnknown[] = "second_admin_unknown";

// An active emergency grant that covers a collection.
struct Cover {
  std::string grant_id;
  std::string deputy;  // name
  int64_t wait_s = 0;
};

struct ItemEntry {
  std::string id;
  std::string name;
  std::string collection_id;
  std::string collection;
  std::string channel;
  std::string second_admin;          // yes, no, unknown
  std::string rotation;              // ok, due-soon, overdue, pending
  std::vector<std::string> readers;  // names of the active members who can read it
  std::vector<Cover> covers;
};

struct CollectionEntry {
  std::string id;
  std::string name;
  int64_t items = 0;
  std::vector<std::string> readers;
  std::vector<Cover> covers;
};

// A member who alone holds some collections.
struct SoleHolder {
  std::string member;
  std::vector<std::string> collections;  // names
};

struct ShareCheck {
  std::string holder;
  std::optional<int64_t> last_checked_ms;
};

// The team recovery key and backups. `set_up` is whether the store holds
// the recovery public key; `threshold` and `shares` come from the recovery
// share records through RecoveryFromStore's hook, empty until they exist.
struct Recovery {
  bool set_up = false;
  std::optional<int64_t> threshold;
  std::vector<ShareCheck> shares;
  std::optional<int64_t> last_backup_ms;
};

struct Finding {
  Severity severity = Severity::kLow;
  std::string kind;
  std::string subject;           // the item's, collection's or grant's name or id
  std::string message;           // for people; names, never a secret
  std::vector<std::string> fix;  // baton's arguments that fix it; empty: no one command does
};

struct Report {
  int64_t generated_ms = 0;
  std::vector<ItemEntry> items;
  std::vector<CollectionEntry> collections;
  std::vector<SoleHolder> sole_holders;
  std::vector<std::string> collections_without_deputy;  // names
  std::vector<std::string> grants_to_removed;           // grant ids
  Recovery recovery;
  std::vector<Finding> findings;  // most severe first
};

struct Input {
  std::vector<Member> members;
  std::vector<Collection> collections;
  std::map<std::string, std::vector<std::string>> access;  // collection id -> member ids
  std::vector<ItemMeta> items;
  std::vector<EmergencyGrant> grants;
  Recovery recovery;
  TimePoint now;
};

Report Compute(const Input& in);

// The input as the store has it now.
Result<Input> InputFromStore(ReadTxn& t, TimePoint now);

// The counts /metrics exposes.
struct Gauges {
  int64_t items_single_reader = 0;  // one reader or none
  int64_t collections_without_deputy = 0;
  int64_t items_without_second_admin = 0;  // not recorded as "yes"
};
Gauges CountGauges(const Report& r);

}  // namespace vault::continuity

#endif  // BATON_VAULT_CONTINUITY_H_
