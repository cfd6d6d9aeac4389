#include "backup/archive.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

namespace backup {
namespace {

using vault::Result;
using vault::SecureBuffer;
using vault::Status;

constexpr const char* kDataEntries[] = {kBackupKeyFile, kBackupTlsKeyFile, kBackupTlsCertFile,
                                        kBackupVaultFile};
constexpr uint64_t kMaxManifestBytes = 64 * 1024;

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

}  // namespace

ArchiveWriter::ArchiveWriter() {
  headers_.emplace_back(kArchiveMagic.begin(), kArchiveMagic.end());
  parts_.push_back(headers_.back());
}

void ArchiveWriter::Add(std::string_view name, std::span<const uint8_t> content) {
  std::vector<uint8_t> h;
  h.push_back(static_cast<uint8_t>(name.size() >> 8));
  h.push_back(static_cast<uint8_t>(name.size()));
  h.insert(h.end(), name.begin(), name.end());
  for (int shift = 56; shift >= 0; shift -= 8) {
    h.push_back(static_cast<uint8_t>(static_cast<uint64_t>(content.size()) >> shift));
  }
  headers_.push_back(std::move(h));
  parts_.push_back(headers_.back());
  parts_.push_back(content);
}

std::vector<std::span<const uint8_t>> ArchiveWriter::Parts() {
  auto out = parts_;
  headers_.push_back({0, 0});
  out.push_back(headers_.back());
  return out;
}

Status ReadArchiveMagic(std::istream& in) {
  std::string magic(kArchiveMagic.size(), '\0');
  if (!in.read(magic.data(), static_cast<std::streamsize>(magic.size())) ||
      magic != kArchiveMagic) {
    return Status::InvalidArgument("not a baton backup (the archive's magic is missing)");
  }
  return Status::OK();
}

Status ReadArchiveEntry(std::istream& in, std::string& name, uint64_t& length) {
  unsigned char n[2];
  if (!in.read(reinterpret_cast<char*>(n), 2)) {
    return Status::InvalidArgument("backup archive truncated");
  }
  const size_t size = (size_t{n[0]} << 8) | n[1];
  if (size > 64) return Status::InvalidArgument("backup archive: entry name too long");
  name.assign(size, '\0');
  length = 0;
  if (size == 0) return Status::OK();
  unsigned char len[8];
  if (!in.read(name.data(), static_cast<std::streamsize>(size)) ||
      !in.read(reinterpret_cast<char*>(len), 8)) {
    return Status::InvalidArgument("backup archive truncated");
  }
  for (unsigned char b : len) length = (length << 8) | b;
  return Status::OK();
}

Status CheckManifest(std::string_view text, std::optional<int64_t> max_schema) {
  auto m = nlohmann::json::parse(text, nullptr, false);
  if (!m.is_object() || !m.contains("format") || !m["format"].is_number_integer() ||
      !m.contains("server_version") || !m["server_version"].is_string() ||
      !m.contains("schema_version") || !m["schema_version"].is_number_integer()) {
    return Status::InvalidArgument("backup manifest is malformed");
  }
  if (m["format"].get<int64_t>() != kBackupFormat) {
    return Status::Unsupported("backup format " + std::to_string(m["format"].get<int64_t>()) +
                               " is not known to this version of baton");
  }
  const std::string version = m["server_version"].get<std::string>();
  if (VersionParts(version) > VersionParts(BATON_VERSION)) {
    return Status::Unsupported("the backup was written by a newer batond (" + version +
                               "); upgrade to " + version + " or later to open it");
  }
  const int64_t schema = m["schema_version"].get<int64_t>();
  if (schema < 0 || (max_schema && schema > *max_schema)) {
    return Status::Unsupported("the backup's vault schema " + std::to_string(schema) +
                               " is newer than this version's");
  }
  return Status::OK();
}

Status ReadArchive(std::istream& in, std::optional<int64_t> max_schema,
                   const ArchiveEntryFn& entry) {
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
      if (length > kMaxManifestBytes) return Status::InvalidArgument("backup manifest too large");
      std::string text(length, '\0');
      if (!in.read(text.data(), static_cast<std::streamsize>(length))) {
        return Status::InvalidArgument("backup archive truncated");
      }
      if (Status s = CheckManifest(text, max_schema); !s.ok()) return s;
      continue;
    }
    if (std::none_of(std::begin(kDataEntries), std::end(kDataEntries),
                     [&](const char* f) { return name == f; })) {
      return Status::InvalidArgument("backup archive: unknown entry");
    }
    if (Status s = entry(name, length, in); !s.ok()) return s;
  }
  if (seen.size() != std::size(kDataEntries) + 1) {
    return Status::InvalidArgument("backup archive is incomplete");
  }
  return Status::OK();
}

Status CopyArchiveEntry(std::istream& in, uint64_t length, std::ostream& out) {
  std::vector<char> chunk(64 * 1024);
  while (length > 0 && out) {
    const auto n = static_cast<std::streamsize>(std::min<uint64_t>(length, chunk.size()));
    if (!in.read(chunk.data(), n)) return Status::InvalidArgument("backup archive truncated");
    out.write(chunk.data(), n);
    length -= static_cast<uint64_t>(n);
  }
  std::fill(chunk.begin(), chunk.end(), 0);
  out.flush();
  if (!out) return Status::IOError("cannot write an entry of the backup archive");
  return Status::OK();
}

Result<SecureBuffer> ReadArchiveSecret(std::istream& in, uint64_t length, uint64_t limit) {
  if (length > limit)
    return vault::Fail(Status::InvalidArgument("backup archive: entry too large"));
  SecureBuffer out(static_cast<size_t>(length));
  if (!in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(length))) {
    return vault::Fail(Status::InvalidArgument("backup archive truncated"));
  }
  return out;
}

}  // namespace backup
