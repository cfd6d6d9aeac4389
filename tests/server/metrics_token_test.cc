// /metrics behind a token, against a real batond: off (404) without a
// token file, and with one only for the bearer of that token; a token file
// others can read, or an empty one, stops the server from starting.
#include <gtest/gtest.h>

#include "server/config.h"
#include "server_fixture.h"

namespace {

using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;

class MetricsTokenTest : public ServerFixture {
 protected:
  void Restart() {
    StopServer();
    StartServer();
  }

  std::string TokenFile(const std::string& name, const std::string& text, uint32_t mode) {
    const std::string path = dir_.File(name);
    EXPECT_OK(env_.WriteFileAtomic(path, vault::crypto::AsBytes(text), mode));
    return path;
  }
};

TEST_F(MetricsTokenTest, MetricsAreOffWithoutATokenFile) {
  Account owner = Join("owner", "Mari");
  for (const std::string& token : {std::string(), owner.token, std::string("anything")}) {
    Reply m = Call("GET", "/metrics", token);
    EXPECT_EQ(m.status, 404) << m.raw;
    EXPECT_EQ(m.raw.find("baton_"), std::string::npos);
  }
}

TEST_F(MetricsTokenTest, MetricsAnswerOnlyTheirToken) {
  const std::string token = UseMetricsToken();
  Restart();
  Account owner = Join("owner", "Mari");
  const std::vector<std::string> wrong = {
      "",  // no Authorization header
      owner.token, token.substr(0, token.size() - 1),
      token + "x", "Scrape-" + token.substr(std::string("scrape-").size()),
  };
  for (const std::string& bad : wrong) {
    SCOPED_TRACE(bad);
    Reply m = Call("GET", "/metrics", bad);
    EXPECT_EQ(m.status, 401) << m.raw;
    EXPECT_EQ(m.body["error"]["code"], "unauthenticated");
    EXPECT_EQ(m.raw.find("baton_"), std::string::npos);
  }
  auto client = Client();
  auto basic = client->Get("/metrics", {{"Authorization", "Basic " + token}});
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->status, 401);
  EXPECT_EQ(basic->get_header_value("WWW-Authenticate"), "Bearer");

  Reply m = Call("GET", "/metrics", token);
  ASSERT_EQ(m.status, 200) << m.raw;
  EXPECT_NE(m.raw.find("baton_http_requests_total{route=\"/metrics\",status=\"401\"}"),
            std::string::npos)
      << m.raw;
}

TEST_F(MetricsTokenTest, AReadableEmptyOrMissingTokenFileStopsTheStart) {
  server::Config config = config_;
  config.metrics_token_file = TokenFile("group-readable", "a-token\n", 0640);
  EXPECT_TRUE(CreateWith(config).IsPermissionDenied()) << CreateWith(config).ToString();
  config.metrics_token_file = TokenFile("world-readable", "a-token\n", 0604);
  EXPECT_TRUE(CreateWith(config).IsPermissionDenied());
  config.metrics_token_file = TokenFile("empty", "\n", 0600);
  EXPECT_TRUE(CreateWith(config).IsInvalidArgument()) << CreateWith(config).ToString();
  config.metrics_token_file = dir_.File("missing");
  EXPECT_FALSE(CreateWith(config).ok());
  config.metrics_token_file = TokenFile("good", "a-token\n", 0600);
  EXPECT_TRUE(CreateWith(config).ok()) << CreateWith(config).ToString();
}

TEST(MetricsTokenSetting, IsAConfigKeyAndAVariable) {
  server::Config c;
  EXPECT_TRUE(c.metrics_token_file.empty());
  ASSERT_TRUE(server::ApplyConfigText("metrics_token_file = /etc/baton/metrics-token\n", c).ok());
  EXPECT_EQ(c.metrics_token_file, "/etc/baton/metrics-token");
  ASSERT_TRUE(server::ApplyEnvironment({{"BATON_METRICS_TOKEN_FILE", "/run/token"}}, c).ok());
  EXPECT_EQ(c.metrics_token_file, "/run/token");
}

}  // namespace
