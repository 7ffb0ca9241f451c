#ifndef SIMKEEP_BASE_TIME_H_
#define SIMKEEP_BASE_TIME_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "simkeep/base/clock.h"

namespace simkeep {

// Japan Standard Time is UTC+9 all year (no daylight saving), so no time-zone database is needed.
inline constexpr std::chrono::hours kJstOffset{9};

// The JST calendar date that `t` falls on.
std::chrono::year_month_day JstDate(Timestamp t);

// 00:00:00.000000 JST at the start of `date`, as a UTC timestamp.
Timestamp JstStartOfDay(std::chrono::year_month_day date);

// 23:59:59 JST on `date` (the last whole second of the day), as a UTC timestamp. Japanese
// validity periods "end at 23:59:59 on the expiry date".
Timestamp JstEndOfDay(std::chrono::year_month_day date);

// "2026-11-22T18:30:00+09:00": RFC 3339 in JST, whole seconds. How the API shows times.
std::string FormatRfc3339Jst(Timestamp t);

// "2026-11-22 18:30 JST": for receipts and messages.
std::string FormatJstMinutes(Timestamp t);

// "2026-11-22": an ISO date.
std::string FormatIsoDate(std::chrono::year_month_day date);

// Parses RFC 3339 ("2026-11-22T09:30:00Z", "...+09:00", optional fraction up to microseconds).
// Returns nullopt on anything malformed or out of range (years 1970..9999).
std::optional<Timestamp> ParseRfc3339(std::string_view text);

}  // namespace simkeep

#endif  // SIMKEEP_BASE_TIME_H_
