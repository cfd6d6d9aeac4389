// A thread pool for cpp-httplib that grows with the open connections.
//
// cpp-httplib runs each connection on one pool thread for its whole life,
// keep-alive waits included, so a fixed pool of N threads is starved by N
// idle or slow clients. This pool starts `min` threads and adds one whenever
// a connection arrives and none is idle, up to `max`; beyond that,
// connections wait in the queue. Idle extra threads exit after a while.
// Private to the server.
#ifndef BATON_SERVER_SRC_ELASTIC_POOL_H_
#define BATON_SERVER_SRC_ELASTIC_POOL_H_

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace server {

class ElasticPool final : public httplib::TaskQueue {
 public:
  ElasticPool(size_t min_threads, size_t max_threads);
  ~ElasticPool() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;  // runs what is queued, then joins every thread

 private:
  void Worker();
  void SpawnLocked();

  const size_t min_;
  const size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  size_t live_ = 0;
  bool stopping_ = false;
};

}  // namespace server

#endif  // BATON_SERVER_SRC_ELASTIC_POOL_H_
