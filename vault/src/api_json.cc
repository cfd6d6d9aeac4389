#include "vault/api_json.h"

#include <optional>

#include "api_json_reader.h"

#include "vault/audit_json.h"
#include "vault/crypto.h"

namespace vault::api {

using internal::Done;
using internal::ListOf;
using internal::Reader;
using nlohmann::json;

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
    flags.push_back({{"kind", ToString(f.kind)}, {"reason", f.reason}, {"raised_ms", f.raised_ms}});
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
      std::string kind;
      fr.Get("kind", kind);
      // A kind this baton does not know (a newer server's) still means
      // "rotate now", so it reads as a manual flag rather than a bad answer.
      auto known = ParseRotationFlagKind(kind);
      flag.kind = known ? *known : RotationFlagKind::kManual;
      fr.Get("reason", flag.reason);
      fr.Get("raised_ms", flag.raised_ms);
      if (!fr.problem().empty()) return Fail(MalformedAnswer(route, "flags: " + fr.problem()));
      m.flags.push_back(std::move(flag));
    }
  }
  // Beyond this the period would overflow as seconds.
  if (r.problem().empty() && (period_days < 0 || period_days > (int64_t{1} << 40))) {
    return Fail(MalformedAnswer(route, "field \"rotation_period_days\" is out of range"));
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

json CollectionEntryToJson(const CollectionEntry& e) {
  json j = CollectionToJson(e.collection);
  j["access"] = e.access;
  return j;
}

Result<CollectionEntry> CollectionEntryFromJson(const json& j, std::string_view route) {
  auto c = CollectionFromJson(j, route);
  if (!c) return Fail(c.error());
  Reader r(j);
  CollectionEntry e{std::move(*c), {}};
  r.Get("access", e.access);
  return Done(r, route, std::move(e));
}

Result<std::vector<CollectionEntry>> CollectionsFromJson(const json& j, std::string_view route) {
  return ListOf<CollectionEntry>(j, "collections", route, &CollectionEntryFromJson);
}

json AccessEntryToJson(const AccessEntry& e) {
  return {{"member_id", e.member_id}, {"access", e.access}};
}

Result<AccessEntry> AccessEntryFromJson(const json& j, std::string_view route) {
  Reader r(j);
  AccessEntry e;
  r.Get("member_id", e.member_id);
  r.Get("access", e.access);
  return Done(r, route, std::move(e));
}

Result<std::vector<AccessEntry>> AccessListFromJson(const json& j, std::string_view route) {
  return ListOf<AccessEntry>(j, "grants", route, &AccessEntryFromJson);
}

json SealedKeyAnswerToJson(const SealedKeyAnswer& a) {
  return {{"collection_id", a.collection_id},
          {"key_version", a.key_version},
          {"sealed_key", crypto::ToBase64(a.sealed)}};
}

Result<SealedKeyAnswer> SealedKeyAnswerFromJson(const json& j, std::string_view route) {
  Reader r(j);
  SealedKeyAnswer a;
  r.Get("collection_id", a.collection_id);
  r.Get("key_version", a.key_version);
  r.Get("sealed_key", a.sealed);
  return Done(r, route, std::move(a));
}

Result<std::vector<SealedKeyAnswer>> SealedKeysFromJson(const json& j, std::string_view route) {
  return ListOf<SealedKeyAnswer>(j, "keys", route, &SealedKeyAnswerFromJson);
}

json ItemWithCiphertextToJson(const ItemWithCiphertext& item) {
  json j = ItemMetaToJson(item.meta);
  j["ciphertext"] = crypto::ToBase64(item.ciphertext);
  return j;
}

Result<ItemWithCiphertext> ItemWithCiphertextFromJson(const json& j, std::string_view route) {
  auto meta = ItemMetaFromJson(j, route);
  if (!meta) return Fail(meta.error());
  Reader r(j);
  ItemWithCiphertext item{std::move(*meta), {}};
  r.Get("ciphertext", item.ciphertext);
  return Done(r, route, std::move(item));
}

json ItemVersionToJson(const ItemVersion& v) {
  return {{"version", v.version},       {"key_version", v.key_version},
          {"state", ToString(v.state)}, {"ciphertext", crypto::ToBase64(v.ciphertext)},
          {"created_ms", v.created_ms}, {"created_by", v.created_by}};
}

Result<ItemVersion> ItemVersionFromJson(const json& j, std::string_view route) {
  Reader r(j);
  ItemVersion v;
  r.Get("version", v.version);
  r.Get("key_version", v.key_version);
  r.Get("state", v.state, ParseItemVersionState);
  r.Get("ciphertext", v.ciphertext);
  r.Get("created_ms", v.created_ms);
  r.Get("created_by", v.created_by);
  return Done(r, route, std::move(v));
}

Result<std::vector<ItemVersion>> HistoryFromJson(const json& j, std::string_view route) {
  return ListOf<ItemVersion>(j, "versions", route, &ItemVersionFromJson);
}

json ServerInfoToJson(const ServerInfo& info) {
  json j = {{"version", info.version},
            {"audit_public_key", crypto::ToBase64(info.audit_public_key)},
            {"escrow_public_key", crypto::ToBase64(info.escrow_public_key)}};
  if (info.recovery_public_key) {
    j["recovery_public_key"] = crypto::ToBase64(*info.recovery_public_key);
  }
  return j;
}

Result<ServerInfo> ServerInfoFromJson(const json& j, std::string_view route) {
  Reader r(j);
  ServerInfo info;
  r.Get("version", info.version);
  r.Get("audit_public_key", info.audit_public_key);
  r.Get("escrow_public_key", info.escrow_public_key);
  r.GetOptional("recovery_public_key", info.recovery_public_key);
  return Done(r, route, std::move(info));
}

Result<Challenge> ChallengeFromJson(const json& j, std::string_view route) {
  Reader r(j);
  Challenge c;
  r.Get("nonce", c.nonce);
  return Done(r, route, std::move(c));
}

Result<LoginAnswer> LoginAnswerFromJson(const json& j, std::string_view route) {
  Reader r(j);
  LoginAnswer a;
  r.Get("token", a.token);
  r.Get("expires_ms", a.expires_ms);
  if (!r.problem().empty()) return Fail(MalformedAnswer(route, r.problem()));
  if (!j.contains("member")) return Fail(MalformedAnswer(route, "field \"member\" is missing"));
  auto m = MemberFromJson(j["member"], route);
  if (!m) return Fail(m.error());
  a.member = std::move(*m);
  return a;
}

Result<std::vector<audit::Event>> AuditPageFromJson(const json& j, std::string_view route) {
  Reader r(j);
  const json* list = r.Array("events");
  if (list == nullptr) return Fail(MalformedAnswer(route, r.problem()));
  std::vector<audit::Event> out;
  out.reserve(list->size());
  for (const json& e : *list) {
    auto event = audit::EventFromJson(e);
    if (!event) return Fail(MalformedAnswer(route, event.error().message()));
    out.push_back(std::move(*event));
  }
  return out;
}

Result<audit::Checkpoint> CheckpointAnswerFromJson(const json& j, std::string_view route) {
  auto cp = audit::CheckpointFromJson(j);
  if (!cp) return Fail(MalformedAnswer(route, cp.error().message()));
  return std::move(*cp);
}

Result<std::vector<audit::Checkpoint>> CheckpointsFromJson(const json& j, std::string_view route) {
  return ListOf<audit::Checkpoint>(j, "checkpoints", route, &CheckpointAnswerFromJson);
}

Result<json> ObjectFromJson(const json& j, std::string_view route) {
  if (!j.is_object()) return Fail(MalformedAnswer(route, "expected a JSON object"));
  return j;
}

}  // namespace vault::api
