// Assertions for Status and Result that print the Status on failure and take
// `<<` messages like any gtest assertion.
#ifndef BATON_TESTS_SUPPORT_TEST_UTIL_H_
#define BATON_TESTS_SUPPORT_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <string>

#include "vault/status.h"

namespace testing_util {

inline vault::Status StatusOf(const vault::Status& s) { return s; }
template <typename T>
vault::Status StatusOf(const vault::Result<T>& r) {
  return r.has_value() ? vault::Status::OK() : r.error();
}

template <typename R>
::testing::AssertionResult IsOk(const char* text, const R& r) {
  const vault::Status s = StatusOf(r);
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text << " -> " << s.ToString();
}

template <typename R>
::testing::AssertionResult HasCode(const char* text, const char* want_text, const R& r,
                                   vault::Status::Code want) {
  const vault::Status s = StatusOf(r);
  if (s.code() == want) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << text << " -> " << s.ToString() << ", expected " << want_text;
}

}  // namespace testing_util

#define ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::testing_util::IsOk, expr)
#define EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::testing_util::IsOk, expr)
// EXPECT that `expr` (a Status or Result) has code `want`, e.g. kCorruption.
#define EXPECT_STATUS(expr, want) \
  EXPECT_PRED_FORMAT2(::testing_util::HasCode, expr, ::vault::Status::Code::want)

#define BATON_CONCAT_INNER(a, b) a##b
#define BATON_CONCAT(a, b) BATON_CONCAT_INNER(a, b)
// ASSERT_OK_AND_ASSIGN(auto x, MakeX()): asserts success, moves the value out.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(BATON_CONCAT(_result_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)                            \
  auto tmp = (expr);                                                         \
  ASSERT_TRUE(tmp.has_value()) << #expr << " -> " << tmp.error().ToString(); \
  lhs = std::move(*tmp)

#endif  // BATON_TESTS_SUPPORT_TEST_UTIL_H_
