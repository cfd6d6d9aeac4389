// What `baton recover` opens without a server: a server backup (batond
// backup: the vault, sealed to the team's recovery key) or an owner export
// (baton export --age: items as JSON), both age files; and the export
// document both `export` commands write.
#ifndef BATON_CLI_SRC_RECOVER_FILE_H_
#define BATON_CLI_SRC_RECOVER_FILE_H_

#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "backup/share_input.h"
#include "item_ops.h"
#include "vault/env.h"
#include "vault/secret_json.h"
#include "vault/status.h"

namespace cli {

inline constexpr char kExportFormat[] = "baton-export-1";

// Every item a recovery file holds, decrypted; metadata as GET
// /v1/items/:id returns it, plus "collection" (its name).
struct RecoveredItems {
  std::string kind;  // "server backup" or "owner export"
  std::vector<OpenedItem> items;
};

// Opens the age file `file` with `unlocked`. A server backup needs the
// recovery keys (shares), as its items are sealed to them; an export opens
// with the age identity alone. What is decrypted on the way lives in a
// private (0700) directory under `tmp_root`, removed before this returns.
// Collections without a recovery copy of their key are named in `warnings`.
vault::Result<RecoveredItems> OpenRecoveryFile(vault::Env& env, const std::string& file,
                                               const backup::recovery::Unlocked& unlocked,
                                               const std::string& tmp_root, std::ostream& warnings);

// {"format": kExportFormat, "exported_at": ms, "items": [...]}: each item its
// metadata, its collection's name and "secret", the payload's JSON
// (vault::envelope::EncodePayload).
vault::Result<vault::SecretString> EncodeExport(const std::vector<OpenedItem>& items,
                                                int64_t exported_at_ms);
// The inverse; InvalidArgument (never quoting the input) when it is not one.
vault::Result<std::vector<OpenedItem>> DecodeExport(std::span<const uint8_t> text);

}  // namespace cli

#endif  // BATON_CLI_SRC_RECOVER_FILE_H_
