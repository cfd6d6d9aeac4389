// Store benchmarks for baton.
//
// One vault of 10,000 items (~300-byte ciphertexts), 100 members and 20
// collections is built once in a temporary directory before the benchmarks
// run; every benchmark then works on that file. Each operation is measured
// beside a reference from the same run, because the machine is shared:
//   * Store::Open beside the bare SQLCipher open + key + first page decrypt;
//   * durable operations beside an fdatasync of one 4 KiB append in the same
//     directory (the floor of any durable commit on this disk);
//   * audit::Verifier over 1M events beside raw libsodium BLAKE2b-256 over the
//     same bytes.
// Figures and command lines: bench/RESULTS.md.

// SQLITE_HAS_CODEC exposes sqlite3_key in SQLCipher's header.
#define SQLITE_HAS_CODEC 1

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlcipher/sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "vault/audit.h"
#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/store.h"

namespace {

namespace audit = vault::audit;
namespace crypto = vault::crypto;
using vault::Actor;
using vault::Env;
using vault::SecureBuffer;
using vault::Status;
using vault::Store;
using vault::WriteTxn;

constexpr int kMembers = 100;
constexpr int kCollections = 20;
constexpr int kItems = 10'000;
constexpr size_t kCiphertextBytes = 300;
constexpr int64_t kAuditEvents = 1'000'000;

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

// Everything the benchmarks share, built once in main().
struct Fixture {
  std::string dir;
  std::string path;
  SecureBuffer key;
  std::unique_ptr<Store> vault;  // opened after BM_Open has run
  std::vector<std::string> item_ids;
  std::vector<int64_t> item_versions;  // current version, for UpdateItem
  std::vector<std::string> collection_ids;
  std::vector<std::string> member_ids;
};

Fixture* g = nullptr;

crypto::Bytes Ciphertext() { return crypto::RandomBytes(Env::Default(), kCiphertextBytes); }

void BuildVault() {
  Env& env = Env::Default();
  auto opened =
      Store::Open({.env = &env, .key = &g->key, .mode = vault::OpenMode::kCreateNew}, g->path);
  if (!opened) Check(opened.error(), "create vault");
  Store& v = **opened;
  for (int i = 0; i < kMembers; ++i) g->member_ids.push_back(crypto::RandomId(env));
  const Actor owner{g->member_ids[0]};
  Check(v.Write([&](WriteTxn& t) -> Status {
    for (int i = 0; i < kMembers; ++i) {
      vault::Member m;
      m.id = g->member_ids[i];
      m.name = "member-" + std::to_string(i);
      m.role = i == 0 ? vault::TeamRole::kOwner : vault::TeamRole::kMember;
      env.RandomBytes(m.signing_public_key);
      env.RandomBytes(m.box_public_key);
      if (Status s = t.AddMember(owner, m); !s.ok()) return s;
    }
    for (int c = 0; c < kCollections; ++c) {
      const std::string id = crypto::RandomId(env);
      g->collection_ids.push_back(id);
      vault::Collection col{id, "collection-" + std::to_string(c), 1, true, false, 0};
      // Sealed collection keys are 32 bytes + 48 bytes of sealed-box overhead.
      std::vector<vault::SealedKey> keys = {
          {id, 1, vault::KeyHolder::kMember, owner.id, crypto::RandomBytes(env, 80)},
          {id, 1, vault::KeyHolder::kRecovery, "recovery", crypto::RandomBytes(env, 80)}};
      if (Status s = t.CreateCollection(owner, col, keys); !s.ok()) return s;
    }
    return Status::OK();
  }),
        "populate members and collections");
  // Items in batches of 1,000 per transaction (one audit event each).
  for (int start = 0; start < kItems; start += 1000) {
    Check(v.Write([&](WriteTxn& t) -> Status {
      for (int i = start; i < start + 1000; ++i) {
        vault::ItemMeta m;
        m.id = crypto::RandomId(env);
        m.collection_id = g->collection_ids[i % kCollections];
        m.name = "item-" + std::to_string(i);
        m.channel = "facebook";
        m.url = "https://www.facebook.com/";
        m.rotation_period_s = 90 * 86400;
        if (Status s = t.CreateItem(owner, m, Ciphertext()); !s.ok()) return s;
        g->item_ids.push_back(m.id);
        g->item_versions.push_back(1);
      }
      return Status::OK();
    }),
          "populate items");
  }
}

// Thread-safe: the 8-thread benchmark may be the first to need the vault.
Store& OpenVault() {
  static std::mutex mu;
  std::lock_guard lock(mu);
  if (!g->vault) {
    auto opened = Store::Open(
        {.env = &Env::Default(), .key = &g->key, .mode = vault::OpenMode::kOpenExisting}, g->path);
    if (!opened) Check(opened.error(), "open vault");
    g->vault = std::move(*opened);
  }
  return *g->vault;
}

// --- Open -------------------------------------------------------------------

// Store::Open of the existing file: header check, key, first page decrypt,
// WAL, migration check, audit head. Close is not timed.
void BM_VaultOpen(benchmark::State& state) {
  g->vault.reset();  // a process start: no other connection
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto opened = Store::Open(
        {.env = &Env::Default(), .key = &g->key, .mode = vault::OpenMode::kOpenExisting}, g->path);
    const auto end = std::chrono::steady_clock::now();
    if (!opened) Check(opened.error(), "open");
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
    opened->reset();
  }
}
BENCHMARK(BM_VaultOpen)->UseManualTime()->Unit(benchmark::kMicrosecond);

