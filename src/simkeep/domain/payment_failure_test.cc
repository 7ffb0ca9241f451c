#include "simkeep/domain/payment_failure.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace simkeep::domain {
namespace {

using A = PaymentAdvice;

std::vector<PaymentAdvice> Advice(std::string_view reason) {
  std::span<const PaymentAdvice> advice = AdviceFor(reason);
  return {advice.begin(), advice.end()};
}

TEST(PaymentAdviceTest, EveryNameRoundTripsAndMatchesTheCatalogCodes) {
  const std::vector<std::string> expected = {
      "try_another_method", "check_card_details", "check_card_expiry", "contact_issuer",
      "retry_later",        "top_up_balance",     "pay_again"};
  ASSERT_EQ(AllPaymentAdvice().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const PaymentAdvice advice = AllPaymentAdvice()[i];
    EXPECT_EQ(static_cast<size_t>(advice), i);
    EXPECT_EQ(PaymentAdviceName(advice), expected[i]);
    EXPECT_EQ(ParsePaymentAdvice(expected[i]), advice);
  }
  EXPECT_EQ(ParsePaymentAdvice(""), std::nullopt);
  EXPECT_EQ(ParsePaymentAdvice("Pay_Again"), std::nullopt);
  EXPECT_EQ(ParsePaymentAdvice("pay_again "), std::nullopt);
  EXPECT_EQ(ParsePaymentAdvice("contact_support"), std::nullopt);
}

TEST(PaymentFailureTest, KnownReasonsAreExactlyTheSeventeen) {
  const std::vector<std::string_view> expected = {
      "card_declined",        "insufficient_funds",      "expired_card",
      "limit_exceeded",       "incorrect_cvc",           "card_number_invalid",
      "card_expiry_invalid",  "authentication_failed",   "wallet_declined",
      "payment_expired",      "payment_canceled",        "processing_error",
      "provider_unavailable", "payment_not_started",     "amount_mismatch",
      "insufficient_balance", "saved_method_unavailable"};
  const std::span<const std::string_view> known = KnownFailureReasons();
  EXPECT_EQ(std::vector<std::string_view>(known.begin(), known.end()), expected);
  for (std::string_view reason : expected) {
    EXPECT_TRUE(IsKnownFailureReason(reason)) << reason;
  }
  for (std::string_view other : {"", "declined", "Card_Declined", "card_declined ",
                                 "expired_card\n", "unknown", "insufficient"}) {
    EXPECT_FALSE(IsKnownFailureReason(other)) << other;
  }
}

TEST(PaymentFailureTest, AdviceForEveryReasonMostUsefulFirst) {
  const std::map<std::string_view, std::vector<PaymentAdvice>> expected = {
      {"card_declined", {A::kTryAnotherMethod, A::kContactIssuer}},
      {"insufficient_funds", {A::kTryAnotherMethod, A::kContactIssuer}},
      {"expired_card", {A::kCheckCardExpiry, A::kTryAnotherMethod}},
      {"limit_exceeded", {A::kTryAnotherMethod, A::kContactIssuer}},
      {"incorrect_cvc", {A::kCheckCardDetails, A::kTryAnotherMethod}},
      {"card_number_invalid", {A::kCheckCardDetails, A::kTryAnotherMethod}},
      {"card_expiry_invalid", {A::kCheckCardExpiry, A::kTryAnotherMethod}},
      {"authentication_failed", {A::kPayAgain, A::kTryAnotherMethod, A::kContactIssuer}},
      {"wallet_declined", {A::kPayAgain, A::kTryAnotherMethod}},
      {"payment_expired", {A::kPayAgain}},
      {"payment_canceled", {A::kPayAgain}},
      {"processing_error", {A::kRetryLater, A::kTryAnotherMethod}},
      {"provider_unavailable", {A::kRetryLater, A::kTryAnotherMethod}},
      {"payment_not_started", {A::kPayAgain, A::kTryAnotherMethod}},
      {"amount_mismatch", {A::kPayAgain}},
      {"insufficient_balance", {A::kTopUpBalance, A::kTryAnotherMethod}},
      {"saved_method_unavailable", {A::kTryAnotherMethod}},
  };
  ASSERT_EQ(expected.size(), KnownFailureReasons().size());
  for (std::string_view reason : KnownFailureReasons()) {
    ASSERT_TRUE(expected.contains(reason)) << reason;
    EXPECT_EQ(Advice(reason), expected.at(reason)) << reason;
  }
}

TEST(PaymentFailureTest, UnknownReasonsGetTheAdviceForAnUnexplainedDecline) {
  const std::vector<PaymentAdvice> fallback = {A::kTryAnotherMethod, A::kContactIssuer};
  const std::string_view with_nul("payment_expired\0", 16);
  for (std::string_view reason :
       {std::string_view(""), std::string_view("fraud_suspected"),
        std::string_view("CARD_DECLINED"), std::string_view("expired_card "), with_nul}) {
    EXPECT_EQ(Advice(reason), fallback) << reason;
  }
}

TEST(PaymentFailureTest, AdviceListsAreShortAndWithoutRepeats) {
  std::vector<std::string_view> reasons(KnownFailureReasons().begin(), KnownFailureReasons().end());
  reasons.push_back("not_a_reason");
  for (std::string_view reason : reasons) {
    const std::vector<PaymentAdvice> advice = Advice(reason);
    EXPECT_FALSE(advice.empty()) << reason;
    EXPECT_LE(advice.size(), 3u) << reason;
    EXPECT_EQ(std::set<PaymentAdvice>(advice.begin(), advice.end()).size(), advice.size())
        << reason;
  }
}

TEST(PaymentFailureTest, AdviceFitsTheKindOfFailure) {
  // Card-only advice never follows a failure that is not about a card, and topping up only
  // helps when the wallet was short.
  const std::set<std::string_view> card_reasons = {
      "card_declined", "insufficient_funds",  "expired_card",        "limit_exceeded",
      "incorrect_cvc", "card_number_invalid", "card_expiry_invalid", "authentication_failed"};
  for (std::string_view reason : KnownFailureReasons()) {
    for (PaymentAdvice advice : AdviceFor(reason)) {
      if (advice == A::kCheckCardDetails || advice == A::kCheckCardExpiry ||
          advice == A::kContactIssuer) {
        EXPECT_TRUE(card_reasons.contains(reason)) << reason << " " << PaymentAdviceName(advice);
      }
      if (advice == A::kTopUpBalance) {
        EXPECT_EQ(reason, "insufficient_balance");
      }
    }
  }
  // Every advice is given for some known reason, so every catalog entry is reachable.
  std::set<PaymentAdvice> used;
  for (std::string_view reason : KnownFailureReasons()) {
    used.insert(AdviceFor(reason).begin(), AdviceFor(reason).end());
  }
  EXPECT_EQ(used.size(), AllPaymentAdvice().size());
}

}  // namespace
}  // namespace simkeep::domain
