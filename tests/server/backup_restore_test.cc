// batond backup and restore (server/src/backup.h): a backup taken while a
// real batond serves and a writer is busy restores into a data dir that
// serves the same certificate and audit key, with the audit chain intact;
// every bad input leaves nothing behind.
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "backup.h"
#include "backup/archive.h"
#include "backup/share_input.h"
#include "env_wrapper.h"
#include "server/main.h"
#include "server_fixture.h"
#include "team_recovery.h"
#include "vault/api_json.h"
#include "vault/time_format.h"

namespace testing_util {
namespace {

using vault::Status;
namespace age = backup::age;

// The certificate a TLS server at 127.0.0.1:`port` presents, as PEM.
std::string ServedCertificate(int port) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  BIO* bio = BIO_new_ssl_connect(ctx);
  BIO_set_conn_hostname(bio, ("127.0.0.1:" + std::to_string(port)).c_str());
  std::string pem;
  SSL* ssl = nullptr;
  BIO_get_ssl(bio, &ssl);
  if (BIO_do_connect(bio) == 1 && BIO_do_handshake(bio) == 1) {
    X509* cert = SSL_get1_peer_certificate(ssl);
    BIO* mem = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(mem, cert);
    char* data = nullptr;
    const long n = BIO_get_mem_data(mem, &data);
    pem.assign(data, static_cast<size_t>(n));
    BIO_free(mem);
    X509_free(cert);
  }
  BIO_free_all(bio);
  SSL_CTX_free(ctx);
  return pem;
}

class BackupRestoreTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    ASSERT_OK(vault::SaveServerKeys(files_, dir_.File("server.key"), *keys_, std::nullopt));
    ASSERT_OK(files_.WriteFileAtomic(dir_.File("tls.key"), tls_->key_pem.bytes(), 0600));
    ASSERT_OK(
        files_.WriteFileAtomic(dir_.File("tls.crt"), vault::crypto::AsBytes(tls_->cert_pem), 0644));
    identity_file_ = out_.File("identity.txt");
    vault::SecureBuffer text = identity_.Format();
    std::string file = "# created by the test\n# public key: " + identity_.recipient().Format() +
                       "\n" + std::string(reinterpret_cast<const char*>(text.data()), text.size()) +
                       "\n";
    ASSERT_OK(files_.WriteFileAtomic(identity_file_, vault::crypto::AsBytes(file), 0600));
    backup_ = out_.File("team.age");
    target_ = out_.File("restored");
  }

  vault::Result<server::BackupWritten> Backup(std::vector<std::string> recipients) {
    return server::WriteBackup(files_,
                               {.data_dir = dir_.path(),
                                .db_key = &keys_->db_key(),
                                .store = vault_.get(),
                                .recipients = std::move(recipients)},
                               backup_);
  }
  std::vector<std::string> Mine() { return {identity_.recipient().Format()}; }

  Status Restore(const age::Identity& identity) {
    return server::RestoreBackup(files_, backup_, identity, target_);
  }

  std::vector<uint8_t> BackupBytes() {
    auto b = files_.ReadFile(backup_);
    EXPECT_TRUE(b.has_value());
    return b ? *b : std::vector<uint8_t>{};
  }
  void WriteBackupBytes(const std::vector<uint8_t>& bytes) {
    ASSERT_OK(files_.WriteFileAtomic(backup_, bytes, 0600));
  }

  // Nothing of a restore is left: no target, no staging dir beside it.
  void ExpectNothingRestored() {
    EXPECT_FALSE(files_.FileExists(target_));
    auto names = files_.ListDir(out_.path());
    ASSERT_TRUE(names.has_value());
    for (const std::string& n : *names) {
      EXPECT_TRUE(n == "identity.txt" || n == "team.age") << "left behind: " << n;
    }
  }

  // Opens the restored data dir as batond serve would.
  void OpenRestored(std::optional<vault::ServerKeys>& keys, std::unique_ptr<vault::Store>& store) {
    auto k = vault::LoadServerKeys(files_, target_ + "/server.key");
    ASSERT_TRUE(k.has_value()) << k.error().ToString();
    keys.emplace(std::move(*k));
    auto s = vault::Store::Open(
        {.env = &env_, .key = &keys->db_key(), .mode = vault::OpenMode::kOpenExisting},
        target_ + "/vault.db");
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    store = std::move(*s);
  }

  // Backups live on the real file system (SQLite does its own I/O); the
  // fake env drives the server's clock and randomness.
  vault::Env& files_ = vault::Env::Default();
  TempDir out_;
  age::Identity identity_ = age::Identity::Generate(env_);
  std::string identity_file_, backup_, target_;
};

