// The team recovery key (docs/api.md "Recovery"): owners register its two
// public halves with a signed roster statement and the custodians' check
// values; anyone holding a share can check it; members who manage a
// collection add its recovery copy. The server never sees a share or the
// recovery secret: a check value is a keyed BLAKE2b-256 of a share, which
// has 128 bits of entropy or more, under a key of this team's.
#include <algorithm>

#include "backup/age.h"
#include "server_impl.h"
#include "vault/api_json_recovery.h"
#include "vault/recovery_store.h"

namespace server::internal {
namespace {

namespace recovery = vault::recovery;

// A check value: base64 of a 32-byte keyed hash.
ApiResult<crypto::Hash> DecodeCheck(const std::string& b64) {
  auto bytes = DecodeBase64Field(b64, "check");
  if (!bytes) return Reject(bytes.error());
  crypto::Hash out{};
  if (bytes->size() != out.size()) {
    return Reject(BadRequest("bad_check", "check must be base64 of 32 bytes"));
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

ApiResult<std::vector<recovery::Share>> SharesOf(const json& list) {
  std::vector<recovery::Share> shares;
  for (const json& entry : list) {
    auto e = Body::Parse(entry, vault::api::RequestBody("PUT /v1/recovery shares[]"));
    if (!e) return Reject(e.error());
    auto check = DecodeCheck(e->Str("check"));
    if (!check) return Reject(check.error());
    shares.push_back({e->Int("index"), e->Str("custodian"), *check, std::nullopt});
  }
  return shares;
}

// The answer of GET and PUT /v1/recovery, read in the caller's write (the
// check key is drawn on first use).
Result<vault::api::RecoveryStatus> StatusOf(vault::WriteTxn& t, vault::Env& env) {
  auto key = recovery::CheckKey(t, env);
  if (!key) return Fail(key.error());
  auto state = recovery::GetState(t);
  if (!state) return Fail(state.error());
  auto unsealed = recovery::ListUnsealed(t);
  if (!unsealed) return Fail(unsealed.error());
  vault::api::RecoveryStatus out;
  out.threshold = state->threshold;
  std::copy(key->begin(), key->end(), out.check_key.begin());
  for (const auto& s : state->shares)
    out.shares.push_back({s.index, s.custodian, s.last_checked_ms});
  // Before a set-up there is no recovery key for anything to be sealed to.
  if (state->threshold > 0) {
    for (auto& u : *unsealed) out.unsealed.push_back({u.id, u.name, u.key_version});
  }
  return out;
}

}  // namespace

void ServerImpl::PutRecovery(const httplib::Request& req, httplib::Response& res, const Caller& c) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("PUT /v1/recovery"));
  if (!body) return SendError(res, body.error());
  auto pk = DecodeKey(body->Str("recovery_public_key"), "recovery_public_key");
  if (!pk) return SendError(res, pk.error());
  auto age = backup::age::Recipient::Parse(body->Str("age_recipient"));
  if (!age) {
    return SendError(res, BadRequest("bad_recipient", "age_recipient: " + age.error().message()));
  }
  auto shares = SharesOf(body->Json("shares"));
  if (!shares) return SendError(res, shares.error());
  recovery::Setup setup{*pk, age->Format(), body->Int("threshold"), std::move(*shares)};
  if (Status s = recovery::ValidateShares(setup.threshold, setup.shares); !s.ok()) {
    return SendError(res, BadRequest("bad_shares", s.message()));
  }
  auto roster = RosterOf(*body);
  if (!roster) return SendError(res, roster.error());
  roster->claim = vault::roster::RecoveryKeysSet{*pk, age->key()};
  vault::api::RecoveryStatus out;
  if (WriteWithRoster(res, c, *roster, [&](vault::WriteTxn& t) -> Status {
        // The check key must exist before the values made with it are kept.
        if (auto key = recovery::CheckKey(t, env_); !key) return key.error();
        if (Status s = recovery::PutSetup(t, c.actor(), setup); !s.ok()) return s;
        auto status = StatusOf(t, env_);
        if (!status) return status.error();
        out = std::move(*status);
        return Status::OK();
      })) {
    SendJson(res, 200, vault::api::RecoveryStatusToJson(out));
  }
}

void ServerImpl::GetRecovery(const httplib::Request&, httplib::Response& res, const Caller&) {
  vault::api::RecoveryStatus out;
  if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
        auto status = StatusOf(t, env_);
        if (!status) return status.error();
        out = std::move(*status);
        return Status::OK();
      })) {
    SendJson(res, 200, vault::api::RecoveryStatusToJson(out));
  }
}

