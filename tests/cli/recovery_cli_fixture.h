// A team whose owner set up a recovery key (3 of 5 shares) and keeps two
// items, and `baton recover` run in process with no profile and TMPDIR in a
// scratch dir that must be empty after every run: for the tests of recover
// and export --age.
#ifndef BATON_TESTS_CLI_RECOVERY_CLI_FIXTURE_H_
#define BATON_TESTS_CLI_RECOVERY_CLI_FIXTURE_H_

#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_fixture.h"
#include "profile.h"
#include "team_recovery.h"
#include "vault/api_json_roster.h"
#include "vault/time_format.h"

namespace testing_util {

inline constexpr char kTotpUri[] =
    "otpauth://totp/Firma:admin?secret=JBSWY3DPEHPK3PXP&issuer=Firma";

class RecoveryCliFixture : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "default", "init"));
    ASSERT_NO_FATAL_FAILURE(SetUpRecovery());
    Ok({"collection", "create", "Sotsiaalmeedia"});
    Ok({"item", "add", "Sotsiaalmeedia", "Facebook page", "--channel", "facebook", "--username",
        "mari@firma.ee", "--password-stdin", "--totp-uri-stdin"},
       "pw-Facebook-1\n" + std::string(kTotpUri) + "\n");
    Ok({"item", "add", "Sotsiaalmeedia", "X\x1b[2J", "--channel", "x", "--password-stdin"},
       "pw-X-1\n");
    ASSERT_OK(files_.CreateDir(tmp_.File("scratch"), 0700));
  }

  void Ok(std::vector<std::string> args, const std::string& stdin_text = "") {
    CliResult r = Baton(std::move(args), stdin_text);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
  }

  // What `baton recovery setup` does for the team: its owner signs the
  // recovery.set.v2 statement, and batond learns both public keys.
  void SetUpRecovery() {
    auto profile = cli::LoadProfile(files_, home_.path(), "default");
    ASSERT_TRUE(profile.has_value());
    auto id = vault::LoadIdentity(files_, profile->identity_path(),
                                  vault::crypto::AsBytes("correct horse battery staple"));
    ASSERT_TRUE(id.has_value());
    Account owner{std::make_unique<vault::Identity>(std::move(*id)), profile->member_id, "",
                  "owner"};
    ASSERT_EQ(Login(owner).status, 200);
    Reply page = Call("GET", "/v1/roster", owner.token);
    auto entries = vault::api::RosterPageFromJson(page.body, "GET /v1/roster");
    ASSERT_TRUE(entries.has_value());
    auto state = vault::roster::Replay(entries->entries);
    ASSERT_TRUE(state.has_value());
    vault::roster::Entry e;
    e.statement = vault::roster::Encode(vault::roster::Next(
        *state, owner.member_id, vault::ToUnixMs(env_.Now()), team_.Statement()));
    e.signature = *vault::crypto::Sign(owner.identity->signing(), e.statement);
    Reply posted =
        Call("POST", "/v1/roster", owner.token,
             nlohmann::json{{"entries", vault::api::RosterEntriesToJson(std::span(&e, 1))}});
    ASSERT_EQ(posted.status, 201) << posted.raw;
    ASSERT_OK(StoreTeamRecovery(*vault_, team_));
  }

  std::string SharesFile(const std::string& text) {
    const std::string path = tmp_.File("shares-" + std::to_string(++files_made_));
    EXPECT_OK(files_.WriteFileAtomic(path, vault::crypto::AsBytes(text), 0600));
    return path;
  }

  // `baton recover ARGS` with no server profile needed and TMPDIR in the
  // test's scratch dir; the scratch dir must be empty afterwards.
  CliResult Recover(std::vector<std::string> args) {
    std::vector<std::string> full = {"baton", "recover"};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    std::istringstream in;
    std::ostringstream out, err;
    cli::Console console{in, out, err, [](std::string_view) -> vault::Result<vault::SecureBuffer> {
                           return vault::Fail(vault::Status::FailedPrecondition("no terminal"));
                         }};
    CliResult r;
    r.code = cli::Run(console, cli_env_,
                      {{"BATON_HOME", empty_home_.path()}, {"TMPDIR", tmp_.File("scratch")}},
                      static_cast<int>(full.size()), argv.data());
    r.out = out.str();
    r.err = err.str();
    auto left = files_.ListDir(tmp_.File("scratch"));
    EXPECT_TRUE(left.has_value() && left->empty()) << "scratch files left behind";
    return r;
  }
  vault::Env& files_ = vault::Env::Default();
  TeamRecovery team_ = MakeTeamRecovery(env_);
  TempDir tmp_, empty_home_;
  int files_made_ = 0;
};

}  // namespace testing_util

#endif  // BATON_TESTS_CLI_RECOVERY_CLI_FIXTURE_H_
