// Invites to join the team: POST /v1/invites, `batond init` and
// `batond invite-owner` all make them here, so they expire alike
// (Config::invite_ttl).
#ifndef BATON_SERVER_INVITE_H_
#define BATON_SERVER_INVITE_H_

#include <chrono>
#include <string>
#include <string_view>

#include "vault/env.h"
#include "vault/store.h"

namespace server {

struct IssuedInvite {
  std::string code;      // shown once to whoever invites; never stored
  vault::Invite record;  // holds only the code's hash
};

// A fresh single-use invite for `role`, valid for `ttl` from env.Now().
IssuedInvite NewInvite(vault::Env& env, vault::TeamRole role, std::string_view name,
                       std::string_view created_by, std::chrono::seconds ttl);

}  // namespace server

#endif  // BATON_SERVER_INVITE_H_
