#include "server_fixture.h"

namespace testing_util {

using nlohmann::json;
namespace crypto = vault::crypto;

void ServerFixture::SetUp() {
  ASSERT_OK(crypto::Init());
  keys_.emplace(vault::ServerKeys::Generate(env_));
  auto v = vault::Store::Open(
      {.env = &env_, .key = &keys_->db_key(), .mode = vault::OpenMode::kCreateNew},
      dir_.File("vault.db"));
  ASSERT_TRUE(v.has_value()) << v.error().ToString();
  vault_ = std::move(*v);
  auto tls = vault::GenerateSelfSignedTls(env_, env_.Now(), {});
  ASSERT_TRUE(tls.has_value()) << tls.error().ToString();
  tls_.emplace(std::move(*tls));
  config_.port = 0;
  config_.listen_host = "127.0.0.1";
  config_.log_requests = false;
  StartServer();
}

void ServerFixture::TearDown() { StopServer(); }

server::Deps ServerFixture::Deps() {
  server::Deps deps;
  deps.env = &env_;
  deps.vault = vault_.get();
  deps.audit_key = &keys_->audit();
  deps.escrow_public_key = keys_->escrow_public_key();
  deps.escrow_key = &keys_->escrow();
  deps.tls_cert_pem = tls_->cert_pem;
  deps.tls_key_pem = &tls_->key_pem;
  return deps;
}

vault::Status ServerFixture::CreateWith(const server::Config& config) {
  auto s = server::Server::Create(config, Deps());
  return s ? vault::Status::OK() : s.error();
}

std::string ServerFixture::UseMetricsToken() {
  const std::string token = "scrape-" + vault::crypto::RandomId(env_);
  const std::string path = dir_.File("metrics-token");
  EXPECT_OK(env_.WriteFileAtomic(path, vault::crypto::AsBytes(token + "\n"), 0600));
  config_.metrics_token_file = path;
  return token;
}

void ServerFixture::StartServer() {
  auto s = server::Server::Create(config_, Deps());
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  server_ = std::move(*s);
  auto port = server_->Bind();
  ASSERT_TRUE(port.has_value()) << port.error().ToString();
  port_ = *port;
  // The socket listens from Bind() on: clients may connect before the accept
  // loop runs, so there is nothing to wait for.
  serve_thread_ = std::thread([this] { (void)server_->Serve(); });
}

void ServerFixture::StopServer() {
  if (!server_) return;
  server_->Shutdown();
  if (serve_thread_.joinable()) serve_thread_.join();
  server_.reset();
}

std::unique_ptr<httplib::SSLClient> ServerFixture::Client() const {
  auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
  // The suite checks TLS itself elsewhere; clients here pin nothing.
  c->enable_server_certificate_verification(false);
  c->set_connection_timeout(10);
  c->set_read_timeout(30);
  return c;
}

Reply ServerFixture::Call(const std::string& method, const std::string& path,
                          const std::string& token, const std::string& body) const {
  auto c = Client();
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto send = [&]() -> httplib::Result {
    if (method == "POST") return c->Post(path, headers, body, "application/json");
    if (method == "PUT") return c->Put(path, headers, body, "application/json");
    if (method == "PATCH") return c->Patch(path, headers, body, "application/json");
    if (method == "DELETE") return c->Delete(path, headers, body, "application/json");
    return c->Get(path, headers);
  };
  httplib::Result r = send();
  Reply out;
  if (!r) return out;
  out.status = r->status;
  out.raw = r->body;
  out.body = json::parse(r->body, nullptr, false);
  out.retry_after = r->get_header_value("Retry-After");
  return out;
}

Account ServerFixture::Join(const std::string& role, const std::string& name) {
  Account a;
  a.role = role;
  a.identity = std::make_unique<vault::Identity>(vault::Identity::Generate(env_));
  const std::string code = "invite-" + std::to_string(++invite_counter_) + "-" + name;
  vault::Invite invite;
  invite.code_hash = crypto::Blake2b256(crypto::AsBytes(code));
  auto parsed = vault::ParseTeamRole(role);
  EXPECT_TRUE(parsed.has_value()) << role;
  invite.role = parsed.value_or(vault::TeamRole::kMember);
  invite.name = name;
  invite.created_by = "server";
  invite.expires_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          (env_.Now() + std::chrono::days(7)).time_since_epoch())
                          .count();
  EXPECT_OK(vault_->Write([&](vault::WriteTxn& t) { return t.CreateInvite({"server"}, invite); }));
  Reply r = Call("POST", "/v1/join", "",
                 json{{"invite_code", code},
                      {"signing_public_key", crypto::ToBase64(a.identity->signing_public_key())},
                      {"box_public_key", crypto::ToBase64(a.identity->box_public_key())}});
  EXPECT_EQ(r.status, 201) << r.raw;
  if (r.status == 201) a.member_id = r.body["id"];
  Reply login = Login(a);
  EXPECT_EQ(login.status, 200) << login.raw;
  return a;
}

