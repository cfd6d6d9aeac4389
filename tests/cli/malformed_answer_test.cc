// The server as an adversary: baton talks to a real batond through a TLS
// proxy (same certificate, so the pin holds) that corrupts the answer of one
// chosen route. Each command must end with exit 1 and "the server sent a
// malformed answer to METHOD /v1/...", not crash, and leave the profile
// and the offline cache as they were.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/malicious_server_fixture.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;
using testing_util::HostileProxy;

// Corruptions of a JSON answer.
HostileProxy::Corruption Edit(std::function<void(json&)> fn) {
  return [fn](int&, std::string& body) {
    json j = json::parse(body);
    fn(j);
    body = j.dump();
  };
}
HostileProxy::Corruption Replace(std::string text, int status = 200) {
  return [text, status](int& s, std::string& body) {
    s = status;
    body = text;
  };
}

constexpr char kId[] = "[0-9a-f]{32}";

class MalformedAnswerTest : public testing_util::MaliciousServerFixture {
 protected:
  // An owner and a deputy, a collection with one item, an emergency grant,
  // and a filled offline cache; everything through the proxy.
  void SetUpSocialTeam() {
    ASSERT_NO_FATAL_FAILURE(ProxyJoin("owner", "Mari", "owner", "init"));
    ASSERT_NO_FATAL_FAILURE(ProxyJoin("member", "Jaan", "deputy"));
    As("owner", {"collection", "create", "Social media"});
    CliResult added = Baton({"--profile", "owner", "item", "add", "Social media", "Facebook page",
                             "--channel", "facebook", "--password-stdin"},
                            "sõna-42\n");
    ASSERT_EQ(added.code, 0) << added.err;
    As("owner", {"emergency", "grant", "Jaan", "--collection", "Social media", "--wait", "48h"});
    As("owner", {"sync"});
  }

  // The bytes of every file under the owner's profile directory.
  std::map<std::string, std::string> Snapshot() {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(home_.File("owner"))) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      out[e.path().string()] = std::string(std::istreambuf_iterator<char>(in), {});
    }
    return out;
  }
};

struct Case {
  const char* what;
  std::vector<std::string> command;
  const char* method;
  std::string path;  // a regular expression
  HostileProxy::Corruption corrupt;
  const char* route;  // as the message names it ("GET /v1/members")
};