// Reference: the bare SQLCipher calls every open needs (open, raw key,
// 4 KiB pages, decrypt page 1).
void BM_RawSqlcipherOpen(benchmark::State& state) {
  g->vault.reset();
  const std::string spec = "x'" + crypto::ToHex(g->key.bytes()) + "'";
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(g->path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_key(db, spec.data(), static_cast<int>(spec.size()));
    if (rc == SQLITE_OK) {
      rc = sqlite3_exec(db, "PRAGMA cipher_page_size = 4096;", nullptr, nullptr, nullptr);
    }
    if (rc == SQLITE_OK) {
      rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master;", nullptr, nullptr, nullptr);
    }
    const auto end = std::chrono::steady_clock::now();
    if (rc != SQLITE_OK) {
      std::fprintf(stderr, "raw open: %s\n", sqlite3_errstr(rc));
      std::exit(1);
    }
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
    sqlite3_close_v2(db);
  }
}
BENCHMARK(BM_RawSqlcipherOpen)->UseManualTime()->Unit(benchmark::kMicrosecond);

// --- Reads ------------------------------------------------------------------

// ReadTxn::ListItems of one collection (500 items), on a snapshot.
void BM_ListCollection(benchmark::State& state) {
  Store& v = OpenVault();
  size_t c = 0;
  size_t listed = 0;
  for (auto _ : state) {
    const std::string& id = g->collection_ids[c++ % g->collection_ids.size()];
    Check(v.Read([&](vault::ReadTxn& t) -> Status {
      auto items = t.ListItems(id);
      if (!items) return items.error();
      listed = items->size();
      benchmark::DoNotOptimize(items->data());
      return Status::OK();
    }),
          "list");
  }
  state.counters["items_listed"] = static_cast<double>(listed);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * listed));
}
BENCHMARK(BM_ListCollection)->Unit(benchmark::kMicrosecond);

// --- Durable operations -----------------------------------------------------