// Every event of `store`, verified under `key`.
vault::audit::Report VerifyAudit(vault::Store& store, const vault::crypto::PublicKey& key) {
  vault::audit::Report report;
  EXPECT_OK(store.Read([&](vault::ReadTxn& t) -> Status {
    auto checkpoints = t.ListCheckpoints();
    if (!checkpoints) return checkpoints.error();
    vault::audit::Verifier verifier(key, *checkpoints);
    if (Status s = t.ScanAudit(1, [&](const vault::audit::Event& e) { return verifier.Add(e); });
        !s.ok()) {
      return s;
    }
    report = verifier.Finish();
    return Status::OK();
  }));
  return report;
}

std::vector<uint8_t> Ciphertext(vault::Store& store, const std::string& item) {
  std::vector<uint8_t> out;
  EXPECT_OK(store.Write([&](vault::WriteTxn& t) -> Status {
    auto fetched = t.FetchItem({"server"}, item);
    if (!fetched) return fetched.error();
    out = fetched->ciphertext;
    return Status::OK();
  }));
  return out;
}

TEST_F(BackupRestoreTest, RestoredDirServesTheSameKeysChainAndCiphertexts) {
  Account owner = Join("owner", "Mari");
  const std::string col = CreateCollection(owner, "Social media");
  std::vector<std::string> items(3);
  for (size_t i = 0; i < items.size(); ++i) {
    ASSERT_EQ(CreateItem(owner, col, "site " + std::to_string(i), "pw", &items[i]).status, 201);
  }
  // A writer keeps the served vault busy while the backup is taken.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    while (!stop) {
      if (CreateItem(owner, col, "busy " + std::to_string(written), "pw").status == 201) ++written;
    }
  });
  while (written < 2) std::this_thread::yield();
  auto made = Backup(Mine());
  const int before = written;
  while (written < before + 2) std::this_thread::yield();
  stop = true;
  writer.join();
  ASSERT_TRUE(made.has_value()) << made.error().ToString();
  EXPECT_GT(made->bytes, 0);
  auto mode = files_.FileMode(backup_);
  ASSERT_TRUE(mode.has_value());
  EXPECT_EQ(*mode & 0777, 0600u);

  ASSERT_OK(Restore(identity_));
  std::optional<vault::ServerKeys> keys;
  std::unique_ptr<vault::Store> store;
  OpenRestored(keys, store);
  ASSERT_TRUE(store);
  EXPECT_EQ(keys->audit_public_key(), keys_->audit_public_key());

  // The restored chain verifies and is a prefix of the live one.
  const vault::audit::Report restored = VerifyAudit(*store, keys->audit_public_key());
  ASSERT_TRUE(restored.ok) << restored.problem;
  EXPECT_GT(restored.head.seq, 0);
  const vault::audit::Report live = VerifyAudit(*vault_, keys_->audit_public_key());
  ASSERT_TRUE(live.ok) << live.problem;
  EXPECT_GT(live.head.seq, restored.head.seq);  // the writer went on after the snapshot
  ASSERT_OK(vault_->Read([&](vault::ReadTxn& t) -> Status {
    auto events = t.ReadAudit(restored.head.seq, 1);
    if (!events) return events.error();
    EXPECT_EQ(events->at(0).hash, restored.head.hash);
    return Status::OK();
  }));
  for (const std::string& item : items) {
    EXPECT_EQ(Ciphertext(*store, item), Ciphertext(*vault_, item));
  }

  // A batond on the restored dir presents the same certificate and audit key.
  StopServer();
  auto cert = files_.ReadFile(target_ + "/tls.crt");
  auto tls_key = files_.ReadFile(target_ + "/tls.key");
  ASSERT_TRUE(cert && tls_key);
  const std::string original_fingerprint = tls_->fingerprint_sha256;
  tls_.emplace(vault::TlsMaterial{vault::SecureBuffer::CopyOf(*tls_key),
                                  std::string(cert->begin(), cert->end()), ""});
  keys_.swap(keys);
  vault_.swap(store);
  StartServer();
  auto served = vault::CertificateFingerprint(ServedCertificate(port_));
  ASSERT_TRUE(served.has_value()) << served.error().ToString();
  EXPECT_EQ(*served, original_fingerprint);
  Reply info = Call("GET", "/v1/server");
  ASSERT_EQ(info.status, 200) << info.raw;
  EXPECT_EQ(info.body["audit_public_key"], vault::crypto::ToBase64(keys->audit_public_key()));
  EXPECT_EQ(Login(owner).status, 200);
}

