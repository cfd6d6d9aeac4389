#include "vault/envelope.h"

#include <cstring>
#include <string_view>

#include "vault/secret_json.h"

namespace vault::envelope {
namespace {

constexpr std::string_view kKeyDomain{"baton.collection-key.v1\0", 24};
constexpr std::string_view kItemDomain{"baton.item.v1\0", 14};
constexpr size_t kMaxIdBytes = 128;
constexpr std::string_view kRecoveryId = "recovery";

void PutU64(uint8_t* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

// domain || u8 len || id || u64 version: the plaintext of a sealed key is
// this header followed by the 32-byte key.
std::vector<uint8_t> KeyHeader(const std::string& collection_id, int64_t version) {
  std::vector<uint8_t> out(kKeyDomain.size() + 1 + collection_id.size() + 8);
  std::memcpy(out.data(), kKeyDomain.data(), kKeyDomain.size());
  out[kKeyDomain.size()] = static_cast<uint8_t>(collection_id.size());
  std::memcpy(out.data() + kKeyDomain.size() + 1, collection_id.data(), collection_id.size());
  PutU64(out.data() + out.size() - 8, static_cast<uint64_t>(version));
  return out;
}

std::vector<uint8_t> ItemAad(const ItemBinding& b) {
  // Lengths are fixed by construction (ids <= kMaxIdBytes, one byte each), so
  // the encoding is unambiguous.
  std::vector<uint8_t> out(kItemDomain.size() + 2 + b.item_id.size() + b.collection_id.size() + 16);
  uint8_t* p = out.data();
  std::memcpy(p, kItemDomain.data(), kItemDomain.size());
  p += kItemDomain.size();
  *p++ = static_cast<uint8_t>(b.item_id.size());
  std::memcpy(p, b.item_id.data(), b.item_id.size());
  p += b.item_id.size();
  *p++ = static_cast<uint8_t>(b.collection_id.size());
  std::memcpy(p, b.collection_id.data(), b.collection_id.size());
  p += b.collection_id.size();
  PutU64(p, static_cast<uint64_t>(b.version));
  PutU64(p + 8, static_cast<uint64_t>(b.key_version));
  return out;
}

Status CheckId(std::string_view what, const std::string& id) {
  if (id.empty() || id.size() > kMaxIdBytes) {
    return Status::InvalidArgument(std::string(what) + " must be 1 to 128 bytes");
  }
  return Status::OK();
}

Status CheckBinding(const ItemBinding& b) {
  if (Status s = CheckId("item id", b.item_id); !s.ok()) return s;
  if (Status s = CheckId("collection id", b.collection_id); !s.ok()) return s;
  if (b.version < 1 || b.key_version < 1) return Status::InvalidArgument("versions start at 1");
  return Status::OK();
}

// Sets j[key] to the bytes of `value`, building the string in place (no
// temporary that could keep a short secret in a small-string buffer).
void PutSecret(SecretJson& j, const char* key, const SecureBuffer& value) {
  SecretJson& slot = j[key];
  slot = SecretJson::string_t();
  slot.get_ref<SecretJson::string_t&>().assign(reinterpret_cast<const char*>(value.data()),
                                               value.size());
}

SecureBuffer ToBuffer(const SecretJson::string_t& s) {
  return SecureBuffer::CopyOf({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

Result<SecureBuffer> StringField(const SecretJson& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return SecureBuffer();
  if (!it->is_string()) {
    return Fail(
        Status::InvalidArgument(std::string("item field \"") + key + "\" must be a string"));
  }
  return ToBuffer(it->get_ref<const SecretJson::string_t&>());
}

}  // namespace

CollectionKey NewCollectionKey(Env& env, const std::string& collection_id, int64_t version) {
  return {collection_id, version, crypto::RandomKey(env)};
}

Result<std::vector<uint8_t>> SealCollectionKey(const CollectionKey& key,
                                               const crypto::PublicKey& recipient) {
  if (Status s = CheckId("collection id", key.collection_id); !s.ok()) return Fail(s);
  if (key.key.size() != crypto::kKeyBytes) {
    return Fail(Status::InvalidArgument("a collection key must be 32 bytes"));
  }
  const std::vector<uint8_t> header = KeyHeader(key.collection_id, key.version);
  SecureBuffer plain(header.size() + key.key.size());
  std::memcpy(plain.data(), header.data(), header.size());
  std::memcpy(plain.data() + header.size(), key.key.data(), key.key.size());
  return crypto::SealTo(recipient, plain.bytes());
}

Result<std::vector<uint8_t>> SealForEscrow(const CollectionKey& key,
                                           const crypto::PublicKey& deputy_box_pk,
                                           const crypto::PublicKey& escrow_pk) {
  auto inner = SealCollectionKey(key, deputy_box_pk);
  if (!inner) return Fail(inner.error());
  return crypto::SealTo(escrow_pk, *inner);
}

Result<CollectionKey> OpenCollectionKey(const crypto::BoxKeyPair& recipient,
                                        std::span<const uint8_t> sealed,
                                        const std::string& collection_id, int64_t version) {
  auto plain = crypto::OpenSealed(recipient, sealed);
  if (!plain)
    return Fail(Status::Corruption("the sealed collection key does not open with this key"));
  return CollectionKeyFromOpened(plain->bytes(), collection_id, version);
}

Result<CollectionKey> CollectionKeyFromOpened(std::span<const uint8_t> opened,
                                              const std::string& collection_id, int64_t version) {
  const std::vector<uint8_t> header = KeyHeader(collection_id, version);
  if (opened.size() != header.size() + crypto::kKeyBytes ||
      std::memcmp(opened.data(), header.data(), header.size()) != 0) {
    return Fail(Status::Corruption("the sealed key is not the key of collection " + collection_id +
                                   " version " + std::to_string(version)));
  }
  CollectionKey out{collection_id, version, SecureBuffer(crypto::kKeyBytes)};
  std::memcpy(out.key.data(), opened.data() + header.size(), crypto::kKeyBytes);
  return out;
}

Result<SecureBuffer> EncodePayload(const ItemPayload& p) {
  SecretJson j = SecretJson::object();
  PutSecret(j, "username", p.username);
  PutSecret(j, "password", p.password);
  PutSecret(j, "totp", p.totp_uri);
  PutSecret(j, "notes", p.notes);
  SecretJson& codes = j["backup_codes"] = SecretJson::array();
  for (const SecureBuffer& c : p.backup_codes) {
    codes.push_back(SecretJson::string_t());
    codes.back().get_ref<SecretJson::string_t&>().assign(reinterpret_cast<const char*>(c.data()),
                                                         c.size());
  }
  SecretJson& fields = j["fields"] = SecretJson::array();
  for (const CustomField& f : p.custom_fields) {
    if (f.name.empty()) return Fail(Status::InvalidArgument("a custom field needs a name"));
    SecretJson field = SecretJson::object();
    field["name"] = SecretJson::string_t(f.name.begin(), f.name.end());
    PutSecret(field, "value", f.value);
    fields.push_back(std::move(field));
  }
  SecretJson::string_t text;
  try {
    text = j.dump();
  } catch (const SecretJson::exception&) {
    return Fail(Status::InvalidArgument("an item field is not valid UTF-8"));
  }
  return ToBuffer(text);
}

Result<ItemPayload> DecodePayload(std::span<const uint8_t> json) {
  const char* begin = reinterpret_cast<const char*>(json.data());
  SecretJson j = SecretJson::parse(begin, begin + json.size(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(Status::InvalidArgument("item payload is not a JSON object"));
  }
  for (const auto& [key, _] : j.items()) {
    if (key != "username" && key != "password" && key != "totp" && key != "notes" &&
        key != "backup_codes" && key != "fields") {
      return Fail(Status::InvalidArgument("item payload has an unknown field"));
    }
  }
  ItemPayload p;
  for (auto [key, out] : {std::pair{"username", &p.username}, std::pair{"password", &p.password},
                          std::pair{"totp", &p.totp_uri}, std::pair{"notes", &p.notes}}) {
    auto v = StringField(j, key);
    if (!v) return Fail(v.error());
    *out = std::move(*v);
  }
  if (auto it = j.find("backup_codes"); it != j.end()) {
    if (!it->is_array()) return Fail(Status::InvalidArgument("backup_codes must be a list"));
    for (const SecretJson& c : *it) {
      if (!c.is_string()) return Fail(Status::InvalidArgument("each backup code must be a string"));
      p.backup_codes.push_back(ToBuffer(c.get_ref<const SecretJson::string_t&>()));
    }
  }
  if (auto it = j.find("fields"); it != j.end()) {
    if (!it->is_array()) return Fail(Status::InvalidArgument("fields must be a list"));
    for (const SecretJson& f : *it) {
      if (!f.is_object() || f.size() != 2 || !f.contains("name") || !f["name"].is_string() ||
          !f.contains("value") || !f["value"].is_string()) {
        return Fail(Status::InvalidArgument("each custom field needs a string name and value"));
      }
      const auto& name = f["name"].get_ref<const SecretJson::string_t&>();
      if (name.empty()) return Fail(Status::InvalidArgument("a custom field needs a name"));
      p.custom_fields.push_back({std::string(name.begin(), name.end()),
                                 ToBuffer(f["value"].get_ref<const SecretJson::string_t&>())});
    }
  }
  return p;
}

Result<std::vector<uint8_t>> EncryptItem(Env& env, const CollectionKey& key,
                                         const ItemBinding& binding, const ItemPayload& payload) {
  if (Status s = CheckBinding(binding); !s.ok()) return Fail(s);
  if (binding.collection_id != key.collection_id || binding.key_version != key.version) {
    return Fail(Status::InvalidArgument("the key is not this collection's key at this version"));
  }
  auto plain = EncodePayload(payload);
  if (!plain) return Fail(plain.error());
  return crypto::AeadSeal(env, key.key, plain->bytes(), ItemAad(binding));
}

Result<ItemPayload> DecryptItem(const CollectionKey& key, const ItemBinding& binding,
                                std::span<const uint8_t> ciphertext) {
  if (Status s = CheckBinding(binding); !s.ok()) return Fail(s);
  auto plain = crypto::AeadOpen(key.key, ciphertext, ItemAad(binding));
  if (!plain) {
    return Fail(Status::Corruption("item " + binding.item_id +
                                   " does not decrypt: wrong key, or the ciphertext was moved "
                                   "from another item, collection or version"));
  }
  return DecodePayload(plain->bytes());
}

Result<Rekeyed> Rekey(Env& env, const CollectionKey& old_key,
                      const std::vector<StoredVersion>& versions,
                      const std::vector<Recipient>& recipients, bool recovery_required) {
  Rekeyed out{NewCollectionKey(env, old_key.collection_id, old_key.version + 1), {}, {}};
  out.versions.reserve(versions.size());
  for (const StoredVersion& v : versions) {
    ItemBinding old_binding{v.item_id, old_key.collection_id, v.version, old_key.version};
    auto payload = DecryptItem(old_key, old_binding, v.ciphertext);
    if (!payload) return Fail(payload.error());
    ItemBinding new_binding = old_binding;
    new_binding.key_version = out.key.version;
    if (v.stored_as != 0) new_binding.version = v.stored_as;
    auto ct = EncryptItem(env, out.key, new_binding, *payload);
    if (!ct) return Fail(ct.error());
    out.versions.push_back({v.item_id, v.version, std::move(*ct)});
  }
  bool recovery = false;
  for (const Recipient& r : recipients) {
    recovery = recovery || r.holder_id == kRecoveryId;
    auto sealed = SealCollectionKey(out.key, r.box_public_key);
    if (!sealed) return Fail(sealed.error());
    out.sealed.emplace_back(r.holder_id, std::move(*sealed));
  }
  if (recovery_required && !recovery) {
    return Fail(
        Status::InvalidArgument("a re-keyed collection must stay sealed to the recovery key"));
  }
  return out;
}

}  // namespace vault::envelope
