#ifndef SIMKEEP_APP_PAYMENT_PROVIDER_H_
#define SIMKEEP_APP_PAYMENT_PROVIDER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/order.h"

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
  domain::PaymentMethod method = domain::PaymentMethod::kCard;
  int64_t amount_jpy = 0;
  CardDetails card;
  std::string description;
};

// What a provider answered. kUnknown means no answer (a timeout): the payment stays pending and
// is resolved later by Retrieve, never by charging again.
enum class ChargeStatus { kSucceeded, kFailed, kRequiresAction, kUnknown };

struct ChargeOutcome {
  ChargeStatus status = ChargeStatus::kUnknown;
  std::string failure_reason;  // Stable word when failed: "card_declined", "expired_card", ...
  std::string provider_reference;
  std::string card_brand;  // "visa", "mastercard", "jcb", "amex".
  std::string card_last4;
};

// The port to a payment provider (sandbox, KOMOJU, ...). Implementations are thread-safe; calls
// may block on the network and so never run on the committer thread.
class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  virtual std::string_view name() const = 0;
  // Checks what can be checked before any money moves (card number, expiry) so the request can
  // be refused with a 4xx: reasons "card_number_invalid", "card_expiry_invalid".
  virtual Result<void> ValidateCharge(const ChargeRequest& request, Timestamp now) const = 0;
  // Asks the provider to collect. Repeating the same payment_id returns the first outcome.
  virtual ChargeOutcome Charge(const ChargeRequest& request, Timestamp now) = 0;
  // Asks what became of an earlier charge, by payment id (and the stored payment row).
  virtual ChargeOutcome Retrieve(const domain::Payment& payment) = 0;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_PAYMENT_PROVIDER_H_
