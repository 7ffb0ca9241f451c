#include "simkeep/base/money.h"

namespace simkeep {

std::optional<Money> CheckedAdd(Money a, Money b) {
  if (a.currency != b.currency) {
    return std::nullopt;
  }
  if (a.minor > kMoneyMinorMax || a.minor < -kMoneyMinorMax || b.minor > kMoneyMinorMax ||
      b.minor < -kMoneyMinorMax) {
    return std::nullopt;
  }
  const int64_t sum = a.minor + b.minor;  // Cannot overflow: both are within ±10^12.
  if (sum > kMoneyMinorMax || sum < -kMoneyMinorMax) {
    return std::nullopt;
  }
  return Money{sum, a.currency};
}

std::optional<Money> CheckedSubtract(Money a, Money b) {
  return CheckedAdd(a, Money{-b.minor, b.currency});
}

}  // namespace simkeep
