// Emergency access (DESIGN.md §6): the state machine of one request under a
// grant, as pure functions of what is stored and the time.
//
//   waiting ──approve──────────────────────────▶ released ──window ends──▶ expired
//      │ └──wait ended and confirmations in──────▲   │
//      ├──reject──▶ rejected                         │
//      └──grant revoked──▶ cancelled ◀──grant revoked┘
//
// `waiting` stays waiting past release_ms while confirmations are missing;
// the confirmation that completes them then releases at once. Nothing here
// reads a clock, a file or the database: the caller passes `now` and
// applies the steps it gets back (the vault store and batond do), so every
// transition is testable with an injected clock.
//
// Thread safety: pure functions.
#ifndef BATON_VAULT_EMERGENCY_H_
#define BATON_VAULT_EMERGENCY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "vault/status.h"

namespace vault::emergency {

// Limits of the API (EMERGENCY_API.md).
inline constexpr int64_t kMinWaitHours = 1;
inline constexpr int64_t kMaxWaitHours = 2160;
inline constexpr int64_t kMinWindowHours = 1;
inline constexpr int64_t kMaxWindowHours = 720;
inline constexpr int64_t kDefaultWindowHours = 72;
inline constexpr int64_t kMaxConfirmations = 10;
inline constexpr size_t kMaxReasonBytes = 500;
inline constexpr int64_t kHourMs = 3600 * 1000;

// What a released request gives the deputy: the grantor's collections to
// read, or those and the grantor's place (the deputy becomes an admin with
// manage access). Names: "view", "takeover".
enum class GrantMode : uint8_t { kView, kTakeover };
inline constexpr std::array kAllGrantModes = {GrantMode::kView, GrantMode::kTakeover};

enum class GrantStatus : uint8_t { kActive, kDeclined, kRevoked };
inline constexpr std::array kAllGrantStatuses = {GrantStatus::kActive, GrantStatus::kDeclined,
                                                 GrantStatus::kRevoked};

// kNone: the grant has no request yet (only kRequest applies).
enum class State : uint8_t { kNone, kWaiting, kRejected, kReleased, kExpired, kCancelled };

enum class Event : uint8_t {
  kRequest,  // the deputy asks (a new request if the newest one is over)
  kApprove,  // an admin or the grantor releases now
  kReject,   // an admin or the grantor ends it
  kConfirm,  // another deputy of the same grantor confirms
  kRevoke,   // the grant is revoked
  kAccess,   // the deputy reads keys or items
};

inline constexpr State kAllStates[] = {State::kNone,     State::kRejected, State::kWaiting,
                                       State::kReleased, State::kExpired,  State::kCancelled};
// The states a stored request can be in (every one but kNone).
inline constexpr std::array kRequestStates = {State::kWaiting, State::kRejected, State::kReleased,
                                              State::kExpired, State::kCancelled};
inline constexpr Event kAllEvents[] = {Event::kRequest, Event::kApprove, Event::kReject,
                                       Event::kConfirm, Event::kRevoke,  Event::kAccess};

// Wire names: "none", "waiting", "rejected", "released", "expired",
// "cancelled"; "active", "declined", "revoked"; "request", "approve", ...
std::string_view ToString(State s);
std::string_view ToString(GrantStatus s);
std::string_view ToString(GrantMode m);
std::string_view ToString(Event e);
// InvalidArgument for anything else (a stored value this build does not know).
Result<State> ParseState(std::string_view name);
Result<GrantStatus> ParseGrantStatus(std::string_view name);
Result<GrantMode> ParseGrantMode(std::string_view name);

// What is stored about a grant and its newest request.
struct Facts {
  GrantStatus grant = GrantStatus::kActive;
  State state = State::kNone;
  int64_t release_ms = 0;     // requested_ms + wait
  int64_t window_ms = 0;      // the access window's length
  int64_t expires_ms = 0;     // set once released
  int64_t confirmations = 0;  // distinct confirmers so far
  int64_t confirmations_required = 0;
};

// Who triggers a kConfirm, relative to the request.
struct Confirmer {
  bool is_requester = false;  // the deputy who asked
  bool already_confirmed = false;
};

// The outcome of an event: the request's state afterwards and, when it
// changes to released, when the access window ends.
struct Step {
  State to = State::kNone;
  int64_t at_ms = 0;          // when the transition happens
  int64_t expires_ms = 0;     // set when `to` is kReleased
  int64_t confirmations = 0;  // after the event
};

// Decides `event` at `now_ms` on `facts`, which must already be brought up
// to `now_ms` with Due(). FailedPrecondition, naming the current state, for
// every illegal event; the caller then changes nothing. kRevoke on a request
// that is already over leaves it as it is (the grant still ends).
Result<Step> Decide(const Facts& facts, Event event, int64_t now_ms, const Confirmer& who = {});

// The time-driven transitions due by `now_ms`, in order (release at the end
// of the wait, then expiry at the end of the window), each at the moment it
// fell due. Empty if none.
std::vector<Step> Due(const Facts& facts, int64_t now_ms);

// Reminders before an automatic release (24 h and 1 h before release_ms,
// each once). Only a waiting request gets them, and only while the release
// is still ahead; a moment at or before the request itself is never due.
// Returns every reminder due and unsent, in order: record them all as sent
// and notify once, for the last (a late tick that finds both due would
// otherwise send a stale "24 hours left").
enum class Reminder : uint8_t { k24Hours, k1Hour };
struct ReminderFacts {
  int64_t requested_ms = 0;
  bool sent_24h = false;
  bool sent_1h = false;
};
std::vector<Reminder> DueReminders(const Facts& facts, const ReminderFacts& r, int64_t now_ms);
int64_t ReminderLeadMs(Reminder r);

}  // namespace vault::emergency

#endif  // BATON_VAULT_EMERGENCY_H_
