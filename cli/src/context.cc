#include "context.h"

#include <chrono>
#include <sstream>

#include "agent.h"
#include "cli/exit_codes.h"
#include "lookup.h"
#include "short_names.h"
#include "vault/api_json.h"
#include "vault/api_json_roster.h"
#include "vault/login.h"
#include "vault/time_format.h"

namespace cli {

namespace api = vault::api;

namespace {

// The server will not serve this member again: what the cache holds must
// not outlive that on this machine. The answer is what the user is told,
// the server's own words left out, so that it is said once.
Status ForgetRemovedMember(vault::Env& env, const Profile& p) {
  if (!Cache::Exists(env, p.cache_dir())) {
    return Status::Unauthenticated("you were removed from the team");
  }
  if (Status s = Cache::Remove(env, p.cache_dir()); !s.ok()) {
    return Status::Unauthenticated(
        "you were removed from the team, but the offline cache could not be deleted: " +
        s.message());
  }
  return Status::Unauthenticated(
      "you were removed from the team; deleted the offline cache of profile " + p.name);
}

// Without the agent every command derives the key from the passphrase
// (about a second). The second such command within a minute suggests the
// agent, at most once an hour: the state, "<last derivation ms> <last
// suggestion ms>", is a small file in the profile. Never within --json
// output, and a state that cannot be read or written only loses the hint.
void SuggestAgentIfRepeated(vault::Env& env, std::ostream& err, const Profile& p, bool json) {
  constexpr int64_t kMinuteMs = 60'000, kHourMs = 3'600'000;
  const std::string path = p.dir + "/unlock-hint";
  const int64_t now = vault::ToUnixMs(env.Now());
  int64_t last = 0, suggested = 0;
  if (auto file = env.ReadFilePrefix(path, 64); file) {
    std::istringstream(std::string(file->begin(), file->end())) >> last >> suggested;
  }
  const bool repeated = last > 0 && now >= last && now - last < kMinuteMs;
  if (repeated && !json && !(suggested > 0 && now >= suggested && now - suggested < kHourMs)) {
    err << "baton: each command unlocks your identity again (about a second); `"
        << BatonCommand(p.name, {"unlock"}) << "` keeps it unlocked in an agent for a while\n";
    suggested = now;
  }
  const std::string state = std::to_string(now) + " " + std::to_string(suggested) + "\n";
  (void)env.WriteFileAtomic(path, vault::crypto::AsBytes(state), 0600);
}

}  // namespace

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
  if (auto agent = ConnectProfileAgent(env, environ, **p); agent) {
    key_ops_ = std::move(*agent);
    return key_ops_.get();
  } else if (agent.error().IsUnauthenticated()) {
    return vault::Fail(agent.error());  // another identity's agent: neither used nor passed over
  } else if (!agent.error().IsNotFound()) {
    console.err << "baton: ignoring the agent: " << Printable(agent.error().message()) << "\n";
  }
  auto id = identity();
  if (!id) return vault::Fail(id.error());
  SuggestAgentIfRepeated(env, console.err, **p, options.json);
  key_ops_ = std::make_unique<IdentityKeys>(**id);
  return key_ops_.get();
}

Result<ApiClient*> Context::client() {
  if (client_) return client_.get();
  if (offline_only) {
    return vault::Fail(Status::FailedPrecondition("this command does not contact a server"));
  }
  auto p = profile();
  if (!p) return vault::Fail(p.error());
  auto address = ParseServerUrl((*p)->server_url);
  if (!address) return vault::Fail(address.error());
  auto c = std::make_unique<ApiClient>(*address, (*p)->fingerprint);
  auto k = keys();
  if (!k) return vault::Fail(k.error());
  // The session the agent kept from an earlier command, if any; the server
  // still checks it, and a stale one costs one 401 and a fresh sign-in.
  if (auto held = (*k)->HeldSession(SessionScope(**p)); held) {
    c->set_token(std::move(*held));
  } else if (Status s = SignIn(*c); !s.ok()) {
    return vault::Fail(s);
  }
  ApiClient* raw = c.get();
  c->set_reauthenticate([this, raw] { return SignIn(*raw); });
  client_ = std::move(c);
  // Reads made offline go to the server at the first contact after them.
  if (Cache::Exists(env, (*p)->cache_dir())) {
    auto cached = cache(false);
    if (cached) {
      if (auto sent = ReportOfflineReads(*client_, **cached); !sent) {
        console.err << "baton: could not report the reads made offline yet: "
                    << Printable(sent.error().message()) << "\n";
      }
    }
  }
  return client_.get();
}

