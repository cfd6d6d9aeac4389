// Crash safety (DESIGN.md §11): a child process writes items and audit events
// and is killed with SIGKILL at random moments. After every kill the vault
// opens, passes PRAGMA integrity_check, its audit chain verifies, and every
// write the child acknowledged is there.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "fake_env.h"
#include "temp_dir.h"
#include "test_util.h"
#include "vault/store.h"

namespace vault {
namespace {

constexpr int kRounds = 24;
constexpr int kWriterThreads = 2;

// The child: writes until killed, printing "<item id>\n" to `out_fd` after
// each write that Store::Write acknowledged.
[[noreturn]] void ChildMain(const std::string& path, const SecureBuffer& key, int round,
                            int out_fd) {
  testing_util::FakeEnv env(static_cast<uint64_t>(round) + 100);
  auto vault = Store::Open({.env = &env, .key = &key, .mode = OpenMode::kOpenExisting}, path);
  if (!vault) _exit(3);
  auto writer = [&](int thread) {
    for (int n = 0; n < 100000; ++n) {
      const std::string id =
          "r" + std::to_string(round) + "-t" + std::to_string(thread) + "-" + std::to_string(n);
      Status s = (*vault)->Write([&](WriteTxn& t) -> Status {
        ItemMeta m;
        m.id = id;
        m.collection_id = "c1";
        m.name = id;
        m.channel = "other";
        m.rotation_period_s = 86400;
        if (Status st = t.CreateItem({"o1"}, m, std::vector<uint8_t>(200, 0xab)); !st.ok()) {
          return st;
        }
        auto fetched = t.FetchItem({"o1"}, id);  // an audited read in the same transaction
        return fetched ? Status::OK() : fetched.error();
      });
      if (!s.ok()) _exit(4);
      const std::string line = id + "\n";
      if (::write(out_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriterThreads; ++t) threads.emplace_back(writer, t);
  for (auto& t : threads) t.join();
  _exit(0);
}

TEST(CrashTest, SigkillLosesNoAcknowledgedWriteAndBreaksNoChain) {
  ASSERT_OK(crypto::Init());
  testing_util::TempDir dir;
  testing_util::FakeEnv env;
  const std::string path = dir.File("vault.db");
  SecureBuffer key = crypto::RandomKey(env);
  {
    ASSERT_OK_AND_ASSIGN(
        auto vault, Store::Open({.env = &env, .key = &key, .mode = OpenMode::kCreateNew}, path));
    ASSERT_OK(vault->Write([](WriteTxn& t) -> Status {
      Member m{"o1", "owner", TeamRole::kOwner, MemberStatus::kActive, {}, {}, 0, ""};
      m.signing_public_key[0] = 1;
      if (Status s = t.AddMember({"o1"}, m); !s.ok()) return s;
      return t.CreateCollection({"o1"}, {"c1", "Social", 1, true, false, 0}, {});
    }));
  }

  std::mt19937 rng(20261122);  // fixed: a failing round can be replayed
  std::set<std::string> acknowledged;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      ChildMain(path, key, round, fds[1]);
    }
    ::close(fds[1]);
    // Kill after a random number of acknowledged writes (the child keeps
    // writing meanwhile, so the kill lands mid-transaction or mid-commit).
    const int wait_for = std::uniform_int_distribution<int>(1, 80)(rng);
    FILE* in = ::fdopen(fds[0], "r");
    ASSERT_NE(in, nullptr);
    char line[128];
    int seen = 0;
    while (seen < wait_for && std::fgets(line, sizeof line, in) != nullptr) {
      std::string id(line);
      if (!id.empty() && id.back() == '\n') id.pop_back();
      acknowledged.insert(id);
      ++seen;
    }
    ::kill(pid, SIGKILL);
    // Acknowledgements already in the pipe count too.
    while (std::fgets(line, sizeof line, in) != nullptr) {
      std::string id(line);
      if (!id.empty() && id.back() == '\n') {
        id.pop_back();
        acknowledged.insert(id);
      }
    }
    std::fclose(in);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status))
        << "round " << round << ": child exited with " << WEXITSTATUS(status);
    ASSERT_GE(seen, 1) << "round " << round;

    ASSERT_OK_AND_ASSIGN(
        auto vault, Store::Open({.env = &env, .key = &key, .mode = OpenMode::kOpenExisting}, path));
    ASSERT_OK(vault->CheckIntegrity()) << "round " << round;
    ASSERT_OK(vault->Read([&](ReadTxn& t) -> Status {
      audit::Verifier verifier(crypto::PublicKey{}, {});
      if (Status s = t.ScanAudit(1, [&](const audit::Event& e) { return verifier.Add(e); });
          !s.ok()) {
        return s;
      }
      const audit::Report report = verifier.Finish();
      EXPECT_TRUE(report.ok) << "round " << round << ": " << report.problem;
      auto items = t.ListItems("c1");
      if (!items) return items.error();
      std::set<std::string> present;
      for (const ItemMeta& m : *items) present.insert(m.id);
      for (const std::string& id : acknowledged) {
        EXPECT_TRUE(present.contains(id)) << "round " << round << ": lost " << id;
      }
      // Two events per item (create, read) plus the two set-up events.
      EXPECT_EQ(report.events, 2 + 2 * static_cast<int64_t>(present.size()));
      return Status::OK();
    }));
  }
  EXPECT_GE(acknowledged.size(), static_cast<size_t>(kRounds));
}

}  // namespace
}  // namespace vault
