// URL parsing through libcurl (vault/url.h).
#include "vault/url.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace vault {
namespace {

TEST(UrlTest, TakesAHostAPortAndAPath) {
  ASSERT_OK_AND_ASSIGN(Url u, ParseUrl("https://vault.example.org:8443/v1/x?a=b", {"https"}, "u"));
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "vault.example.org");
  EXPECT_EQ(u.port, 8443);
  EXPECT_TRUE(u.explicit_port);
  EXPECT_EQ(u.path, "/v1/x?a=b");
  EXPECT_EQ(u.Origin(), "https://vault.example.org:8443");
}

TEST(UrlTest, DefaultsThePortAndThePath) {
  ASSERT_OK_AND_ASSIGN(Url u, ParseUrl("https://example.org", {"https"}, "u"));
  EXPECT_EQ(u.port, 443);
  EXPECT_FALSE(u.explicit_port);
  EXPECT_EQ(u.path, "/");
  EXPECT_EQ(u.Origin(), "https://example.org");
}

TEST(UrlTest, TakesIpv6LiteralsWithoutTheirBrackets) {
  ASSERT_OK_AND_ASSIGN(Url u, ParseUrl("https://[::1]:8443", {"https"}, "u"));
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.Origin(), "https://[::1]:8443");
  ASSERT_OK_AND_ASSIGN(Url v4, ParseUrl("http://127.0.0.1:9/hook", {"http", "https"}, "u"));
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.Origin(), "http://127.0.0.1:9");
}

TEST(UrlTest, SchemesAreCaseInsensitive) {
  ASSERT_OK_AND_ASSIGN(Url u, ParseUrl("HTTPS://Example.org", {"https"}, "u"));
  EXPECT_EQ(u.scheme, "https");
}

TEST(UrlTest, RefusesWhatIsNotAPlainUrlOfTheSchemes) {
  for (const char* bad :
       {"", "example.org", "ftp://example.org/", "https://", "https:///path", "https:example.org",
        "https://user:pw@example.org", "https://user@example.org", "https://example.org/#frag",
        "https://example.org:0", "https://example.org:65536", "https://example.org:http",
        "https://exa mple.org", "https://example.org/\r\nX: y", "https://[::1", "https://[zz]:1"}) {
    auto u = ParseUrl(bad, {"https"}, "the server URL");
    EXPECT_STATUS(u, kInvalidArgument) << bad;
    if (!u.has_value()) {
      EXPECT_TRUE(u.error().message().starts_with("the server URL must be a https:// URL ("))
          << u.error().message();
    }
  }
  EXPECT_STATUS(ParseUrl("https://example.org/" + std::string(2048, 'a'), {"https"}, "u"),
                kInvalidArgument);
}

TEST(UrlTest, NamesEverySchemeItTakes) {
  auto u = ParseUrl("http://mail.example.org", {"smtp", "smtps"}, "smtp_url");
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().message(),
            "smtp_url must be a smtp:// or smtps:// URL (it has another scheme)");
}

}  // namespace
}  // namespace vault
