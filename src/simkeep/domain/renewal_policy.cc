#include "simkeep/domain/renewal_policy.h"

#include <algorithm>
#include <chrono>

#include "simkeep/base/assert.h"
#include "simkeep/domain/validity.h"

namespace simkeep::domain {
namespace {

std::vector<GrantedBucket> GrantBundles(const Plan& plan, Timestamp starts_at,
                                        Timestamp expires_at) {
  std::vector<GrantedBucket> buckets;
  buckets.reserve(plan.bundles.size());
  for (const Bundle& bundle : plan.bundles) {
    buckets.push_back(GrantedBucket{bundle.kind, bundle.quantity, starts_at, expires_at});
  }
  return buckets;
}

RenewalOutcome ApplyExtend(std::optional<Timestamp> current, const Plan& plan, Timestamp now) {
  const bool running = current.has_value() && *current >= now;
  const Timestamp base = running ? *current : now;
  const Timestamp candidate =
      running ? ComputeExtendedExpiry(base, plan.validity) : ComputeExpiry(now, plan.validity);
  Validity cap_validity = plan.validity;
  cap_validity.days = plan.extend_cap_days;
  cap_validity.hours = 0;
  const Timestamp limit = ComputeExpiry(now, cap_validity);

  RenewalOutcome outcome{candidate, {}, plan.validity.days, false};
  if (candidate > limit) {
    // The cap never shortens what the line already has; it only stops further growth.
    outcome.line_expires_at = std::max(base, limit);
    outcome.capped = true;
    const auto added = std::chrono::floor<std::chrono::days>(outcome.line_expires_at - base);
    outcome.days_added = static_cast<int>(added.count());
  }
  outcome.buckets = GrantBundles(plan, now, outcome.line_expires_at);
  return outcome;
}

RenewalOutcome ApplyStack(std::optional<Timestamp> current, const Plan& plan, Timestamp now) {
  // A renewal bought while the line is still valid pays for the period after the current one,
  // so renewing a day early neither loses nor gains a day. Toppings and top-ups count from now.
  const bool continues = plan.kind == PlanKind::kRenewal && current.has_value() && *current >= now;
  const Timestamp bucket_expiry = continues ? ComputeExtendedExpiry(*current, plan.validity)
                                            : ComputeExpiry(now, plan.validity);
  const Timestamp line_expiry =
      current.has_value() ? std::max(*current, bucket_expiry) : bucket_expiry;
  return RenewalOutcome{line_expiry, GrantBundles(plan, now, bucket_expiry), plan.validity.days,
                        false};
}

}  // namespace

RenewalOutcome ApplyRenewal(std::optional<Timestamp> current_line_expiry, const Plan& plan,
                            Timestamp now) {
  SIMKEEP_ASSERT(!IsOpenEnded(plan.validity));
  switch (plan.renewal_mode) {
    case RenewalMode::kExtend:
      SIMKEEP_ASSERT(plan.extend_cap_days >= plan.validity.days);
      return ApplyExtend(current_line_expiry, plan, now);
    case RenewalMode::kStack:
      return ApplyStack(current_line_expiry, plan, now);
  }
  SIMKEEP_UNREACHABLE();
  return RenewalOutcome{now, {}, 0, false};
}

}  // namespace simkeep::domain
