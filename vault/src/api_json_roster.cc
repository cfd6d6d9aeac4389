#include "vault/api_json_roster.h"

#include <algorithm>
#include <string>

#include "api_json_fields.h"

namespace vault::api {

using internal::Reader;
using nlohmann::json;

namespace {

// A hash as hex; "" stands for none (the team id of an empty roster).
Status ReadHash(Reader& r, const char* name, bool empty_ok, crypto::Hash& out) {
  std::string hex;
  r.Get(name, hex);
  if (!r.problem().empty()) return Status::InvalidArgument(r.problem());
  if (hex.empty() && empty_ok) {
    out = {};
    return Status::OK();
  }
  auto bytes = crypto::FromHex(hex);
  if (!bytes || bytes->size() != out.size()) {
    return Status::InvalidArgument(std::string("field \"") + name + "\" must be 64 hex digits");
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return Status::OK();
}

Status ReadSize(Reader& r, uint64_t& out) {
  int64_t size = 0;
  r.Get("size", size);
  if (!r.problem().empty()) return Status::InvalidArgument(r.problem());
  if (size < 0) return Status::InvalidArgument("field \"size\" must not be negative");
  out = static_cast<uint64_t>(size);
  return Status::OK();
}

}  // namespace

json RosterEntryToJson(const roster::Entry& e) {
  return {{"statement", crypto::ToBase64(e.statement)},
          {"signature", crypto::ToBase64(e.signature)}};
}

json RosterEntriesToJson(std::span<const roster::Entry> entries) {
  json out = json::array();
  for (const roster::Entry& e : entries) out.push_back(RosterEntryToJson(e));
  return out;
}

json RosterPageToJson(const RosterPage& page) {
  return {{"team_id", page.size == 0 ? std::string() : crypto::ToHex(page.team_id)},
          {"size", page.size},
          {"head", crypto::ToHex(page.head)},
          {"entries", RosterEntriesToJson(page.entries)}};
}

json RosterAppendAnswerToJson(const RosterAppendAnswer& a) {
  return {{"size", a.size}, {"head", crypto::ToHex(a.head)}};
}

Result<roster::Entry> RosterEntryFromJson(const json& j, std::string_view where) {
  Reader r(j);
  roster::Entry e;
  std::vector<uint8_t> signature;
  r.Get("statement", e.statement);
  r.Get("signature", signature);
  std::string problem = r.problem();
  if (problem.empty() && e.statement.size() > roster::kMaxStatementBytes) {
    problem = "field \"statement\" is longer than a roster statement may be";
  }
  if (problem.empty() && signature.size() != e.signature.size()) {
    problem = "field \"signature\" must be 64 bytes";
  }
  if (!problem.empty()) {
    return Fail(Status::InvalidArgument(std::string(where) + ": " + problem));
  }
  std::copy(signature.begin(), signature.end(), e.signature.begin());
  return e;
}

Result<std::vector<roster::Entry>> RosterEntriesFromJson(const json& list, std::string_view where) {
  if (!list.is_array()) {
    return Fail(Status::InvalidArgument(std::string(where) + ": expected a list of entries"));
  }
  std::vector<roster::Entry> out;
  out.reserve(list.size());
  for (const json& j : list) {
    auto e = RosterEntryFromJson(j, where);
    if (!e) return Fail(e.error());
    out.push_back(std::move(*e));
  }
  return out;
}

Result<RosterPage> RosterPageFromJson(const json& j, std::string_view route) {
  Reader r(j);
  RosterPage page;
  Status s = ReadSize(r, page.size);
  if (s.ok()) s = ReadHash(r, "team_id", page.size == 0, page.team_id);
  if (s.ok()) s = ReadHash(r, "head", false, page.head);
  if (!s.ok()) return Fail(MalformedAnswer(route, s.message()));
  const json* list = r.Array("entries");
  if (list == nullptr) return Fail(MalformedAnswer(route, r.problem()));
  auto entries = RosterEntriesFromJson(*list, "entries");
  if (!entries) return Fail(MalformedAnswer(route, entries.error().message()));
  page.entries = std::move(*entries);
  return page;
}

Result<RosterAppendAnswer> RosterAppendAnswerFromJson(const json& j, std::string_view route) {
  Reader r(j);
  RosterAppendAnswer a;
  Status s = ReadSize(r, a.size);
  if (s.ok()) s = ReadHash(r, "head", false, a.head);
  if (!s.ok()) return Fail(MalformedAnswer(route, s.message()));
  return a;
}

}  // namespace vault::api
