// Refused requests, counted per minute before they reach the audit log.
// Private to the server.
//
// A client that is refused a thousand times a minute must not write a
// thousand audit events, yet the log must say how often it tried. So the
// refusals of one actor, action and target are counted in memory for one
// minute (aligned to the clock's minutes) and the window becomes a single
// "<action>.denied" event with its count once it is over: at batond's next
// tick (every 30 s), when someone reads the log, and, for the window still
// open, when the server stops. A refusal itself never writes: flooding the
// server with refused requests costs it no disk writes.
#ifndef BATON_SERVER_SRC_DENIED_LOG_H_
#define BATON_SERVER_SRC_DENIED_LOG_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace server {

class DeniedLog {
 public:
  static constexpr int64_t kWindowMs = 60'000;
  // Distinct targets counted per actor and action in one window; refusals
  // beyond them are counted under kOtherTargets, so that asking for many
  // made-up ids writes no more events than asking for one.
  static constexpr size_t kMaxTargets = 16;
  static constexpr char kOtherTargets[] = "other";

  struct Key {
    std::string actor, action, target;
    auto operator<=>(const Key&) const = default;
  };
  struct Window {
    Key key;
    std::string route;   // "GET /v1/items/:id": the route of the first refusal
    std::string reason;  // the first refusal's error message
    int64_t start_ms = 0;
    int64_t first_ms = 0;
    int64_t last_ms = 0;
    int64_t count = 0;
    uint64_t order = 0;  // of its first refusal among all windows
  };

  // Counts one refusal at now_ms.
  void Note(Key key, const std::string& route, const std::string& reason, int64_t now_ms);
  // Takes the windows that are over by now_ms, or every window if `all`,
  // in the order their first refusals came.
  std::vector<Window> Take(int64_t now_ms, bool all);

 private:
  // Moves the windows of open_ that began before `start` (all if `all`) to
  // over_.
  void CloseBefore(int64_t start, bool all);

  std::mutex mu_;
  std::map<Key, Window> open_;  // guarded by mu_
  int64_t oldest_start_ = 0;    // of open_'s windows; guarded by mu_
  std::vector<Window> over_;    // to be written; guarded by mu_
  uint64_t next_order_ = 0;     // guarded by mu_
};

}  // namespace server

#endif  // BATON_SERVER_SRC_DENIED_LOG_H_