void ServerImpl::UnsealedForCaller(const httplib::Request&, httplib::Response& res,
                                   const Caller& c) {
  vault::api::RecoveryUnsealed out;
  const bool runs_team = c.role == TeamRole::kOwner || c.role == TeamRole::kAdmin;
  if (ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto state = recovery::GetState(t);
        if (!state) return state.error();
        if (state->threshold == 0) return Status::OK();
        auto unsealed = recovery::ListUnsealed(t);
        if (!unsealed) return unsealed.error();
        for (auto& u : *unsealed) {
          // Only a key holder can seal a copy, and only one who may manage
          // the collection may add one.
          auto access = t.GetAccess(u.id, c.member.id);
          if (!access && access.error().IsNotFound()) continue;
          if (!access) return access.error();
          if (runs_team || *access == "manage") {
            out.unsealed.push_back({u.id, u.name, u.key_version});
          }
        }
        return Status::OK();
      })) {
    SendJson(res, 200, vault::api::RecoveryUnsealedToJson(out));
  }
}

void ServerImpl::RecoveryCheckKey(const httplib::Request&, httplib::Response& res, const Caller&) {
  vault::api::RecoveryCheckKey out;
  if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
        auto key = recovery::CheckKey(t, env_);
        if (!key) return key.error();
        std::copy(key->begin(), key->end(), out.check_key.begin());
        return Status::OK();
      })) {
    SendJson(res, 200, vault::api::RecoveryCheckKeyToJson(out));
  }
}

void ServerImpl::CheckRecoveryShare(const httplib::Request& req, httplib::Response& res,
                                    const Caller& c) {
  const std::string limit_key = "recovery-check:" + c.member.id;
  if (auto wait = recovery_check_limiter_.RetryAfter(limit_key)) {
    res.set_header("Retry-After", std::to_string(wait->count()));
    return SendError(res, {429, "rate_limited",
                           "too many share checks that did not match; try again in " +
                               std::to_string(wait->count()) + " s"});
  }
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/recovery/check"));
  if (!body) return SendError(res, body.error());
  const int64_t index = body->Int("index");
  if (index < 1 || index > recovery::kMaxShares) {
    return SendError(res, BadRequest("bad_index", "index must be 1 to 16"));
  }
  auto check = DecodeCheck(body->Str("check"));
  if (!check) return SendError(res, check.error());
  vault::api::RecoveryCheckAnswer out;
  out.index = index;
  if (!WriteOr(res, [&](vault::WriteTxn& t) -> Status {
        auto matches = recovery::RecordCheck(t, c.actor(), index, *check, Millis(env_.Now()));
        if (!matches) return matches.error();
        out.matches = *matches;
        auto state = recovery::GetState(t);
        if (!state) return state.error();
        out.shares = static_cast<int64_t>(state->shares.size());
        out.threshold = state->threshold;
        return Status::OK();
      })) {
    return;
  }
  if (!out.matches) recovery_check_limiter_.Record(limit_key);
  SendJson(res, 200, vault::api::RecoveryCheckAnswerToJson(out));
}

void ServerImpl::PutRecoveryCopy(const httplib::Request& req, httplib::Response& res,
                                 const Caller& c) {
  const std::string id = req.matches[1];
  auto body =
      Body::Parse(req.body, vault::api::RequestBody("POST /v1/collections/:id/recovery-key"));
  if (!body) return SendError(res, body.error());
  auto sealed = DecodeBase64Field(body->Str("recovery_sealed_key"), "recovery_sealed_key");
  if (!sealed) return SendError(res, sealed.error());
  const int64_t key_version = body->Int("key_version");
  if (WriteOr(res, [&](vault::WriteTxn& t) {
        return recovery::PutRecoveryCopy(t, c.actor(), id, key_version, *sealed,
                                         Millis(env_.Now()));
      })) {
    SendJson(res, 200, {{"collection_id", id}, {"key_version", key_version}});
  }
}

void ServerImpl::RegisterRecoveryRoutes() {
  static constexpr Route kRoutes[] = {
      {"PUT", "/v1/recovery", &ServerImpl::PutRecovery},
      {"GET", "/v1/recovery", &ServerImpl::GetRecovery},
      {"GET", "/v1/recovery/check-key", &ServerImpl::RecoveryCheckKey},
      {"GET", "/v1/recovery/unsealed", &ServerImpl::UnsealedForCaller},
      {"POST", "/v1/recovery/check", &ServerImpl::CheckRecoveryShare},
      {"POST", "/v1/collections/:id/recovery-key", &ServerImpl::PutRecoveryCopy},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
