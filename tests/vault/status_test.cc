#include "vault/status.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace vault {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, EachFactorySetsItsCode) {
  EXPECT_TRUE(Status::NotFound("x").IsNotFound());
  EXPECT_TRUE(Status::Corruption("x").IsCorruption());
  EXPECT_TRUE(Status::InvalidArgument("x").IsInvalidArgument());
  EXPECT_TRUE(Status::IOError("x").IsIOError());
  EXPECT_TRUE(Status::PermissionDenied("x").IsPermissionDenied());
  EXPECT_TRUE(Status::WaitPeriodActive("x").IsWaitPeriodActive());
  EXPECT_TRUE(Status::WrongPassphrase("x").IsWrongPassphrase());
  EXPECT_TRUE(Status::Unsupported("x").IsUnsupported());
  EXPECT_TRUE(Status::AlreadyExists("x").IsAlreadyExists());
  EXPECT_TRUE(Status::ResourceExhausted("x").IsResourceExhausted());
  EXPECT_TRUE(Status::Unauthenticated("x").IsUnauthenticated());
  EXPECT_TRUE(Status::FailedPrecondition("x").IsFailedPrecondition());
  EXPECT_TRUE(Status::Internal("x").IsInternal());
  EXPECT_FALSE(Status::NotFound("x").ok());
  EXPECT_FALSE(Status::NotFound("x").IsCorruption());
}

TEST(StatusTest, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(Status::NotFound("item 7").ToString(), "not_found: item 7");
  EXPECT_EQ(Status::WrongPassphrase("no").ToString(), "wrong_passphrase: no");
}

TEST(StatusTest, CodeNamesAreDistinct) {
  std::set<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(Status::Code::kRollback); ++c) {
    names.insert(CodeName(static_cast<Status::Code>(c)));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(Status::Code::kRollback) + 1);
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status s = Status::IOError("disk full").WithContext("write id.key");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_EQ(s.message(), "write id.key: disk full");
  EXPECT_TRUE(Status::OK().WithContext("x").ok());
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Fail(Status::InvalidArgument("odd"));
  return x / 2;
}

TEST(StatusTest, ResultCarriesValueOrStatus) {
  ASSERT_OK_AND_ASSIGN(int h, Half(8));
  EXPECT_EQ(h, 4);
  EXPECT_STATUS(Half(3), kInvalidArgument);
}

}  // namespace
}  // namespace vault
