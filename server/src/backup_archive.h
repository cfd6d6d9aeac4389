// The archive inside a backup's age file: a magic line, then entries of a
// name (u16 big-endian length) and content (u64 big-endian length), ended by
// an empty name. Small and fixed, so that reading it needs no tar library
// and refuses anything but the few names a data dir holds.
#ifndef BATON_SERVER_SRC_BACKUP_ARCHIVE_H_
#define BATON_SERVER_SRC_BACKUP_ARCHIVE_H_

#include <cstdint>
#include <deque>
#include <istream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"

namespace server {

inline constexpr int kBackupFormat = 1;
inline constexpr std::string_view kArchiveMagic = "baton-backup-1\n";

// Collects entries as spans of the caller's bytes (which must outlive it).
class ArchiveWriter {
 public:
  ArchiveWriter();
  void Add(std::string_view name, std::span<const uint8_t> content);
  // The archive: header and content spans in order, ending with the end mark.
  std::vector<std::span<const uint8_t>> Parts();

 private:
  std::deque<std::vector<uint8_t>> headers_;
  std::vector<std::span<const uint8_t>> parts_;
};

// Reads the next entry's name ("" at the end) and content length; the
// caller then reads exactly that many bytes. InvalidArgument on a bad
// magic, a name over 64 bytes or a truncated header.
vault::Status ReadArchiveMagic(std::istream& in);
vault::Status ReadArchiveEntry(std::istream& in, std::string& name, uint64_t& length);

}  // namespace server

#endif  // BATON_SERVER_SRC_BACKUP_ARCHIVE_H_
