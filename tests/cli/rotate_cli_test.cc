// `baton rotate`, `item get --pending` and `item edit`'s metadata options end
// to end against a real batond (tests/cli/cli_fixture.h).
#include <gtest/gtest.h>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

constexpr char kItem[] = "Facebooki leht";
constexpr char kOld[] = "Vana-Parool-ä-1";

class RotateCliTest : public testing_util::CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "default", "init"));
    Run({"collection", "create", "Sotsiaalmeedia"});
    Run({"item", "add", "Sotsiaalmeedia", kItem, "--channel", "facebook", "--username", "mari",
         "--url", "https://facebook.com/login", "--password-stdin"},
        0, std::string(kOld) + "\n");
  }

  CliResult Run(std::vector<std::string> args, int want = 0, const std::string& stdin_text = "") {
    CliResult r = Baton(args, stdin_text);
    EXPECT_EQ(r.code, want) << testing::PrintToString(args) << "\n" << r.out << r.err;
    return r;
  }

  std::string Password(bool pending = false) {
    std::vector<std::string> args = {"item", "get", kItem, "--field", "password"};
    if (pending) args.push_back("--pending");
    CliResult r = Run(args);
    return r.out.empty() ? "" : r.out.substr(0, r.out.size() - 1);
  }

  // The items as the server has them, and the audited mutations: what a
  // refused command must leave alone.
  std::string Snapshot() {
    std::string out;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto cols = t.ListCollections();
      if (!cols) return cols.error();
      for (const auto& c : *cols) {
        auto items = t.ListItems(c.id);
        if (!items) return items.error();
        for (const auto& i : *items) {
          out += i.name + " " + i.url + " " + i.channel + " " +
                 std::to_string(i.rotation_period_s) + " v" + std::to_string(i.version) + " p" +
                 std::to_string(i.pending_version.value_or(0)) + " n" +
                 std::to_string(i.next_version) + "\n";
        }
      }
      // Sign-ins and reads are audited too; only mutations count here.
      return t.ScanAudit(1, [&](const vault::audit::Event& e) {
        if (e.action != "auth.login" && e.action != "item.read") out += e.action + "\n";
        return true;
      });
    }));
    return out;
  }
};

TEST_F(RotateCliTest, RotateConfirmKeepsOldInHistory) {
  CliResult begun = Run({"rotate", kItem});
  // Plain words for what to do next, and no secret without --show.
  EXPECT_NE(begun.out.find("Change the password on https://facebook.com/login"), std::string::npos)
      << begun.out;
  EXPECT_NE(begun.out.find("baton item get 'Facebooki leht' --pending --field password"),
            std::string::npos)
      << begun.out;
  EXPECT_NE(begun.out.find("baton rotate 'Facebooki leht' --confirm"), std::string::npos)
      << begun.out;

  // The current password is unchanged; the pending one is new, by policy.
  EXPECT_EQ(Password(), kOld);
  const std::string fresh = Password(/*pending=*/true);
  EXPECT_EQ(fresh.size(), 20u) << fresh;
  EXPECT_NE(fresh, kOld);
  EXPECT_EQ(begun.out.find(fresh), std::string::npos) << "printed without --show";
  // Other fields carry over into the pending version.
  EXPECT_EQ(Run({"item", "get", kItem, "--pending", "--field", "username"}).out, "mari\n");

  // `due` says a rotation is under way.
  CliResult due = Run({"--json", "due"});
  const json d = json::parse(due.out);
  ASSERT_EQ(d["later"].size(), 1u) << due.out;
  EXPECT_EQ(d["later"][0]["pending_version"], 2);
  EXPECT_NE(Run({"due"}).out.find("rotation to v2 pending"), std::string::npos);

  CliResult confirmed = Run({"rotate", kItem, "--confirm"});
  EXPECT_NE(confirmed.out.find("version 2 is now the current password"), std::string::npos)
      << confirmed.out;
  EXPECT_EQ(Password(), fresh);
  CliResult history = Run({"--json", "item", "history", kItem, "--show"});
  const json h = json::parse(history.out);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0]["state"], "previous");
  EXPECT_EQ(h[0]["password"], kOld);
  EXPECT_EQ(h[1]["state"], "current");
  // Nothing is pending any more.
  const std::string before = Snapshot();
  CliResult again = Run({"rotate", kItem, "--abort"}, cli::kExitConflict);
  EXPECT_NE(again.err.find("nothing to abort: no rotation of Facebooki leht is pending"),
            std::string::npos)
      << again.err;
  Run({"item", "get", kItem, "--pending"}, cli::kExitConflict);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RotateCliTest, ShowPrintsTheNewPasswordAndAbortKeepsTheOld) {
  CliResult begun = Run({"--json", "rotate", kItem, "--show"});
  const json b = json::parse(begun.out);
  EXPECT_EQ(b["pending_version"], 2);
  const std::string fresh = b.value("password", "");
  ASSERT_EQ(fresh.size(), 20u);
  EXPECT_EQ(Password(true), fresh);

  // A second rotation, and an ordinary edit of the secret, wait for this one.
  std::string before = Snapshot();
  CliResult twice = Run({"rotate", kItem}, cli::kExitConflict);
  EXPECT_NE(twice.err.find("already pending"), std::string::npos) << twice.err;
  CliResult edit = Run({"item", "edit", kItem, "--password-stdin"}, cli::kExitConflict, "x\n");
  EXPECT_NE(edit.err.find("is pending"), std::string::npos) << edit.err;
  EXPECT_EQ(Snapshot(), before);

  CliResult aborted = Run({"rotate", kItem, "--abort"});
  EXPECT_NE(aborted.out.find("stays current"), std::string::npos) << aborted.out;
  EXPECT_EQ(Password(), kOld);
  // The next rotation and edit skip the aborted number and still decrypt.
  Run({"rotate", kItem});
  Run({"rotate", kItem, "--confirm"});
  EXPECT_NE(Password(), kOld);
  Run({"item", "edit", kItem, "--password-stdin"}, 0, "Uus-4\n");
  EXPECT_EQ(Password(), "Uus-4");
  CliResult history = Run({"--json", "item", "history", kItem});
  const json h = json::parse(history.out);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[1]["state"], "aborted");
  EXPECT_EQ(h[3]["version"], 4);
}

