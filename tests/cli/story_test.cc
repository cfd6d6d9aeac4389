// The end-to-end story of the CLI issue, through the real `baton` binary run
// as a subprocess against a real batond: an owner sets up a team, shares the
// Facebook page login with an editor, a viewer and an auditor, each sees
// exactly what their role allows; the server goes down and the viewer still
// reads from the offline cache; back up, the offline reads reach the audit
// log, which shows it all and verifies; removing a member flags what they
// could read.
//
// The child uses the wall clock; the server's FakeEnv clock is set to it at
// the start, so both agree on "now" to within the length of the test.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"
#include "vault/totp.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

class StoryTest : public testing_util::CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    if (HasFatalFailure()) return;
    env_.SetTime(std::chrono::time_point_cast<vault::TimePoint::duration>(std::chrono::system_clock::now()));
  }

  // Runs `baton --passphrase-file F --profile PROFILE args...` as a child
  // process with `stdin_text` on a pipe, expecting exit code `want`.
  CliResult As(const std::string& profile, std::vector<std::string> args, int want = 0,
               const std::string& stdin_text = "") {
    std::vector<std::string> argv_s = {BATON_PATH, "--passphrase-file", passphrase_file(),
                                       "--profile", profile};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Only what baton needs: its home, and a runtime dir of its own so that
    // no agent of the machine's user answers.
    std::vector<std::string> env_s = {"BATON_HOME=" + home_.path(),
                                      "XDG_RUNTIME_DIR=" + home_.File("run"), "LANG=C.UTF-8"};
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    const std::string out_path = home_.File("child.out"), err_path = home_.File("child.err");
    int in[2];
    CliResult r;
    if (::pipe2(in, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe failed";
      return r;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid = -1;
    const int spawned =
        ::posix_spawn(&pid, BATON_PATH, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    if (spawned != 0) {
      ::close(in[1]);
      ADD_FAILURE() << "cannot start " << BATON_PATH;
      return r;
    }
    // Small inputs: they fit the pipe, so this does not wait for the child.
    for (size_t done = 0; done < stdin_text.size();) {
      const ssize_t n = ::write(in[1], stdin_text.data() + done, stdin_text.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(in[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadAll(out_path);
    r.err = ReadAll(err_path);
    EXPECT_EQ(r.code, want) << profile << ": " << testing::PrintToString(args) << "\n"
                            << r.out << r.err;
    return r;
  }

  // The owner invites someone with the CLI; they join with the code.
  void InviteAndJoin(const std::string& role, const std::string& name,
                     const std::string& profile) {
    CliResult inv = As("owner", {"--json", "member", "invite", role, name});
    ASSERT_EQ(inv.code, 0);
    const std::string code = json::parse(inv.out).at("code");
    ASSERT_FALSE(code.empty());
    CliResult joined = As(profile, {"join", url(), code});
    ASSERT_EQ(joined.code, 0);
  }

  // The TOTP codes a child may have printed while the wall clock moved
  // from `before` to now.
  static std::vector<std::string> CodesSince(const vault::totp::TotpParams& params,
                                             std::chrono::system_clock::time_point before) {
    std::vector<std::string> out;
    for (auto t : {before, std::chrono::system_clock::now()}) {
      auto code = vault::totp::TotpCode(params, std::chrono::time_point_cast<vault::TimePoint::duration>(t));
      if (code) out.push_back(*code);
    }
    return out;
  }

  static bool StartsWithOneOf(const std::string& text, const std::vector<std::string>& codes) {
    for (const auto& c : codes) {
      if (!c.empty() && text.rfind(c, 0) == 0) return true;
    }
    return false;
  }
};

TEST_F(StoryTest, TeamSharesTheFacebookLoginAndTheAuditLogShowsIt) {
  const std::string kItem = "Facebooki leht – Käsitööõpe";  // ä, ö, õ
  const std::string kPassword = "Sõnaõhtu-Tööd-äpp-42";
  const std::string kNewPassword = "Uus-Sõna-Tööõhtu-43";
  const std::string kTotpUri =
      "otpauth://totp/Facebook:k%C3%A4sit%C3%B6%C3%B6?secret=JBSWY3DPEHPK3PXP&issuer=Facebook";

  // 1. The owner sets up the server (owner invite made by batond's setup).
  As("owner", {"init", url(), Invite("owner", "Mari Õunapuu")});
  As("owner", {"collection", "create", "Sotsiaalmeedia"});

  // 2. The Facebook page login, with its 2FA seed and backup codes.
  const std::string codes_file = home_.File("backup-codes.txt");
  std::ofstream(codes_file) << "1111-2222\n3333-4444\n5555-6666\n";
  As("owner",
     {"item", "add", "Sotsiaalmeedia", kItem, "--channel", "facebook", "--username",
      "sotsiaal@käsitöö.ee", "--password-stdin", "--totp-uri-stdin", "--backup-codes-file",
      codes_file},
     0, kPassword + "\n" + kTotpUri + "\n");

  // 3. Invite an editor, a viewer and an auditor; grant the collection.
  ASSERT_NO_FATAL_FAILURE(InviteAndJoin("member", "Jüri Pärn", "editor"));
  ASSERT_NO_FATAL_FAILURE(InviteAndJoin("member", "Öie Kõiv", "viewer"));
  ASSERT_NO_FATAL_FAILURE(InviteAndJoin("auditor", "Tõnu Ärm", "auditor"));
  As("owner", {"collection", "grant", "Sotsiaalmeedia", "Jüri Pärn", "edit"});
  As("owner", {"collection", "grant", "Sotsiaalmeedia", "Öie Kõiv", "view"});
  CliResult members = As("owner", {"member", "list"});
  for (const char* name : {"Mari Õunapuu", "Jüri Pärn", "Öie Kõiv", "Tõnu Ärm"}) {
    EXPECT_NE(members.out.find(name), std::string::npos) << members.out;
  }

  // 4. The viewer reads the password and the current TOTP code...
  CliResult pw = As("viewer", {"item", "get", kItem, "--field", "password"});
  EXPECT_EQ(pw.out, kPassword + "\n");
  auto params = vault::totp::ParseOtpauthUri(kTotpUri);
  ASSERT_TRUE(params.has_value());
  auto before = std::chrono::system_clock::now();
  CliResult totp = As("viewer", {"totp", kItem});
  EXPECT_TRUE(StartsWithOneOf(totp.out, CodesSince(*params, before))) << totp.out;
  CliResult codes = As("viewer", {"item", "get", kItem, "--field", "backup-codes"});
  EXPECT_NE(codes.out.find("3333-4444"), std::string::npos) << codes.out;
  // ...but cannot change it.
  As("viewer", {"item", "edit", kItem, "--password-stdin"}, cli::kExitDenied, "uus-parool\n");
  // The editor can.
  As("editor", {"item", "edit", kItem, "--password-stdin"}, 0, kNewPassword + "\n");
  // The viewer's offline cache catches up (it was filled by the first read).
  CliResult sync = As("viewer", {"sync"});
  EXPECT_NE(sync.out.find("Offline cache: 1 items in 1 collections"), std::string::npos)
      << sync.out;

  // 5. The server is stopped; the viewer still reads, from the cache.
  StopServer();
  CliResult offline_pw = As("viewer", {"item", "get", kItem, "--field", "password"});
  EXPECT_EQ(offline_pw.out, kNewPassword + "\n");
  EXPECT_NE(offline_pw.err.find("offline, as of "), std::string::npos) << offline_pw.err;
  before = std::chrono::system_clock::now();
  CliResult offline_totp = As("viewer", {"totp", kItem});
  EXPECT_TRUE(StartsWithOneOf(offline_totp.out, CodesSince(*params, before))) << offline_totp.out;
  EXPECT_NE(offline_totp.err.find("offline, as of "), std::string::npos) << offline_totp.err;
  // Nobody else gets anything without the server.
  As("owner", {"item", "list"}, cli::kExitUnavailable);

  // 6. The server is back on the same address (the profiles pin it); the
  // viewer's next command reports the two offline reads.
  config_.port = port_;
  ASSERT_NO_FATAL_FAILURE(StartServer());
  As("viewer", {"item", "list"});

  // 7. The auditor reads no secret...
  As("auditor", {"item", "get", kItem, "--field", "password"}, cli::kExitDenied);
  As("auditor", {"totp", kItem}, cli::kExitDenied);
  // ...but sees every access, by name, offline ones too, and the log verifies.
  CliResult log = As("auditor", {"audit", "log"});
  EXPECT_NE(log.out.find("Öie Kõiv  item.read"), std::string::npos) << log.out;
  EXPECT_NE(log.out.find("Öie Kõiv  item.read.offline"), std::string::npos) << log.out;
  CliResult log_json = As("auditor", {"--json", "audit", "log"});
  EXPECT_NE(log_json.out.find("reported_by"), std::string::npos) << log_json.out;
  EXPECT_NE(log.out.find("Jüri Pärn  "), std::string::npos) << log.out;
  CliResult verify = As("auditor", {"audit", "verify"});
  EXPECT_EQ(verify.out.rfind("OK: ", 0), 0u) << verify.out;

  // 8. Removing the editor flags what they could read for rotation...
  As("owner", {"member", "remove", "Jüri Pärn"});
  CliResult due = As("owner", {"--json", "due"});
  const json j = json::parse(due.out);
  ASSERT_EQ(j["overdue"].size(), 1u) << due.out;
  EXPECT_EQ(j["overdue"][0]["name"], kItem);
  EXPECT_EQ(j["overdue"][0]["status"], "flagged");
  ASSERT_FALSE(j["overdue"][0]["flags"].empty()) << due.out;
  EXPECT_EQ(j["overdue"][0]["flags"][0]["kind"], "member-removed");
  CliResult due_text = As("owner", {"due"});
  EXPECT_NE(due_text.out.find(kItem), std::string::npos) << due_text.out;
  EXPECT_NE(due_text.out.find("member-removed"), std::string::npos) << due_text.out;
  // ...and the removed editor is told so at their next command.
  CliResult removed = As("editor", {"item", "list"}, cli::kExitAuth);
  EXPECT_NE(removed.err.find("removed from the team"), std::string::npos) << removed.err;

  // The auditor's log still verifies after all of it, from the pinned head on.
  As("auditor", {"audit", "verify"});
}

}  // namespace
