#include "vault/identity.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "binary_format.h"
#include "vault/generator.h"

namespace vault {
namespace {

using binary_format::CheckPassphrase;
using binary_format::LoadLE;

constexpr std::string_view kMagic = "BATON-ID";
// The subkey context ("purpose") for deriving the two key pairs from a seed.
constexpr std::string_view kSeedContext = "baton-id";
constexpr uint64_t kSigningSubkey = 1;
constexpr uint64_t kBoxSubkey = 2;

// Format version 1 (see identity.h): no protection byte (always sealed),
// the signing then the box public key, the seed in the box.
constexpr auto kLayout = binary_format::KeyFileLayout::Of(kMagic.size(), false, crypto::kKeyBytes);
constexpr size_t kOffSigningPk = kLayout.first_public_key;
constexpr size_t kOffBoxPk = kLayout.second_public_key;
// The offsets of files already written: none may move.
static_assert(kLayout.version == 8 && kLayout.kdf_alg == 10 && kLayout.aead_alg == 11 &&
              kLayout.kdf_params == 12 && kLayout.salt == 28 && kOffSigningPk == 44 &&
              kOffBoxPk == 76 && kLayout.box == 108 && kLayout.checksum == 180);
static_assert(kLayout.size == kIdentityFileBytes);

constexpr binary_format::Frame kFrame{kMagic, "identity file", "baton identity file",
                                      kIdentityFileVersion, kLayout.size};
constexpr binary_format::PassphraseBox kBox = kLayout.Box();

}  // namespace

Identity Identity::Generate(Env& env) {
  auto id = FromSeed(crypto::RandomKey(env));
  return std::move(*id);  // a seed of the right size cannot fail
}

Result<Identity> Identity::FromSeed(SecureBuffer seed) {
  if (seed.size() != crypto::kKeyBytes) {
    return Fail(Status::InvalidArgument("an identity seed must be 32 bytes"));
  }
  auto sign_seed = crypto::DeriveSubkey(seed, kSigningSubkey, kSeedContext);
  auto box_seed = crypto::DeriveSubkey(seed, kBoxSubkey, kSeedContext);
  if (!sign_seed) return Fail(sign_seed.error());
  if (!box_seed) return Fail(box_seed.error());
  auto signing = crypto::SigningKeyPairFromSeed(*sign_seed);
  auto box = crypto::BoxKeyPairFromSeed(*box_seed);
  if (!signing) return Fail(signing.error());
  if (!box) return Fail(box.error());
  Identity id;
  id.seed_ = std::move(seed);
  id.signing_ = std::move(*signing);
  id.box_ = std::move(*box);
  return id;
}

std::string Identity::Fingerprint() const {
  uint8_t both[2 * crypto::kPublicKeyBytes];
  std::memcpy(both, signing_.public_key.data(), crypto::kPublicKeyBytes);
  std::memcpy(both + crypto::kPublicKeyBytes, box_.public_key.data(), crypto::kPublicKeyBytes);
  const crypto::Hash h = crypto::Blake2b256(both);
  return crypto::ToHex(std::span(h).first(16));
}

std::string FingerprintWords(const crypto::PublicKey& signing_key,
                             const crypto::PublicKey& box_key) {
  return HashWords(crypto::Blake2b256({signing_key, box_key}));
}

std::string HashWords(const crypto::Hash& h) {
  // The first 128 bits as four big-endian 32-bit limbs, divided by the list
  // size six times: each remainder picks a word.
  uint32_t limbs[4];
  for (int i = 0; i < 4; ++i) {
    limbs[i] = static_cast<uint32_t>(h[4 * i]) << 24 | static_cast<uint32_t>(h[4 * i + 1]) << 16 |
               static_cast<uint32_t>(h[4 * i + 2]) << 8 | h[4 * i + 3];
  }
  const auto words = gen::WordList();
  const uint64_t base = words.size();
  std::string out;
  for (int w = 0; w < 6; ++w) {
    uint64_t rem = 0;
    for (uint32_t& limb : limbs) {
      const uint64_t cur = (rem << 32) | limb;
      limb = static_cast<uint32_t>(cur / base);
      rem = cur % base;
    }
    if (!out.empty()) out += ' ';
    out += words[static_cast<size_t>(rem)];
  }
  return out;
}

Result<IdentityFileInfo> InspectIdentityFile(std::span<const uint8_t> file) {
  if (Status s = binary_format::CheckFrame(file, kFrame); !s.ok()) return Fail(s);
  IdentityFileInfo info;
  info.version = LoadLE<uint16_t>(file, kLayout.version);
  if (!kLayout.SealedWithKnownAlgorithms(file)) {
    return Fail(Status::Unsupported("identity file uses an unknown KDF or cipher"));
  }
  info.kdf = binary_format::LoadKdfParams(file, kLayout.kdf_params);
  if (Status s = kdf::Validate(info.kdf); !s.ok()) {
    return Fail(s.WithContext("identity file KDF parameters are out of bounds"));
  }
  std::copy_n(file.begin() + kOffSigningPk, crypto::kPublicKeyBytes,
              info.signing_public_key.begin());
  std::copy_n(file.begin() + kOffBoxPk, crypto::kPublicKeyBytes, info.box_public_key.begin());
  return info;
}

Result<std::vector<uint8_t>> EncodeIdentityFile(Env& env, const Identity& id,
                                                std::span<const uint8_t> passphrase,
                                                const kdf::Params& params) {
  if (Status s = CheckPassphrase(passphrase); !s.ok()) return Fail(s);
  if (Status s = kdf::Validate(params); !s.ok()) return Fail(s);
  std::vector<uint8_t> file(kIdentityFileBytes, 0);
  std::span<uint8_t> out(file);
  binary_format::StoreFrameHeader(out, kFrame);
  kLayout.StoreSealing(out, params);
  std::copy(id.signing_public_key().begin(), id.signing_public_key().end(),
            out.begin() + kOffSigningPk);
  std::copy(id.box_public_key().begin(), id.box_public_key().end(), out.begin() + kOffBoxPk);

  if (Status s =
          binary_format::SealWithPassphrase(env, out, kBox, passphrase, params, id.seed().bytes());
      !s.ok()) {
    return Fail(s);
  }
  binary_format::StoreChecksum(out);
  return file;
}

Result<Identity> DecodeIdentityFile(std::span<const uint8_t> file,
                                    std::span<const uint8_t> passphrase) {
  if (Status s = CheckPassphrase(passphrase); !s.ok()) return Fail(s);
  auto info = InspectIdentityFile(file);
  if (!info) return Fail(info.error());
  auto seed = binary_format::OpenWithPassphrase(file, kFrame, kBox, passphrase, info->kdf);
  if (!seed) return Fail(seed.error());
  auto id = Identity::FromSeed(std::move(*seed));
  if (!id) return Fail(id.error());
  if (id->signing_public_key() != info->signing_public_key ||
      id->box_public_key() != info->box_public_key) {
    return Fail(Status::Corruption("identity file public keys do not match its sealed seed"));
  }
  return id;
}

Status SaveIdentity(Env& env, const std::string& path, const Identity& id,
                    std::span<const uint8_t> passphrase, const kdf::Params& params,
                    bool overwrite) {
  if (!overwrite && env.FileExists(path)) {
    return Status::AlreadyExists("identity file " + path + " exists; refusing to overwrite it");
  }
  auto file = EncodeIdentityFile(env, id, passphrase, params);
  if (!file) return file.error();
  return env.WriteFileAtomic(path, *file, 0600);
}

Result<Identity> LoadIdentity(Env& env, const std::string& path,
                              std::span<const uint8_t> passphrase) {
  auto file = env.ReadFile(path);
  if (!file) return Fail(file.error());
  auto id = DecodeIdentityFile(*file, passphrase);
  if (!id) return Fail(id.error().WithContext(path));
  return id;
}

Status ChangeIdentityPassphrase(Env& env, const std::string& path,
                                std::span<const uint8_t> old_passphrase,
                                std::span<const uint8_t> new_passphrase,
                                const kdf::Params& new_params) {
  auto id = LoadIdentity(env, path, old_passphrase);
  if (!id) return id.error();
  return SaveIdentity(env, path, *id, new_passphrase, new_params, /*overwrite=*/true);
}

}  // namespace vault
