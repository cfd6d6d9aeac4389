// The parts of the age format behind backup/age.h, shared by its sources,
// the tests and the header fuzz target. Not a public API.
#ifndef BATON_BACKUP_SRC_AGE_INTERNAL_H_
#define BATON_BACKUP_SRC_AGE_INTERNAL_H_

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backup/age.h"
#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace backup::age::internal {

inline constexpr size_t kFileKeyBytes = 16;
inline constexpr size_t kMacBytes = 32;
inline constexpr size_t kPayloadNonceBytes = 16;
inline constexpr size_t kChunkBytes = 64 * 1024;
inline constexpr size_t kTagBytes = 16;
inline constexpr std::string_view kVersionLine = "age-encryption.org/v1";
// Bounds what a hostile header can make us hold: a long stanza argument
// (a post-quantum share is ~1.5 KB) fits, a 1 GB line does not.
inline constexpr size_t kMaxLineBytes = 8 * 1024;
inline constexpr size_t kMaxHeaderBytes = 1024 * 1024;

// A byte source. Read fills `out` completely unless the input ends first and
// returns the count; 0 means the end.
class Source {
 public:
  virtual ~Source() = default;
  virtual vault::Result<size_t> Read(std::span<uint8_t> out) = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual vault::Status Write(std::span<const uint8_t> data) = 0;
  // Writes whatever a format keeps back for its end (the armor's last line).
  virtual vault::Status Close() { return vault::Status::OK(); }
};

class IstreamSource : public Source {
 public:
  explicit IstreamSource(std::istream& in) : in_(in) {}
  vault::Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  std::istream& in_;
};

class SpanSource : public Source {
 public:
  explicit SpanSource(std::span<const uint8_t> data) : data_(data) {}
  vault::Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  std::span<const uint8_t> data_;
};

class OstreamSink : public Sink {
 public:
  explicit OstreamSink(std::ostream& out) : out_(out) {}
  vault::Status Write(std::span<const uint8_t> data) override;
  vault::Status Close() override;

 private:
  std::ostream& out_;
};

// Buffers a Source so the header can be read line by line and the payload
// after it in bulk.
class Reader : public Source {
 public:
  explicit Reader(Source& src) : src_(src) {}
  vault::Result<size_t> Read(std::span<uint8_t> out) override;
  // Reads up to and including the next LF into `line` (without the LF).
  // Returns true if a LF ended it, false if the input ended first. A line
  // longer than `max` fails with "<what>: line too long".
  vault::Result<bool> ReadLine(std::string& line, size_t max, std::string_view what);
  // The next byte without consuming it; nullopt at the end.
  vault::Result<std::optional<uint8_t>> Peek();

 private:
  vault::Status Fill();
  Source& src_;
  std::array<uint8_t, 4096> buf_{};
  size_t pos_ = 0;
  size_t end_ = 0;
};

// Unpadded, canonical standard base64 (the spec's "base64").
bool IsBase64Char(char c);  // A-Z a-z 0-9 + /
std::string ToBase64Raw(std::span<const uint8_t> data);
std::optional<std::vector<uint8_t>> FromBase64Raw(std::string_view text);

// HKDF-SHA-256 with 32 bytes of output.
vault::Result<vault::SecureBuffer> Hkdf(std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                                        std::string_view info);

struct Stanza {
  std::vector<std::string> args;  // args[0] is the type
  std::vector<uint8_t> body;
};

struct Header {
  std::vector<Stanza> stanzas;
  std::array<uint8_t, kMacBytes> mac{};
  // The header's bytes from the version line through "---": what the MAC
  // covers.
  std::string mac_input;
};

// Parses a v1 header strictly (the spec's ABNF, canonical base64), leaving
// `in` at the first payload byte.
vault::Result<Header> ParseHeader(Reader& in);
// The header bytes up to and including "---", for the MAC.
std::string EncodeHeaderWithoutMac(const std::vector<Stanza>& stanzas);
// The whole header as ParseHeader read it, ending in the MAC line.
std::string EncodeHeader(const Header& header);
vault::Result<std::array<uint8_t, kMacBytes>> HeaderMac(std::span<const uint8_t> file_key,
                                                        std::string_view mac_input);

// X25519 stanzas. Unwrap returns nullopt for a stanza of another type or one
// this identity does not open, and fails on a malformed X25519 stanza.
vault::Result<Stanza> WrapX25519(vault::Env& env, const Recipient& recipient,
                                 std::span<const uint8_t> file_key);
vault::Result<std::optional<vault::SecureBuffer>> UnwrapX25519(const Identity& identity,
                                                               const Stanza& stanza);

// scrypt stanzas. The work factor is capped (2^22 takes 4 GiB), and an
// scrypt stanza must be a header's only one, so that a passphrase-encrypted
// file cannot also be opened by someone else's key.
inline constexpr int kMaxScryptWorkFactor = 22;
vault::Status CheckScryptAlone(const Header& header);
vault::Result<std::optional<vault::SecureBuffer>> UnwrapScrypt(
    const vault::SecureBuffer& passphrase, const Stanza& stanza);

// STREAM: the payload after the header, nonce included.
vault::Status EncryptPayload(vault::Env& env, std::span<const uint8_t> file_key, Source& in,
                             Sink& out);
vault::Status DecryptPayload(std::span<const uint8_t> file_key, Source& in, Sink& out);

// ASCII armor: strict PEM as the spec asks, LF or CRLF line ends, white
// space only before and after the block.
class ArmorSink : public Sink {
 public:
  explicit ArmorSink(Sink& out) : out_(out) {}
  vault::Status Write(std::span<const uint8_t> data) override;
  vault::Status Close() override;

 private:
  vault::Status Flush(bool final);
  Sink& out_;
  bool begun_ = false;
  std::vector<uint8_t> pending_;
};

class ArmorSource : public Source {
 public:
  explicit ArmorSource(Reader& in) : in_(in) {}
  vault::Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  vault::Status Begin();
  vault::Status NextLine();
  vault::Status End();
  Reader& in_;
  enum class State { kStart, kBody, kDone } state_ = State::kStart;
  bool short_line_seen_ = false;
  std::array<uint8_t, 48> line_{};
  size_t line_pos_ = 0;
  size_t line_len_ = 0;
};

}  // namespace backup::age::internal

#endif  // BATON_BACKUP_SRC_AGE_INTERNAL_H_
