#include "backup/slip39.h"

#include <string>

#include "slip39_cipher.h"
#include "slip39_combine.h"
#include "slip39_shamir.h"
#include "slip39_share.h"

namespace backup::slip39 {
namespace {

using internal::CipherParams;
using internal::Share;
using vault::Result;
using vault::SecureBuffer;
using vault::Status;

// The spec allows printable ASCII only, so every tool reads the same bytes.
Status CheckPassphrase(std::span<const uint8_t> passphrase) {
  for (uint8_t c : passphrase) {
    if (c < 0x20 || c > 0x7e) {
      return Status::InvalidArgument(
          "the passphrase may hold only printable ASCII characters (space to '~')");
    }
  }
  return Status::OK();
}

Status CheckOptions(const SecureBuffer& secret, const SplitOptions& o) {
  const size_t n = secret.size();
  if (n < kMinSecretBytes || n > kMaxSecretBytes || n % 2 != 0) {
    return Status::InvalidArgument(
        "the master secret has " + std::to_string(n) + " bytes; it must have an even number from " +
        std::to_string(kMinSecretBytes) + " to " + std::to_string(kMaxSecretBytes));
  }
  const int groups = static_cast<int>(o.groups.size());
  if (groups < 1 || groups > kMaxShareCount) {
    return Status::InvalidArgument("a set has 1 to 16 groups, not " + std::to_string(groups));
  }
  if (o.group_threshold < 1 || o.group_threshold > groups) {
    return Status::InvalidArgument("group threshold " + std::to_string(o.group_threshold) +
                                   " is not between 1 and the " + std::to_string(groups) +
                                   " groups");
  }
  for (int g = 0; g < groups; ++g) {
    const GroupSpec& spec = o.groups[static_cast<size_t>(g)];
    const std::string name = "group " + std::to_string(g + 1) + ": ";
    if (spec.count < 1 || spec.count > kMaxShareCount) {
      return Status::InvalidArgument(name + "a group has 1 to 16 shares, not " +
                                     std::to_string(spec.count));
    }
    if (spec.threshold < 1 || spec.threshold > spec.count) {
      return Status::InvalidArgument(name + "threshold " + std::to_string(spec.threshold) +
                                     " is not between 1 and its " + std::to_string(spec.count) +
                                     " shares");
    }
    if (spec.threshold == 1 && spec.count > 1) {
      return Status::InvalidArgument(name + "threshold 1 with " + std::to_string(spec.count) +
                                     " shares makes copies of one share; make 1 share, or "
                                     "set a threshold of 2 or more");
    }
  }
  if (o.iteration_exponent < 0 || o.iteration_exponent > internal::kMaxIterationExponent) {
    return Status::InvalidArgument("the iteration exponent must be from 0 to 15, not " +
                                   std::to_string(o.iteration_exponent));
  }
  if (o.identifier && *o.identifier >= (1u << internal::kIdentifierBits)) {
    return Status::InvalidArgument("the identifier must fit in 15 bits");
  }
  return Status::OK();
}

uint16_t RandomIdentifier(vault::Env& env) {
  uint8_t b[2] = {};
  env.RandomBytes(b);
  return static_cast<uint16_t>((b[0] << 8 | b[1]) & ((1u << internal::kIdentifierBits) - 1));
}

}  // namespace

std::string_view MnemonicText(const Mnemonic& m) {
  return {reinterpret_cast<const char*>(m.data()), m.size()};
}

Result<std::vector<std::vector<Mnemonic>>> Split(vault::Env& env, const SecureBuffer& master_secret,
                                                 std::span<const uint8_t> passphrase,
                                                 const SplitOptions& options) {
  if (Status s = CheckOptions(master_secret, options); !s.ok()) return vault::Fail(s);
  if (Status s = CheckPassphrase(passphrase); !s.ok()) return vault::Fail(s);
  const CipherParams params{options.iteration_exponent,
                            options.identifier ? *options.identifier : RandomIdentifier(env),
                            options.extendable};
  auto ems = internal::Encrypt(master_secret, passphrase, params);
  if (!ems) return vault::Fail(ems.error());

  const int group_count = static_cast<int>(options.groups.size());
  std::vector<SecureBuffer> group_secrets =
      internal::SplitSecret(env, options.group_threshold, group_count, *ems);
  std::vector<std::vector<Mnemonic>> out(options.groups.size());
  for (int g = 0; g < group_count; ++g) {
    const GroupSpec& spec = options.groups[static_cast<size_t>(g)];
    std::vector<SecureBuffer> members = internal::SplitSecret(
        env, spec.threshold, spec.count, group_secrets[static_cast<size_t>(g)]);
    for (int m = 0; m < spec.count; ++m) {
      Share share{params.identifier,
                  params.extendable,
                  params.iteration_exponent,
                  g,
                  options.group_threshold,
                  group_count,
                  m,
                  spec.threshold,
                  std::move(members[static_cast<size_t>(m)])};
      out[static_cast<size_t>(g)].push_back(internal::EncodeShare(share));
    }
  }
  return out;
}

Result<SecureBuffer> Combine(std::span<const std::string_view> shares,
                             std::span<const uint8_t> passphrase) {
  if (Status s = CheckPassphrase(passphrase); !s.ok()) return vault::Fail(s);
  auto ems = internal::RecoverEncryptedSecret(shares);
  if (!ems) return vault::Fail(ems.error());
  return internal::Decrypt(ems->value, passphrase, ems->params);
}

Result<ShareInfo> Inspect(std::string_view share) {
  auto s = internal::DecodeShare(share, 1);
  if (!s) return vault::Fail(s.error());
  return ShareInfo{s->identifier,       s->extendable,       s->iteration_exponent,
                   s->group_index + 1,  s->group_threshold,  s->group_count,
                   s->member_index + 1, s->member_threshold, s->value.size()};
}

Result<Mnemonic> Normalize(std::string_view share) {
  auto s = internal::DecodeShare(share, 1);
  if (!s) return vault::Fail(s.error());
  return internal::EncodeShare(*s);
}

}  // namespace backup::slip39
