// `baton join` and `init` never take the invite code from the command line:
// there it would sit in /proc/PID/cmdline, readable by every local user,
// through the passphrase prompts and the KDF calibration, and another user
// could redeem it first. The code is typed at a prompt (echo off) or piped
// with --code-stdin.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bootstrap.h"
#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

class JoinCliTest : public testing_util::CliFixture {};

TEST_F(JoinCliTest, ACodeOnTheCommandLineIsAUsageErrorAndIsNotRedeemed) {
  for (const std::string verb : {"join", "init"}) {
    const std::string code = Invite(verb == "init" ? "owner" : "member", "Mari " + verb);
    const int64_t before = AuditLength();
    CliResult r = Baton({verb, url(), code});
    EXPECT_EQ(r.code, cli::kExitUsage) << verb << ": " << r.err;
    EXPECT_NE(r.err.find("not taken on the command line"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("baton " + verb + " URL --code-stdin"), std::string::npos) << r.err;
    EXPECT_EQ(AuditLength(), before) << verb << ": a request reached the server";
    EXPECT_FALSE(std::filesystem::exists(profile_dir())) << verb;
    // The code is still unused: passed the right way, it works.
    CliResult joined = Baton({"--profile", verb, verb, url(), "--code-stdin"}, code + "\n");
    EXPECT_EQ(joined.code, 0) << joined.err;
  }
}

TEST_F(JoinCliTest, JoinReadsTheCodeFromStandardInput) {
  CliResult r = Baton({"--json", "join", url(), "--code-stdin"}, Invite("member", "Jaan") + "\n");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("name"), "Jaan");
  CliResult me = Baton({"whoami"});
  EXPECT_EQ(me.code, 0) << me.err;
  EXPECT_NE(me.out.find("Jaan (member)"), std::string::npos) << me.out;
}

TEST_F(JoinCliTest, WithBothOnStandardInputTheCodeComesFirstThenThePassphrase) {
  passphrase_source_ = "-";
  CliResult r = Baton({"join", url(), "--code-stdin"},
                      Invite("member", "Jaan") + "\ncorrect horse battery staple\n");
  ASSERT_EQ(r.code, 0) << r.err;
  // The identity opens with the second line (the fixture's file holds it).
  passphrase_source_.clear();
  CliResult me = Baton({"whoami"});
  EXPECT_EQ(me.code, 0) << me.err;
}

TEST_F(JoinCliTest, WithoutATerminalOrCodeStdinNothingIsSentOrSaved) {
  const int64_t before = AuditLength();
  CliResult r = Baton({"join", url()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("no terminal to ask for the invite code; pipe it with --code-stdin"),
            std::string::npos)
      << r.err;
  // An empty first line is refused too, not sent as a code.
  CliResult empty = Baton({"join", url(), "--code-stdin"}, "\n");
  EXPECT_EQ(empty.code, cli::kExitInvalid) << empty.err;
  EXPECT_EQ(AuditLength(), before);
  EXPECT_FALSE(std::filesystem::exists(profile_dir()));
}

TEST_F(JoinCliTest, AMalformedCodeSuffixIsRefusedBeforeAnythingIsSent) {
  const int64_t before = AuditLength();
  for (const std::string& code :
       std::vector<std::string>{"abc.0123", ".0123", "abc." + std::string(64, 'g')}) {
    CliResult r = Baton({"join", url(), "--code-stdin"}, code + "\n");
    EXPECT_EQ(r.code, cli::kExitInvalid) << code << ": " << r.err;
    EXPECT_NE(r.err.find("that is not an invite code"), std::string::npos) << r.err;
  }
  EXPECT_EQ(AuditLength(), before);
  EXPECT_FALSE(std::filesystem::exists(profile_dir()));
}

TEST(InviteCodeTest, TheSuffixCarriesTheTeamCommitmentAndTheInviteSecret) {
  vault::crypto::Hash team_id{};
  for (size_t i = 0; i < team_id.size(); ++i) team_id[i] = static_cast<uint8_t>(i * 7);
  auto secret = vault::SecureBuffer(cli::kInviteSecretBytes);
  for (size_t i = 0; i < secret.size(); ++i) secret.data()[i] = static_cast<uint8_t>(0xf0 + i);
  const std::string code = cli::InviteCodeWithSuffix("0a1b2c", team_id, secret);
  EXPECT_EQ(code, "0a1b2c.00070e151c232a31383f464d545b6269f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  auto split = cli::SplitInviteCode(vault::SecureBuffer::CopyOf(vault::crypto::AsBytes(code)));
  ASSERT_TRUE(split.has_value()) << split.error().ToString();
  EXPECT_TRUE(split->has_suffix);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(split->server_code.data()),
                        split->server_code.size()),
            "0a1b2c");
  EXPECT_TRUE(
      std::equal(split->team_commitment.begin(), split->team_commitment.end(), team_id.begin()));
  EXPECT_TRUE(vault::crypto::ConstantTimeEqual(split->invite_secret.bytes(), secret.bytes()));

  auto plain = cli::SplitInviteCode(vault::SecureBuffer::CopyOf(vault::crypto::AsBytes("0a1b")));
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(plain->has_suffix);
}

