// Request metrics in the Prometheus text format. Private to the server.
#ifndef BATON_SERVER_SRC_METRICS_H_
#define BATON_SERVER_SRC_METRICS_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace server {

class Metrics {
 public:
  void Observe(const std::string& route, int status, std::chrono::nanoseconds latency);
  // One notice delivery attempt's outcome: delivered, retry, failed (given
  // up) or skipped (channel off).
  void CountDelivery(const std::string& channel, const std::string& outcome);
  // The last scheduled backup (unix ms, bytes), shown as gauges.
  void SetLastBackup(int64_t at_ms, int64_t bytes);
  std::optional<std::pair<int64_t, int64_t>> LastBackup() const;
  // The rotation reminders' gauges, as batond's timer last saw them.
  struct Reminders {
    int64_t overdue = 0;    // items overdue (not flagged)
    int64_t flagged = 0;    // items with a rotation flag raised
    int64_t pending = 0;    // rotations begun and not confirmed
    int64_t digests = 0;    // digests queued, ever
    int64_t delivered = 0;  // digest deliveries accepted, in the outbox
    int64_t failed = 0;     // digest deliveries given up, in the outbox
  };
  void SetReminders(const Reminders& r);
  // All metrics; `audit_length` is sampled by the caller.
  std::string Render(int64_t audit_length) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;            // (route, status)
  std::map<std::string, Histogram> latency_;                            // route
  std::map<std::pair<std::string, std::string>, uint64_t> deliveries_;  // (channel, outcome)
  std::optional<std::pair<int64_t, int64_t>> last_backup_;
  std::optional<Reminders> reminders_;
};

}  // namespace server

#endif  // BATON_SERVER_SRC_METRICS_H_
