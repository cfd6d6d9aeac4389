// The recovery set-up (vault/recovery_store.h), stored beside the store's
// own tables through its transaction object.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "txn_impl.h"
#include "utf8.h"
#include "vault/recovery_store.h"

namespace vault::recovery {
namespace {

// Every ReadTxn and WriteTxn of libvault is a TxnImpl.
Db& RecoveryDbOf(ReadTxn& t) { return static_cast<TxnImpl&>(t).db(); }

bool HasControlChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return u < 0x20 || u == 0x7f;
  });
}

}  // namespace

Status ValidateShares(int64_t threshold, const std::vector<Share>& shares) {
  const auto n = static_cast<int64_t>(shares.size());
  if (n > kMaxShares) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxShares) + " shares, not " +
                                   std::to_string(n));
  }
  if (threshold < 2) {
    return Status::InvalidArgument("the threshold must be at least 2, not " +
                                   std::to_string(threshold));
  }
  if (threshold > n) {
    return Status::InvalidArgument("the threshold " + std::to_string(threshold) +
                                   " is more than the " + std::to_string(n) + " shares");
  }
  std::vector<bool> seen(static_cast<size_t>(n) + 1, false);
  for (const Share& s : shares) {
    if (s.index < 1 || s.index > n) {
      return Status::InvalidArgument("share index " + std::to_string(s.index) + " is not 1 to " +
                                     std::to_string(n));
    }
    if (seen[static_cast<size_t>(s.index)]) {
      return Status::InvalidArgument("share index " + std::to_string(s.index) + " is given twice");
    }
    seen[static_cast<size_t>(s.index)] = true;
    if (s.custodian.empty() || s.custodian.size() > kMaxCustodianBytes ||
        !internal::IsValidUtf8(s.custodian) || HasControlChar(s.custodian)) {
      return Status::InvalidArgument(
          "share " + std::to_string(s.index) + ": a custodian's name is 1 to " +
          std::to_string(kMaxCustodianBytes) + " bytes of UTF-8 text without control characters");
    }
  }
  return Status::OK();
}

Result<std::vector<uint8_t>> CheckKey(WriteTxn& t, Env& env) {
  Db& db = RecoveryDbOf(t);
  auto key =
      db.Row("SELECT check_key FROM recovery_setup WHERE id = 1", ReadFirst<std::vector<uint8_t>>);
  if (!key) return Fail(key.error());
  if (*key) return std::move(**key);
  std::vector<uint8_t> fresh = crypto::RandomBytes(env, kCheckKeyBytes);
  if (Status s = db.Run("INSERT INTO recovery_setup (id, check_key) VALUES (1, ?)",
                        std::span<const uint8_t>(fresh));
      !s.ok()) {
    return Fail(s);
  }
  return fresh;
}

Status PutSetup(WriteTxn& t, const Actor& actor, const Setup& setup) {
  if (Status s = ValidateShares(setup.threshold, setup.shares); !s.ok()) return s;
  Db& db = RecoveryDbOf(t);
  if (Status s = db.Run("UPDATE recovery_setup SET threshold = ? WHERE id = 1", setup.threshold);
      !s.ok()) {
    return s;
  }
  if (db.Changes() != 1) {
    return Status::FailedPrecondition("fetch the team's check key before setting up recovery");
  }
  using SettingRow = std::pair<const char*, std::string>;
  for (const auto& [key, value] :
       {SettingRow{kPublicKeySetting, crypto::ToBase64(setup.public_key)},
        SettingRow{kAgeRecipientSetting, setup.age_recipient}}) {
    if (Status s = db.Run("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", key, value);
        !s.ok()) {
      return s;
    }
  }
  for (const char* sql :
       {"DELETE FROM recovery_shares", "DELETE FROM sealed_keys WHERE holder_kind = 'recovery'"}) {
    if (Status s = db.Run(sql); !s.ok()) return s;
  }
  nlohmann::json custodians = nlohmann::json::array();
  for (const Share& sh : setup.shares) {
    if (Status s = db.Run(
            "INSERT INTO recovery_shares (share_index, custodian, check_value) VALUES (?, ?, ?)",
            sh.index, sh.custodian, std::span<const uint8_t>(sh.check));
        !s.ok()) {
      return s;
    }
    custodians.push_back({{"index", sh.index}, {"custodian", sh.custodian}});
  }
  return t.Record(actor, "recovery.setup", "team",
                  nlohmann::json{{"threshold", setup.threshold},
                                 {"shares", setup.shares.size()},
                                 {"custodians", custodians}}
                      .dump());
}

