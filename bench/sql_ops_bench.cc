// SQLCipher vs plain SQLite on the operations the vault does most.
//
// Compiled twice (bench/CMakeLists.txt): with BATON_BENCH_SQLCIPHER against
// SQLCipher (raw 256-bit key, cipher_page_size as the benchmark argument) and
// without it against the system SQLite (page_size as the argument). The two
// libraries export the same sqlite3_* symbols, so they cannot share one
// binary; run the two programs back to back and compare their medians.
// Both use baton's pragmas (WAL, synchronous=FULL, foreign keys) and baton's
// real schema (vault/src/schema.h). The durable commit is measured beside an
// fdatasync of one 4 KiB block in the same directory, because this disk's
// flush latency swings by 10x between runs. Figures: bench/RESULTS.md.

#ifdef BATON_BENCH_SQLCIPHER
// SQLITE_HAS_CODEC exposes sqlite3_key in SQLCipher's header.
#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>
#else
#include <sqlite3.h>
#endif

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "src/schema.h"

namespace {

constexpr int kRows = 10'000;
constexpr size_t kCiphertextBytes = 300;

std::string g_dir;  // a fresh temporary directory, removed at exit

void Die(sqlite3* db, int rc, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  std::exit(1);
}

void Exec(sqlite3* db, const std::string& sql) {
  if (int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    Die(db, rc, sql.c_str());
  }
}

// Guards the comparison: the SQLCipher file must not be plain SQLite.
void CheckHeader(const std::string& path) {
  char header[16] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr || std::fread(header, 1, sizeof header, f) != sizeof header) std::exit(1);
  std::fclose(f);
  const bool plain = std::memcmp(header, "SQLite format 3", 16) == 0;
#ifdef BATON_BENCH_SQLCIPHER
  if (plain) {
#else
  if (!plain) {
#endif
    std::fprintf(stderr, "%s: unexpected file format\n", path.c_str());
    std::exit(1);
  }
}

// Opens (creating if needed) a database with baton's settings and `page`-byte
// pages, and applies the schema if it is new.
sqlite3* OpenDb(const std::string& path, int page) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) Die(db, rc, "open");
#ifdef BATON_BENCH_SQLCIPHER
  // A fixed raw key: x'<64 hex>' skips SQLCipher's passphrase KDF, as baton does.
  const std::string spec = "x'" + std::string(64, 'a') + "'";
  rc = sqlite3_key(db, spec.data(), static_cast<int>(spec.size()));
  if (rc != SQLITE_OK) Die(db, rc, "key");
  Exec(db, "PRAGMA cipher_page_size = " + std::to_string(page) + ";");
#else
  Exec(db, "PRAGMA page_size = " + std::to_string(page) + ";");
#endif
  Exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version;", -1, &st, nullptr);
  sqlite3_step(st);
  const int version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (version == 0) {
    Exec(db, "BEGIN; " + std::string(vault::schema::kMigrations[0]) +
                 "PRAGMA user_version = 1; COMMIT;");
    Exec(db,
         "INSERT INTO collections (id, name, key_version, created_ms) "
         "VALUES ('c1', 'Social', 1, 0);");
    CheckHeader(path);
  }
  return db;
}

std::string ItemId(int i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%032x", static_cast<unsigned>(i) * 2654435761u);
  return buf;
}

sqlite3_stmt* Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (int rc = sqlite3_prepare_v2(db, sql, -1, &st, nullptr); rc != SQLITE_OK) {
    Die(db, rc, sql);
  }
  return st;
}

void StepDone(sqlite3* db, sqlite3_stmt* st) {
  if (int rc = sqlite3_step(st); rc != SQLITE_DONE) Die(db, rc, "step");
  sqlite3_reset(st);
}

