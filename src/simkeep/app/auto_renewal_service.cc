#include "simkeep/app/auto_renewal_service.h"

#include "simkeep/app/line_service.h"
#include "simkeep/domain/payment.h"

namespace simkeep::app {

Result<domain::AutoRenewal> AutoRenewalService::Set(Transaction& transaction,
                                                    domain::AutoRenewal setting) const {
  if (Result<void> valid = domain::ValidateAutoRenewal(setting); !valid) {
    return valid.error();
  }
  Result<domain::Line> line = LoadLine(transaction, setting.line_id);
  if (!line) {
    return line.error();
  }
  const domain::Plan* plan = context_.catalog->FindPlan(setting.plan_id);
  if (plan == nullptr) {
    return NotFound("plan_not_found", "No plan " + setting.plan_id.value + " exists.");
  }
  if (plan->carrier != line->carrier) {
    return FailedPrecondition("plan_carrier_mismatch",
                              "Plan " + plan->id.value + " is sold on another carrier's network.");
  }
  if (plan->kind == domain::PlanKind::kTopup || !plan->auto_renewable) {
    return FailedPrecondition("plan_not_auto_renewable",
                              "Plan " + plan->id.value + " cannot be renewed automatically.");
  }
  const Timestamp now = context_.clock->Now();
  if (setting.payment_method_id != domain::kPayFromBalance) {
    Result<std::optional<domain::SavedPaymentMethod>> saved =
        transaction.FindSavedMethod(SavedMethodId{setting.payment_method_id});
    if (!saved) {
      return saved.error();
    }
    if (!saved->has_value()) {
      return NotFound("saved_method_not_found",
                      "payment_method_id must be \"balance\" or a card saved on the line; " +
                          setting.payment_method_id + " is neither.");
    }
    if (Result<void> usable =
            domain::CheckSavedMethodForCharge(**saved, line->id, provider_.name(), now);
        !usable) {
      return usable.error();
    }
  }
  setting.updated_at = now;
  if (Result<void> stored = transaction.UpsertAutoRenewal(setting); !stored) {
    return stored.error();
  }
  return setting;
}

Result<std::optional<domain::AutoRenewal>> AutoRenewalService::Get(Transaction& transaction,
                                                                   const LineId& line_id) const {
  Result<domain::Line> line = LoadLine(transaction, line_id);
  if (!line) {
    return line.error();
  }
  return transaction.FindAutoRenewal(line_id);
}

}  // namespace simkeep::app
