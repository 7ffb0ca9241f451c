#ifndef SIMKEEP_DOMAIN_PAYMENT_FAILURE_H_
#define SIMKEEP_DOMAIN_PAYMENT_FAILURE_H_

// What a customer can do after a failed payment. A failed payment carries a stable reason
// (`Payment::failure_reason`, e.g. "expired_card"); these rules turn it into advice, most useful
// first, which the message catalogs (i18n/*.json, `payment.advice.<name>`) put into words.
// Pure rules; no I/O.

#include <optional>
#include <span>
#include <string_view>

namespace simkeep::domain {

// One thing to try after a failed payment. The names are the catalog codes.
enum class PaymentAdvice {
  kTryAnotherMethod,  // "try_another_method"
  kCheckCardDetails,  // "check_card_details": card number and security code.
  kCheckCardExpiry,   // "check_card_expiry"
  kContactIssuer,     // "contact_issuer": the card issuer knows why it declined.
  kRetryLater,        // "retry_later": the same payment, in a few minutes.
  kTopUpBalance,      // "top_up_balance": the prepaid wallet holds too little.
  kPayAgain,          // "pay_again": start a new payment for the same order.
};
const char* PaymentAdviceName(PaymentAdvice advice);
std::optional<PaymentAdvice> ParsePaymentAdvice(std::string_view text);
// Every advice, in enumerator order.
std::span<const PaymentAdvice> AllPaymentAdvice();

// The failure reasons a payment may end with, in a fixed order:
//   card_declined          the issuer declined without saying why
//   insufficient_funds     not enough money or credit on the card
//   expired_card           the card is past its expiry date
//   limit_exceeded         over the card's spending limit
//   incorrect_cvc          wrong security code
//   card_number_invalid    the number entered is not a card number
//   card_expiry_invalid    the expiry date entered is not valid
//   authentication_failed  3-D Secure was not completed
//   wallet_declined        declined or abandoned in the wallet app (PayPay, LINE Pay, ...)
//   payment_expired        a deferred payment was not made by its deadline
//   payment_canceled       canceled by the customer or the operator
//   processing_error       the provider failed while processing
//   provider_unavailable   the provider could not be reached
//   payment_not_started    the payment never reached the provider; nothing was charged
//   amount_mismatch        the amount paid differs from the amount due
//   insufficient_balance   the prepaid wallet holds too little
std::span<const std::string_view> KnownFailureReasons();
bool IsKnownFailureReason(std::string_view reason);

// What to try after a payment failed for `reason`, most useful first; never empty. An unknown
// reason (one a newer provider adapter reports, say) gets the advice for an unexplained
// decline: try another method, ask the issuer. The span refers to static storage.
std::span<const PaymentAdvice> AdviceFor(std::string_view reason);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_PAYMENT_FAILURE_H_