TEST_F(MalformedAnswerTest, EveryCommandRefusesAMalformedAnswerWithExitOne) {
  ASSERT_NO_FATAL_FAILURE(SetUpSocialTeam());
  const std::string items = std::string("/v1/collections/") + kId + "/items";
  const std::vector<Case> cases = {
      {"a member without an id",
       {"member", "list"},
       "GET",
       "/v1/members",
       Edit([](json& j) { j["members"][0].erase("id"); }),
       "GET /v1/members"},
      {"an answer that is not JSON",
       {"member", "list"},
       "GET",
       "/v1/members",
       Replace("<html>busy</html>"),
       "GET /v1/members"},
      {"a list that is not a list",
       {"member", "list"},
       "GET",
       "/v1/members",
       Edit([](json& j) { j["members"] = "all of them"; }),
       "GET /v1/members"},
      {"a flag of the wrong type",
       {"collection", "list"},
       "GET",
       "/v1/collections",
       Edit([](json& j) { j["collections"][0]["needs_rekey"] = "yes"; }),
       "GET /v1/collections"},
      {"a member key that is not 32 bytes",
       {"member", "list", "--json"},
       "GET",
       "/v1/members",
       Edit([](json& j) { j["members"][0]["box_public_key"] = "AAAA"; }),
       "GET /v1/members"},
      {"items that are an array, not an object",
       {"item", "list"},
       "GET",
       items,
       Replace("[]"),
       "GET /v1/collections/"},
      {"an item without a name",
       {"due"},
       "GET",
       items,
       Edit([](json& j) { j["items"][0].erase("name"); }),
       "GET /v1/collections/"},
      {"a continuity finding of an unknown severity",
       {"continuity"},
       "GET",
       "/v1/continuity",
       Edit([](json& j) { j["findings"][0]["severity"] = "apocalyptic"; }),
       "GET /v1/continuity"},
      {"a rotation period that overflows",
       {"due"},
       "GET",
       items,
       Edit([](json& j) { j["items"][0]["rotation_period_days"] = int64_t{1} << 62; }),
       "GET /v1/collections/"},
      {"a ciphertext that is not base64",
       {"item", "get", "Facebook page", "--field", "password"},
       "GET",
       std::string("/v1/items/") + kId,
       Edit([](json& j) { j["ciphertext"] = "%%% not base64 %%%"; }),
       "GET /v1/items/"},
      {"a version history of the wrong type",
       {"item", "history", "Facebook page"},
       "GET",
       std::string("/v1/items/") + kId + "/history",
       Edit([](json& j) { j["versions"][0]["version"] = "one"; }),
       "GET /v1/items/"},
      {"an audit event with a string seq",
       {"audit", "log"},
       "GET",
       "/v1/audit",
       Edit([](json& j) { j["events"][0]["seq"] = "1"; }),
       "GET /v1/audit"},
      {"a grant whose collections are a number",
       {"emergency", "list"},
       "GET",
       "/v1/emergency/grants",
       Edit([](json& j) { j["grants"][0]["collections"] = 3; }),
       "GET /v1/emergency/grants"},
      {"a who-am-I without a role",
       {"whoami"},
       "GET",
       "/v1/me",
       Edit([](json& j) { j.erase("role"); }),
       "GET /v1/me"},
      {"a login answer whose token is a number",
       {"member", "list"},
       "POST",
       "/v1/auth/login",
       Edit([](json& j) { j["token"] = 7; }),
       "POST /v1/auth/login"},
      {"a server audit key that is too short",
       {"server", "info"},
       "GET",
       "/v1/server",
       Edit([](json& j) { j["audit_public_key"] = "AAAA"; }),
       "GET /v1/server"},
      {"a cache answer whose items are an object",
       {"sync"},
       "GET",
       std::string("/v1/collections/") + kId + "/cache",
       Edit([](json& j) { j["items"] = json::object(); }),
       "GET /v1/collections/"},
      {"a recovery check key that is not 32 bytes",
       {"recovery", "status"},
       "GET",
       "/v1/recovery",
       Edit([](json& j) { j["check_key"] = "AAAA"; }),
       "GET /v1/recovery"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const auto before = Snapshot();
    proxy_->Corrupt(c.method, c.path, c.corrupt);
    std::vector<std::string> args = {"--profile", "owner"};
    args.insert(args.end(), c.command.begin(), c.command.end());
    CliResult r = Baton(args);
    EXPECT_GE(proxy_->hits(), 1) << "the corrupted route was never asked for";
    proxy_->Clear();
    EXPECT_EQ(r.code, cli::kExitError) << r.out << r.err;
    EXPECT_NE(r.err.find(std::string("the server sent a malformed answer to ") + c.route),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(Snapshot() == before) << "the profile or the cache changed";
  }
  // Through a proxy that no longer corrupts anything, all is well again.
  CliResult fine = As("owner", {"item", "get", "Facebook page", "--field", "password"});
  EXPECT_EQ(fine.out, "sõna-42\n");
}

TEST_F(MalformedAnswerTest, JoinWritesNoProfileWhenTheServerInfoIsMalformed) {
  proxy_->Corrupt("GET", "/v1/server", Edit([](json& j) { j.erase("escrow_public_key"); }));
  CliResult r = Baton({"--profile", "owner", "init", proxy_url(), "--code-stdin"},
                      Invite("owner", "Mari") + "\n");
  EXPECT_EQ(r.code, cli::kExitError) << r.err;
  EXPECT_NE(r.err.find("the server sent a malformed answer to GET /v1/server: field "
                       "\"escrow_public_key\" is missing"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(home_.File("owner")));
}

TEST_F(MalformedAnswerTest, AnErrorAnswerWithFieldsOfTheWrongTypeIsReadByItsStatus) {
  ASSERT_NO_FATAL_FAILURE(SetUpSocialTeam());
  // The code and message are ignored, not thrown on: the HTTP status decides.
  proxy_->Corrupt("GET", "/v1/members",
                  Replace(R"({"error": {"code": 5, "message": ["x"]}})", 404));
  CliResult r = As("owner", {"member", "list"}, cli::kExitNotFound);
  EXPECT_NE(r.err.find("HTTP 404"), std::string::npos) << r.err;
  proxy_->Corrupt("GET", "/v1/members", Replace(R"(["not", "an", "object"])", 503));
  r = As("owner", {"member", "list"}, cli::kExitError);
  EXPECT_NE(r.err.find("HTTP 503"), std::string::npos) << r.err;
}

}  // namespace
