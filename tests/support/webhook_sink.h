// WebhookSink: a plain-HTTP receiver for notice webhooks on 127.0.0.1 with
// an OS-chosen port. Records every POST body; can answer with an error
// status a number of times before it accepts. Tests wait for bodies with
// WaitFor() (a condition variable), never a sleep.
#ifndef BATON_TESTS_SUPPORT_WEBHOOK_SINK_H_
#define BATON_TESTS_SUPPORT_WEBHOOK_SINK_H_

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace testing_util {

class WebhookSink {
 public:
  // Plain HTTP; with `cert_file` and `key_file` (PEM), HTTPS.
  WebhookSink(const std::string& cert_file = "", const std::string& key_file = "")
      : tls_(!cert_file.empty()),
        owned_(tls_ ? std::unique_ptr<httplib::Server>(
                          new httplib::SSLServer(cert_file.c_str(), key_file.c_str()))
                    : std::make_unique<httplib::Server>()),
        server_(*owned_) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      ++requests_;
      if (fail_left_ > 0) {
        --fail_left_;
        res.status = fail_status_;
        res.set_content("receiver says no: internal detail 8d1f", "text/plain");
      } else {
        bodies_.push_back(req.body);
        content_types_.push_back(req.get_header_value("Content-Type"));
        res.status = 200;
        res.set_content("ok", "text/plain");
      }
      cv_.notify_all();
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is lost until the accept loop runs (this httplib has no
    // wait_until_ready), so a sink destroyed at once would never stop.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~WebhookSink() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  WebhookSink(const WebhookSink&) = delete;
  WebhookSink& operator=(const WebhookSink&) = delete;

  int port() const { return port_; }
  std::string url() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/hook";
  }

  // The next `n` requests get `status` (and are not recorded as bodies).
  void FailNext(int n, int status = 500) {
    std::lock_guard lock(mu_);
    fail_left_ = n;
    fail_status_ = status;
  }

  // Waits until at least `n` requests arrived (accepted or not); false on
  // timeout.
  bool WaitForRequests(size_t n, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_ >= n; });
  }
  // Waits until at least `n` bodies were accepted; false on timeout.
  bool WaitFor(size_t n, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return bodies_.size() >= n; });
  }

  std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  std::vector<std::string> content_types() const {
    std::lock_guard lock(mu_);
    return content_types_;
  }
  size_t requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  const bool tls_;
  std::unique_ptr<httplib::Server> owned_;
  httplib::Server& server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> bodies_;
  std::vector<std::string> content_types_;
  size_t requests_ = 0;
  int fail_left_ = 0;
  int fail_status_ = 500;
};

}  // namespace testing_util

#endif  // BATON_TESTS_SUPPORT_WEBHOOK_SINK_H_
