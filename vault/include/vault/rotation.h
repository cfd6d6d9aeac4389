// Rotation rules (DESIGN.md §8): default periods per channel type, rotation
// flags, when an item is due, sorting for `baton due`, and the two-phase
// rotation state machine.
//
// Everything here is pure: time comes in as a parameter (the caller reads its
// Env's clock), nothing is stored, nothing is secret. The state machine only
// tracks version numbers; the secrets of those versions are stored encrypted
// elsewhere, keyed by (item, version).
//
// Thread safety: free functions are pure; a RotationState is a value and
// needs external synchronization like any other.
#ifndef BATON_VAULT_ROTATION_H_
#define BATON_VAULT_ROTATION_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vault/env.h"
#include "vault/status.h"

namespace vault {

// --- Channel types and their default periods --------------------------------

// Names on the wire: "facebook", "instagram", "x", "linkedin", "tiktok",
// "youtube", "google-business", "email", "domain-registrar", "other".
enum class ChannelType : uint8_t {
  kFacebook,
  kInstagram,
  kX,
  kLinkedIn,
  kTikTok,
  kYouTube,
  kGoogleBusiness,
  kEmail,
  kDomainRegistrar,
  kOther,
};

inline constexpr std::array kAllChannelTypes = {
    ChannelType::kFacebook,       ChannelType::kInstagram, ChannelType::kX,
    ChannelType::kLinkedIn,       ChannelType::kTikTok,    ChannelType::kYouTube,
    ChannelType::kGoogleBusiness, ChannelType::kEmail,     ChannelType::kDomainRegistrar,
    ChannelType::kOther,
};

// "unknown" for out-of-range values.
std::string_view ToString(ChannelType type);
// Exact lower-case names only; InvalidArgument otherwise.
Result<ChannelType> ParseChannelType(std::string_view name);

// The rotation period an item of `type` gets unless someone sets another.
// Out-of-range values get the period of kOther.
std::chrono::days DefaultRotationPeriod(ChannelType type);

// Limits for a rotation period set by a user.
inline constexpr std::chrono::days kMinRotationPeriod{1};
inline constexpr std::chrono::days kMaxRotationPeriod{3650};
// OK if kMinRotationPeriod <= period <= kMaxRotationPeriod, InvalidArgument
// otherwise. The API and CLI call this before storing a period.
Status ValidateRotationPeriod(std::chrono::days period);

// --- Item versions -----------------------------------------------------------

// Where one stored version of an item is in a two-phase rotation: the one in
// use, the one being rotated to, the one it replaced, or a rotation given up
// (its number is never used again). Names: "current", "pending", "previous",
// "aborted".
enum class ItemVersionState : uint8_t { kCurrent, kPending, kPrevious, kAborted };

inline constexpr std::array kAllItemVersionStates = {
    ItemVersionState::kCurrent, ItemVersionState::kPending, ItemVersionState::kPrevious,
    ItemVersionState::kAborted};

std::string_view ToString(ItemVersionState state);
Result<ItemVersionState> ParseItemVersionState(std::string_view name);

// --- Flags -------------------------------------------------------------------

// Why an item must be rotated now, regardless of its period. Names:
// "manual", "member-removed", "emergency-access", "breach".
enum class RotationFlagKind : uint8_t { kManual, kMemberRemoved, kEmergencyAccess, kBreach };

inline constexpr std::array kAllRotationFlagKinds = {
    RotationFlagKind::kManual, RotationFlagKind::kMemberRemoved, RotationFlagKind::kEmergencyAccess,
    RotationFlagKind::kBreach};

std::string_view ToString(RotationFlagKind kind);
Result<RotationFlagKind> ParseRotationFlagKind(std::string_view name);
// The kind of a flag another baton reported: one this build does not know
// (a newer server's) still means "rotate now", so it reads as kManual.
RotationFlagKind ReportedFlagKind(std::string_view name);

struct RotationFlag {
  RotationFlagKind kind = RotationFlagKind::kManual;
  std::string reason;  // for humans, e.g. "alice removed from the team"; never a secret
  TimePoint raised_at;

  bool operator==(const RotationFlag&) const = default;
};

// A small set of flags, at most one per kind, each with its reason and time.
class RotationFlags {
 public:
  // Adds `flag`. If its kind is already raised, the earlier of the two is
  // kept (the item has been due since then; the audit log keeps every
  // event). Out-of-range kinds are ignored.
  void Raise(RotationFlag flag);
  void Clear() { flags_ = {}; }

  bool empty() const { return bits() == 0; }
  bool Has(RotationFlagKind kind) const;
  // nullptr if `kind` is not raised. Valid until the next mutation.
  const RotationFlag* Get(RotationFlagKind kind) const;
  // Bit i set for kind i (kManual = bit 0, ...).
  uint8_t bits() const;
  // The raised flags in kind order.
  std::vector<RotationFlag> List() const;
  // The earliest raised_at of any flag; nullopt if none.
  std::optional<TimePoint> EarliestRaisedAt() const;
  // Kind names joined by ',' in kind order, e.g. "manual,breach"; "" if none.
  std::string ToString() const;

  bool operator==(const RotationFlags&) const = default;

