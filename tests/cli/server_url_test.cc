// ParseServerUrl: what `baton join` and every profile accept as the server.
#include <gtest/gtest.h>

#include <string>

#include "api_client.h"

namespace cli {
namespace {

ServerAddress Parsed(const std::string& url) {
  auto a = ParseServerUrl(url);
  EXPECT_TRUE(a.has_value()) << url << ": " << (a ? "" : a.error().ToString());
  return a.value_or(ServerAddress{});
}

std::string Refusal(const std::string& url) {
  auto a = ParseServerUrl(url);
  EXPECT_FALSE(a.has_value()) << url << " was accepted as host " << (a ? a->host : "");
  if (a) return "";
  EXPECT_TRUE(a.error().IsInvalidArgument()) << url << ": " << a.error().ToString();
  return a.error().message();
}

TEST(ServerUrlTest, HostAndDefaultPort) {
  const ServerAddress a = Parsed("https://vault.example.org");
  EXPECT_EQ(a.host, "vault.example.org");
  EXPECT_EQ(a.port, 8443);
  EXPECT_EQ(Parsed("https://vault.example.org/").host, "vault.example.org");
}

TEST(ServerUrlTest, Ports) {
  EXPECT_EQ(Parsed("https://127.0.0.1:9000").port, 9000);
  EXPECT_EQ(Parsed("https://127.0.0.1:9000").host, "127.0.0.1");
  EXPECT_EQ(Parsed("https://h.example:1").port, 1);
  EXPECT_EQ(Parsed("https://h.example:65535/").port, 65535);
  for (const char* url :
       {"https://h.example:0", "https://h.example:65536", "https://h.example:99999999",
        "https://h.example:-1", "https://h.example:80x"}) {
    EXPECT_NE(Refusal(url), "") << url;
  }
  EXPECT_NE(Refusal("https://h.example:65536").find("1 to 65535"), std::string::npos);
}

TEST(ServerUrlTest, Ipv6Literal) {
  ServerAddress a = Parsed("https://[::1]:8443");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 8443);
  a = Parsed("https://[2001:db8::7]");
  EXPECT_EQ(a.host, "2001:db8::7");
  EXPECT_EQ(a.port, 8443);
  EXPECT_EQ(Parsed("https://[::1]:9443/").port, 9443);
  EXPECT_NE(Refusal("https://[::1"), "");
}

TEST(ServerUrlTest, OnlyHttps) {
  for (const char* url : {"http://h.example", "ftp://h.example", "h.example", "h.example:8443",
                          "HTTPS://h.example", "", "https:/h.example"}) {
    EXPECT_EQ(Refusal(url), "the server URL must start with https://") << url;
  }
}

TEST(ServerUrlTest, NoPathQueryOrFragment) {
  for (const char* url :
       {"https://h.example/v1", "https://h.example:8443/a/b", "https://h.example?x=1",
        "https://h.example/#top", "https://h.example//"}) {
    EXPECT_NE(Refusal(url).find("without a path"), std::string::npos) << url;
  }
}

TEST(ServerUrlTest, NoUserinfo) {
  for (const char* url : {"https://admin@h.example", "https://admin:pw@h.example:8443"}) {
    const std::string why = Refusal(url);
    EXPECT_NE(why.find("no user name or password"), std::string::npos) << url;
    // The refusal never repeats a password.
    EXPECT_EQ(why.find("pw"), std::string::npos) << why;
  }
}

TEST(ServerUrlTest, EmptyHost) {
  for (const char* url : {"https://", "https://:8443", "https:///"}) {
    EXPECT_NE(Refusal(url), "") << url;
  }
}

}  // namespace
}  // namespace cli
