#include "backup_archive.h"

namespace server {

using vault::Status;

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

}  // namespace server
