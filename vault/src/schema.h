// Schema migrations of the vault database. Private to libvault.
#ifndef BATON_VAULT_SRC_SCHEMA_H_
#define BATON_VAULT_SRC_SCHEMA_H_

#include <array>
#include <string_view>

namespace vault::schema {

// kMigrations[i] takes the schema from version i to i + 1 (PRAGMA
// user_version). Append only; never edit a released migration.
// Note: SQLCipher 3.4.1 bundles SQLite 3.15.2: no UPSERT, no RETURNING, no
// window functions.
inline constexpr std::array<std::string_view, 8> kMigrations = {
    R"sql(
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE members (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'auditor')),
  status      TEXT NOT NULL CHECK (status IN ('active', 'removed')),
  sign_pk     BLOB NOT NULL CHECK (length(sign_pk) = 32),
  box_pk      BLOB NOT NULL CHECK (length(box_pk) = 32),
  created_ms  INTEGER NOT NULL,
  removed_ms  INTEGER
);
CREATE TABLE invites (
  code_hash   BLOB PRIMARY KEY CHECK (length(code_hash) = 32),
  role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'auditor')),
  name        TEXT NOT NULL,
  created_by  TEXT,
  created_ms  INTEGER NOT NULL,
  expires_ms  INTEGER NOT NULL,
  used_ms     INTEGER,
  used_by     TEXT REFERENCES members(id)
);
CREATE TABLE sessions (
  token_hash  BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
  member_id   TEXT NOT NULL REFERENCES members(id),
  created_ms  INTEGER NOT NULL,
  expires_ms  INTEGER NOT NULL
);
CREATE INDEX sessions_by_member ON sessions(member_id);
CREATE TABLE collections (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL UNIQUE,
  key_version    INTEGER NOT NULL CHECK (key_version >= 1),
  offline_cache  INTEGER NOT NULL DEFAULT 1,
  needs_rekey    INTEGER NOT NULL DEFAULT 0,
  created_ms     INTEGER NOT NULL
);
CREATE TABLE collection_access (
  collection_id  TEXT NOT NULL REFERENCES collections(id),
  member_id      TEXT NOT NULL REFERENCES members(id),
  access         TEXT NOT NULL CHECK (access IN ('view', 'edit', 'manage')),
  PRIMARY KEY (collection_id, member_id)
);
CREATE INDEX access_by_member ON collection_access(member_id);
CREATE TABLE sealed_keys (
  collection_id  TEXT NOT NULL REFERENCES collections(id),
  key_version    INTEGER NOT NULL,
  holder_kind    TEXT NOT NULL CHECK (holder_kind IN ('member', 'recovery', 'grant')),
  holder_id      TEXT NOT NULL,
  sealed         BLOB NOT NULL,
  created_ms     INTEGER NOT NULL,
  PRIMARY KEY (collection_id, key_version, holder_kind, holder_id)
);
CREATE INDEX sealed_keys_by_holder ON sealed_keys(holder_kind, holder_id);
CREATE TABLE items (
  id                 TEXT PRIMARY KEY,
  collection_id      TEXT NOT NULL REFERENCES collections(id),
  name               TEXT NOT NULL,
  channel            TEXT NOT NULL,
  url                TEXT NOT NULL,
  rotation_period_s  INTEGER NOT NULL CHECK (rotation_period_s > 0),
  last_rotated_ms    INTEGER NOT NULL,
  version            INTEGER NOT NULL CHECK (version >= 1),
  pending_version    INTEGER,
  key_version        INTEGER NOT NULL,
  updated_ms         INTEGER NOT NULL,
  updated_by         TEXT NOT NULL,
  UNIQUE (collection_id, name)
);
CREATE TABLE item_versions (
  item_id      TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  version      INTEGER NOT NULL,
  key_version  INTEGER NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('current', 'pending', 'previous', 'aborted')),
  ciphertext   BLOB NOT NULL,
  created_ms   INTEGER NOT NULL,
  created_by   TEXT NOT NULL,
  PRIMARY KEY (item_id, version)
);
CREATE TABLE item_flags (
  item_id    TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('manual', 'member-removed', 'emergency-access', 'breach')),
  reason     TEXT NOT NULL,
  raised_ms  INTEGER NOT NULL,
  PRIMARY KEY (item_id, kind)
);
CREATE TABLE emergency_grants (
  id                      TEXT PRIMARY KEY,
  grantor_id              TEXT NOT NULL REFERENCES members(id),
  deputy_id               TEXT NOT NULL REFERENCES members(id),
  mode                    TEXT NOT NULL CHECK (mode IN ('view', 'takeover')),
  wait_s                  INTEGER NOT NULL CHECK (wait_s > 0),
  confirmations_required  INTEGER NOT NULL DEFAULT 0,
  access_window_s         INTEGER NOT NULL CHECK (access_window_s > 0),
  status                  TEXT NOT NULL CHECK (status IN ('active', 'declined', 'revoked')),
  created_ms              INTEGER NOT NULL,
  ended_ms                INTEGER
);
CREATE TABLE emergency_grant_collections (
  grant_id       TEXT NOT NULL REFERENCES emergency_grants(id),
  collection_id  TEXT NOT NULL REFERENCES collections(id),
  PRIMARY KEY (grant_id, collection_id)
);
CREATE TABLE emergency_requests (
  id            TEXT PRIMARY KEY,
  grant_id      TEXT NOT NULL REFERENCES emergency_grants(id),
  state         TEXT NOT NULL,
  reason        TEXT NOT NULL,
  requested_ms  INTEGER NOT NULL,
  release_ms    INTEGER NOT NULL,
  decided_by    TEXT,
  decided_ms    INTEGER,
  released_ms   INTEGER,
  expires_ms    INTEGER
);
CREATE TABLE emergency_confirmations (
  request_id    TEXT NOT NULL REFERENCES emergency_requests(id),
  member_id     TEXT NOT NULL REFERENCES members(id),
  confirmed_ms  INTEGER NOT NULL,
  PRIMARY KEY (request_id, member_id)
);
CREATE TABLE audit_events (
  seq        INTEGER PRIMARY KEY,
  time_ms    INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  target     TEXT NOT NULL,
  details    TEXT NOT NULL,
  prev_hash  BLOB NOT NULL CHECK (length(prev_hash) = 32),
  hash       BLOB NOT NULL CHECK (length(hash) = 32)
);
CREATE TABLE audit_checkpoints (
  seq        INTEGER PRIMARY KEY,
  hash       BLOB NOT NULL CHECK (length(hash) = 32),
  time_ms    INTEGER NOT NULL,
  signature  BLOB NOT NULL CHECK (length(signature) = 64)
);
)sql",
    // 2: notices for people (members' e-mail addresses, and an outbox with
    // one row per notice, channel and recipient).
    R"sql(
