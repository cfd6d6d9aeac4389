// Drives the baton CLI in-process (cli::Run) against the real batond of
// ServerFixture: profiles under a temporary BATON_HOME, the passphrase from a
// file, I/O on string streams, the wall clock shared with the server.
// ProcessCliFixture runs the real `baton` binary as a child process instead.
#ifndef BATON_TESTS_CLI_CLI_FIXTURE_H_
#define BATON_TESTS_CLI_CLI_FIXTURE_H_

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/console.h"
#include "cli/main.h"
#include "env_wrapper.h"
#include "server/server_fixture.h"
#include "vault/identity.h"
#include "vault/roster.h"
#include "vault/totp.h"

namespace testing_util {

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

class CliFixture : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    std::ofstream(passphrase_file()) << "correct horse battery staple\n";
  }

  std::string passphrase_file() const { return home_.File("passphrase"); }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string profile_dir() const { return home_.File("default"); }

  CliResult Baton(std::vector<std::string> args, const std::string& stdin_text = "") {
    std::vector<std::string> full = {
        "baton", "--passphrase-file",
        passphrase_source_.empty() ? passphrase_file() : passphrase_source_};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    cli::Console console{in, out, err, [](std::string_view) -> vault::Result<vault::SecureBuffer> {
                           return vault::Fail(vault::Status::FailedPrecondition("no terminal"));
                         }};
    CliResult r;
    r.code = cli::Run(console, cli_env_, {{"BATON_HOME", home_.path()}},
                      static_cast<int>(full.size()), argv.data());
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  // Runs `baton --profile PROFILE args...` in-process, expecting exit code
  // `want`.
  CliResult As(const std::string& profile, std::vector<std::string> args, int want = 0,
               const std::string& stdin_text = "") {
    args.insert(args.begin(), {"--profile", profile});
    CliResult r = Baton(args, stdin_text);
    EXPECT_EQ(r.code, want) << profile << ": " << testing::PrintToString(args) << "\n"
                            << r.out << r.err;
    return r;
  }

  // An invite made directly in the vault, as ServerFixture::Join does.
  std::string Invite(const std::string& role, const std::string& name) {
    const std::string code = "cli-invite-" + std::to_string(++invite_counter_) + "-" + name;
    vault::Invite invite;
    invite.code_hash = vault::crypto::Blake2b256(vault::crypto::AsBytes(code));
    auto parsed = vault::ParseTeamRole(role);
    EXPECT_TRUE(parsed.has_value()) << role;
    invite.role = parsed.value_or(vault::TeamRole::kMember);
    invite.name = name;
    invite.created_by = "server";
    invite.expires_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            (env_.Now() + std::chrono::days(7)).time_since_epoch())
                            .count();
    EXPECT_OK(
        vault_->Write([&](vault::WriteTxn& t) { return t.CreateInvite({"server"}, invite); }));
    return code;
  }

  // `baton join` (or `init`) as a new member with `role` into `profile`.
  // A code made in the vault carries no invite key, so the joiner cannot vouch
  // for themselves: the owner who ran `init` vouches for them, as people would
  // after comparing words. `vouch = false` leaves them out of the roster, for
  // tests of what happens to an unvouched member.
  void CliJoin(const std::string& role, const std::string& name,
               const std::string& profile = "default", const std::string& verb = "join",
               bool vouch = true) {
    std::vector<std::string> args = {"--profile", profile, verb, url(), "--code-stdin"};
    // A code made in the vault carries no team commitment: on a team with a
    // roster, the joiner compares the team's fingerprint.
    const std::string team_words = TeamFingerprint();
    if (!team_words.empty()) args.insert(args.end(), {"--team-fingerprint", team_words});
    CliResult r = Baton(args, Invite(role, name) + "\n");
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    if (verb == "init") {
      owner_profile_ = profile;
      return;
    }
    if (!vouch || team_words.empty() || owner_profile_.empty()) return;
    CliResult v = Baton(
        {"--profile", owner_profile_, "member", "vouch", name, "--fingerprint", MemberWords(name)});
    ASSERT_EQ(v.code, 0) << v.out << v.err;
  }

  // The key fingerprint words of the member called `name` as the vault holds
  // their keys.
  std::string MemberWords(const std::string& name) {
    std::string words;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto members = t.ListMembers();
      if (!members) return members.error();
      for (const auto& m : *members) {
        if (m.name == name) words = vault::FingerprintWords(m.signing_public_key, m.box_public_key);
      }
      return vault::Status::OK();
    }));
    EXPECT_FALSE(words.empty()) << "no member " << name;
    return words;
  }

  // The fingerprint of the team's roster as the vault holds it; "" if none.
  std::string TeamFingerprint() {
    std::vector<vault::roster::Entry> entries;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto got = t.RosterEntries(0);
      if (!got) return got.error();
      entries = std::move(*got);
      return vault::Status::OK();
    }));
    if (entries.empty()) return "";
    auto state = vault::roster::Replay(entries);
    EXPECT_TRUE(state.has_value());
    return state ? vault::roster::TeamFingerprint(*state) : "";
  }

  testing_util::TempDir home_;
  // The profile that ran `init`: the team's first owner, who vouches for the
  // members CliJoin adds.
  std::string owner_profile_;
  // What Baton() passes to --passphrase-file ("-": stdin); the file if empty.
  std::string passphrase_source_;
  // The real machine, but the server's clock, so `due` and the server agree
  // on what "now" is; calibration runs one floor-sized Argon2 probe.
  CliEnv cli_env_{vault::Env::Default(), env_};
};