 private:
  std::array<std::optional<RotationFlag>, kAllRotationFlagKinds.size()> flags_;
};

// --- When is an item due ----------------------------------------------------

enum class DueStatus : uint8_t {
  kOk,       // due later than the due-soon window
  kDueSoon,  // due within the window
  kOverdue,  // the due date has come (due_at <= now)
  kFlagged,  // a flag is raised: due now, whatever the period says
};
std::string_view ToString(DueStatus status);  // "ok", "due-soon", "overdue", "flagged"

inline constexpr std::chrono::days kDefaultDueSoonWindow{14};

struct DueInfo {
  DueStatus status = DueStatus::kOk;
  // last_rotated + period; for a flagged item the earlier of that and the
  // earliest flag's raised_at.
  TimePoint due_at;

  bool operator==(const DueInfo&) const = default;
};

// Where an item stands at `now`. Total: never fails. A period outside
// [kMinRotationPeriod, kMaxRotationPeriod] is clamped into it (so a damaged
// record errs towards rotating, never towards "never"); the window is
// clamped into [0, kMaxRotationPeriod]. Saturates instead of overflowing near TimePoint's limits.
DueInfo ComputeDue(TimePoint now, TimePoint last_rotated, std::chrono::days period,
                   const RotationFlags& flags,
                   std::chrono::days due_soon_window = kDefaultDueSoonWindow);

// One item as `baton due` and the reminder job see it.
struct ItemRotation {
  std::string item_id;
  std::chrono::days period{0};
  TimePoint last_rotated;
  RotationFlags flags;
};

struct DueEntry {
  ItemRotation item;
  DueInfo due;
};

struct DueReport {
  // Flagged items first (earliest flag first), then overdue ones (longest
  // overdue first).
  std::vector<DueEntry> overdue;
  std::vector<DueEntry> due_soon;  // soonest first
  std::vector<DueEntry> later;     // soonest first
};

// Sorts `items` into the three groups at `now`. Ties are broken by item_id so
// the output is deterministic.
DueReport SortByDue(std::span<const ItemRotation> items, TimePoint now,
                    std::chrono::days due_soon_window = kDefaultDueSoonWindow);

// --- Two-phase rotation ------------------------------------------------------

// A version that was current once and has been replaced.
struct VersionRecord {
  uint64_t version = 0;
  TimePoint current_since;  // when it became current
  TimePoint replaced_at;    // when a confirmed rotation replaced it

  bool operator==(const VersionRecord&) const = default;
};

// The rotation state of one item:
//
//   idle --Begin(v)--> pending(v) --Confirm--> idle, current = v
//                                 --Abort----> idle, current unchanged
//
// A rotation generates the new secret first and keeps it pending while the
// user changes it on the site; only Confirm makes it current, so a half-done
// rotation never locks the team out. Every failed call returns a non-OK
// Status and leaves the state exactly as it was.
class RotationState {
 public:
  // An item whose current version is `current_version`, current (and thus
  // last rotated) since `current_since`.
  RotationState(uint64_t current_version, TimePoint current_since);

  // Starts a rotation to `pending_version`, whose encrypted secret the caller
  // has stored (or is storing in the same transaction).
  // FailedPrecondition if a rotation is already pending. InvalidArgument if
  // `pending_version` is not greater than every version this item has used,
  // including aborted ones (a version number names one ciphertext forever,
  // so an old one can never be passed off as new), or if `now` is earlier
  // than the state's latest recorded time.
  Status Begin(TimePoint now, uint64_t pending_version);

  // Makes the pending version current: the old current goes to history,
  // last_rotated() becomes `now`, and flags raised before Begin are cleared.
  // Flags raised while the rotation was pending stay: the new secret already
  // existed when that exposure happened.
  // FailedPrecondition if nothing is pending; InvalidArgument if `now` is
  // earlier than Begin's time.
  Status Confirm(TimePoint now);

  // Drops the pending version; the current one stays current, flags stay.
  // FailedPrecondition if nothing is pending; InvalidArgument if `now` is
  // earlier than Begin's time.
  Status Abort(TimePoint now);

  // Raises a flag (manual, member removed, emergency access, breach). Allowed
  // in any phase; only a confirmed rotation clears flags.
  void RaiseFlag(RotationFlag flag);

  bool pending() const { return pending_.has_value(); }
  uint64_t current_version() const { return current_version_; }
  TimePoint last_rotated() const { return current_since_; }
  std::optional<uint64_t> pending_version() const;
  std::optional<TimePoint> pending_since() const;
  const RotationFlags& flags() const { return flags_; }
  // Replaced versions, oldest first. Aborted versions never appear here.
  const std::vector<VersionRecord>& history() const { return history_; }

  // Where this item stands at `now` (see ComputeDue). A pending rotation does
  // not make an item less due: until confirmed, the old secret is in use.
  DueInfo Due(TimePoint now, std::chrono::days period,
              std::chrono::days due_soon_window = kDefaultDueSoonWindow) const;

  bool operator==(const RotationState&) const = default;

 private:
  struct Pending {
    uint64_t version = 0;
    TimePoint since;
    bool operator==(const Pending&) const = default;
  };

  uint64_t current_version_;
  TimePoint current_since_;
  uint64_t highest_version_;  // highest version ever begun or current
  std::optional<Pending> pending_;
  std::optional<uint64_t> last_aborted_version_;  // only for error messages
  RotationFlags flags_;
  RotationFlags flags_since_begin_;  // raised while pending_; survive Confirm
  std::vector<VersionRecord> history_;
};

}  // namespace vault

#endif  // BATON_VAULT_ROTATION_H_