std::string Context::SessionScope(const Profile& p) {
  return p.server_url + " " + p.fingerprint + " " + p.member_id;
}

Status Context::SignIn(ApiClient& c) {
  // Told once per command: a removed member is not signed in again.
  if (removed_) return *removed_;
  auto p = profile();
  if (!p) return p.error();
  auto k = keys();
  if (!k) return k.error();
  (*k)->DropSession(SessionScope(**p));
  auto login = cli::SignIn(c, **k, (*p)->member_id, (*p)->server_audit_key);
  if (!login) {
    if (c.last_error_code() == "member_removed") {
      cache_.reset();
      removed_ = ForgetRemovedMember(env, **p);
      return *removed_;
    }
    return login.error();
  }
  (*k)->HoldSession(SessionScope(**p), login->token);
  return Status::OK();
}

Result<const vault::envelope::CollectionKey*> Context::collection_key(const std::string& id,
                                                                      int64_t key_version) {
  if (auto it = keys_.find(id); it != keys_.end()) {
    if (key_version == 0 || it->second.version == key_version) return &it->second;
    keys_.erase(it);
  }
  std::vector<uint8_t> sealed;
  int64_t version = 0;
  if (cache_) {
    auto held = cache_->GetCollection(id);
    if (held && *held && (key_version == 0 || (*held)->key_version == key_version)) {
      sealed = (*held)->sealed_key;
      version = (*held)->key_version;
    }
  }
  if (sealed.empty()) return FetchCollectionKey(id);
  return OpenCollectionKey(id, sealed, version);
}

Result<const vault::envelope::CollectionKey*> Context::write_key(const std::string& id) {
  auto t = trust();
  if (!t) return vault::Fail(t.error());
  if (Status s = (*t)->RequirePinnedRoster(); !s.ok()) return vault::Fail(s);
  keys_.erase(id);
  auto key = FetchCollectionKey(id);
  if (!key) return key;
  if (Status s = (*t)->CheckLatestKeyVersion(id, (*key)->version); !s.ok()) return vault::Fail(s);
  return key;
}

Result<const vault::envelope::CollectionKey*> Context::FetchCollectionKey(const std::string& id) {
  auto c = client();
  if (!c) return vault::Fail(c.error());
  auto reply = (*c)->Get("/v1/collections/" + id + "/key", &api::SealedKeyAnswerFromJson);
  if (!reply) return vault::Fail(reply.error());
  return OpenCollectionKey(id, reply->sealed, reply->key_version);
}

Result<const vault::envelope::CollectionKey*> Context::OpenCollectionKey(
    const std::string& id, std::span<const uint8_t> sealed, int64_t version) {
  auto t = pins();
  if (!t) return vault::Fail(t.error());
  if (Status s = (*t)->CheckKeyVersion(id, version, "collection " + id); !s.ok()) {
    return vault::Fail(s);
  }
  auto k = keys();
  if (!k) return vault::Fail(k.error());
  auto opened = (*k)->OpenSealed(sealed);
  if (!opened) {
    return vault::Fail(Status::Corruption("the sealed collection key does not open with this key"));
  }
  auto key = vault::envelope::CollectionKeyFromOpened(opened->bytes(), id, version);
  if (!key) return vault::Fail(key.error());
  // Offline (from the cache, with no server to fetch the roster from) the
  // key was checked when it was cached.
  auto verified = trust();
  if (!verified && !(verified.error().IsIOError() && !client_))
    return vault::Fail(verified.error());
  if (verified) {
    if (Status s = (*verified)->CheckCollectionKey(*key); !s.ok()) return vault::Fail(s);
  }
  if (Status s = (*t)->PinKeyVersion(id, version); !s.ok()) return vault::Fail(s);
  return &keys_.insert_or_assign(id, std::move(*key)).first->second;
}

Result<TeamTrust*> Context::pins() {
  if (trust_) return trust_.get();
  auto p = profile();
  if (!p) return vault::Fail(p.error());
  auto t = TeamTrust::Load(env, (*p)->dir);
  if (!t) return vault::Fail(t.error());
  trust_ = std::move(*t);
  return trust_.get();
}

