#ifndef SIMKEEP_PAYMENTS_SANDBOX_SANDBOX_PROVIDER_H_
#define SIMKEEP_PAYMENTS_SANDBOX_SANDBOX_PROVIDER_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/app/payment_provider.h"
#include "simkeep/app/ports.h"

namespace simkeep::payments {

struct SandboxOptions {
  // Where `simkeep serve` is reached: the simulated wallet, 3-D Secure and instruction pages
  // live under <public_url>/sandbox/.
  std::string public_url = "http://localhost:8080";
  // Signs and verifies the sandbox's webhooks (header Sandbox-Signature).
  std::string webhook_secret = "whsec_sandbox";
};

// The built-in test provider. It collects every provider method (cards, wallets, konbini,
// Pay-easy, bank transfer) without any network, and keeps its own books in the sandbox_charges
// and sandbox_refunds tables of simkeep's database, as a real provider keeps them on its side:
// so every instance sharing the database, and `simkeep sandbox settle`, see the same payments,
// and reconciliation compares two independent records.
//
// Cards: any Luhn-valid number with an unexpired date; the outcome depends on the number:
//
//   4242424242424242 (Visa), 5555555555554444 (Mastercard), 3530111333300000 (JCB),
//   378282246310005 (Amex), and any other number not below: succeeded
//   4000000000000002: failed, "card_declined"
//   4000000000009995: failed, "insufficient_funds"
//   4000000000000069: failed, "expired_card"
//   4000000000000127: failed, "limit_exceeded"
//   4000000000000341: failed, "card_declined" (a card that can be saved; see SaveMethod)
//   4000000000003220: requires_action, 3-D Secure (a redirect to the sandbox's page)
//   4000000000000408: the charge succeeds, but the answer is lost (kUnknown): the payment stays
//                     pending until Retrieve finds it succeeded, as after a network timeout
//
// Wallets (linepay, paypal) answer requires_action with a redirect, QR wallets (paypay, alipay,
// wechatpay) with a QR payload, konbini / pay_easy / bank_transfer with payment numbers and the
// request's deadline; Simulate() (or `simkeep sandbox settle`) then plays the customer's side.
//
// Thread-safe: every call runs in a transaction of its own on a connection from a small pool.
class SandboxProvider final : public app::PaymentProvider {
 public:
  SandboxProvider(app::Database& database, const Clock& clock, SandboxOptions options = {});
  ~SandboxProvider() override;

  std::string_view name() const override { return "sandbox"; }
  bool Supports(domain::PaymentMethod method) const override;
  Result<void> ValidateCharge(const app::ChargeRequest& request, Timestamp now) const override;
  app::ChargeOutcome Charge(const app::ChargeRequest& request, Timestamp now) override;
  app::ChargeOutcome Retrieve(const domain::Payment& payment) override;
  app::ChargeOutcome Cancel(const domain::Payment& payment) override;
  app::RefundOutcome Refund(const app::RefundRequest& request) override;
  Result<app::WebhookDelivery> VerifyWebhook(const std::map<std::string, std::string>& headers,
                                             std::string_view body, Timestamp now) const override;
  Result<void> Simulate(const PaymentId& payment_id, app::ChargeStatus outcome) override;
  Result<std::vector<app::ProviderPayment>> ListPayments(Timestamp from, Timestamp to) override;
  // Cards only. The vault (table sandbox_saved_cards) keeps the brand, last four digits and
  // expiry under a token; a charge to the token decides its outcome by the last four digits
  // as above. Saving refuses 4000000000000002 ("card_declined") and 4000000000000069
  // ("expired_card"), as a real provider's verification would; 4000000000000341 is kept and
  // every charge to it is declined ("card_declined"). A charge to a deleted or unknown token
  // fails "saved_method_unavailable".
  bool SupportsSaving(domain::PaymentMethod method) const override;
  app::SaveMethodOutcome SaveMethod(const app::SaveMethodRequest& request, Timestamp now) override;
  Result<void> ForgetMethod(const std::string& token) override;

  const SandboxOptions& options() const { return options_; }

 private:
  // Runs `work` in a write transaction of its own and commits it.
  Result<void> InTransaction(const std::function<Result<void>(app::Transaction&)>& work);

  app::Database& database_;
  const Clock& clock_;
  SandboxOptions options_;
  std::mutex sessions_mutex_;
  std::vector<std::unique_ptr<app::Session>> idle_sessions_;
};

// "visa", "mastercard", "jcb", "amex", "diners" or "unknown", from the number's prefix.
std::string_view CardBrand(std::string_view number);

// The Sandbox-Signature header for a webhook `body` sent at `unix_seconds`:
// "t=<unix_seconds>,v1=<hex HMAC-SHA256(secret, "<unix_seconds>.<body>")>", as Stripe signs.
std::string SignSandboxWebhook(std::string_view secret, std::string_view body,
                               int64_t unix_seconds);

// How far a webhook's timestamp may be from now, either way.
inline constexpr int64_t kSandboxWebhookToleranceSeconds = 300;

}  // namespace simkeep::payments

#endif  // SIMKEEP_PAYMENTS_SANDBOX_SANDBOX_PROVIDER_H_