TEST_F(RotateCliTest, BadInputExitsNonZeroAndChangesNothing) {
  const std::string before = Snapshot();
  CliResult confirm = Run({"rotate", kItem, "--confirm"}, cli::kExitConflict);
  EXPECT_NE(confirm.err.find("nothing to confirm: no rotation of Facebooki leht is pending"),
            std::string::npos)
      << confirm.err;
  Run({"rotate", "Pole olemas"}, cli::kExitNotFound);
  Run({"rotate", "Pole olemas", "--confirm"}, cli::kExitNotFound);
  Run({"rotate", kItem, "--confirm", "--abort"}, cli::kExitUsage);
  Run({"rotate", kItem, "--confirm", "--show"}, cli::kExitUsage);
  Run({"rotate"}, cli::kExitUsage);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RotateCliTest, EditChangesMetadataAloneOrWithSecrets) {
  CliResult meta = Run({"item", "edit", kItem, "--name", "FB leht", "--url", "", "--channel",
                        "instagram", "--period-days", "30"});
  EXPECT_NE(meta.out.find("Updated the details of FB leht"), std::string::npos) << meta.out;
  CliResult got = Run({"--json", "item", "get", "FB leht"});
  const json g = json::parse(got.out);
  EXPECT_EQ(g["channel"], "instagram");
  EXPECT_EQ(g["url"], "");
  EXPECT_EQ(g["rotation_period_days"], 30);
  EXPECT_EQ(g["version"], 1) << "details are not a new secret version";

  // Both at once.
  Run({"item", "edit", "FB leht", "--name", "FB", "--password-stdin"}, 0, "Uus-2\n");
  CliResult both = Run({"--json", "item", "get", "FB", "--show"});
  EXPECT_EQ(json::parse(both.out)["password"], "Uus-2");

  // Bad values are refused before anything is sent.
  Run({"item", "add", "Sotsiaalmeedia", "Instagram", "--channel", "instagram", "--password-stdin"},
      0, "p\n");
  const std::string before = Snapshot();
  Run({"item", "edit", "FB", "--channel", "myspace"}, cli::kExitInvalid);
  Run({"item", "edit", "FB", "--period-days", "0"}, cli::kExitInvalid);
  Run({"item", "edit", "FB", "--name", ""}, cli::kExitInvalid);
  CliResult taken = Run({"item", "edit", "FB", "--name", "Instagram"}, cli::kExitConflict);
  EXPECT_NE(taken.err.find("an item named Instagram exists"), std::string::npos) << taken.err;
  Run({"item", "edit", "Pole olemas", "--name", "X"}, cli::kExitNotFound);
  Run({"item", "edit", "FB"}, cli::kExitUsage);
  EXPECT_EQ(Snapshot(), before);
}

}  // namespace
