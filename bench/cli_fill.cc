// Fixture for the client benchmark (bench/cli_bench.sh, bench/RESULTS.md
// §11): adds the entries of an entries file to a baton collection through
// the API, encrypted on this machine exactly as `baton item add` does, but
// over a few signed-in connections at once instead of one process per item:
// concurrent writes share the server's durable commits (group commit), so
// 10,000 items load in about a minute instead of a quarter of an hour.
//
// Usage: cli_fill COLLECTION < ENTRIES
//
// ENTRIES has one entry per line, tab-separated: name, username, password
// (bench/cli_bench_data.sh writes it). The profile is the default one of
// $BATON_HOME; its agent must be running (`baton unlock`) or
// BATON_BENCH_PASSPHRASE_FILE must name the passphrase file. The passwords
// are benchmark fixtures, not secrets. CLI_FILL_CONNECTIONS (8) sets the
// number of connections.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/console.h"
#include "context.h"
#include "vault/crypto.h"
#include "vault/envelope.h"
#include "vault/login.h"

namespace {

namespace crypto = vault::crypto;
namespace envelope = vault::envelope;

[[noreturn]] void Die(const std::string& what, const vault::Status& s) {
  std::fprintf(stderr, "cli_fill: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

vault::SecureBuffer Buf(const std::string& s) {
  return vault::SecureBuffer::CopyOf(crypto::AsBytes(s));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cli_fill COLLECTION < ENTRIES\n");
    return 2;
  }
  if (vault::Status s = crypto::Init(); !s.ok()) Die("crypto init", s);
  std::map<std::string, std::string> vars;
  for (const char* k : {"BATON_HOME", "XDG_CONFIG_HOME", "HOME"}) {
    if (const char* v = std::getenv(k)) vars[k] = v;
  }
  cli::Console console = cli::StandardConsole();
  cli::Context ctx(console, vault::Env::Default(), vars);
  if (const char* f = std::getenv("BATON_BENCH_PASSPHRASE_FILE")) ctx.options.passphrase_file = f;

  auto client = ctx.client();
  if (!client) Die("sign in", client.error());
  auto cols = (*client)->Call("GET", "/v1/collections");
  if (!cols) Die("list collections", cols.error());
  std::string collection_id;
  for (const auto& c : (*cols)["collections"]) {
    if (c.value("name", "") == argv[1]) collection_id = c.value("id", "");
  }
  if (collection_id.empty()) Die("find collection", vault::Status::NotFound(argv[1]));
  auto key = ctx.collection_key(collection_id);
  if (!key) Die("collection key", key.error());

  std::vector<std::string> lines;
  for (std::string line; std::getline(std::cin, line);) lines.push_back(std::move(line));

  // One more signed-in client per connection; sign-ins one at a time (the
  // agent answers one request at a time).
  long connections = 8;
  if (const char* n = std::getenv("CLI_FILL_CONNECTIONS")) connections = std::atol(n);
  if (connections < 1 || connections > 64) connections = 8;
  auto profile = ctx.profile();
  if (!profile) Die("profile", profile.error());
  auto address = cli::ParseServerUrl((*profile)->server_url);
  if (!address) Die("server url", address.error());
  auto keys = ctx.keys();
  if (!keys) Die("keys", keys.error());
  std::vector<std::unique_ptr<cli::ApiClient>> clients;
  for (long i = 0; i < connections; ++i) {
    auto c = std::make_unique<cli::ApiClient>(*address, (*profile)->fingerprint);
    auto challenge =
        c->Call("POST", "/v1/auth/challenge", nlohmann::json{{"member_id", (*profile)->member_id}});
    if (!challenge) Die("challenge", challenge.error());
    const std::string nonce = challenge->value("nonce", "");
    auto sig = (*keys)->SignLogin((*profile)->server_audit_key, (*profile)->member_id, nonce);
    if (!sig) Die("sign", sig.error());
    auto login = c->Call("POST", "/v1/auth/login",
                         nlohmann::json{{"member_id", (*profile)->member_id},
                                        {"nonce", nonce},
                                        {"signature", crypto::ToBase64(*sig)}});
    if (!login) Die("login", login.error());
    c->set_token(login->value("token", ""));
    clients.push_back(std::move(c));
  }

  const envelope::CollectionKey& ck = **key;
  std::mutex mu;
  vault::Status failed;
  long added = 0;
  auto work = [&](size_t t) {
    for (size_t i = t; i < lines.size(); i += clients.size()) {
      const std::string& line = lines[i];
      const size_t a = line.find('\t');
      const size_t b = a == std::string::npos ? a : line.find('\t', a + 1);
      vault::Status s;
      if (b == std::string::npos) {
        s = vault::Status::InvalidArgument("malformed entry line " + std::to_string(i + 1));
      } else {
        envelope::ItemPayload p;
        p.username = Buf(line.substr(a + 1, b - a - 1));
        p.password = Buf(line.substr(b + 1));
        const std::string id = crypto::RandomId(vault::Env::Default());
        auto ct =
            envelope::EncryptItem(vault::Env::Default(), ck, {id, collection_id, 1, ck.version}, p);
        if (!ct) {
          s = ct.error();
        } else {
          auto r = clients[t]->Call("POST", "/v1/collections/" + collection_id + "/items",
                                    nlohmann::json{{"id", id},
                                                   {"name", line.substr(0, a)},
                                                   {"channel", "other"},
                                                   {"key_version", ck.version},
                                                   {"ciphertext", crypto::ToBase64(*ct)}});
          if (!r) s = r.error().WithContext("add " + line.substr(0, a));
        }
      }
      std::lock_guard lock(mu);
      if (!s.ok()) {
        if (failed.ok()) failed = s;
        return;
      }
      ++added;
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < clients.size(); ++t) threads.emplace_back(work, t);
  for (auto& th : threads) th.join();
  if (!failed.ok()) Die("fill", failed);
  std::printf("%ld\n", added);
  return 0;
}
