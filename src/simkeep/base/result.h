#ifndef SIMKEEP_BASE_RESULT_H_
#define SIMKEEP_BASE_RESULT_H_

#include <type_traits>
#include <utility>
#include <variant>

#include "simkeep/base/assert.h"
#include "simkeep/base/error.h"

namespace simkeep {

// Result<T> holds either a value or an Error. Member names follow std::expected so that a later
// move to C++23 can make this an alias. Accessing the wrong alternative is a bug and aborts.
//
// Thread-safety: like any value type; no internal synchronisation.
template <typename T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_same_v<T, Error>, "Result<Error> is ambiguous");

  Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}      // NOLINT
  Result(Error error) : storage_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return storage_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    SIMKEEP_ASSERT(has_value());
    return std::get<0>(storage_);
  }
  const T& value() const& {
    SIMKEEP_ASSERT(has_value());
    return std::get<0>(storage_);
  }
  T&& value() && {
    SIMKEEP_ASSERT(has_value());
    return std::get<0>(std::move(storage_));
  }
  const Error& error() const {
    SIMKEEP_ASSERT(!has_value());
    return std::get<1>(storage_);
  }
  Error& error() {
    SIMKEEP_ASSERT(!has_value());
    return std::get<1>(storage_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> storage_;
};

// Result<void>: success, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    SIMKEEP_ASSERT(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

// The success value of Result<void>, for `return Ok();`.
inline Result<void> Ok() { return Result<void>(); }

}  // namespace simkeep

#endif  // SIMKEEP_BASE_RESULT_H_
