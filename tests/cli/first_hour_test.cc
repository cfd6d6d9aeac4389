// The first hour of a new team, through the real `baton` binary: an owner, a
// member and an auditor, each in their own profile. What baton prints must
// work when pasted, "not yours" has one answer, people are named, each
// message is said once, and a run of commands without the agent suggests
// `baton unlock`.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

constexpr char kCollection[] = "Sotsiaalmeedia";
constexpr char kItem[] = "Mari's Facebook page";  // a space and a quote
constexpr char kBank[] = "Pank";
constexpr char kUnlockHint[] = "`baton --profile owner unlock`";

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class FirstHourTest : public testing_util::ProcessCliFixture {
 protected:
  FirstHourTest() : ProcessCliFixture(BATON_PATH) {}

  // Owner Mari with two collections and an item in each; member Jaan with
  // view access to the first only; auditor Tõnu.
  void SetUpTeam() {
    As("owner", {"init", url(), "--code-stdin"}, 0, Invite("owner", "Mari") + "\n");
    As("owner", {"collection", "create", kCollection});
    As("owner", {"collection", "create", "Raamatupidamine"});
    As("owner", {"item", "add", kCollection, kItem, "--channel", "facebook", "--password-stdin"}, 0,
       "vana-parool\n");
    CliResult bank = As("owner",
                        {"--json", "item", "add", "Raamatupidamine", kBank, "--channel", "other",
                         "--password-stdin"},
                        0, "panga-parool\n");
    bank_id_ = bank.code == 0 ? json::parse(bank.out).value("id", "") : "";
    ASSERT_NO_FATAL_FAILURE(InviteAndJoin("member", "Jaan", "member"));
    ASSERT_NO_FATAL_FAILURE(InviteAndJoin("auditor", "Tõnu", "auditor"));
    As("owner", {"collection", "grant", kCollection, "Jaan", "view"});
  }

  // Every `baton ...` command quoted in backticks in `text`.
  static std::vector<std::string> PrintedCommands(const std::string& text) {
    std::vector<std::string> out;
    static const std::regex kQuoted("`(baton [^`]*)`");
    for (std::sregex_iterator it(text.begin(), text.end(), kQuoted), end; it != end; ++it) {
      out.push_back((*it)[1]);
    }
    return out;
  }

  // `command` pasted into /bin/sh, where `baton` is this build's binary
  // with the test's passphrase file.
  CliResult Paste(const std::string& command, int want = 0) {
    const std::string script = "baton() { '" + std::string(BATON_PATH) + "' --passphrase-file '" +
                               passphrase_file() + "' \"$@\"; }; " + command;
    return Spawn({"/bin/sh", "-c", script}, want, "", "pasted: " + command);
  }

  std::string bank_id_;
};

