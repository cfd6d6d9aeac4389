// Server backups (DESIGN.md §9): one age file holding a consistent copy of
// the vault, the server key file, the TLS material and a manifest, and the
// restore that rebuilds a data dir from it.
#ifndef BATON_SERVER_SRC_BACKUP_H_
#define BATON_SERVER_SRC_BACKUP_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backup/age.h"
#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"
#include "vault/store.h"

namespace server {

// The store setting naming the team's recovery age recipient ("age1…"):
// every backup is also encrypted to it.
inline constexpr char kRecoveryRecipientSetting[] = "recovery_age_recipient";

// Files are read and written on the real file system (SQLite and the
// streams do their own I/O, as the vault does); `env` supplies the clock,
// randomness and the atomic writes, so it must be a real-file Env.
struct BackupSource {
  std::string data_dir;
  const vault::SecureBuffer* db_key = nullptr;  // opens DATA/vault.db
  vault::Store* store = nullptr;                // the serving store, for its settings
  // "age1…" from the config (backup_recipients).
  std::vector<std::string> recipients;
};

struct BackupWritten {
  vault::TimePoint at;
  int64_t bytes = 0;
};

// Writes the backup of `source` to `out` (0600, atomically). The vault is
// copied with SQLite's online backup API in one step on a read snapshot, so
// writers go on meanwhile. FailedPrecondition without any recipient;
// InvalidArgument for a recipient that does not parse.
vault::Result<BackupWritten> WriteBackup(vault::Env& env, const BackupSource& source,
                                         const std::string& out);

// Rebuilds a data dir at `target` (absent or an empty dir) from the backup
// in `file`. Built beside the target and renamed at the end: on any error
// nothing is left. Unsupported for a backup of a newer batond or schema.
vault::Status RestoreBackup(vault::Env& env, const std::string& file,
                            const backup::age::Identity& identity, const std::string& target);

// The backups batond serve writes on its own: every `interval` into `dir`,
// named by their UTC time, keeping the newest `keep`.
struct BackupPlan {
  std::string dir;
  std::chrono::hours interval{24};
  int keep = 7;
};

class BackupSchedule {
 public:
  BackupSchedule(BackupSource source, BackupPlan plan)
      : source_(std::move(source)), plan_(std::move(plan)) {}
  // Writes a backup if the newest in plan.dir is at least the interval old
  // (by env.Now()), then deletes all but the newest plan.keep. nullopt when
  // none was due.
  vault::Result<std::optional<BackupWritten>> RunIfDue(vault::Env& env);

 private:
  BackupSource source_;
  BackupPlan plan_;
};

}  // namespace server

#endif  // BATON_SERVER_SRC_BACKUP_H_