Result<TeamTrust*> Context::trust() {
  auto t = pins();
  if (!t || (*t)->verified()) return t;
  auto c = client();
  if (!c) return vault::Fail(c.error());
  std::vector<vault::roster::Entry> entries;
  auto answer = (*c)->Get("/v1/roster", &api::RosterPageFromJson);
  if (answer) {
    entries = std::move(answer->entries);
  } else if (!answer.error().IsNotFound()) {
    // NotFound: a server from before the roster, a legacy team; Verify
    // still refuses it if this client pinned a roster.
    return vault::Fail(answer.error());
  }
  if (Status s = (*t)->Verify(entries); !s.ok()) return vault::Fail(s);
  if ((*t)->legacy()) {
    console.err << "baton: warning: this team has no signed roster yet; keys are taken on the "
                   "server's word (an owner starts the roster with baton team adopt)\n";
  } else if ((*t)->first_use()) {
    console.err << "baton: warning: this profile has not pinned the team's roster yet; run baton "
                   "team trust before sealing or encrypting anything\n";
  }
  return t;
}

Result<Cache*> Context::cache(bool create) {
  if (cache_) return cache_.get();
  auto p = profile();
  if (!p) return vault::Fail(p.error());
  if (!create && !Cache::Exists(env, (*p)->cache_dir())) {
    return vault::Fail(Status::NotFound("no offline cache yet (run baton sync)"));
  }
  auto k = keys();
  if (!k) return vault::Fail(k.error());
  auto opened = Cache::Open(env, (*p)->cache_dir(), (*p)->member_id, **k, create);
  if (!opened && opened.error().IsCorruption()) {
    console.err << "baton: " << Printable(opened.error().message()) << "\n";
    if (Status s = Cache::Remove(env, (*p)->cache_dir()); !s.ok()) return vault::Fail(s);
    if (!create) return vault::Fail(Status::NotFound("no offline cache (it was unusable)"));
    opened = Cache::Open(env, (*p)->cache_dir(), (*p)->member_id, **k, true);
  }
  if (!opened) return vault::Fail(opened.error());
  cache_ = std::move(*opened);
  return cache_.get();
}

Result<SyncReport> Context::SyncCache() {
  auto c = client();
  if (!c) return vault::Fail(c.error());
  auto cached = cache(true);
  if (!cached) return vault::Fail(cached.error());
  auto t = trust();
  if (!t) return vault::Fail(t.error());
  SyncChecks checks;
  // Nothing older than this client saw, and only keys the roster vouches
  // for, so that a key taken from the cache offline was checked here.
  checks.before = [this, t = *t](const CachedCollection& col,
                                 const std::vector<CachedItem>& items) -> Status {
    if (Status s = t->CheckKeyVersion(col.id, col.key_version, col.name); !s.ok()) return s;
    for (const CachedItem& it : items) {
      if (Status s = t->CheckItem(it.id, it.version, it.meta.value("name", it.id)); !s.ok()) {
        return s;
      }
    }
    if (t->roster() == nullptr) return Status::OK();
    auto k = keys();
    if (!k) return k.error();
    auto opened = (*k)->OpenSealed(col.sealed_key);
    if (!opened) return Status::Corruption("the sealed collection key does not open with this key");
    auto key = vault::envelope::CollectionKeyFromOpened(opened->bytes(), col.id, col.key_version);
    if (!key) return key.error();
    return t->CheckCollectionKey(*key);
  };
  checks.after = [t = *t](const CachedCollection& col,
                          const std::vector<CachedItem>& items) -> Status {
    if (Status s = t->PinKeyVersion(col.id, col.key_version); !s.ok()) return s;
    for (const CachedItem& it : items) {
      if (Status s = t->PinItem(it.id, it.version); !s.ok()) return s;
    }
    return Status::OK();
  };
  auto report = cli::SyncCache(**c, **cached, checks);
  if (report) cache_synced_ = true;
  return report;
}

void Context::SyncCacheQuietly() {
  auto p = profile();
  if (!p || cache_synced_ || !Cache::Exists(env, (*p)->cache_dir())) return;
  if (auto r = SyncCache(); !r) {
    console.err << "baton: the offline cache was not updated: " << Printable(r.error().message())
                << "\n";
  }
}

