// The store's mutations and audited reads of members, collections, items,
// invites, sessions and the audit log.
#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "txn_impl.h"
#include "vault/policy.h"
#include "vault/rotation.h"

namespace vault {
namespace {

// The checks CreateItem and UpdateItemMeta share.
Status ValidateItemMeta(const ItemMeta& meta) {
  if (meta.name.empty() || meta.name.size() > 200) {
    return Status::InvalidArgument("the item name must be 1 to 200 bytes");
  }
  if (auto channel = ParseChannelType(meta.channel); !channel) return channel.error();
  if (meta.rotation_period_s <= 0 || meta.rotation_period_s % 86400 != 0) {
    return Status::InvalidArgument("the rotation period must be a whole number of days");
  }
  return ValidateRotationPeriod(std::chrono::days(meta.rotation_period_s / 86400));
}

// A name clash becomes AlreadyExists in the caller's words.
Status NameTaken(Status s, const std::string& name) {
  return s.IsAlreadyExists()
             ? Status::AlreadyExists("an item named " + name +
                                     " exists in this collection or the id is taken")
             : s;
}

}  // namespace

Status TxnImpl::Append(const Actor& actor, std::string_view action, std::string_view target,
                       const nlohmann::json& details) {
  if (head_ == nullptr) return Status::Internal("audit append outside a write transaction");
  audit::Event e;
  e.time_ms = NowMs();
  e.actor = actor.id;
  e.action = action;
  e.target = target;
  e.details = details.dump();  // std::map keys: a canonical, sorted encoding
  const audit::Head next = audit::Link(*head_, e);
  if (Status s =
          db_.Run("INSERT INTO audit_events (seq, time_ms, actor, action, target, details, "
                  "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  e.seq, e.time_ms, e.actor, e.action, e.target, e.details, e.prev_hash, e.hash);
      !s.ok()) {
    return s.WithContext("audit append");
  }
  *head_ = next;
  return Status::OK();
}

Status TxnImpl::AddMember(const Actor& actor, const Member& m) {
  if (Status s = CheckNamed(m.role, "team role"); !s.ok()) return s;
  if (Status s =
          db_.Run("INSERT INTO members (id, name, role, status, sign_pk, box_pk, created_ms) "
                  "VALUES (?, ?, ?, 'active', ?, ?, ?)",
                  m.id, m.name, ToString(m.role), m.signing_public_key, m.box_public_key, NowMs());
      !s.ok()) {
    return s.IsAlreadyExists() ? Status::AlreadyExists("a member named " + m.name + " exists") : s;
  }
  return Append(actor, "member.add", "member:" + m.id,
                {{"name", m.name}, {"role", ToString(m.role)}});
}

Status TxnImpl::SetMemberRole(const Actor& actor, const std::string& id, const std::string& role) {
  if (auto parsed = ParseTeamRole(role); !parsed) return parsed.error();
  auto before = GetMember(id);
  if (!before) return before.error();
  if (Status s =
          db_.Run("UPDATE members SET role = ? WHERE id = ? AND status = 'active'", role, id);
      !s.ok()) {
    return s;
  }
  if (db_.Changes() != 1) return Status::FailedPrecondition("member " + id + " was removed");
  return Append(actor, "member.role", "member:" + id,
                {{"from", ToString(before->role)}, {"to", role}});
}

Status TxnImpl::RemoveMember(const Actor& actor, const std::string& id) {
  auto member = GetMember(id);
  if (!member) return member.error();
  if (member->status != MemberStatus::kActive) {
    return Status::FailedPrecondition("member " + id + " was removed");
  }
  const int64_t now = NowMs();
  {
    if (Status s =
            db_.Run("UPDATE members SET status = 'removed', removed_ms = ? WHERE id = ?", now, id);
        !s.ok()) {
      return s;
    }
  }
  // Every collection whose key they held: its items are exposed.
  std::vector<std::string> collections;
  {
    auto held = Strings(
        "SELECT DISTINCT collection_id FROM sealed_keys "
        "WHERE holder_kind = 'member' AND holder_id = ? ORDER BY collection_id",
        id);
    if (!held) return held.error();
    collections = std::move(*held);
  }
  const RotationFlagRecord flag{RotationFlagKind::kMemberRemoved,
                                "member " + member->name + " was removed", now};
  auto flagged = FlagExposed(collections, flag);
  if (!flagged) return flagged.error();
  // A confirmation counts toward the two-person rule only while its author
  // is on the team; those of finished requests stay as history.
  auto withdrawn = Strings(
      "SELECT request_id FROM emergency_confirmations WHERE member_id = ? AND request_id IN "
      "(SELECT id FROM emergency_requests WHERE state = 'waiting') ORDER BY request_id",
      id);
  if (!withdrawn) return withdrawn.error();
  for (const char* sql : {"DELETE FROM collection_access WHERE member_id = ?",
                          "DELETE FROM sealed_keys WHERE holder_kind = 'member' AND holder_id = ?",
                          "DELETE FROM sessions WHERE member_id = ?",
                          "DELETE FROM emergency_confirmations WHERE member_id = ? AND request_id "
                          "IN (SELECT id FROM emergency_requests WHERE state = 'waiting')"}) {
    if (Status s = db_.Run(sql, id); !s.ok()) return s;
  }
  nlohmann::json details = {{"name", member->name},
                            {"collections_to_rekey", collections},
                            {"items_flagged", *flagged}};
  if (!withdrawn->empty()) details["confirmations_withdrawn"] = *withdrawn;
  return Append(actor, "member.remove", "member:" + id, details);
}

Status TxnImpl::InsertSealedKey(const SealedKey& k) {
  return db_.Run(
      "INSERT OR REPLACE INTO sealed_keys (collection_id, key_version, holder_kind, "
      "holder_id, sealed, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
      k.collection_id, k.key_version, HolderName(k.holder), k.holder_id, k.sealed, NowMs());
}

Status TxnImpl::CreateCollection(const Actor& actor, const Collection& c,
                                 const std::vector<SealedKey>& keys) {
  if (Status s =
          db_.Run("INSERT INTO collections (id, name, key_version, offline_cache, needs_rekey, "
                  "created_ms) VALUES (?, ?, ?, ?, 0, ?)",
                  c.id, c.name, c.key_version, int64_t{c.offline_cache}, NowMs());
      !s.ok()) {
    return s.IsAlreadyExists() ? Status::AlreadyExists("a collection named " + c.name + " exists")
                               : s;
  }
  for (const SealedKey& k : keys) {
    if (k.collection_id != c.id || k.key_version != c.key_version) {
      return Status::InvalidArgument("sealed key does not belong to the new collection");
    }
    if (Status s = InsertSealedKey(k); !s.ok()) return s;
  }
  return Append(actor, "collection.create", "collection:" + c.id,
                {{"name", c.name}, {"sealed_keys", keys.size()}});
}

Status TxnImpl::GrantAccess(const Actor& actor, const std::string& collection_id,
                            const std::string& member_id, const std::string& access,
                            const SealedKey& key) {
  auto level = ParseCollectionAccess(access);
  if (!level) return level.error();
  if (*level == CollectionAccess::kNone) {
    return Status::InvalidArgument("grant view, edit or manage; revoke to remove access");
  }
  auto c = GetCollection(collection_id);
  if (!c) return c.error();
  auto m = GetMember(member_id);
  if (!m) return m.error();
  if (m->status != MemberStatus::kActive) {
    return Status::FailedPrecondition("member " + member_id + " was removed");
  }
  if (key.collection_id != collection_id || key.holder != KeyHolder::kMember ||
      key.holder_id != member_id) {
    return Status::InvalidArgument("the sealed key is not for this member and collection");
  }
  if (key.key_version != c->key_version) {
    return Status::FailedPrecondition("the sealed key is for key version " +
                                      std::to_string(key.key_version) + ", the collection is at " +
                                      std::to_string(c->key_version));
  }
  // Whoever holds a key version keeps the copy they have: another sealed
  // box for the same version could hold another key (a swap).
  auto held = db_.Row(
      "SELECT sealed FROM sealed_keys WHERE collection_id = ? AND key_version = ? AND "
      "holder_kind = 'member' AND holder_id = ?",
      ReadFirst<std::vector<uint8_t>>, collection_id, key.key_version, member_id);
  if (!held) return held.error();
  if (*held && **held != key.sealed) {
    return Status::FailedPrecondition("member " + member_id + " holds key version " +
                                      std::to_string(key.key_version) +
                                      " already: it is not replaced");
  }
  if (Status s =
          db_.Run("INSERT OR REPLACE INTO collection_access (collection_id, member_id, access) "
                  "VALUES (?, ?, ?)",
                  collection_id, member_id, access);
      !s.ok()) {
    return s;
  }
  if (Status s = InsertSealedKey(key); !s.ok()) return s;
  return Append(actor, "collection.grant", "collection:" + collection_id,
                {{"member", member_id}, {"access", access}});
}

Status TxnImpl::RevokeAccess(const Actor& actor, const std::string& collection_id,
                             const std::string& member_id) {
  if (Status s = db_.Run("DELETE FROM collection_access WHERE collection_id = ? AND member_id = ?",
                         collection_id, member_id);
      !s.ok()) {
    return s;
  }
  if (db_.Changes() == 0) {
    return Status::NotFound("member " + member_id + " has no access to " + collection_id);
  }
  if (Status s =
          db_.Run("DELETE FROM sealed_keys WHERE collection_id = ? AND holder_kind = 'member' "
                  "AND holder_id = ?",
                  collection_id, member_id);
      !s.ok()) {
    return s;
  }
  // They may have kept the key: the collection is due for re-keying.
  if (Status s = db_.Run("UPDATE collections SET needs_rekey = 1 WHERE id = ?", collection_id);
      !s.ok()) {
    return s;
  }
  return Append(actor, "collection.revoke", "collection:" + collection_id, {{"member", member_id}});
}

Status TxnImpl::CreateItem(const Actor& actor, const ItemMeta& meta,
                           const std::vector<uint8_t>& ciphertext) {
  if (meta.version != 1) return Status::InvalidArgument("a new item starts at version 1");
  if (Status s = ValidateItemMeta(meta); !s.ok()) return s;
  auto c = GetCollection(meta.collection_id);
  if (!c) return c.error();
  if (meta.key_version != c->key_version) {
    return Status::FailedPrecondition("item is encrypted under an old collection key");
  }
  const int64_t now = NowMs();
  if (Status s =
          db_.Run("INSERT INTO items (id, collection_id, name, channel, url, rotation_period_s, "
                  "last_rotated_ms, version, pending_version, key_version, updated_ms, updated_by, "
                  "responsible_id) VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, ?, ?, ?, ?)",
                  meta.id, meta.collection_id, meta.name, meta.channel, meta.url,
                  meta.rotation_period_s, now, meta.key_version, now, actor.id, actor.id);
      !s.ok()) {
    return NameTaken(s, meta.name);
  }
  if (Status s =
          db_.Run("INSERT INTO item_versions (item_id, version, key_version, state, ciphertext, "
                  "created_ms, created_by) VALUES (?, 1, ?, 'current', ?, ?, ?)",
                  meta.id, meta.key_version, ciphertext, now, actor.id);
      !s.ok()) {
    return s;
  }
  return Append(
      actor, "item.create", "item:" + meta.id,
      {{"collection", meta.collection_id}, {"name", meta.name}, {"channel", meta.channel}});
}

Status TxnImpl::UpdateItem(const Actor& actor, const std::string& item_id, int64_t expected_version,
                           const std::vector<uint8_t>& ciphertext) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return meta.error();
  if (meta->version != expected_version) {
    return Status::FailedPrecondition("item " + item_id + " is at version " +
                                      std::to_string(meta->version) + ", not " +
                                      std::to_string(expected_version) + " (changed meanwhile)");
  }
  if (meta->pending_version) {
    return Status::FailedPrecondition("a rotation of item " + item_id +
                                      " is pending: confirm or abort it first");
  }
  const int64_t now = NowMs();
  const int64_t next = meta->next_version;
  {
    if (Status s =
            db_.Run("UPDATE item_versions SET state = 'previous' WHERE item_id = ? AND version = ?",
                    item_id, expected_version);
        !s.ok()) {
      return s;
    }
  }
  {
    if (Status s =
            db_.Run("INSERT INTO item_versions (item_id, version, key_version, state, ciphertext, "
                    "created_ms, created_by) VALUES (?, ?, ?, 'current', ?, ?, ?)",
                    item_id, next, meta->key_version, ciphertext, now, actor.id);
        !s.ok()) {
      return s;
    }
  }
  if (Status s =
          db_.Run("UPDATE items SET version = ?, updated_ms = ?, updated_by = ? WHERE id = ?", next,
                  now, actor.id, item_id);
      !s.ok()) {
    return s;
  }
  return Append(actor, "item.update", "item:" + item_id, {{"version", next}});
}

Status TxnImpl::DeleteItem(const Actor& actor, const std::string& item_id) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return meta.error();
  // Its versions and flags go with it (ON DELETE CASCADE).
  if (Status s = db_.Run("DELETE FROM items WHERE id = ?", item_id); !s.ok()) return s;
  return Append(actor, "item.delete", "item:" + item_id,
                {{"collection", meta->collection_id}, {"name", meta->name}});
}