ALTER TABLE members ADD COLUMN email TEXT NOT NULL DEFAULT '';
CREATE TABLE notices (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  text        TEXT NOT NULL,
  details     TEXT NOT NULL,
  created_ms  INTEGER NOT NULL
);
CREATE TABLE notice_deliveries (
  id               INTEGER PRIMARY KEY,
  notice_id        INTEGER NOT NULL REFERENCES notices(id),
  channel          TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
  member_id        TEXT NOT NULL DEFAULT '',
  address          TEXT NOT NULL DEFAULT '',
  state            TEXT NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'delivered', 'failed', 'skipped')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms  INTEGER NOT NULL,
  last_error       TEXT NOT NULL DEFAULT '',
  delivered_ms     INTEGER,
  ended_ms         INTEGER
);
CREATE INDEX notice_deliveries_due ON notice_deliveries(state, next_attempt_ms);
)sql",
    // 3: emergency reminders are sent once each, so their sending is stored.
    R"sql(
ALTER TABLE emergency_requests ADD COLUMN reminded_24h_ms INTEGER;
ALTER TABLE emergency_requests ADD COLUMN reminded_1h_ms INTEGER;
CREATE INDEX emergency_requests_by_grant ON emergency_requests(grant_id);
)sql",
    // 4: the signed team roster (vault/roster.h), entries exactly as signed.
    R"sql(
CREATE TABLE roster (
  seq        INTEGER PRIMARY KEY,
  statement  BLOB NOT NULL,
  signature  BLOB NOT NULL CHECK (length(signature) = 64),
  hash       BLOB NOT NULL CHECK (length(hash) = 32)
);
)sql",
    // 5: each item's responsible member: its creator (the first version's
    // author), or the first owner when the creator has left or is none; and
    // the members' calendar feeds.
    R"sql(
ALTER TABLE items ADD COLUMN responsible_id TEXT NOT NULL DEFAULT '';
UPDATE items SET responsible_id = COALESCE(
  (SELECT v.created_by FROM item_versions v JOIN members m ON m.id = v.created_by
     WHERE v.item_id = items.id AND m.status = 'active' AND m.role != 'auditor'
     ORDER BY v.version LIMIT 1),
  (SELECT id FROM members WHERE role = 'owner' AND status = 'active'
     ORDER BY created_ms, id LIMIT 1),
  '');
-- Calendar feed tokens (vault/calendar_feed.h), one per member, hashed.
CREATE TABLE calendar_feeds (
  token_hash  BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
  member_id   TEXT NOT NULL UNIQUE REFERENCES members(id),
  scope       TEXT NOT NULL CHECK (scope IN ('mine', 'all')),
  created_ms  INTEGER NOT NULL
);
)sql",
    // 6: the team recovery key's shares (vault/recovery_store.h): a keyed hash
    // of each, never the share, and the one key of those hashes.
    R"sql(
CREATE TABLE recovery_setup (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  check_key   BLOB NOT NULL CHECK (length(check_key) = 32),
  threshold   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE recovery_shares (
  share_index      INTEGER PRIMARY KEY CHECK (share_index BETWEEN 1 AND 16),
  custodian        TEXT NOT NULL,
  check_value      BLOB NOT NULL CHECK (length(check_value) = 32),
  last_checked_ms  INTEGER
);
)sql",
    // 7: the reminder digests sent (vault/reminders.h), one row per member,
    // UTC day and kind, each with the notice that carries it.
    R"sql(
CREATE TABLE reminder_digests (
  member_id  TEXT NOT NULL,
  day        TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('daily', 'escalation')),
  notice_id  INTEGER NOT NULL,
  PRIMARY KEY (member_id, day, kind)
);
CREATE INDEX reminder_digests_by_day ON reminder_digests(day);
CREATE INDEX reminder_digests_by_notice ON reminder_digests(notice_id);
)sql",
    // 8: whether each item's platform has a second admin of its own (a person
    // other than the login's holder who can recover or take over the
    // account): recorded by admins, "unknown" until someone looks.
    R"sql(
ALTER TABLE items ADD COLUMN second_admin TEXT NOT NULL DEFAULT 'unknown'
  CHECK (second_admin IN ('yes', 'no', 'unknown'));
)sql",
};

}  // namespace vault::schema

#endif  // BATON_VAULT_SRC_SCHEMA_H_