// Reference: rewrite one 4 KiB block of a file beside the vault and
// fdatasync it: the floor of any durable commit on this disk. (The block is
// preallocated: an append would also flush the file size, which SQLite's
// reused WAL usually does not need.)
void BM_FsyncFloor(benchmark::State& state) {
  const std::string path = g->dir + "/fsync_floor";
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

// WriteTxn::FetchItem: an audited read, so one durable commit per fetch.
void BM_FetchItem(benchmark::State& state) {
  Store& v = OpenVault();
  std::mt19937_64 rng(1);
  const Actor actor{g->member_ids[1]};
  for (auto _ : state) {
    const std::string& id = g->item_ids[rng() % g->item_ids.size()];
    Check(v.Write([&](WriteTxn& t) -> Status {
      auto item = t.FetchItem(actor, id);
      if (!item) return item.error();
      benchmark::DoNotOptimize(item->ciphertext.data());
      return Status::OK();
    }),
          "fetch");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FetchItem)->UseRealTime()->Unit(benchmark::kMicrosecond);

// WriteTxn::UpdateItem: a new ~300-byte version plus its audit event.
void BM_UpdateItem(benchmark::State& state) {
  Store& v = OpenVault();
  std::mt19937_64 rng(2);
  const Actor actor{g->member_ids[1]};
  const crypto::Bytes ciphertext = Ciphertext();
  for (auto _ : state) {
    const size_t i = rng() % g->item_ids.size();
    Check(v.Write([&](WriteTxn& t) {
      return t.UpdateItem(actor, g->item_ids[i], g->item_versions[i], ciphertext);
    }),
          "update");
    ++g->item_versions[i];
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UpdateItem)->UseRealTime()->Unit(benchmark::kMicrosecond);

// WriteTxn::Record, one event per Write(). With 8 threads the writers share
// commits (group commit), so events/s should rise well above 1 thread's.
void BM_AuditAppend(benchmark::State& state) {
  Store& v = OpenVault();
  const Actor actor{g->member_ids[state.thread_index() % kMembers]};
  const std::string target = "session:" + g->member_ids[2];
  for (auto _ : state) {
    Check(
        v.Write([&](WriteTxn& t) { return t.Record(actor, "login", target, R"({"version":1})"); }),
        "record");
  }
  state.SetItemsProcessed(state.iterations());
}
// Real time: the rate is events over wall time, not over CPU time (writers
// mostly wait for fsync).
BENCHMARK(BM_AuditAppend)->Threads(1)->Threads(8)->UseRealTime()->Unit(benchmark::kMicrosecond);

// --- Audit verification -----------------------------------------------------

struct AuditLog {
  std::vector<audit::Event> events;
  std::vector<uint8_t> encoded;   // audit::Encode of every event, back to back
  std::vector<size_t> offsets;    // event i is encoded[offsets[i], offsets[i+1])
  crypto::SigningKeyPair server;  // signs one checkpoint at the head
  audit::Checkpoint checkpoint;
};

AuditLog* log_ = nullptr;

void BuildAuditLog() {
  Env& env = Env::Default();
  log_ = new AuditLog;
  auto server = crypto::SigningKeyPairFromSeed(crypto::RandomKey(env));
  if (!server) Check(server.error(), "server key");
  log_->server = std::move(*server);
  std::vector<std::string> actors;
  for (int i = 0; i < kMembers; ++i) actors.push_back(crypto::RandomId(env));
  std::mt19937_64 rng(3);
  log_->events.reserve(kAuditEvents);
  log_->offsets.reserve(kAuditEvents + 1);
  log_->offsets.push_back(0);
  audit::Head head;
  int64_t time_ms = 1'700'000'000'000;
  for (int64_t i = 0; i < kAuditEvents; ++i) {
    audit::Event e;
    e.time_ms = time_ms += static_cast<int64_t>(rng() % 5000);
    e.actor = actors[rng() % actors.size()];
    e.action = "item.read";
    e.target = "item:" + crypto::RandomId(env);
    e.details = R"({"version":1})";
    head = audit::Link(head, e);
    const std::vector<uint8_t> bytes = audit::Encode(e);
    log_->encoded.insert(log_->encoded.end(), bytes.begin(), bytes.end());
    log_->offsets.push_back(log_->encoded.size());
    log_->events.push_back(std::move(e));
  }
  auto cp = audit::SignCheckpoint(log_->server, head, time_ms);
  if (!cp) Check(cp.error(), "checkpoint");
  log_->checkpoint = *cp;
}

// audit::Verifier over 1M events (and one signed checkpoint at the head).
void BM_VerifyAudit1M(benchmark::State& state) {
  for (auto _ : state) {
    audit::Verifier verifier(log_->server.public_key, {log_->checkpoint});
    for (const audit::Event& e : log_->events) verifier.Add(e);
    const audit::Report report = verifier.Finish();
    if (!report.ok || report.events != kAuditEvents || report.checkpoints_verified != 1) {
      std::fprintf(stderr, "verify: %s\n", report.problem.c_str());
      std::exit(1);
    }
  }
  state.SetItemsProcessed(state.iterations() * kAuditEvents);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * log_->encoded.size()));
}
BENCHMARK(BM_VerifyAudit1M)->Unit(benchmark::kMillisecond)->Iterations(1);

// Reference: BLAKE2b-256(prev_hash || encoding) with raw libsodium over the
// encodings prepared beforehand (encoding excluded), compared to the stored
// hash, as the verifier does.
void BM_RawBlake2bPreEncoded1M(benchmark::State& state) {
  for (auto _ : state) {
    int64_t bad = 0;
    for (size_t i = 0; i < log_->events.size(); ++i) {
      const audit::Event& e = log_->events[i];
      crypto_generichash_state st;
      uint8_t out[crypto::kHashBytes];
      crypto_generichash_init(&st, nullptr, 0, sizeof out);
      crypto_generichash_update(&st, e.prev_hash.data(), e.prev_hash.size());
      crypto_generichash_update(&st, log_->encoded.data() + log_->offsets[i],
                                log_->offsets[i + 1] - log_->offsets[i]);
      crypto_generichash_final(&st, out, sizeof out);
      bad += std::memcmp(out, e.hash.data(), sizeof out) != 0;
    }
    if (bad != 0) std::exit(1);
  }
  state.SetItemsProcessed(state.iterations() * kAuditEvents);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * log_->encoded.size()));
}
BENCHMARK(BM_RawBlake2bPreEncoded1M)->Unit(benchmark::kMillisecond)->Iterations(1);

