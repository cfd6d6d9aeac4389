// Made-up sign-ins, as anyone who knows a member id can send them without
// any key: a nonce never issued and a signature of random bytes.
#ifndef BATON_TESTS_SERVER_LOGIN_FLOOD_H_
#define BATON_TESTS_SERVER_LOGIN_FLOOD_H_

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "vault/crypto.h"
#include "vault/env.h"

namespace testing_util {

struct FloodCount {
  int unauthenticated = 0;  // 401
  int limited = 0;          // 429
  int other = 0;            // anything else, or no answer
};

// Sends `n` bogus logins for `member_id` over one connection of `client`,
// kept alive and without Nagle's delay, so that a thousand of them take
// about a second rather than a minute.
inline FloodCount BogusLogins(httplib::ClientImpl& client, vault::Env& env,
                              const std::string& member_id, int n) {
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  FloodCount count;
  for (int i = 0; i < n; ++i) {
    uint8_t sig[64];
    env.RandomBytes(sig);
    const nlohmann::json body{{"member_id", member_id},
                              {"nonce", vault::crypto::RandomId(env)},
                              {"signature", vault::crypto::ToBase64(sig)}};
    auto r = client.Post("/v1/auth/login", body.dump(), "application/json");
    const int status = r ? r->status : 0;
    (status == 401 ? count.unauthenticated : status == 429 ? count.limited : count.other)++;
  }
  return count;
}

}  // namespace testing_util

#endif  // BATON_TESTS_SERVER_LOGIN_FLOOD_H_