TEST_F(BackupRestoreTest, TheAgeToolOpensABackup) {
  ASSERT_TRUE(Backup(Mine()).has_value());
  const std::string plain = out_.File("plain");
  const std::string cmd = "age -d -i '" + identity_file_ + "' -o '" + plain + "' '" + backup_ + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto bytes = files_.ReadFile(plain);
  ASSERT_TRUE(bytes.has_value());
  const std::string text(bytes->begin(), bytes->end());
  EXPECT_TRUE(text.starts_with(backup::kArchiveMagic));
  EXPECT_NE(text.find("\"schema_version\""), std::string::npos);
}

TEST_F(BackupRestoreTest, TheRecoveryRecipientSettingAlsoOpensIt) {
  age::Identity recovery = age::Identity::Generate(env_);
  ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
    return t.PutSetting({"server"}, server::kRecoveryRecipientSetting,
                        recovery.recipient().Format());
  }));
  ASSERT_TRUE(Backup(Mine()).has_value());
  EXPECT_OK(Restore(recovery));
  EXPECT_TRUE(files_.FileExists(target_ + "/vault.db"));
}

TEST_F(BackupRestoreTest, NoRecipientWritesNothing) {
  EXPECT_STATUS(Backup({}), kFailedPrecondition);
  EXPECT_FALSE(files_.FileExists(backup_));
  EXPECT_STATUS(Backup({"age1notarecipient"}), kInvalidArgument);
  EXPECT_FALSE(files_.FileExists(backup_));
  server::Config config;
  EXPECT_STATUS(server::ApplySetting("backup_recipients", "age1nope", config), kInvalidArgument);
  EXPECT_OK(server::ApplySetting("backup_recipients", Mine()[0] + ", " + Mine()[0], config));
  EXPECT_EQ(config.backup_recipients.size(), 2u);
}

TEST_F(BackupRestoreTest, AnUnreadableDataDirWritesNothing) {
  const auto result = server::WriteBackup(files_,
                                          {.data_dir = out_.File("absent"),
                                           .db_key = &keys_->db_key(),
                                           .store = vault_.get(),
                                           .recipients = Mine()},
                                          backup_);
  EXPECT_STATUS(result, kNotFound);
  auto names = files_.ListDir(out_.path());
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(*names, std::vector<std::string>{"identity.txt"});
}

TEST_F(BackupRestoreTest, AWrongIdentityOrAnotherRecipientsFileRestoresNothing) {
  ASSERT_TRUE(Backup(Mine()).has_value());
  EXPECT_STATUS(Restore(age::Identity::Generate(env_)), kWrongPassphrase);
  ExpectNothingRestored();
  age::Identity other = age::Identity::Generate(env_);
  ASSERT_TRUE(Backup({other.recipient().Format()}).has_value());
  EXPECT_STATUS(Restore(identity_), kWrongPassphrase);
  ExpectNothingRestored();
}

