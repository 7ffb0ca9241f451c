// OrderService: saved payment methods (declared in order_service.h).

#include "simkeep/app/limits.h"
#include "simkeep/app/line_service.h"
#include "simkeep/app/order_service.h"

namespace simkeep::app {

Result<void> OrderService::CheckSaveMethod(const SaveMethodInput& input) const {
  std::optional<domain::PaymentMethod> method = domain::ParsePaymentMethod(input.method);
  if (!method) {
    return InvalidArgument("payment_method_invalid", "method must be card.");
  }
  if (!domain::Savable(*method)) {
    return InvalidArgument("payment_method_not_savable",
                           std::string("Only cards can be saved; ") +
                               domain::PaymentMethodName(*method) +
                               " needs the customer at each payment.");
  }
  if (!provider_.SupportsSaving(*method)) {
    return InvalidArgument("payment_method_not_supported", std::string("The payment provider ") +
                                                               std::string(provider_.name()) +
                                                               " does not keep cards.");
  }
  ChargeRequest request;
  request.method = *method;
  request.card = input.card;
  return provider_.ValidateCharge(request, context_.clock->Now());
}

Result<domain::SavedPaymentMethod> OrderService::StartSaveMethod(
    Transaction& transaction, const SaveMethodInput& input) const {
  if (Result<void> checked = CheckSaveMethod(input); !checked) {
    return checked.error();
  }
  Result<domain::Line> line = LoadLine(transaction, input.line_id);
  if (!line) {
    return line.error();
  }
  if (line->state == domain::LineState::kTerminated) {
    return FailedPrecondition("line_not_rechargeable",
                              "The line is terminated; no card can be saved for it.");
  }
  Result<std::vector<domain::SavedPaymentMethod>> held = transaction.ListSavedMethods(line->id);
  if (!held) {
    return held.error();
  }
  if (held->size() >= kSavedMethodsPerLineMax) {
    return FailedPrecondition("saved_methods_limit_reached",
                              "A line keeps at most " + std::to_string(kSavedMethodsPerLineMax) +
                                  " saved cards; remove one first.");
  }
  const Timestamp now = context_.clock->Now();
  domain::SavedPaymentMethod saved;
  saved.id = SavedMethodId{context_.ids->Next("pm")};
  saved.line_id = line->id;
  saved.method = *domain::ParsePaymentMethod(input.method);
  saved.provider = std::string(provider_.name());
  saved.status = domain::SavedMethodStatus::kPending;
  saved.idempotency_key = input.idempotency_key;
  saved.created_at = now;
  saved.updated_at = now;
  if (Result<void> inserted = transaction.InsertSavedMethod(saved); !inserted) {
    return inserted.error();
  }
  return saved;
}

SaveMethodOutcome OrderService::TokenizeMethod(const domain::SavedPaymentMethod& saved,
                                               const SaveMethodInput& input) const {
  SaveMethodRequest request;
  request.id = saved.id;
  request.method = saved.method;
  request.card = input.card;
  request.customer_email = input.customer_email;
  return provider_.SaveMethod(request, context_.clock->Now());
}

Result<domain::SavedPaymentMethod> OrderService::ApplySaveOutcome(
    Transaction& transaction, const SavedMethodId& id, const SaveMethodOutcome& outcome) const {
  Result<std::optional<domain::SavedPaymentMethod>> found = transaction.FindSavedMethod(id);
  if (!found) {
    return found.error();
  }
  if (!found->has_value()) {
    return NotFound("saved_method_not_found", "No saved payment method " + id.value + " exists.");
  }
  domain::SavedPaymentMethod saved = std::move(**found);
  if (saved.status != domain::SavedMethodStatus::kPending) {
    return saved;  // Recorded before: the first outcome stands.
  }
  saved.updated_at = context_.clock->Now();
  if (outcome.status == SaveStatus::kSaved && !outcome.token.empty()) {
    saved.status = domain::SavedMethodStatus::kActive;
    saved.token = outcome.token;
    saved.card_brand = outcome.card_brand;
    saved.card_last4 = outcome.card_last4;
    saved.exp_month = outcome.exp_month;
    saved.exp_year = outcome.exp_year;
  } else {
    saved.status = domain::SavedMethodStatus::kFailed;
    saved.failure_reason = outcome.status == SaveStatus::kFailed && !outcome.failure_reason.empty()
                               ? outcome.failure_reason
                               : "provider_unavailable";
  }
  if (Result<void> updated = transaction.UpdateSavedMethod(saved); !updated) {
    return updated.error();
  }
  return saved;
}

Result<domain::SavedPaymentMethod> OrderService::RemoveSavedMethod(Transaction& transaction,
                                                                   const LineId& line_id,
                                                                   const SavedMethodId& id) const {
  Result<std::optional<domain::SavedPaymentMethod>> found = transaction.FindSavedMethod(id);
  if (!found) {
    return found.error();
  }
  if (!found->has_value() || (*found)->line_id != line_id) {
    return NotFound("saved_method_not_found",
                    "No saved payment method " + id.value + " exists on this line.");
  }
  domain::SavedPaymentMethod saved = std::move(**found);
  if (saved.status == domain::SavedMethodStatus::kRemoved) {
    return saved;
  }
  saved.status = domain::SavedMethodStatus::kRemoved;
  saved.updated_at = context_.clock->Now();
  if (Result<void> updated = transaction.UpdateSavedMethod(saved); !updated) {
    return updated.error();
  }
  return saved;
}

Result<void> OrderService::ClearSavedMethodToken(Transaction& transaction,
                                                 const SavedMethodId& id) const {
  Result<std::optional<domain::SavedPaymentMethod>> found = transaction.FindSavedMethod(id);
  if (!found) {
    return found.error();
  }
  if (!found->has_value() || (*found)->status != domain::SavedMethodStatus::kRemoved) {
    return Ok();  // Only a removed method's token is ever cleared.
  }
  domain::SavedPaymentMethod saved = std::move(**found);
  saved.token.clear();
  saved.updated_at = context_.clock->Now();
  return transaction.UpdateSavedMethod(saved);
}

Result<std::vector<domain::SavedPaymentMethod>> OrderService::ListSavedMethods(
    Transaction& transaction, const LineId& line_id) const {
  Result<domain::Line> line = LoadLine(transaction, line_id);
  if (!line) {
    return line.error();
  }
  return transaction.ListSavedMethods(line_id);
}

}  // namespace simkeep::app
