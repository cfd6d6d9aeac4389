// Invites expire after Config::invite_ttl, whoever makes them: the API and
// `batond invite-owner` share server::NewInvite.
#include "server/invite.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "env_wrapper.h"
#include "fake_env.h"
#include "server/main.h"
#include "temp_dir.h"
#include "test_util.h"
#include "vault/crypto.h"
#include "vault/server_keys.h"
#include "vault/store.h"

namespace server {
namespace {

using std::chrono::seconds;

TEST(InviteTest, ExpiresAfterTheTtl) {
  testing_util::FakeEnv env;
  const IssuedInvite invite = NewInvite(env, vault::TeamRole::kAdmin, "Ann", "m1", seconds(3600));
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(env.Now().time_since_epoch()).count();
  EXPECT_EQ(invite.record.expires_ms, now_ms + 3600 * 1000);
  EXPECT_EQ(invite.record.role, vault::TeamRole::kAdmin);
  EXPECT_EQ(invite.record.name, "Ann");
  EXPECT_EQ(invite.record.created_by, "m1");
  EXPECT_EQ(invite.code.size(), 32u);
  EXPECT_EQ(invite.record.code_hash,
            vault::crypto::Blake2b256(vault::crypto::AsBytes(invite.code)));
  EXPECT_NE(NewInvite(env, vault::TeamRole::kAdmin, "Ann", "m1", seconds(3600)).code, invite.code);
}

// The real environment with its clock moved forward.
class LaterEnv final : public testing_util::EnvWrapper {
 public:
  explicit LaterEnv(std::chrono::seconds ahead)
      : EnvWrapper(vault::Env::Default()), ahead_(ahead) {}
  vault::TimePoint Now() override { return target().Now() + ahead_; }

 private:
  std::chrono::seconds ahead_;
};

// Runs batond with `args`; returns what it printed.
std::string Batond(std::vector<std::string> args, int& exit_code) {
  args.insert(args.begin(), "batond");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  testing::internal::CaptureStdout();
  exit_code = Main(static_cast<int>(argv.size()), argv.data());
  return testing::internal::GetCapturedStdout();
}

// The last non-empty line of `text`, trimmed.
std::string LastLine(const std::string& text) {
  std::string line, last;
  for (char c : text) {
    if (c == '\n') {
      if (!line.empty()) last = line;
      line.clear();
    } else if (c != ' ') {
      line += c;
    }
  }
  return line.empty() ? last : line;
}

vault::Status Redeem(vault::Store& db, const std::string& code, const std::string& id) {
  vault::Member m;
  m.id = id;
  return db.Write([&](vault::WriteTxn& t) -> vault::Status {
    auto r = t.RedeemInvite(vault::crypto::Blake2b256(vault::crypto::AsBytes(code)), m);
    return r ? vault::Status::OK() : r.error();
  });
}

TEST(InviteTest, InviteOwnerHonoursTheConfiguredTtl) {
  testing_util::TempDir tmp;
  const std::string dir = tmp.File("data");
  int rc = -1;
  const std::string init_code = LastLine(Batond({"init", dir}, rc));
  ASSERT_EQ(rc, 0);
  std::ofstream(dir + "/batond.conf") << "invite_ttl_s = 3600\n";
  const std::string owner_code = LastLine(Batond({"invite-owner", "--data", dir}, rc));
  ASSERT_EQ(rc, 0);
  ASSERT_EQ(owner_code.size(), 32u);

  // Two hours on, the hour-long invite has expired; init's (7 days) has not.
  LaterEnv later(seconds(2 * 3600));
  auto keys = vault::LoadServerKeys(later, dir + "/server.key");
  ASSERT_TRUE(keys.has_value()) << keys.error().ToString();
  auto db = vault::Store::Open(
      {.env = &later, .key = &keys->db_key(), .mode = vault::OpenMode::kOpenExisting},
      dir + "/vault.db");
  ASSERT_TRUE(db.has_value()) << db.error().ToString();
  const vault::Status expired = Redeem(**db, owner_code, std::string(32, 'a'));
  EXPECT_TRUE(expired.IsFailedPrecondition()) << expired.ToString();
  EXPECT_OK(Redeem(**db, init_code, std::string(32, 'b')));
}

}  // namespace
}  // namespace server
