// A team recovery key as its set-up makes one: a master secret split into
// SLIP-39 shares, the keys derived from it, and the team told of its public
// halves (the recovery.set.v2 roster statement and the two store settings
// batond reads). Tests make it here, in one place, so that it can become a
// call of `baton recovery setup` once that command exists.
#ifndef BATON_TESTS_SUPPORT_TEAM_RECOVERY_H_
#define BATON_TESTS_SUPPORT_TEAM_RECOVERY_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sstream>

#include "backup/age.h"
#include "backup/archive.h"
#include "backup/recovery_key.h"
#include "backup/slip39.h"
#include "test_util.h"
#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/roster.h"
#include "vault/store.h"

namespace testing_util {

struct TeamRecovery {
  backup::recovery::RecoveryKeys keys;
  // Test data, so plain strings: the custodians' mnemonics.
  std::vector<std::string> shares;

  std::string age_recipient() const {
    return backup::age::Recipient::FromKey(keys.age_public_key).Format();
  }
  // The statement an owner signs to register the key (roster.h).
  vault::roster::Body Statement() const {
    return vault::roster::RecoveryKeysSet{.recovery_pk = keys.box.public_key,
                                          .age_pk = keys.age_public_key};
  }
  // The shares from 1-based places `places`, one per line, as a shares file
  // holds them.
  std::string SharesText(std::initializer_list<int> places) const {
    std::string out;
    for (int p : places) out += shares.at(static_cast<size_t>(p - 1)) + "\n";
    return out;
  }
};

// A fresh recovery key split `threshold` of `count`, from `env`'s randomness.
inline TeamRecovery MakeTeamRecovery(vault::Env& env, int threshold = 3, int count = 5) {
  TeamRecovery r;
  vault::SecureBuffer master = backup::recovery::GenerateMasterSecret(env);
  auto keys = backup::recovery::DeriveRecoveryKeys(master);
  EXPECT_TRUE(keys.has_value());
  r.keys = std::move(*keys);
  backup::slip39::SplitOptions options;
  options.groups = {{threshold, count}};
  auto groups = backup::slip39::Split(env, master, {}, options);
  EXPECT_TRUE(groups.has_value());
  for (const auto& m : groups->at(0)) r.shares.emplace_back(backup::slip39::MnemonicText(m));
  return r;
}

// The store settings batond reads: the box key new collections are sealed
// to (GET /v1/server) and the age recipient every backup is encrypted to.
inline vault::Status StoreTeamRecovery(vault::Store& store, const TeamRecovery& r) {
  return store.Write([&](vault::WriteTxn& t) -> vault::Status {
    if (vault::Status s = t.PutSetting({"server"}, "recovery_public_key",
                                       vault::crypto::ToBase64(r.keys.box.public_key));
        !s.ok()) {
      return s;
    }
    return t.PutSetting({"server"}, "recovery_age_recipient", r.age_recipient());
  });
}

// A backup as a batond of `server_version` with vault schema `schema` would
// begin it (its manifest only), encrypted to `recipient`.
inline std::vector<uint8_t> BackupFromVersion(vault::Env& env,
                                              const backup::age::Recipient& recipient,
                                              const std::string& server_version, int schema) {
  const std::string manifest = nlohmann::json{
      {"format", backup::kBackupFormat},
      {"server_version", server_version},
      {"schema_version", schema}}.dump();
  backup::ArchiveWriter archive;
  archive.Add(backup::kBackupManifest, vault::crypto::AsBytes(manifest));
  std::string plain;
  for (auto part : archive.Parts()) plain.append(part.begin(), part.end());
  std::istringstream in(plain);
  std::ostringstream sealed;
  EXPECT_OK(backup::age::Encrypt(env, std::span(&recipient, 1), in, sealed));
  const std::string bytes = sealed.str();
  return {bytes.begin(), bytes.end()};
}

}  // namespace testing_util

#endif  // BATON_TESTS_SUPPORT_TEAM_RECOVERY_H_
