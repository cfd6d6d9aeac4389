#include "cache.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "api_client.h"
#include "short_names.h"
#include "vault/api_json_cache.h"
#include "vault/crypto.h"

namespace cli {

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

CachedItem ReadItem(vault::LocalDb::Row& row) {
  CachedItem it;
  it.id = row.Text(0);
  it.collection_id = row.Text(1);
  it.version = row.Int(2);
  it.key_version = row.Int(3);
  it.meta = json::parse(row.Text(4), nullptr, false);
  it.ciphertext = row.Blob(5);
  return it;
}

CachedCollection ReadCollection(vault::LocalDb::Row& row) {
  return {row.Text(0), row.Text(1), row.Int(2), row.Blob(3), row.Int(4)};
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
    auto db = vault::LocalDb::Open({.env = &env, .key = &key, .mode = vault::OpenMode::kCreateNew},
                                   DbPath(dir));
    if (!db) return Fail(db.error());
    std::unique_ptr<Cache> cache(new Cache(std::move(*db)));
    if (Status s = cache->db_->Exec(kSchema); !s.ok()) return Fail(s);
    constexpr std::string_view kInfo = "INSERT INTO cache_info (key, value) VALUES (?, ?)";
    if (Status s = cache->db_->Run(kInfo, {"member_id", member_id}); !s.ok()) return Fail(s);
    const std::string schema = std::to_string(kSchemaVersion);
    if (Status s = cache->db_->Run(kInfo, {"schema", schema}); !s.ok()) return Fail(s);
    // The key file last: a cache without one is a damaged cache, not a
    // readable one.
    if (Status s = env.WriteFileAtomic(KeyPath(dir), file, 0600); !s.ok()) return Fail(s);
    return cache;
  }
  if (!has_key || !has_db)
    return Fail(Damaged(dir, has_key ? "cache.db is missing" : "cache.key is missing"));
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
    const bool damage =
        s.IsCorruption() || s.IsWrongPassphrase() || s.IsInvalidArgument() || s.IsNotFound();
    return damage ? Damaged(dir, why) : s;
  };
  auto db = vault::LocalDb::Open(
      {.env = &env, .key = &*key, .mode = vault::OpenMode::kOpenExisting}, DbPath(dir));
  if (!db) return Fail(damaged_or(db.error(), std::string(db.error().message())));
  std::unique_ptr<Cache> cache(new Cache(std::move(*db)));
  std::optional<std::string> owner;
  Status read = cache->db_->Each("SELECT value FROM cache_info WHERE key = 'member_id'", {},
                                 [&](vault::LocalDb::Row& row) {
    owner = row.Text(0);
    return false;
  });
  // SQLite's generic error here is a missing table: not a cache of ours.
  if (read.IsInternal()) return Fail(Damaged(dir, "no cache tables"));
  if (!read.ok()) return Fail(damaged_or(read, "unreadable"));
  if (!owner) return Fail(Damaged(dir, "no member recorded"));
  if (*owner != member_id) return Fail(Damaged(dir, "it belongs to another member"));
  return cache;
}

Result<std::vector<CachedItem>> Cache::Find(const std::string& name_or_id) {
  std::vector<CachedItem> out;
  bool damaged = false;
  Status s = db_->Each(
      "SELECT id, collection_id, version, key_version, meta, ciphertext FROM items "
      "WHERE name = ?1 OR id = ?1",
      {name_or_id}, [&](vault::LocalDb::Row& row) {
        out.push_back(ReadItem(row));
        damaged = out.back().meta.is_discarded();
        return !damaged;
      });
  if (!s.ok()) return Fail(s);
  if (damaged) return Fail(Status::Corruption("a cached item is damaged"));
  return out;
}

Result<std::optional<CachedCollection>> Cache::GetCollection(const std::string& id) {
  std::optional<CachedCollection> out;
  Status s =
      db_->Each("SELECT id, name, key_version, sealed_key, as_of_ms FROM collections WHERE id = ?",
                {id}, [&](vault::LocalDb::Row& row) {
                  out = ReadCollection(row);
                  return false;
                });
  if (!s.ok()) return Fail(s);
  return out;
}

Result<std::vector<CachedCollection>> Cache::ListCollections() {
  std::vector<CachedCollection> out;
  Status s = db_->Each("SELECT id, name, key_version, sealed_key, as_of_ms FROM collections", {},
                       [&](vault::LocalDb::Row& row) {
    out.push_back(ReadCollection(row));
    return true;
  });
  if (!s.ok()) return Fail(s);
  return out;
}

