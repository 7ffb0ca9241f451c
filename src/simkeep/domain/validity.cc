#include "simkeep/domain/validity.h"

#include <chrono>

#include "simkeep/base/assert.h"
#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

// The validity as a duration; for the hour-based conventions.
std::chrono::hours Length(const Validity& validity) {
  return std::chrono::hours(24) * validity.days + std::chrono::hours(validity.hours);
}

void CheckPreconditions(const Validity& validity) {
  SIMKEEP_ASSERT(!IsOpenEnded(validity));
  SIMKEEP_ASSERT(validity.days >= 0 && validity.days <= kValidityDaysMax);
  SIMKEEP_ASSERT(validity.hours >= 0 && validity.hours <= kValidityHoursMax);
  SIMKEEP_ASSERT(validity.convention != DayConvention::kCalendarDays || validity.days >= 1);
}

}  // namespace

Timestamp ComputeExpiry(Timestamp start, const Validity& validity) {
  CheckPreconditions(validity);
  switch (validity.convention) {
    case DayConvention::kHours24:
      return start + Length(validity);
    case DayConvention::kHours24EndOfDay:
      return JstEndOfDay(JstDate(start + Length(validity)));
    case DayConvention::kCalendarDays: {
      // Day 1 is the start date itself, so day N is N - 1 days later.
      const std::chrono::sys_days first_day(JstDate(start));
      const std::chrono::days last_offset(validity.days - 1);
      const Timestamp end = JstEndOfDay(std::chrono::year_month_day(first_day + last_offset));
      // A start inside the last second of a day (23:59:59.5) must not end before it begins.
      return end < start ? start : end;
    }
  }
  SIMKEEP_UNREACHABLE();
  return start;
}

Timestamp ComputeExtendedExpiry(Timestamp current_expiry, const Validity& validity) {
  CheckPreconditions(validity);
  if (validity.convention != DayConvention::kCalendarDays) {
    return ComputeExpiry(current_expiry, validity);
  }
  const std::chrono::sys_days next_day =
      std::chrono::sys_days(JstDate(current_expiry)) + std::chrono::days(1);
  return ComputeExpiry(JstStartOfDay(std::chrono::year_month_day(next_day)), validity);
}

}  // namespace simkeep::domain
