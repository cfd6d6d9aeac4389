// Status and Result: the one error type of baton.
//
// A Status is either OK or a code with a human-readable message. Messages
// describe what went wrong and never contain a secret. Results of fallible
// calls are Result<T> = std::expected<T, Status>.
#ifndef BATON_VAULT_STATUS_H_
#define BATON_VAULT_STATUS_H_

#include <expected>
#include <string>
#include <string_view>

namespace vault {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,
    kCorruption,       // stored data is damaged or was tampered with
    kInvalidArgument,  // the caller's input is malformed
    kIOError,
    kPermissionDenied,  // the role policy denies the action
    kWaitPeriodActive,  // an emergency wait period has not ended
    kWrongPassphrase,   // a passphrase or key does not open the data
    kUnsupported,       // a format version or algorithm we do not know
    kAlreadyExists,
    kResourceExhausted,   // limits: sizes, rates, memory
    kUnauthenticated,     // no valid session or signature
    kFailedPrecondition,  // the state does not allow the action now
    kInternal,
    // A key, signature or statement the team roster does not vouch for.
    kUntrustedKey,
    // A version or roster head older than one this client has seen.
    kRollback,
  };

  Status() = default;  // OK

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return {Code::kNotFound, msg}; }
  static Status Corruption(std::string_view msg) { return {Code::kCorruption, msg}; }
  static Status InvalidArgument(std::string_view msg) { return {Code::kInvalidArgument, msg}; }
  static Status IOError(std::string_view msg) { return {Code::kIOError, msg}; }
  static Status PermissionDenied(std::string_view msg) { return {Code::kPermissionDenied, msg}; }
  static Status WaitPeriodActive(std::string_view msg) { return {Code::kWaitPeriodActive, msg}; }
  static Status WrongPassphrase(std::string_view msg) { return {Code::kWrongPassphrase, msg}; }
  static Status Unsupported(std::string_view msg) { return {Code::kUnsupported, msg}; }
  static Status AlreadyExists(std::string_view msg) { return {Code::kAlreadyExists, msg}; }
  static Status ResourceExhausted(std::string_view msg) { return {Code::kResourceExhausted, msg}; }
  static Status Unauthenticated(std::string_view msg) { return {Code::kUnauthenticated, msg}; }
  static Status FailedPrecondition(std::string_view msg) {
    return {Code::kFailedPrecondition, msg};
  }
  static Status Internal(std::string_view msg) { return {Code::kInternal, msg}; }
  static Status UntrustedKey(std::string_view msg) { return {Code::kUntrustedKey, msg}; }
  static Status Rollback(std::string_view msg) { return {Code::kRollback, msg}; }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsPermissionDenied() const { return code_ == Code::kPermissionDenied; }
  bool IsWaitPeriodActive() const { return code_ == Code::kWaitPeriodActive; }
  bool IsWrongPassphrase() const { return code_ == Code::kWrongPassphrase; }
  bool IsUnsupported() const { return code_ == Code::kUnsupported; }
  bool IsAlreadyExists() const { return code_ == Code::kAlreadyExists; }
  bool IsResourceExhausted() const { return code_ == Code::kResourceExhausted; }
  bool IsUnauthenticated() const { return code_ == Code::kUnauthenticated; }
  bool IsFailedPrecondition() const { return code_ == Code::kFailedPrecondition; }
  bool IsInternal() const { return code_ == Code::kInternal; }
  bool IsUntrustedKey() const { return code_ == Code::kUntrustedKey; }
  bool IsRollback() const { return code_ == Code::kRollback; }

  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "OK", or "<code name>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Stable lower-case name of a code ("not_found", "wrong_passphrase", ...),
// used in API error bodies and test output.
std::string_view CodeName(Status::Code code);

// std::expected, but a discarded Result is a compile error (with
// -Werror), as a discarded Status is.
template <typename T>
class [[nodiscard]] Result : public std::expected<T, Status> {
 public:
  using std::expected<T, Status>::expected;
  Result(std::expected<T, Status> e) : std::expected<T, Status>(std::move(e)) {}  // NOLINT
};

// Shorthand for returning a failed Result: `return Fail(Status::NotFound(..))`.
inline std::unexpected<Status> Fail(Status s) { return std::unexpected<Status>(std::move(s)); }

}  // namespace vault

#endif  // BATON_VAULT_STATUS_H_
