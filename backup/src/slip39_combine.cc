#include "slip39_combine.h"

#include <sodium.h>

#include <map>
#include <string>
#include <vector>

#include "slip39_shamir.h"
#include "slip39_share.h"

namespace backup::slip39::internal {
namespace {

using vault::Result;
using vault::SecureBuffer;
using vault::Status;

std::string Count(size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

// The set-wide field in which two shares differ, or empty if none.
std::string_view SetFieldDiffering(const Share& a, const Share& b) {
  if (a.identifier != b.identifier) return "identifier";
  if (a.extendable != b.extendable) return "extendable flag";
  if (a.iteration_exponent != b.iteration_exponent) return "iteration exponent";
  if (a.group_threshold != b.group_threshold) return "group threshold";
  if (a.group_count != b.group_count) return "group count";
  if (a.value.size() != b.value.size()) return "length";
  return {};
}

Status DifferentSets(size_t first, size_t second, std::string_view field) {
  return Status::InvalidArgument("these shares belong to different sets (shares " +
                                 std::to_string(first + 1) + " and " + std::to_string(second + 1) +
                                 " differ in " + std::string(field) + ")");
}

// "group 2: " when the set has groups to tell apart.
std::string GroupPrefix(const Share& s) {
  return s.group_count > 1 ? "group " + std::to_string(s.group_index + 1) + ": " : "";
}

// Same group, same member: given twice, or two different shares claiming
// one place.
Status CheckDistinct(const std::vector<Share>& shares) {
  for (size_t i = 1; i < shares.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const Share& a = shares[j];
      const Share& b = shares[i];
      if (a.group_index != b.group_index) continue;
      if (a.member_threshold != b.member_threshold) return DifferentSets(j, i, "member threshold");
      if (a.member_index != b.member_index) continue;
      if (sodium_memcmp(a.value.data(), b.value.data(), a.value.size()) == 0) {
        return Status::InvalidArgument("share " + std::to_string(i + 1) +
                                       " was given twice (also as share " + std::to_string(j + 1) +
                                       ")");
      }
      return Status::InvalidArgument(
          "shares " + std::to_string(j + 1) + " and " + std::to_string(i + 1) + " are both " +
          GroupPrefix(a) + "member " + std::to_string(a.member_index + 1) +
          " but differ \u2014 one of them is damaged or from another set");
    }
  }
  return Status::OK();
}

// Exactly the group threshold of groups, each with exactly its member
// threshold of shares, as the spec requires.
Status CheckCounts(const std::vector<Share>& shares,
                   const std::map<int, std::vector<size_t>>& groups) {
  const Share& any = shares.front();
  const size_t need_groups = static_cast<size_t>(any.group_threshold);
  if (groups.size() > need_groups) {
    return Status::InvalidArgument("shares of " + std::to_string(groups.size()) +
                                   " groups given, but this set takes exactly " +
                                   std::to_string(need_groups) + "; leave out the shares of " +
                                   Count(groups.size() - need_groups, "group"));
  }
  for (const auto& [index, members] : groups) {
    const Share& s = shares[members.front()];
    const size_t need = static_cast<size_t>(s.member_threshold);
    if (members.size() < need) {
      return Status::FailedPrecondition(GroupPrefix(s) + std::to_string(members.size()) + " of " +
                                        Count(need, "share") + " given; " +
                                        std::to_string(need - members.size()) + " more needed");
    }
    if (members.size() > need) {
      return Status::InvalidArgument(GroupPrefix(s) + Count(members.size(), "share") +
                                     " given, but exactly " + std::to_string(need) +
                                     " are needed; leave " + std::to_string(members.size() - need) +
                                     " out");
    }
  }
  if (groups.size() < need_groups) {
    return Status::FailedPrecondition("shares of " + std::to_string(groups.size()) + " of " +
                                      Count(need_groups, "group") + " given; " +
                                      Count(need_groups - groups.size(), "more group") + " needed");
  }
  return Status::OK();
}

}  // namespace

Result<EncryptedSecret> RecoverEncryptedSecret(std::span<const std::string_view> texts) {
  if (texts.empty()) return vault::Fail(Status::InvalidArgument("no shares given"));
  std::vector<Share> shares;
  shares.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    auto share = DecodeShare(texts[i], static_cast<int>(i + 1));
    if (!share) return vault::Fail(share.error());
    shares.push_back(std::move(*share));
  }
  for (size_t i = 1; i < shares.size(); ++i) {
    const std::string_view field = SetFieldDiffering(shares.front(), shares[i]);
    if (!field.empty()) return vault::Fail(DifferentSets(0, i, field));
  }
  if (Status s = CheckDistinct(shares); !s.ok()) return vault::Fail(s);
  std::map<int, std::vector<size_t>> groups;
  for (size_t i = 0; i < shares.size(); ++i) groups[shares[i].group_index].push_back(i);
  if (Status s = CheckCounts(shares, groups); !s.ok()) return vault::Fail(s);

  std::vector<SecureBuffer> group_secrets;
  group_secrets.reserve(groups.size());
  std::vector<Point> group_points;
  for (const auto& [index, members] : groups) {
    std::vector<Point> points;
    for (size_t m : members) {
      points.push_back({static_cast<uint8_t>(shares[m].member_index), &shares[m].value});
    }
    const Share& first = shares[members.front()];
    auto secret = RecoverSecret(first.member_threshold, points);
    if (!secret) {
      return vault::Fail(Status::Corruption(
          GroupPrefix(first) +
          "the shares do not fit together (their digest check fails) \u2014 one of them is "
          "damaged or from another set"));
    }
    group_secrets.push_back(std::move(*secret));
    group_points.push_back({static_cast<uint8_t>(index), &group_secrets.back()});
  }
  const Share& any = shares.front();
  auto ems = RecoverSecret(any.group_threshold, group_points);
  if (!ems) {
    return vault::Fail(Status::Corruption(
        "the groups do not fit together (their digest check fails) \u2014 a share is damaged or "
        "from another set"));
  }
  return EncryptedSecret{std::move(*ems), {any.iteration_exponent, any.identifier, any.extendable}};
}

}  // namespace backup::slip39::internal
