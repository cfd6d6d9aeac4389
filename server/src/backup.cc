// SQLITE_HAS_CODEC exposes SQLCipher's keyed API in its header.
#define SQLITE_HAS_CODEC 1
#include "backup.h"

#include <sqlcipher/sqlite3.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <streambuf>

#include "backup/archive.h"
#include "db.h"
#include "vault/crypto.h"
#include "vault/time_format.h"

namespace server {
namespace {

using vault::Result;
using vault::SecureBuffer;
using vault::Status;

// The recipients of a backup: the config's, then the store's recovery
// recipient if the team registered one.
Result<std::vector<backup::age::Recipient>> BackupRecipients(const BackupSource& source) {
  std::vector<std::string> texts = source.recipients;
  std::optional<std::string> recovery;
  if (Status s = source.store->Read([&](vault::ReadTxn& t) -> Status {
        auto v = t.GetSetting(kRecoveryRecipientSetting);
        if (!v) return v.error();
        recovery = *v;
        return Status::OK();
      });
      !s.ok()) {
    return vault::Fail(s);
  }
  if (recovery && !recovery->empty()) texts.push_back(*recovery);
  if (texts.empty()) {
    return vault::Fail(Status::FailedPrecondition(
        "no backup recipient: set backup_recipients (age1...) in the config"));
  }
  std::vector<backup::age::Recipient> out;
  for (const std::string& t : texts) {
    auto r = backup::age::Recipient::Parse(t);
    if (!r) return vault::Fail(r.error().WithContext("backup recipient"));
    out.push_back(*r);
  }
  return out;
}

// Copies the vault at `from` to the new file `to` with the online backup API.
// One step of all pages runs on one read snapshot: in WAL mode that is a
// consistent copy and writers are not held up.
Status SnapshotVault(vault::Env& env, const SecureBuffer& key, const std::string& from,
                     const std::string& to) {
  auto src =
      vault::Db::Open({.env = &env, .key = &key, .mode = vault::OpenMode::kOpenExisting}, from);
  if (!src) return src.error();
  auto dst = vault::Db::Open({.env = &env, .key = &key, .mode = vault::OpenMode::kCreateNew}, to);
  if (!dst) return dst.error();
  sqlite3_backup* b = sqlite3_backup_init((*dst)->raw(), "main", (*src)->raw(), "main");
  if (b == nullptr) {
    return Status::Internal(std::string("vault snapshot: ") + sqlite3_errmsg((*dst)->raw()));
  }
  // -1: every page in one step, on one read snapshot of the source.
  const int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    return Status::IOError(std::string("vault snapshot: ") + sqlite3_errstr(rc));
  }
  return (*dst)->Exec("PRAGMA journal_mode = DELETE;");
}

// The manifest of the snapshot at `path`, read from the snapshot itself so
// that its counts and audit head are those of the copy.
Result<std::string> Manifest(vault::Env& env, const SecureBuffer& key, const std::string& path) {
  auto store =
      vault::Store::Open({.env = &env, .key = &key, .mode = vault::OpenMode::kOpenExisting}, path);
  if (!store) return vault::Fail(store.error());
  nlohmann::json m = {
      {"format", backup::kBackupFormat},
      {"created_at", vault::FormatUtc(vault::ToUnixMs(env.Now()), vault::UtcFormat::kIso8601)},
      {"server_version", BATON_VERSION},
      {"schema_version", (*store)->schema_version()}};
  if (Status s = (*store)->Read([&](vault::ReadTxn& t) -> Status {
        auto members = t.ListMembers();
        if (!members) return members.error();
        auto collections = t.ListCollections();
        if (!collections) return collections.error();
        size_t items = 0;
        for (const auto& c : *collections) {
          auto list = t.ListItems(c.id);
          if (!list) return list.error();
          items += list->size();
        }
        auto head = t.AuditHead();
        if (!head) return head.error();
        m["members"] = members->size();
        m["collections"] = collections->size();
        m["items"] = items;
        m["audit_head"] = {{"seq", head->seq}, {"hash", vault::crypto::ToHex(head->hash)}};
        return Status::OK();
      });
      !s.ok()) {
    return vault::Fail(s);
  }
  return m.dump(2);
}

// A read stream over a sequence of byte spans, so that the archive is
// encrypted without copying the secrets out of locked memory.
class SpanChain : public std::streambuf {
 public:
  explicit SpanChain(std::vector<std::span<const uint8_t>> parts) : parts_(std::move(parts)) {}