TEST_F(BackupRestoreTest, ATamperedOrTruncatedFileRestoresNothing) {
  ASSERT_TRUE(Backup(Mine()).has_value());
  const std::vector<uint8_t> good = BackupBytes();
  std::vector<uint8_t> header = good;
  header[40] ^= 0x01;  // inside the X25519 stanza
  std::vector<uint8_t> payload = good;
  payload[payload.size() - 100] ^= 0x01;
  std::vector<uint8_t> truncated(good.begin(), good.begin() + good.size() / 2);
  for (const auto& bad : {header, payload, truncated}) {
    WriteBackupBytes(bad);
    Status s = Restore(identity_);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("backup"), std::string::npos) << s.ToString();
    ExpectNothingRestored();
  }
  WriteBackupBytes(good);
  EXPECT_OK(Restore(identity_));
}

TEST_F(BackupRestoreTest, ABackupOfANewerBatondIsRefused) {
  for (const auto& [version, schema] :
       std::vector<std::pair<std::string, int>>{{"999.0.0", 1}, {BATON_VERSION, 999}}) {
    WriteBackupBytes(BackupFromVersion(env_, identity_.recipient(), version, schema));
    EXPECT_STATUS(Restore(identity_), kUnsupported);
    ExpectNothingRestored();
  }
}

TEST_F(BackupRestoreTest, ANonEmptyTargetIsRefusedAndLeftAlone) {
  ASSERT_TRUE(Backup(Mine()).has_value());
  ASSERT_OK(files_.CreateDir(target_, 0700));
  ASSERT_OK(files_.WriteFileAtomic(target_ + "/keep", vault::crypto::AsBytes("x"), 0600));
  EXPECT_STATUS(Restore(identity_), kAlreadyExists);
  auto names = files_.ListDir(target_);
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(*names, std::vector<std::string>{"keep"});
  // An existing empty dir is a fine target.
  ASSERT_OK(files_.RemoveFile(target_ + "/keep"));
  EXPECT_OK(Restore(identity_));
  EXPECT_TRUE(files_.FileExists(target_ + "/server.key"));
}

TEST_F(BackupRestoreTest, AnIdentityFileWithoutAKeyIsRefused) {
  const std::string path = out_.File("empty-identity");
  ASSERT_OK(files_.WriteFileAtomic(path, vault::crypto::AsBytes("# nothing\n"), 0600));
  EXPECT_STATUS(backup::recovery::ReadIdentityFile(files_, path), kInvalidArgument);
  auto id = backup::recovery::ReadIdentityFile(files_, identity_file_);
  ASSERT_TRUE(id.has_value()) << id.error().ToString();
  EXPECT_EQ(id->recipient().Format(), identity_.recipient().Format());
}

// `batond restore` as people run it, with its output.
struct Batond {
  int code = -1;
  std::string out, err;
};
Batond RunBatond(std::vector<std::string> args) {
  args.insert(args.begin(), "batond");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  Batond r;
  r.code = server::Main(static_cast<int>(args.size()), argv.data());
  r.out = testing::internal::GetCapturedStdout();
  r.err = testing::internal::GetCapturedStderr();
  return r;
}

// A team with a recovery key: its backups open with any 3 of its 5 shares.
class RestoreWithSharesTest : public BackupRestoreTest {
 protected:
  void SetUp() override {
    BackupRestoreTest::SetUp();
    ASSERT_OK(testing_util::StoreTeamRecovery(*vault_, team_));
    ASSERT_TRUE(Backup({}).has_value());
  }
  // Restores with the shares file holding `text` (kept apart from out_, which
  // must hold nothing else).
  Batond RestoreWith(const std::string& text) {
    const std::string file = shares_dir_.File("shares.txt");
    EXPECT_OK(files_.WriteFileAtomic(file, vault::crypto::AsBytes(text), 0600));
    return RunBatond({"restore", backup_, "--data", target_, "--shares-file", file});
  }

