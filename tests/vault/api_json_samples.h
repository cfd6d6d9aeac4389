// Sample records for the answer codec tests (api_json*_test.cc).
#ifndef BATON_TESTS_VAULT_API_JSON_SAMPLES_H_
#define BATON_TESTS_VAULT_API_JSON_SAMPLES_H_

#include <string>

#include "vault/store.h"

namespace vault::api {

inline Member SomeMember() {
  Member m;
  m.id = std::string(32, 'a');
  m.name = "Ann";
  m.role = TeamRole::kAdmin;
  m.status = MemberStatus::kActive;
  m.signing_public_key.fill(1);
  m.box_public_key.fill(2);
  m.created_ms = 1234;
  m.email = "ann@example.org";
  return m;
}

inline ItemMeta SomeItem() {
  ItemMeta m;
  m.id = std::string(32, 'b');
  m.collection_id = std::string(32, 'c');
  m.name = "Shop";
  m.channel = "instagram";
  m.url = "https://example.org";
  m.rotation_period_s = 90 * 86400;
  m.last_rotated_ms = 5;
  m.version = 3;
  m.pending_version = 4;
  m.next_version = 5;
  m.key_version = 2;
  m.updated_ms = 6;
  m.updated_by = std::string(32, 'a');
  m.flags = {{RotationFlagKind::kManual, "why", 7}};
  return m;
}

}  // namespace vault::api

#endif  // BATON_TESTS_VAULT_API_JSON_SAMPLES_H_
