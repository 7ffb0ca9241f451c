#ifndef SIMKEEP_APP_AUTO_RENEWAL_SERVICE_H_
#define SIMKEEP_APP_AUTO_RENEWAL_SERVICE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "simkeep/app/context.h"
#include "simkeep/app/payment_provider.h"
#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/auto_renewal.h"

namespace simkeep::app {

// A line's automatic renewal setting: checked against the catalog and the line's saved cards,
// and stored. The scheduler (app/scheduler.h) acts on it. Stateless; thread-safe.
class AutoRenewalService {
 public:
  AutoRenewalService(const ServiceContext& context, const PaymentProvider& provider)
      : context_(context), provider_(provider) {}

  // Stores `setting` (its updated_at set now) for its line, replacing any earlier one. Reasons:
  // those of domain::ValidateAutoRenewal; "line_not_found"; "plan_not_found";
  // "plan_carrier_mismatch"; "plan_not_auto_renewable" (a top-up product or a plan sold without
  // automatic renewal); "topup_plan_invalid" (topup_plan_id is not a topping that grants data;
  // "plan_not_found" and "plan_carrier_mismatch" apply to it too); "saved_method_not_found",
  // "saved_method_expired",
  // "saved_method_provider_mismatch" (payment_method_id is neither "balance" nor a card saved
  // on the line and usable now). Switching it off stores the setting disabled; a renewal the
  // scheduler has already started is not undone.
  Result<domain::AutoRenewal> Set(Transaction& transaction, domain::AutoRenewal setting) const;
  // The line's setting, if it ever had one. kNotFound "line_not_found".
  Result<std::optional<domain::AutoRenewal>> Get(Transaction& transaction,
                                                 const LineId& line_id) const;

 private:
  const ServiceContext& context_;
  const PaymentProvider& provider_;
};

// What an automatic renewal or top-up buying `plan_id` now would charge, or why it is skipped.
struct AutomaticCharge {
  int64_t price_jpy = 0;       // Set when allowed.
  std::string skipped_reason;  // Set when not: "auto_renewal_cap_reached", "plan_not_found",
                               // or why the plan has no price now ("plan_not_on_sale", ...).
};

// Prices `plan_id` at `now` and checks it against the line's monthly cap: what the line's
// automatic renewals and top-ups created this JST month charge, plus this price
// (domain::CheckMonthlyCap). Errors are the storage's only.
Result<AutomaticCharge> PriceWithinCap(Transaction& transaction, const domain::Catalog& catalog,
                                       const LineId& line_id, const PlanId& plan_id,
                                       int64_t monthly_cap_jpy, Timestamp now);

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_AUTO_RENEWAL_SERVICE_H_
