#include "backup/share_input.h"

#include <algorithm>
#include <span>
#include <vector>

#include "backup/slip39.h"

namespace backup::recovery {
namespace {

using vault::Result;
using vault::SecureBuffer;
using vault::Status;

std::string_view TextOf(const SecureBuffer& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::string_view TrimLine(std::string_view line) {
  constexpr std::string_view kSpace = " \t\r\v\f";
  const auto first = line.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return line.substr(first, line.find_last_not_of(kSpace) - first + 1);
}

// The lines of `text`, trimmed, with comments left out (kept as blank
// lines, which only separate).
std::vector<std::string_view> ShareLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = TrimLine(text.substr(0, nl));
    lines.push_back(line.starts_with('#') ? std::string_view() : line);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return lines;
}

// `parts` joined by single spaces, in locked memory.
SecureBuffer JoinWords(std::span<const std::string_view> parts) {
  size_t size = 0;
  for (std::string_view p : parts) size += p.size() + 1;
  SecureBuffer out(size == 0 ? 0 : size - 1);
  size_t at = 0;
  for (std::string_view p : parts) {
    if (at > 0) out.data()[at++] = ' ';
    std::copy(p.begin(), p.end(), out.data() + at);
    at += p.size();
  }
  return out;
}

// A blank line between two shares means a share may span lines.
bool BlankLineSeparates(const std::vector<std::string_view>& lines) {
  bool seen_text = false, blank_after_text = false;
  for (std::string_view l : lines) {
    if (l.empty()) {
      blank_after_text = seen_text;
    } else if (blank_after_text) {
      return true;
    } else {
      seen_text = true;
    }
  }
  return false;
}

Result<SecureBuffer> CombineAll(const std::vector<SecureBuffer>& shares) {
  std::vector<std::string_view> views;
  views.reserve(shares.size());
  for (const SecureBuffer& s : shares) views.push_back(TextOf(s));
  // Baton's shares carry no SLIP-39 passphrase: the shares alone recover.
  return slip39::Combine(views, {});
}

// "1 more needed" from Combine's "2 of 3 shares given; 1 more needed".
std::string_view StillNeeded(std::string_view message) {
  const auto semi = message.rfind("; ");
  return semi == std::string_view::npos ? message : message.substr(semi + 2);
}

}  // namespace

Result<age::Identity> ReadIdentityFile(vault::Env& env, const std::string& path) {
  auto bytes = env.ReadFile(path);
  if (!bytes) return vault::Fail(bytes.error());
  SecureBuffer text = SecureBuffer::CopyOf(*bytes);
  std::fill(bytes->begin(), bytes->end(), 0);
  for (std::string_view line : ShareLines(TextOf(text))) {
    if (line.starts_with("AGE-SECRET-KEY-1")) {
      auto id = age::Identity::Parse(line);
      if (!id) return vault::Fail(id.error().WithContext(path));
      return id;
    }
  }
  return vault::Fail(Status::InvalidArgument(path + " holds no AGE-SECRET-KEY-1 identity"));
}

Result<SecureBuffer> CombineSharesText(const SecureBuffer& text) {
  const std::vector<std::string_view> lines = ShareLines(TextOf(text));
  std::vector<SecureBuffer> shares;
  if (BlankLineSeparates(lines)) {
    std::vector<std::string_view> block;
    for (size_t i = 0; i <= lines.size(); ++i) {
      if (i < lines.size() && !lines[i].empty()) {
        block.push_back(lines[i]);
      } else if (!block.empty()) {
        shares.push_back(JoinWords(block));
        block.clear();
      }
    }
  } else {
    for (std::string_view l : lines) {
      if (!l.empty()) shares.push_back(JoinWords(std::span(&l, 1)));
    }
  }
  if (shares.empty()) return vault::Fail(Status::InvalidArgument("no shares given"));
  return CombineAll(shares);
}

Result<SecureBuffer> PromptShares(const SecretReader& read, std::ostream& status) {
  std::vector<SecureBuffer> shares;
  while (true) {
    const std::string n = std::to_string(shares.size() + 1);
    auto share = read("Share " + n + ": ");
    if (!share) return vault::Fail(share.error());
    shares.push_back(std::move(*share));
    auto secret = CombineAll(shares);
    if (secret) {
      status << "share " << n << " accepted; that is enough" << std::endl;
      return secret;
    }
    const Status& e = secret.error();
    if (e.code() == Status::Code::kFailedPrecondition) {
      status << "share " << n << " accepted; " << StillNeeded(e.message()) << std::endl;
      continue;
    }
    if (e.code() != Status::Code::kInvalidArgument) return vault::Fail(e);
    // This share is the one at fault: the others were accepted before it.
    shares.pop_back();
    status << e.message() << "; type share " << n << " again" << std::endl;
  }
}

Result<Unlocked> UnlockWithMasterSecret(const SecureBuffer& master_secret) {
  auto keys = DeriveRecoveryKeys(master_secret);
  if (!keys) return vault::Fail(keys.error());
  auto identity = age::Identity::FromSecret(keys->age_identity.bytes());
  if (!identity) return vault::Fail(identity.error());
  Unlocked out;
  out.keys.emplace(std::move(*keys));
  out.identity.emplace(std::move(*identity));
  return out;
}

Result<Unlocked> Unlock(vault::Env& env, const UnlockSource& source, const SecretReader& read,
                        std::ostream& status) {
  if (!source.identity_file.empty()) {
    auto identity = ReadIdentityFile(env, source.identity_file);
    if (!identity) return vault::Fail(identity.error());
    Unlocked out;
    out.identity.emplace(std::move(*identity));
    return out;
  }
  Result<SecureBuffer> secret = vault::Fail(Status::Internal("unset"));
  if (!source.shares_file.empty()) {
    auto bytes = env.ReadFile(source.shares_file);
    if (!bytes) return vault::Fail(bytes.error());
    SecureBuffer text = SecureBuffer::CopyOf(*bytes);
    std::fill(bytes->begin(), bytes->end(), 0);
    secret = CombineSharesText(text);
    if (!secret) return vault::Fail(secret.error().WithContext(source.shares_file));
  } else {
    secret = PromptShares(read, status);
    if (!secret) return vault::Fail(secret.error());
  }
  return UnlockWithMasterSecret(*secret);
}

}  // namespace backup::recovery
