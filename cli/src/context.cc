#include "cli/context.h"

#include "cli/agent.h"
#include "cli/exit_codes.h"
#include "vault/login.h"

namespace cli {

using nlohmann::json;
using vault::Result;
using vault::Status;
namespace crypto = vault::crypto;

Result<Profile*> Context::profile() {
  if (!profile_) {
    auto p = LoadProfile(env, home(), options.profile);
    if (!p) return vault::Fail(p.error());
    profile_ = std::move(*p);
  }
  return &*profile_;
}

Result<const vault::Identity*> Context::identity() {
  if (identity_) return &*identity_;
  auto p = profile();
  if (!p) return vault::Fail(p.error());
  auto passphrase = options.passphrase_file.empty()
                        ? console.read_secret("Passphrase for " + (*p)->member_name + ": ")
                        : ReadSecretFile(env, console.in, options.passphrase_file);
  if (!passphrase) return vault::Fail(passphrase.error());
  auto id = vault::LoadIdentity(env, (*p)->identity_path(), passphrase->bytes());
  if (!id) return vault::Fail(id.error());
  identity_ = std::move(*id);
  return &*identity_;
}

Result<KeyOps*> Context::keys() {
  if (key_ops_) return key_ops_.get();
  auto p = profile();
  if (!p) return vault::Fail(p.error());
  if (auto paths = AgentSocketPaths(environ, (*p)->name); paths) {
    Status dir = CheckPrivateDir(paths->dir, /*create=*/false);
    auto agent = dir.ok() ? AgentKeys::Connect(paths->socket)
                          : Result<std::unique_ptr<AgentKeys>>(vault::Fail(dir));
    if (agent) {
      // The agent must hold this profile's identity: its keys are the ones
      // in the identity file's (passphrase-bound) header.
      auto file = env.ReadFile((*p)->identity_path());
      auto info = file ? vault::InspectIdentityFile(*file)
                       : Result<vault::IdentityFileInfo>(vault::Fail(file.error()));
      if (info && (*agent)->member_id() == (*p)->member_id &&
          info->signing_public_key == (*agent)->signing_public_key() &&
          info->box_public_key == (*agent)->box_public_key()) {
        key_ops_ = std::move(*agent);
        return key_ops_.get();
      }
      console.err << "baton: the agent holds another identity than profile " << (*p)->name
                  << "; ignoring it (run baton lock)\n";
    } else if (!agent.error().IsNotFound()) {
      console.err << "baton: ignoring the agent: " << agent.error().message() << "\n";
    }
  }
  auto id = identity();
  if (!id) return vault::Fail(id.error());
  key_ops_ = std::make_unique<IdentityKeys>(**id);
  return key_ops_.get();
}

Result<ApiClient*> Context::client() {
  if (client_) return client_.get();
  auto p = profile();
  if (!p) return vault::Fail(p.error());
  auto address = ParseServerUrl((*p)->server_url);
  if (!address) return vault::Fail(address.error());
  auto c = std::make_unique<ApiClient>(*address, (*p)->fingerprint);
  auto k = keys();
  if (!k) return vault::Fail(k.error());
  auto challenge = c->Call("POST", "/v1/auth/challenge", json{{"member_id", (*p)->member_id}});
  if (!challenge) return vault::Fail(challenge.error());
  const std::string nonce = challenge->value("nonce", "");
  auto sig = (*k)->Sign(vault::LoginMessage((*p)->server_audit_key, (*p)->member_id, nonce));
  if (!sig) return vault::Fail(sig.error());
  auto login = c->Call("POST", "/v1/auth/login",
                       json{{"member_id", (*p)->member_id},
                            {"nonce", nonce},
                            {"signature", crypto::ToBase64(*sig)}});
  if (!login) return vault::Fail(login.error());
  c->set_token(login->value("token", ""));
  client_ = std::move(c);
  return client_.get();
}

Result<const vault::envelope::CollectionKey*> Context::collection_key(const std::string& id) {
  if (auto it = keys_.find(id); it != keys_.end()) return &it->second;
  auto c = client();
  if (!c) return vault::Fail(c.error());
  auto reply = (*c)->Call("GET", "/v1/collections/" + id + "/key");
  if (!reply) return vault::Fail(reply.error());
  auto sealed = crypto::FromBase64(reply->value("sealed_key", ""));
  if (!sealed) return vault::Fail(Status::Corruption("the server sent a malformed sealed key"));
  auto k = keys();
  if (!k) return vault::Fail(k.error());
  auto opened = (*k)->OpenSealed(*sealed);
  if (!opened) {
    return vault::Fail(Status::Corruption("the sealed collection key does not open with this key"));
  }
  auto key = vault::envelope::CollectionKeyFromOpened(opened->bytes(), id,
                                                      reply->value("key_version", int64_t{0}));
  if (!key) return vault::Fail(key.error());
  return &keys_.emplace(id, std::move(*key)).first->second;
}

Result<ItemRef> Context::FindItem(const std::string& name_or_id) {
  auto c = client();
  if (!c) return vault::Fail(c.error());
  auto cols = (*c)->Call("GET", "/v1/collections");
  if (!cols) return vault::Fail(cols.error());
  std::vector<ItemRef> matches;
  for (const auto& col : (*cols)["collections"]) {
    const std::string cid = col.value("id", "");
    auto items = (*c)->Call("GET", "/v1/collections/" + cid + "/items");
    if (!items) {
      if (items.error().IsPermissionDenied()) continue;
      return vault::Fail(items.error());
    }
    for (const auto& it : (*items)["items"]) {
      if (it.value("id", "") == name_or_id || it.value("name", "") == name_or_id) {
        matches.push_back({it.value("id", ""), cid, it});
      }
    }
  }
  if (matches.empty()) return vault::Fail(Status::NotFound("no item named " + name_or_id));
  if (matches.size() > 1) {
    return vault::Fail(Status::FailedPrecondition("several items are named " + name_or_id +
                                           "; use the item id"));
  }
  return matches.front();
}

int Context::Fail(const Status& s) {
  console.err << "baton: " << s.message() << "\n";
  return ExitCodeFor(s);
}

}  // namespace cli
