// A real batond (the server library, over TLS) on 127.0.0.1 with a port the
// OS picks, on a fresh vault, with a FakeEnv clock; plus helpers to join,
// sign in and call the API as a client would.
#ifndef BATON_TESTS_SERVER_SERVER_FIXTURE_H_
#define BATON_TESTS_SERVER_SERVER_FIXTURE_H_

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "fake_env.h"
#include "server/server.h"
#include "temp_dir.h"
#include "test_util.h"
#include "vault/envelope.h"
#include "vault/identity.h"
#include "vault/login.h"
#include "vault/server_keys.h"
#include "vault/store.h"
#include "vault/tls_cert.h"

namespace testing_util {

struct Reply {
  int status = 0;  // 0: no HTTP response (connection failed)
  nlohmann::json body;
  std::string raw;
  std::string retry_after;
};

// A member as the client side knows them.
struct Account {
  std::unique_ptr<vault::Identity> identity;
  std::string member_id;
  std::string token;
  std::string role;
};

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts (or restarts) the server on the fixture's vault.
  void StartServer();
  void StopServer();
  // Server::Create's verdict on `config` (the running server is left alone).
  vault::Status CreateWith(const server::Config& config);
  // What the fixture's servers are created with.
  server::Deps Deps();
  // Writes a 0600 token file and names it in config_, so that /metrics
  // answers (with that token) from the next StartServer on; returns the
  // token.
  std::string UseMetricsToken();

  std::unique_ptr<httplib::SSLClient> Client() const;
  Reply Call(const std::string& method, const std::string& path, const std::string& token = "",
             const std::string& body = "") const;
  Reply Call(const std::string& method, const std::string& path, const std::string& token,
             const nlohmann::json& body) const {
    return Call(method, path, token, body.dump());
  }

  // Creates an invite directly in the vault and redeems it over HTTP.
  Account Join(const std::string& role, const std::string& name);
  // Challenge, sign, login; sets account.token. Returns the login reply.
  Reply Login(Account& account);

  // Creates a collection over HTTP as `owner`, sealing a fresh key to them;
  // returns its id. The key is kept in collection_keys_.
  std::string CreateCollection(const Account& owner, const std::string& name);
  // Grants `access` in `collection` to `member` over HTTP as `granter`.
  Reply Grant(const Account& granter, const std::string& collection, const Account& member,
              const std::string& access);
  // Encrypts a payload with the collection's key and creates the item.
  Reply CreateItem(const Account& who, const std::string& collection, const std::string& name,
                   const std::string& password, std::string* item_id = nullptr);

  int64_t AuditLength();
  // Every notice delivery in the outbox, in id order.
  std::vector<vault::Delivery> Deliveries();

  FakeEnv env_;
  TempDir dir_;
  server::Config config_;
  std::optional<vault::ServerKeys> keys_;
  std::optional<vault::TlsMaterial> tls_;
  std::unique_ptr<vault::Store> vault_;
  std::unique_ptr<server::Server> server_;
  std::thread serve_thread_;
  int port_ = 0;
  std::map<std::string, vault::envelope::CollectionKey> collection_keys_;
  int invite_counter_ = 0;
};

}  // namespace testing_util

#endif  // BATON_TESTS_SERVER_SERVER_FIXTURE_H_
