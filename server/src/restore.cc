#include <algorithm>
#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "backup.h"
#include "backup_archive.h"
#include "schema.h"
#include "vault/crypto.h"

namespace server {
namespace {

using vault::Result;
using vault::SecureBuffer;
using vault::Status;

constexpr char kArchiveName[] = "backup.archive";
constexpr const char* kRestoredFiles[] = {kBackupKeyFile, kBackupTlsKeyFile, kBackupTlsCertFile,
                                          kBackupVaultFile, kArchiveName};

// "1.2.3" as numbers; a part that is not a number sorts as newer than any.
std::vector<int64_t> VersionParts(std::string_view v) {
  std::vector<int64_t> out;
  while (true) {
    const auto dot = v.find('.');
    const std::string_view part = v.substr(0, dot);
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
    out.push_back(ec == std::errc() && ptr == part.data() + part.size() ? n : INT64_MAX);
    if (dot == std::string_view::npos) return out;
    v.remove_prefix(dot + 1);
  }
}

// Refuses a backup this batond cannot serve: one written by a newer batond
// or with a newer vault schema.
Status CheckManifest(const std::string& text) {
  auto m = nlohmann::json::parse(text, nullptr, false);
  if (!m.is_object() || !m.contains("format") || !m["format"].is_number_integer() ||
      !m.contains("server_version") || !m["server_version"].is_string() ||
      !m.contains("schema_version") || !m["schema_version"].is_number_integer()) {
    return Status::InvalidArgument("backup manifest is malformed");
  }
  if (m["format"].get<int64_t>() != kBackupFormat) {
    return Status::Unsupported("backup format " + std::to_string(m["format"].get<int64_t>()) +
                               " is not known to this batond");
  }
  const std::string version = m["server_version"].get<std::string>();
  if (VersionParts(version) > VersionParts(BATON_VERSION)) {
    return Status::Unsupported("the backup was written by a newer batond; upgrade to restore it");
  }
  const int64_t schema = m["schema_version"].get<int64_t>();
  if (schema > static_cast<int64_t>(vault::schema::kMigrations.size()) || schema < 0) {
    return Status::Unsupported("the backup's vault schema " + std::to_string(schema) +
                               " is newer than this batond's");
  }
  return Status::OK();
}

Status CopyOut(std::istream& in, uint64_t length, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<char> chunk(64 * 1024);
  while (length > 0 && out) {
    const auto n = static_cast<std::streamsize>(std::min<uint64_t>(length, chunk.size()));
    if (!in.read(chunk.data(), n)) return Status::InvalidArgument("backup archive truncated");
    out.write(chunk.data(), n);
    length -= static_cast<uint64_t>(n);
  }
  std::fill(chunk.begin(), chunk.end(), 0);
  out.flush();
  if (!out) return Status::IOError("cannot write " + path);
  return Status::OK();
}

// Writes the archive's entries as the files of the data dir `dir`. The
// manifest comes first, so that a newer backup is refused before anything
// else is written.
Status Unpack(vault::Env& env, std::istream& in, const std::string& dir) {
  if (Status s = ReadArchiveMagic(in); !s.ok()) return s;
  std::set<std::string> seen;
  while (true) {
    std::string name;
    uint64_t length = 0;
    if (Status s = ReadArchiveEntry(in, name, length); !s.ok()) return s;
    if (name.empty()) break;
    if (seen.empty() && name != kBackupManifest) {
      return Status::InvalidArgument("backup archive: the manifest is not first");
    }
    if (!seen.insert(name).second) {
      return Status::InvalidArgument("backup archive: an entry appears twice");
    }
    if (name == kBackupManifest) {
      if (length > 64 * 1024) return Status::InvalidArgument("backup manifest too large");
      std::string text(length, '\0');
      if (!in.read(text.data(), static_cast<std::streamsize>(length))) {
        return Status::InvalidArgument("backup archive truncated");
      }
      if (Status s = CheckManifest(text); !s.ok()) return s;
      continue;
    }
    if (std::none_of(std::begin(kRestoredFiles), std::end(kRestoredFiles) - 1,
                     [&](const char* f) { return name == f; })) {
      return Status::InvalidArgument("backup archive: unknown entry");
    }
    const std::string path = dir + "/" + name;
    // Created empty first, so the content lands in a file of the right mode.
    const uint32_t mode = name == kBackupTlsCertFile ? 0644 : 0600;
    if (Status s = env.WriteFileAtomic(path, {}, mode); !s.ok()) return s;
    if (Status s = CopyOut(in, length, path); !s.ok()) return s;
  }
  if (seen.size() != std::size(kRestoredFiles)) {
    return Status::InvalidArgument("backup archive is incomplete");
  }
  return Status::OK();
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

Result<backup::age::Identity> ReadIdentityFile(vault::Env& env, const std::string& path) {
  auto bytes = env.ReadFile(path);
  if (!bytes) return vault::Fail(bytes.error());
  SecureBuffer text = SecureBuffer::CopyOf(*bytes);
  std::fill(bytes->begin(), bytes->end(), 0);
  std::string_view rest(reinterpret_cast<const char*>(text.data()), text.size());
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.starts_with("AGE-SECRET-KEY-1")) {
      auto id = backup::age::Identity::Parse(line);
      if (!id) return vault::Fail(id.error().WithContext(path));
      return id;
    }
  }
  return vault::Fail(Status::InvalidArgument(path + " holds no AGE-SECRET-KEY-1 identity"));
}

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
