// The offline cache of one profile: what `item get` and `totp` need when the
// server cannot be reached, and nothing from which a secret could be read
// without the member's key.
//
// <profile>/cache/cache.db is a SQLCipher database (0600, in a 0700
// directory) under a random 32-byte cache key; <profile>/cache/cache.key
// holds that key sealed to the member's box key (crypto::SealTo), so it
// opens only through KeyOps (the agent or the unlocked identity). The
// database holds, per collection the member may keep offline: item metadata
// as the server lists it, each item's current ciphertext, the member's
// sealed collection key and the server time of the last sync; plus reads
// made offline that the server has not acknowledged yet. Never a plaintext
// secret, never an opened key.
//
// Not thread-safe: one command at a time uses it.
#ifndef BATON_CLI_CACHE_H_
#define BATON_CLI_CACHE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "key_ops.h"
#include "vault/env.h"
#include "vault/local_db.h"
#include "vault/status.h"

namespace cli {

class ApiClient;

struct CachedItem {
  std::string id;
  std::string collection_id;
  int64_t version = 0;
  int64_t key_version = 0;
  nlohmann::json meta;  // as the server lists it (name, channel, url, dates, flags)
  std::vector<uint8_t> ciphertext;
};

struct CachedCollection {
  std::string id;
  std::string name;
  int64_t key_version = 0;
  std::vector<uint8_t> sealed_key;  // sealed to the member's box key
  int64_t as_of_ms = 0;             // server time of the last sync
};

// A read made from the cache, to be reported to the server.
struct OfflineRead {
  std::string id;  // random, so a report sent twice is recognisable
  std::string item_id;
  int64_t version = 0;
  int64_t read_ms = 0;
};

class Cache {
 public:
  // Opens the cache in `dir`. With `create`, a missing cache is created (a
  // new cache key, sealed to keys.box_public_key()). Errors: NotFound (no
  // cache and not `create`); Corruption (the key file or the database is
  // damaged, or belongs to another member: Remove() it and sync again).
  static vault::Result<std::unique_ptr<Cache>> Open(vault::Env& env, const std::string& dir,
                                                    const std::string& member_id, KeyOps& keys,
                                                    bool create);
  // Deletes the cache files in `dir` (OK if there are none).
  static vault::Status Remove(vault::Env& env, const std::string& dir);
  static bool Exists(vault::Env& env, const std::string& dir);

  // Items whose id or exact name is `name_or_id`, by index: the cost does
  // not grow with the number of items.
  vault::Result<std::vector<CachedItem>> Find(const std::string& name_or_id);
  vault::Result<std::optional<CachedCollection>> GetCollection(const std::string& id);
  vault::Result<std::vector<CachedCollection>> ListCollections();

  // Replaces what the cache holds of a collection after a sync: `changed`
  // items are stored, items not in `current_ids` are dropped. One
  // transaction.
  vault::Status ApplySync(const CachedCollection& collection,
                          const std::vector<CachedItem>& changed,
                          const std::vector<std::string>& current_ids);
  // Drops a collection and its items.
  vault::Status DropCollection(const std::string& id);
  // The cached item versions of a collection, by item id.
  vault::Result<std::map<std::string, int64_t>> Versions(const std::string& collection_id);

  vault::Status AddOfflineRead(const OfflineRead& read);
  vault::Result<std::vector<OfflineRead>> OfflineReads(size_t limit);
  vault::Status DeleteOfflineReads(const std::vector<std::string>& ids);

 private:
  explicit Cache(std::unique_ptr<vault::LocalDb> db) : db_(std::move(db)) {}
  std::unique_ptr<vault::LocalDb> db_;
};

struct SyncReport {
  int collections = 0;               // kept offline
  int items_fetched = 0;             // ciphertexts received
  int items_cached = 0;              // held afterwards
  std::vector<std::string> dropped;  // collection names no longer kept (off, or no access)
};

// What the caller checks of a collection's answer before the cache takes it
// (the pins and the roster), and records after.
struct SyncChecks {
  std::function<vault::Status(const CachedCollection&, const std::vector<CachedItem>&)> before;
  std::function<vault::Status(const CachedCollection&, const std::vector<CachedItem>&)> after;
};

// Brings the cache up to date with the server: per collection the member
// has access to, the items changed since the last sync (one audited
// "collection.cache" read each); collections whose offline cache an admin
// turned off, or that the member lost, are dropped. A collection whose
// answer goes back (an item version or the key version below what the
// cache holds) is Rollback, and the cache keeps what it had.
vault::Result<SyncReport> SyncCache(ApiClient& api, Cache& cache, const SyncChecks& checks = {});

// Uploads reads made offline (POST /v1/offline-reads) and deletes those
// the server acknowledged. Returns how many were acknowledged.
vault::Result<size_t> ReportOfflineReads(ApiClient& api, Cache& cache);

}  // namespace cli

#endif  // BATON_CLI_CACHE_H_
