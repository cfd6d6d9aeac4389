// The archive inside a server backup's age file: a magic line, then entries
// of a name (u16 big-endian length) and content (u64 big-endian length),
// ended by an empty name. Small and fixed, so that reading it needs no tar
// library and refuses anything but the few names a data dir holds. batond
// writes and restores it; baton recover reads it without a server.
#ifndef BATON_BACKUP_ARCHIVE_H_
#define BATON_BACKUP_ARCHIVE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup {

inline constexpr int kBackupFormat = 1;
inline constexpr std::string_view kArchiveMagic = "baton-backup-1\n";

// Archive entry names: also the file names in a data dir.
inline constexpr char kBackupKeyFile[] = "server.key";
inline constexpr char kBackupVaultFile[] = "vault.db";
inline constexpr char kBackupTlsKeyFile[] = "tls.key";
inline constexpr char kBackupTlsCertFile[] = "tls.crt";
inline constexpr char kBackupManifest[] = "manifest.json";

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

// Refuses a manifest this build cannot read: malformed (InvalidArgument),
// another format, a newer server version than BATON_VERSION, or a vault
// schema above `max_schema` when given (Unsupported).
vault::Status CheckManifest(std::string_view text, std::optional<int64_t> max_schema);

// Called for each data entry (server key, TLS key and certificate, vault);
// it must consume exactly `length` bytes of `in`.
using ArchiveEntryFn =
    std::function<vault::Status(std::string_view name, uint64_t length, std::istream& in)>;

// Reads a whole archive: the magic, the manifest first (CheckManifest, so a
// newer backup is refused before any entry is handed on), then each data
// entry exactly once and nothing else, then the end mark.
vault::Status ReadArchive(std::istream& in, std::optional<int64_t> max_schema,
                          const ArchiveEntryFn& entry);

// Copies the next `length` bytes of `in` to `out`, 64 KiB at a time.
vault::Status CopyArchiveEntry(std::istream& in, uint64_t length, std::ostream& out);
// The next `length` bytes of `in` (at most `limit`) in locked memory.
vault::Result<vault::SecureBuffer> ReadArchiveSecret(std::istream& in, uint64_t length,
                                                     uint64_t limit);

}  // namespace backup

#endif  // BATON_BACKUP_ARCHIVE_H_