Result<State> GetState(ReadTxn& t) {
  Db& db = RecoveryDbOf(t);
  State state;
  auto threshold = db.Row("SELECT threshold FROM recovery_setup WHERE id = 1", ReadFirst<int64_t>);
  if (!threshold) return Fail(threshold.error());
  state.threshold = threshold->value_or(0);
  if (state.threshold == 0) return state;
  auto shares = db.Rows(
      "SELECT share_index, custodian, check_value, last_checked_ms FROM recovery_shares "
      "ORDER BY share_index",
      [](Statement& st) {
    Share s;
    return OnceOk(st.Columns(s.index, s.custodian, s.check, s.last_checked_ms), s);
      });
  if (!shares) return Fail(shares.error());
  state.shares = std::move(*shares);
  return state;
}

Result<bool> RecordCheck(WriteTxn& t, const Actor& actor, int64_t index, const crypto::Hash& check,
                         int64_t now_ms) {
  auto state = GetState(t);
  if (!state) return Fail(state.error());
  if (state->threshold == 0) {
    return Fail(Status::FailedPrecondition("this team has no recovery key set up"));
  }
  auto it = std::find_if(state->shares.begin(), state->shares.end(),
                         [&](const Share& s) { return s.index == index; });
  // A share of a larger set (another team's, an old set-up's) has an index
  // this set lacks: it does not match, like any other wrong share.
  const bool matches = it != state->shares.end() && crypto::ConstantTimeEqual(it->check, check);
  if (matches) {
    if (Status s = RecoveryDbOf(t).Run(
            "UPDATE recovery_shares SET last_checked_ms = ? WHERE share_index = ?", now_ms, index);
        !s.ok()) {
      return Fail(s);
    }
  }
  if (Status s = t.Record(actor, "recovery.check", "share:" + std::to_string(index),
                          nlohmann::json{{"index", index}, {"matches", matches}}.dump());
      !s.ok()) {
    return Fail(s);
  }
  return matches;
}

Result<std::vector<Unsealed>> ListUnsealed(ReadTxn& t) {
  return RecoveryDbOf(t).Rows(
      "SELECT c.id, c.name, c.key_version FROM collections c WHERE NOT EXISTS ("
      "SELECT 1 FROM sealed_keys s WHERE s.collection_id = c.id AND "
      "s.key_version = c.key_version AND s.holder_kind = 'recovery') ORDER BY c.name, c.id",
      [](Statement& st) {
    Unsealed u;
    return OnceOk(st.Columns(u.id, u.name, u.key_version), u);
      });
}

Status PutRecoveryCopy(WriteTxn& t, const Actor& actor, const std::string& collection_id,
                       int64_t key_version, const std::vector<uint8_t>& sealed, int64_t now_ms) {
  auto key = t.GetSetting(kPublicKeySetting);
  if (!key) return key.error();
  if (!*key) return Status::FailedPrecondition("this team has no recovery key yet");
  auto col = t.GetCollection(collection_id);
  if (!col) return col.error();
  if (col->key_version != key_version) {
    return Status::FailedPrecondition(
        "the collection's current key version is " + std::to_string(col->key_version) + ", not " +
        std::to_string(key_version) + ": only the current key gets a recovery copy");
  }
  if (sealed.empty()) return Status::InvalidArgument("recovery_sealed_key is empty");
  if (Status s = RecoveryDbOf(t).Run(
          "INSERT OR REPLACE INTO sealed_keys (collection_id, key_version, holder_kind, "
          "holder_id, sealed, created_ms) VALUES (?, ?, 'recovery', 'recovery', ?, ?)",
          collection_id, key_version, std::span<const uint8_t>(sealed), now_ms);
      !s.ok()) {
    return s;
  }
  return t.Record(actor, "collection.recovery_key", "collection:" + collection_id,
                  nlohmann::json{{"key_version", key_version}}.dump());
}

}  // namespace vault::recovery