// The CLI as people run it: the `baton` binary at `binary` as a child
// process. The child uses the wall clock; SetUp sets the server's FakeEnv
// clock to it, so both agree on "now" until the test moves the server's.
class ProcessCliFixture : public CliFixture {
 protected:
  explicit ProcessCliFixture(std::string binary) : binary_(std::move(binary)) {}

  void SetUp() override {
    CliFixture::SetUp();
    if (HasFatalFailure()) return;
    env_.SetTime(
        std::chrono::time_point_cast<vault::TimePoint::duration>(std::chrono::system_clock::now()));
  }

  // Starts `baton --passphrase-file F --profile PROFILE args...` with its
  // stdin on a pipe whose write end is returned in `*stdin_fd`, stdout to
  // child.out and stderr to `err_fd` if given, else to child.err. Returns
  // the child's pid, or -1 (the test has failed).
  pid_t Start(const std::string& profile, std::vector<std::string> args, int* stdin_fd,
              int err_fd = -1) {
    return StartArgv(BatonArgv(profile, args), stdin_fd, err_fd);
  }

  // Starts `argv_s` (argv_s[0] is the program) as Start does, with baton's
  // environment.
  pid_t StartArgv(std::vector<std::string> argv_s, int* stdin_fd, int err_fd = -1) {
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Only what baton needs: its home, and a runtime dir of its own so that
    // no agent of the machine's user answers.
    std::vector<std::string> env_s = {
        "BATON_HOME=" + (baton_home_.empty() ? home_.path() : baton_home_),
        "XDG_RUNTIME_DIR=" + home_.File("run"), "LANG=C.UTF-8"};
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    int in[2];
    if (::pipe2(in, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe failed";
      return -1;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    if (err_fd >= 0) {
      std::ofstream(err_path(), std::ios::trunc);  // so Wait() reads no earlier child's
      posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    } else {
      posix_spawn_file_actions_addopen(&actions, 2, err_path().c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0600);
    }
    pid_t pid = -1;
    const int spawned =
        ::posix_spawn(&pid, argv_s[0].c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    if (spawned != 0) {
      ::close(in[1]);
      ADD_FAILURE() << "cannot start " << argv_s[0];
      return -1;
    }
    *stdin_fd = in[1];
    return pid;
  }

  // Waits for a child of Start() and reads what it wrote to child.out
  // (and child.err, unless its stderr went elsewhere).
  CliResult Wait(pid_t pid) {
    CliResult r;
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadAll(out_path());
    r.err = ReadAll(err_path());
    return r;
  }

  // Runs `baton --passphrase-file F --profile PROFILE args...` with
  // `stdin_text` on a pipe, expecting exit code `want`.
  CliResult As(const std::string& profile, std::vector<std::string> args, int want = 0,
               const std::string& stdin_text = "") {
    return Spawn(BatonArgv(profile, args), want, stdin_text,
                 profile + ": " + testing::PrintToString(args));
  }

  // Runs `argv_s` (argv_s[0] is the program) with `stdin_text` on a pipe,
  // expecting exit code `want`; `what` names the run in a failure.
  CliResult Spawn(std::vector<std::string> argv_s, int want, const std::string& stdin_text,
                  const std::string& what) {
    int in = -1;
    const pid_t pid = StartArgv(std::move(argv_s), &in);
    if (pid < 0) return {};
    // Small inputs: they fit the pipe, so this does not wait for the child.
    for (size_t done = 0; done < stdin_text.size();) {
      const ssize_t n = ::write(in, stdin_text.data() + done, stdin_text.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(in);
    CliResult r = Wait(pid);
    EXPECT_EQ(r.code, want) << what << "\n" << r.out << r.err;
    return r;
  }

  std::vector<std::string> BatonArgv(const std::string& profile,
                                     const std::vector<std::string>& args) const {
    std::vector<std::string> argv_s = {binary_, "--passphrase-file", passphrase_file(), "--profile",
                                       profile};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    return argv_s;
  }

  // The owner (profile "owner") invites someone with the CLI; they join
  // with the code into `profile`.
  void InviteAndJoin(const std::string& role, const std::string& name, const std::string& profile) {
    CliResult inv = As("owner", {"--json", "member", "invite", role, name});
    ASSERT_EQ(inv.code, 0);
    const std::string code = nlohmann::json::parse(inv.out).at("code");
    ASSERT_FALSE(code.empty());
    CliResult joined = As(profile, {"join", url(), "--code-stdin"}, 0, code + "\n");
    ASSERT_EQ(joined.code, 0);
  }

  // The TOTP codes a child may have printed while the wall clock moved
  // from `before` to now.
  static std::vector<std::string> CodesSince(const vault::totp::TotpParams& params,
                                             std::chrono::system_clock::time_point before) {
    std::vector<std::string> out;
    for (auto t : {before, std::chrono::system_clock::now()}) {
      auto code = vault::totp::TotpCode(
          params, std::chrono::time_point_cast<vault::TimePoint::duration>(t));
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

  // The child's BATON_HOME if not empty, else home_ (its runtime dir stays
  // home_'s), to run a second home beside the first.
  std::string baton_home_;

 private:
  std::string out_path() const { return home_.File("child.out"); }
  std::string err_path() const { return home_.File("child.err"); }
  static std::string ReadAll(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }

  const std::string binary_;
};

}  // namespace testing_util

#endif  // BATON_TESTS_CLI_CLI_FIXTURE_H_
