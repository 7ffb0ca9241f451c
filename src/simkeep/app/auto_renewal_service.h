#ifndef SIMKEEP_APP_AUTO_RENEWAL_SERVICE_H_
#define SIMKEEP_APP_AUTO_RENEWAL_SERVICE_H_

#include <optional>

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
  // automatic renewal); "saved_method_not_found", "saved_method_expired",
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

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_AUTO_RENEWAL_SERVICE_H_
