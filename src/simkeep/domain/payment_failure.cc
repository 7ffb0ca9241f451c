#include "simkeep/domain/payment_failure.h"

#include <array>
#include <cstddef>

namespace simkeep::domain {
namespace {

using A = PaymentAdvice;

constexpr std::array<const char*, 7> kAdviceNames = {
    "try_another_method", "check_card_details", "check_card_expiry", "contact_issuer",
    "retry_later",        "top_up_balance",     "pay_again"};
constexpr std::array<PaymentAdvice, 7> kAllAdvice = {
    A::kTryAnotherMethod, A::kCheckCardDetails, A::kCheckCardExpiry, A::kContactIssuer,
    A::kRetryLater,       A::kTopUpBalance,     A::kPayAgain};

// The advice lists, shared by the reasons that call for the same steps.
// A decline the customer cannot fix at the card form: another method helps at once, and only
// the issuer can say why (or lift a block or a limit).
constexpr std::array kDeclined = {A::kTryAnotherMethod, A::kContactIssuer};
constexpr std::array kExpiry = {A::kCheckCardExpiry, A::kTryAnotherMethod};
constexpr std::array kCardDetails = {A::kCheckCardDetails, A::kTryAnotherMethod};
// 3-D Secure is mostly abandoned or timed out, so a new attempt usually succeeds; when the
// issuer's check itself fails, only the issuer can help.
constexpr std::array kAuthentication = {A::kPayAgain, A::kTryAnotherMethod, A::kContactIssuer};
// Declined or abandoned in the wallet app: the customer decides there, so paying again is the
// first step.
constexpr std::array kWallet = {A::kPayAgain, A::kTryAnotherMethod};
// The payment is over without money moving (expired unpaid, canceled, never sent, or refused
// for a wrong amount); the order is still there to pay.
constexpr std::array kPayAgain = {A::kPayAgain};
constexpr std::array kNotStarted = {A::kPayAgain, A::kTryAnotherMethod};
// A fault at the provider: it usually passes within minutes, and other methods may go through
// another provider.
constexpr std::array kTransient = {A::kRetryLater, A::kTryAnotherMethod};
constexpr std::array kBalance = {A::kTopUpBalance, A::kTryAnotherMethod};
// A saved card the provider no longer holds: another card or method is the way on.
constexpr std::array kSavedGone = {A::kTryAnotherMethod};

struct ReasonAdvice {
  std::string_view reason;
  std::span<const PaymentAdvice> advice;
};

constexpr std::array<ReasonAdvice, 17> kReasonAdvice = {{
    {"card_declined", kDeclined},
    {"insufficient_funds", kDeclined},
    {"expired_card", kExpiry},
    {"limit_exceeded", kDeclined},
    {"incorrect_cvc", kCardDetails},
    {"card_number_invalid", kCardDetails},
    {"card_expiry_invalid", kExpiry},
    {"authentication_failed", kAuthentication},
    {"wallet_declined", kWallet},
    {"payment_expired", kPayAgain},
    {"payment_canceled", kPayAgain},
    {"processing_error", kTransient},
    {"provider_unavailable", kTransient},
    {"payment_not_started", kNotStarted},
    {"amount_mismatch", kPayAgain},
    {"insufficient_balance", kBalance},
    {"saved_method_unavailable", kSavedGone},
}};

constexpr std::array<std::string_view, kReasonAdvice.size()> ReasonNames() {
  std::array<std::string_view, kReasonAdvice.size()> names;
  for (size_t i = 0; i < kReasonAdvice.size(); ++i) {
    names[i] = kReasonAdvice[i].reason;
  }
  return names;
}
constexpr std::array<std::string_view, kReasonAdvice.size()> kReasonNames = ReasonNames();

const ReasonAdvice* FindReason(std::string_view reason) {
  for (const ReasonAdvice& entry : kReasonAdvice) {
    if (entry.reason == reason) {
      return &entry;
    }
  }
  return nullptr;
}

}  // namespace

const char* PaymentAdviceName(PaymentAdvice advice) {
  return kAdviceNames[static_cast<size_t>(advice)];
}

std::optional<PaymentAdvice> ParsePaymentAdvice(std::string_view text) {
  for (size_t i = 0; i < kAdviceNames.size(); ++i) {
    if (text == kAdviceNames[i]) {
      return static_cast<PaymentAdvice>(i);
    }
  }
  return std::nullopt;
}

std::span<const PaymentAdvice> AllPaymentAdvice() { return kAllAdvice; }

std::span<const std::string_view> KnownFailureReasons() { return kReasonNames; }

bool IsKnownFailureReason(std::string_view reason) { return FindReason(reason) != nullptr; }

std::span<const PaymentAdvice> AdviceFor(std::string_view reason) {
  const ReasonAdvice* entry = FindReason(reason);
  // An unexplained failure is treated like an unexplained decline.
  return entry != nullptr ? entry->advice : std::span<const PaymentAdvice>(kDeclined);
}

}  // namespace simkeep::domain
