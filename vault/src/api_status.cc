#include "vault/api_status.h"

#include <array>
#include <cstdlib>

namespace vault::api {

namespace {

using C = Status::Code;

constexpr std::array<StatusRow, 16> kTable{{
    {C::kOk, 200, C::kOk, false, kExitOk},
    {C::kNotFound, 404, C::kNotFound, true, kExitNotFound},
    {C::kCorruption, 500, C::kInternal, false, kExitInvalid},
    {C::kInvalidArgument, 400, C::kInvalidArgument, true, kExitInvalid},
    {C::kIOError, 500, C::kInternal, false, kExitUnavailable},
    {C::kPermissionDenied, 403, C::kPermissionDenied, true, kExitDenied},
    {C::kWaitPeriodActive, 409, C::kWaitPeriodActive, false, kExitConflict},
    {C::kWrongPassphrase, 401, C::kUnauthenticated, false, kExitAuth},
    {C::kUnsupported, 400, C::kInvalidArgument, false, kExitInvalid},
    {C::kAlreadyExists, 409, C::kAlreadyExists, false, kExitConflict},
    {C::kResourceExhausted, 429, C::kResourceExhausted, false, kExitError},
    {C::kUnauthenticated, 401, C::kUnauthenticated, true, kExitAuth},
    // A 409 with a code the client does not know is a wrong state.
    {C::kFailedPrecondition, 409, C::kFailedPrecondition, true, kExitConflict},
    {C::kInternal, 500, C::kInternal, true, kExitError},
    // Client-side verdicts on what a server sent (SECURITY.md "Team
    // roster"); a server that refuses a statement answers permission_denied
    // or conflict instead, so neither is any status's default.
    {C::kUntrustedKey, 403, C::kUntrustedKey, false, kExitAuth},
    {C::kRollback, 409, C::kRollback, false, kExitConflict},
}};

constexpr bool InEnumOrder() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<size_t>(kTable[i].code) != i) return false;
  }
  return true;
}
static_assert(InEnumOrder(), "RowFor indexes the table by code");
static_assert(kTable.back().code == C::kRollback, "a row for every Status::Code");

constexpr WireAlias kAliases[] = {
    {"too_many_failed_logins", 429, C::kResourceExhausted},
    {"offline_cache_disabled", 409, C::kFailedPrecondition},
    {"member_removed", 401, C::kUnauthenticated},
    // Emergency and re-key refusals (docs/api.md).
    {"conflict", 409, C::kFailedPrecondition},
};

}  // namespace

std::span<const StatusRow> StatusTable() { return kTable; }

const StatusRow& RowFor(Status::Code code) {
  const auto i = static_cast<size_t>(code);
  // Only a value cast from outside the enum lands here.
  if (i >= kTable.size()) return kTable[static_cast<size_t>(C::kInternal)];
  return kTable[i];
}

std::span<const WireAlias> WireAliases() { return kAliases; }

Status MakeStatus(Status::Code code, std::string_view m) {
  switch (code) {
    case C::kOk: return Status::OK();
    case C::kNotFound: return Status::NotFound(m);
    case C::kCorruption: return Status::Corruption(m);
    case C::kInvalidArgument: return Status::InvalidArgument(m);
    case C::kIOError: return Status::IOError(m);
    case C::kPermissionDenied: return Status::PermissionDenied(m);
    case C::kWaitPeriodActive: return Status::WaitPeriodActive(m);
    case C::kWrongPassphrase: return Status::WrongPassphrase(m);
    case C::kUnsupported: return Status::Unsupported(m);
    case C::kAlreadyExists: return Status::AlreadyExists(m);
    case C::kResourceExhausted: return Status::ResourceExhausted(m);
    case C::kUnauthenticated: return Status::Unauthenticated(m);
    case C::kFailedPrecondition: return Status::FailedPrecondition(m);
    case C::kInternal: return Status::Internal(m);
    case C::kUntrustedKey: return Status::UntrustedKey(m);
    case C::kRollback: return Status::Rollback(m);
  }
  return Status::Internal(m);
}

Status StatusFromApiError(int http_status, std::string_view code, std::string_view message) {
  // An error answer never means success, whatever it claims.
  C c = http_status >= 500 ? C::kInternal : C::kInvalidArgument;
  for (const StatusRow& row : kTable) {
    if (row.http_default && row.http == http_status) c = row.code;
  }
  bool known = false;
  for (const StatusRow& row : kTable) {
    if (row.code != C::kOk && code == CodeName(row.code)) {
      c = row.received;
      known = true;
    }
  }
  for (const WireAlias& alias : kAliases) {
    if (!known && code == alias.wire) c = alias.received;
  }
  return MakeStatus(c, "server: " + std::string(message));
}

ExitCode ExitCodeFor(const Status& s) { return RowFor(s.code()).exit_code; }

}  // namespace vault::api
