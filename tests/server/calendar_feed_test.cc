// The calendar feed against a real batond: the feed parsed by an
// independent parser (python3-icalendar), its dates, summaries and UIDs;
// nothing secret in it; revoked and unknown tokens alike 404; the feed
// follows the member's current access; the rate limit; one audit event per
// fetch.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>

#include "server_fixture.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::Reply;
using testing_util::ServerFixture;

// Comma, semicolon, newline, backslash and non-ASCII, and long enough to
// be folded.
constexpr char kAwkwardName[] = "Müük, kassa; \"pood\"\nteine rida \\ Õun ja jäätis ÄÖÜ €€€";

// Parses `ics` with python3-icalendar; its view of the calendar as JSON. A
// missing parser is a failure, never a skip.
json ParseWithIcalendar(const std::string& dir, const std::string& ics) {
  const std::string file = dir + "/feed.ics";
  std::ofstream(file, std::ios::binary) << ics;
  const std::string script =
      "import sys, json, icalendar\n"
      "cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n"
      "events = []\n"
      "for e in cal.walk('VEVENT'):\n"
      "    start = e.decoded('DTSTART')\n"
      "    events.append({'uid': str(e['UID']), 'summary': str(e['SUMMARY']),\n"
      "                   'start': start.isoformat(), 'all_day': type(start).__name__ == 'date',\n"
      "                   'stamp': e.decoded('DTSTAMP').isoformat()})\n"
      "print(json.dumps({'name': str(cal['X-WR-CALNAME']), 'events': events}))\n";
  const std::string script_file = dir + "/parse.py";
  std::ofstream(script_file) << script;
  // Debian's interpreter, which Debian's python3-icalendar is installed
  // for (a python3 earlier on PATH, such as a pyenv one, would not see it).
  FILE* p = ::popen(("/usr/bin/python3 " + script_file + " " + file + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    ADD_FAILURE() << "cannot run python3";
    return json();
  }
  std::string out;
  std::array<char, 4096> buf;
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) out.append(buf.data(), n);
  const int rc = ::pclose(p);
  EXPECT_EQ(rc, 0) << "python3-icalendar failed (install python3-icalendar):\n" << out;
  json parsed = json::parse(out, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << out;
  return parsed;
}

class CalendarFeedTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    owner_ = Join("owner", "Mari");
    member_ = Join("member", "Jüri");
    col_ = CreateCollection(owner_, "Social media");
    ASSERT_EQ(Grant(owner_, col_, member_, "edit").status, 200);
    ASSERT_EQ(CreateItem(owner_, col_, "Facebook page", "s3cret-Facebook", &owners_item_).status,
              201);
    ASSERT_EQ(CreateItem(member_, col_, kAwkwardName, "s3cret-Kassa", &members_item_).status, 201);
  }

  // POST /v1/calendar as `who`; the feed's path.
  std::string NewFeed(const Account& who, bool all = false) {
    Reply r = Call("POST", "/v1/calendar", who.token, json{{"all", all}});
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("path", "");
  }

  // GET without any session: the token in the path is the credential.
  Reply Fetch(const std::string& path) { return Call("GET", path); }

  int FetchEvents(const std::string& member_id) {
    int n = 0;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      return t.ScanAudit(1, [&](const vault::audit::Event& e) {
        n += e.action == "calendar.fetch" && e.target == "member:" + member_id ? 1 : 0;
        return true;
      });
    }));
    return n;
  }

  Account owner_, member_;
  std::string col_, owners_item_, members_item_;
};

TEST_F(CalendarFeedTest, FeedParsesAndHoldsTheMembersDueDatesAndNothingSecret) {
  const std::string path = NewFeed(member_);
  ASSERT_TRUE(path.starts_with("/v1/calendar/")) << path;
  ASSERT_TRUE(path.ends_with(".ics")) << path;
  // 256 bits of token, in hex.
  EXPECT_EQ(path.size(), std::string("/v1/calendar/").size() + 64 + 4) << path;
  Reply r = Fetch(path);
  ASSERT_EQ(r.status, 200) << r.raw;
  const json cal = ParseWithIcalendar(dir_.path(), r.raw);
  EXPECT_EQ(cal.value("name", ""), "baton: Jüri");
  ASSERT_EQ(cal["events"].size(), 1u) << r.raw;  // only the item Jüri is responsible for
  const json& e = cal["events"][0];
  // Created now (FakeEnv starts at 2026-01-01), default 90 days for "facebook".
  EXPECT_EQ(e["start"], "2026-04-01");
  EXPECT_TRUE(e["all_day"].get<bool>());
  EXPECT_EQ(e["uid"], members_item_ + "-20260401@baton");
  EXPECT_EQ(e["summary"], std::string("Rotate ") + kAwkwardName + " (facebook)");
  EXPECT_EQ(e["stamp"], "2026-01-01T00:00:00+00:00");

  // Folded at 75 octets, CRLF only.
  size_t start = 0;
  for (size_t end; (end = r.raw.find("\r\n", start)) != std::string::npos; start = end + 2) {
    EXPECT_LE(end - start, 75u) << r.raw.substr(start, end - start);
  }
  EXPECT_EQ(start, r.raw.size());
  EXPECT_EQ(r.raw.find("\n\n"), std::string::npos);
  // Never a secret, a username, the token or its URL.
  for (const std::string& secret :
       {std::string("s3cret"), path.substr(13, 64), std::string("/v1/calendar")}) {
    EXPECT_EQ(r.raw.find(secret), std::string::npos) << secret;
  }
}

