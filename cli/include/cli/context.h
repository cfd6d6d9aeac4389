// What a command runs with: I/O, options, and lazily the profile, the
// unlocked identity, a signed-in API client and collection keys.
#ifndef BATON_CLI_CONTEXT_H_
#define BATON_CLI_CONTEXT_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cli/api_client.h"
#include "cli/console.h"
#include "cli/key_ops.h"
#include "cli/profile.h"
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

class Context {
 public:
  Context(Console& console_in, vault::Env& env_in, std::map<std::string, std::string> vars)
      : console(console_in), env(env_in), environ(std::move(vars)) {}

  Console& console;
  vault::Env& env;
  const std::map<std::string, std::string> environ;
  GlobalOptions options;
  int exit_code = 0;

  std::string home() const { return ProfilesHome(environ); }

  vault::Result<Profile*> profile();
  // The member's identity, unlocked with the passphrase (from
  // --passphrase-file, else the terminal).
  vault::Result<const vault::Identity*> identity();
  // The member's keys for signing and opening sealed boxes: the local agent
  // of this profile if one answers (no passphrase asked), else identity().
  vault::Result<KeyOps*> keys();
  // A client signed in as this profile's member (once per run).
  vault::Result<ApiClient*> client();
  // The collection's current key, fetched sealed and opened locally.
  vault::Result<const vault::envelope::CollectionKey*> collection_key(const std::string& id);
  // Finds an item by id, or by exact name among the collections the member
  // can see (NotFound, or FailedPrecondition if the name is ambiguous).
  vault::Result<ItemRef> FindItem(const std::string& name_or_id);

  // Prints "baton: <message>" and returns the exit code for `s`.
  int Fail(const vault::Status& s);

 private:
  std::optional<Profile> profile_;
  std::optional<vault::Identity> identity_;
  std::unique_ptr<KeyOps> key_ops_;
  std::unique_ptr<ApiClient> client_;
  std::map<std::string, vault::envelope::CollectionKey> keys_;
};

// Each group of commands registers its subcommands on the app.
void RegisterAccountCommands(CLI::App& app, Context& ctx);    // join, init, whoami, server
void RegisterTeamCommands(CLI::App& app, Context& ctx);       // member, collection
void RegisterItemCommands(CLI::App& app, Context& ctx);       // item, totp, generate
void RegisterAuditCommands(CLI::App& app, Context& ctx);      // audit, due
void RegisterCompletionCommand(CLI::App& app, Context& ctx);  // completion bash|zsh
void RegisterAgentCommands(CLI::App& app, Context& ctx);      // unlock, lock, status
void RegisterEmergencyCommands(CLI::App& app, Context& ctx);  // emergency ...
// collection rekey; after RegisterTeamCommands (it adds to `collection`).
void RegisterRekeyCommand(CLI::App& app, Context& ctx);

}  // namespace cli

#endif  // BATON_CLI_CONTEXT_H_
