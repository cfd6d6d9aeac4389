// Two-phase item rotation (DESIGN.md §8) and collection re-keying in the
// store.
#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "txn_impl.h"
#include "vault/rotation.h"

namespace vault {
namespace {

TimePoint TimeOfMs(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

}  // namespace

Result<TxnImpl::StoredRotation> TxnImpl::LoadRotation(const std::string& item_id) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return Fail(meta.error());
  std::optional<ItemVersion> pending;
  if (meta->pending_version) {
    auto row = Required(
        db_.Row(std::string("SELECT ") + kVersionColumns +
                    " FROM item_versions WHERE item_id = ? AND version = ? AND state = 'pending'",
                ReadVersionRow, item_id, *meta->pending_version),
        [&] {
      return Status::Corruption("item " + item_id + " has no row for its pending version");
        });
    if (!row) return Fail(row.error());
    pending = std::move(*row);
  }
  // Replays what the rows record: flags raised before the rotation began,
  // the begin, then flags raised while it was pending. Begin also checks the
  // pending number against every number used so far (next_version - 1).
  RotationState state(static_cast<uint64_t>(meta->version), TimeOfMs(meta->last_rotated_ms));
  const int64_t begun_ms = pending ? pending->created_ms : INT64_MAX;
  auto raise = [&](bool before_begin) {
    for (const RotationFlagRecord& f : meta->flags) {
      if ((f.raised_ms < begun_ms) != before_begin) continue;
      state.RaiseFlag({f.kind, f.reason, TimeOfMs(f.raised_ms)});
    }
  };
  raise(true);
  if (pending) {
    if (Status s = state.Begin(TimeOfMs(begun_ms), static_cast<uint64_t>(pending->version));
        !s.ok()) {
      return Fail(Status::Corruption("item " + item_id + ": " + s.message()));
    }
    raise(false);
  }
  return StoredRotation{std::move(*meta), std::move(pending), std::move(state)};
}

Status TxnImpl::SetVersionState(const std::string& item_id, int64_t version,
                                ItemVersionState state) {
  return db_.Run("UPDATE item_versions SET state = ? WHERE item_id = ? AND version = ?",
                 ToString(state), item_id, version);
}

Result<int64_t> TxnImpl::BeginRotation(const Actor& actor, const std::string& item_id,
                                       int64_t expected_version,
                                       const std::vector<uint8_t>& ciphertext) {
  auto r = LoadRotation(item_id);
  if (!r) return Fail(r.error());
  if (r->meta.version != expected_version) {
    return Fail(Status::FailedPrecondition(
        "item " + item_id + " is at version " + std::to_string(r->meta.version) + ", not " +
        std::to_string(expected_version) + " (changed meanwhile)"));
  }
  const int64_t now = NowMs();
  const int64_t version = r->meta.next_version;
  if (Status s = r->state.Begin(TimeOfMs(now), static_cast<uint64_t>(version)); !s.ok()) {
    return Fail(s);
  }
  {
    if (Status s =
            db_.Run("INSERT INTO item_versions (item_id, version, key_version, state, ciphertext, "
                    "created_ms, created_by) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
                    item_id, version, r->meta.key_version, ciphertext, now, actor.id);
        !s.ok()) {
      return Fail(s);
    }
  }
  if (Status s = db_.Run("UPDATE items SET pending_version = ? WHERE id = ?", version, item_id);
      !s.ok()) {
    return Fail(s);
  }
  return OnceOk(Append(actor, "item.rotate.begin", "item:" + item_id,
                       {{"current", r->meta.version}, {"pending", version}}),
                version);
}

Status TxnImpl::ConfirmRotation(const Actor& actor, const std::string& item_id,
                                int64_t pending_version) {
  auto r = LoadRotation(item_id);
  if (!r) return r.error();
  const int64_t now = NowMs();
  const int64_t old_version = r->meta.version;
  if (Status s = r->state.Confirm(TimeOfMs(now)); !s.ok()) return s;
  if (r->pending->version != pending_version) {
    return Status::FailedPrecondition("the pending version of item " + item_id + " is " +
                                      std::to_string(r->pending->version) + ", not " +
                                      std::to_string(pending_version));
  }
  if (Status s = SetVersionState(item_id, old_version, ItemVersionState::kPrevious); !s.ok())
    return s;
  if (Status s = SetVersionState(item_id, pending_version, ItemVersionState::kCurrent); !s.ok())
    return s;
  {
    if (Status s =
            db_.Run("UPDATE items SET version = ?, pending_version = NULL, last_rotated_ms = ?, "
                    "updated_ms = ?, updated_by = ? WHERE id = ?",
                    pending_version, now, now, actor.id, item_id);
        !s.ok()) {
      return s;
    }
  }
  // The state machine decides which flags the new secret settles; the rows
  // follow it, and the event keeps why each cleared flag was raised.
  nlohmann::json cleared = nlohmann::json::array();
  for (const RotationFlagRecord& f : r->meta.flags) {
    if (r->state.flags().Has(f.kind)) continue;
    if (Status s = db_.Run("DELETE FROM item_flags WHERE item_id = ? AND kind = ?", item_id,
                           ToString(f.kind));
        !s.ok()) {
      return s;
    }
    cleared.push_back(
        {{"kind", ToString(f.kind)}, {"reason", f.reason}, {"raised_ms", f.raised_ms}});
  }
  return Append(actor, "item.rotate.confirm", "item:" + item_id,
                {{"version", pending_version}, {"previous", old_version}, {"cleared", cleared}});
}

Status TxnImpl::AbortRotation(const Actor& actor, const std::string& item_id) {
  auto r = LoadRotation(item_id);
  if (!r) return r.error();
  if (Status s = r->state.Abort(TimeOfMs(NowMs())); !s.ok()) return s;
  const int64_t version = r->pending->version;
  if (Status s = SetVersionState(item_id, version, ItemVersionState::kAborted); !s.ok()) return s;
  if (Status s = db_.Run("UPDATE items SET pending_version = NULL WHERE id = ?", item_id);
      !s.ok()) {
    return s;
  }
  return Append(actor, "item.rotate.abort", "item:" + item_id,
                {{"current", r->meta.version}, {"aborted", version}});
}

Result<ItemVersion> TxnImpl::FetchPendingVersion(const Actor& actor, const std::string& item_id) {
  auto r = LoadRotation(item_id);
  if (!r) return Fail(r.error());
  if (!r->pending) {
    return Fail(Status::FailedPrecondition("no rotation of item " + item_id + " is pending"));
  }
  return OnceOk(Append(actor, "item.read", "item:" + item_id,
                       {{"version", r->pending->version}, {"state", "pending"}}),
                *r->pending);
}

Status TxnImpl::RekeyCollection(const Actor& actor, const Rekey& r) {
  auto c = GetCollection(r.collection_id);
  if (!c) return c.error();
  if (r.key_version != c->key_version + 1) {
    return Status::FailedPrecondition("collection " + r.collection_id + " is at key version " +
                                      std::to_string(c->key_version) + ": the new one is " +
                                      std::to_string(c->key_version + 1));
  }
  // Exactly the expected set, each once: a missing holder would lose the
  // collection, an extra one would gain it.
  auto same_set = [](std::vector<std::string> want, std::vector<std::string> got,
                     const std::string& what) -> Status {
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    if (std::adjacent_find(got.begin(), got.end()) != got.end()) {
      return Status::InvalidArgument(what + " lists one twice");
    }
    for (const std::string& w : want) {
      if (!std::binary_search(got.begin(), got.end(), w)) {
        return Status::InvalidArgument(what + " misses " + w);
      }
    }
    for (const std::string& g : got) {
      if (!std::binary_search(want.begin(), want.end(), g)) {
        return Status::InvalidArgument(what + " names " + g + ", which should not get one");
      }
    }
    return Status::OK();
  };
  auto members =
      Strings("SELECT member_id FROM collection_access WHERE collection_id = ?", r.collection_id);
  if (!members) return members.error();
  std::vector<std::string> got;
  for (const auto& [id, box] : r.member_keys) got.push_back(id);
  if (Status s = same_set(*members, got, "member_keys"); !s.ok()) return s;
  auto grants = Strings(
      "SELECT g.id FROM emergency_grants g JOIN emergency_grant_collections c "
      "ON c.grant_id = g.id WHERE g.status = 'active' AND c.collection_id = ?",
      r.collection_id);
  if (!grants) return grants.error();
  got.clear();
  for (const auto& [id, box] : r.grant_keys) got.push_back(id);
  if (Status s = same_set(*grants, got, "grant_keys"); !s.ok()) return s;
  auto item_ids = Strings("SELECT id FROM items WHERE collection_id = ?", r.collection_id);
  if (!item_ids) return item_ids.error();
  got.clear();
  for (const RekeyedItem& i : r.items) got.push_back(i.id);
  if (Status s = same_set(*item_ids, got, "items"); !s.ok()) return s;

  const int64_t now = NowMs();
  for (const RekeyedItem& i : r.items) {
    auto meta = GetItemMeta(i.id);
    if (!meta) return meta.error();
    if (meta->version != i.expected_version || meta->pending_version) {
      return Status::FailedPrecondition("item " + i.id + " changed meanwhile (now at version " +
                                        std::to_string(meta->version) + ")");
    }
    {
      if (Status s = db_.Run(
              "UPDATE item_versions SET state = 'previous' WHERE item_id = ? AND version = ?", i.id,
              i.expected_version);
          !s.ok()) {
        return s;
      }
    }
    {
      if (Status s =
              db_.Run("INSERT INTO item_versions (item_id, version, key_version, state, "
                      "ciphertext, created_ms, created_by) VALUES (?, ?, ?, 'current', ?, ?, ?)",
                      i.id, meta->next_version, r.key_version, i.ciphertext, now, actor.id);
          !s.ok()) {
        return s;
      }
    }
    if (Status s = db_.Run("UPDATE items SET version = ?, key_version = ?, updated_ms = ?, "
                           "updated_by = ? WHERE id = ?",
                           meta->next_version, r.key_version, now, actor.id, i.id);
        !s.ok()) {
      return s;
    }
  }
  {
    if (Status s = db_.Run("UPDATE collections SET key_version = ?, needs_rekey = 0 WHERE id = ?",
                           r.key_version, r.collection_id);
        !s.ok()) {
      return s;
    }
  }
  for (const auto& [id, box] : r.member_keys) {
    if (Status s = InsertSealedKey({r.collection_id, r.key_version, KeyHolder::kMember, id, box});
        !s.ok()) {
      return s;
    }
  }
  for (const auto& [id, box] : r.grant_keys) {
    if (Status s = InsertSealedKey({r.collection_id, r.key_version, KeyHolder::kGrant, id, box});
        !s.ok()) {
      return s;
    }
  }
  if (r.recovery_key) {
    if (Status s = InsertSealedKey(
            {r.collection_id, r.key_version, KeyHolder::kRecovery, "recovery", *r.recovery_key});
        !s.ok()) {
      return s;
    }
  }
  return Append(actor, "collection.rekey", "collection:" + r.collection_id,
                {{"from", c->key_version},
                 {"to", r.key_version},
                 {"items", r.items.size()},
                 {"member_keys", r.member_keys.size()},
                 {"grant_keys", r.grant_keys.size()},
                 {"recovery", r.recovery_key.has_value()}});
}

}  // namespace vault