  TeamRecovery team_ = MakeTeamRecovery(env_);
  TempDir shares_dir_;
};

TEST_F(RestoreWithSharesTest, ThreeOfFiveSharesRestore) {
  Batond r = RestoreWith(team_.SharesText({1, 3, 5}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Restored " + target_), std::string::npos) << r.out;
  std::optional<vault::ServerKeys> keys;
  std::unique_ptr<vault::Store> store;
  OpenRestored(keys, store);
  ASSERT_TRUE(store);
  EXPECT_EQ(keys->audit_public_key(), keys_->audit_public_key());
}

TEST_F(RestoreWithSharesTest, SharesSeparatedByBlankLinesMaySpanLines) {
  std::string text = "# custodians 2, 4 and 5\n\n";
  for (int p : {2, 4, 5}) {
    std::string share = team_.shares[static_cast<size_t>(p - 1)];
    // Each share over several lines, as copied from a sheet.
    for (size_t at = 0; (at = share.find(' ', at + 40)) != std::string::npos;) share[at] = '\n';
    text += share + "\n\n";
  }
  Batond r = RestoreWith(text);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(files_.FileExists(target_ + "/vault.db"));
}

TEST_F(RestoreWithSharesTest, BadSharesRestoreNothing) {
  TeamRecovery other = MakeTeamRecovery(env_);
  std::string typo = team_.shares[2];
  typo.replace(0, typo.find(' '), "zzzzz");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {team_.SharesText({2, 4}), "2 of 3 shares given; 1 more needed"},
      {team_.SharesText({1, 2}) + other.shares[2] + "\n", "these shares belong to different sets"},
      {team_.SharesText({1, 2, 2}), "share 3 was given twice"},
      {team_.SharesText({1, 2}) + typo + "\n", "share 3, word 1 'zzzzz' is not in the list"},
      {other.SharesText({1, 2, 3}), "no identity matches any recipient"},
      {"\n# none\n", "no shares given"},
  };
  for (const auto& [text, want] : cases) {
    Batond r = RestoreWith(text);
    EXPECT_EQ(r.code, 1) << want;
    EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
    ExpectNothingRestored();
  }
}

TEST_F(RestoreWithSharesTest, IdentityAndSharesFileExcludeEachOther) {
  const std::string file = shares_dir_.File("shares.txt");
  ASSERT_OK(
      files_.WriteFileAtomic(file, vault::crypto::AsBytes(team_.SharesText({1, 2, 3})), 0600));
  Batond r = RunBatond(
      {"restore", backup_, "--data", target_, "--shares-file", file, "--identity", identity_file_});
  EXPECT_NE(r.code, 0);
  ExpectNothingRestored();
}

// The fixture's clock and randomness, with real files: what a schedule on a
// fake clock needs, since backups are written where SQLite can read.
class ClockedFiles final : public EnvWrapper {
 public:
  explicit ClockedFiles(FakeEnv& clock) : EnvWrapper(vault::Env::Default()), clock_(clock) {}
  vault::TimePoint Now() override { return clock_.Now(); }
  std::chrono::nanoseconds MonotonicNow() override { return clock_.MonotonicNow(); }
  void RandomBytes(std::span<uint8_t> out) override { clock_.RandomBytes(out); }

 private:
  FakeEnv& clock_;
};

TEST_F(BackupRestoreTest, TheScheduleWritesAtItsIntervalKeepsTheNewestAndIsReported) {
  ClockedFiles env(env_);
  const std::string dir = out_.File("scheduled");
  ASSERT_OK(files_.CreateDir(dir, 0700));
  ASSERT_OK(files_.WriteFileAtomic(dir + "/notes.txt", vault::crypto::AsBytes("mine"), 0600));
  server::BackupSchedule schedule({.data_dir = dir_.path(),
                                   .db_key = &keys_->db_key(),
                                   .store = vault_.get(),
                                   .recipients = Mine()},
                                  {.dir = dir, .interval = std::chrono::hours(6), .keep = 3});
  auto backups = [&] {
    auto names = files_.ListDir(dir);
    EXPECT_TRUE(names.has_value());
    std::erase(*names, "notes.txt");
    return *names;
  };
  Reply before = Call("GET", "/v1/server");
  EXPECT_FALSE(before.body.contains("last_backup_at")) << before.raw;

  auto first = schedule.RunIfDue(env);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(backups(), std::vector<std::string>{"batond-20260101T000000Z.age"});
  env_.AdvanceTime(std::chrono::hours(5) + std::chrono::minutes(59));
  auto early = schedule.RunIfDue(env);
  ASSERT_TRUE(early.has_value());
  EXPECT_FALSE(early->has_value());
  EXPECT_EQ(backups().size(), 1u);

  std::optional<server::BackupWritten> last;
  for (int i = 0; i < 4; ++i) {
    env_.AdvanceTime(i == 0 ? std::chrono::minutes(1) : std::chrono::hours(6));
    auto due = schedule.RunIfDue(env);
    ASSERT_TRUE(due.has_value()) << due.error().ToString();
    ASSERT_TRUE(due->has_value());
    last = **due;
  }
  EXPECT_EQ(backups(),
            (std::vector<std::string>{"batond-20260101T120000Z.age", "batond-20260101T180000Z.age",
                                      "batond-20260102T000000Z.age"}));
  EXPECT_TRUE(files_.FileExists(dir + "/notes.txt"));

  const std::string token = UseMetricsToken();
  StopServer();
  StartServer();
  server_->RecordBackup(last->at, last->bytes);
  Reply info = Call("GET", "/v1/server");
  ASSERT_EQ(info.status, 200) << info.raw;
  EXPECT_EQ(info.body["last_backup_at"], vault::ToUnixMs(last->at));
  EXPECT_EQ(info.body["last_backup_bytes"], last->bytes);
  auto parsed = vault::api::ServerInfoFromJson(info.body, "GET /v1/server");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->last_backup_bytes, last->bytes);
  Reply m = Call("GET", "/metrics", token);
  EXPECT_NE(m.raw.find("baton_last_backup_bytes " + std::to_string(last->bytes) + "\n"),
            std::string::npos)
      << m.raw;
  EXPECT_NE(m.raw.find("baton_last_backup_timestamp_seconds " +
                       std::to_string(vault::ToUnixMs(last->at) / 1000) + "\n"),
            std::string::npos);
}

TEST_F(BackupRestoreTest, ScheduleSettingsRefuseBadValues) {
  server::Config config;
  for (const char* bad : {"0", "-1", "x", "8761"}) {
    EXPECT_STATUS(server::ApplySetting("backup_interval_h", bad, config), kInvalidArgument);
  }
  EXPECT_STATUS(server::ApplySetting("backup_keep", "0", config), kInvalidArgument);
  EXPECT_EQ(config.backup_interval, std::chrono::hours(24));
  EXPECT_EQ(config.backup_keep, 7);
  EXPECT_OK(server::ApplySetting("backup_interval_h", "6", config));
  EXPECT_EQ(config.backup_interval, std::chrono::hours(6));
}

TEST_F(BackupRestoreTest, AScheduleWithoutItsDirWritesNothing) {
  ClockedFiles env(env_);
  server::BackupSchedule schedule({.data_dir = dir_.path(),
                                   .db_key = &keys_->db_key(),
                                   .store = vault_.get(),
                                   .recipients = Mine()},
                                  {.dir = out_.File("absent")});
  EXPECT_FALSE(schedule.RunIfDue(env).has_value());
  EXPECT_FALSE(files_.FileExists(out_.File("absent")));
}

}  // namespace
}  // namespace testing_util
