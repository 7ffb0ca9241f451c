#include "simkeep/payments/sandbox/sandbox_provider.h"

#include "simkeep/base/time.h"
#include "simkeep/domain/identifiers.h"

namespace simkeep::payments {
namespace {

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !text.empty();
}

app::ChargeOutcome OutcomeForLast4(std::string_view last4) {
  app::ChargeOutcome outcome;
  outcome.card_last4 = std::string(last4);
  outcome.status = app::ChargeStatus::kFailed;
  if (last4 == "0002") {
    outcome.failure_reason = "card_declined";
  } else if (last4 == "9995") {
    outcome.failure_reason = "insufficient_funds";
  } else if (last4 == "0069") {
    outcome.failure_reason = "expired_card";
  } else if (last4 == "0127") {
    outcome.failure_reason = "limit_exceeded";
  } else {
    outcome.status = app::ChargeStatus::kSucceeded;
  }
  return outcome;
}

}  // namespace

std::string_view CardBrand(std::string_view number) {
  if (number.starts_with("4")) {
    return "visa";
  }
  if (number.starts_with("34") || number.starts_with("37")) {
    return "amex";
  }
  if (number.starts_with("35")) {
    return "jcb";
  }
  if (number.starts_with("36") || number.starts_with("30")) {
    return "diners";
  }
  if (number.size() >= 2 && number[0] == '5' && number[1] >= '1' && number[1] <= '5') {
    return "mastercard";
  }
  if (number.starts_with("2")) {
    return "mastercard";  // 2221-2720.
  }
  return "unknown";
}

Result<void> SandboxProvider::ValidateCharge(const app::ChargeRequest& request,
                                             Timestamp now) const {
  const std::string& number = request.card.number;
  if (number.size() < 12 || number.size() > 19 || !AllDigits(number) ||
      !domain::LuhnValid(number)) {
    return InvalidArgument("card_number_invalid",
                           "The card number is not valid; check the digits.");
  }
  const auto today = JstDate(now);
  const int year = static_cast<int>(today.year());
  const int month = static_cast<int>(static_cast<unsigned>(today.month()));
  const int exp_year =
      request.card.exp_year < 100 ? 2000 + request.card.exp_year : request.card.exp_year;
  if (request.card.exp_month < 1 || request.card.exp_month > 12 || exp_year > year + 30) {
    return InvalidArgument("card_expiry_invalid", "The card's expiry month or year is invalid.");
  }
  if (exp_year < year || (exp_year == year && request.card.exp_month < month)) {
    return InvalidArgument("card_expiry_invalid", "The card has expired.");
  }
  return Ok();
}

app::ChargeOutcome SandboxProvider::Charge(const app::ChargeRequest& request, Timestamp now) {
  (void)now;
  const std::string& number = request.card.number;
  app::ChargeOutcome outcome = OutcomeForLast4(number.substr(number.size() - 4));
  outcome.card_brand = std::string(CardBrand(number));
  outcome.provider_reference = "sandbox_" + request.payment_id.value;
  return outcome;
}

app::ChargeOutcome SandboxProvider::Retrieve(const domain::Payment& payment) {
  app::ChargeOutcome outcome = OutcomeForLast4(payment.card_last4);
  outcome.card_brand = payment.card_brand;
  outcome.provider_reference = "sandbox_" + payment.id.value;
  return outcome;
}

app::RefundOutcome SandboxProvider::Refund(const app::RefundRequest& request) {
  (void)request;
  return app::RefundOutcome{app::RefundStatus::kFailed, "refund_not_supported", ""};
}

Result<app::WebhookDelivery> SandboxProvider::VerifyWebhook(
    const std::map<std::string, std::string>& headers, std::string_view body, Timestamp now) const {
  (void)headers;
  (void)body;
  (void)now;
  return Unauthenticated("unauthenticated", "The sandbox sends no webhooks.");
}

Result<std::vector<app::ProviderPayment>> SandboxProvider::ListPayments(Timestamp from,
                                                                        Timestamp to) {
  (void)from;
  (void)to;
  return std::vector<app::ProviderPayment>{};
}

}  // namespace simkeep::payments
