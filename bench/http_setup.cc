// Fixture for the HTTPS benchmark (bench/http_bench.sh, bench/RESULTS.md §10).
//
// Usage: http_setup DATA_DIR [ITEMS]
//
// DATA_DIR must have been created with `batond init` (plain, not
// passphrase-sealed server key file) and must not be served while this runs.
// Opens DATA_DIR/vault.db with the db key from DATA_DIR/server.key and adds:
//   * an owner member (random public keys; no private keys exist),
//   * a session for it that expires in ~10 years, whose bearer token is
//     base64url (no padding) of 32 random bytes; only BLAKE2b-256 of the
//     token's ASCII text is stored, exactly as POST /v1/auth/login does,
//   * a collection with a 'manage' access row for the owner,
//   * ITEMS items (default 10,000) with 300-byte random ciphertexts, channel
//     "facebook", spread round-robin over the collection(s), 500 per Write.
// Prints two lines on stdout: the token, then one item id. The token is a
// benchmark fixture for a throwaway data dir.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/server_keys.h"
#include "vault/store.h"

namespace {

namespace crypto = vault::crypto;
using vault::Env;
using vault::Status;

constexpr size_t kCiphertextBytes = 300;
constexpr int kItemsPerWrite = 500;

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "http_setup: %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

int64_t NowMs(Env& env) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(env.Now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: http_setup DATA_DIR [ITEMS]\n");
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/";
  long items = 10'000;
  if (argc == 3) {
    char* end = nullptr;
    items = std::strtol(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || items < 1 || items > 10'000'000) {
      std::fprintf(stderr, "http_setup: ITEMS must be 1 to 10000000\n");
      return 2;
    }
  }
  Check(crypto::Init(), "crypto init");
  Env& env = Env::Default();

  auto keys = vault::LoadServerKeys(env, dir + "server.key");
  if (!keys) Check(keys.error(), "load server key file");
  auto opened = vault::Store::Open(
      {.env = &env, .key = &keys->db_key(), .mode = vault::OpenMode::kOpenExisting},
      dir + "vault.db");
  if (!opened) Check(opened.error(), "open vault");
  vault::Store& v = **opened;

  // Owner, session and collection in one transaction.
  const int64_t now = NowMs(env);
  vault::Member owner;
  owner.id = crypto::RandomId(env);
  owner.name = "bench-owner";
  owner.role = vault::TeamRole::kOwner;
  owner.status = vault::MemberStatus::kActive;
  owner.created_ms = now;
  env.RandomBytes(owner.signing_public_key);
  env.RandomBytes(owner.box_public_key);
  const vault::Actor actor{owner.id};

  uint8_t raw[32];
  env.RandomBytes(raw);
  const std::string token = crypto::ToBase64(raw, crypto::Base64::kUrlNoPadding);
  const vault::Session session{crypto::Blake2b256(crypto::AsBytes(token)), owner.id, now,
                               now + int64_t{3650} * 86'400'000};

  const std::string collection_id = crypto::RandomId(env);
  Check(v.Write([&](vault::WriteTxn& t) -> Status {
    if (Status s = t.AddMember({"server"}, owner); !s.ok()) return s;
    if (Status s = t.CreateSession(actor, session); !s.ok()) return s;
    vault::Collection col{collection_id, "bench", 1, true, false, now};
    // A sealed collection key is 32 bytes + 48 bytes of sealed-box overhead.
    const vault::SealedKey key{collection_id, 1, vault::KeyHolder::kMember, owner.id,
                               crypto::RandomBytes(env, 80)};
    if (Status s = t.CreateCollection(actor, col, {key}); !s.ok()) return s;
    return t.GrantAccess(actor, collection_id, owner.id, "manage", key);
  }),
        "create owner, session and collection");

  std::string first_item;
  for (long start = 0; start < items; start += kItemsPerWrite) {
    const long end = std::min(items, start + kItemsPerWrite);
    Check(v.Write([&](vault::WriteTxn& t) -> Status {
      for (long i = start; i < end; ++i) {
        vault::ItemMeta m;
        m.id = crypto::RandomId(env);
        m.collection_id = collection_id;
        m.name = "item-" + std::to_string(i);
        m.channel = "facebook";
        m.url = "https://www.facebook.com/";
        m.rotation_period_s = 90 * 86400;
        if (Status s = t.CreateItem(actor, m, crypto::RandomBytes(env, kCiphertextBytes));
            !s.ok()) {
          return s;
        }
        if (first_item.empty()) first_item = m.id;
      }
      return Status::OK();
    }),
          "create items");
  }
  std::printf("%s\n%s\n", token.c_str(), first_item.c_str());
  return 0;
}
