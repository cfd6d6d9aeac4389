#include "vault/continuity.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "parse_name.h"
#include "vault/recovery_store.h"
#include "vault/rotation.h"
#include "vault/time_format.h"

namespace vault::continuity {
namespace {

constexpr std::array<std::string_view, 6> kKindOrder = {
    kNoReader, kSingleReader, kNoDeputy, kGrantRemovedMember, kNoSecondAdmin, kSecondAdminUnknown};

size_t KindRank(const std::string& kind) {
  return static_cast<size_t>(std::ranges::find(kKindOrder, kind) - kKindOrder.begin());
}

// Who is asked first to become a second reader or a deputy: those who run
// the team, then members, each by name.
int RoleRank(TeamRole r) {
  switch (r) {
    case TeamRole::kOwner: return 0;
    case TeamRole::kAdmin: return 1;
    case TeamRole::kMember: return 2;
    case TeamRole::kAuditor: return 3;
  }
  return 4;
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string ItemRotation(const ItemMeta& it, TimePoint now) {
  if (it.pending_version) return "pending";
  RotationFlags flags;
  for (const auto& f : it.flags) flags.Raise({f.kind, f.reason, FromUnixMs(f.raised_ms)});
  const DueInfo due = ComputeDue(now, FromUnixMs(it.last_rotated_ms),
                                 std::chrono::days(it.rotation_period_s / 86400), flags);
  return std::string(ToString(due.status));
}

class Builder {
 public:
  explicit Builder(const Input& in) : in_(in) {
    for (const Member& m : in.members) members_[m.id] = &m;
    for (const Member& m : in.members) {
      if (Active(m.id)) candidates_.push_back(&m);
    }
    std::ranges::sort(candidates_, [](const Member* a, const Member* b) {
      return std::tuple(RoleRank(a->role), a->name, a->id) <
             std::tuple(RoleRank(b->role), b->name, b->id);
    });
    for (const ItemMeta& it : in.items) ++name_count_[it.name];
  }

  Report Build() {
    Report r;
    r.generated_ms = ToUnixMs(in_.now);
    r.recovery = in_.recovery;
    CheckGrants(r);
    for (const Collection& c : in_.collections) AddCollection(r, c);
    for (const ItemMeta& it : in_.items) AddItem(r, it);
    for (auto& [member, cols] : sole_) r.sole_holders.push_back({member, cols});
    std::ranges::stable_sort(r.findings, [](const Finding& a, const Finding& b) {
      return std::tuple(a.severity, KindRank(a.kind), a.subject) <
             std::tuple(b.severity, KindRank(b.kind), b.subject);
    });
    return r;
  }

 private:
  bool Active(const std::string& id) const {
    auto m = members_.find(id);
    return m != members_.end() && m->second->status == MemberStatus::kActive &&
           m->second->role != TeamRole::kAuditor;
  }
  std::string NameOf(const std::string& id) const {
    auto m = members_.find(id);
    return m != members_.end() ? m->second->name : id;
  }

  // Active members with an access row: the ones holding the key.
  std::vector<const Member*> Readers(const std::string& collection_id) const {
    std::vector<const Member*> out;
    auto a = in_.access.find(collection_id);
    if (a == in_.access.end()) return out;
    for (const Member* m : candidates_) {
      if (std::ranges::find(a->second, m->id) != a->second.end()) out.push_back(m);
    }
    return out;
  }

  // The first active member not among `readers`, or none.
  const Member* Candidate(const std::vector<const Member*>& readers) const {
    for (const Member* m : candidates_) {
      if (std::ranges::find(readers, m) == readers.end()) return m;
    }
    return nullptr;
  }

  std::vector<Cover> Covers(const std::string& collection_id) const {
    std::vector<Cover> out;
    for (const EmergencyGrant& g : in_.grants) {
      if (g.status != emergency::GrantStatus::kActive || !Active(g.deputy_id) ||
          !Active(g.grantor_id) ||
          std::ranges::find(g.collections, collection_id) == g.collections.end()) {
        continue;
      }
      out.push_back({g.id, NameOf(g.deputy_id), g.wait_s});
    }
    return out;
  }

  void CheckGrants(Report& r) {
    for (const EmergencyGrant& g : in_.grants) {
      if (g.status != emergency::GrantStatus::kActive) continue;
      const bool grantor = Active(g.grantor_id), deputy = Active(g.deputy_id);
      if (grantor && deputy) continue;
      r.grants_to_removed.push_back(g.id);
      const std::string who =
          !deputy ? "its deputy " + NameOf(g.deputy_id) : "its grantor " + NameOf(g.grantor_id);
      r.findings.push_back({Severity::kMedium,
                            kGrantRemovedMember,
                            g.id,
                            "emergency grant " + g.id + " to " + NameOf(g.deputy_id) +
                                " still stands although " + who +
                                " is no longer an active member; it covers no one",
                            {"emergency", "revoke", g.id}});
    }
  }

  static std::vector<std::string> Names(const std::vector<const Member*>& ms) {
    std::vector<std::string> out;
    for (const Member* m : ms) out.push_back(m->name);
    return out;
  }

  void AddCollection(Report& r, const Collection& c) {
    CollectionEntry e{c.id, c.name, 0, {}, Covers(c.id)};
    const auto readers = Readers(c.id);
    e.readers = Names(readers);
    for (const ItemMeta& it : in_.items) e.items += it.collection_id == c.id ? 1 : 0;
    if (readers.size() == 1) sole_[readers[0]->name].push_back(c.name);
    // An empty collection has nothing to lose yet, and when every active
    // member already reads it, a deputy would add no one.
    const Member* deputy = Candidate(readers);
    if (e.covers.empty() && e.items > 0 && deputy != nullptr) {
      r.collections_without_deputy.push_back(c.name);
      Finding f{Severity::kMedium,
                kNoDeputy,
                c.name,
                "no emergency grant covers collection " + Quoted(c.name) + ": if " +
                    (readers.size() == 1 ? readers[0]->name : "its readers") +
                    " cannot be reached, nobody else can get in",
                {"emergency", "grant", deputy->name, "--collection", c.name, "--wait", "48h"}};
      r.findings.push_back(std::move(f));
    }
    r.collections.push_back(std::move(e));
  }

  void AddItem(Report& r, const ItemMeta& it) {
    std::string collection = it.collection_id;
    for (const Collection& c : in_.collections) {
      if (c.id == it.collection_id) collection = c.name;
    }
    const auto readers = Readers(it.collection_id);
    ItemEntry e{it.id,
                it.name,
                it.collection_id,
                collection,
                it.channel,
                it.second_admin,
                ItemRotation(it, in_.now),
                Names(readers),
                Covers(it.collection_id)};
    // By name where the name is unique, as people type it.
    const std::string ref = name_count_[it.name] == 1 ? it.name : it.id;
    if (readers.empty()) {
      r.findings.push_back({Severity::kCritical,
                            kNoReader,
                            it.name,
                            "nobody on the team can read " + Quoted(it.name) + " (collection " +
                                Quoted(collection) +
                                "): restore it from a backup or an emergency grant's deputy, "
                                "or set it up again",
                            {}});
    } else if (readers.size() == 1) {
      Finding f{Severity::kHigh,
                kSingleReader,
                it.name,
                "only " + readers[0]->name + " can read " + Quoted(it.name) + " (collection " +
                    Quoted(collection) + ")",
                {}};
      if (const Member* m = Candidate(readers)) {
        f.fix = {"collection", "grant", collection, m->name, "view"};
      } else {
        f.message += "; invite a second member first";
      }
      r.findings.push_back(std::move(f));
    }
    if (it.second_admin != "yes") {
      const bool no = it.second_admin == "no";
      r.findings.push_back({no ? Severity::kMedium : Severity::kLow,
                            no ? kNoSecondAdmin : kSecondAdminUnknown,
                            it.name,
                            (no ? "nobody else has admin rights on the platform of "
                                : "nobody recorded whether "
                                  "someone else has admin "
                                  "rights on the platform "
                                  "of ") +
                                Quoted(it.name) +
                                ": give a second person admin rights (baton runbook " + it.channel +
                                "), then record it",
                            {"item", "edit", ref, "--second-admin", "yes"}});
    }
    r.items.push_back(std::move(e));
  }

  const Input& in_;
  std::map<std::string, const Member*> members_;
  std::vector<const Member*> candidates_;  // active non-auditors, in asking order
  std::map<std::string, int> name_count_;
  std::map<std::string, std::vector<std::string>> sole_;
};

// The recovery threshold and each custodian's last matching check, from
// the share records (vault/recovery_store.h); nothing before a set-up.
Status ReadRecoveryShares(ReadTxn& t, Recovery* out) {
  auto state = recovery::GetState(t);
  if (!state) return state.error();
  if (state->threshold == 0) return Status::OK();
  out->threshold = state->threshold;
  for (const recovery::Share& share : state->shares) {
    out->shares.push_back({share.custodian, share.last_checked_ms});
  }
  return Status::OK();
}

}  // namespace

std::string_view ToString(Severity s) {
  switch (s) {
    case Severity::kCritical: return "critical";
    case Severity::kHigh: return "high";
    case Severity::kMedium: return "medium";
    case Severity::kLow: return "low";
  }
  return "unknown";
}

Result<Severity> ParseSeverity(std::string_view name) {
  return ParseName("severity", name, kAllSeverities);
}

Report Compute(const Input& in) { return Builder(in).Build(); }

Result<Input> InputFromStore(ReadTxn& t, TimePoint now) {
  Input in;
  in.now = now;
  auto members = t.ListMembers();
  if (!members) return Fail(members.error());
  in.members = std::move(*members);
  auto cols = t.ListCollections();
  if (!cols) return Fail(cols.error());
  in.collections = std::move(*cols);
  for (const Member& m : in.members) {
    if (m.status != MemberStatus::kActive) continue;
    auto mine = t.ListAccessibleCollections(m.id);
    if (!mine) return Fail(mine.error());
    for (const std::string& c : *mine) in.access[c].push_back(m.id);
  }
  for (const Collection& c : in.collections) {
    auto items = t.ListItems(c.id);
    if (!items) return Fail(items.error());
    in.items.insert(in.items.end(), items->begin(), items->end());
  }
  auto grants = t.ListEmergencyGrants();
  if (!grants) return Fail(grants.error());
  in.grants = std::move(*grants);
  auto key = t.GetSetting("recovery_public_key");
  if (!key) return Fail(key.error());
  in.recovery.set_up = key->has_value();
  if (Status s = ReadRecoveryShares(t, &in.recovery); !s.ok()) return Fail(s);
  return in;
}

Gauges CountGauges(const Report& r) {
  Gauges g;
  for (const ItemEntry& it : r.items) {
    g.items_single_reader += it.readers.size() <= 1 ? 1 : 0;
    g.items_without_second_admin += it.second_admin != "yes" ? 1 : 0;
  }
  g.collections_without_deputy = static_cast<int64_t>(r.collections_without_deputy.size());
  return g;
}

}  // namespace vault::continuity
