#include "vault/server_keys.h"

#include <sodium.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "binary_format.h"

namespace vault {
namespace {

using binary_format::CheckPassphrase;
using binary_format::LoadLE;

constexpr std::string_view kMagic = "BATON-SK";
constexpr uint8_t kNoAlgorithm = 0;

// Format version 1 (see server_keys.h): a protection byte, the audit then
// the escrow public key, db key || audit seed || escrow seed in the box.
constexpr size_t kSecretsBytes = 3 * crypto::kKeyBytes;
constexpr auto kLayout = binary_format::KeyFileLayout::Of(kMagic.size(), true, kSecretsBytes);
constexpr size_t kOffAuditPk = kLayout.first_public_key;
constexpr size_t kOffEscrowPk = kLayout.second_public_key;
// In plain mode the secrets sit where the ciphertext would.
constexpr size_t kOffPlainSecrets = kLayout.box + crypto::kAeadNonceBytes;
// The offsets of files already written: none may move.
static_assert(kLayout.version == 8 && kLayout.protection == 10 && kLayout.kdf_alg == 11 &&
              kLayout.aead_alg == 12 && kLayout.kdf_params == 13 && kLayout.salt == 29 &&
              kOffAuditPk == 45 && kOffEscrowPk == 77 && kLayout.box == 109 &&
              kOffPlainSecrets == 133 && kLayout.checksum == 245);
static_assert(kLayout.size == kServerKeyFileBytes);

constexpr binary_format::Frame kFrame{kMagic, "server key file", "baton server key file",
                                      kServerKeyFileVersion, kLayout.size};
constexpr binary_format::PassphraseBox kBox = kLayout.Box();

bool AllZero(std::span<const uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

// Splits db key || audit seed || escrow seed into keys and checks them
// against the public keys the header promised.
Result<ServerKeys> KeysFromSecrets(std::span<const uint8_t> secrets,
                                   const ServerKeyFileInfo& info) {
  auto keys = ServerKeys::FromSecrets(
      SecureBuffer::CopyOf(secrets.subspan(0, crypto::kKeyBytes)),
      SecureBuffer::CopyOf(secrets.subspan(crypto::kKeyBytes, crypto::kKeyBytes)),
      SecureBuffer::CopyOf(secrets.subspan(2 * crypto::kKeyBytes, crypto::kKeyBytes)));
  if (!keys) return Fail(keys.error());
  if (keys->audit_public_key() != info.audit_public_key ||
      keys->escrow_public_key() != info.escrow_public_key) {
    return Fail(Status::Corruption("server key file public keys do not match its secrets"));
  }
  return keys;
}

}  // namespace

ServerKeys ServerKeys::Generate(Env& env) {
  auto keys = FromSecrets(crypto::RandomKey(env), crypto::RandomKey(env), crypto::RandomKey(env));
  return std::move(*keys);  // secrets of the right size cannot fail
}

Result<ServerKeys> ServerKeys::FromSecrets(SecureBuffer db_key, SecureBuffer audit_seed,
                                           SecureBuffer escrow_seed) {
  if (db_key.size() != crypto::kKeyBytes || audit_seed.size() != crypto::kKeyBytes ||
      escrow_seed.size() != crypto::kKeyBytes) {
    return Fail(Status::InvalidArgument("server key secrets must be 32 bytes each"));
  }
  auto audit = crypto::SigningKeyPairFromSeed(audit_seed);
  if (!audit) return Fail(audit.error());
  auto escrow = crypto::BoxKeyPairFromSeed(escrow_seed);
  if (!escrow) return Fail(escrow.error());
  ServerKeys keys;
  keys.db_key_ = std::move(db_key);
  keys.audit_seed_ = std::move(audit_seed);
  keys.escrow_seed_ = std::move(escrow_seed);
  keys.audit_ = std::move(*audit);
  keys.escrow_ = std::move(*escrow);
  return keys;
}

Result<ServerKeyFileInfo> InspectServerKeyFile(std::span<const uint8_t> file) {
  if (Status s = binary_format::CheckFrame(file, kFrame); !s.ok()) return Fail(s);
  ServerKeyFileInfo info;
  info.version = LoadLE<uint16_t>(file, kLayout.version);
  const uint8_t protection = file[kLayout.protection];
  const uint8_t kdf_alg = file[kLayout.kdf_alg];
  const uint8_t aead_alg = file[kLayout.aead_alg];
  if (protection == static_cast<uint8_t>(ServerKeyProtection::kPlain)) {
    if (kdf_alg != kNoAlgorithm || aead_alg != kNoAlgorithm) {
      return Fail(Status::Unsupported("plain server key file names a KDF or cipher"));
    }
    // A plain file has no use for these; non-zero bytes mean it was not
    // written by baton (the checksum says it is as written).
    if (!AllZero(file.subspan(kLayout.kdf_params, kOffAuditPk - kLayout.kdf_params)) ||
        !AllZero(file.subspan(kLayout.box, crypto::kAeadNonceBytes)) ||
        !AllZero(file.subspan(kOffPlainSecrets + kSecretsBytes, crypto::kAeadTagBytes))) {
      return Fail(Status::Corruption("plain server key file has non-zero passphrase fields"));
    }
    info.protection = ServerKeyProtection::kPlain;
  } else if (protection == static_cast<uint8_t>(ServerKeyProtection::kPassphrase)) {
    if (!kLayout.SealedWithKnownAlgorithms(file)) {
      return Fail(Status::Unsupported("server key file uses an unknown KDF or cipher"));
    }
    const kdf::Params params = binary_format::LoadKdfParams(file, kLayout.kdf_params);
    if (Status s = kdf::Validate(params); !s.ok()) {
      return Fail(s.WithContext("server key file KDF parameters are out of bounds"));
    }
    info.protection = ServerKeyProtection::kPassphrase;
    info.kdf = params;
  } else {
    return Fail(Status::Unsupported("server key file protection mode " +
                                    std::to_string(protection) + " is not supported"));
  }
  std::copy_n(file.begin() + kOffAuditPk, crypto::kPublicKeyBytes, info.audit_public_key.begin());
  std::copy_n(file.begin() + kOffEscrowPk, crypto::kPublicKeyBytes, info.escrow_public_key.begin());
  return info;
}

Result<SecureBuffer> EncodeServerKeys(Env& env, const ServerKeys& keys,
                                      const std::optional<ServerKeyPassphrase>& seal) {
  if (keys.db_key().size() != crypto::kKeyBytes || keys.audit_seed().size() != crypto::kKeyBytes ||
      keys.escrow_seed().size() != crypto::kKeyBytes) {
    return Fail(Status::InvalidArgument("server keys are empty (moved from?)"));
  }
  if (seal) {
    if (Status s = CheckPassphrase(seal->passphrase); !s.ok()) return Fail(s);
    if (Status s = kdf::Validate(seal->params); !s.ok()) return Fail(s);
  }
  SecureBuffer file(kServerKeyFileBytes);  // zeroed
  std::span<uint8_t> out = file.bytes();
  binary_format::StoreFrameHeader(out, kFrame);
  std::copy(keys.audit_public_key().begin(), keys.audit_public_key().end(),
            out.begin() + kOffAuditPk);
  std::copy(keys.escrow_public_key().begin(), keys.escrow_public_key().end(),
            out.begin() + kOffEscrowPk);

  // db key || audit seed || escrow seed: straight into the file in plain
  // mode, into locked memory for the AEAD in sealed mode.
  SecureBuffer secrets(seal ? kSecretsBytes : 0);
  std::span<uint8_t> dest = seal ? secrets.bytes() : out.subspan(kOffPlainSecrets, kSecretsBytes);
  std::copy(keys.db_key().bytes().begin(), keys.db_key().bytes().end(), dest.begin());
  std::copy(keys.audit_seed().bytes().begin(), keys.audit_seed().bytes().end(),
            dest.begin() + crypto::kKeyBytes);
  std::copy(keys.escrow_seed().bytes().begin(), keys.escrow_seed().bytes().end(),
            dest.begin() + 2 * crypto::kKeyBytes);

  if (!seal) {
    out[kLayout.protection] = static_cast<uint8_t>(ServerKeyProtection::kPlain);
  } else {
    out[kLayout.protection] = static_cast<uint8_t>(ServerKeyProtection::kPassphrase);
    kLayout.StoreSealing(out, seal->params);
    if (Status s = binary_format::SealWithPassphrase(env, out, kBox, seal->passphrase, seal->params,
                                                     secrets.bytes());
        !s.ok()) {
      return Fail(s);
    }
  }
  binary_format::StoreChecksum(out);
  return file;
}

Result<ServerKeys> DecodeServerKeys(std::span<const uint8_t> file,
                                    std::optional<std::span<const uint8_t>> passphrase) {
  auto info = InspectServerKeyFile(file);
  if (!info) return Fail(info.error());
  if (!info->needs_passphrase()) {
    // Refused rather than ignored: an operator who types a passphrase
    // believes the file is sealed, and it is not.
    if (passphrase) {
      return Fail(Status::InvalidArgument(
          "server key file is not sealed by a passphrase, but a passphrase was given"));
    }
    return KeysFromSecrets(file.subspan(kOffPlainSecrets, kSecretsBytes), *info);
  }
  if (!passphrase) {
    return Fail(Status::FailedPrecondition(
        "server key file is sealed by a passphrase; a passphrase is required"));
  }
  if (Status s = CheckPassphrase(*passphrase); !s.ok()) return Fail(s);
  auto secrets = binary_format::OpenWithPassphrase(file, kFrame, kBox, *passphrase, *info->kdf);
  if (!secrets) return Fail(secrets.error());
  return KeysFromSecrets(secrets->bytes(), *info);
}

Status SaveServerKeys(Env& env, const std::string& path, const ServerKeys& keys,
                      const std::optional<ServerKeyPassphrase>& seal, bool overwrite) {
  if (!overwrite && env.FileExists(path)) {
    return Status::AlreadyExists("server key file " + path + " exists; refusing to overwrite it");
  }
  auto file = EncodeServerKeys(env, keys, seal);
  if (!file) return file.error();
  return env.WriteFileAtomic(path, file->bytes(), 0600);
}

Result<ServerKeys> LoadServerKeys(Env& env, const std::string& path,
                                  std::optional<std::span<const uint8_t>> passphrase) {
  auto file = env.ReadFile(path);
  if (!file) return Fail(file.error());
  auto keys = DecodeServerKeys(*file, passphrase);
  // A plain file is the secrets themselves; do not leave them in the heap.
  sodium_memzero(file->data(), file->size());
  if (!keys) return Fail(keys.error().WithContext(path));
  return keys;
}

}  // namespace vault