TEST(EscrowKeyTest, OnlyTheAuditKeysSignatureOverTheEscrowKeyIsAccepted) {
  testing_util::FakeEnv env;
  auto seed = vault::SecureBuffer(32);
  env.RandomBytes(seed.bytes());
  auto audit = vault::crypto::SigningKeyPairFromSeed(seed);
  ASSERT_TRUE(audit.has_value());
  vault::api::ServerInfo info;
  info.audit_public_key = audit->public_key;
  env.RandomBytes(info.escrow_public_key);
  // No signature: a hostile server must not start a team without a roster.
  EXPECT_TRUE(cli::CheckEscrowKey(info, audit->public_key).IsUntrustedKey());

  auto sig = vault::crypto::Sign(*audit, vault::api::EscrowKeyMessage(info.escrow_public_key));
  ASSERT_TRUE(sig.has_value());
  info.escrow_key_signature = *sig;
  EXPECT_TRUE(cli::CheckEscrowKey(info, audit->public_key).ok());
  // Another escrow key under the same signature: a server swapping it.
  info.escrow_public_key[0] ^= 1;
  EXPECT_TRUE(cli::CheckEscrowKey(info, audit->public_key).IsUntrustedKey());
  info.escrow_public_key[0] ^= 1;
  (*info.escrow_key_signature)[5] ^= 1;
  EXPECT_TRUE(cli::CheckEscrowKey(info, audit->public_key).IsUntrustedKey());
}

