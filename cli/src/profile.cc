#include "profile.h"

#include <nlohmann/json.hpp>

#include "tls_pin.h"

namespace cli {

using vault::Fail;
using vault::Status;

std::string ProfilesHome(const std::map<std::string, std::string>& environ) {
  auto get = [&](const char* k) {
    auto it = environ.find(k);
    return it == environ.end() ? std::string() : it->second;
  };
  if (std::string h = get("BATON_HOME"); !h.empty()) return h;
  if (std::string x = get("XDG_CONFIG_HOME"); !x.empty()) return x + "/baton";
  return get("HOME") + "/.config/baton";
}

namespace {

Status CheckName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.find_first_of("/\\. ") != std::string::npos) {
    return Status::InvalidArgument("a profile name is 1 to 64 characters without / \\ . or spaces");
  }
  return Status::OK();
}

}  // namespace

vault::Result<Profile> LoadProfile(vault::Env& env, const std::string& home,
                                   const std::string& name) {
  if (Status s = CheckName(name); !s.ok()) return Fail(s);
  Profile p;
  p.name = name;
  p.dir = home + "/" + name;
  auto bytes = env.ReadFile(p.dir + "/profile.json");
  if (!bytes) {
    if (bytes.error().IsNotFound()) {
      return Fail(Status::NotFound("no profile \"" + name +
                                   "\" on this machine: run baton join (or baton init) first"));
    }
    return Fail(bytes.error());
  }
  auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  try {
    if (j.is_discarded() || !j.is_object()) throw std::runtime_error("not an object");
    p.server_url = j.at("server_url").get<std::string>();
    p.fingerprint = j.value("fingerprint", std::string());
    p.member_id = j.at("member_id").get<std::string>();
    p.member_name = j.value("member_name", "");
    auto key = vault::crypto::FromBase64(j.at("server_audit_key").get<std::string>());
    if (!key || key->size() != p.server_audit_key.size()) throw std::runtime_error("bad key");
    std::copy(key->begin(), key->end(), p.server_audit_key.begin());
  } catch (const std::exception&) {
    return Fail(Status::Corruption(p.dir + "/profile.json is damaged"));
  }
  // Fails closed: a missing pin would otherwise let any certificate in.
  if (Status s = CheckPinnedFingerprint(p.fingerprint); !s.ok()) return Fail(s);
  return p;
}

Status SaveProfile(vault::Env& env, const std::string& home, Profile& p) {
  if (Status s = CheckName(p.name); !s.ok()) return s;
  p.dir = home + "/" + p.name;
  for (const std::string& d : {home, p.dir}) {
    if (env.FileExists(d)) continue;
    // Parents of home (e.g. ~/.config) are created too.
    std::string partial;
    for (size_t pos = 0; pos != std::string::npos;) {
      pos = d.find('/', pos + 1);
      partial = d.substr(0, pos);
      if (!partial.empty() && !env.FileExists(partial)) {
        if (Status s = env.CreateDir(partial, 0700); !s.ok() && !s.IsAlreadyExists()) return s;
      }
    }
  }
  const nlohmann::json j = {{"server_url", p.server_url},
                            {"fingerprint", p.fingerprint},
                            {"server_audit_key", vault::crypto::ToBase64(p.server_audit_key)},
                            {"member_id", p.member_id},
                            {"member_name", p.member_name}};
  const std::string text = j.dump(2) + "\n";
  return env.WriteFileAtomic(p.dir + "/profile.json", vault::crypto::AsBytes(text), 0600);
}

}  // namespace cli
