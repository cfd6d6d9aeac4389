#include "recover_file.h"

#include <fstream>
#include <optional>

#include "backup/archive.h"
#include "short_names.h"
#include "vault/api_json.h"
#include "vault/crypto.h"
#include "vault/envelope.h"
#include "vault/server_keys.h"
#include "vault/store.h"

namespace cli {
namespace {

using vault::SecretJson;

constexpr char kPlainName[] = "plain";
constexpr char kVaultName[] = "vault.db";
// The server key file and the TLS material are a few KiB.
constexpr uint64_t kMaxSmallEntry = 1 << 20;

// A private directory that is removed, with what is in it, however the
// recovery ends.
class ScratchDir {
 public:
  ScratchDir(vault::Env& env, std::string path) : env_(env), path_(std::move(path)) {}
  ~ScratchDir() {
    for (const std::string suffix : {"", "-wal", "-shm", "-journal"}) {
      (void)env_.RemoveFile(File(kVaultName + suffix));
    }
    (void)env_.RemoveFile(File(kPlainName));
    (void)env_.RemoveDir(path_);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  vault::Env& env_;
  std::string path_;
};

// Decrypts the age file into `plain` (0600 in the scratch dir).
Status DecryptTo(vault::Env& env, const std::string& file, const backup::age::Identity& identity,
                 const std::string& plain) {
  std::ifstream sealed(file, std::ios::binary);
  if (!sealed) return Status::NotFound("cannot read " + file);
  if (Status s = env.WriteFileAtomic(plain, {}, 0600); !s.ok()) return s;
  std::ofstream out(plain, std::ios::binary | std::ios::trunc);
  if (Status s = backup::age::Decrypt(std::span(&identity, 1), sealed, out); !s.ok()) return s;
  out.flush();
  if (!out) return Status::IOError("cannot write the scratch copy of " + file);
  return Status::OK();
}

// The server key file and the vault from a backup's archive; the TLS
// material is read past.
Result<SecureBuffer> UnpackVault(const std::string& plain, const std::string& vault_path) {
  std::ifstream in(plain, std::ios::binary);
  std::optional<SecureBuffer> key_file;
  Status s = backup::ReadArchive(
      in, std::nullopt, [&](std::string_view name, uint64_t length, std::istream& from) -> Status {
        if (name == backup::kBackupVaultFile) {
          std::ofstream out(vault_path, std::ios::binary | std::ios::trunc);
          return backup::CopyArchiveEntry(from, length, out);
        }
        auto bytes = backup::ReadArchiveSecret(from, length, kMaxSmallEntry);
        if (!bytes) return bytes.error();
        if (name == backup::kBackupKeyFile) key_file.emplace(std::move(*bytes));
        return Status::OK();
      });
  if (!s.ok()) return vault::Fail(s);
  return std::move(*key_file);
}

// Every item of the vault at `path` whose collection key has a recovery
// copy, opened with the recovery box key. The reads are audited in the
// scratch copy, which is then deleted.
Result<std::vector<OpenedItem>> ReadVault(vault::Env& env, const vault::ServerKeys& keys,
                                          const std::string& path,
                                          const backup::recovery::RecoveryKeys& recovery,
                                          std::ostream& warnings) {
  auto store = vault::Store::Open(
      {.env = &env, .key = &keys.db_key(), .mode = vault::OpenMode::kOpenExisting}, path);
  if (!store) return vault::Fail(store.error());
  std::vector<OpenedItem> out;
  Status s = (*store)->Write([&](vault::WriteTxn& t) -> Status {
    auto collections = t.ListCollections();
    if (!collections) return collections.error();
    for (const vault::Collection& c : *collections) {
      auto items = t.ListItems(c.id);
      if (!items) return items.error();
      auto sealed = t.GetSealedKey(c.id, vault::KeyHolder::kRecovery, "recovery");
      if (!sealed && sealed.error().code() != Status::Code::kNotFound) return sealed.error();
      std::optional<vault::envelope::CollectionKey> key;
      if (sealed) {
        auto opened = vault::envelope::OpenCollectionKey(recovery.box, sealed->sealed, c.id,
                                                         sealed->key_version);
        if (!opened) {
          return opened.error().WithContext(
              "these shares do not open the collection keys of this backup (another team's "
              "recovery key?)");
        }
        key.emplace(std::move(*opened));
      }
      for (const vault::ItemMeta& m : *items) {
        if (!key || key->version != m.key_version) {
          warnings << "warning: " << c.name << " / " << m.name
                   << ": its collection key has no copy sealed to the recovery key\n";
          continue;
        }
        auto fetched = t.FetchItem({"recovery"}, m.id);
        if (!fetched) return fetched.error();
        auto payload = vault::envelope::DecryptItem(
            *key, {m.id, c.id, fetched->meta.version, m.key_version}, fetched->ciphertext);
        if (!payload) return payload.error().WithContext(m.name);
        json meta = vault::api::ItemMetaToJson(fetched->meta);
        meta["collection"] = c.name;
        out.push_back({std::move(meta), std::move(*payload)});
      }
    }
    return Status::OK();
  });
  if (!s.ok()) return vault::Fail(s);
  return out;
}

Result<std::vector<OpenedItem>> OpenServerBackup(vault::Env& env, const ScratchDir& dir,
                                                 const backup::recovery::Unlocked& unlocked,
                                                 std::ostream& warnings) {
  auto key_file = UnpackVault(dir.File(kPlainName), dir.File(kVaultName));
  (void)env.RemoveFile(dir.File(kPlainName));
  if (!key_file) return vault::Fail(key_file.error());
  if (!unlocked.keys) {
    return vault::Fail(Status::FailedPrecondition(
        "an age identity opens the backup file but not the items, which are sealed to the "
        "recovery key: give the recovery shares (--shares-file, or type them)"));
  }
  auto keys = vault::DecodeServerKeys(key_file->bytes());
  if (!keys) return vault::Fail(keys.error().WithContext("the backup's server key"));
  return ReadVault(env, *keys, dir.File(kVaultName), *unlocked.keys, warnings);
}

Result<std::vector<OpenedItem>> OpenExport(vault::Env& env, const std::string& plain) {
  auto bytes = env.ReadFile(plain);
  if (!bytes) return vault::Fail(bytes.error());
  SecureBuffer text = SecureBuffer::CopyOf(*bytes);
  std::fill(bytes->begin(), bytes->end(), 0);
  return DecodeExport(text.bytes());
}

}  // namespace

Result<RecoveredItems> OpenRecoveryFile(vault::Env& env, const std::string& file,
                                        const backup::recovery::Unlocked& unlocked,
                                        const std::string& tmp_root, std::ostream& warnings) {
  const std::string path =
      tmp_root + "/baton-recover-" + vault::crypto::RandomId(env).substr(0, 12);
  if (Status s = env.CreateDir(path, 0700); !s.ok()) return vault::Fail(s);
  ScratchDir dir(env, path);
  if (Status s = DecryptTo(env, file, *unlocked.identity, dir.File(kPlainName)); !s.ok()) {
    return vault::Fail(s.WithContext(file));
  }
  auto head = env.ReadFilePrefix(dir.File(kPlainName), backup::kArchiveMagic.size());
  if (!head) return vault::Fail(head.error());
  RecoveredItems out;
  Result<std::vector<OpenedItem>> items = vault::Fail(Status::Internal("unset"));
  if (std::string_view(reinterpret_cast<const char*>(head->data()), head->size()) ==
      backup::kArchiveMagic) {
    out.kind = "server backup";
    items = OpenServerBackup(env, dir, unlocked, warnings);
  } else {
    out.kind = "owner export";
    items = OpenExport(env, dir.File(kPlainName));
  }
  if (!items) return vault::Fail(items.error().WithContext(file));
  out.items = std::move(*items);
  return out;
}

Result<vault::SecretString> EncodeExport(const std::vector<OpenedItem>& items,
                                         int64_t exported_at_ms) {
  SecretJson doc = SecretJson::object();
  doc["format"] = kExportFormat;
  doc["exported_at"] = exported_at_ms;
  SecretJson& list = doc["items"] = SecretJson::array();
  for (const OpenedItem& item : items) {
    auto payload = vault::envelope::EncodePayload(item.payload);
    if (!payload) return vault::Fail(payload.error().WithContext(item.meta.value("name", "")));
    const char* p = reinterpret_cast<const char*>(payload->data());
    SecretJson entry = SecretJson::parse(item.meta.dump());
    entry["secret"] = SecretJson::parse(p, p + payload->size());
    list.push_back(std::move(entry));
  }
  return doc.dump(2, ' ', /*ensure_ascii=*/false, SecretJson::error_handler_t::replace);
}

Result<std::vector<OpenedItem>> DecodeExport(std::span<const uint8_t> text) {
  const char* begin = reinterpret_cast<const char*>(text.data());
  const SecretJson doc =
      SecretJson::parse(begin, begin + text.size(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("format") ||
      doc["format"] != kExportFormat || !doc.contains("items") || !doc["items"].is_array()) {
    return vault::Fail(Status::InvalidArgument("not a baton export (" + std::string(kExportFormat) +
                                               ") nor a server backup"));
  }
  std::vector<OpenedItem> out;
  for (const SecretJson& entry : doc["items"]) {
    if (!entry.is_object() || !entry.contains("secret") || !entry.contains("name") ||
        !entry["name"].is_string()) {
      return vault::Fail(Status::InvalidArgument("an item of the export is malformed"));
    }
    const vault::SecretString secret = entry["secret"].dump();
    auto payload = vault::envelope::DecodePayload(
        vault::crypto::AsBytes(std::string_view(secret.data(), secret.size())));
    if (!payload) return vault::Fail(payload.error().WithContext("an item of the export"));
    SecretJson meta = entry;
    meta.erase("secret");
    const vault::SecretString meta_text = meta.dump();
    out.push_back({json::parse(meta_text.begin(), meta_text.end()), std::move(*payload)});
  }
  return out;
}

}  // namespace cli
