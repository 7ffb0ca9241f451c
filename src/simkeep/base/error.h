#ifndef SIMKEEP_BASE_ERROR_H_
#define SIMKEEP_BASE_ERROR_H_

#include <string>
#include <utility>
#include <vector>

namespace simkeep {

// Canonical error codes, after absl::StatusCode. http/error_mapping.cc maps each to an HTTP
// status exactly once; nothing else decides a status.
enum class ErrorCode {
  kInvalidArgument,     // 400: the request itself is wrong.
  kNotFound,            // 404
  kAlreadyExists,       // 409
  kFailedPrecondition,  // 422: well-formed, but the current state forbids it.
  kAborted,             // 409: a concurrent update; retry the whole operation.
  kUnavailable,         // 503
  kDeadlineExceeded,    // 504
  kPermissionDenied,    // 403
  kUnauthenticated,     // 401
  kResourceExhausted,   // 429 (or 413 for bodies over the limit)
  kInternal,            // 500: a bug; logged, never shown in detail.
};

// One problem with one input field, reported in problem+json's `errors` list.
struct FieldError {
  std::string field;    // JSON pointer-ish path, e.g. "payment.method" or "row 17".
  std::string reason;   // Stable machine string, e.g. "iccid_invalid".
  std::string message;  // For humans.
};

// A failure a caller can cause or should handle. `reason` is a stable, documented API string;
// `message` is for people and never parsed.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string reason;
  std::string message;
  std::vector<FieldError> errors;

  // Appends one field problem and returns *this, for building multi-field validation errors.
  Error& With(FieldError field_error) {
    errors.push_back(std::move(field_error));
    return *this;
  }
};

inline Error InvalidArgument(std::string reason, std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(reason), std::move(message), {}};
}
inline Error NotFound(std::string reason, std::string message) {
  return Error{ErrorCode::kNotFound, std::move(reason), std::move(message), {}};
}
inline Error FailedPrecondition(std::string reason, std::string message) {
  return Error{ErrorCode::kFailedPrecondition, std::move(reason), std::move(message), {}};
}
inline Error AlreadyExists(std::string reason, std::string message) {
  return Error{ErrorCode::kAlreadyExists, std::move(reason), std::move(message), {}};
}
inline Error PermissionDenied(std::string reason, std::string message) {
  return Error{ErrorCode::kPermissionDenied, std::move(reason), std::move(message), {}};
}
inline Error Unauthenticated(std::string reason, std::string message) {
  return Error{ErrorCode::kUnauthenticated, std::move(reason), std::move(message), {}};
}
inline Error Unavailable(std::string reason, std::string message) {
  return Error{ErrorCode::kUnavailable, std::move(reason), std::move(message), {}};
}
inline Error Internal(std::string message) {
  return Error{ErrorCode::kInternal, "internal", std::move(message), {}};
}

// Returns the lower-case name of a code, for logs ("invalid_argument").
const char* ErrorCodeName(ErrorCode code);

}  // namespace simkeep

#endif  // SIMKEEP_BASE_ERROR_H_
