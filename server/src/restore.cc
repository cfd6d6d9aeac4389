#include <fstream>

#include "backup.h"
#include "backup/archive.h"
#include "schema.h"
#include "vault/crypto.h"

namespace server {
namespace {

using vault::Result;
using vault::SecureBuffer;
using vault::Status;

constexpr char kArchiveName[] = "backup.archive";
constexpr const char* kRestoredFiles[] = {backup::kBackupKeyFile, backup::kBackupTlsKeyFile,
                                          backup::kBackupTlsCertFile, backup::kBackupVaultFile,
                                          kArchiveName};

// Writes the archive's entries as the files of the data dir `dir`.
Status Unpack(vault::Env& env, std::istream& in, const std::string& dir) {
  return backup::ReadArchive(
      in, static_cast<int64_t>(vault::schema::kMigrations.size()),
      [&](std::string_view name, uint64_t length, std::istream& from) -> Status {
        const std::string path = dir + "/" + std::string(name);
        // Created empty first, so the content lands in a file of the right mode.
        const uint32_t mode = name == backup::kBackupTlsCertFile ? 0644 : 0600;
        if (Status s = env.WriteFileAtomic(path, {}, mode); !s.ok()) return s;
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        if (Status s = backup::CopyArchiveEntry(from, length, out); !s.ok()) {
          return s.WithContext(path);
        }
        return Status::OK();
      });
}

Status RestoreInto(vault::Env& env, const std::string& file, const backup::age::Identity& identity,
                   const std::string& staging) {
  std::ifstream sealed(file, std::ios::binary);
  if (!sealed) return Status::NotFound("cannot read the backup " + file);
  // The plaintext archive holds what the data dir will hold, in the data
  // dir's own (0700) staging directory.
  const std::string archive = staging + "/" + kArchiveName;
  if (Status s = env.WriteFileAtomic(archive, {}, 0600); !s.ok()) return s;
  {
    std::ofstream plain(archive, std::ios::binary | std::ios::trunc);
    if (Status s = backup::age::Decrypt(std::span(&identity, 1), sealed, plain); !s.ok()) {
      return s.WithContext("backup " + file);
    }
    plain.flush();
    if (!plain) return Status::IOError("cannot write " + archive);
  }
  std::ifstream in(archive, std::ios::binary);
  Status s = Unpack(env, in, staging);
  (void)env.RemoveFile(archive);
  return s.ok() ? s : s.WithContext("backup " + file);
}

void RemoveStaging(vault::Env& env, const std::string& staging) {
  for (const char* f : kRestoredFiles) (void)env.RemoveFile(staging + "/" + f);
  (void)env.RemoveDir(staging);
}

}  // namespace

Status RestoreBackup(vault::Env& env, const std::string& file,
                     const backup::age::Identity& identity, const std::string& target) {
  if (env.FileExists(target)) {
    auto entries = env.ListDir(target);
    if (!entries) return entries.error();
    if (!entries->empty()) {
      return Status::AlreadyExists(target + " is not empty; restore into a new data dir");
    }
  }
  const std::string staging = target + ".restore-" + vault::crypto::RandomId(env).substr(0, 8);
  if (Status s = env.CreateDir(staging, 0700); !s.ok()) return s;
  Status s = RestoreInto(env, file, identity, staging);
  if (s.ok()) s = env.Rename(staging, target);
  if (!s.ok()) RemoveStaging(env, staging);
  return s;
}

}  // namespace server
