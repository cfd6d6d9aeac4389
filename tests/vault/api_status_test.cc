#include "vault/api_status.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace vault::api {
namespace {

using C = Status::Code;

TEST(ApiStatusTest, EveryCodeHasItsOwnRow) {
  std::set<C> seen;
  for (const StatusRow& row : StatusTable()) {
    EXPECT_TRUE(seen.insert(row.code).second) << CodeName(row.code);
    EXPECT_EQ(&RowFor(row.code), &row);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(C::kRollback) + 1);
}

TEST(ApiStatusTest, MakeStatusKeepsCodeAndMessage) {
  for (const StatusRow& row : StatusTable()) {
    const Status s = MakeStatus(row.code, "m");
    EXPECT_EQ(s.code(), row.code);
    if (row.code != C::kOk) {
      EXPECT_EQ(s.message(), "m");
    }
  }
}

TEST(ApiStatusTest, ErrorsRoundTripThroughTheWire) {
  for (const StatusRow& row : StatusTable()) {
    if (row.code == C::kOk) continue;
    const Status back = StatusFromApiError(row.http, CodeName(row.code), "why");
    EXPECT_EQ(back.code(), row.received) << CodeName(row.code);
    EXPECT_EQ(back.message(), "server: why");
    // What the client receives is itself a code that crosses unchanged,
    // and ends the command the same way.
    EXPECT_EQ(RowFor(row.received).received, row.received);
    EXPECT_EQ(RowFor(row.received).http, row.http) << CodeName(row.code);
  }
}

TEST(ApiStatusTest, HttpStatusesFollowTheApiDocs) {
  EXPECT_EQ(RowFor(C::kOk).http, 200);
  EXPECT_EQ(RowFor(C::kNotFound).http, 404);
  EXPECT_EQ(RowFor(C::kInvalidArgument).http, 400);
  EXPECT_EQ(RowFor(C::kUnsupported).http, 400);
  EXPECT_EQ(RowFor(C::kUnauthenticated).http, 401);
  EXPECT_EQ(RowFor(C::kWrongPassphrase).http, 401);
  EXPECT_EQ(RowFor(C::kPermissionDenied).http, 403);
  EXPECT_EQ(RowFor(C::kAlreadyExists).http, 409);
  EXPECT_EQ(RowFor(C::kFailedPrecondition).http, 409);
  EXPECT_EQ(RowFor(C::kWaitPeriodActive).http, 409);
  EXPECT_EQ(RowFor(C::kResourceExhausted).http, 429);
  EXPECT_EQ(RowFor(C::kCorruption).http, 500);
  EXPECT_EQ(RowFor(C::kIOError).http, 500);
  EXPECT_EQ(RowFor(C::kInternal).http, 500);
  EXPECT_EQ(RowFor(C::kUntrustedKey).http, 403);
  EXPECT_EQ(RowFor(C::kRollback).http, 409);
  EXPECT_EQ(CodeName(C::kUntrustedKey), "untrusted_key");
  EXPECT_EQ(CodeName(C::kRollback), "rollback");
  EXPECT_TRUE(StatusFromApiError(403, "untrusted_key", "x").IsUntrustedKey());
  EXPECT_TRUE(StatusFromApiError(409, "rollback", "x").IsRollback());
}

TEST(ApiStatusTest, UnknownCodesFallBackOnTheHttpStatus) {
  EXPECT_TRUE(StatusFromApiError(404, "", "x").IsNotFound());
  EXPECT_TRUE(StatusFromApiError(401, "whatever", "x").IsUnauthenticated());
  EXPECT_TRUE(StatusFromApiError(403, "", "x").IsPermissionDenied());
  EXPECT_TRUE(StatusFromApiError(409, "", "x").IsFailedPrecondition());
  EXPECT_TRUE(StatusFromApiError(400, "malformed_json", "x").IsInvalidArgument());
  EXPECT_TRUE(StatusFromApiError(413, "payload_too_large", "x").IsInvalidArgument());
  EXPECT_TRUE(StatusFromApiError(429, "", "x").IsInvalidArgument());
  EXPECT_TRUE(StatusFromApiError(500, "", "x").IsInternal());
  EXPECT_TRUE(StatusFromApiError(503, "", "x").IsInternal());
  // "ok" in an error answer is not success.
  EXPECT_FALSE(StatusFromApiError(400, "ok", "x").ok());
}

TEST(ApiStatusTest, AliasesNameARefusalMoreSpecifically) {
  for (const WireAlias& alias : WireAliases()) {
    const Status s = StatusFromApiError(alias.http, alias.wire, "x");
    EXPECT_EQ(s.code(), alias.received) << alias.wire;
    // An alias keeps the HTTP status of the code it stands for.
    EXPECT_EQ(RowFor(alias.received).http, alias.http) << alias.wire;
  }
  EXPECT_TRUE(StatusFromApiError(429, "too_many_failed_logins", "x").IsResourceExhausted());
  EXPECT_TRUE(StatusFromApiError(401, "member_removed", "x").IsUnauthenticated());
  EXPECT_TRUE(StatusFromApiError(409, "offline_cache_disabled", "x").IsFailedPrecondition());
  EXPECT_TRUE(StatusFromApiError(409, "conflict", "x").IsFailedPrecondition());
}

TEST(ApiStatusTest, ExitCodesFollowTheCliDocs) {
  EXPECT_EQ(ExitCodeFor(Status::OK()), 0);
  EXPECT_EQ(ExitCodeFor(Status::Internal("x")), 1);
  EXPECT_EQ(ExitCodeFor(Status::ResourceExhausted("x")), 1);
  EXPECT_EQ(ExitCodeFor(Status::WrongPassphrase("x")), 3);
  EXPECT_EQ(ExitCodeFor(Status::Unauthenticated("x")), 3);
  EXPECT_EQ(ExitCodeFor(Status::NotFound("x")), 4);
  EXPECT_EQ(ExitCodeFor(Status::PermissionDenied("x")), 5);
  EXPECT_EQ(ExitCodeFor(Status::IOError("x")), 6);
  EXPECT_EQ(ExitCodeFor(Status::AlreadyExists("x")), 7);
  EXPECT_EQ(ExitCodeFor(Status::FailedPrecondition("x")), 7);
  EXPECT_EQ(ExitCodeFor(Status::WaitPeriodActive("x")), 7);
  EXPECT_EQ(ExitCodeFor(Status::InvalidArgument("x")), 8);
  EXPECT_EQ(ExitCodeFor(Status::Unsupported("x")), 8);
  EXPECT_EQ(ExitCodeFor(Status::Corruption("x")), 8);
  EXPECT_EQ(ExitCodeFor(Status::UntrustedKey("x")), 3);
  EXPECT_EQ(ExitCodeFor(Status::Rollback("x")), 7);
}

// The table under "## Exit codes" in docs/cli.md has a row for each code,
// in order, and for no other.
TEST(ApiStatusTest, CliDocsListEveryExitCode) {
  std::ifstream doc(std::string(BATON_DOCS_DIR) + "/cli.md");
  ASSERT_TRUE(doc.is_open());
  std::vector<int> documented;
  bool in_section = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.starts_with("## ")) in_section = line == "## Exit codes";
    if (in_section && line.size() > 2 && line.starts_with("| ") && line[2] >= '0' &&
        line[2] <= '9') {
      documented.push_back(std::stoi(line.substr(2)));
    }
  }
  const std::vector<int> codes = {kExitOk,       kExitError,    kExitUsage,       kExitAuth,
                                  kExitNotFound, kExitDenied,   kExitUnavailable, kExitConflict,
                                  kExitInvalid,  kExitTampered, kExitAttention};
  EXPECT_EQ(documented, codes);
}

TEST(ApiStatusTest, ReceivedCodesEndCommandsAsTheOriginalWould) {
  for (const StatusRow& row : StatusTable()) {
    if (row.code == C::kOk || row.http >= 500) continue;
    EXPECT_EQ(RowFor(row.received).exit_code, row.exit_code) << CodeName(row.code);
  }
}

}  // namespace
}  // namespace vault::api
