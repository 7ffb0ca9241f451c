#ifndef SIMKEEP_DOMAIN_VALIDITY_H_
#define SIMKEEP_DOMAIN_VALIDITY_H_

// When a validity period that starts at a given instant ends, under each DayConvention.
// Pure functions of their arguments; JST is UTC+9 all year, so no time-zone data is involved.

#include "simkeep/base/clock.h"
#include "simkeep/domain/catalog.h"

namespace simkeep::domain {

// The last instant of a period of `validity` that starts at `start` (the moment of the plan's
// StartTrigger: purchase, redemption, profile install or first attach):
//   kHours24:          start + days×24 h + hours, to the microsecond;
//   kHours24EndOfDay:  23:59:59 JST on the JST date of start + days×24 h + hours;
//   kCalendarDays:     23:59:59 JST on day `days`, counting the JST date of `start` as day 1.
// The result is the last instant of service, inclusive, and never earlier than `start`.
// REQUIRES: !IsOpenEnded(validity), days and hours within the ValidatePlan bounds, and
// days >= 1 for kCalendarDays. An open-ended base plan has no expiry to compute.
Timestamp ComputeExpiry(Timestamp start, const Validity& validity);

// The expiry after adding `validity` to a running period that ends at `current_expiry`, with no
// gap and no overlap: kHours24 and kHours24EndOfDay count from `current_expiry` itself;
// kCalendarDays counts the JST day after `current_expiry` as day 1 (the current expiry date is
// already paid for). A SoftBank card adds 60 days to 23:59:59 on day D: 23:59:59 on D+60.
// REQUIRES: as for ComputeExpiry.
Timestamp ComputeExtendedExpiry(Timestamp current_expiry, const Validity& validity);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_VALIDITY_H_
