#include "simkeep/payments/sandbox/sandbox_provider.h"

#include <gtest/gtest.h>

#include "simkeep/base/time.h"

namespace simkeep::payments {
namespace {

app::ChargeRequest Card(std::string number, int month = 12, int year = 2030) {
  app::ChargeRequest request;
  request.payment_id = PaymentId{"pay_1"};
  request.amount_jpy = 1000;
  request.card = app::CardDetails{std::move(number), month, year, "123"};
  return request;
}

const Timestamp kNow = *ParseRfc3339("2026-11-22T12:00:00+09:00");

TEST(SandboxProviderTest, TestCardsGiveTheirOutcomes) {
  SandboxProvider provider;
  struct Case {
    const char* number;
    app::ChargeStatus status;
    const char* reason;
    const char* brand;
  };
  for (const Case& c :
       {Case{"4242424242424242", app::ChargeStatus::kSucceeded, "", "visa"},
        Case{"5555555555554444", app::ChargeStatus::kSucceeded, "", "mastercard"},
        Case{"3530111333300000", app::ChargeStatus::kSucceeded, "", "jcb"},
        Case{"378282246310005", app::ChargeStatus::kSucceeded, "", "amex"},
        Case{"4000000000000002", app::ChargeStatus::kFailed, "card_declined", "visa"},
        Case{"4000000000009995", app::ChargeStatus::kFailed, "insufficient_funds", "visa"},
        Case{"4000000000000069", app::ChargeStatus::kFailed, "expired_card", "visa"},
        Case{"4000000000000127", app::ChargeStatus::kFailed, "limit_exceeded", "visa"}}) {
    ASSERT_TRUE(provider.ValidateCharge(Card(c.number), kNow)) << c.number;
    app::ChargeOutcome outcome = provider.Charge(Card(c.number), kNow);
    EXPECT_EQ(outcome.status, c.status) << c.number;
    EXPECT_EQ(outcome.failure_reason, c.reason) << c.number;
    EXPECT_EQ(outcome.card_brand, c.brand) << c.number;
  }
}

TEST(SandboxProviderTest, RetrieveAnswersAsChargeDid) {
  SandboxProvider provider;
  for (const char* number : {"4242424242424242", "4000000000000002", "4000000000009995"}) {
    app::ChargeOutcome charged = provider.Charge(Card(number), kNow);
    domain::Payment payment;
    payment.id = PaymentId{"pay_1"};
    payment.card_last4 = charged.card_last4;
    payment.card_brand = charged.card_brand;
    app::ChargeOutcome retrieved = provider.Retrieve(payment);
    EXPECT_EQ(retrieved.status, charged.status);
    EXPECT_EQ(retrieved.failure_reason, charged.failure_reason);
    EXPECT_EQ(retrieved.provider_reference, charged.provider_reference);
  }
}

TEST(SandboxProviderTest, RejectsBadNumbersAndDates) {
  SandboxProvider provider;
  EXPECT_EQ(provider.ValidateCharge(Card("4242424242424241"), kNow).error().reason,
            "card_number_invalid");
  EXPECT_EQ(provider.ValidateCharge(Card("42424242x4242424"), kNow).error().reason,
            "card_number_invalid");
  EXPECT_EQ(provider.ValidateCharge(Card(""), kNow).error().reason, "card_number_invalid");
  EXPECT_EQ(provider.ValidateCharge(Card("4242424242424242", 13), kNow).error().reason,
            "card_expiry_invalid");
  EXPECT_EQ(provider.ValidateCharge(Card("4242424242424242", 10, 2026), kNow).error().reason,
            "card_expiry_invalid");
  EXPECT_TRUE(provider.ValidateCharge(Card("4242424242424242", 11, 2026), kNow));
  EXPECT_TRUE(provider.ValidateCharge(Card("4242424242424242", 11, 26), kNow));
}

}  // namespace
}  // namespace simkeep::payments
