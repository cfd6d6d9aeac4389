// Encrypt and Decrypt: the header around the STREAM payload, optionally
// inside ASCII armor.
#include <sodium.h>

#include <functional>
#include <istream>
#include <ostream>

#include "age_internal.h"

namespace backup::age {
namespace {

using internal::Reader;

// Binary age files start with the version line; anything else is taken
// for armor, which reports a file that is neither as "not an age file".
vault::Result<bool> LooksArmored(Reader& in) {
  auto first = in.Peek();
  if (!first) return vault::Fail(first.error());
  return first->has_value() && **first != 'a';
}

// Opens one stanza: nullopt if it is not for this key, an error if it is
// malformed.
using Unwrap =
    std::function<vault::Result<std::optional<vault::SecureBuffer>>(const internal::Stanza&)>;

vault::Result<vault::SecureBuffer> UnwrapFileKey(const internal::Header& header,
                                                 const Unwrap& unwrap) {
  if (vault::Status s = internal::CheckScryptAlone(header); !s.ok()) return vault::Fail(s);
  for (const internal::Stanza& stanza : header.stanzas) {
    auto key = unwrap(stanza);
    if (!key) return vault::Fail(key.error());
    if (key->has_value()) return std::move(**key);
  }
  return vault::Fail(vault::Status::WrongPassphrase("no identity matches any recipient"));
}

vault::Status DecryptFrom(Reader& in, internal::Sink& out, const Unwrap& unwrap) {
  auto header = internal::ParseHeader(in);
  if (!header) return header.error();
  auto file_key = UnwrapFileKey(*header, unwrap);
  if (!file_key) return file_key.error();
  auto mac = internal::HeaderMac(file_key->bytes(), header->mac_input);
  if (!mac) return mac.error();
  if (sodium_memcmp(mac->data(), header->mac.data(), mac->size()) != 0) {
    return vault::Status::Corruption("header MAC mismatch");
  }
  return internal::DecryptPayload(file_key->bytes(), in, out);
}

// Reads a binary or armored file.
vault::Status DecryptAny(std::istream& in, std::ostream& out, const Unwrap& unwrap) {
  internal::IstreamSource source(in);
  internal::OstreamSink sink(out);
  Reader outer(source);
  auto armored = LooksArmored(outer);
  if (!armored) return armored.error();
  vault::Status s;
  if (*armored) {
    internal::ArmorSource armor(outer);
    Reader inner(armor);
    s = DecryptFrom(inner, sink, unwrap);
  } else {
    s = DecryptFrom(outer, sink, unwrap);
  }
  if (!s.ok()) return s;
  return sink.Close();
}

}  // namespace

vault::Status Encrypt(vault::Env& env, std::span<const Recipient> recipients, std::istream& in,
                      std::ostream& out, const EncryptOptions& options) {
  if (recipients.empty()) return vault::Status::InvalidArgument("age: no recipients");
  vault::SecureBuffer file_key(internal::kFileKeyBytes);
  env.RandomBytes(file_key.bytes());
  std::vector<internal::Stanza> stanzas;
  for (const Recipient& recipient : recipients) {
    auto stanza = internal::WrapX25519(env, recipient, file_key.bytes());
    if (!stanza) return stanza.error();
    stanzas.push_back(std::move(*stanza));
  }
  internal::Header header{std::move(stanzas), {}, {}};
  auto mac =
      internal::HeaderMac(file_key.bytes(), internal::EncodeHeaderWithoutMac(header.stanzas));
  if (!mac) return mac.error();
  header.mac = *mac;
  const std::string text = internal::EncodeHeader(header);

  internal::IstreamSource source(in);
  internal::OstreamSink binary(out);
  internal::ArmorSink armored(binary);
  internal::Sink& sink = options.armor ? static_cast<internal::Sink&>(armored) : binary;
  if (vault::Status s = sink.Write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
      !s.ok()) {
    return s;
  }
  if (vault::Status s = internal::EncryptPayload(env, file_key.bytes(), source, sink); !s.ok()) {
    return s;
  }
  return sink.Close();
}

vault::Status Decrypt(std::span<const Identity> identities, std::istream& in, std::ostream& out) {
  return DecryptAny(in, out, [identities](const internal::Stanza& stanza) {
    for (const Identity& identity : identities) {
      auto key = internal::UnwrapX25519(identity, stanza);
      if (!key || key->has_value()) return key;
    }
    return vault::Result<std::optional<vault::SecureBuffer>>(std::nullopt);
  });
}

vault::Status DecryptWithPassphrase(const vault::SecureBuffer& passphrase, std::istream& in,
                                    std::ostream& out) {
  return DecryptAny(in, out, [&passphrase](const internal::Stanza& stanza) {
    return internal::UnwrapScrypt(passphrase, stanza);
  });
}

}  // namespace backup::age
