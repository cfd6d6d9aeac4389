// Rotation reminder digests (DESIGN.md §8): which digests batond sends now,
// what they say, and the record of those already sent.
//
// PlanDigests is pure: the caller passes the clock, the team and the items
// as they are now, and the digests already sent today. Each member gets at
// most one daily digest per UTC day listing the items they are responsible
// for, grouped by state; every owner and admin gets at most one escalation
// digest per day listing the items overdue for escalate_after or longer.
// Because the plan is made from the items as they are, a confirmed rotation
// leaves every digest planned after it.
//
// The store functions record a sent digest and queue its notice in one
// transaction, so a digest is neither sent twice nor lost across restarts.
#ifndef BATON_VAULT_REMINDERS_H_
#define BATON_VAULT_REMINDERS_H_

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vault/env.h"
#include "vault/rotation.h"
#include "vault/status.h"
#include "vault/store.h"

namespace vault::reminders {

// An item's state in a digest; also the order of the groups in its text.
enum class Group : uint8_t {
  kOverdue,  // its due date was an earlier UTC day
  kFlagged,  // a rotation flag is raised
  kPending,  // a rotation was begun more than kPendingAfter ago and not confirmed
  kDue,      // due today (UTC)
  kDueSoon,  // due within the lead time
};
// "overdue", "flagged", "pending", "due", "due-soon".
std::string_view ToString(Group group);

// A rotation begun and left unconfirmed this long is reminded of.
inline constexpr std::chrono::hours kPendingAfter{24};

struct Settings {
  std::chrono::days lead{7};            // "due soon" this many days ahead
  std::chrono::days escalate_after{7};  // days overdue before admins hear of it
  std::chrono::hours send_hour{8};      // the UTC hour from which a day's digests go
};
inline constexpr std::chrono::days kMaxLead{365};
inline constexpr std::chrono::days kMaxEscalateAfter{365};

struct MemberFacts {
  std::string id;
  std::string name;
  bool active = true;
  bool admin = false;  // owner or admin: receives escalations
};

struct ItemFacts {
  std::string id;
  std::string name;
  std::string channel;
  std::string responsible_id;
  TimePoint last_rotated;
  std::chrono::days period{0};
  RotationFlags flags;
  std::optional<TimePoint> pending_since;  // a rotation under way
};

// "daily" to the responsible member, "escalation" to owners and admins.
enum class DigestKind : uint8_t { kDaily, kEscalation };
std::string_view ToString(DigestKind kind);
Result<DigestKind> ParseDigestKind(std::string_view name);

struct DigestKey {
  std::string member_id;
  std::chrono::sys_days day;  // UTC
  DigestKind kind = DigestKind::kDaily;

  auto operator<=>(const DigestKey&) const = default;
  bool operator==(const DigestKey&) const = default;
};

struct Entry {
  std::string item_id;
  std::string name;
  std::string channel;
  std::string responsible_id;
  Group group = Group::kDue;
  TimePoint due_at;          // for a flagged item, the earlier of the due date and the flag
  int64_t days_overdue = 0;  // whole UTC days since due_at's day; 0 if not yet
  std::string flags;         // the raised flags' names, "" if none
  std::optional<TimePoint> pending_since;

  bool operator==(const Entry&) const = default;
};

struct Digest {
  DigestKey key;
  std::vector<Entry> entries;  // by group, then due_at, then item id
};

// Where an item stands at `now`, or nullopt if it needs no reminder.
std::optional<Entry> Classify(const ItemFacts& item, TimePoint now, const Settings& settings);

// The digests to send at `now` that `sent` does not hold yet: none before
// settings.send_hour on a UTC day (and a day's digest is never sent on a
// later day), no digest without entries. An item whose responsible member
// is not an active member goes to every active owner and admin instead.
// Settings out of range are clamped (lead into [0, kMaxLead], escalate_after
// into [1, kMaxEscalateAfter], send_hour into [0, 23]). Digests are ordered
// by key.
std::vector<Digest> PlanDigests(TimePoint now, std::span<const MemberFacts> members,
                                std::span<const ItemFacts> items, const std::set<DigestKey>& sent,
                                const Settings& settings);

// A name as a digest shows it: invalid UTF-8, control characters and
// bidirectional overrides become '?', so a name cannot break a mail line or
// disguise itself.
std::string SafeName(std::string_view name);

// The notice for `digest`: a first line that sums it up, then one line per
// item under its group's heading; details hold the day, kind, member id and
// each group's item ids. Only names, channels and dates: never a URL or a
// secret. `members` names the responsible members in an escalation.
Notice RenderDigest(const Digest& digest, std::span<const MemberFacts> members,
                    const Settings& settings);

// --- The record of sent digests in the store ---------------------------------

// The digests recorded for `day`.
Result<std::set<DigestKey>> SentOn(ReadTxn& t, std::chrono::sys_days day);
// Records `key` as sent and queues `notice` (WriteTxn::EnqueueNotice), in
// the caller's transaction: AlreadyExists if `key` was recorded before.
Status RecordAndEnqueue(WriteTxn& t, const DigestKey& key, const Notice& notice);
// Since when each item with a pending rotation has had it, by item id.
Result<std::vector<std::pair<std::string, TimePoint>>> PendingSince(ReadTxn& t);

// Delivery outcomes of the digests' notices still in the outbox.
struct DeliveryCounts {
  int64_t digests = 0;    // digests ever recorded
  int64_t delivered = 0;  // their deliveries accepted by a receiver
  int64_t failed = 0;     // their deliveries given up
};
Result<DeliveryCounts> CountDeliveries(ReadTxn& t);

}  // namespace vault::reminders

#endif  // BATON_VAULT_REMINDERS_H_
