#include "vault/rotation.h"

#include <algorithm>
#include <cstdio>
#include <tuple>
#include <utility>

#include "parse_name.h"

namespace vault {
namespace {

using std::chrono::days;

// UTC, ISO 8601 to the second, for error messages ("2026-03-31T12:00:00Z").
std::string TimeString(TimePoint t) {
  const auto day = std::chrono::floor<days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(t - day)};
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

// t + d, saturating at TimePoint's limits instead of overflowing.
TimePoint SatAdd(TimePoint t, days d) {
  const auto dd = std::chrono::duration_cast<TimePoint::duration>(d);
  if (dd.count() >= 0 && t > TimePoint::max() - dd) return TimePoint::max();
  if (dd.count() < 0 && t < TimePoint::min() - dd) return TimePoint::min();
  return t + dd;
}

}  // namespace

// --- Channel types -----------------------------------------------------------

std::string_view ToString(ChannelType type) {
  switch (type) {
    case ChannelType::kFacebook: return "facebook";
    case ChannelType::kInstagram: return "instagram";
    case ChannelType::kX: return "x";
    case ChannelType::kLinkedIn: return "linkedin";
    case ChannelType::kTikTok: return "tiktok";
    case ChannelType::kYouTube: return "youtube";
    case ChannelType::kGoogleBusiness: return "google-business";
    case ChannelType::kEmail: return "email";
    case ChannelType::kDomainRegistrar: return "domain-registrar";
    case ChannelType::kOther: return "other";
  }
  return "unknown";
}

Result<ChannelType> ParseChannelType(std::string_view name) {
  return ParseName("channel type", name, kAllChannelTypes);
}

// Periodic rotation is not a substitute for rotating on exposure (NIST SP
// 800-63B advises against forced periodic changes for personal passwords);
// flags handle exposure. For shared team logins the period bounds how long a
// copy that walked out unnoticed (an ex-employee, an agency, a post-it) keeps
// working, weighed against the risk of locking the team out:
//   social and Google Business: 90 days. The most widely shared logins
//     (staff, interns, agencies) and the most damaging to lose: a hijacked
//     page speaks for the company.
//   email: 180 days. Mailbox passwords live in many mail clients and devices,
//     so changing them costs more; the mailbox is also the recovery channel,
//     so it should sit behind 2FA, which the item's TOTP seed provides.
//   domain registrar: 365 days. Used rarely, by few people, usually with 2FA
//     and registrar lock; a botched change here can take everything offline.
//   other: 180 days, a middle ground until someone picks a period.
days DefaultRotationPeriod(ChannelType type) {
  switch (type) {
    case ChannelType::kFacebook:
    case ChannelType::kInstagram:
    case ChannelType::kX:
    case ChannelType::kLinkedIn:
    case ChannelType::kTikTok:
    case ChannelType::kYouTube:
    case ChannelType::kGoogleBusiness: return days{90};
    case ChannelType::kEmail: return days{180};
    case ChannelType::kDomainRegistrar: return days{365};
    case ChannelType::kOther: return days{180};
  }
  return days{180};
}

Status ValidateRotationPeriod(days period) {
  if (period < kMinRotationPeriod || period > kMaxRotationPeriod) {
    return Status::InvalidArgument("rotation period must be between " +
                                   std::to_string(kMinRotationPeriod.count()) + " and " +
                                   std::to_string(kMaxRotationPeriod.count()) + " days, got " +
                                   std::to_string(period.count()));
  }
  return Status::OK();
}

// --- Item versions -----------------------------------------------------------

std::string_view ToString(ItemVersionState state) {
  switch (state) {
    case ItemVersionState::kCurrent: return "current";
    case ItemVersionState::kPending: return "pending";
    case ItemVersionState::kPrevious: return "previous";
    case ItemVersionState::kAborted: return "aborted";
  }
  return "unknown";
}

Result<ItemVersionState> ParseItemVersionState(std::string_view name) {
  return ParseName("item version state", name, kAllItemVersionStates);
}

// --- Flags -------------------------------------------------------------------

std::string_view ToString(RotationFlagKind kind) {
  switch (kind) {
    case RotationFlagKind::kManual: return "manual";
    case RotationFlagKind::kMemberRemoved: return "member-removed";
    case RotationFlagKind::kEmergencyAccess: return "emergency-access";
    case RotationFlagKind::kBreach: return "breach";
  }
  return "unknown";
}

Result<RotationFlagKind> ParseRotationFlagKind(std::string_view name) {
  return ParseName("rotation flag", name, kAllRotationFlagKinds);
}

RotationFlagKind ReportedFlagKind(std::string_view name) {
  return ParseRotationFlagKind(name).value_or(RotationFlagKind::kManual);
}

void RotationFlags::Raise(RotationFlag flag) {
  const size_t i = static_cast<size_t>(flag.kind);
  if (i >= flags_.size()) return;
  if (flags_[i].has_value() && flags_[i]->raised_at <= flag.raised_at) return;
  flags_[i] = std::move(flag);
}

bool RotationFlags::Has(RotationFlagKind kind) const { return Get(kind) != nullptr; }

const RotationFlag* RotationFlags::Get(RotationFlagKind kind) const {
  const size_t i = static_cast<size_t>(kind);
  if (i >= flags_.size() || !flags_[i].has_value()) return nullptr;
  return &*flags_[i];
}

uint8_t RotationFlags::bits() const {
  uint8_t out = 0;
  for (size_t i = 0; i < flags_.size(); ++i) {
    if (flags_[i].has_value()) out |= static_cast<uint8_t>(1u << i);
  }
  return out;
}

std::vector<RotationFlag> RotationFlags::List() const {
  std::vector<RotationFlag> out;
  for (const auto& f : flags_) {
    if (f.has_value()) out.push_back(*f);
  }
  return out;
}

std::optional<TimePoint> RotationFlags::EarliestRaisedAt() const {
  std::optional<TimePoint> out;
  for (const auto& f : flags_) {
    if (f.has_value() && (!out || f->raised_at < *out)) out = f->raised_at;
  }
  return out;
}

std::string RotationFlags::ToString() const {
  std::string out;
  for (const auto& f : flags_) {
    if (!f.has_value()) continue;
    if (!out.empty()) out += ',';
    out += vault::ToString(f->kind);
  }
  return out;
}

// --- Due ---------------------------------------------------------------------

std::string_view ToString(DueStatus status) {
  switch (status) {
    case DueStatus::kOk: return "ok";
    case DueStatus::kDueSoon: return "due-soon";
    case DueStatus::kOverdue: return "overdue";
    case DueStatus::kFlagged: return "flagged";
  }
  return "unknown";
}

DueInfo ComputeDue(TimePoint now, TimePoint last_rotated, days period, const RotationFlags& flags,
                   days due_soon_window) {
  period = std::clamp(period, kMinRotationPeriod, kMaxRotationPeriod);
  due_soon_window = std::clamp(due_soon_window, days{0}, kMaxRotationPeriod);
  const TimePoint due_at = SatAdd(last_rotated, period);
  if (const std::optional<TimePoint> raised = flags.EarliestRaisedAt()) {
    return {DueStatus::kFlagged, std::min(due_at, *raised)};
  }
  // Due on the day means overdue: the reminder escalates from that moment.
  if (now >= due_at) return {DueStatus::kOverdue, due_at};
  if (now >= SatAdd(due_at, -due_soon_window)) return {DueStatus::kDueSoon, due_at};
  return {DueStatus::kOk, due_at};
}

DueReport SortByDue(std::span<const ItemRotation> items, TimePoint now, days due_soon_window) {
  DueReport report;
  for (const ItemRotation& item : items) {
    DueInfo due = ComputeDue(now, item.last_rotated, item.period, item.flags, due_soon_window);
    DueEntry entry{item, due};
    switch (due.status) {
      case DueStatus::kFlagged:
      case DueStatus::kOverdue: report.overdue.push_back(std::move(entry)); break;
      case DueStatus::kDueSoon: report.due_soon.push_back(std::move(entry)); break;
      case DueStatus::kOk: report.later.push_back(std::move(entry)); break;
    }
  }
  auto key = [](const DueEntry& e) {
    // Flagged before merely overdue: a known exposure beats an expired period.
    return std::tuple(e.due.status != DueStatus::kFlagged, e.due.due_at,
                      std::string_view(e.item.item_id));
  };
  auto by_key = [&](const DueEntry& a, const DueEntry& b) { return key(a) < key(b); };
  std::sort(report.overdue.begin(), report.overdue.end(), by_key);
  std::sort(report.due_soon.begin(), report.due_soon.end(), by_key);
  std::sort(report.later.begin(), report.later.end(), by_key);
  return report;
}

// --- Two-phase rotation ------------------------------------------------------

RotationState::RotationState(uint64_t current_version, TimePoint current_since)
    : current_version_(current_version),
      current_since_(current_since),
      highest_version_(current_version) {}

std::optional<uint64_t> RotationState::pending_version() const {
  if (!pending_) return std::nullopt;
  return pending_->version;
}

std::optional<TimePoint> RotationState::pending_since() const {
  if (!pending_) return std::nullopt;
  return pending_->since;
}

Status RotationState::Begin(TimePoint now, uint64_t pending_version) {
  if (pending_) {
    return Status::FailedPrecondition(
        "a rotation to version " + std::to_string(pending_->version) +
        " is already pending; confirm or abort it before starting another");
  }
  if (pending_version <= highest_version_) {
    return Status::InvalidArgument("new version " + std::to_string(pending_version) +
                                   " must be greater than " + std::to_string(highest_version_) +
                                   ", the highest version this item has used");
  }
  if (now < current_since_) {
    return Status::InvalidArgument("rotation time " + TimeString(now) +
                                   " is before the current version's time " +
                                   TimeString(current_since_));
  }
  pending_ = Pending{pending_version, now};
  highest_version_ = pending_version;
  last_aborted_version_.reset();
  flags_since_begin_.Clear();
  return Status::OK();
}

namespace {
Status NothingPending(std::string_view verb, const std::optional<uint64_t>& last_aborted) {
  std::string msg = "cannot " + std::string(verb) + ": no rotation is pending";
  if (last_aborted) {
    msg += " (the rotation to version " + std::to_string(*last_aborted) + " was aborted)";
  }
  return Status::FailedPrecondition(msg);
}
}  // namespace

Status RotationState::Confirm(TimePoint now) {
  if (!pending_) return NothingPending("confirm", last_aborted_version_);
  if (now < pending_->since) {
    return Status::InvalidArgument("confirmation time " + TimeString(now) +
                                   " is before the rotation began at " +
                                   TimeString(pending_->since));
  }
  history_.push_back(VersionRecord{current_version_, current_since_, now});
  current_version_ = pending_->version;
  current_since_ = now;
  pending_.reset();
  flags_ = std::exchange(flags_since_begin_, RotationFlags{});
  return Status::OK();
}

Status RotationState::Abort(TimePoint now) {
  if (!pending_) return NothingPending("abort", last_aborted_version_);
  if (now < pending_->since) {
    return Status::InvalidArgument("abort time " + TimeString(now) +
                                   " is before the rotation began at " +
                                   TimeString(pending_->since));
  }
  last_aborted_version_ = pending_->version;
  pending_.reset();
  flags_since_begin_.Clear();
  return Status::OK();
}

void RotationState::RaiseFlag(RotationFlag flag) {
  if (pending_) flags_since_begin_.Raise(flag);
  flags_.Raise(std::move(flag));
}

DueInfo RotationState::Due(TimePoint now, days period, days due_soon_window) const {
  return ComputeDue(now, current_since_, period, flags_, due_soon_window);
}

}  // namespace vault