Result<std::vector<uint8_t>> TxnImpl::CurrentCiphertext(const std::string& item_id,
                                                        int64_t version) {
  return Required(
      db_.Row("SELECT ciphertext FROM item_versions WHERE item_id = ? AND version = ?",
              ReadFirst<std::vector<uint8_t>>, item_id, version),
      [&] { return Status::Corruption("item " + item_id + " has no current version"); });
}

Result<ItemWithCiphertext> TxnImpl::FetchItem(const Actor& actor, const std::string& item_id) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return Fail(meta.error());
  auto ct = CurrentCiphertext(meta->id, meta->version);
  if (!ct) return Fail(ct.error());
  ItemWithCiphertext out{std::move(*meta), std::move(*ct)};
  return OnceOk(Append(actor, "item.read", "item:" + item_id, {{"version", out.meta.version}}),
                out);
}

Result<std::vector<ItemVersion>> TxnImpl::FetchHistory(const Actor& actor,
                                                       const std::string& item_id) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return Fail(meta.error());
  auto versions = db_.Rows(std::string("SELECT ") + kVersionColumns +
                               " FROM item_versions WHERE item_id = ? ORDER BY version",
                           ReadVersionRow, item_id);
  if (!versions) return versions;
  std::vector<ItemVersion> out = std::move(*versions);
  return OnceOk(Append(actor, "item.history", "item:" + item_id, {{"versions", out.size()}}), out);
}