// Point 1: each command baton prints for the user to run works when pasted
// into a shell, for an item whose name needs quoting, in a profile that is
// not the default one.
TEST_F(FirstHourTest, PrintedCommandsWorkWhenPasted) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  CliResult begun = As("owner", {"rotate", kItem});
  const std::vector<std::string> next = PrintedCommands(begun.out);
  ASSERT_EQ(next.size(), 4u) << begun.out;
  EXPECT_EQ(next[0],
            "baton --profile owner item get 'Mari'\"'\"'s Facebook page' --pending --field "
            "password");
  // The item's channel's runbook, for the rest of the steps.
  EXPECT_EQ(next[3], "baton --profile owner runbook facebook");
  EXPECT_NE(Paste(next[3]).out.find("Give a second person admin rights"), std::string::npos);
  CliResult pending = Paste(next[0]);
  EXPECT_FALSE(pending.out.empty());
  EXPECT_NE(pending.out, "vana-parool\n");

  // Starting again while one is pending names the way to finish it.
  CliResult again = As("owner", {"rotate", kItem}, cli::kExitConflict);
  const std::vector<std::string> finish = PrintedCommands(again.err);
  ASSERT_EQ(finish.size(), 1u) << again.err;
  EXPECT_EQ(finish[0], next[1]);

  // `due` names the confirmation too.
  CliResult due = As("owner", {"due"});
  EXPECT_EQ(PrintedCommands(due.out), std::vector<std::string>{next[1]}) << due.out;

  // Aborting names where the abandoned password stays.
  CliResult aborted = Paste(next[2]);
  const std::vector<std::string> history = PrintedCommands(aborted.out);
  ASSERT_EQ(history.size(), 1u) << aborted.out;
  CliResult shown = Paste(history[0]);
  EXPECT_NE(shown.out.find("vana-parool"), std::string::npos) << shown.out;

  // Nothing to confirm now: the way to start one, and its confirmation.
  CliResult nothing = As("owner", {"rotate", kItem, "--confirm"}, cli::kExitConflict);
  const std::vector<std::string> start = PrintedCommands(nothing.err);
  ASSERT_EQ(start.size(), 1u) << nothing.err;
  CliResult restarted = Paste(start[0]);
  const std::vector<std::string> again_next = PrintedCommands(restarted.out);
  ASSERT_EQ(again_next.size(), 4u) << restarted.out;
  Paste(again_next[1]);
  EXPECT_NE(As("owner", {"item", "get", kItem, "--field", "password"}).out, "vana-parool\n");
}

// Point 2: what a member cannot read does not exist for them: exit 4 and
// the same message by name and by id, also for an item their offline cache
// still names after their access was revoked. A role that may never read
// secrets (an auditor) is refused: exit 5.
TEST_F(FirstHourTest, NotYoursHasOneAnswerByNameAndById) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  ASSERT_FALSE(bank_id_.empty());
  for (const std::string& which : {std::string(kBank), bank_id_}) {
    for (std::vector<std::string> cmd :
         std::vector<std::vector<std::string>>{{"item", "get", which},
                                               {"item", "history", which},
                                               {"totp", which}}) {
      CliResult r = As("member", cmd, cli::kExitNotFound);
      EXPECT_EQ(r.err.find("may not"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("baton: no item named " + which + "\n"), std::string::npos) << r.err;
      As("auditor", cmd, cli::kExitDenied);
    }
  }

  // Jaan reads (and so caches) the page, then loses access to it.
  CliResult fb = As("owner", {"--json", "item", "get", kItem});
  const std::string fb_id = json::parse(fb.out).value("id", "");
  As("member", {"item", "get", kItem, "--field", "password"});
  As("owner", {"collection", "revoke", kCollection, "Jaan"});
  for (const std::string& which : {std::string(kItem), fb_id}) {
    for (std::vector<std::string> cmd :
         std::vector<std::vector<std::string>>{{"item", "get", which},
                                               {"item", "get", which, "--pending"},
                                               {"item", "history", which},
                                               {"item", "rm", which},
                                               {"item", "edit", which, "--url", ""},
                                               {"rotate", which, "--confirm"}}) {
      CliResult r = As("member", cmd, cli::kExitNotFound);
      EXPECT_NE(r.err.find("baton: no item named "), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find("may not"), std::string::npos) << r.err;
    }
  }
}

