#include "vault/url.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>

namespace vault {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

std::optional<std::string> Part(CURLU* u, CURLUPart part, unsigned int flags = 0) {
  char* value = nullptr;
  if (curl_url_get(u, part, &value, flags) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string out(value);
  curl_free(value);
  return out;
}

}  // namespace

std::string Url::Origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string out = scheme + "://" + (v6 ? "[" + host + "]" : host);
  if (explicit_port) out += ":" + std::to_string(port);
  return out;
}

Result<Url> ParseUrl(std::string_view text, std::initializer_list<std::string_view> schemes,
                     std::string_view what) {
  std::string names;
  for (std::string_view s : schemes)
    names += (names.empty() ? "" : " or ") + std::string(s) + "://";
  const auto bad = [&](std::string_view why) {
    return Fail(Status::InvalidArgument(std::string(what) + " must be a " + names + " URL (" +
                                        std::string(why) + ")"));
  };
  if (text.size() > 2048) return bad("it is longer than 2,048 bytes");
  // curl would percent-encode or strip some of these; a URL typed by a
  // person or written in a config file must not carry any.
  if (std::any_of(text.begin(), text.end(),
                  [](char ch) { return static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f; })) {
    return bad("it contains a space or a control character");
  }
  UrlHandle u(curl_url());
  if (!u) return Fail(Status::Internal("out of memory"));
  const std::string copy(text);
  // CURLU_NON_SUPPORT_SCHEME: the scheme check is ours, not the libcurl
  // build's list of protocols.
  switch (curl_url_set(u.get(), CURLUPART_URL, copy.c_str(), CURLU_NON_SUPPORT_SCHEME)) {
    case CURLUE_OK: break;
    case CURLUE_BAD_PORT_NUMBER: return bad("the port must be 1 to 65535");
    case CURLUE_NO_HOST: return bad("it has no host");
    default: return bad("it is malformed");
  }
  Url url;
  url.scheme = Part(u.get(), CURLUPART_SCHEME).value_or("");
  if (std::find(schemes.begin(), schemes.end(), url.scheme) == schemes.end()) {
    return bad("it has another scheme");
  }
  // A URL without "//" ("https:host") is not what anybody meant.
  if (!text.substr(url.scheme.size()).starts_with("://")) return bad("it is malformed");
  // libcurl reads "https:///path" as the host "path".
  if (text.substr(url.scheme.size() + 3).starts_with("/")) return bad("it has no host");
  if (Part(u.get(), CURLUPART_USER) || Part(u.get(), CURLUPART_PASSWORD)) {
    return bad("it takes no user name or password");
  }
  if (Part(u.get(), CURLUPART_FRAGMENT)) return bad("it takes no fragment");
  url.host = Part(u.get(), CURLUPART_HOST).value_or("");
  if (url.host.size() >= 2 && url.host.front() == '[' && url.host.back() == ']') {
    url.host = url.host.substr(1, url.host.size() - 2);
  }
  if (url.host.empty()) return bad("it has no host");
  if (auto port = Part(u.get(), CURLUPART_PORT)) {
    auto [ptr, ec] = std::from_chars(port->data(), port->data() + port->size(), url.port);
    if (ec != std::errc() || ptr != port->data() + port->size() || url.port < 1 ||
        url.port > 65535) {
      return bad("the port must be 1 to 65535");
    }
    url.explicit_port = true;
  } else if (auto def = Part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT)) {
    std::from_chars(def->data(), def->data() + def->size(), url.port);
  }
  url.path = Part(u.get(), CURLUPART_PATH).value_or("/");
  if (url.path.empty()) url.path = "/";
  if (auto query = Part(u.get(), CURLUPART_QUERY)) url.path += "?" + *query;
  return url;
}

}  // namespace vault