// Reference with the encoding included: audit::Encode + raw BLAKE2b per event.
void BM_EncodeRawBlake2b1M(benchmark::State& state) {
  for (auto _ : state) {
    int64_t bad = 0;
    for (const audit::Event& e : log_->events) {
      const std::vector<uint8_t> bytes = audit::Encode(e);
      crypto_generichash_state st;
      uint8_t out[crypto::kHashBytes];
      crypto_generichash_init(&st, nullptr, 0, sizeof out);
      crypto_generichash_update(&st, e.prev_hash.data(), e.prev_hash.size());
      crypto_generichash_update(&st, bytes.data(), bytes.size());
      crypto_generichash_final(&st, out, sizeof out);
      bad += std::memcmp(out, e.hash.data(), sizeof out) != 0;
    }
    if (bad != 0) std::exit(1);
  }
  state.SetItemsProcessed(state.iterations() * kAuditEvents);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * log_->encoded.size()));
}
BENCHMARK(BM_EncodeRawBlake2b1M)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Check(crypto::Init(), "crypto init");

  // A fresh directory under $TMPDIR (or /tmp), removed at exit.
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr ? tmp : "/tmp") + "/vault_bench.XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) return 1;
  g = new Fixture;
  g->dir = templ;
  g->path = g->dir + "/vault.db";
  g->key = crypto::RandomKey(Env::Default());

  auto t0 = std::chrono::steady_clock::now();
  BuildVault();
  auto t1 = std::chrono::steady_clock::now();
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  // Peak before the 1M-event log exists: what the vault itself costs.
  std::fprintf(stderr, "peak RSS after building the vault: %ld KiB\n", usage.ru_maxrss);
  BuildAuditLog();
  auto t2 = std::chrono::steady_clock::now();
  std::fprintf(stderr, "setup: vault %.1f s (%ju bytes), 1M audit events %.1f s\n",
               std::chrono::duration<double>(t1 - t0).count(),
               static_cast<uintmax_t>(std::filesystem::file_size(g->path)),
               std::chrono::duration<double>(t2 - t1).count());

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  g->vault.reset();
  std::error_code ec;
  std::filesystem::remove_all(g->dir, ec);
  ::getrusage(RUSAGE_SELF, &usage);
  std::fprintf(stderr, "peak RSS: %ld KiB\n", usage.ru_maxrss);
  return 0;
}
