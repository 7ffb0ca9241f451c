#ifndef SIMKEEP_PAYMENTS_SANDBOX_SANDBOX_PROVIDER_H_
#define SIMKEEP_PAYMENTS_SANDBOX_SANDBOX_PROVIDER_H_

#include <string_view>

#include "simkeep/app/payment_provider.h"

namespace simkeep::payments {

// The built-in test provider: no network, deterministic outcomes chosen by the card number, so
// tests and demos can produce every result a real card network gives. Any Luhn-valid number
// with an unexpired date is accepted; the outcome depends on the last four digits:
//
//   4242424242424242 (Visa), 5555555555554444 (Mastercard), 3530111333300000 (JCB),
//   378282246310005 (Amex), and any other ending: succeeded
//   4000000000000002: failed, "card_declined"
//   4000000000009995: failed, "insufficient_funds"
//   4000000000000069: failed, "expired_card"
//   4000000000000127: failed, "limit_exceeded"
//
// Because the outcome is a pure function of the last four digits (which the payment row keeps),
// Retrieve() can answer after a restart exactly as Charge() did: that is how a crash between the
// charge and its recording is resolved without charging twice.
//
// Stateless; thread-safe.
class SandboxProvider final : public app::PaymentProvider {
 public:
  std::string_view name() const override { return "sandbox"; }
  Result<void> ValidateCharge(const app::ChargeRequest& request, Timestamp now) const override;
  app::ChargeOutcome Charge(const app::ChargeRequest& request, Timestamp now) override;
  app::ChargeOutcome Retrieve(const domain::Payment& payment) override;
  bool Supports(domain::PaymentMethod method) const override {
    return method == domain::PaymentMethod::kCard;
  }
  app::ChargeOutcome Cancel(const domain::Payment& payment) override { return Retrieve(payment); }
  app::RefundOutcome Refund(const app::RefundRequest& request) override;
  Result<app::WebhookDelivery> VerifyWebhook(const std::map<std::string, std::string>& headers,
                                             std::string_view body, Timestamp now) const override;
  Result<std::vector<app::ProviderPayment>> ListPayments(Timestamp from, Timestamp to) override;
};

// "visa", "mastercard", "jcb", "amex", "diners" or "unknown", from the number's prefix.
std::string_view CardBrand(std::string_view number);

}  // namespace simkeep::payments

#endif  // SIMKEEP_PAYMENTS_SANDBOX_SANDBOX_PROVIDER_H_