// Point 3: names where the reader may know them, and empty listings say so.
TEST_F(FirstHourTest, PeopleAndCollectionsAreShownByName) {
  As("owner", {"init", url(), "--code-stdin"}, 0, Invite("owner", "Mari") + "\n");
  EXPECT_EQ(As("owner", {"collection", "list"}).out, "No collections.\n");
  EXPECT_EQ(As("owner", {"item", "list"}).out, "No items.\n");
  As("owner", {"collection", "create", "Raamatupidamine"});
  As("owner", {"item", "add", "Raamatupidamine", kBank, "--channel", "other", "--password-stdin"},
     0, "panga-parool\n");
  ASSERT_NO_FATAL_FAILURE(InviteAndJoin("member", "Jaan", "member"));

  // `member list` shows the fingerprint words its help promises.
  const json members = json::parse(As("owner", {"--json", "member", "list"}).out);
  CliResult listed = As("owner", {"member", "list"});
  for (const auto& m : members) {
    const std::string words = m.value("fingerprint_words", "");
    ASSERT_FALSE(words.empty());
    EXPECT_NE(listed.out.find(m.value("name", "") + "\t"), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find(words), std::string::npos) << listed.out;
  }

  // `item get` names who updated the item, as `item history` does.
  CliResult got = As("owner", {"item", "get", kBank});
  EXPECT_NE(got.out.find(" by Mari\n"), std::string::npos) << got.out;

  // The deputy sees the grant's collection by name, as the owner does.
  As("owner", {"emergency", "grant", "Jaan", "--collection", "Raamatupidamine", "--mode", "view",
               "--wait", "48h"});
  const std::string col_id =
      json::parse(As("owner", {"--json", "collection", "list"}).out).at(0).at("id");
  for (const char* profile : {"owner", "member"}) {
    CliResult list = As(profile, {"emergency", "list"});
    EXPECT_NE(list.out.find("Raamatupidamine"), std::string::npos) << profile << list.out;
    EXPECT_EQ(list.out.find(col_id), std::string::npos) << profile << list.out;
  }
}

// Point 4: a removed member is told once per command, also on the second.
TEST_F(FirstHourTest, ARemovedMemberIsToldOnce) {
  ASSERT_NO_FATAL_FAILURE(SetUpTeam());
  As("member", {"item", "get", kItem, "--field", "password"});  // fills the cache
  As("owner", {"member", "remove", "Jaan"});
  for (int i = 0; i < 2; ++i) {
    CliResult r = As("member", {"item", "get", kItem}, cli::kExitAuth);
    EXPECT_EQ(Count(r.err, "removed"), 1u) << r.err;
    EXPECT_EQ(Count(r.err, "offline cache"), i == 0 ? 1u : 0u) << r.err;
  }
}

// Point 5: the second command within a minute that unlocks the identity
// itself suggests `baton unlock`, once; never within --json output.
TEST_F(FirstHourTest, RepeatedUnlockingSuggestsTheAgentOnce) {
  As("owner", {"init", url(), "--code-stdin"}, 0, Invite("owner", "Mari") + "\n");
  const std::string state = home_.File("owner/unlock-hint");
  std::filesystem::remove(state);
  EXPECT_EQ(Count(As("owner", {"collection", "list"}).err, kUnlockHint), 0u);
  EXPECT_EQ(Count(As("owner", {"collection", "list"}).err, kUnlockHint), 1u);
  EXPECT_EQ(Count(As("owner", {"collection", "list"}).err, kUnlockHint), 0u);
  // The state is the owner's alone.
  ASSERT_TRUE(std::filesystem::exists(state));
  EXPECT_EQ(std::filesystem::status(state).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  // Commands more than a minute apart suggest nothing: the last unlock was
  // two minutes ago by the state the client keeps.
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::ofstream(state, std::ios::trunc) << (now_ms - 120'000) << " 0\n";
  EXPECT_EQ(Count(As("owner", {"collection", "list"}).err, kUnlockHint), 0u);

  // With --json the hint is not printed, anywhere.
  std::filesystem::remove(state);
  As("owner", {"--json", "collection", "list"});
  CliResult j = As("owner", {"--json", "collection", "list"});
  EXPECT_EQ(Count(j.out + j.err, kUnlockHint), 0u);
  EXPECT_NO_THROW(json::parse(j.out));
  // ...and the next plain command, within the minute, still says it.
  EXPECT_EQ(Count(As("owner", {"collection", "list"}).err, kUnlockHint), 1u);
}

}  // namespace
