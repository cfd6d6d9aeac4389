// URLs, parsed by libcurl's URL API (curl_url), for every place baton takes
// one: the server URL a client joins, batond's webhook and SMTP settings.
#ifndef BATON_VAULT_URL_H_
#define BATON_VAULT_URL_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include "vault/status.h"

namespace vault {

struct Url {
  std::string scheme;  // lower case: "https", "smtp", ...
  std::string host;    // a name, an IPv4 address, or an IPv6 address without brackets
  int port = 0;        // as given, else the scheme's default
  bool explicit_port = false;
  std::string path;  // "/" when none; with the query, if any
  // "scheme://host[:port]" (IPv6 in brackets), the port only when given.
  std::string Origin() const;
};

// Parses an absolute URL whose scheme is one of `schemes` (lower case, e.g.
// {"https"}). Refused with InvalidArgument naming `what` (e.g. "the server
// URL"): a malformed URL, another scheme, no host, user name or password,
// a fragment, control characters or spaces, a port outside 1-65535, or more
// than 2,048 bytes.
Result<Url> ParseUrl(std::string_view text, std::initializer_list<std::string_view> schemes,
                     std::string_view what);

}  // namespace vault

#endif  // BATON_VAULT_URL_H_
