#include "simkeep/app/auto_renewal_service.h"

#include <algorithm>

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
  if (!setting.topup_plan_id.empty()) {
    const domain::Plan* topping = context_.catalog->FindPlan(setting.topup_plan_id);
    if (topping == nullptr) {
      return NotFound("plan_not_found", "No plan " + setting.topup_plan_id.value + " exists.");
    }
    if (topping->carrier != line->carrier) {
      return FailedPrecondition(
          "plan_carrier_mismatch",
          "Plan " + topping->id.value + " is sold on another carrier's network.");
    }
    const bool grants_data = std::any_of(
        topping->bundles.begin(), topping->bundles.end(),
        [](const domain::Bundle& bundle) { return bundle.kind == domain::BundleKind::kData; });
    if (topping->kind != domain::PlanKind::kTopping || !grants_data) {
      return FailedPrecondition(
          "topup_plan_invalid",
          "topup_plan_id must be a topping that grants data; " + topping->id.value + " is not.");
    }
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

Result<AutomaticCharge> PriceWithinCap(Transaction& transaction, const domain::Catalog& catalog,
                                       const LineId& line_id, const PlanId& plan_id,
                                       int64_t monthly_cap_jpy, Timestamp now) {
  AutomaticCharge charge;
  const domain::Plan* plan = catalog.FindPlan(plan_id);
  if (plan == nullptr) {
    charge.skipped_reason = "plan_not_found";
    return charge;
  }
  Result<Money> price = domain::PriceAt(*plan, now);
  if (!price) {
    charge.skipped_reason = price.error().reason;
    return charge;
  }
  Result<int64_t> charged = transaction.SumAutoRenewalCharges(line_id, domain::JstMonthStart(now),
                                                              domain::JstNextMonthStart(now));
  if (!charged) {
    return charged.error();
  }
  if (Result<void> allowed = domain::CheckMonthlyCap(*charged, price->minor, monthly_cap_jpy);
      !allowed) {
    charge.skipped_reason = allowed.error().reason;
    return charge;
  }
  charge.price_jpy = price->minor;
  return charge;
}

}  // namespace simkeep::app
