// The field tables behind the answer codecs of vault/api_json*.h. A record's
// JSON schema is declared once, as a table of fields (wire name, the path of
// member pointers to the value, and how the value travels), and both
// directions are derived from that table, so an encoder and its decoder
// cannot disagree about a field. Decoding never throws: the first problem is
// kept for the message that names the route and the field.
#ifndef BATON_VAULT_SRC_API_JSON_FIELDS_H_
#define BATON_VAULT_SRC_API_JSON_FIELDS_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "vault/api_json.h"
#include "vault/crypto.h"
#include "vault/status.h"

namespace vault::api::internal {

using nlohmann::json;

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
  // A key (32 bytes) or a signature (64 bytes), in base64.
  template <size_t N>
  void Get(const char* name, std::array<uint8_t, N>& out) {
    std::string b64;
    Get(name, b64);
    if (!problem_.empty()) return;
    auto bytes = crypto::FromBase64(b64);
    if (!bytes || bytes->size() != N) {
      return Refuse(name, N == crypto::kPublicKeyBytes
                              ? "must be a base64 32-byte key"
                              : "must be base64 of " + std::to_string(N) + " bytes");
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
    if (!value)
      return SetProblem(std::string("field \"") + name + "\": " + value.error().message());
    out = *value;
  }
  void Get(const char* name, std::vector<uint8_t>& out) {
    std::string b64;
    Get(name, b64);
    if (!problem_.empty()) return;
    auto bytes = crypto::FromBase64(b64);
    if (!bytes) return Refuse(name, "must be base64");
    out = std::move(*bytes);
  }
  void Get(const char* name, std::vector<std::string>& out) {
    const json* list = Array(name);
    if (list == nullptr) return;
    for (const json& e : *list) {
      if (!e.is_string()) return Refuse(name, "must be a list of strings");
      out.push_back(e.get<std::string>());
    }
  }
  // An optional field may be absent; present, it must be well formed.
  template <typename T>
  void Get(const char* name, std::optional<T>& out) {
    if (!problem_.empty() || !j_.contains(name)) return;
    T v{};
    Get(name, v);
    if (problem_.empty()) out = std::move(v);
  }
  // The array or object under `name`, or null (and a problem).
  const json* Array(const char* name) { return Find(name, "a list", &json::is_array); }
  const json* Object(const char* name) { return Find(name, "an object", &json::is_object); }

  // Keeps `problem` unless an earlier one is kept already.
  void SetProblem(std::string problem) {
    if (problem_.empty()) problem_ = std::move(problem);
  }
  void Refuse(const char* name, std::string_view why) {
    SetProblem(std::string("field \"") + name + "\" " + std::string(why));
  }
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

// Writes the fields of one JSON object: the mirror of Reader. Bytes and
// keys travel as base64 and enums by name; nlohmann would otherwise write
// them as lists of numbers and integers without a word.
class Writer {
 public:
  void Put(const char* name, const std::string& v) { j_[name] = v; }
  void Put(const char* name, int64_t v) { j_[name] = v; }
  void Put(const char* name, bool v) { j_[name] = v; }
  template <size_t N>
  void Put(const char* name, const std::array<uint8_t, N>& v) {
    j_[name] = crypto::ToBase64(v);
  }
  void Put(const char* name, const std::vector<uint8_t>& v) { j_[name] = crypto::ToBase64(v); }
  void Put(const char* name, const std::vector<std::string>& v) { j_[name] = v; }
  template <typename Enum>
  requires std::is_enum_v<Enum>
  void Put(const char* name, Enum v) { j_[name] = ToString(v); }
  // An absent optional field is left out of the object.
  template <typename T>
  void Put(const char* name, const std::optional<T>& v) {
    if (v) Put(name, *v);
  }
  // Already encoded: a nested object or list.
  void PutJson(const char* name, json v) { j_[name] = std::move(v); }

  json Take() && { return std::move(j_); }

 private:
  json j_ = json::object();
};

// How a field's value travels. Plain: as its type does (Reader::Get and
// Writer::Put above).
struct Plain {
  template <typename T>
  void Put(Writer& w, const char* name, const T& v) const {
    w.Put(name, v);
  }
  template <typename T>
  void Get(Reader& r, const char* name, T& v) const {
    r.Get(name, v);
  }
};

// An enum by its name, read with `parse` (written with its ToString).
template <typename Enum>
struct ByName {
  Result<Enum> (*parse)(std::string_view);
  void Put(Writer& w, const char* name, Enum v) const { w.Put(name, v); }
  void Get(Reader& r, const char* name, Enum& v) const { r.Get(name, v, parse); }
};

// Seconds that travel as whole units of `unit` seconds (days, hours).
struct InUnits {
  int64_t unit;
  void Put(Writer& w, const char* name, int64_t seconds) const { w.Put(name, seconds / unit); }
  void Get(Reader& r, const char* name, int64_t& seconds) const {
    int64_t count = 0;
    r.Get(name, count);
    if (!r.problem().empty()) return;
    // Beyond this the count would overflow as seconds; nothing lasts that long.
    if (count < 0 || count > (int64_t{1} << 40)) return r.Refuse(name, "is out of range");
    seconds = count * unit;
  }
};

// One field of a record `R`: its wire name, the path of member pointers
// from `R` to its value, and its codec.
template <typename C, typename... Path>
struct FieldOf {
  const char* name;
  std::tuple<Path...> path;
  C codec;

  template <typename R>
  auto& In(R& record) const {
    return std::apply(
        [&](auto... p) -> auto& { return Follow(record, p...); }, path);
  }
  template <typename R>
  void Write(Writer& w, const R& record) const {
    codec.Put(w, name, In(record));
  }
  template <typename R>
  void Read(Reader& r, R& record) const {
    codec.Get(r, name, In(record));
  }

 private:
  template <typename R, typename P, typename... Rest>
  static auto& Follow(R& record, P p, Rest... rest) {
    if constexpr (sizeof...(Rest) == 0) {
      return record.*p;
    } else {
      return Follow(record.*p, rest...);
    }
  }
};

// What may follow a field's member pointer: a codec or an enum's parser,
// never a second member pointer (that is a nested field).
template <typename C>
concept Codec = !std::is_member_object_pointer_v<C>;

template <typename C>
constexpr auto CodecOf(C c) {
  return c;
}
template <typename Enum>
constexpr auto CodecOf(Result<Enum> (*parse)(std::string_view)) {
  return ByName<Enum>{parse};
}

// Field("name", &R::member [, codec]) and, for a member of a nested record,
// Field("name", &R::outer, &Outer::member [, codec]). A codec is an enum's
// parser (Field("role", &Member::role, ParseTeamRole)), InUnits{…} or
// Records(table).
template <typename R, typename T, Codec C = Plain>
constexpr auto Field(const char* name, T R::*member, C codec = {}) {
  auto c = CodecOf(codec);
  return FieldOf<decltype(c), T R::*>{name, {member}, c};
}
template <typename R, typename M, typename T, typename C = Plain>
constexpr auto Field(const char* name, M R::*outer, T M::*member, C codec = {}) {
  auto c = CodecOf(codec);
  return FieldOf<decltype(c), M R::*, T M::*>{name, {outer, member}, c};
}

template <typename R, typename M, typename C, typename... Path>
constexpr auto Prepend(M R::*outer, const FieldOf<C, Path...>& f) {
  return FieldOf<C, M R::*, Path...>{f.name, std::tuple_cat(std::tuple{outer}, f.path), f.codec};
}

// The fields of `table` (of a record M) as fields of a record R that holds
// an M in `outer`, for a record that extends another on the wire.
template <typename R, typename M, typename... Fields>
constexpr auto Nest(M R::*outer, const std::tuple<Fields...>& table) {
  return std::apply([&](const auto&... f) { return std::tuple{Prepend(outer, f)...}; }, table);
}

template <typename... Fields, typename R>
void WriteFields(const std::tuple<Fields...>& table, Writer& w, const R& record) {
  std::apply([&](const auto&... f) { (f.Write(w, record), ...); }, table);
}
template <typename... Fields, typename R>
void ReadFields(const std::tuple<Fields...>& table, Reader& r, R& record) {
  std::apply([&](const auto&... f) { (f.Read(r, record), ...); }, table);
}

// A record's whole JSON, when it is just its table.
template <typename... Fields, typename R>
json ToJson(const std::tuple<Fields...>& table, const R& record) {
  Writer w;
  WriteFields(table, w, record);
  return std::move(w).Take();
}

template <typename T>
Result<T> Done(const Reader& r, std::string_view route, T value) {
  if (!r.problem().empty()) return Fail(MalformedAnswer(route, r.problem()));
  return value;
}

template <typename R, typename... Fields>
Result<R> FromJson(const std::tuple<Fields...>& table, const json& j, std::string_view route) {
  Reader r(j);
  R record{};
  ReadFields(table, r, record);
  return Done(r, route, std::move(record));
}

// A list of records, each an object of `table`; a problem in one names the
// list ("flags: field \"kind\" must be a string").
template <typename Table>
struct RecordList {
  Table table;
  template <typename R>
  void Put(Writer& w, const char* name, const std::vector<R>& list) const {
    json out = json::array();
    for (const R& e : list) out.push_back(ToJson(table, e));
    w.PutJson(name, std::move(out));
  }
  template <typename R>
  void Get(Reader& r, const char* name, std::vector<R>& list) const {
    const json* in = r.Array(name);
    if (in == nullptr) return;
    for (const json& e : *in) {
      Reader er(e);
      R record{};
      ReadFields(table, er, record);
      if (!er.problem().empty()) return r.SetProblem(std::string(name) + ": " + er.problem());
      list.push_back(std::move(record));
    }
  }
};
template <typename Table>
constexpr RecordList<Table> Records(const Table& table) {
  return {table};
}

// One record, an object of `table`, under a field.
template <typename Table>
struct RecordObject {
  Table table;
  template <typename R>
  void Put(Writer& w, const char* name, const R& record) const {
    w.PutJson(name, ToJson(table, record));
  }
  template <typename R>
  void Get(Reader& r, const char* name, R& record) const {
    const json* in = r.Object(name);
    if (in == nullptr) return;
    Reader er(*in);
    ReadFields(table, er, record);
    if (!er.problem().empty()) r.SetProblem(std::string(name) + ": " + er.problem());
  }
};
template <typename Table>
constexpr RecordObject<Table> Object(const Table& table) {
  return {table};
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

}  // namespace vault::api::internal

#endif  // BATON_VAULT_SRC_API_JSON_FIELDS_H_
