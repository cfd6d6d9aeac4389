// The reminder digests' rules and text (vault/reminders.h). Pure.
#include <algorithm>
#include <array>
#include <map>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "parse_name.h"
#include "utf8.h"
#include "vault/reminders.h"
#include "vault/time_format.h"

namespace vault::reminders {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr std::array kAllGroups = {Group::kOverdue, Group::kFlagged, Group::kPending, Group::kDue,
                                   Group::kDueSoon};
constexpr std::array kAllDigestKinds = {DigestKind::kDaily, DigestKind::kEscalation};

Settings Clamped(Settings s) {
  s.lead = std::clamp(s.lead, days{0}, kMaxLead);
  s.escalate_after = std::clamp(s.escalate_after, days{1}, kMaxEscalateAfter);
  s.send_hour = std::clamp(s.send_hour, std::chrono::hours{0}, std::chrono::hours{23});
  return s;
}

std::string DayText(TimePoint t) { return FormatUtc(ToUnixMs(t), UtcFormat::kDate); }

std::string DayText(sys_days d) { return DayText(TimePoint(d)); }

// Whether a code point may not appear in a digest: C0 and C1 controls,
// DEL, and the marks and overrides that reorder or hide text.
bool Hidden(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

// The code point of the valid UTF-8 sequence at s[i] and its length.
std::pair<uint32_t, size_t> Decode(std::string_view s, size_t i) {
  const auto c = static_cast<uint8_t>(s[i]);
  const size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
  uint32_t cp = len == 1 ? c : c & (0xff >> (len + 1));
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3f);
  return {cp, len};
}

// "Alice", or "nobody active" when the member has left or is unknown.
std::string MemberName(std::span<const MemberFacts> members, const std::string& id) {
  for (const MemberFacts& m : members) {
    if (m.id == id && m.active) return SafeName(m.name);
  }
  return "nobody active";
}

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string_view Heading(Group g) {
  switch (g) {
    case Group::kOverdue: return "Overdue:";
    case Group::kFlagged: return "Flagged, rotate now:";
    case Group::kPending: return "Rotation begun, not confirmed:";
    case Group::kDue: return "Due today:";
    case Group::kDueSoon: return "Due soon:";
  }
  return "Other:";
}

// One line of the digest for `e`.
std::string Line(const Entry& e, const Digest& d, std::span<const MemberFacts> members) {
  std::string out = "- " + SafeName(e.name) + " (" + SafeName(e.channel) + ")";
  switch (e.group) {
    case Group::kFlagged: out += ": " + e.flags + " since " + DayText(e.due_at); break;
    case Group::kPending:
      out +=
          ": begun " + DayText(e.pending_since.value_or(e.due_at)) + ", due " + DayText(e.due_at);
      break;
    default: out += ": due " + DayText(e.due_at); break;
  }
  if (e.days_overdue > 0) out += ", " + Plural(e.days_overdue, "day", "days") + " overdue";
  if (d.key.kind == DigestKind::kEscalation) {
    out += "; responsible: " + MemberName(members, e.responsible_id);
  }
  return out;
}

}  // namespace

std::string_view ToString(Group group) {
  switch (group) {
    case Group::kOverdue: return "overdue";
    case Group::kFlagged: return "flagged";
    case Group::kPending: return "pending";
    case Group::kDue: return "due";
    case Group::kDueSoon: return "due-soon";
  }
  return "unknown";
}

std::string_view ToString(DigestKind kind) {
  return kind == DigestKind::kEscalation ? "escalation" : "daily";
}

Result<DigestKind> ParseDigestKind(std::string_view name) {
  return ParseName("digest kind", name, kAllDigestKinds, [](DigestKind k) { return ToString(k); });
}

std::optional<Entry> Classify(const ItemFacts& item, TimePoint now, const Settings& raw) {
  const Settings settings = Clamped(raw);
  const DueInfo due = ComputeDue(now, item.last_rotated, item.period, item.flags, settings.lead);
  const sys_days today = std::chrono::floor<days>(now);
  const sys_days due_day = std::chrono::floor<days>(due.due_at);
  Entry e{item.id,    item.name, item.channel,          item.responsible_id, Group::kDue,
          due.due_at, 0,         item.flags.ToString(), item.pending_since};
  e.days_overdue = std::max<int64_t>(0, (today - due_day).count());
  const bool pending_long = item.pending_since && now - *item.pending_since > kPendingAfter;
  if (due.status == DueStatus::kFlagged) {
    e.group = Group::kFlagged;
  } else if (due_day < today) {
    e.group = Group::kOverdue;
  } else if (pending_long) {
    e.group = Group::kPending;
  } else if (due_day == today) {
    e.group = Group::kDue;
  } else if (due_day <= today + settings.lead) {
    e.group = Group::kDueSoon;
  } else {
    return std::nullopt;
  }
  return e;
}

