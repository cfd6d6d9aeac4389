// The store's plain reads: members, collections, keys, items, settings,
// sessions and the audit log.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "txn_impl.h"

namespace vault {
namespace {

Result<Member> ReadMemberRow(Statement& st) {
  Member m;
  return OnceOk(
      st.Columns(m.id, m.name, Named(m.role, ParseTeamRole), Named(m.status, ParseMemberStatus),
                 m.signing_public_key, m.box_public_key, m.created_ms, m.email),
      m);
}

constexpr char kMemberColumns[] = "id, name, role, status, sign_pk, box_pk, created_ms, email";

Result<Collection> ReadCollectionRow(Statement& st) {
  Collection c;
  return OnceOk(
      st.Columns(c.id, c.name, c.key_version, c.offline_cache, c.needs_rekey, c.created_ms), c);
}

constexpr char kCollectionColumns[] =
    "id, name, key_version, offline_cache, needs_rekey, created_ms";

constexpr char kItemColumns[] =
    "id, collection_id, name, channel, url, rotation_period_s, last_rotated_ms, version, "
    "pending_version, key_version, updated_ms, updated_by, responsible_id, second_admin, "
    "(SELECT MAX(v.version) FROM item_versions v WHERE v.item_id = items.id)";

Result<ItemMeta> ReadItemRow(Statement& st) {
  ItemMeta m;
  std::optional<int64_t> newest_stored;  // NULL: no version row
  Status s =
      st.Columns(m.id, m.collection_id, m.name, m.channel, m.url, m.rotation_period_s,
                 m.last_rotated_ms, m.version, m.pending_version, m.key_version, m.updated_ms,
                 m.updated_by, m.responsible_id, m.second_admin, newest_stored);
  if (!s.ok()) return Fail(s);
  m.next_version =
      std::max({m.version, m.pending_version.value_or(0), newest_stored.value_or(0)}) + 1;
  return m;
}

Result<audit::Checkpoint> ReadCheckpointRow(Statement& st) {
  audit::Checkpoint cp;
  return OnceOk(st.Columns(cp.seq, cp.hash, cp.time_ms, cp.signature), cp);
}

}  // namespace

int64_t TxnImpl::NowMs() { return ToMillis(vault_.env().Now()); }

Result<Member> TxnImpl::GetMember(const std::string& id) {
  return Required(db_.Row(std::string("SELECT ") + kMemberColumns + " FROM members WHERE id = ?",
                          ReadMemberRow, id),
                  [&] { return Missing("member", id); });
}

Result<std::vector<Member>> TxnImpl::ListMembers() {
  return db_.Rows(std::string("SELECT ") + kMemberColumns + " FROM members ORDER BY name",
                  ReadMemberRow);
}

Result<Collection> TxnImpl::GetCollection(const std::string& id) {
  return Required(
      db_.Row(std::string("SELECT ") + kCollectionColumns + " FROM collections WHERE id = ?",
              ReadCollectionRow, id),
      [&] { return Missing("collection", id); });
}

Result<std::vector<Collection>> TxnImpl::ListCollections() {
  return db_.Rows(std::string("SELECT ") + kCollectionColumns + " FROM collections ORDER BY name",
                  ReadCollectionRow);
}

Result<std::string> TxnImpl::GetAccess(const std::string& collection_id,
                                       const std::string& member_id) {
  return Required(
      db_.Row("SELECT access FROM collection_access WHERE collection_id = ? AND member_id = ?",
              ReadText0, collection_id, member_id),
      [&] { return Status::NotFound("member has no access to collection " + collection_id); });
}

Result<SealedKey> TxnImpl::GetSealedKey(const std::string& collection_id, KeyHolder holder,
                                        const std::string& holder_id) {
  return Required(db_.Row(
                      "SELECT s.key_version, s.sealed FROM sealed_keys s JOIN collections c "
                      "ON c.id = s.collection_id AND c.key_version = s.key_version "
                      "WHERE s.collection_id = ? AND s.holder_kind = ? AND s.holder_id = ?",
                      [&](Statement& st) {
    SealedKey k;
    k.collection_id = collection_id;
    k.holder = holder;
    k.holder_id = holder_id;
    return OnceOk(st.Columns(k.key_version, k.sealed), k);
                      },
                      collection_id, HolderName(holder), holder_id),
                  [&] {
    return Status::NotFound("no sealed key of collection " + collection_id + " for " +
                            std::string(HolderName(holder)) + " " + holder_id);
  });
}

Result<std::vector<RotationFlagRecord>> TxnImpl::Flags(const std::string& item_id) {
  return db_.Rows(
      "SELECT kind, reason, raised_ms FROM item_flags WHERE item_id = ? ORDER BY kind",
      [](Statement& st) {
    RotationFlagRecord f;
    return OnceOk(st.Columns(Named(f.kind, ParseRotationFlagKind), f.reason, f.raised_ms), f);
      },
      item_id);
}

Result<ItemMeta> TxnImpl::GetItemMeta(const std::string& item_id) {
  auto meta = Required(db_.Row(std::string("SELECT ") + kItemColumns + " FROM items WHERE id = ?",
                               ReadItemRow, item_id),
                       [&] { return Missing("item", item_id); });
  if (!meta) return meta;
  auto flags = Flags(item_id);
  if (!flags) return Fail(flags.error());
  meta->flags = std::move(*flags);
  return meta;
}

Result<std::vector<ItemMeta>> TxnImpl::ListItems(const std::string& collection_id) {
  auto items = db_.Rows(
      std::string("SELECT ") + kItemColumns + " FROM items WHERE collection_id = ? ORDER BY name",
      ReadItemRow, collection_id);
  if (!items) return items;
  std::vector<ItemMeta> out = std::move(*items);
  for (ItemMeta& m : out) {
    auto flags = Flags(m.id);
    if (!flags) return Fail(flags.error());
    m.flags = std::move(*flags);
  }
  return out;
}

Result<std::optional<std::string>> TxnImpl::GetSetting(const std::string& key) {
  return db_.Row("SELECT value FROM settings WHERE key = ?", ReadText0, key);
}

Result<Session> TxnImpl::GetSession(const crypto::Hash& token_hash) {
  return Required(db_.Row(
                      "SELECT member_id, created_ms, expires_ms FROM sessions WHERE token_hash = ?",
                      [&](Statement& st) {
    Session s;
    s.token_hash = token_hash;
    return OnceOk(st.Columns(s.member_id, s.created_ms, s.expires_ms), s);
                      },
                      token_hash),
                  [] { return Status::NotFound("no such session"); });
}

Result<std::vector<std::string>> TxnImpl::ListAccessibleCollections(const std::string& member_id) {
  return db_.Rows(
      "SELECT collection_id FROM collection_access WHERE member_id = ? ORDER BY collection_id",
      ReadText0, member_id);
}

Result<audit::Head> TxnImpl::AuditHead() {
  if (head_ != nullptr) return *head_;
  auto head =
      db_.Row("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1", [](Statement& st) {
        audit::Head h;
        return OnceOk(st.Columns(h.seq, h.hash), h);
      });
  if (!head) return Fail(head.error());
  return head->value_or(audit::Head{});
}

Status TxnImpl::ScanAudit(int64_t from_seq, const std::function<bool(const audit::Event&)>& fn) {
  audit::Event e;
  Status refused = Status::OK();
  Status s = db_.Each(
      "SELECT seq, time_ms, actor, action, target, details, prev_hash, hash "
      "FROM audit_events WHERE seq >= ? ORDER BY seq",
      [&](Statement& st) {
    refused =
        st.Columns(e.seq, e.time_ms, e.actor, e.action, e.target, e.details, e.prev_hash, e.hash);
    return refused.ok() && fn(e);
      },
      from_seq);
  return s.ok() ? refused : s;
}

Result<std::vector<audit::Event>> TxnImpl::ReadAudit(int64_t from_seq, int64_t limit) {
  std::vector<audit::Event> out;
  Status s = ScanAudit(from_seq, [&](const audit::Event& e) {
    out.push_back(e);
    return static_cast<int64_t>(out.size()) < limit;
  });
  if (!s.ok()) return Fail(s);
  return out;
}

Result<std::optional<audit::Checkpoint>> TxnImpl::LatestCheckpoint() {
  return db_.Row(
      "SELECT seq, hash, time_ms, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
      ReadCheckpointRow);
}

Result<std::vector<audit::Checkpoint>> TxnImpl::ListCheckpoints() {
  return db_.Rows("SELECT seq, hash, time_ms, signature FROM audit_checkpoints ORDER BY seq",
                  ReadCheckpointRow);
}

}  // namespace vault
