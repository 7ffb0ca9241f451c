#ifndef SIMKEEP_BASE_MONEY_H_
#define SIMKEEP_BASE_MONEY_H_

#include <compare>
#include <cstdint>
#include <optional>

namespace simkeep {

// The only currency simkeep handles. Kept as a type so that an amount always says what it is.
enum class Currency { kJpy };

// An amount of money in integer minor units (for yen, the minor unit is one yen: yen has no
// subunit in use). Never floating point. Value type; thread-compatible.
struct Money {
  int64_t minor = 0;
  Currency currency = Currency::kJpy;

  static constexpr Money Yen(int64_t yen) { return Money{yen, Currency::kJpy}; }

  friend constexpr auto operator<=>(const Money&, const Money&) = default;
};

// The largest magnitude any single amount may have anywhere in simkeep: ¥10^12. Amounts are
// checked against it at every edge, so sums of a few million amounts cannot overflow int64.
inline constexpr int64_t kMoneyMinorMax = 1'000'000'000'000;

// a + b, or nullopt if the currencies differ or the sum leaves ±kMoneyMinorMax.
std::optional<Money> CheckedAdd(Money a, Money b);
// a - b, or nullopt if the currencies differ or the difference leaves ±kMoneyMinorMax.
std::optional<Money> CheckedSubtract(Money a, Money b);

}  // namespace simkeep

#endif  // SIMKEEP_BASE_MONEY_H_
