// Per-platform runbooks: where to change a channel's password, end its other
// sessions, renew its 2FA backup codes and give a second person admin rights.
// The text is cli/data/runbooks.json, compiled into baton so that no file is
// needed at run time.
#ifndef BATON_CLI_SRC_RUNBOOK_H_
#define BATON_CLI_SRC_RUNBOOK_H_

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"

namespace cli {

struct Runbook {
  std::string channel;  // a channel type's wire name (vault/rotation.h)
  std::string title;
  std::string checked;          // YYYY-MM-DD
  std::string checked_against;  // what the date means, honestly
  std::vector<std::string> password;
  std::vector<std::string> sessions;
  std::vector<std::string> backup_codes;
  std::vector<std::string> second_admin;
  std::vector<std::string> sources;  // official help pages
};

// Every runbook, in the data file's order. Malformed data is a build defect
// (tests parse it), so it is reported as Internal rather than hidden.
vault::Result<std::vector<Runbook>> LoadRunbooks();
// Parses a runbook file's text (the compiled-in one, or a test's).
vault::Result<std::vector<Runbook>> ParseRunbooks(std::string_view text);
// The runbook of `channel`; InvalidArgument names the channels that have one.
vault::Result<Runbook> FindRunbook(std::string_view channel);

// The whole runbook for a terminal: each step wrapped to `width` columns,
// everything passed through Printable.
void PrintRunbook(std::ostream& out, const Runbook& r, size_t width = 80);
// The steps `baton rotate` shows after starting a rotation: the password
// and sessions sections, and where the rest is.
void PrintRotationSteps(std::ostream& out, const Runbook& r, std::string_view profile,
                        size_t width = 80);

}  // namespace cli

#endif  // BATON_CLI_SRC_RUNBOOK_H_