Reply ServerFixture::Login(Account& a) {
  Reply ch = Call("POST", "/v1/auth/challenge", "", json{{"member_id", a.member_id}});
  if (ch.status != 200) return ch;
  const std::string nonce = ch.body["nonce"];
  auto sig = crypto::Sign(a.identity->signing(),
                          vault::LoginMessage(keys_->audit_public_key(), a.member_id, nonce));
  Reply r = Call(
      "POST", "/v1/auth/login", "",
      json{{"member_id", a.member_id}, {"nonce", nonce}, {"signature", crypto::ToBase64(*sig)}});
  if (r.status == 200) a.token = r.body["token"];
  return r;
}

std::string ServerFixture::CreateCollection(const Account& owner, const std::string& name) {
  const std::string id = crypto::RandomId(env_);
  auto key = vault::envelope::NewCollectionKey(env_, id);
  auto sealed = vault::envelope::SealCollectionKey(key, owner.identity->box_public_key());
  Reply r = Call("POST", "/v1/collections", owner.token,
                 json{{"id", id}, {"name", name}, {"sealed_key", crypto::ToBase64(*sealed)}});
  EXPECT_EQ(r.status, 201) << r.raw;
  collection_keys_.emplace(id, std::move(key));
  return id;
}

Reply ServerFixture::Grant(const Account& granter, const std::string& collection,
                           const Account& member, const std::string& access) {
  const auto& key = collection_keys_.at(collection);
  auto sealed = vault::envelope::SealCollectionKey(key, member.identity->box_public_key());
  return Call("POST", "/v1/collections/" + collection + "/grants", granter.token,
              json{{"member_id", member.member_id},
                   {"access", access},
                   {"key_version", key.version},
                   {"sealed_key", crypto::ToBase64(*sealed)}});
}

Reply ServerFixture::CreateItem(const Account& who, const std::string& collection,
                                const std::string& name, const std::string& password,
                                std::string* item_id) {
  const auto& key = collection_keys_.at(collection);
  const std::string id = crypto::RandomId(env_);
  vault::envelope::ItemPayload payload;
  payload.username = vault::SecureBuffer::CopyOf(crypto::AsBytes("admin@example.com"));
  payload.password = vault::SecureBuffer::CopyOf(crypto::AsBytes(password));
  auto ct = vault::envelope::EncryptItem(env_, key, {id, collection, 1, key.version}, payload);
  if (item_id != nullptr) *item_id = id;
  return Call("POST", "/v1/collections/" + collection + "/items", who.token,
              json{{"id", id},
                   {"name", name},
                   {"channel", "facebook"},
                   {"key_version", key.version},
                   {"ciphertext", crypto::ToBase64(*ct)}});
}

int64_t ServerFixture::AuditLength() {
  int64_t n = -1;
  EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
    auto head = t.AuditHead();
    if (!head) return head.error();
    n = head->seq;
    return vault::Status::OK();
  }));
  return n;
}

std::vector<vault::Delivery> ServerFixture::Deliveries() {
  std::vector<vault::Delivery> out;
  EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
    auto d = t.ListDeliveries(0);
    if (!d) return d.error();
    out = std::move(*d);
    return vault::Status::OK();
  }));
  return out;
}

}  // namespace testing_util
