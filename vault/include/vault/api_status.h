// The one table that says how a Status travels: the HTTP status batond
// answers with, the error code on the wire (docs/api.md), the Status a
// client makes of that answer, and the exit code baton ends with
// (docs/cli.md). The server, the client and the CLI all derive from it.
#ifndef BATON_VAULT_API_STATUS_H_
#define BATON_VAULT_API_STATUS_H_

#include <span>
#include <string>
#include <string_view>

#include "vault/status.h"

namespace vault::api {

// baton's exit codes (docs/cli.md), the only list of them: the cli takes
// them from here (cli/exit_codes.h). Unscoped, so that a code is an int
// where a command returns one.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,        // anything not below
  kExitUsage = 2,        // bad command line
  kExitAuth = 3,         // wrong passphrase, sign-in refused, certificate changed
  kExitNotFound = 4,     // no such item, member, collection or profile
  kExitDenied = 5,       // the role policy does not allow it
  kExitUnavailable = 6,  // the server cannot be reached
  kExitConflict = 7,     // exists already, changed meanwhile, wrong state
  kExitInvalid = 8,      // bad input (a value, a file, a URI)
  kExitTampered = 9,     // `audit verify`: the audit log was modified, truncated or rewritten
  kExitAttention = 10,   // `due`/`continuity --exit-code`: something needs attention
};

struct StatusRow {
  Status::Code code;
  int http;  // what batond answers with; the wire code is CodeName(code)
  // What a client makes of this wire code. Codes that only make sense
  // inside one process (a passphrase, a damaged file) arrive as the
  // nearest thing the client can act on.
  Status::Code received;
  // The client's guess when an answer with this HTTP status carries a
  // code it does not know.
  bool http_default;
  ExitCode exit_code;
};

// One row per Status::Code, in enum order.
std::span<const StatusRow> StatusTable();
const StatusRow& RowFor(Status::Code code);

// Wire codes that are not a Status::Code name: a route's more specific
// name for a refusal.
struct WireAlias {
  std::string_view wire;
  int http;
  Status::Code received;
};
std::span<const WireAlias> WireAliases();

// A Status with this code and message.
Status MakeStatus(Status::Code code, std::string_view message);

// The Status a client reports for an error answer: by the wire code if it
// is known, else by the HTTP status. The message is prefixed "server: ".
Status StatusFromApiError(int http_status, std::string_view code, std::string_view message);

// The exit code of a command that ended with `s`.
ExitCode ExitCodeFor(const Status& s);

}  // namespace vault::api

#endif  // BATON_VAULT_API_STATUS_H_