Status TxnImpl::SetCollectionOfflineCache(const Actor& actor, const std::string& collection_id,
                                          bool offline_cache) {
  auto c = GetCollection(collection_id);
  if (!c) return c.error();
  if (Status s = db_.Run("UPDATE collections SET offline_cache = ? WHERE id = ?",
                         int64_t{offline_cache}, collection_id);
      !s.ok()) {
    return s;
  }
  return Append(actor, "collection.settings", "collection:" + collection_id,
                {{"offline_cache", offline_cache}});
}

Result<std::vector<ItemWithCiphertext>> TxnImpl::FetchForCache(const Actor& actor,
                                                               const std::string& collection_id,
                                                               int64_t since_ms) {
  auto c = GetCollection(collection_id);
  if (!c) return Fail(c.error());
  if (!c->offline_cache) {
    return Fail(Status::FailedPrecondition("collection " + c->name +
                                           " may not be kept offline (its offline cache is off)"));
  }
  auto items = ListItems(collection_id);
  if (!items) return Fail(items.error());
  std::vector<ItemWithCiphertext> out;
  nlohmann::json versions = nlohmann::json::object();
  for (ItemMeta& m : *items) {
    if (m.updated_ms < since_ms) continue;
    auto ct = CurrentCiphertext(m.id, m.version);
    if (!ct) return Fail(ct.error());
    versions[m.id] = m.version;
    out.push_back({std::move(m), std::move(*ct)});
  }
  // Nothing changed since the last sync: no ciphertext left the server.
  if (out.empty()) return out;
  return OnceOk(Append(actor, "collection.cache", "collection:" + collection_id,
                       {{"count", out.size()}, {"since_ms", since_ms}, {"versions", versions}}),
                out);
}

