// The envelope (DESIGN.md §3): client-side encryption of collections and
// items. The server only ever stores what these functions produce.
//
// - A collection key is 32 random bytes. It reaches a member, the recovery
//   key or an emergency grant only as a sealed box (X25519) whose plaintext
//   also names the collection and key version, so the server cannot hand a
//   member the key of another collection or an old key in its place.
// - An item payload is JSON, encrypted with XChaCha20-Poly1305 under the
//   collection key; the associated data binds item id, collection id, item
//   version and key version, so a ciphertext moved to another item, another
//   collection, or presented as another version does not decrypt.
#ifndef BATON_VAULT_ENVELOPE_H_
#define BATON_VAULT_ENVELOPE_H_

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "vault/crypto.h"
#include "vault/env.h"
#include "vault/secure_buffer.h"
#include "vault/status.h"

namespace vault::envelope {

struct CollectionKey {
  std::string collection_id;
  int64_t version = 1;
  SecureBuffer key;
};

CollectionKey NewCollectionKey(Env& env, const std::string& collection_id, int64_t version = 1);

// A sealed box of the key (with its collection id and version) to `recipient`.
Result<std::vector<uint8_t>> SealCollectionKey(const CollectionKey& key,
                                               const crypto::PublicKey& recipient);
// Opens a sealed collection key and checks it is for `collection_id` at
// `version`. Corruption if it does not open or names another collection or
// version.
Result<CollectionKey> OpenCollectionKey(const crypto::BoxKeyPair& recipient,
                                        std::span<const uint8_t> sealed,
                                        const std::string& collection_id, int64_t version);
// An emergency grant's key (DESIGN.md §6): the key sealed to the deputy as
// SealCollectionKey does, and that box sealed again to the server's escrow
// key. Neither the deputy (lacking the escrow secret) nor the server (lacking
// the deputy's secret) opens it alone.
Result<std::vector<uint8_t>> SealForEscrow(const CollectionKey& key,
                                           const crypto::PublicKey& deputy_box_pk,
                                           const crypto::PublicKey& escrow_pk);
// The same for a sealed box already opened elsewhere (by the local agent):
// checks the opened bytes name `collection_id` at `version`.
Result<CollectionKey> CollectionKeyFromOpened(std::span<const uint8_t> opened,
                                              const std::string& collection_id, int64_t version);

struct CustomField {
  std::string name;  // not secret (e.g. "PIN", "recovery e-mail")
  SecureBuffer value;
};

// The secret part of an item. All values are UTF-8.
struct ItemPayload {
  SecureBuffer username;
  SecureBuffer password;
  SecureBuffer totp_uri;  // otpauth://totp/...
  std::vector<SecureBuffer> backup_codes;
  SecureBuffer notes;
  std::vector<CustomField> custom_fields;
};

// Where a ciphertext belongs; all of it is bound as associated data.
struct ItemBinding {
  std::string item_id;
  std::string collection_id;
  int64_t version = 1;
  int64_t key_version = 1;
};

// The payload as canonical JSON in locked memory (for export and tests).
Result<SecureBuffer> EncodePayload(const ItemPayload& payload);
// InvalidArgument on malformed JSON, unknown fields or wrong types; the
// message never quotes the input.
Result<ItemPayload> DecodePayload(std::span<const uint8_t> json);

Result<std::vector<uint8_t>> EncryptItem(Env& env, const CollectionKey& key,
                                         const ItemBinding& binding, const ItemPayload& payload);
// Corruption if the ciphertext does not belong to `binding` under `key`.
Result<ItemPayload> DecryptItem(const CollectionKey& key, const ItemBinding& binding,
                                std::span<const uint8_t> ciphertext);

// Re-keying a collection: every version of every item re-encrypted under a
// new key (version + 1), and the new key sealed to each remaining recipient.
// The recovery key must be among them unless the team has none
// (`recovery_required` false).
struct StoredVersion {
  std::string item_id;
  int64_t version = 1;
  std::vector<uint8_t> ciphertext;
  // The version the re-encrypted copy will be stored as (a server re-key
  // stores it as the item's next version); 0: `version` itself.
  int64_t stored_as = 0;
};
struct Recipient {
  std::string holder_id;  // member id, "recovery", or grant id
  crypto::PublicKey box_public_key{};
};
struct Rekeyed {
  CollectionKey key;                                                 // the new key
  std::vector<StoredVersion> versions;                               // same order as the input
  std::vector<std::pair<std::string, std::vector<uint8_t>>> sealed;  // holder id, box
};
Result<Rekeyed> Rekey(Env& env, const CollectionKey& old_key,
                      const std::vector<StoredVersion>& versions,
                      const std::vector<Recipient>& recipients, bool recovery_required = true);

}  // namespace vault::envelope

#endif  // BATON_VAULT_ENVELOPE_H_
