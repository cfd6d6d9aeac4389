#include "metrics.h"

#include <sstream>

namespace server {
namespace {

void RenderReminders(std::ostream& out, const Metrics::Reminders& r) {
  const struct {
    const char* name;
    const char* help;
    int64_t value;
  } gauges[] = {
      {"baton_items_overdue", "Items past their rotation due date, not flagged.", r.overdue},
      {"baton_items_flagged", "Items with a rotation flag raised.", r.flagged},
      {"baton_rotations_pending", "Rotations begun and not yet confirmed.", r.pending},
      {"baton_reminder_digests", "Reminder digests queued since the vault was created.", r.digests},
      {"baton_reminders_sent", "Reminder digest deliveries accepted, among kept notices.",
       r.delivered},
      {"baton_reminders_failed", "Reminder digest deliveries given up, among kept notices.",
       r.failed},
  };
  for (const auto& g : gauges) {
    out << "# HELP " << g.name << " " << g.help << "\n# TYPE " << g.name << " gauge\n"
        << g.name << " " << g.value << "\n";
  }
}

}  // namespace

void Metrics::Observe(const std::string& route, int status, std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::CountDelivery(const std::string& channel, const std::string& outcome) {
  std::lock_guard lock(mu_);
  ++deliveries_[{channel, outcome}];
}

std::string Metrics::Render(int64_t audit_length) const {
  std::ostringstream out;
  std::lock_guard lock(mu_);
  out << "# HELP baton_http_requests_total HTTP requests by route and status.\n"
      << "# TYPE baton_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out << "baton_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second
        << "\"} " << n << "\n";
  }
  out << "# HELP baton_http_request_duration_seconds Request latency by route.\n"
      << "# TYPE baton_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out << "baton_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\""
          << kBuckets[i] << "\"} " << h.counts[i] << "\n";
    }
    out << "baton_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} "
        << h.count << "\n"
        << "baton_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum << "\n"
        << "baton_http_request_duration_seconds_count{route=\"" << route << "\"} " << h.count
        << "\n";
  }
  out << "# HELP baton_audit_events Length of the audit log.\n"
      << "# TYPE baton_audit_events gauge\n"
      << "baton_audit_events " << audit_length << "\n";
  out << "# HELP baton_notice_deliveries_total Notice delivery attempts by channel and outcome.\n"
      << "# TYPE baton_notice_deliveries_total counter\n";
  for (const auto& [key, n] : deliveries_) {
    out << "baton_notice_deliveries_total{channel=\"" << key.first << "\",outcome=\"" << key.second
        << "\"} " << n << "\n";
  }
  if (last_backup_) {
    out << "# HELP baton_last_backup_timestamp_seconds When the last scheduled backup was "
           "written.\n"
        << "# TYPE baton_last_backup_timestamp_seconds gauge\n"
        << "baton_last_backup_timestamp_seconds " << last_backup_->first / 1000 << "\n"
        << "# HELP baton_last_backup_bytes Size of the last scheduled backup.\n"
        << "# TYPE baton_last_backup_bytes gauge\n"
        << "baton_last_backup_bytes " << last_backup_->second << "\n";
  }
  if (reminders_) RenderReminders(out, *reminders_);
  return out.str();
}

void Metrics::SetLastBackup(int64_t at_ms, int64_t bytes) {
  std::lock_guard lock(mu_);
  last_backup_ = {at_ms, bytes};
}

std::optional<std::pair<int64_t, int64_t>> Metrics::LastBackup() const {
  std::lock_guard lock(mu_);
  return last_backup_;
}

void Metrics::SetReminders(const Reminders& r) {
  std::lock_guard lock(mu_);
  reminders_ = r;
}

}  // namespace server