Result<std::map<std::string, int64_t>> Cache::Versions(const std::string& collection_id) {
  std::map<std::string, int64_t> out;
  Status s = db_->Each("SELECT id, version FROM items WHERE collection_id = ?", {collection_id},
                       [&](vault::LocalDb::Row& row) {
    out[row.Text(0)] = row.Int(1);
    return true;
  });
  if (!s.ok()) return Fail(s);
  return out;
}

Status Cache::ApplySync(const CachedCollection& c, const std::vector<CachedItem>& changed,
                        const std::vector<std::string>& current_ids) {
  return db_->InTransaction([&]() -> Status {
    if (Status s = db_->Run(
            "INSERT OR REPLACE INTO collections (id, name, key_version, sealed_key, as_of_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            {c.id, c.name, c.key_version, c.sealed_key, c.as_of_ms});
        !s.ok()) {
      return s;
    }
    for (const CachedItem& it : changed) {
      const std::string name = it.meta.value("name", "");
      const std::string meta = it.meta.dump();
      if (Status s = db_->Run(
              "INSERT OR REPLACE INTO items (id, collection_id, name, version, key_version, "
              "meta, ciphertext) VALUES (?, ?, ?, ?, ?, ?, ?)",
              {it.id, c.id, name, it.version, it.key_version, meta, it.ciphertext});
          !s.ok()) {
        return s;
      }
    }
    auto held = Versions(c.id);
    if (!held) return held.error();
    const std::set<std::string> keep(current_ids.begin(), current_ids.end());
    for (const auto& [id, version] : *held) {
      if (keep.contains(id)) continue;
      if (Status s = db_->Run("DELETE FROM items WHERE id = ?", {id}); !s.ok()) return s;
    }
    return Status::OK();
  });
}

Status Cache::DropCollection(const std::string& id) {
  return db_->InTransaction([&]() -> Status {
    for (const char* sql :
         {"DELETE FROM items WHERE collection_id = ?", "DELETE FROM collections WHERE id = ?"}) {
      if (Status s = db_->Run(sql, {id}); !s.ok()) return s;
    }
    return Status::OK();
  });
}

Status Cache::AddOfflineRead(const OfflineRead& r) {
  return db_->Run("INSERT INTO offline_reads (id, item_id, version, read_ms) VALUES (?, ?, ?, ?)",
                  {r.id, r.item_id, r.version, r.read_ms});
}

Result<std::vector<OfflineRead>> Cache::OfflineReads(size_t limit) {
  std::vector<OfflineRead> out;
  Status s =
      db_->Each("SELECT id, item_id, version, read_ms FROM offline_reads ORDER BY read_ms LIMIT ?",
                {static_cast<int64_t>(limit)}, [&](vault::LocalDb::Row& row) {
                  out.push_back({row.Text(0), row.Text(1), row.Int(2), row.Int(3)});
                  return true;
                });
  if (!s.ok()) return Fail(s);
  return out;
}

Status Cache::DeleteOfflineReads(const std::vector<std::string>& ids) {
  return db_->InTransaction([&]() -> Status {
    for (const std::string& id : ids) {
      if (Status s = db_->Run("DELETE FROM offline_reads WHERE id = ?", {id}); !s.ok()) return s;
    }
    return Status::OK();
  });
}

// --- Talking to the server ------------------------------------------------------

namespace {

// One collection's sync from `since_ms`; false in *complete if the cache
// still differs from the server's listing afterwards (then a full sync).
// Rollback if the server's answer has anything older than the cache holds.
Status CheckNotOlder(Cache& cache, const CachedCollection& c,
                     const std::vector<CachedItem>& changed) {
  auto col = cache.GetCollection(c.id);
  if (!col) return col.error();
  if (*col && c.key_version < (*col)->key_version) {
    return Status::Rollback("the server sent key version " + std::to_string(c.key_version) +
                            " of " + c.name + ", but the offline cache holds version " +
                            std::to_string((*col)->key_version) + "; the cache was not changed");
  }
  auto held = cache.Versions(c.id);
  if (!held) return held.error();
  for (const CachedItem& it : changed) {
    auto h = held->find(it.id);
    if (h != held->end() && it.version < h->second) {
      return Status::Rollback("the server sent version " + std::to_string(it.version) + " of " +
                              it.meta.value("name", it.id) + ", but the offline cache holds " +
                              "version " + std::to_string(h->second) +
                              "; the cache was not changed");
    }
  }
  return Status::OK();
}

Status SyncCollection(ApiClient& api, Cache& cache, const vault::Collection& col, int64_t since_ms,
                      const SyncChecks& checks, SyncReport& report, bool* complete, bool* dropped,
                      int* held_count) {
  const std::string& id = col.id;
  auto reply = api.Get("/v1/collections/" + id + "/cache?since_ms=" + std::to_string(since_ms),
                       &vault::api::CacheAnswerFromJson);
  if (!reply) {
    if (reply.error().IsFailedPrecondition() || reply.error().IsPermissionDenied()) {
      *dropped = true;
      return cache.DropCollection(id);
    }
    return reply.error();
  }
  if (!reply->sealed_key) {
    // No key of this member's own: nothing cached would open.
    *dropped = true;
    return cache.DropCollection(id);
  }
  CachedCollection c{id, col.name, reply->key_version, std::move(*reply->sealed_key),
                     reply->as_of_ms};
  std::vector<CachedItem> changed;
  std::map<std::string, int64_t> want;
  for (const auto& cur : reply->current) want[cur.id] = cur.version;
  for (auto& it : reply->items) {
    changed.push_back({it.meta.id, id, it.meta.version, it.meta.key_version,
                       vault::api::ItemMetaToJson(it.meta), std::move(it.ciphertext)});
  }
  std::vector<std::string> ids;
  for (const auto& [item_id, v] : want) ids.push_back(item_id);
  if (Status s = CheckNotOlder(cache, c, changed); !s.ok()) return s;
  if (checks.before) {
    if (Status s = checks.before(c, changed); !s.ok()) return s;
  }
  if (Status s = cache.ApplySync(c, changed, ids); !s.ok()) return s;
  if (checks.after) {
    if (Status s = checks.after(c, changed); !s.ok()) return s;
  }
  report.items_fetched += static_cast<int>(changed.size());
  auto held = cache.Versions(id);
  if (!held) return held.error();
  *complete = *held == want;
  *held_count = static_cast<int>(held->size());
  return Status::OK();
}

}  // namespace

Result<SyncReport> SyncCache(ApiClient& api, Cache& cache, const SyncChecks& checks) {
  SyncReport report;
  auto cols = api.Get("/v1/collections", &vault::api::CollectionsFromJson);
  if (!cols) return Fail(cols.error());
  auto held = cache.ListCollections();
  if (!held) return Fail(held.error());
  std::set<std::string> listed;
  for (const auto& [col, access] : *cols) {
    const std::string& id = col.id;
    auto cached = std::find_if(held->begin(), held->end(),
                               [&](const CachedCollection& c) { return c.id == id; });
    if (access == "none" || !col.offline_cache) {
      if (cached != held->end()) {
        if (Status s = cache.DropCollection(id); !s.ok()) return Fail(s);
        report.dropped.push_back(col.name);
      }
      continue;
    }
    listed.insert(id);
    bool complete = false, dropped = false;
    int count = 0;
    // From just after the last sync; a change made within that millisecond
    // shows as a version mismatch below and is fetched then.
    const int64_t since = cached != held->end() ? cached->as_of_ms + 1 : 0;
    if (Status s =
            SyncCollection(api, cache, col, since, checks, report, &complete, &dropped, &count);
        !s.ok()) {
      return Fail(s);
    }
    if (!complete && !dropped && since != 0) {
      // Something changed without moving its time (or a write raced the
      // sync): fetch the collection whole.
      if (Status s =
              SyncCollection(api, cache, col, 0, checks, report, &complete, &dropped, &count);
          !s.ok()) {
        return Fail(s);
      }
    }
    if (!dropped) report.items_cached += count;
    if (dropped) {
      if (cached != held->end()) report.dropped.push_back(col.name);
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
    auto acked = api.Send("POST", "/v1/offline-reads", body, &vault::api::AcknowledgedFromJson);
    if (!acked) return Fail(acked.error());
    if (Status s = cache.DeleteOfflineReads(*acked); !s.ok()) return Fail(s);
    total += acked->size();
    if (acked->size() < reads->size()) return total;  // the rest next time
  }
}

}  // namespace cli
