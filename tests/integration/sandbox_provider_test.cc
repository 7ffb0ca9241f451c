#include "simkeep/payments/sandbox/sandbox_provider.h"

#include <cstdio>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "simkeep/base/time.h"
#include "simkeep/storage/sqlite/sqlite_database.h"

namespace simkeep::payments {
namespace {

using app::ChargeStatus;
using domain::PaymentMethod;

const Timestamp kNow = *ParseRfc3339("2026-11-22T12:00:00+09:00");

int64_t UnixSeconds(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// A sandbox over a fresh, migrated SQLite database of its own.
class SandboxProviderTest : public ::testing::Test {
 protected:
  SandboxProviderTest() : clock_(kNow) {
    char pattern[] = "/tmp/simkeep_sandbox_test_XXXXXX";
    const int fd = mkstemp(pattern);
    close(fd);
    path_ = pattern;
    Result<std::unique_ptr<storage::sqlite::SqliteDatabase>> opened =
        storage::sqlite::SqliteDatabase::Open(path_);
    EXPECT_TRUE(opened) << opened.error().message;
    database_ = std::move(*opened);
    EXPECT_TRUE(database_->Migrate());
    provider_ = std::make_unique<SandboxProvider>(*database_, clock_,
                                                  SandboxOptions{"http://sim.test/", "whsec_t"});
  }
  ~SandboxProviderTest() override {
    provider_.reset();
    database_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::remove((path_ + suffix).c_str());
    }
  }

  app::ChargeRequest Card(const std::string& number, int month = 12, int year = 2030) {
    app::ChargeRequest request = Request(PaymentMethod::kCard);
    request.card = app::CardDetails{number, month, year, "123"};
    return request;
  }
  app::ChargeRequest Request(PaymentMethod method) {
    app::ChargeRequest request;
    request.payment_id = PaymentId{"pay_" + std::to_string(++next_)};
    request.method = method;
    request.amount_jpy = 1000;
    request.pay_by = domain::DeferredPaymentDeadline(kNow);
    return request;
  }
  domain::Payment PaymentFor(const app::ChargeRequest& request) {
    domain::Payment payment;
    payment.id = request.payment_id;
    payment.method = request.method;
    payment.amount_jpy = request.amount_jpy;
    return payment;
  }

  FakeClock clock_;
  std::string path_;
  std::unique_ptr<storage::sqlite::SqliteDatabase> database_;
  std::unique_ptr<SandboxProvider> provider_;
  int next_ = 0;
};

TEST_F(SandboxProviderTest, TestCardsGiveTheirOutcomes) {
  struct Case {
    const char* number;
    ChargeStatus status;
    const char* reason;
    const char* brand;
  };
  for (const Case& c :
       {Case{"4242424242424242", ChargeStatus::kSucceeded, "", "visa"},
        Case{"5555555555554444", ChargeStatus::kSucceeded, "", "mastercard"},
        Case{"3530111333300000", ChargeStatus::kSucceeded, "", "jcb"},
        Case{"378282246310005", ChargeStatus::kSucceeded, "", "amex"},
        Case{"4000000000000002", ChargeStatus::kFailed, "card_declined", "visa"},
        Case{"4000000000009995", ChargeStatus::kFailed, "insufficient_funds", "visa"},
        Case{"4000000000000069", ChargeStatus::kFailed, "expired_card", "visa"},
        Case{"4000000000000127", ChargeStatus::kFailed, "limit_exceeded", "visa"},
        Case{"4000000000003220", ChargeStatus::kRequiresAction, "", "visa"},
        Case{"4000000000000408", ChargeStatus::kUnknown, "", ""}}) {
    const app::ChargeRequest request = Card(c.number);
    ASSERT_TRUE(provider_->ValidateCharge(request, kNow)) << c.number;
    app::ChargeOutcome outcome = provider_->Charge(request, kNow);
    EXPECT_EQ(outcome.status, c.status) << c.number;
    EXPECT_EQ(outcome.failure_reason, c.reason) << c.number;
    EXPECT_EQ(outcome.card_brand, c.brand) << c.number;
    // Asked again with the same payment id: the provider's record, never a second charge.
    app::ChargeOutcome again = provider_->Charge(request, kNow);
    app::ChargeOutcome retrieved = provider_->Retrieve(PaymentFor(request));
    EXPECT_EQ(again.status, retrieved.status) << c.number;
    EXPECT_EQ(again.provider_reference, retrieved.provider_reference);
    if (c.status != ChargeStatus::kUnknown) {
      EXPECT_EQ(retrieved.status, c.status) << c.number;
      EXPECT_EQ(retrieved.failure_reason, c.reason) << c.number;
    } else {
      // The lost answer: the charge was made; Retrieve finds it succeeded.
      EXPECT_EQ(retrieved.status, ChargeStatus::kSucceeded);
      EXPECT_EQ(retrieved.amount_jpy, 1000);
    }
  }
  // 3-D Secure: a redirect to the sandbox's page for this payment.
  const app::ChargeRequest three_ds = Card("4000000000003220");
  app::ChargeOutcome outcome = provider_->Charge(three_ds, kNow);
  EXPECT_EQ(outcome.action.kind, domain::PaymentActionKind::kRedirect);
  EXPECT_EQ(outcome.action.url, "http://sim.test/sandbox/pay/" + three_ds.payment_id.value);
}

TEST_F(SandboxProviderTest, RejectsBadCardsStoresAndInternalMethods) {
  EXPECT_EQ(provider_->ValidateCharge(Card("4242424242424241"), kNow).error().reason,
            "card_number_invalid");
  EXPECT_EQ(provider_->ValidateCharge(Card("42424242x4242424"), kNow).error().reason,
            "card_number_invalid");
  EXPECT_EQ(provider_->ValidateCharge(Card(""), kNow).error().reason, "card_required");
  EXPECT_EQ(provider_->ValidateCharge(Card("4242424242424242", 13), kNow).error().reason,
            "card_expiry_invalid");
  EXPECT_EQ(provider_->ValidateCharge(Card("4242424242424242", 10, 2026), kNow).error().reason,
            "card_expiry_invalid");
  EXPECT_TRUE(provider_->ValidateCharge(Card("4242424242424242", 11, 2026), kNow));
  EXPECT_TRUE(provider_->ValidateCharge(Card("4242424242424242", 11, 26), kNow));
  app::ChargeRequest konbini = Request(PaymentMethod::kKonbini);
  konbini.konbini_store = "7-eleven";
  EXPECT_EQ(provider_->ValidateCharge(konbini, kNow).error().reason, "konbini_store_invalid");
  for (PaymentMethod method : domain::AllPaymentMethods()) {
    EXPECT_EQ(provider_->Supports(method), domain::ThroughProvider(method));
  }
  EXPECT_EQ(provider_->ValidateCharge(Request(PaymentMethod::kCash), kNow).error().reason,
            "payment_method_not_supported");
}

TEST_F(SandboxProviderTest, WalletsWaitForTheCustomerAndSimulateSettlesThem) {
  for (PaymentMethod method :
       {PaymentMethod::kPayPay, PaymentMethod::kLinePay, PaymentMethod::kPayPal,
        PaymentMethod::kAlipay, PaymentMethod::kWeChatPay}) {
    const app::ChargeRequest approved = Request(method);
    app::ChargeOutcome outcome = provider_->Charge(approved, kNow);
    ASSERT_EQ(outcome.status, ChargeStatus::kRequiresAction) << domain::PaymentMethodName(method);
    EXPECT_EQ(outcome.action.kind, domain::ActionKindOf(method));
    const bool qr = domain::FlowOf(method) == domain::PaymentFlow::kQrCode;
    EXPECT_EQ(qr ? outcome.action.qr_payload : outcome.action.url,
              "http://sim.test/sandbox/pay/" + approved.payment_id.value);
    ASSERT_TRUE(provider_->Simulate(approved.payment_id, ChargeStatus::kSucceeded));
    EXPECT_EQ(provider_->Retrieve(PaymentFor(approved)).status, ChargeStatus::kSucceeded);
    // Settled once: a second settlement is refused.
    EXPECT_EQ(provider_->Simulate(approved.payment_id, ChargeStatus::kSucceeded).error().reason,
              "payment_not_open");

    const app::ChargeRequest declined = Request(method);
    provider_->Charge(declined, kNow);
    ASSERT_TRUE(provider_->Simulate(declined.payment_id, ChargeStatus::kFailed));
    app::ChargeOutcome failed = provider_->Retrieve(PaymentFor(declined));
    EXPECT_EQ(failed.status, ChargeStatus::kFailed);
    EXPECT_EQ(failed.failure_reason, "wallet_declined");
  }
  EXPECT_EQ(provider_->Simulate(PaymentId{"pay_none"}, ChargeStatus::kSucceeded).error().reason,
            "payment_not_found");
}

TEST_F(SandboxProviderTest, KonbiniGetsNumbersAndADeadlineThenIsPaidOrCanceled) {
  for (const char* store :
       {"seven-eleven", "lawson", "family-mart", "ministop", "daily-yamazaki", "seicomart"}) {
    app::ChargeRequest request = Request(PaymentMethod::kKonbini);
    request.konbini_store = store;
    app::ChargeOutcome outcome = provider_->Charge(request, kNow);
    ASSERT_EQ(outcome.status, ChargeStatus::kRequiresAction) << store;
    EXPECT_EQ(outcome.action.kind, domain::PaymentActionKind::kKonbini);
    EXPECT_EQ(outcome.action.store, store);
    EXPECT_EQ(FormatRfc3339Jst(*outcome.action.expires_at), "2026-11-25T23:59:59+09:00");
    if (std::string(store) == "seven-eleven") {
      EXPECT_EQ(outcome.action.payment_number.size(), 13u);
      EXPECT_TRUE(outcome.action.confirmation_number.empty());
    } else {
      EXPECT_EQ(outcome.action.payment_number.size(), 11u);
      EXPECT_EQ(outcome.action.confirmation_number.size(), 6u);
    }
  }
  // Paid at the till.
  app::ChargeRequest paid = Request(PaymentMethod::kKonbini);
  paid.konbini_store = "lawson";
  provider_->Charge(paid, kNow);
  EXPECT_EQ(provider_->Simulate(paid.payment_id, ChargeStatus::kFailed).error().reason,
            "simulation_invalid");
  ASSERT_TRUE(provider_->Simulate(paid.payment_id, ChargeStatus::kSucceeded));
  // Cancel after payment answers that it was paid.
  EXPECT_EQ(provider_->Cancel(PaymentFor(paid)).status, ChargeStatus::kSucceeded);
  // Not paid: canceled, and can no longer be paid.
  app::ChargeRequest unpaid = Request(PaymentMethod::kPayEasy);
  app::ChargeOutcome pay_easy = provider_->Charge(unpaid, kNow);
  EXPECT_EQ(pay_easy.action.kind, domain::PaymentActionKind::kPayEasy);
  EXPECT_FALSE(pay_easy.action.institution_number.empty());
  EXPECT_EQ(provider_->Cancel(PaymentFor(unpaid)).status, ChargeStatus::kCanceled);
  EXPECT_EQ(provider_->Simulate(unpaid.payment_id, ChargeStatus::kSucceeded).error().reason,
            "payment_not_open");
  // A payment the provider never saw: nothing was collected.
  domain::Payment unseen;
  unseen.id = PaymentId{"pay_unseen"};
  EXPECT_EQ(provider_->Retrieve(unseen).status, ChargeStatus::kFailed);
  EXPECT_EQ(provider_->Retrieve(unseen).failure_reason, "payment_not_started");
}

TEST_F(SandboxProviderTest, RefundsAreIdempotentAndBounded) {
  const app::ChargeRequest request = Card("4242424242424242");
  ASSERT_EQ(provider_->Charge(request, kNow).status, ChargeStatus::kSucceeded);
  app::RefundRequest refund{RefundId{"rf_1"}, PaymentFor(request), 400, "goodwill"};
  EXPECT_EQ(provider_->Refund(refund).status, app::RefundStatus::kSucceeded);
  EXPECT_EQ(provider_->Refund(refund).status, app::RefundStatus::kSucceeded);  // Replayed.
  EXPECT_EQ(provider_->Retrieve(PaymentFor(request)).refunded_jpy, 400);
  app::RefundRequest too_much{RefundId{"rf_2"}, PaymentFor(request), 601, "again"};
  app::RefundOutcome refused = provider_->Refund(too_much);
  EXPECT_EQ(refused.status, app::RefundStatus::kFailed);
  EXPECT_EQ(refused.failure_reason, "refund_exceeds_payment");
  too_much.amount_jpy = 600;
  EXPECT_EQ(provider_->Refund(too_much).status, app::RefundStatus::kSucceeded);
  EXPECT_EQ(provider_->Retrieve(PaymentFor(request)).refunded_jpy, 1000);
  // Konbini money cannot go back to a till.
  app::ChargeRequest konbini = Request(PaymentMethod::kKonbini);
  konbini.konbini_store = "lawson";
  provider_->Charge(konbini, kNow);
  ASSERT_TRUE(provider_->Simulate(konbini.payment_id, ChargeStatus::kSucceeded));
  app::RefundOutcome konbini_refund =
      provider_->Refund(app::RefundRequest{RefundId{"rf_3"}, PaymentFor(konbini), 1, "x"});
  EXPECT_EQ(konbini_refund.failure_reason, "payment_not_refundable");
}

TEST_F(SandboxProviderTest, WebhookSignaturesAreVerified) {
  const std::string body =
      R"({"id":"evt_1","type":"payment.captured","data":{"payment_id":"pay_9"}})";
  const int64_t now = UnixSeconds(kNow);
  std::map<std::string, std::string> headers = {
      {"sandbox-signature", SignSandboxWebhook("whsec_t", body, now)}};
  Result<app::WebhookDelivery> delivery = provider_->VerifyWebhook(headers, body, kNow);
  ASSERT_TRUE(delivery) << delivery.error().message;
  EXPECT_EQ(delivery->delivery_id, "evt_1");
  EXPECT_EQ(delivery->event_type, "payment.captured");
  EXPECT_EQ(delivery->payment_id.value, "pay_9");
  // A rolled secret: any v1 may match.
  const std::string signed_header = SignSandboxWebhook("whsec_t", body, now);
  headers["sandbox-signature"] = "t=" + std::to_string(now) + ",v1=00ff,v1=" +
                                 signed_header.substr(signed_header.find("v1=") + 3);
  EXPECT_TRUE(provider_->VerifyWebhook(headers, body, kNow));
  const auto refused = [&](const std::map<std::string, std::string>& h, const std::string& b) {
    Result<app::WebhookDelivery> verified = provider_->VerifyWebhook(h, b, kNow);
    return !verified && verified.error().code == ErrorCode::kUnauthenticated &&
           verified.error().reason == "webhook_signature_invalid";
  };
  EXPECT_TRUE(refused({}, body));
  EXPECT_TRUE(refused({{"sandbox-signature", SignSandboxWebhook("other", body, now)}}, body));
  EXPECT_TRUE(refused({{"sandbox-signature", SignSandboxWebhook("whsec_t", body, now)}},
                      body + " "));  // Tampered body.
  EXPECT_TRUE(
      refused({{"sandbox-signature", SignSandboxWebhook("whsec_t", body, now - 301)}}, body));
  EXPECT_TRUE(refused({{"sandbox-signature", "v1=abc"}}, body));
  EXPECT_TRUE(refused({{"sandbox-signature", "t=x,v1=abc"}}, body));
  // Signed but not an event.
  const std::string junk = "[1,2]";
  Result<app::WebhookDelivery> malformed = provider_->VerifyWebhook(
      {{"sandbox-signature", SignSandboxWebhook("whsec_t", junk, now)}}, junk, kNow);
  EXPECT_EQ(malformed.error().reason, "webhook_malformed");
}

TEST_F(SandboxProviderTest, ListPaymentsShowsWhatWasCollectedInTheWindow) {
  const app::ChargeRequest card = Card("4242424242424242");
  provider_->Charge(card, kNow);
  provider_->Charge(Card("4000000000000002"), kNow);  // Failed: collected nothing.
  app::ChargeRequest konbini = Request(PaymentMethod::kKonbini);
  konbini.konbini_store = "lawson";
  provider_->Charge(konbini, kNow);
  clock_.Advance(std::chrono::hours(30));
  ASSERT_TRUE(provider_->Simulate(konbini.payment_id, ChargeStatus::kSucceeded));
  Result<std::vector<app::ProviderPayment>> first =
      provider_->ListPayments(kNow, kNow + std::chrono::hours(24));
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].payment_id, card.payment_id);
  Result<std::vector<app::ProviderPayment>> second =
      provider_->ListPayments(kNow + std::chrono::hours(24), kNow + std::chrono::hours(48));
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].payment_id, konbini.payment_id);
  EXPECT_EQ((*second)[0].method, PaymentMethod::kKonbini);
}

}  // namespace
}  // namespace simkeep::payments
