// Rotation reminder digests (docs/reminders.md): on batond's timer, the
// digests vault::reminders::PlanDigests says are due are queued in the
// notice outbox, each recorded as sent in the same transaction, so that
// TickNotifications delivers them with the outbox's retries and a restart
// neither repeats nor loses one.
#include <iostream>

#include "server_impl.h"
#include "vault/reminders.h"

namespace server::internal {
namespace {

namespace rem = vault::reminders;

struct Team {
  std::vector<rem::MemberFacts> members;
  std::vector<rem::ItemFacts> items;
  std::set<rem::DigestKey> sent;
  rem::DeliveryCounts counts;
};

// Everything the plan needs, from one snapshot.
Result<Team> ReadTeam(vault::ReadTxn& t, std::chrono::sys_days today) {
  Team team;
  auto members = t.ListMembers();
  if (!members) return Fail(members.error());
  for (const vault::Member& m : *members) {
    team.members.push_back({m.id, m.name, m.status == vault::MemberStatus::kActive,
                            m.role == TeamRole::kOwner || m.role == TeamRole::kAdmin});
  }
  auto pending = rem::PendingSince(t);
  if (!pending) return Fail(pending.error());
  const std::map<std::string, vault::TimePoint> pending_since(pending->begin(), pending->end());
  auto collections = t.ListCollections();
  if (!collections) return Fail(collections.error());
  for (const vault::Collection& c : *collections) {
    auto items = t.ListItems(c.id);
    if (!items) return Fail(items.error());
    for (const vault::ItemMeta& it : *items) {
      rem::ItemFacts f{it.id,
                       it.name,
                       it.channel,
                       it.responsible_id,
                       vault::FromUnixMs(it.last_rotated_ms),
                       std::chrono::days(it.rotation_period_s / 86400),
                       {},
                       std::nullopt};
      for (const auto& flag : it.flags) {
        f.flags.Raise({flag.kind, flag.reason, vault::FromUnixMs(flag.raised_ms)});
      }
      if (const auto p = pending_since.find(it.id); p != pending_since.end()) {
        f.pending_since = p->second;
      }
      team.items.push_back(std::move(f));
    }
  }
  auto sent = rem::SentOn(t, today);
  if (!sent) return Fail(sent.error());
  team.sent = std::move(*sent);
  auto counts = rem::CountDeliveries(t);
  if (!counts) return Fail(counts.error());
  team.counts = *counts;
  return team;
}

}  // namespace

Status ServerImpl::TickReminders() {
  const vault::TimePoint now = env_.Now();
  const auto today = std::chrono::floor<std::chrono::days>(now);
  const rem::Settings settings{std::chrono::days(config_.reminder_lead_days),
                               std::chrono::days(config_.reminder_escalate_days),
                               std::chrono::hours(config_.reminder_hour_utc)};
  Team team;
  if (Status s = vault_.Read([&](vault::ReadTxn& t) -> Status {
        auto read = ReadTeam(t, today);
        if (!read) return read.error();
        team = std::move(*read);
        return Status::OK();
      });
      !s.ok()) {
    return s.WithContext("reminders");
  }
  Metrics::Reminders gauges;
  for (const rem::ItemFacts& item : team.items) {
    const auto entry = rem::Classify(item, now, settings);
    gauges.overdue += entry && entry->group == rem::Group::kOverdue;
    gauges.flagged += !item.flags.empty();
    gauges.pending += item.pending_since.has_value();
  }
  gauges.digests = team.counts.digests;
  gauges.delivered = team.counts.delivered;
  gauges.failed = team.counts.failed;
  if (!config_.reminders) {
    metrics_.SetReminders(gauges);
    return Status::OK();
  }
  Status result = Status::OK();
  for (const rem::Digest& digest :
       rem::PlanDigests(now, team.members, team.items, team.sent, settings)) {
    const vault::Notice notice = rem::RenderDigest(digest, team.members, settings);
    const Status s = vault_.Write(
        [&](vault::WriteTxn& t) { return rem::RecordAndEnqueue(t, digest.key, notice); });
    // AlreadyExists: recorded since the snapshot, so it is on its way.
    if (s.ok()) ++gauges.digests;
    if (!s.ok() && !s.IsAlreadyExists() && result.ok()) result = s.WithContext("reminders");
  }
  metrics_.SetReminders(gauges);
  return result;
}

}  // namespace server::internal