Status TxnImpl::InsertFlag(const std::string& item_id, const RotationFlagRecord& f) {
  if (Status s = CheckNamed(f.kind, "rotation flag"); !s.ok()) return s;
  return db_.Run(
      "INSERT OR REPLACE INTO item_flags (item_id, kind, reason, raised_ms) "
      "VALUES (?, ?, ?, ?)",
      item_id, ToString(f.kind), f.reason, f.raised_ms);
}

Result<int64_t> TxnImpl::FlagExposed(const std::vector<std::string>& collections,
                                     const RotationFlagRecord& flag) {
  int64_t flagged = 0;
  for (const std::string& c : collections) {
    auto items = Strings("SELECT id FROM items WHERE collection_id = ?", c);
    if (!items) return Fail(items.error());
    for (const std::string& item : *items) {
      if (Status s = InsertFlag(item, flag); !s.ok()) return Fail(s);
      ++flagged;
    }
    if (Status s = db_.Run("UPDATE collections SET needs_rekey = 1 WHERE id = ?", c); !s.ok()) {
      return Fail(s);
    }
  }
  return flagged;
}

Status TxnImpl::FlagItem(const Actor& actor, const std::string& item_id,
                         const RotationFlagRecord& flag) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return meta.error();
  if (Status s = InsertFlag(item_id, flag); !s.ok()) return s;
  return Append(actor, "item.flag", "item:" + item_id,
                {{"kind", ToString(flag.kind)}, {"reason", flag.reason}});
}

