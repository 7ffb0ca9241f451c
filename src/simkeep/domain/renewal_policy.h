#ifndef SIMKEEP_DOMAIN_RENEWAL_POLICY_H_
#define SIMKEEP_DOMAIN_RENEWAL_POLICY_H_

// What buying a plan does to a line's expiry and allowances: the two renewal modes of
// DESIGN.md §2. Pure; the caller persists the outcome (buckets, line expiry) and takes payment.

#include <cstdint>
#include <optional>
#include <vector>

#include "simkeep/base/clock.h"
#include "simkeep/domain/catalog.h"

namespace simkeep::domain {

// An allowance created by one purchase: `quantity` units (BundleUnitName(kind); 0 for an
// unlimited pass) usable from starts_at to expires_at inclusive. Value type.
struct GrantedBucket {
  BundleKind kind;
  int64_t quantity;
  Timestamp starts_at;
  Timestamp expires_at;
};

// The result of ApplyRenewal. Value type.
struct RenewalOutcome {
  // The line's new expiry; never earlier than the current one.
  Timestamp line_expires_at;
  // One bucket per plan bundle, in the plan's bundle order.
  std::vector<GrantedBucket> buckets;
  // Extend mode: whole days the purchase actually added (validity.days, fewer when capped,
  // 0 when the cap was already reached). Stack mode: validity.days of the new buckets.
  int days_added;
  // Extend mode only: true when extend_cap_days cut the extension short.
  bool capped;
};

// Applies one purchase of `plan` at `now` to a line whose expiry is `current_line_expiry`
// (nullopt for a line that never had one).
//   kExtend (SoftBank prepaid: +60 days per card up to 360; b-mobile: +1 day): if the line is
//     still valid (current >= now) the days are added to the current expiry
//     (ComputeExtendedExpiry); otherwise they count from now (ComputeExpiry). The result never
//     goes past ComputeExpiry(now, extend_cap_days in the plan's convention); when it would,
//     it stops there and `capped` is set. Buckets start now and expire with the line.
//   kStack (povo toppings, monthly plans): every bundle becomes a bucket from now to
//     ComputeExpiry(now, validity); the line expiry becomes the later of the current expiry and
//     that bucket expiry. Earlier buckets are untouched: stacking twice yields two buckets.
//     A PlanKind::kRenewal plan bought while the line is still valid (current >= now) pays for
//     the next period instead: its buckets run from now to ComputeExtendedExpiry(current,
//     validity), so an auto-renewal a day before expiry adds exactly one period, and the new
//     allowance is usable at once (earlier buckets expire first and are consumed first).
// REQUIRES: ValidatePlan(plan) succeeds and !IsOpenEnded(plan.validity): a base plan grants no
// expiry, and attaching a line to it is not a renewal. Callers check IsOpenEnded first.
RenewalOutcome ApplyRenewal(std::optional<Timestamp> current_line_expiry, const Plan& plan,
                            Timestamp now);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_RENEWAL_POLICY_H_
