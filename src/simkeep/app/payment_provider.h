#ifndef SIMKEEP_APP_PAYMENT_PROVIDER_H_
#define SIMKEEP_APP_PAYMENT_PROVIDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/payment.h"

namespace simkeep::app {

// Card details as the customer entered them. They travel only from the request to the provider
// and are never stored: the payment row keeps the brand and the last four digits.
struct CardDetails {
  std::string number;
  int exp_month = 0;
  int exp_year = 0;
  std::string cvc;
};

// What simkeep asks a provider to collect. `payment_id` doubles as the provider-side idempotency
// key, so asking twice never charges twice.
struct ChargeRequest {
  PaymentId payment_id;
  OrderId order_id;
  domain::PaymentMethod method = domain::PaymentMethod::kCard;
  int64_t amount_jpy = 0;
  CardDetails card;                // kCard, entered now.
  std::string saved_method_token;  // A saved card: the provider's token for it (no `card` then).
  std::string konbini_store;       // kKonbini: "seven-eleven", "lawson", ...
  std::string return_url;          // Redirect flows: where the customer comes back to.
  std::string customer_email;      // Deferred methods: where the provider sends instructions.
  std::string customer_name;       // Pay-easy, bank transfer: the payer's name (kanji or latin).
  std::string customer_name_kana;  // Pay-easy, bank transfer: the name in katakana.
  std::string customer_phone;      // Pay-easy, bank transfer: a Japanese phone number, digits.
  Timestamp pay_by;                // Deferred methods: the deadline (23:59:59 JST).
  std::string description;
};

// What a provider says about a payment. kUnknown means no answer (a timeout, a provider error):
// the payment stays as it is and is asked about again later (Retrieve), never charged again.
enum class ChargeStatus { kSucceeded, kFailed, kRequiresAction, kCanceled, kUnknown };

struct ChargeOutcome {
  ChargeStatus status = ChargeStatus::kUnknown;
  std::string failure_reason;  // Stable word when failed: "card_declined", "expired_card", ...
  std::string provider_reference;
  std::string card_brand;  // "visa", "mastercard", "jcb", "amex".
  std::string card_last4;
  domain::PaymentAction action;  // kRequiresAction: what the customer must do.
  int64_t amount_jpy = -1;       // What the provider holds for the payment; -1 when not said.
  int64_t refunded_jpy = 0;      // What the provider has refunded of it.
};

struct RefundRequest {
  RefundId refund_id;  // The provider-side idempotency key of the refund.
  domain::Payment payment;
  int64_t amount_jpy = 0;
  std::string reason;
};

enum class RefundStatus { kSucceeded, kFailed, kUnknown };

struct RefundOutcome {
  RefundStatus status = RefundStatus::kUnknown;
  std::string failure_reason;  // "refund_not_supported", "refund_exceeds_payment", ...
  std::string provider_reference;
};

// A card to keep at the provider for later charges (auto-renewal, one-tap renewals). The
// provider tokenises it; simkeep keeps only the token, the brand, the last four digits and the
// expiry, never the number.
struct SaveMethodRequest {
  SavedMethodId id;  // Ours; doubles as the provider-side idempotency key.
  domain::PaymentMethod method = domain::PaymentMethod::kCard;
  CardDetails card;
  std::string customer_email;  // Optional: the provider's customer record may carry it.
};

enum class SaveStatus { kSaved, kFailed, kUnknown };

struct SaveMethodOutcome {
  SaveStatus status = SaveStatus::kUnknown;
  std::string failure_reason;  // kFailed: "card_declined", "card_number_invalid", ...
  std::string token;           // kSaved: what ChargeRequest.saved_method_token takes.
  std::string card_brand;
  std::string card_last4;
  int exp_month = 0;
  int exp_year = 0;
};

// A verified webhook delivery: who it is about. The body is never trusted beyond that: the
// payment is fetched again from the provider (Retrieve) before anything is applied.
struct WebhookDelivery {
  std::string delivery_id;  // Unique per delivery attempt's event (X-Komoju-ID, ...).
  std::string event_type;   // "payment.captured", "payment.expired", "ping", ...
  PaymentId payment_id;     // Ours, as given to the provider; empty for events about no payment.
};

// A payment as the provider's books show it, for reconciliation.
struct ProviderPayment {
  PaymentId payment_id;  // Ours (empty when the provider holds a payment simkeep never made).
  std::string provider_reference;
  domain::PaymentMethod method = domain::PaymentMethod::kCard;
  ChargeStatus status = ChargeStatus::kUnknown;
  int64_t amount_jpy = 0;
  int64_t refunded_jpy = 0;
  Timestamp captured_at;  // When the money was collected.
};

// The port to a payment provider (sandbox, KOMOJU, ...). Implementations are thread-safe; calls
// may block on the network and so never run on the committer thread.
class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  virtual std::string_view name() const = 0;
  // Whether the provider collects `method` (never an internal one).
  virtual bool Supports(domain::PaymentMethod method) const = 0;
  // Checks what can be checked before any money moves (card number, expiry, konbini store) so
  // the request can be refused with a 4xx: reasons "card_number_invalid", "card_expiry_invalid",
  // "card_required", "konbini_store_invalid", "payment_method_not_supported".
  virtual Result<void> ValidateCharge(const ChargeRequest& request, Timestamp now) const = 0;
  // Asks the provider to collect. Repeating the same payment_id returns the first outcome.
  virtual ChargeOutcome Charge(const ChargeRequest& request, Timestamp now) = 0;
  // Asks what became of an earlier charge (the stored payment row names it).
  virtual ChargeOutcome Retrieve(const domain::Payment& payment) = 0;
  // Withdraws an open payment that was not paid by its deadline, so that it can no longer be
  // paid. Answers what the payment now is: kCanceled, or kSucceeded when the customer paid after
  // all (the caller then completes the order), or kUnknown.
  virtual ChargeOutcome Cancel(const domain::Payment& payment) = 0;
  // Refunds part or all of a succeeded payment. Repeating the same refund_id refunds once.
  virtual RefundOutcome Refund(const RefundRequest& request) = 0;
  // Verifies a webhook delivery (headers with lower-case names, the raw body) and says what it
  // is about. kUnauthenticated "webhook_signature_invalid" when the signature is missing or
  // wrong; kInvalidArgument "webhook_malformed" when the body cannot be read.
  virtual Result<WebhookDelivery> VerifyWebhook(const std::map<std::string, std::string>& headers,
                                                std::string_view body, Timestamp now) const = 0;
  // Test providers only: plays the customer's side of an open payment (pays it at the konbini,
  // approves or declines it in the wallet), as `simkeep sandbox settle` does. kSucceeded or
  // kFailed. Real providers answer kFailedPrecondition "simulation_unsupported".
  virtual Result<void> Simulate(const PaymentId& payment_id, ChargeStatus outcome) {
    (void)payment_id;
    (void)outcome;
    return FailedPrecondition("simulation_unsupported",
                              std::string(name()) + " payments cannot be simulated.");
  }
  // Whether the provider can keep `method` for later charges (cards only, so far).
  virtual bool SupportsSaving(domain::PaymentMethod method) const {
    (void)method;
    return false;
  }
  // Tokenises a card for later charges. Repeating the same id answers the first outcome.
  // kUnknown when the provider did not answer (the card is not kept; nothing is charged).
  virtual SaveMethodOutcome SaveMethod(const SaveMethodRequest& request, Timestamp now) {
    (void)request;
    (void)now;
    SaveMethodOutcome outcome;
    outcome.status = SaveStatus::kFailed;
    outcome.failure_reason = "payment_method_not_savable";
    return outcome;
  }
  // Deletes a saved card's token at the provider, so that it can never be charged again.
  // kUnavailable "provider_unavailable" when the provider did not answer; a token the provider
  // no longer holds is deleted already (Ok).
  virtual Result<void> ForgetMethod(const std::string& token) {
    (void)token;
    return Ok();
  }
  // The provider's payments collected (captured) in [from, to), with what was refunded of
  // them so far, for reconciliation.
  virtual Result<std::vector<ProviderPayment>> ListPayments(Timestamp from, Timestamp to) = 0;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_PAYMENT_PROVIDER_H_
