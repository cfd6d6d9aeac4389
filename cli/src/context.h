// What a command runs with: I/O, options, and lazily the profile, the
// unlocked identity, a signed-in API client and collection keys.
#ifndef BATON_CLI_SRC_CONTEXT_H_
#define BATON_CLI_SRC_CONTEXT_H_

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "api_client.h"
#include "cache.h"
#include "cli/console.h"
#include "key_ops.h"
#include "profile.h"
#include "trust.h"
#include "vault/envelope.h"
#include "vault/identity.h"

namespace CLI {
class App;
}

namespace cli {

struct GlobalOptions {
  std::string profile = "default";
  bool json = false;
  std::string passphrase_file;  // "-" for stdin; else the TTY is asked
};

// An item as found by name or id.
struct ItemRef {
  std::string id;
  std::string collection_id;
  nlohmann::json meta;  // as the server lists it
};

// An item's current ciphertext, from the server or the offline cache.
struct ItemCiphertext {
  ItemRef ref;
  nlohmann::json meta;  // as GET /v1/items/:id returns it, without the ciphertext
  std::vector<uint8_t> ciphertext;
  bool offline = false;  // read from the cache: the server could not be reached
  int64_t as_of_ms = 0;  // offline: server time of the collection's last sync
};

class Context {
 public:
  Context(Console& console_in, vault::Env& env_in, std::map<std::string, std::string> vars)
      : console(console_in), env(env_in), environ(std::move(vars)) {}

  Console& console;
  vault::Env& env;
  const std::map<std::string, std::string> environ;
  GlobalOptions options;
  int exit_code = 0;
  // Set by commands that must not reach any server (recover): client()
  // then fails instead of signing in.
  bool offline_only = false;

  std::string home() const { return ProfilesHome(environ); }

  vault::Result<Profile*> profile();
  // The member's identity, unlocked with the passphrase (from
  // --passphrase-file, else the terminal).
  vault::Result<const vault::Identity*> identity();
  // The member's keys for signing and opening sealed boxes: the local agent
  // of this profile if one answers (no passphrase asked), else identity().
  vault::Result<KeyOps*> keys();
  // A client signed in as this profile's member (once per run): with the
  // session the agent keeps, if it keeps one, else by signing in (which the
  // agent then keeps); a session the server no longer accepts is replaced
  // by a new sign-in on its first 401. The first contact also uploads the
  // reads made offline that the server has not acknowledged. If the server
  // says the member was removed, the offline cache is deleted (and the user
  // told).
  vault::Result<ApiClient*> client();
  // The collection's current key, opened locally from the member's sealed
  // copy: from the offline cache if it holds that `key_version` (0: any),
  // else fetched from the server.
  // Either way the key version must not be below the one pinned
  // (Rollback), and the key must be the one the team roster vouches for
  // (UntrustedKey); the pin is then raised.
  vault::Result<const vault::envelope::CollectionKey*> collection_key(const std::string& id,
                                                                      int64_t key_version = 0);
  // The key to encrypt or seal new data with: the collection's latest key,
  // from the server, which must be the roster's latest version; refused
  // while this profile has not pinned its team's roster.
  vault::Result<const vault::envelope::CollectionKey*> write_key(const std::string& id);
  // This profile's pins (pins.json), loaded once; no network.
  vault::Result<TeamTrust*> pins();
  // pins() with the team roster fetched and verified against them, once per
  // run (a legacy team without a roster is a warning on stderr).
  vault::Result<TeamTrust*> trust();
  // Finds an item by id, or by exact name: in the offline cache by index if
  // it has it, else among the collections the member can see on the server
  // (NotFound, or FailedPrecondition if the name is ambiguous).
  vault::Result<ItemRef> FindItem(const std::string& name_or_id);
  // FindItem on the server only.
  vault::Result<ItemRef> FindItemOnServer(const std::string& name_or_id);
  // The item's current ciphertext from the server (an audited read). With
  // `allow_offline`, if the server cannot be reached, from the offline cache
  // instead (offline and as_of_ms tell; the caller tells the user): the read
  // is recorded for the server. Creates and fills the cache if there is none
  // yet.
  vault::Result<ItemCiphertext> ReadItem(const std::string& name_or_id, bool allow_offline);

  // The offline cache of this profile (once per run). With `create`, a
  // missing or unusable one is (re)created empty; otherwise NotFound if
  // there is none. An unusable cache is reported on stderr and deleted.
  vault::Result<Cache*> cache(bool create);
  // Brings the offline cache up to date with the server, creating it.
  vault::Result<SyncReport> SyncCache();
  // SyncCache() if a cache exists; a failure is only a warning on stderr.
  // For after this client's own changes, so the cache stays current.
  void SyncCacheQuietly();

  // Prints "baton: <message>" and returns the exit code for `s`.
  int Fail(const vault::Status& s);

 private:
  // Challenge, signature, login; the token is set on `c` and handed to the
  // agent (if keys() is one).
  vault::Status SignIn(ApiClient& c);
  // Names the server and member a kept session is for.
  static std::string SessionScope(const Profile& p);
  // The member's sealed copy of the collection's current key, from the
  // server, opened by OpenCollectionKey.
  vault::Result<const vault::envelope::CollectionKey*> FetchCollectionKey(const std::string& id);
  // Opens a sealed collection key after checking its version against the
  // pins, checks it against the roster, and raises the pin.
  vault::Result<const vault::envelope::CollectionKey*> OpenCollectionKey(
      const std::string& id, std::span<const uint8_t> sealed, int64_t version);

  std::optional<Profile> profile_;
  std::optional<vault::Identity> identity_;
  std::unique_ptr<KeyOps> key_ops_;
  std::unique_ptr<ApiClient> client_;
  std::map<std::string, vault::envelope::CollectionKey> keys_;
  std::unique_ptr<Cache> cache_;
  bool cache_synced_ = false;
  // Set when the server said this member was removed.
  std::optional<vault::Status> removed_;
  std::unique_ptr<TeamTrust> trust_;
};

// Each group of commands registers its subcommands on the app.
void RegisterAccountCommands(CLI::App& app, Context& ctx);    // join, init, whoami, server
void RegisterTeamCommands(CLI::App& app, Context& ctx);       // member, collection
void RegisterItemCommands(CLI::App& app, Context& ctx);       // item, totp, generate
void RegisterAuditCommands(CLI::App& app, Context& ctx);      // audit, due
void RegisterCompletionCommand(CLI::App& app, Context& ctx);  // completion bash|zsh
void RegisterAgentCommands(CLI::App& app, Context& ctx);      // unlock, lock, status
void RegisterCacheCommands(CLI::App& app, Context& ctx);      // sync
void RegisterEmergencyCommands(CLI::App& app, Context& ctx);  // emergency ...
void RegisterRecoveryCommands(CLI::App& app, Context& ctx);   // recovery ...
void RegisterSheetCommands(CLI::App& app, Context& ctx);      // sheet share|breakglass|server|check
// collection rekey; after RegisterTeamCommands (it adds to `collection`).
void RegisterRekeyCommand(CLI::App& app, Context& ctx);
void RegisterRecoverCommand(CLI::App& app, Context& ctx);  // recover
void RegisterExportCommand(CLI::App& app, Context& ctx);   // export --age

}  // namespace cli

#endif  // BATON_CLI_SRC_CONTEXT_H_
