// Drives the baton CLI in-process (cli::Run) against the real batond of
// ServerFixture: profiles under a temporary BATON_HOME, the passphrase from a
// file, I/O on string streams, the wall clock shared with the server.
#ifndef BATON_TESTS_CLI_CLI_FIXTURE_H_
#define BATON_TESTS_CLI_CLI_FIXTURE_H_

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/console.h"
#include "cli/main.h"
#include "server/server_fixture.h"

namespace testing_util {

// The real environment, except that the wall clock is the fixture's FakeEnv
// clock, so `due` and the server agree on what "now" is. KDF calibration
// keeps measuring real time.
class ClockedEnv final : public vault::Env {
 public:
  explicit ClockedEnv(vault::Env& clock) : clock_(clock), real_(vault::Env::Default()) {}
  vault::TimePoint Now() override { return clock_.Now(); }
  std::chrono::nanoseconds MonotonicNow() override { return real_.MonotonicNow(); }
  void RandomBytes(std::span<uint8_t> out) override { real_.RandomBytes(out); }
  vault::Result<std::vector<uint8_t>> ReadFile(const std::string& path) override {
    return real_.ReadFile(path);
  }
  vault::Result<std::vector<uint8_t>> ReadFilePrefix(const std::string& path,
                                                     size_t max_bytes) override {
    return real_.ReadFilePrefix(path, max_bytes);
  }
  vault::Status WriteFileAtomic(const std::string& path, std::span<const uint8_t> data,
                                uint32_t mode) override {
    return real_.WriteFileAtomic(path, data, mode);
  }
  vault::Status RemoveFile(const std::string& path) override { return real_.RemoveFile(path); }
  vault::Status Rename(const std::string& from, const std::string& to) override {
    return real_.Rename(from, to);
  }
  bool FileExists(const std::string& path) override { return real_.FileExists(path); }
  vault::Status CreateDir(const std::string& path, uint32_t mode) override {
    return real_.CreateDir(path, mode);
  }
  vault::Status RemoveDir(const std::string& path) override { return real_.RemoveDir(path); }
  vault::Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return real_.ListDir(path);
  }
  vault::Result<uint32_t> FileMode(const std::string& path) override {
    return real_.FileMode(path);
  }

 private:
  vault::Env& clock_;
  vault::Env& real_;
};

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
    std::vector<std::string> full = {"baton", "--passphrase-file", passphrase_file()};
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

  // An invite made directly in the vault, as ServerFixture::Join does.
  std::string Invite(const std::string& role, const std::string& name) {
    const std::string code = "cli-invite-" + std::to_string(++invite_counter_) + "-" + name;
    vault::Invite invite;
    invite.code_hash = vault::crypto::Blake2b256(vault::crypto::AsBytes(code));
    invite.role = role;
    invite.name = name;
    invite.created_by = "server";
    invite.expires_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            (env_.Now() + std::chrono::days(7)).time_since_epoch())
                            .count();
    EXPECT_OK(vault_->Write([&](vault::WriteTxn& t) { return t.CreateInvite({"server"}, invite); }));
    return code;
  }

  // `baton join` (or `init`) as a new member with `role` into `profile`
  // (each one calibrates the KDF: about a second).
  void CliJoin(const std::string& role, const std::string& name,
               const std::string& profile = "default", const std::string& verb = "join") {
    CliResult r = Baton({"--profile", profile, verb, url(), Invite(role, name)});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
  }

  testing_util::TempDir home_;
  ClockedEnv cli_env_{env_};
};

}  // namespace testing_util

#endif  // BATON_TESTS_CLI_CLI_FIXTURE_H_