TEST_F(CalendarFeedTest, TheSameEventKeepsItsUidAcrossFetches) {
  const std::string path = NewFeed(member_);
  const json first = ParseWithIcalendar(dir_.path(), Fetch(path).raw);
  env_.AdvanceTime(std::chrono::days(3));
  const json second = ParseWithIcalendar(dir_.path(), Fetch(path).raw);
  ASSERT_EQ(first["events"].size(), 1u);
  ASSERT_EQ(second["events"].size(), 1u);
  EXPECT_EQ(first["events"][0]["uid"], second["events"][0]["uid"]);
  EXPECT_NE(first["events"][0]["stamp"], second["events"][0]["stamp"]);
}

TEST_F(CalendarFeedTest, AdminsFeedOfEverythingAndMembersMayNotHaveOne) {
  Reply refused = Call("POST", "/v1/calendar", member_.token, json{{"all", true}});
  EXPECT_EQ(refused.status, 403) << refused.raw;
  const json cal = ParseWithIcalendar(dir_.path(), Fetch(NewFeed(owner_, true)).raw);
  ASSERT_EQ(cal["events"].size(), 2u);
  // The owner's own feed names only the owner's item.
  const json mine = ParseWithIcalendar(dir_.path(), Fetch(NewFeed(owner_)).raw);
  ASSERT_EQ(mine["events"].size(), 1u);
  EXPECT_EQ(mine["events"][0]["uid"], owners_item_ + "-20260401@baton");
}

TEST_F(CalendarFeedTest, RevokedReplacedAndUnknownTokensAllAnswerTheSame404) {
  const std::string old_path = NewFeed(member_);
  const std::string path = NewFeed(member_);  // replaces the first
  ASSERT_NE(old_path, path);
  Reply old_fetch = Fetch(old_path);
  EXPECT_EQ(old_fetch.status, 404) << old_fetch.raw;
  ASSERT_EQ(Fetch(path).status, 200);
  ASSERT_EQ(Call("DELETE", "/v1/calendar", member_.token).status, 200);
  Reply revoked = Fetch(path);
  EXPECT_EQ(revoked.status, 404);
  Reply unknown = Fetch("/v1/calendar/" + std::string(64, 'a') + ".ics");
  for (const Reply* r : {&old_fetch, &unknown}) {
    EXPECT_EQ(r->status, 404) << r->raw;
    EXPECT_EQ(r->raw, revoked.raw);
  }
  // What cannot be a token at all is bad input.
  std::string upper = path;
  std::transform(upper.begin() + 13, upper.end() - 4, upper.begin() + 13, ::toupper);
  for (const std::string& bad : {std::string("/v1/calendar/not-a-token.ics"),
                                 path.substr(0, path.size() - 4), path + ".ics", upper}) {
    Reply r = Fetch(bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], "bad_id") << r.raw;
  }
  // Nothing left to revoke.
  EXPECT_EQ(Call("DELETE", "/v1/calendar", member_.token).status, 404);
  // Creating and revoking need a session.
  EXPECT_EQ(Call("POST", "/v1/calendar", "", json::object()).status, 401);
}

TEST_F(CalendarFeedTest, FeedFollowsTheMembersCurrentAccess) {
  const std::string path = NewFeed(member_);
  ASSERT_EQ(ParseWithIcalendar(dir_.path(), Fetch(path).raw)["events"].size(), 1u);
  ASSERT_EQ(Call("DELETE", "/v1/collections/" + col_ + "/grants/" + member_.member_id, owner_.token)
                .status,
            200);
  Reply after = Fetch(path);
  ASSERT_EQ(after.status, 200) << after.raw;
  EXPECT_EQ(ParseWithIcalendar(dir_.path(), after.raw)["events"].size(), 0u);
  EXPECT_EQ(after.raw.find("Kassa"), std::string::npos);
  ASSERT_EQ(Call("DELETE", "/v1/members/" + member_.member_id, owner_.token).status, 200);
  EXPECT_EQ(Fetch(path).status, 404);
}

TEST_F(CalendarFeedTest, EveryFetchIsAuditedUnderTheFeedsMember) {
  const std::string path = NewFeed(member_);
  EXPECT_EQ(FetchEvents(member_.member_id), 0);
  ASSERT_EQ(Fetch(path).status, 200);
  ASSERT_EQ(Fetch(path).status, 200);
  EXPECT_EQ(FetchEvents(member_.member_id), 2);
  // A refused fetch names nobody.
  ASSERT_EQ(Fetch("/v1/calendar/" + std::string(64, 'b') + ".ics").status, 404);
  EXPECT_EQ(FetchEvents(member_.member_id), 2);
}

TEST_F(CalendarFeedTest, FetchesAreRateLimitedPerAddress) {
  const std::string path = NewFeed(member_);
  int ok = 0;
  Reply last;
  for (int i = 0; i < 100; ++i) {
    last = Fetch(path);
    if (last.status != 200) break;
    ++ok;
  }
  EXPECT_EQ(ok, 60);
  EXPECT_EQ(last.status, 429) << last.raw;
  EXPECT_FALSE(last.retry_after.empty());
  // Guessing tokens counts too.
  EXPECT_EQ(Fetch("/v1/calendar/" + std::string(64, 'c') + ".ics").status, 429);
  EXPECT_EQ(FetchEvents(member_.member_id), 60);
  env_.AdvanceTime(std::chrono::hours(1));
  EXPECT_EQ(Fetch(path).status, 200);
}

}  // namespace
