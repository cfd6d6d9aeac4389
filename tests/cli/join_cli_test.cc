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
  EXPECT_TRUE(cli::CheckEscrowKey(info).IsFailedPrecondition());  // a server without a roster

  auto sig = vault::crypto::Sign(*audit, vault::api::EscrowKeyMessage(info.escrow_public_key));
  ASSERT_TRUE(sig.has_value());
  info.escrow_key_signature = *sig;
  EXPECT_TRUE(cli::CheckEscrowKey(info).ok());
  // Another escrow key under the same signature: a server swapping it.
  info.escrow_public_key[0] ^= 1;
  EXPECT_TRUE(cli::CheckEscrowKey(info).IsUntrustedKey());
  info.escrow_public_key[0] ^= 1;
  (*info.escrow_key_signature)[5] ^= 1;
  EXPECT_TRUE(cli::CheckEscrowKey(info).IsUntrustedKey());
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