// The roster's bootstrap: the genesis at init, invites that commit to the
// team and carry an invite key, and vouching for whoever joined without one.
class RosterJoinTest : public testing_util::CliFixture {
 protected:
  // `baton init` as the owner "Mari" into profile "owner"; its --json answer.
  json InitOwner() {
    CliResult r = Baton({"--json", "--profile", "owner", "init", url(), "--code-stdin"},
                        Invite("owner", "Mari") + "\n");
    EXPECT_EQ(r.code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  json Pins(const std::string& profile) {
    std::ifstream f(home_.File(profile + "/pins.json"));
    return json::parse(std::string(std::istreambuf_iterator<char>(f), {}), nullptr, false);
  }
  CliResult JoinAs(const std::string& profile, const std::string& code,
                   std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--json", "--profile", profile, "join", url(), "--code-stdin"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Baton(args, code + "\n");
  }
};

TEST_F(RosterJoinTest, InitWritesTheGenesisAndPinsItsHead) {
  json init = InitOwner();
  ASSERT_TRUE(init.is_object());
  const std::string team_words = init.value("team_fingerprint", "");
  EXPECT_FALSE(team_words.empty()) << init.dump();
  EXPECT_EQ(init.value("vouched", false), true);
  json pins = Pins("owner");
  ASSERT_TRUE(pins.is_object());
  EXPECT_EQ(pins.at("size"), 1);
  EXPECT_EQ(pins.at("team_id").get<std::string>().size(), 64u);
  EXPECT_EQ(pins.at("head").get<std::string>().size(), 64u);
  EXPECT_EQ(std::filesystem::status(home_.File("owner/pins.json")).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(RosterJoinTest, AnInviteCommitsToTheTeamAndItsKeyVouchesForTheNewMember) {
  const json init = InitOwner();
  const std::string team_id = Pins("owner").at("team_id");
  CliResult inv = Baton({"--json", "--profile", "owner", "member", "invite", "member", "Jaan"});
  ASSERT_EQ(inv.code, 0) << inv.err;
  const std::string code = json::parse(inv.out).at("code");
  const size_t dot = code.rfind('.');
  ASSERT_NE(dot, std::string::npos) << code;
  ASSERT_EQ(code.size() - dot - 1, 64u) << code;
  EXPECT_EQ(code.substr(dot + 1, 32), team_id.substr(0, 32));

  CliResult joined = JoinAs("jaan", code);
  ASSERT_EQ(joined.code, 0) << joined.err;
  const json j = json::parse(joined.out);
  EXPECT_EQ(j.at("vouched"), true);
  EXPECT_EQ(j.at("team_fingerprint"), init.at("team_fingerprint"));
  EXPECT_EQ(Pins("jaan").at("size"), 3);  // genesis, invite, join
  EXPECT_EQ(Pins("jaan").at("team_id"), team_id);
}

TEST_F(RosterJoinTest, ACodeThatNamesAnotherTeamIsRefusedAndNothingIsSaved) {
  InitOwner();
  CliResult inv = Baton({"--json", "--profile", "owner", "member", "invite", "member", "Jaan"});
  ASSERT_EQ(inv.code, 0) << inv.err;
  std::string code = json::parse(inv.out).at("code");
  char& first = code[code.rfind('.') + 1];
  first = first == '0' ? '1' : '0';
  CliResult r = JoinAs("jaan", code);
  EXPECT_EQ(r.code, cli::kExitAuth) << r.err;
  EXPECT_NE(r.err.find("names another team"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(home_.File("jaan")));
}

TEST_F(RosterJoinTest, ACodeWithoutACommitmentNeedsTheTeamFingerprintThenAVouch) {
  const std::string team_words = InitOwner().value("team_fingerprint", "");
  ASSERT_FALSE(team_words.empty());
  // No terminal to say yes on, and wrong words: refused, nothing saved.
  // (Each refused try has redeemed its invite: the server has a member of
  // that name, outside the roster, so each try has its own name.)
  CliResult no_words = JoinAs("kati", Invite("member", "Kati one"));
  EXPECT_EQ(no_words.code, cli::kExitAuth) << no_words.err;
  EXPECT_NE(no_words.err.find("--team-fingerprint"), std::string::npos) << no_words.err;
  CliResult wrong =
      JoinAs("kati", Invite("member", "Kati two"), {"--team-fingerprint", "a b c d e f"});
  EXPECT_EQ(wrong.code, cli::kExitAuth) << wrong.err;
  EXPECT_FALSE(std::filesystem::exists(home_.File("kati")));

  CliResult joined = JoinAs("kati", Invite("member", "Kati"), {"--team-fingerprint", team_words});
  ASSERT_EQ(joined.code, 0) << joined.err;
  const json j = json::parse(joined.out);
  EXPECT_EQ(j.at("vouched"), false);
  const std::string kati_words = j.at("fingerprint_words");

  // The owner vouches only for the words Kati reads out.
  CliResult unsure = Baton({"--profile", "owner", "member", "vouch", "Kati"});
  EXPECT_EQ(unsure.code, cli::kExitAuth) << unsure.err;
  EXPECT_NE(unsure.err.find(kati_words), std::string::npos) << unsure.err;
  CliResult mismatch =
      Baton({"--profile", "owner", "member", "vouch", "Kati", "--fingerprint", team_words});
  EXPECT_EQ(mismatch.code, cli::kExitAuth) << mismatch.err;
  CliResult vouched =
      Baton({"--profile", "owner", "member", "vouch", "Kati", "--fingerprint", kati_words});
  ASSERT_EQ(vouched.code, 0) << vouched.err;
  EXPECT_NE(vouched.out.find("Vouched for Kati as member"), std::string::npos) << vouched.out;
  CliResult again =
      Baton({"--profile", "owner", "member", "vouch", "Kati", "--fingerprint", kati_words});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("already in the team's roster"), std::string::npos) << again.out;
}

class JoinProcessTest : public testing_util::ProcessCliFixture {
 protected:
  JoinProcessTest() : ProcessCliFixture(BATON_PATH) {}

  static std::string ReadProcFile(pid_t pid, const char* name) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }
};

TEST_F(JoinProcessTest, WhileJoinWaitsForTheCodeItIsNotInTheProcessArguments) {
  const std::string code = Invite("member", "Jaan");
  int err[2];
  ASSERT_EQ(::pipe2(err, O_CLOEXEC), 0);
  int in = -1;
  const pid_t pid = Start("jaan", {"join", url(), "--code-stdin"}, &in, err[1]);
  ::close(err[1]);
  ASSERT_GT(pid, 0);
  // The server's fingerprint is shown before the code is read: from then
  // on the child waits for the code on its standard input.
  std::string shown;
  char buf[256];
  while (shown.find("pinned from now on") == std::string::npos) {
    const ssize_t n = ::read(err[0], buf, sizeof buf);
    if (n <= 0) break;
    shown.append(buf, static_cast<size_t>(n));
  }
  EXPECT_NE(shown.find("pinned from now on"), std::string::npos) << shown;
  const std::string cmdline = ReadProcFile(pid, "cmdline");
  EXPECT_NE(cmdline.find("--code-stdin"), std::string::npos) << "not the child's cmdline";
  EXPECT_EQ(cmdline.find(code), std::string::npos);
  EXPECT_EQ(ReadProcFile(pid, "environ").find(code), std::string::npos);

  const std::string line = code + "\n";
  EXPECT_EQ(::write(in, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  ::close(in);
  for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) > 0;) shown.append(buf, n);
  ::close(err[0]);
  CliResult r = Wait(pid);
  EXPECT_EQ(r.code, 0) << shown;
  EXPECT_NE(r.out.find("Joined as Jaan (member)"), std::string::npos) << r.out;
}

}  // namespace
