// A profile: one server and one member identity on this machine.
//
// Profiles live in $BATON_HOME, else $XDG_CONFIG_HOME/baton, else
// ~/.config/baton: <home>/<profile>/profile.json (server URL, pinned
// certificate fingerprint, server audit key, member id) and
// <home>/<profile>/identity (the passphrase-protected identity file). Both
// are written atomically, 0600, in a 0700 directory.
#ifndef BATON_CLI_SRC_PROFILE_H_
#define BATON_CLI_SRC_PROFILE_H_

#include <map>
#include <string>

#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/status.h"

namespace cli {

struct Profile {
  std::string name = "default";
  std::string dir;  // <home>/<name>
  std::string server_url;
  std::string fingerprint;  // pinned TLS certificate (SHA-256, colon hex)
  vault::crypto::PublicKey server_audit_key{};
  std::string member_id;
  std::string member_name;

  std::string identity_path() const { return dir + "/identity"; }
  std::string cache_dir() const { return dir + "/cache"; }
};

// The profiles home directory from the environment variables above.
std::string ProfilesHome(const std::map<std::string, std::string>& environ);

// NotFound ("run baton join first") if the profile does not exist.
vault::Result<Profile> LoadProfile(vault::Env& env, const std::string& home,
                                   const std::string& name);
// Creates the profile directory (and home) if needed and writes profile.json.
vault::Status SaveProfile(vault::Env& env, const std::string& home, Profile& profile);

}  // namespace cli

#endif  // BATON_CLI_SRC_PROFILE_H_
