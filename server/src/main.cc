#include "server/main.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "backup.h"
#include "backup/share_input.h"
#include "server/config.h"
#include "server/invite.h"
#include "server/server.h"
#include "vault/crypto.h"
#include "vault/hardening.h"
#include "vault/secret_input.h"
#include "vault/server_keys.h"
#include "vault/store.h"
#include "vault/tls_cert.h"

extern char** environ;

namespace server {
namespace {

using vault::Result;
using vault::SecureBuffer;
using vault::Status;

constexpr char kKeyFile[] = "server.key";
constexpr char kVaultFile[] = "vault.db";
constexpr char kTlsKeyFile[] = "tls.key";
constexpr char kTlsCertFile[] = "tls.crt";
constexpr char kConfigFile[] = "batond.conf";

int Die(const Status& s) {
  std::cerr << "batond: " << s.ToString() << "\n";
  return 1;
}

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

// A single-use owner invite, valid for `ttl`; returns the code (stored only
// as a hash).
Result<std::string> CreateOwnerInvite(vault::Env& env, vault::Store& db, const std::string& name,
                                      std::chrono::seconds ttl) {
  const IssuedInvite invite = NewInvite(env, vault::TeamRole::kOwner, name, "server", ttl);
  if (Status s =
          db.Write([&](vault::WriteTxn& t) { return t.CreateInvite({"server"}, invite.record); });
      !s.ok()) {
    return vault::Fail(s);
  }
  return invite.code;
}

// Where the settings of a command come from besides the defaults.
struct ConfigSources {
  std::string config_file;
  std::map<std::string, std::string> flags;  // config keys set on the command line
};

// Defaults < config file (DATA/batond.conf if none is named) < BATON_*
// environment < flags.
Result<Config> LoadConfig(vault::Env& env, Config config, const ConfigSources& o) {
  const auto environment = Environment();
  std::string config_file = o.config_file;
  if (auto it = o.flags.find("data_dir"); it != o.flags.end()) config.data_dir = it->second;
  if (auto it = environment.find("BATON_DATA_DIR");
      it != environment.end() && !o.flags.contains("data_dir")) {
    config.data_dir = it->second;
  }
  if (config_file.empty() && env.FileExists(config.data_dir + "/" + kConfigFile)) {
    config_file = config.data_dir + "/" + kConfigFile;
  }
  if (!config_file.empty()) {
    auto text = env.ReadFile(config_file);
    if (!text) return vault::Fail(text.error());
    if (Status s = ApplyConfigText(std::string(text->begin(), text->end()), config); !s.ok()) {
      return vault::Fail(s.WithContext(config_file));
    }
  }
  if (Status s = ApplyEnvironment(environment, config); !s.ok()) return vault::Fail(s);
  for (const auto& [k, v] : o.flags) {
    if (Status s = ApplySetting(k, v, config); !s.ok()) return vault::Fail(s);
  }
  return config;
}

// The keys and the open vault of a data dir.
struct DataDir {
  vault::ServerKeys keys;
  std::unique_ptr<vault::Store> vault;
};

Result<DataDir> OpenDataDir(vault::Env& env, const std::string& data_dir,
                            const std::string& passphrase_file) {
  const std::string dir = data_dir + "/";
  auto key_file = env.ReadFile(dir + kKeyFile);
  if (!key_file) {
    return vault::Fail(
        key_file.error().WithContext("is " + data_dir + " a data dir? (batond init)"));
  }
  auto info = vault::InspectServerKeyFile(*key_file);
  std::fill(key_file->begin(), key_file->end(), 0);
  if (!info) return vault::Fail(info.error());
  std::optional<SecureBuffer> passphrase;
  if (info->needs_passphrase()) {
    if (passphrase_file.empty()) {
      return vault::Fail(Status::FailedPrecondition(
          "the server key file is sealed: pass --passphrase-file FILE (or - for stdin)"));
    }
    auto p = vault::ReadSecretFile(env, std::cin, passphrase_file);
    if (!p) return vault::Fail(p.error());
    passphrase = std::move(*p);
  }
  auto keys = passphrase ? vault::LoadServerKeys(env, dir + kKeyFile, passphrase->bytes())
                         : vault::LoadServerKeys(env, dir + kKeyFile);
  if (!keys) return vault::Fail(keys.error());
  auto db = vault::Store::Open(
      {.env = &env, .key = &keys->db_key(), .mode = vault::OpenMode::kOpenExisting},
      dir + kVaultFile);
  if (!db) return vault::Fail(db.error());
  return DataDir{std::move(*keys), std::move(*db)};
}

// A new owner invite for a team that has no active owner yet (e.g. the code
// printed by init was lost before anyone joined). Refused once an owner
// exists: owners invite owners through the API, which is audited with them
// as the actor.
int RunInviteOwner(vault::Env& env, const ConfigSources& sources,
                   const std::string& passphrase_file, const std::string& name) {
  auto config = LoadConfig(env, Config{}, sources);
  if (!config) return Die(config.error());
  auto dd = OpenDataDir(env, config->data_dir, passphrase_file);
  if (!dd) return Die(dd.error());
  bool has_owner = false;
  if (Status s = dd->vault->Read([&](vault::ReadTxn& t) -> Status {
        auto members = t.ListMembers();
        if (!members) return members.error();
        for (const auto& m : *members)
          has_owner |=
              m.role == vault::TeamRole::kOwner && m.status == vault::MemberStatus::kActive;
        return Status::OK();
      });
      !s.ok()) {
    return Die(s);
  }
  if (has_owner) {
    return Die(Status::FailedPrecondition(
        "the team has an owner; owners invite others with baton (the API)"));
  }
  auto code = CreateOwnerInvite(env, *dd->vault, name, config->invite_ttl);
  if (!code) return Die(code.error());
  std::cout << *code << "\n";
  return 0;
}

struct InitOptions {
  std::string dir;
  std::vector<std::string> names;
  std::string owner_name = "owner";
  std::string passphrase_file;
};

// Everything of a data dir, built in `dir` (which exists, empty, 0700).
Result<std::string> BuildDataDir(vault::Env& env, const std::string& dir, const InitOptions& o) {
  vault::ServerKeys keys = vault::ServerKeys::Generate(env);
  std::optional<SecureBuffer> passphrase;
  std::optional<vault::ServerKeyPassphrase> seal;
  if (!o.passphrase_file.empty()) {
    auto p = vault::ReadSecretFile(env, std::cin, o.passphrase_file);
    if (!p) return vault::Fail(p.error());
    passphrase = std::move(*p);
    std::cerr << "Calibrating the passphrase KDF (about 1 s)...\n";
    auto cal = vault::kdf::Calibrate({}, vault::kdf::MeasuredCost(env));
    if (!cal) return vault::Fail(cal.error());
    seal = vault::ServerKeyPassphrase{passphrase->bytes(), cal->params};
    std::cerr << "Argon2id: " << cal->params.memory_bytes / vault::kdf::kMiB
              << " MiB, t=" << cal->params.iterations << "\n";
  }
  if (Status s = vault::SaveServerKeys(env, dir + "/" + kKeyFile, keys, seal); !s.ok()) {
    return vault::Fail(s);
  }
  auto tls = vault::GenerateSelfSignedTls(env, env.Now(), o.names);
  if (!tls) return vault::Fail(tls.error());
  if (Status s = env.WriteFileAtomic(dir + "/" + kTlsKeyFile, tls->key_pem.bytes(), 0600);
      !s.ok()) {
    return vault::Fail(s);
  }
  if (Status s = env.WriteFileAtomic(dir + "/" + kTlsCertFile,
                                     vault::crypto::AsBytes(tls->cert_pem), 0644);
      !s.ok()) {
    return vault::Fail(s);
  }
  auto db =
      vault::Store::Open({.env = &env, .key = &keys.db_key(), .mode = vault::OpenMode::kCreateNew},
                         dir + "/" + kVaultFile);
  if (!db) return vault::Fail(db.error());
  auto code = CreateOwnerInvite(env, **db, o.owner_name, Config{}.invite_ttl);
  if (!code) return vault::Fail(code.error());
  std::cout << "TLS certificate SHA-256 fingerprint:\n  " << tls->fingerprint_sha256 << "\n";
  return code;
}

int RunInit(vault::Env& env, const InitOptions& o) {
  if (env.FileExists(o.dir)) {
    return Die(Status::AlreadyExists(o.dir + " exists; refusing to overwrite a data dir"));
  }
  // Built under a temporary name and renamed at the end, so a failure
  // leaves no half-made data dir behind (and init can simply be re-run).
  const std::string staging = o.dir + ".init-" + vault::crypto::RandomId(env).substr(0, 8);
  if (Status s = env.CreateDir(staging, 0700); !s.ok()) return Die(s);
  auto code = BuildDataDir(env, staging, o);
  if (code) {
    if (Status s = env.Rename(staging, o.dir); !s.ok()) code = vault::Fail(s);
  }
  if (!code) {
    for (const char* f : {kKeyFile, kTlsKeyFile, kTlsCertFile, kVaultFile}) {
      (void)env.RemoveFile(staging + "/" + f);
      (void)env.RemoveFile(staging + "/" + f + std::string("-wal"));
      (void)env.RemoveFile(staging + "/" + f + std::string("-shm"));
    }
    (void)env.RemoveDir(staging);
    return Die(code.error());
  }
  std::cout << "Created " << o.dir << "\n"
            << "Owner invite code (single use, valid "
            << std::chrono::duration_cast<std::chrono::days>(Config{}.invite_ttl).count()
            << " days; shown once):\n  " << *code << "\n";
  return 0;
}

struct BackupOptions {
  ConfigSources sources;
  std::string passphrase_file;
  std::string out;
};

// A backup of a data dir, which a running batond may be serving.
int RunBackup(vault::Env& env, const BackupOptions& o) {
  auto config = LoadConfig(env, Config{}, o.sources);
  if (!config) return Die(config.error());
  auto dd = OpenDataDir(env, config->data_dir, o.passphrase_file);
  if (!dd) return Die(dd.error());
  auto written = WriteBackup(env,
                             {.data_dir = config->data_dir,
                              .db_key = &dd->keys.db_key(),
                              .store = dd->vault.get(),
                              .recipients = config->backup_recipients},
                             o.out);
  if (!written) return Die(written.error());
  std::cout << "Wrote " << o.out << " (" << written->bytes << " bytes)\n";
  return 0;
}

struct RestoreOptions {
  std::string file;
  std::string data_dir;
  backup::recovery::UnlockSource unlock;
};

// The backup opens with an age identity file, a file of shares, or shares
// typed at the terminal (echo off), so custodians never put one in argv.
int RunRestore(vault::Env& env, const RestoreOptions& o) {
  if (o.unlock.identity_file.empty() && o.unlock.shares_file.empty()) {
    std::cerr << "Type the recovery shares, one at a time.\n";
  }
  auto unlocked =
      backup::recovery::Unlock(env, o.unlock, &vault::ReadSecretFromTerminal, std::cerr);
  if (!unlocked) return Die(unlocked.error());
  if (Status s = RestoreBackup(env, o.file, *unlocked->identity, o.data_dir); !s.ok()) {
    return Die(s);
  }
  std::cout << "Restored " << o.data_dir << " from " << o.file << "\n";
  return 0;
}

struct ServeOptions {
  ConfigSources sources;
  std::string passphrase_file;
};

int RunServe(vault::Env& env, const Config& defaults, const ServeOptions& o) {
  auto loaded = LoadConfig(env, defaults, o.sources);
  if (!loaded) return Die(loaded.error());
  const Config& config = *loaded;
  const std::string dir = config.data_dir + "/";

  auto dd = OpenDataDir(env, config.data_dir, o.passphrase_file);
  if (!dd) return Die(dd.error());
  auto cert = env.ReadFile(dir + kTlsCertFile);
  if (!cert) return Die(cert.error());
  auto tls_key = env.ReadFile(dir + kTlsKeyFile);
  if (!tls_key) return Die(tls_key.error());
  SecureBuffer tls_key_pem = SecureBuffer::CopyOf(*tls_key);
  std::fill(tls_key->begin(), tls_key->end(), 0);
  const std::string cert_pem(cert->begin(), cert->end());
  auto fingerprint = vault::CertificateFingerprint(cert_pem);
  if (!fingerprint) return Die(fingerprint.error());

  Deps deps;
  deps.env = &env;
  deps.vault = dd->vault.get();
  deps.audit_key = &dd->keys.audit();
  deps.escrow_public_key = dd->keys.escrow_public_key();
  deps.escrow_key = &dd->keys.escrow();
  deps.tls_cert_pem = cert_pem;
  deps.tls_key_pem = &tls_key_pem;
  std::optional<SecureBuffer> smtp_password;
  if (const char* p = std::getenv("BATON_SMTP_PASSWORD"); p != nullptr && *p != '\0') {
    smtp_password = SecureBuffer::CopyOf(vault::crypto::AsBytes(std::string_view(p)));
    deps.smtp_password = &*smtp_password;
  }
  auto srv = Server::Create(config, deps);
  if (!srv) return Die(srv.error());
  auto port = (*srv)->Bind();
  if (!port) return Die(port.error());
  std::optional<BackupSchedule> backups;
  if (!config.backup_dir.empty()) {
    backups.emplace(BackupSource{.data_dir = config.data_dir,
                                 .db_key = &dd->keys.db_key(),
                                 .store = dd->vault.get(),
                                 .recipients = config.backup_recipients},
                    BackupPlan{config.backup_dir, config.backup_interval, config.backup_keep});
  }

  // SIGTERM/SIGINT end the server gracefully: a watcher thread waits for
  // them (blocked everywhere else) and stops the listener; in-flight
  // requests finish before Serve() returns.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::thread([&stop_signals, s = srv->get()] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::clog << "batond: signal " << sig << ", shutting down\n";
    s->Shutdown();
  }).detach();
  // Timed work every 30 s, a checkpoint every 5 min (wall-clock waiting in
  // production only; tests drive Tick() and Checkpoint() themselves).
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread checkpointer([&] {
    std::unique_lock lock(mu);
    int ticks = 0;
    while (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return done; })) {
      lock.unlock();
      if (Status s = (*srv)->Tick(); !s.ok()) std::clog << "batond: " << s.ToString() << "\n";
      if (backups) {
        auto written = backups->RunIfDue(env);
        if (!written) {
          std::clog << "batond: backup: " << written.error().ToString() << "\n";
        } else if (*written) {
          (*srv)->RecordBackup((*written)->at, (*written)->bytes);
        }
      }
      if (++ticks % 10 == 0) {
        if (auto cp = (*srv)->Checkpoint(); !cp)
          std::clog << "batond: " << cp.error().ToString() << "\n";
      }
      lock.lock();
    }
  });

  std::cout << "batond " << BATON_VERSION << " listening on https://" << config.listen_host << ":"
            << *port << "\n"
            << "TLS certificate SHA-256 fingerprint: " << *fingerprint << "\n"
            << std::flush;
  Status served = (*srv)->Serve();
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  checkpointer.join();
  if (auto cp = (*srv)->Checkpoint(); !cp) std::clog << "batond: " << cp.error().ToString() << "\n";
  if (!served.ok()) return Die(served);
  std::clog << "batond: stopped\n";
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  if (Status s = vault::DisableCoreDumps(); !s.ok()) return Die(s);
  if (Status s = vault::crypto::Init(); !s.ok()) return Die(s);
  vault::Env& env = vault::Env::Default();

  CLI::App app{"batond: the baton server (HTTPS API, emergency access, audit log)", "batond"};
  app.set_version_flag("--version", "batond " BATON_VERSION);
  app.require_subcommand(1);

  InitOptions init;
  auto* init_cmd = app.add_subcommand("init", "Create a data dir: keys, TLS certificate, vault");
  init_cmd->add_option("dir", init.dir, "The data dir to create (mode 0700)")->required();
  init_cmd->add_option("--name", init.names,
                       "Extra host name or IP for the certificate (repeatable)");
  init_cmd->add_option("--owner", init.owner_name, "Name of the first owner")
      ->capture_default_str();
  init_cmd->add_option("--passphrase-file", init.passphrase_file,
                       "Seal the server key file with the passphrase in FILE (- for stdin)");

  Config config;
  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the server");
  serve_cmd->add_option("--config", serve.sources.config_file,
                        "Config file (default DATA/batond.conf if present)");
  serve_cmd->add_option("--passphrase-file", serve.passphrase_file,
                        "Passphrase of a sealed server key file (- for stdin)");
  AddSettingFlags(*serve_cmd, serve.sources.flags);

  std::string invite_dir = "./var/baton", invite_passphrase, invite_name = "owner";
  ConfigSources invite_sources;
  auto* invite_cmd = app.add_subcommand(
      "invite-owner", "Print a new owner invite code, for a team that has no owner yet");
  invite_cmd->add_option("--data", invite_dir, "Data dir")->capture_default_str();
  invite_cmd->add_option("--owner", invite_name, "Name of the owner")->capture_default_str();
  invite_cmd->add_option("--passphrase-file", invite_passphrase,
                         "Passphrase of a sealed server key file (- for stdin)");
  invite_cmd->add_option("--config", invite_sources.config_file,
                         "Config file, for invite_ttl_s (default DATA/batond.conf if present)");

  BackupOptions backup;
  std::string backup_dir = "./var/baton";
  auto* backup_cmd = app.add_subcommand(
      "backup", "Write an age-encrypted backup of a data dir (it may be serving)");
  backup_cmd->add_option("--data", backup_dir, "Data dir")->capture_default_str();
  backup_cmd->add_option("--out", backup.out, "The backup file to write (0600)")->required();
  backup_cmd->add_option("--config", backup.sources.config_file,
                         "Config file, for backup_recipients (default DATA/batond.conf)");
  backup_cmd->add_option("--passphrase-file", backup.passphrase_file,
                         "Passphrase of a sealed server key file (- for stdin)");

  RestoreOptions restore;
  auto* restore_cmd = app.add_subcommand(
      "restore", "Rebuild a data dir from a backup, with recovery shares or an age identity");
  restore_cmd->add_option("file", restore.file, "The backup file")->required();
  restore_cmd->add_option("--data", restore.data_dir, "The new data dir (absent or empty)")
      ->required();
  auto* identity_opt =
      restore_cmd->add_option("--identity", restore.unlock.identity_file,
                              "age identity file (AGE-SECRET-KEY-1..., as age-keygen writes)");
  restore_cmd
      ->add_option("--shares-file", restore.unlock.shares_file,
                   "Recovery shares, one per line or separated by blank lines (else prompted)")
      ->excludes(identity_opt);

  CLI11_PARSE(app, argc, argv);
  if (*backup_cmd) {
    backup.sources.flags["data_dir"] = backup_dir;
    return RunBackup(env, backup);
  }
  if (*restore_cmd) return RunRestore(env, restore);
  if (*init_cmd) return RunInit(env, init);
  if (*invite_cmd) {
    invite_sources.flags["data_dir"] = invite_dir;
    return RunInviteOwner(env, invite_sources, invite_passphrase, invite_name);
  }
  return RunServe(env, config, serve);
}

}  // namespace server