std::vector<Digest> PlanDigests(TimePoint now, std::span<const MemberFacts> members,
                                std::span<const ItemFacts> items, const std::set<DigestKey>& sent,
                                const Settings& raw) {
  const Settings settings = Clamped(raw);
  const sys_days today = std::chrono::floor<days>(now);
  if (now < TimePoint(today) + settings.send_hour) return {};
  std::vector<const MemberFacts*> admins;
  for (const MemberFacts& m : members) {
    if (m.active && m.admin) admins.push_back(&m);
  }
  const auto responsible = [&](const std::string& id) {
    return std::any_of(members.begin(), members.end(),
                       [&](const MemberFacts& m) { return m.active && m.id == id; });
  };
  std::map<DigestKey, std::vector<Entry>> planned;
  for (const ItemFacts& item : items) {
    const std::optional<Entry> e = Classify(item, now, settings);
    if (!e) continue;
    if (responsible(item.responsible_id)) {
      planned[{item.responsible_id, today, DigestKind::kDaily}].push_back(*e);
    } else {
      for (const MemberFacts* a : admins) planned[{a->id, today, DigestKind::kDaily}].push_back(*e);
    }
    if (e->days_overdue >= settings.escalate_after.count()) {
      for (const MemberFacts* a : admins) {
        planned[{a->id, today, DigestKind::kEscalation}].push_back(*e);
      }
    }
  }
  std::vector<Digest> out;
  for (auto& [key, entries] : planned) {
    if (sent.contains(key)) continue;
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return std::tie(a.group, a.due_at, a.item_id) < std::tie(b.group, b.due_at, b.item_id);
    });
    out.push_back({key, std::move(entries)});
  }
  return out;
}

std::string SafeName(std::string_view name) {
  if (!internal::IsValidUtf8(name)) {
    std::string out;
    for (char c : name) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
  }
  std::string out;
  for (size_t i = 0; i < name.size();) {
    const auto [cp, len] = Decode(name, i);
    if (Hidden(cp)) {
      out += '?';
    } else {
      out.append(name.substr(i, len));
    }
    i += len;
  }
  return out;
}

Notice RenderDigest(const Digest& d, std::span<const MemberFacts> members, const Settings& raw) {
  const Settings settings = Clamped(raw);
  const bool escalation = d.key.kind == DigestKind::kEscalation;
  std::map<Group, std::vector<const Entry*>> by_group;
  for (const Entry& e : d.entries) by_group[e.group].push_back(&e);
  std::string summary;
  for (const auto& [group, entries] : by_group) {
    summary += (summary.empty() ? "" : ", ") + std::to_string(entries.size()) + " " +
               std::string(ToString(group));
  }
  const std::string day = DayText(d.key.day);
  std::string text =
      escalation
          ? Plural(d.entries.size(), "rotation is", "rotations are") + " " +
                std::to_string(settings.escalate_after.count()) + " days or more overdue on " + day
          : "Rotations for " + MemberName(members, d.key.member_id) + " on " + day + ": " + summary;
  nlohmann::json details = {{"day", day},
                            {"digest", ToString(d.key.kind)},
                            {"member", SafeName(d.key.member_id)},
                            {"items", d.entries.size()}};
  for (Group g : kAllGroups) {
    const auto it = by_group.find(g);
    if (it == by_group.end()) continue;
    text += "\n" + std::string(g == Group::kDueSoon && !escalation
                                   ? "Due within " + Plural(settings.lead.count(), "day:", "days:")
                                   : std::string(Heading(g)));
    std::string ids;
    for (const Entry* e : it->second) {
      text += "\n" + Line(*e, d, members);
      // Ids are hex on the wire; made safe all the same, as JSON needs UTF-8.
      ids += (ids.empty() ? "" : ",") + SafeName(e->item_id);
    }
    details[std::string(ToString(g))] = ids;
  }
  return Notice{"reminder." + std::string(ToString(d.key.kind)),
                text,
                details.dump(),
                {d.key.member_id}};
}

}  // namespace vault::reminders