Result<ItemRef> Context::FindItem(const std::string& name_or_id) {
  if (auto cached = cache(false); cached) {
    auto found = (*cached)->Find(name_or_id);
    if (found && found->size() > 1) {
      return vault::Fail(Status::FailedPrecondition("several items are named " + name_or_id +
                                                    "; use the item id"));
    }
    if (found && found->size() == 1) {
      CachedItem& it = found->front();
      ItemRef ref{it.id, it.collection_id, std::move(it.meta)};
      if (auto col = (*cached)->GetCollection(it.collection_id); col && *col) {
        ref.meta["collection"] = (*col)->name;
      }
      return ref;
    }
  }
  return FindItemOnServer(name_or_id);
}

Result<ItemCiphertext> Context::ReadItem(const std::string& name_or_id, bool allow_offline) {
  if (allow_offline) {
    // The first read on this machine fills the cache, so that the next one
    // works offline; later reads leave syncing to `baton sync` and changes.
    auto p = profile();
    if (!p) return vault::Fail(p.error());
    if (!Cache::Exists(env, (*p)->cache_dir())) {
      if (auto r = SyncCache(); !r && !r.error().IsIOError() && !removed_) {
        console.err << "baton: the offline cache was not filled: " << Printable(r.error().message())
                    << "\n";
      }
    }
  }
  auto ref = FindItem(name_or_id);
  if (!ref) return vault::Fail(ref.error());
  auto c = client();
  if (c) {
    auto reply = (*c)->Get("/v1/items/" + ref->id, &api::ItemWithCiphertextFromJson);
    if (!reply && reply.error().IsPermissionDenied()) {
      return vault::Fail(HideUnlisted(*this, reply.error(), name_or_id));
    }
    if (!reply && reply.error().IsNotFound() && ref->id != name_or_id) {
      // Renamed or deleted since the cache saw it: ask the server by name.
      auto fresh = FindItemOnServer(name_or_id);
      if (!fresh) return vault::Fail(fresh.error());
      ref = std::move(fresh);
      reply = (*c)->Get("/v1/items/" + ref->id, &api::ItemWithCiphertextFromJson);
    }
    if (!reply) return vault::Fail(reply.error());
    ItemCiphertext out;
    out.ciphertext = std::move(reply->ciphertext);
    out.meta = api::ItemMetaToJson(reply->meta);
    out.ref = std::move(*ref);
    return out;
  }
  if (!allow_offline || !c.error().IsIOError()) return vault::Fail(c.error());
  auto cached = cache(false);
  if (!cached) return vault::Fail(c.error());
  auto found = (*cached)->Find(ref->id);
  if (!found || found->size() != 1) return vault::Fail(c.error());
  auto col = (*cached)->GetCollection(ref->collection_id);
  if (!col || !*col) return vault::Fail(c.error());
  ItemCiphertext out;
  CachedItem& it = found->front();
  out.meta = it.meta;
  out.ciphertext = std::move(it.ciphertext);
  out.offline = true;
  out.as_of_ms = (*col)->as_of_ms;
  out.ref = std::move(*ref);
  // Recorded before anything is decrypted: a read that is not on record
  // does not happen.
  OfflineRead read{crypto::RandomId(env), it.id, it.version, vault::ToUnixMs(env.Now())};
  if (Status s = (*cached)->AddOfflineRead(read); !s.ok()) return vault::Fail(s);
  return out;
}

Result<ItemRef> Context::FindItemOnServer(const std::string& name_or_id) {
  auto c = client();
  if (!c) return vault::Fail(c.error());
  auto cols = (*c)->Get("/v1/collections", &api::CollectionsFromJson);
  if (!cols) return vault::Fail(cols.error());
  std::vector<ItemRef> matches;
  for (const auto& col : *cols) {
    const std::string& cid = col.collection.id;
    auto items = (*c)->Get("/v1/collections/" + cid + "/items", &api::ItemsFromJson);
    if (!items) {
      if (items.error().IsPermissionDenied()) continue;
      return vault::Fail(items.error());
    }
    for (const auto& it : *items) {
      if (it.id == name_or_id || it.name == name_or_id) {
        matches.push_back({it.id, cid, api::ItemMetaToJson(it)});
      }
    }
  }
  if (matches.empty()) return vault::Fail(Status::NotFound("no item named " + name_or_id));
  if (matches.size() > 1) {
    return vault::Fail(
        Status::FailedPrecondition("several items are named " + name_or_id + "; use the item id"));
  }
  return matches.front();
}

int Context::Fail(const Status& s) {
  // A message may carry the server's words and other people's names.
  console.err << "baton: " << Printable(s.message()) << "\n";
  return ExitCodeFor(s);
}

}  // namespace cli
