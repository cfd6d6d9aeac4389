// The roster's wire codecs (vault/api_json_roster.h) and the escrow key
// signature of GET /v1/server: each round-trips, and each refuses what the
// API does not promise with a message naming where.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vault/api_json.h"
#include "vault/api_json_roster.h"

namespace vault::api {
namespace {

using nlohmann::json;

constexpr std::string_view kRoute = "GET /v1/roster";

roster::Entry SomeEntry(uint8_t fill) {
  roster::Entry e;
  e.statement = crypto::Bytes(40, fill);
  e.signature.fill(static_cast<uint8_t>(fill + 1));
  return e;
}

TEST(ApiJsonRosterTest, APageRoundTrips) {
  RosterPage page;
  page.team_id.fill(7);
  page.size = 2;
  page.head.fill(9);
  page.entries = {SomeEntry(1), SomeEntry(2)};
  const json j = RosterPageToJson(page);
  EXPECT_EQ(j["team_id"], crypto::ToHex(page.team_id));
  EXPECT_EQ(j["entries"][0]["statement"], crypto::ToBase64(page.entries[0].statement));
  auto back = RosterPageFromJson(j, kRoute);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(back->team_id, page.team_id);
  EXPECT_EQ(back->size, 2u);
  EXPECT_EQ(back->head, page.head);
  ASSERT_EQ(back->entries.size(), 2u);
  EXPECT_EQ(back->entries[1].statement, page.entries[1].statement);
  EXPECT_EQ(back->entries[1].signature, page.entries[1].signature);
}

TEST(ApiJsonRosterTest, AnEmptyRosterHasNoTeamId) {
  const json j = RosterPageToJson(RosterPage{});
  EXPECT_EQ(j["team_id"], "");
  EXPECT_EQ(j["size"], 0);
  auto back = RosterPageFromJson(j, kRoute);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->team_id, crypto::Hash{});
  // A roster with entries must name its team.
  json named = j;
  named["size"] = 1;
  EXPECT_TRUE(RosterPageFromJson(named, kRoute).error().IsInternal());
}

TEST(ApiJsonRosterTest, MalformedPagesAreRefused) {
  RosterPage one;
  one.size = 1;
  one.entries = {SomeEntry(3)};
  const json good = RosterPageToJson(one);
  auto refused = [&](auto edit) {
    json j = good;
    edit(j);
    auto r = RosterPageFromJson(j, kRoute);
    EXPECT_FALSE(r.has_value()) << j;
    if (!r) {
      EXPECT_TRUE(r.error().IsInternal());
      EXPECT_NE(r.error().message().find("GET /v1/roster"), std::string::npos);
    }
  };
  refused([](json& j) { j.erase("head"); });
  refused([](json& j) { j["head"] = "abc"; });
  refused([](json& j) { j["size"] = -1; });
  refused([](json& j) { j["size"] = "1"; });
  refused([](json& j) { j["team_id"] = std::string(63, 'a'); });
  refused([](json& j) { j["entries"] = json::object(); });
  refused([](json& j) { j["entries"][0]["signature"] = crypto::ToBase64(crypto::Bytes(63, 1)); });
  refused([](json& j) { j["entries"][0]["statement"] = "%%"; });
  refused([](json& j) { j["entries"][0].erase("statement"); });
  refused([](json& j) {
    j["entries"][0]["statement"] = crypto::ToBase64(crypto::Bytes(roster::kMaxStatementBytes + 1));
  });
  EXPECT_TRUE(RosterPageFromJson(json::array(), kRoute).error().IsInternal());
}

TEST(ApiJsonRosterTest, RequestEntriesAreInvalidArgumentsNamingTheField) {
  const std::vector<roster::Entry> entries = {SomeEntry(4)};
  auto back = RosterEntriesFromJson(RosterEntriesToJson(entries), "roster");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->at(0).statement, entries[0].statement);
  auto bad = RosterEntriesFromJson(json::array({json{{"statement", "AA=="}}}), "roster");
  ASSERT_FALSE(bad.has_value());
  EXPECT_TRUE(bad.error().IsInvalidArgument());
  EXPECT_EQ(bad.error().message().rfind("roster: ", 0), 0u) << bad.error().message();
  EXPECT_TRUE(RosterEntriesFromJson(json::object(), "roster").error().IsInvalidArgument());
}

TEST(ApiJsonRosterTest, AppendAnswerRoundTrips) {
  RosterAppendAnswer a;
  a.size = 5;
  a.head.fill(0xab);
  auto back = RosterAppendAnswerFromJson(RosterAppendAnswerToJson(a), "POST /v1/roster");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->size, 5u);
  EXPECT_EQ(back->head, a.head);
  EXPECT_FALSE(RosterAppendAnswerFromJson(json{{"size", 1}}, "POST /v1/roster").has_value());
}

TEST(ApiJsonRosterTest, ServerInfoCarriesTheEscrowKeySignature) {
  ServerInfo info;
  info.version = "1";
  info.escrow_public_key.fill(3);
  crypto::Signature sig{};
  sig.fill(0x5a);
  info.escrow_key_signature = sig;
  auto back = ServerInfoFromJson(ServerInfoToJson(info), "GET /v1/server");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->escrow_key_signature, sig);
  // An older server sends none; a short one is malformed.
  json old = ServerInfoToJson(info);
  old.erase("escrow_key_signature");
  EXPECT_FALSE(ServerInfoFromJson(old, "GET /v1/server")->escrow_key_signature.has_value());
  old["escrow_key_signature"] = crypto::ToBase64(crypto::Bytes(32, 1));
  EXPECT_TRUE(ServerInfoFromJson(old, "GET /v1/server").error().IsInternal());
  // The message is domain-separated and names the key.
  const crypto::Bytes m = EscrowKeyMessage(info.escrow_public_key);
  ASSERT_EQ(m.size(), 20u + 32u);
  EXPECT_EQ(std::string(m.begin(), m.begin() + 20), std::string("baton.escrow-key.v1\0", 20));
  EXPECT_EQ(m.back(), 3);
}

}  // namespace
}  // namespace vault::api
