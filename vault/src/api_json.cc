#include "vault/api_json.h"

#include <optional>

#include "vault/crypto.h"

namespace vault::api {

using nlohmann::json;

namespace {

// Reads the fields of one JSON object without throwing; the first problem
// is kept and later reads do nothing.
class Reader {
 public:
  explicit Reader(const json& j) : j_(j) {
    if (!j.is_object()) problem_ = "expected a JSON object";
  }

  void Get(const char* name, std::string& out) {
    if (const json* v = Find(name, "a string", &json::is_string)) out = v->get<std::string>();
  }
  void Get(const char* name, int64_t& out) {
    if (const json* v = Find(name, "an integer", &json::is_number_integer)) out = v->get<int64_t>();
  }
  void Get(const char* name, bool& out) {
    if (const json* v = Find(name, "true or false", &json::is_boolean)) out = v->get<bool>();
  }
  void Get(const char* name, crypto::PublicKey& out) {
    std::string b64;
    Get(name, b64);
    if (!problem_.empty()) return;
    auto bytes = crypto::FromBase64(b64);
    if (!bytes || bytes->size() != out.size()) {
      problem_ = std::string("field \"") + name + "\" must be a base64 32-byte key";
      return;
    }
    std::copy(bytes->begin(), bytes->end(), out.begin());
  }
  // A string naming a value of an enum, read with its parser.
  template <typename Enum>
  void Get(const char* name, Enum& out, Result<Enum> (*parse)(std::string_view)) {
    std::string text;
    Get(name, text);
    if (!problem_.empty()) return;
    auto value = parse(text);
    if (!value) {
      problem_ = std::string("field \"") + name + "\": " + value.error().message();
      return;
    }
    out = *value;
  }
  void GetOptional(const char* name, std::optional<int64_t>& out) {
    if (!problem_.empty() || !j_.contains(name)) return;
    int64_t v = 0;
    Get(name, v);
    if (problem_.empty()) out = v;
  }
  // The array under `name`, or null (and a problem).
  const json* Array(const char* name) { return Find(name, "a list", &json::is_array); }

  const std::string& problem() const { return problem_; }

 private:
  const json* Find(const char* name, const char* type, bool (json::*is)() const noexcept) {
    if (!problem_.empty()) return nullptr;
    auto it = j_.find(name);
    if (it == j_.end()) {
      problem_ = std::string("field \"") + name + "\" is missing";
      return nullptr;
    }
    if (!((*it).*is)()) {
      problem_ = std::string("field \"") + name + "\" must be " + type;
      return nullptr;
    }
    return &*it;
  }