Status TxnImpl::PutSetting(const Actor& actor, const std::string& key, const std::string& value) {
  if (Status s = db_.Run("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", key, value);
      !s.ok()) {
    return s;
  }
  return Append(actor, "setting.put", "setting:" + key, nlohmann::json::object());
}

Status TxnImpl::CreateInvite(const Actor& actor, const Invite& invite) {
  if (Status s = CheckNamed(invite.role, "team role"); !s.ok()) return s;
  if (invite.name.empty()) return Status::InvalidArgument("an invite needs the new member's name");
  if (Status s =
          db_.Run("INSERT INTO invites (code_hash, role, name, created_by, created_ms, expires_ms) "
                  "VALUES (?, ?, ?, ?, ?, ?)",
                  invite.code_hash, ToString(invite.role), invite.name, invite.created_by, NowMs(),
                  invite.expires_ms);
      !s.ok()) {
    return s;
  }
  return Append(
      actor, "invite.create", "invite:" + crypto::ToHex(std::span(invite.code_hash).first(8)),
      {{"role", ToString(invite.role)}, {"name", invite.name}, {"expires_ms", invite.expires_ms}});
}

Result<Member> TxnImpl::RedeemInvite(const crypto::Hash& code_hash, Member m) {
  struct Stored {
    TeamRole role = TeamRole::kMember;
    std::string name;
    int64_t expires_ms = 0;
    bool used = false;
  };
  auto invite = Required(
      db_.Row(
          "SELECT role, name, expires_ms, used_ms IS NOT NULL FROM invites WHERE code_hash = ?",
          [](Statement& st) {
    Stored i;
    return OnceOk(st.Columns(Named(i.role, ParseTeamRole), i.name, i.expires_ms, i.used), i);
          },
          code_hash),
      [] { return Status::NotFound("unknown invite code"); });
  if (!invite) return Fail(invite.error());
  m.role = invite->role;
  m.name = std::move(invite->name);
  const int64_t now = NowMs();
  if (invite->used) return Fail(Status::FailedPrecondition("this invite code was already used"));
  if (now >= invite->expires_ms) {
    return Fail(Status::FailedPrecondition("this invite code has expired"));
  }
  // Insert the member first: used_by references it.
  if (Status s = AddMember({m.id}, m); !s.ok()) return Fail(s);
  if (Status s = db_.Run("UPDATE invites SET used_ms = ?, used_by = ? WHERE code_hash = ?", now,
                         m.id, code_hash);
      !s.ok()) {
    return Fail(s);
  }
  m.status = MemberStatus::kActive;
  m.created_ms = now;
  return m;
}

Status TxnImpl::CreateSession(const Actor& actor, const Session& session) {
  if (Status s = db_.Run("INSERT INTO sessions (token_hash, member_id, created_ms, expires_ms) "
                         "VALUES (?, ?, ?, ?)",
                         session.token_hash, session.member_id, NowMs(), session.expires_ms);
      !s.ok()) {
    return s;
  }
  // Expired sessions of anyone are swept here: logins are rare, so this is
  // cheap and keeps the table small without a timer.
  if (Status s = db_.Run("DELETE FROM sessions WHERE expires_ms <= ?", NowMs()); !s.ok()) return s;
  return Append(actor, "auth.login", "member:" + session.member_id,
                {{"expires_ms", session.expires_ms}});
}

