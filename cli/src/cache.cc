#include "cli/cache.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "api_client.h"
#include "vault/crypto.h"

namespace cli {

using nlohmann::json;
using vault::Fail;
using vault::Result;
using vault::Status;
namespace crypto = vault::crypto;

namespace {

// cache.key: magic and version, then the sealed 32-byte cache key.
constexpr std::string_view kKeyMagic = "baton-cache-key\x01";
constexpr size_t kCacheKeyBytes = 32;
constexpr int64_t kSchemaVersion = 1;

std::string KeyPath(const std::string& dir) { return dir + "/cache.key"; }
std::string DbPath(const std::string& dir) { return dir + "/cache.db"; }

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS cache_info (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS collections (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  key_version INTEGER NOT NULL,
  sealed_key  BLOB NOT NULL,
  as_of_ms    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
  id            TEXT PRIMARY KEY,
  collection_id TEXT NOT NULL,  -- DropCollection deletes a collection's items
  name          TEXT NOT NULL,
  version       INTEGER NOT NULL,
  key_version   INTEGER NOT NULL,
  meta          TEXT NOT NULL,
  ciphertext    BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS items_by_name ON items(name);
CREATE INDEX IF NOT EXISTS items_by_collection ON items(collection_id);
CREATE TABLE IF NOT EXISTS offline_reads (
  id       TEXT PRIMARY KEY,
  item_id  TEXT NOT NULL,
  version  INTEGER NOT NULL,
  read_ms  INTEGER NOT NULL
);
)sql";

Status Damaged(const std::string& dir, const std::string& why) {
  return Status::Corruption("the offline cache in " + dir + " is unusable (" + why +
                            "); it is rebuilt on the next sync");
}

#define CACHE_PREPARE(var, sql)            \
  auto var##_r = db_->Prepare(sql);        \
  if (!var##_r) return Fail(var##_r.error()); \
  vault::Statement* var = *var##_r

#define CACHE_PREPARE_S(var, sql)          \
  auto var##_r = db_->Prepare(sql);        \
  if (!var##_r) return var##_r.error();    \
  vault::Statement* var = *var##_r

CachedItem ReadItem(vault::Statement* st) {
  CachedItem it;
  it.id = st->ColumnText(0);
  it.collection_id = st->ColumnText(1);
  it.version = st->ColumnInt(2);
  it.key_version = st->ColumnInt(3);
  it.meta = json::parse(st->ColumnText(4), nullptr, false);
  it.ciphertext = st->ColumnBlob(5);
  return it;
}

CachedCollection ReadCollection(vault::Statement* st) {
  return {st->ColumnText(0), st->ColumnText(1), st->ColumnInt(2), st->ColumnBlob(3),
          st->ColumnInt(4)};
}

}  // namespace

bool Cache::Exists(vault::Env& env, const std::string& dir) {
  return env.FileExists(KeyPath(dir)) || env.FileExists(DbPath(dir));
}

Status Cache::Remove(vault::Env& env, const std::string& dir) {
  for (const std::string& f : {DbPath(dir), DbPath(dir) + "-journal", DbPath(dir) + "-wal",
                               DbPath(dir) + "-shm", KeyPath(dir)}) {
    if (!env.FileExists(f)) continue;
    if (Status s = env.RemoveFile(f); !s.ok() && !s.IsNotFound()) return s;
  }
  return Status::OK();
}

Result<std::unique_ptr<Cache>> Cache::Open(vault::Env& env, const std::string& dir,
                                           const std::string& member_id, KeyOps& keys,
                                           bool create) {
  const bool has_key = env.FileExists(KeyPath(dir));
  const bool has_db = env.FileExists(DbPath(dir));
  if (!has_key && !has_db) {
    if (!create) return Fail(Status::NotFound("no offline cache yet (run baton sync)"));
    if (!env.FileExists(dir)) {
      if (Status s = env.CreateDir(dir, 0700); !s.ok() && !s.IsAlreadyExists()) return Fail(s);
    }
    vault::SecureBuffer key(kCacheKeyBytes);
    env.RandomBytes(key.bytes());
    auto sealed = crypto::SealTo(keys.box_public_key(), key.bytes());
    if (!sealed) return Fail(sealed.error());
    std::vector<uint8_t> file(kKeyMagic.begin(), kKeyMagic.end());
    file.insert(file.end(), sealed->begin(), sealed->end());
    auto db = vault::Db::Open(env, DbPath(dir), key, vault::Db::Mode::kCreateNew);
    if (!db) return Fail(db.error());
    std::unique_ptr<Cache> cache(new Cache(std::move(*db)));
    if (Status s = cache->db_->Exec(kSchema); !s.ok()) return Fail(s);
    {
      auto st = cache->db_->Prepare("INSERT INTO cache_info (key, value) VALUES (?, ?)");
      if (!st) return Fail(st.error());
      (*st)->Bind(1, std::string_view("member_id")).Bind(2, member_id);
      if (Status s = (*st)->Run(); !s.ok()) return Fail(s);
      (*st)->Bind(1, std::string_view("schema")).Bind(2, std::to_string(kSchemaVersion));
      if (Status s = (*st)->Run(); !s.ok()) return Fail(s);
    }
    // The key file last: a cache without one is a damaged cache, not a
    // readable one.
    if (Status s = env.WriteFileAtomic(KeyPath(dir), file, 0600); !s.ok()) return Fail(s);
    return cache;
  }
  if (!has_key || !has_db) return Fail(Damaged(dir, has_key ? "cache.db is missing" : "cache.key is missing"));
  auto file = env.ReadFile(KeyPath(dir));
  if (!file) return Fail(file.error());
  if (file->size() != kKeyMagic.size() + crypto::kSealOverheadBytes + kCacheKeyBytes ||
      !std::equal(kKeyMagic.begin(), kKeyMagic.end(), file->begin())) {
    return Fail(Damaged(dir, "cache.key is not a baton cache key"));
  }
  auto key = keys.OpenSealed(std::span(*file).subspan(kKeyMagic.size()));
  if (!key) return Fail(Damaged(dir, "cache.key does not open with this member's key"));
  // A busy, unreadable or unwritable file is not a damaged one: it is
  // reported as it is and left alone (another baton may be using it).
  auto damaged_or = [&](const Status& s, const std::string& why) {
    const bool damage = s.IsCorruption() || s.IsWrongPassphrase() || s.IsInvalidArgument() ||
                        s.IsNotFound();
    return damage ? Damaged(dir, why) : s;
  };
  auto db = vault::Db::Open(env, DbPath(dir), *key, vault::Db::Mode::kOpenExisting);
  if (!db) return Fail(damaged_or(db.error(), std::string(db.error().message())));
  std::unique_ptr<Cache> cache(new Cache(std::move(*db)));
  auto st = cache->db_->Prepare("SELECT value FROM cache_info WHERE key = 'member_id'");
  if (!st) return Fail(damaged_or(st.error().IsInternal() ? Status::Corruption("") : st.error(),
                                  "no cache tables"));
  auto row = (*st)->Step();
  if (!row) return Fail(damaged_or(row.error(), "unreadable"));
  if (!*row) return Fail(Damaged(dir, "no member recorded"));
  const std::string owner = (*st)->ColumnText(0);
  (*st)->Reset();
  if (owner != member_id) return Fail(Damaged(dir, "it belongs to another member"));
  return cache;
}

Result<std::vector<CachedItem>> Cache::Find(const std::string& name_or_id) {
  CACHE_PREPARE(st,
                "SELECT id, collection_id, version, key_version, meta, ciphertext FROM items "
                "WHERE name = ?1 OR id = ?1");
  st->Bind(1, name_or_id);
  std::vector<CachedItem> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back(ReadItem(st));
    if (out.back().meta.is_discarded()) return Fail(Status::Corruption("a cached item is damaged"));
  }
  st->Reset();
  return out;
}

Result<std::optional<CachedCollection>> Cache::GetCollection(const std::string& id) {
  CACHE_PREPARE(st,
                "SELECT id, name, key_version, sealed_key, as_of_ms FROM collections WHERE id = ?");
  st->Bind(1, id);
  auto row = st->Step();
  if (!row) return Fail(row.error());
  std::optional<CachedCollection> out;
  if (*row) out = ReadCollection(st);
  st->Reset();
  return out;
}

Result<std::vector<CachedCollection>> Cache::ListCollections() {
  CACHE_PREPARE(st, "SELECT id, name, key_version, sealed_key, as_of_ms FROM collections");
  std::vector<CachedCollection> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back(ReadCollection(st));
  }
  st->Reset();
  return out;
}

Result<std::map<std::string, int64_t>> Cache::Versions(const std::string& collection_id) {
  CACHE_PREPARE(st, "SELECT id, version FROM items WHERE collection_id = ?");
  st->Bind(1, collection_id);
  std::map<std::string, int64_t> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out[st->ColumnText(0)] = st->ColumnInt(1);
  }
  st->Reset();
  return out;
}

Status Cache::ApplySync(const CachedCollection& c, const std::vector<CachedItem>& changed,
                        const std::vector<std::string>& current_ids) {
  auto txn = vault::Transaction::Begin(*db_);
  if (!txn) return txn.error();
  {
    CACHE_PREPARE_S(st,
                    "INSERT OR REPLACE INTO collections (id, name, key_version, sealed_key, "
                    "as_of_ms) VALUES (?, ?, ?, ?, ?)");
    st->Bind(1, c.id).Bind(2, c.name).Bind(3, c.key_version).Bind(4, c.sealed_key);
    st->Bind(5, c.as_of_ms);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  for (const CachedItem& it : changed) {
    CACHE_PREPARE_S(st,
                    "INSERT OR REPLACE INTO items (id, collection_id, name, version, key_version, "
                    "meta, ciphertext) VALUES (?, ?, ?, ?, ?, ?, ?)");
    st->Bind(1, it.id).Bind(2, c.id).Bind(3, it.meta.value("name", "")).Bind(4, it.version);
    st->Bind(5, it.key_version).Bind(6, it.meta.dump()).Bind(7, it.ciphertext);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  auto held = Versions(c.id);
  if (!held) return held.error();
  const std::set<std::string> keep(current_ids.begin(), current_ids.end());
  for (const auto& [id, version] : *held) {
    if (keep.contains(id)) continue;
    CACHE_PREPARE_S(st, "DELETE FROM items WHERE id = ?");
    st->Bind(1, id);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  return txn->Commit();
}

Status Cache::DropCollection(const std::string& id) {
  auto txn = vault::Transaction::Begin(*db_);
  if (!txn) return txn.error();
  for (const char* sql :
       {"DELETE FROM items WHERE collection_id = ?", "DELETE FROM collections WHERE id = ?"}) {
    CACHE_PREPARE_S(st, sql);
    st->Bind(1, id);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  return txn->Commit();
}

Status Cache::AddOfflineRead(const OfflineRead& r) {
  CACHE_PREPARE_S(st,
                  "INSERT INTO offline_reads (id, item_id, version, read_ms) VALUES (?, ?, ?, ?)");
  st->Bind(1, r.id).Bind(2, r.item_id).Bind(3, r.version).Bind(4, r.read_ms);
  return st->Run();
}

Result<std::vector<OfflineRead>> Cache::OfflineReads(size_t limit) {
  CACHE_PREPARE(st,
                "SELECT id, item_id, version, read_ms FROM offline_reads ORDER BY read_ms LIMIT ?");
  st->Bind(1, static_cast<int64_t>(limit));
  std::vector<OfflineRead> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back({st->ColumnText(0), st->ColumnText(1), st->ColumnInt(2), st->ColumnInt(3)});
  }
  st->Reset();
  return out;
}

Status Cache::DeleteOfflineReads(const std::vector<std::string>& ids) {
  auto txn = vault::Transaction::Begin(*db_);
  if (!txn) return txn.error();
  for (const std::string& id : ids) {
    CACHE_PREPARE_S(st, "DELETE FROM offline_reads WHERE id = ?");
    st->Bind(1, id);
    if (Status s = st->Run(); !s.ok()) return s;
  }
  return txn->Commit();
}

// --- Talking to the server ------------------------------------------------------

namespace {

// One collection's sync from `since_ms`; false in *complete if the cache
// still differs from the server's listing afterwards (then a full sync).
Status SyncCollection(ApiClient& api, Cache& cache, const json& col, int64_t since_ms,
                      SyncReport& report, bool* complete, bool* dropped, int* held_count) {
  const std::string id = col.value("id", "");
  auto reply = api.Call("GET", "/v1/collections/" + id + "/cache?since_ms=" +
                                   std::to_string(since_ms));
  if (!reply) {
    if (reply.error().IsFailedPrecondition() || reply.error().IsPermissionDenied()) {
      *dropped = true;
      return cache.DropCollection(id);
    }
    return reply.error();
  }
  if (!reply->contains("sealed_key")) {
    // No key of this member's own: nothing cached would open.
    *dropped = true;
    return cache.DropCollection(id);
  }
  auto sealed = crypto::FromBase64(reply->value("sealed_key", ""));
  if (!sealed) return Status::Corruption("the server sent a malformed sealed key");
  CachedCollection c{id, col.value("name", ""), reply->value("key_version", int64_t{0}),
                     std::move(*sealed), reply->value("as_of_ms", int64_t{0})};
  std::vector<CachedItem> changed;
  std::map<std::string, int64_t> want;
  for (const auto& cur : reply->value("current", json::array())) {
    want[cur.value("id", "")] = cur.value("version", int64_t{0});
  }
  for (auto it : reply->value("items", json::array())) {
    auto ct = crypto::FromBase64(it.value("ciphertext", ""));
    if (!ct) return Status::Corruption("the server sent a malformed ciphertext");
    it.erase("ciphertext");
    CachedItem item{it.value("id", ""), id, it.value("version", int64_t{0}),
                    it.value("key_version", int64_t{0}), it, std::move(*ct)};
    changed.push_back(std::move(item));
  }
  std::vector<std::string> ids;
  for (const auto& [item_id, v] : want) ids.push_back(item_id);
  if (Status s = cache.ApplySync(c, changed, ids); !s.ok()) return s;
  report.items_fetched += static_cast<int>(changed.size());
  auto held = cache.Versions(id);
  if (!held) return held.error();
  *complete = *held == want;
  *held_count = static_cast<int>(held->size());
  return Status::OK();
}

}  // namespace

Result<SyncReport> SyncCache(ApiClient& api, Cache& cache) {
  SyncReport report;
  auto cols = api.Call("GET", "/v1/collections");
  if (!cols) return Fail(cols.error());
  auto held = cache.ListCollections();
  if (!held) return Fail(held.error());
  std::set<std::string> listed;
  for (const auto& col : (*cols)["collections"]) {
    const std::string id = col.value("id", "");
    const std::string access = col.value("access", "none");
    auto cached = std::find_if(held->begin(), held->end(),
                               [&](const CachedCollection& c) { return c.id == id; });
    if (access == "none" || !col.value("offline_cache", true)) {
      if (cached != held->end()) {
        if (Status s = cache.DropCollection(id); !s.ok()) return Fail(s);
        report.dropped.push_back(col.value("name", ""));
      }
      continue;
    }
    listed.insert(id);
    bool complete = false, dropped = false;
    int count = 0;
    // From just after the last sync; a change made within that millisecond
    // shows as a version mismatch below and is fetched then.
    const int64_t since = cached != held->end() ? cached->as_of_ms + 1 : 0;
    if (Status s = SyncCollection(api, cache, col, since, report, &complete, &dropped, &count);
        !s.ok()) {
      return Fail(s);
    }
    if (!complete && !dropped && since != 0) {
      // Something changed without moving its time (or a write raced the
      // sync): fetch the collection whole.
      if (Status s = SyncCollection(api, cache, col, 0, report, &complete, &dropped, &count);
          !s.ok()) {
        return Fail(s);
      }
    }
    if (!dropped) report.items_cached += count;
    if (dropped) {
      if (cached != held->end()) report.dropped.push_back(col.value("name", ""));
    } else {
      ++report.collections;
    }
  }
  for (const CachedCollection& c : *held) {
    if (listed.contains(c.id)) continue;
    if (std::find(report.dropped.begin(), report.dropped.end(), c.name) != report.dropped.end()) {
      continue;
    }
    if (Status s = cache.DropCollection(c.id); !s.ok()) return Fail(s);
    report.dropped.push_back(c.name);
  }
  return report;
}

Result<size_t> ReportOfflineReads(ApiClient& api, Cache& cache) {
  constexpr size_t kBatch = 500;
  size_t total = 0;
  for (;;) {
    auto reads = cache.OfflineReads(kBatch);
    if (!reads) return Fail(reads.error());
    if (reads->empty()) return total;
    json body = {{"reads", json::array()}};
    for (const OfflineRead& r : *reads) {
      body["reads"].push_back(
          {{"id", r.id}, {"item_id", r.item_id}, {"version", r.version}, {"read_ms", r.read_ms}});
    }
    auto reply = api.Call("POST", "/v1/offline-reads", body);
    if (!reply) return Fail(reply.error());
    std::vector<std::string> acked;
    for (const auto& id : reply->value("acknowledged", json::array())) {
      if (id.is_string()) acked.push_back(id.get<std::string>());
    }
    if (Status s = cache.DeleteOfflineReads(acked); !s.ok()) return Fail(s);
    total += acked.size();
    if (acked.size() < reads->size()) return total;  // the rest next time
  }
}

}  // namespace cli
