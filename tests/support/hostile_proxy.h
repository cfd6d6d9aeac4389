// The server as an adversary: a TLS proxy in front of a real batond (same
// certificate, so the client's pin holds) that can corrupt answers, answer
// on its own, replay an earlier answer (a rollback), or edit a request on
// its way up. Rules match a method and a path (a regular expression,
// without the query); the newest matching rule wins.
#ifndef BATON_TESTS_SUPPORT_HOSTILE_PROXY_H_
#define BATON_TESTS_SUPPORT_HOSTILE_PROXY_H_

#include <httplib.h>

#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace testing_util {

class HostileProxy {
 public:
  // May change the HTTP status too.
  using Corruption = std::function<void(int& status, std::string& body)>;
  // Edits a request body before it goes upstream.
  using Rewrite = std::function<void(std::string& body)>;

  HostileProxy(const std::string& cert_file, const std::string& key_file, int upstream)
      : server_(cert_file.c_str(), key_file.c_str()), upstream_(upstream) {
    auto handle = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
    server_.Get(".*", handle);
    server_.Post(".*", handle);
    server_.Put(".*", handle);
    server_.Patch(".*", handle);
    server_.Delete(".*", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // The socket accepts from bind on; stop() only ends a loop that runs.
    while (port_ > 0 && !server_.is_running()) std::this_thread::yield();
  }
  ~HostileProxy() {
    server_.stop();
    thread_.join();
  }
  HostileProxy(const HostileProxy&) = delete;
  HostileProxy& operator=(const HostileProxy&) = delete;

  int port() const { return port_; }

  // The upstream answers to `method` `path` go through `corrupt`.
  void Corrupt(const std::string& method, const std::string& path, Corruption corrupt) {
    Add(method, path, Rule::kCorrupt, std::move(corrupt));
  }
  // `method` `path` is answered by `answer` (status and body start as 200
  // and ""), never forwarded.
  void Answer(const std::string& method, const std::string& path, Corruption answer) {
    Add(method, path, Rule::kAnswer, std::move(answer));
  }
  // From now on the upstream answers to `method` `path` are kept, in order.
  void Record(const std::string& method, const std::string& path) {
    Add(method, path, Rule::kRecord, nullptr);
  }
  // From now on `method` `path` is answered with the n-th (from 0) answer
  // recorded for that rule, never forwarded.
  void Replay(const std::string& method, const std::string& path, size_t n) {
    std::lock_guard lock(mu_);
    const auto& kept = recorded_[Key(method, path)];
    if (n >= kept.size()) return;  // Nothing to replay: the test's Recorded() check says so.
    const auto answer = kept[n];
    rules_.push_back({method, std::regex(path), Rule::kAnswer,
                      [answer](int& status, std::string& body) {
      status = answer.first;
      body = answer.second;
                      },
                      nullptr, "", 0});
  }
  // How many answers were recorded for `method` `path` so far.
  size_t Recorded(const std::string& method, const std::string& path) {
    std::lock_guard lock(mu_);
    return recorded_[Key(method, path)].size();
  }
  // Request bodies of `method` `path` go through `rewrite` before upstream
  // (every matching rewrite, oldest first).
  void RewriteRequest(const std::string& method, const std::string& path, Rewrite rewrite) {
    std::lock_guard lock(mu_);
    rules_.push_back(
        {method, std::regex(path), Rule::kRewrite, nullptr, std::move(rewrite), "", 0});
  }
  // Drops every rule (recordings and counts stay).
  void Clear() {
    std::lock_guard lock(mu_);
    rules_.clear();
  }
  // How many requests or answers the newest rule for `method` `path` touched.
  int hits() {
    std::lock_guard lock(mu_);
    return rules_.empty() ? 0 : rules_.back().hits;
  }
  // How many requests with `method` on a path matching `path` reached the
  // proxy, whatever was done with them.
  int Seen(const std::string& method, const std::string& path) {
    std::lock_guard lock(mu_);
    const std::regex re(path);
    int n = 0;
    for (const auto& [m, p] : seen_) n += m == method && std::regex_match(p, re) ? 1 : 0;
    return n;
  }

 private:
  struct Rule {
    enum Kind { kCorrupt, kAnswer, kRecord, kRewrite };
    std::string method;
    std::regex path;
    Kind kind;
    Corruption answer;
    Rewrite rewrite;
    std::string key;  // where a kRecord rule keeps its answers
    int hits;
  };
  static std::string Key(const std::string& method, const std::string& path) {
    return method + " " + path;
  }
  void Add(const std::string& method, const std::string& path, Rule::Kind kind, Corruption fn) {
    std::lock_guard lock(mu_);
    rules_.push_back(
        {method, std::regex(path), kind, std::move(fn), nullptr, Key(method, path), 0});
  }
  // The newest rule of `kind` that matches, or nullptr. Callers hold mu_.
  Rule* Find(const httplib::Request& req, Rule::Kind kind) {
    for (size_t i = rules_.size(); i-- > 0;) {
      Rule& r = rules_[i];
      if (r.kind == kind && r.method == req.method && std::regex_match(req.path, r.path)) return &r;
    }
    return nullptr;
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    std::string body = req.body;
    {
      std::lock_guard lock(mu_);
      seen_.emplace_back(req.method, req.path);
      if (Rule* r = Find(req, Rule::kAnswer)) {
        int status = 200;
        std::string answer;
        r->answer(status, answer);
        ++r->hits;
        res.status = status;
        res.set_content(answer, "application/json");
        return;
      }
      for (Rule& r : rules_) {
        if (r.kind == Rule::kRewrite && r.method == req.method &&
            std::regex_match(req.path, r.path)) {
          r.rewrite(body);
          ++r.hits;
        }
      }
    }
    httplib::SSLClient up("127.0.0.1", upstream_);
    up.enable_server_certificate_verification(false);
    httplib::Headers headers;
    if (req.has_header("Authorization")) {
      headers.emplace("Authorization", req.get_header_value("Authorization"));
    }
    const std::string& target = req.target;
    const char* type = "application/json";
    httplib::Result r = req.method == "POST"     ? up.Post(target, headers, body, type)
                        : req.method == "PUT"    ? up.Put(target, headers, body, type)
                        : req.method == "PATCH"  ? up.Patch(target, headers, body, type)
                        : req.method == "DELETE" ? up.Delete(target, headers, body, type)
                                                 : up.Get(target, headers);
    if (!r) {
      res.status = 502;
      return;
    }
    std::string answer = r->body;
    int status = r->status;
    {
      std::lock_guard lock(mu_);
      if (Rule* rec = Find(req, Rule::kRecord)) {
        recorded_[rec->key].emplace_back(status, answer);
        ++rec->hits;
      }
      if (Rule* c = Find(req, Rule::kCorrupt)) {
        c->answer(status, answer);
        ++c->hits;
      }
    }
    res.status = status;
    res.set_content(answer, "application/json");
  }

  httplib::SSLServer server_;
  int upstream_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Rule> rules_;
  std::map<std::string, std::vector<std::pair<int, std::string>>> recorded_;
  std::vector<std::pair<std::string, std::string>> seen_;
};

}  // namespace testing_util

#endif  // BATON_TESTS_SUPPORT_HOSTILE_PROXY_H_
