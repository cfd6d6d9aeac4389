// What the item commands read from the user, checked before anything is
// sent. Secrets never come from argv: they are read from the terminal (echo
// off), stdin or a file, straight into SecureBuffers.
#ifndef BATON_CLI_SRC_ITEM_INPUT_H_
#define BATON_CLI_SRC_ITEM_INPUT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "context.h"
#include "vault/envelope.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace cli {

vault::SecureBuffer FromText(std::string_view s);

// Prints "baton: <message>" and returns kExitUsage.
int Usage(Context& ctx, const std::string& message);

// One line of stdin (for --password-stdin etc.), or a hidden prompt.
vault::Result<vault::SecureBuffer> ReadLine(Context& ctx);
// Backup codes: one per line, blank lines and surrounding spaces ignored.
vault::Result<std::vector<vault::SecureBuffer>> ReadBackupCodes(Context& ctx,
                                                                const std::string& path);
// --backup-codes-file and --notes-file into `p`, in that order (an empty
// path: not given, that part of `p` stays as it is).
vault::Status ReadBackupCodesAndNotes(Context& ctx, const std::string& backup_codes_file,
                                      const std::string& notes_file,
                                      vault::envelope::ItemPayload& p);
// Reads an otpauth URI from stdin and checks it parses; the message of a
// malformed one names the problem, never the secret.
vault::Result<vault::SecureBuffer> ReadTotpUri(Context& ctx);
// A password under the default policy; its entropy goes to stderr.
vault::Result<vault::SecureBuffer> GenerateDefaultPassword(Context& ctx);
// A new password as the options ask for it: generated (--generate), one
// line of stdin (--password-stdin), else asked for on the terminal with
// `prompt`.
vault::Result<vault::SecureBuffer> ReadNewPassword(Context& ctx, bool generate, bool from_stdin,
                                                   const std::string& prompt);

// Metadata options shared by `item edit`, checked like `item add` checks them.
struct MetaOptions {
  std::string name;
  std::string url;
  std::string channel;
  int64_t period_days = 0;
  bool name_given = false;
  bool url_given = false;
  bool channel_given = false;
  bool period_given = false;

  bool any() const { return name_given || url_given || channel_given || period_given; }
};

vault::Status CheckChannel(const std::string& channel);
vault::Status CheckName(const std::string& name);
vault::Status CheckMeta(const MetaOptions& m);

}  // namespace cli

#endif  // BATON_CLI_SRC_ITEM_INPUT_H_
