#include "lookup.h"

#include <vector>

#include "vault/identity.h"

namespace cli {

using vault::Status;
namespace api = vault::api;

vault::Result<vault::Member> LookupMember(ApiClient& client, const std::string& name_or_id) {
  auto members = client.Get("/v1/members", &api::MembersFromJson);
  if (!members) return vault::Fail(members.error());
  for (auto& m : *members) {
    if (m.id == name_or_id || m.name == name_or_id) return std::move(m);
  }
  return vault::Fail(Status::NotFound("no member named " + name_or_id));
}

vault::Result<api::CollectionEntry> LookupCollection(ApiClient& client,
                                                     const std::string& name_or_id) {
  auto cols = client.Get("/v1/collections", &api::CollectionsFromJson);
  if (!cols) return vault::Fail(cols.error());
  std::vector<api::CollectionEntry> by_name;
  for (auto& col : *cols) {
    if (col.collection.id == name_or_id) return std::move(col);
    if (col.collection.name == name_or_id) by_name.push_back(col);
  }
  if (by_name.empty()) return vault::Fail(Status::NotFound("no collection named " + name_or_id));
  if (by_name.size() > 1) {
    std::string ids;
    for (const auto& col : by_name) ids += (ids.empty() ? "" : ", ") + col.collection.id;
    return vault::Fail(Status::FailedPrecondition("several collections are named " + name_or_id +
                                                  "; use the collection id: " + ids));
  }
  return by_name.front();
}

std::map<std::string, std::string> MemberNames(ApiClient& client) {
  std::map<std::string, std::string> names;
  if (auto members = client.Get("/v1/members", &api::MembersFromJson)) {
    for (const auto& m : *members) names[m.id] = m.name;
  }
  return names;
}

Status HideUnlisted(Context& ctx, const Status& s, const std::string& name_or_id) {
  if (!s.IsPermissionDenied()) return s;
  auto listed = ctx.FindItemOnServer(name_or_id);
  return !listed && listed.error().IsNotFound() ? listed.error() : s;
}

std::string MemberFingerprintWords(const vault::Member& member) {
  return vault::FingerprintWords(member.signing_public_key, member.box_public_key);
}

}  // namespace cli