// Inserts items [first, first + n) with one ~300-byte version each, in one
// transaction (as CreateItem does, without the audit event).
void InsertItems(sqlite3* db, int first, int n) {
  const std::vector<uint8_t> ciphertext(kCiphertextBytes, 0x5a);
  sqlite3_stmt* item =
      Prepare(db,
              "INSERT INTO items (id, collection_id, name, channel, url, rotation_period_s, "
              "last_rotated_ms, version, key_version, updated_ms, updated_by) "
              "VALUES (?, 'c1', ?, 'facebook', 'https://www.facebook.com/', 7776000, 0, 1, 1, 0, "
              "'0123456789abcdef0123456789abcdef')");
  sqlite3_stmt* version =
      Prepare(db,
              "INSERT INTO item_versions (item_id, version, key_version, state, ciphertext, "
              "created_ms, created_by) VALUES (?, 1, 1, 'current', ?, 0, "
              "'0123456789abcdef0123456789abcdef')");
  Exec(db, "BEGIN IMMEDIATE;");
  for (int i = first; i < first + n; ++i) {
    const std::string id = ItemId(i);
    const std::string name = "item-" + std::to_string(i);
    sqlite3_bind_text(item, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(item, 2, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    StepDone(db, item);
    sqlite3_bind_text(version, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(version, 2, ciphertext.data(), static_cast<int>(ciphertext.size()),
                      SQLITE_STATIC);
    StepDone(db, version);
  }
  Exec(db, "COMMIT;");
  sqlite3_finalize(item);
  sqlite3_finalize(version);
}

void RemoveDb(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

// 10,000 items + their 10,000 versions (20,000 rows) into an empty database,
// in one durable transaction. Setup and close are not timed.
void BM_BulkInsert(benchmark::State& state) {
  const int page = static_cast<int>(state.range(0));
  const std::string path = g_dir + "/bulk.db";
  for (auto _ : state) {
    RemoveDb(path);
    sqlite3* db = OpenDb(path, page);
    const auto start = std::chrono::steady_clock::now();
    InsertItems(db, 0, kRows);
    const auto end = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
    sqlite3_close_v2(db);
  }
  RemoveDb(path);
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_BulkInsert)->Arg(4096)->Arg(1024)->UseManualTime()->Unit(benchmark::kMillisecond);

// A random item's ciphertext by primary key (item_id, version), in
// autocommit, with 10,000 items present. Default page cache (2 MB), as baton.
void BM_PointSelect(benchmark::State& state) {
  const std::string path = g_dir + "/select.db";
  RemoveDb(path);
  sqlite3* db = OpenDb(path, 4096);
  InsertItems(db, 0, kRows);
  sqlite3_stmt* st =
      Prepare(db, "SELECT ciphertext FROM item_versions WHERE item_id = ? AND version = 1");
  std::mt19937 rng(1);
  for (auto _ : state) {
    const std::string id = ItemId(static_cast<int>(rng() % kRows));
    sqlite3_bind_text(st, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) Die(db, 0, "select");
    benchmark::DoNotOptimize(sqlite3_column_blob(st, 0));
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_close_v2(db);
  RemoveDb(path);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PointSelect)->Unit(benchmark::kMicrosecond);

// Reference: rewrite one 4 KiB block of a file beside the database and
// fdatasync it: the floor of any durable commit on this disk. (The block is
// preallocated: an append would also flush the file size, which SQLite's
// reused WAL usually does not need.)
void BM_FsyncFloor(benchmark::State& state) {
  const std::string path = g_dir + "/fsync_floor";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<uint8_t> page(4096, 0xab);
  if (fd < 0 || ::pwrite(fd, page.data(), page.size(), 0) != 4096 || ::fsync(fd) != 0) {
    std::exit(1);
  }
  for (auto _ : state) {
    ++page[0];
    if (::pwrite(fd, page.data(), page.size(), 0) != 4096 || ::fdatasync(fd) != 0) std::exit(1);
  }
  ::close(fd);
  ::unlink(path.c_str());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FsyncFloor)->UseRealTime()->Unit(benchmark::kMicrosecond);

// One new ~300-byte item version per durable transaction (an UpdateItem
// without the audit event), 10,000 items present.
void BM_DurableCommitOneRow(benchmark::State& state) {
  const std::string path = g_dir + "/commit.db";
  RemoveDb(path);
  sqlite3* db = OpenDb(path, 4096);
  InsertItems(db, 0, kRows);
  sqlite3_stmt* st =
      Prepare(db,
              "INSERT INTO item_versions (item_id, version, key_version, state, ciphertext, "
              "created_ms, created_by) VALUES (?, ?, 1, 'current', ?, 0, "
              "'0123456789abcdef0123456789abcdef')");
  const std::vector<uint8_t> ciphertext(kCiphertextBytes, 0x5a);
  std::mt19937 rng(2);
  int64_t next_version = 2;  // unique per row: versions are never reused
  for (auto _ : state) {
    const std::string id = ItemId(static_cast<int>(rng() % kRows));
    Exec(db, "BEGIN IMMEDIATE;");
    sqlite3_bind_text(st, 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, next_version++);
    sqlite3_bind_blob(st, 3, ciphertext.data(), static_cast<int>(ciphertext.size()), SQLITE_STATIC);
    StepDone(db, st);
    Exec(db, "COMMIT;");
  }
  sqlite3_finalize(st);
  sqlite3_close_v2(db);
  RemoveDb(path);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DurableCommitOneRow)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr ? tmp : "/tmp") + "/sql_ops_bench.XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) return 1;
  g_dir = templ;
#ifdef BATON_BENCH_SQLCIPHER
  benchmark::AddCustomContext("library",
                              std::string("SQLCipher (SQLite ") + sqlite3_libversion() + ")");
#else
  benchmark::AddCustomContext("library", std::string("SQLite ") + sqlite3_libversion());
#endif
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(g_dir, ec);
  return 0;
}
