// The names of the enums the store's records carry. The names are what the
// database columns and the JSON API hold, so each one must read back as the
// value that wrote it, and nothing else may read as any value.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "test_util.h"
#include "vault/emergency.h"
#include "vault/policy.h"
#include "vault/rotation.h"

namespace vault {
namespace {

// Every value of `all` has the name `want` gives it, and that name parses
// back to the value.
template <typename Enum, size_t N, typename Parse>
void ExpectRoundTrip(const std::array<Enum, N>& all,
                     const std::vector<std::pair<Enum, std::string_view>>& want, Parse parse) {
  ASSERT_EQ(want.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& [value, name] = want[i];
    EXPECT_EQ(all[i], value) << name;
    EXPECT_EQ(ToString(value), name);
    ASSERT_OK_AND_ASSIGN(Enum parsed, parse(name));
    EXPECT_EQ(parsed, value) << name;
  }
}

// Empty, wrong-case, padded, truncated and foreign names are refused with an
// InvalidArgument that names what was being parsed and the valid names.
template <typename Parse>
void ExpectRefused(Parse parse, std::string_view what, std::string_view a_valid_name,
                   const std::vector<std::string>& bad) {
  std::string upper(a_valid_name);
  for (char& c : upper) c = static_cast<char>(c - ('a' <= c && c <= 'z' ? 32 : 0));
  std::string capital(a_valid_name);
  capital[0] = upper[0];
  std::vector<std::string> names = {"",
                                    "unknown",
                                    upper,
                                    capital,
                                    " " + std::string(a_valid_name),
                                    std::string(a_valid_name) + " ",
                                    std::string(a_valid_name) + "\n",
                                    std::string(a_valid_name.substr(1)),
                                    std::string(a_valid_name) + std::string("\0", 1)};
  names.insert(names.end(), bad.begin(), bad.end());
  for (const std::string& name : names) {
    auto r = parse(name);
    EXPECT_STATUS(r, kInvalidArgument) << '"' << name << '"';
    if (r.has_value()) continue;
    EXPECT_NE(r.error().message().find(what), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find('"' + std::string(a_valid_name) + '"'), std::string::npos)
        << r.error().message();
  }
}

TEST(RecordEnumsTest, MemberStatusNames) {
  ExpectRoundTrip(kAllMemberStatuses,
                  {{MemberStatus::kActive, "active"}, {MemberStatus::kRemoved, "removed"}},
                  ParseMemberStatus);
  ExpectRefused(ParseMemberStatus, "member status", "active", {"deleted", "owner", "revoked"});
  EXPECT_EQ(ToString(static_cast<MemberStatus>(7)), "unknown");
}

TEST(RecordEnumsTest, ItemVersionStateNames) {
  ExpectRoundTrip(kAllItemVersionStates,
                  {{ItemVersionState::kCurrent, "current"},
                   {ItemVersionState::kPending, "pending"},
                   {ItemVersionState::kPrevious, "previous"},
                   {ItemVersionState::kAborted, "aborted"}},
                  ParseItemVersionState);
  ExpectRefused(ParseItemVersionState, "item version state", "pending",
                {"waiting", "released", "old"});
  EXPECT_EQ(ToString(static_cast<ItemVersionState>(9)), "unknown");
}

TEST(RecordEnumsTest, GrantModeNames) {
  using emergency::GrantMode;
  ExpectRoundTrip(emergency::kAllGrantModes,
                  {{GrantMode::kView, "view"}, {GrantMode::kTakeover, "takeover"}},
                  emergency::ParseGrantMode);
  ExpectRefused(emergency::ParseGrantMode, "emergency grant mode", "takeover",
                {"edit", "manage", "take-over", "take over"});
  EXPECT_EQ(ToString(static_cast<GrantMode>(5)), "unknown");
}

TEST(RecordEnumsTest, GrantStatusNames) {
  using emergency::GrantStatus;
  ExpectRoundTrip(emergency::kAllGrantStatuses,
                  {{GrantStatus::kActive, "active"},
                   {GrantStatus::kDeclined, "declined"},
                   {GrantStatus::kRevoked, "revoked"}},
                  emergency::ParseGrantStatus);
  ExpectRefused(emergency::ParseGrantStatus, "emergency grant status", "declined",
                {"removed", "cancelled", "waiting"});
}

TEST(RecordEnumsTest, RequestStateNames) {
  using emergency::State;
  ExpectRoundTrip(emergency::kRequestStates,
                  {{State::kWaiting, "waiting"},
                   {State::kRejected, "rejected"},
                   {State::kReleased, "released"},
                   {State::kExpired, "expired"},
                   {State::kCancelled, "cancelled"}},
                  emergency::ParseState);
  // "none" is the state of a grant without a request; no request is stored
  // in it.
  ExpectRefused(emergency::ParseState, "emergency request state", "released",
                {"none", "active", "pending", "canceled"});
}

TEST(RecordEnumsTest, NamesOfDifferentConcernsDoNotCross) {
  // "active" is a member status and a grant status, never a request state;
  // "view" is a grant mode, never a team role.
  EXPECT_STATUS(emergency::ParseState("active"), kInvalidArgument);
  EXPECT_STATUS(ParseTeamRole("view"), kInvalidArgument);
  EXPECT_STATUS(ParseMemberStatus("admin"), kInvalidArgument);
  EXPECT_STATUS(ParseItemVersionState("view"), kInvalidArgument);
}

TEST(RecordEnumsTest, HostileNameIsEchoedBoundedAndPrintable) {
  const std::string hostile = std::string(500, 'x') + "\x1b]0;pwned\x07";
  for (const auto& r : {ParseMemberStatus(hostile).error(), ParseItemVersionState(hostile).error(),
                        emergency::ParseGrantMode(hostile).error()}) {
    EXPECT_LT(r.message().size(), 200u);
    EXPECT_EQ(r.message().find('\x1b'), std::string::npos);
    EXPECT_EQ(r.message().find('\x07'), std::string::npos);
  }
}

}  // namespace
}  // namespace vault