 protected:
  int_type underflow() override {
    while (next_ < parts_.size()) {
      auto p = parts_[next_++];
      if (p.empty()) continue;
      char* b = const_cast<char*>(reinterpret_cast<const char*>(p.data()));
      setg(b, b, b + p.size());
      return traits_type::to_int_type(*gptr());
    }
    return traits_type::eof();
  }

 private:
  std::vector<std::span<const uint8_t>> parts_;
  size_t next_ = 0;
};

void RemoveSnapshot(vault::Env& env, const std::string& dir) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    (void)env.RemoveFile(dir + "/" + backup::kBackupVaultFile + suffix);
  }
  (void)env.RemoveDir(dir);
}

}  // namespace

Result<BackupWritten> WriteBackup(vault::Env& env, const BackupSource& source,
                                  const std::string& out) {
  auto recipients = BackupRecipients(source);
  if (!recipients) return vault::Fail(recipients.error());
  const std::string dir = source.data_dir + "/";
  auto server_key = env.ReadFile(dir + backup::kBackupKeyFile);
  if (!server_key) return vault::Fail(server_key.error());
  SecureBuffer server_key_secret = SecureBuffer::CopyOf(*server_key);
  std::fill(server_key->begin(), server_key->end(), 0);
  auto tls_key = env.ReadFile(dir + backup::kBackupTlsKeyFile);
  if (!tls_key) return vault::Fail(tls_key.error());
  SecureBuffer tls_key_secret = SecureBuffer::CopyOf(*tls_key);
  std::fill(tls_key->begin(), tls_key->end(), 0);
  auto tls_cert = env.ReadFile(dir + backup::kBackupTlsCertFile);
  if (!tls_cert) return vault::Fail(tls_cert.error());

  // The snapshot is SQLCipher-encrypted like the vault; it lives beside the
  // output for the moment it takes to read it back.
  const std::string work = out + ".snap-" + vault::crypto::RandomId(env).substr(0, 8);
  if (Status s = env.CreateDir(work, 0700); !s.ok()) return vault::Fail(s);
  const std::string snap = work + "/" + backup::kBackupVaultFile;
  Status s = SnapshotVault(env, *source.db_key, dir + backup::kBackupVaultFile, snap);
  Result<std::string> manifest = s.ok() ? Manifest(env, *source.db_key, snap) : vault::Fail(s);
  Result<std::vector<uint8_t>> db = manifest ? env.ReadFile(snap) : vault::Fail(manifest.error());
  RemoveSnapshot(env, work);
  if (!db) return vault::Fail(db.error().WithContext("backup"));

  backup::ArchiveWriter archive;
  archive.Add(backup::kBackupManifest, vault::crypto::AsBytes(*manifest));
  archive.Add(backup::kBackupKeyFile, server_key_secret.bytes());
  archive.Add(backup::kBackupTlsKeyFile, tls_key_secret.bytes());
  archive.Add(backup::kBackupTlsCertFile, *tls_cert);
  archive.Add(backup::kBackupVaultFile, *db);
  SpanChain chain(archive.Parts());
  std::istream in(&chain);
  std::ostringstream sealed;
  if (Status e = backup::age::Encrypt(env, *recipients, in, sealed); !e.ok()) {
    return vault::Fail(e.WithContext("backup"));
  }
  const std::string bytes = std::move(sealed).str();
  if (Status w = env.WriteFileAtomic(out, vault::crypto::AsBytes(bytes), 0600); !w.ok()) {
    return vault::Fail(w);
  }
  return BackupWritten{env.Now(), static_cast<int64_t>(bytes.size())};
}

}  // namespace server