  const json& j_;
  std::string problem_;
};

template <typename T>
Result<T> Done(const Reader& r, std::string_view route, T value) {
  if (!r.problem().empty()) return Fail(MalformedAnswer(route, r.problem()));
  return value;
}

// A list of `T` under `field`, each decoded with `one`.
template <typename T>
Result<std::vector<T>> ListOf(const json& j, const char* field, std::string_view route,
                              Result<T> (*one)(const json&, std::string_view)) {
  Reader r(j);
  const json* list = r.Array(field);
  if (list == nullptr) return Fail(MalformedAnswer(route, r.problem()));
  std::vector<T> out;
  out.reserve(list->size());
  for (const json& e : *list) {
    auto v = one(e, route);
    if (!v) return Fail(v.error());
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace

Status MalformedAnswer(std::string_view route, std::string_view problem) {
  return Status::Internal("the server sent a malformed answer to " + std::string(route) + ": " +
                          std::string(problem));
}

json MemberToJson(const Member& m) {
  return {{"id", m.id},
          {"name", m.name},
          {"role", ToString(m.role)},
          {"status", ToString(m.status)},
          {"signing_public_key", crypto::ToBase64(m.signing_public_key)},
          {"box_public_key", crypto::ToBase64(m.box_public_key)},
          {"created_ms", m.created_ms},
          {"email", m.email}};
}

Result<Member> MemberFromJson(const json& j, std::string_view route) {
  Reader r(j);
  Member m;
  r.Get("id", m.id);
  r.Get("name", m.name);
  r.Get("role", m.role, ParseTeamRole);
  r.Get("status", m.status, ParseMemberStatus);
  r.Get("signing_public_key", m.signing_public_key);
  r.Get("box_public_key", m.box_public_key);
  r.Get("created_ms", m.created_ms);
  r.Get("email", m.email);
  return Done(r, route, std::move(m));
}

json CollectionToJson(const Collection& c) {
  return {{"id", c.id},
          {"name", c.name},
          {"key_version", c.key_version},
          {"offline_cache", c.offline_cache},
          {"needs_rekey", c.needs_rekey},
          {"created_ms", c.created_ms}};
}

Result<Collection> CollectionFromJson(const json& j, std::string_view route) {
  Reader r(j);
  Collection c;
  r.Get("id", c.id);
  r.Get("name", c.name);
  r.Get("key_version", c.key_version);
  r.Get("offline_cache", c.offline_cache);
  r.Get("needs_rekey", c.needs_rekey);
  r.Get("created_ms", c.created_ms);
  return Done(r, route, std::move(c));
}

json ItemMetaToJson(const ItemMeta& m) {
  json flags = json::array();
  for (const auto& f : m.flags) {
    flags.push_back({{"kind", f.kind}, {"reason", f.reason}, {"raised_ms", f.raised_ms}});
  }
  json out = {{"id", m.id},
              {"collection_id", m.collection_id},
              {"name", m.name},
              {"channel", m.channel},
              {"url", m.url},
              {"rotation_period_days", m.rotation_period_s / 86400},
              {"last_rotated_ms", m.last_rotated_ms},
              {"version", m.version},
              {"key_version", m.key_version},
              {"updated_ms", m.updated_ms},
              {"updated_by", m.updated_by},
              {"flags", flags}};
  if (m.pending_version) out["pending_version"] = *m.pending_version;
  out["next_version"] = m.next_version;
  return out;
}

Result<ItemMeta> ItemMetaFromJson(const json& j, std::string_view route) {
  Reader r(j);
  ItemMeta m;
  int64_t period_days = 0;
  r.Get("id", m.id);
  r.Get("collection_id", m.collection_id);
  r.Get("name", m.name);
  r.Get("channel", m.channel);
  r.Get("url", m.url);
  r.Get("rotation_period_days", period_days);
  r.Get("last_rotated_ms", m.last_rotated_ms);
  r.Get("version", m.version);
  r.Get("key_version", m.key_version);
  r.Get("updated_ms", m.updated_ms);
  r.Get("updated_by", m.updated_by);
  r.GetOptional("pending_version", m.pending_version);
  r.Get("next_version", m.next_version);
  if (const json* flags = r.Array("flags")) {
    for (const json& f : *flags) {
      Reader fr(f);
      RotationFlagRecord flag;
      fr.Get("kind", flag.kind);
      fr.Get("reason", flag.reason);
      fr.Get("raised_ms", flag.raised_ms);
      if (!fr.problem().empty()) return Fail(MalformedAnswer(route, "flags: " + fr.problem()));
      m.flags.push_back(std::move(flag));
    }
  }
  m.rotation_period_s = period_days * 86400;
  return Done(r, route, std::move(m));
}

json InviteAnswerToJson(const InviteAnswer& a) {
  return {{"code", a.code}, {"role", a.role}, {"name", a.name}, {"expires_ms", a.expires_ms}};
}

Result<InviteAnswer> InviteAnswerFromJson(const json& j, std::string_view route) {
  Reader r(j);
  InviteAnswer a;
  r.Get("code", a.code);
  r.Get("role", a.role);
  r.Get("name", a.name);
  r.Get("expires_ms", a.expires_ms);
  return Done(r, route, std::move(a));
}

Result<std::vector<Member>> MembersFromJson(const json& j, std::string_view route) {
  return ListOf<Member>(j, "members", route, &MemberFromJson);
}

Result<std::vector<ItemMeta>> ItemsFromJson(const json& j, std::string_view route) {
  return ListOf<ItemMeta>(j, "items", route, &ItemMetaFromJson);
}

}  // namespace vault::api