Status TxnImpl::DeleteSession(const Actor& actor, const crypto::Hash& token_hash) {
  if (Status s = db_.Run("DELETE FROM sessions WHERE token_hash = ?", token_hash); !s.ok()) {
    return s;
  }
  return Append(actor, "auth.logout", "member:" + actor.id, nlohmann::json::object());
}

Status TxnImpl::Record(const Actor& actor, const std::string& action, const std::string& target,
                       const std::string& details_json) {
  auto details = nlohmann::json::parse(details_json, nullptr, /*allow_exceptions=*/false);
  if (details.is_discarded() || !details.is_object()) {
    return Status::InvalidArgument("audit details must be a JSON object");
  }
  return Append(actor, action, target, details);
}

Status TxnImpl::AddCheckpoint(const audit::Checkpoint& cp) {
  return db_.Run(
      "INSERT INTO audit_checkpoints (seq, hash, time_ms, signature) VALUES (?, ?, ?, ?)", cp.seq,
      cp.hash, cp.time_ms, cp.signature);
}

Status TxnImpl::CheckResponsible(const std::string& member_id, const std::string& collection_id) {
  const Status refused = Status::InvalidArgument(
      "the responsible member must be an active member who can read the item's collection");
  auto m = GetMember(member_id);
  if (!m) return m.error().IsNotFound() ? refused : m.error();
  if (m->status != MemberStatus::kActive || m->role == TeamRole::kAuditor) return refused;
  auto access = GetAccess(collection_id, member_id);
  if (!access) return access.error().IsNotFound() ? refused : access.error();
  return Status::OK();
}

Status TxnImpl::UpdateItemMeta(const Actor& actor, const std::string& item_id,
                               const ItemMetaChange& change) {
  auto meta = GetItemMeta(item_id);
  if (!meta) return meta.error();
  ItemMeta next = *meta;
  nlohmann::json changed = nlohmann::json::object();
  if (change.name && *change.name != meta->name) {
    next.name = *change.name;
    changed["name"] = {meta->name, next.name};
  }
  if (change.url && *change.url != meta->url) {
    next.url = *change.url;
    changed["url"] = {meta->url, next.url};
  }
  if (change.channel && *change.channel != meta->channel) {
    next.channel = *change.channel;
    changed["channel"] = {meta->channel, next.channel};
  }
  if (change.rotation_period_s && *change.rotation_period_s != meta->rotation_period_s) {
    next.rotation_period_s = *change.rotation_period_s;
    changed["rotation_period_days"] = {meta->rotation_period_s / 86400,
                                       next.rotation_period_s / 86400};
  }
  if (change.responsible_id && *change.responsible_id != meta->responsible_id) {
    if (Status s = CheckResponsible(*change.responsible_id, meta->collection_id); !s.ok()) {
      return s;
    }
    next.responsible_id = *change.responsible_id;
    changed["responsible"] = {meta->responsible_id, next.responsible_id};
  }
  if (change.second_admin && *change.second_admin != meta->second_admin) {
    if (std::ranges::find(kSecondAdminValues, *change.second_admin) == kSecondAdminValues.end()) {
      return Status::InvalidArgument("second_admin must be yes, no or unknown");
    }
    next.second_admin = *change.second_admin;
    changed["second_admin"] = {meta->second_admin, next.second_admin};
  }
  if (Status s = ValidateItemMeta(next); !s.ok()) return s;
  if (changed.empty()) {
    return Status::InvalidArgument("nothing to change: the item already has these values");
  }
  if (Status s = db_.Run("UPDATE items SET name = ?, url = ?, channel = ?, rotation_period_s = ?, "
                         "responsible_id = ?, second_admin = ?, updated_ms = ?, updated_by = ? "
                         "WHERE id = ?",
                         next.name, next.url, next.channel, next.rotation_period_s,
                         next.responsible_id, next.second_admin, NowMs(), actor.id, item_id);
      !s.ok()) {
    return NameTaken(s, next.name);
  }
  return Append(actor, "item.meta", "item:" + item_id, changed);
}

}  // namespace vault
