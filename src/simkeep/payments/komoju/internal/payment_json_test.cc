#include "simkeep/payments/komoju/internal/payment_json.h"

#include <gtest/gtest.h>

#include "simkeep/base/time.h"

namespace simkeep::payments::komoju::internal {
namespace {

using nlohmann::json;

const Timestamp kNow = *ParseRfc3339("2026-11-22T12:00:00+09:00");

json Payment(std::string status, json details) {
  return json{{"id", "komoju_1"},
              {"status", std::move(status)},
              {"amount", 1000},
              {"amount_refunded", 0},
              {"external_order_num", "pay_1"},
              {"payment_deadline", nullptr},
              {"captured_at", nullptr},
              {"payment_details", std::move(details)}};
}

TEST(PaymentJsonTest, MethodsMapToKomojuTypesBothWays) {
  using domain::PaymentMethod;
  for (PaymentMethod method : domain::AllPaymentMethods()) {
    std::optional<std::string_view> type = PaymentTypeOf(method);
    if (type) {
      EXPECT_EQ(MethodOfPaymentType(*type), method) << *type;
    }
  }
  EXPECT_EQ(PaymentTypeOf(PaymentMethod::kCard), "credit_card");
  EXPECT_EQ(PaymentTypeOf(PaymentMethod::kWeChatPay), "wechatpay");
  EXPECT_FALSE(PaymentTypeOf(PaymentMethod::kLinePay));
  EXPECT_FALSE(PaymentTypeOf(PaymentMethod::kPayPal));
  EXPECT_FALSE(PaymentTypeOf(PaymentMethod::kBalance));
  EXPECT_FALSE(PaymentTypeOf(PaymentMethod::kCash));
  EXPECT_FALSE(PaymentTypeOf(PaymentMethod::kVoucher));
  EXPECT_EQ(MethodOfPaymentType("linepay"), PaymentMethod::kLinePay);
  EXPECT_FALSE(MethodOfPaymentType("web_money"));
}

TEST(PaymentJsonTest, CardBodyCarriesTheCardAndOurPaymentId) {
  app::ChargeRequest request;
  request.payment_id = PaymentId{"pay_1"};
  request.order_id = OrderId{"ord_1"};
  request.amount_jpy = 1500;
  request.card = app::CardDetails{"4111111111111111", 3, 2031, "123"};
  request.description = "Top-up";
  const json body = json::parse(CreatePaymentBody(request, kNow));
  EXPECT_EQ(body["amount"], 1500);
  EXPECT_EQ(body["currency"], "JPY");
  EXPECT_EQ(body["external_order_num"], "pay_1");
  EXPECT_EQ(body["metadata"]["order_id"], "ord_1");
  EXPECT_EQ(body["description"], "Top-up");
  EXPECT_EQ(body["payment_details"], (json{{"type", "credit_card"},
                                           {"number", "4111111111111111"},
                                           {"month", "03"},
                                           {"year", "31"},
                                           {"verification_value", "123"}}));
}

TEST(PaymentJsonTest, SavedCardGoesAsTheCustomer) {
  app::ChargeRequest request;
  request.payment_id = PaymentId{"pay_1"};
  request.amount_jpy = 500;
  request.saved_method_token = "cus_123";
  const json body = json::parse(CreatePaymentBody(request, kNow));
  EXPECT_EQ(body["customer"], "cus_123");
  EXPECT_FALSE(body.contains("payment_details"));
}

TEST(PaymentJsonTest, DeferredBodiesCarryStoreEmailAndDays) {
  app::ChargeRequest request;
  request.payment_id = PaymentId{"pay_1"};
  request.amount_jpy = 500;
  request.method = domain::PaymentMethod::kKonbini;
  request.konbini_store = "lawson";
  request.customer_email = "taro@example.jp";
  request.pay_by = domain::DeferredPaymentDeadline(kNow, 5);
  json body = json::parse(CreatePaymentBody(request, kNow));
  EXPECT_EQ(body["payment_details"], (json{{"type", "konbini"},
                                           {"store", "lawson"},
                                           {"email", "taro@example.jp"},
                                           {"expiry_days", 5}}));
  request.method = domain::PaymentMethod::kPayEasy;
  request.pay_by = Timestamp{};  // No deadline: KOMOJU's default.
  body = json::parse(CreatePaymentBody(request, kNow));
  EXPECT_EQ(body["payment_details"], (json{{"type", "pay_easy"}, {"email", "taro@example.jp"}}));
  request.method = domain::PaymentMethod::kPayPay;
  request.return_url = "https://shop.example/back";
  body = json::parse(CreatePaymentBody(request, kNow));
  EXPECT_EQ(body["payment_details"], (json{{"type", "paypay"}}));
  EXPECT_EQ(body["return_url"], "https://shop.example/back");
}

TEST(PaymentJsonTest, PayEasyAndBankBodiesCarryThePayerInParts) {
  app::ChargeRequest request;
  request.payment_id = PaymentId{"pay_1"};
  request.amount_jpy = 500;
  request.method = domain::PaymentMethod::kPayEasy;
  request.customer_email = "taro@example.jp";
  request.customer_name = "山田 太郎";
  request.customer_name_kana = "ヤマダ\u3000タロウ";
  request.customer_phone = "090-1234-5678";
  json body = json::parse(CreatePaymentBody(request, kNow));
  EXPECT_EQ(body["payment_details"], (json{{"type", "pay_easy"},
                                           {"email", "taro@example.jp"},
                                           {"family_name", "山田"},
                                           {"given_name", "太郎"},
                                           {"family_name_kana", "ヤマダ"},
                                           {"given_name_kana", "タロウ"},
                                           {"phone", "09012345678"}}));
  // What does not fit goes as it is, for KOMOJU to refuse; nothing is made up.
  request.method = domain::PaymentMethod::kBankTransfer;
  request.customer_name = "山田太郎";
  request.customer_name_kana.clear();
  request.customer_phone = "+81 90 1234 5678";
  body = json::parse(CreatePaymentBody(request, kNow));
  EXPECT_EQ(body["payment_details"], (json{{"type", "bank_transfer"},
                                           {"email", "taro@example.jp"},
                                           {"family_name", "山田太郎"},
                                           {"phone", "+81 90 1234 5678"}}));
  // Konbini takes no payer.
  request.method = domain::PaymentMethod::kKonbini;
  request.konbini_store = "lawson";
  body = json::parse(CreatePaymentBody(request, kNow));
  EXPECT_FALSE(body["payment_details"].contains("family_name"));
  EXPECT_FALSE(body["payment_details"].contains("phone"));
}

TEST(PaymentJsonTest, PayerNamesSplitAtTheFirstSpace) {
  auto split = [](std::string_view name) {
    std::optional<PayerName> parts = SplitPayerName(name);
    return parts ? parts->family + "|" + parts->given : std::string("-");
  };
  EXPECT_EQ(split("山田 太郎"), "山田|太郎");
  EXPECT_EQ(split("\u3000山田\u3000\u3000太郎 "), "山田|太郎");
  EXPECT_EQ(split("Yamada Taro Jiro"), "Yamada|Taro Jiro");
  EXPECT_EQ(split("ヤマダ タロウ"), "ヤマダ|タロウ");
  EXPECT_EQ(split("山田太郎"), "-");
  EXPECT_EQ(split("山田 "), "-");
  EXPECT_EQ(split(" "), "-");
  EXPECT_EQ(split(""), "-");
}

TEST(PaymentJsonTest, ReadingsAreFullWidthKatakana) {
  EXPECT_TRUE(IsKatakanaReading("ヤマダ タロウ"));
  EXPECT_TRUE(IsKatakanaReading("ヴァン・ダイク\u3000ジョー"));
  EXPECT_TRUE(IsKatakanaReading("ァヺ"));     // The ends of the letters' range.
  EXPECT_FALSE(IsKatakanaReading("やまだ"));  // Hiragana.
  EXPECT_FALSE(IsKatakanaReading("ﾔﾏﾀﾞ"));    // Half-width.
  EXPECT_FALSE(IsKatakanaReading("山田"));
  EXPECT_FALSE(IsKatakanaReading("YAMADA"));
  EXPECT_FALSE(IsKatakanaReading("ヤマダ1"));
  EXPECT_FALSE(IsKatakanaReading("ー・ "));  // No letter.
  EXPECT_FALSE(IsKatakanaReading(""));
  EXPECT_FALSE(IsKatakanaReading("\xE3\x83"));      // Cut short.
  EXPECT_FALSE(IsKatakanaReading("\xE3\x83\xFF"));  // Not UTF-8.
  EXPECT_FALSE(IsKatakanaReading("\xE3\x82\xA0"));  // U+30A0, just before the letters.
  EXPECT_FALSE(IsKatakanaReading("\xE3\x83\xBD"));  // U+30FD, an iteration mark.
}

TEST(PaymentJsonTest, JapanesePhoneNumbersAreTenOrElevenDigitsFromZero) {
  EXPECT_EQ(JapanesePhoneDigits("090-1234-5678"), "09012345678");
  EXPECT_EQ(JapanesePhoneDigits("0312345678"), "0312345678");
  EXPECT_EQ(JapanesePhoneDigits("03-1234-5678"), "0312345678");
  EXPECT_FALSE(JapanesePhoneDigits("031234567"));     // 9 digits.
  EXPECT_FALSE(JapanesePhoneDigits("090123456789"));  // 12 digits.
  EXPECT_FALSE(JapanesePhoneDigits("9012345678"));    // Not from 0.
  EXPECT_FALSE(JapanesePhoneDigits("+81-90-1234-5678"));
  EXPECT_FALSE(JapanesePhoneDigits("090 1234 5678"));
  EXPECT_FALSE(JapanesePhoneDigits("０９０１２３４５６７８"));  // Full-width digits.
  EXPECT_FALSE(JapanesePhoneDigits(""));
  EXPECT_FALSE(JapanesePhoneDigits("---"));
}

TEST(PaymentJsonTest, CustomerBodyCarriesTheCardEmailAndOurId) {
  app::SaveMethodRequest request;
  request.id = SavedMethodId{"sm_1"};
  request.card = app::CardDetails{"4111111111111111", 3, 2031, "123"};
  request.customer_email = "taro@example.jp";
  json body = json::parse(CreateCustomerBody(request));
  EXPECT_EQ(body, (json{{"payment_details",
                         {{"type", "credit_card"},
                          {"number", "4111111111111111"},
                          {"month", "03"},
                          {"year", "31"},
                          {"verification_value", "123"}}},
                        {"email", "taro@example.jp"},
                        {"metadata", {{"saved_method_id", "sm_1"}}}}));
  request.customer_email.clear();
  request.card.cvc.clear();
  body = json::parse(CreateCustomerBody(request));
  EXPECT_FALSE(body.contains("email"));
  EXPECT_FALSE(body["payment_details"].contains("verification_value"));
  EXPECT_EQ(CreateCustomerBody(request), CreateCustomerBody(request));
}

TEST(PaymentJsonTest, CustomerGivesTokenAndItsCard) {
  app::SaveMethodOutcome outcome = OutcomeFromCustomer(json{{"id", "cus_1"},
                                                            {"resource", "customer"},
                                                            {"source",
                                                             {{"type", "credit_card"},
                                                              {"brand", "master"},
                                                              {"last_four_digits", "4444"},
                                                              {"month", 3},
                                                              {"year", 2031}}}});
  EXPECT_EQ(outcome.status, app::SaveStatus::kSaved);
  EXPECT_EQ(outcome.token, "cus_1");
  EXPECT_EQ(outcome.card_brand, "mastercard");
  EXPECT_EQ(outcome.card_last4, "4444");
  EXPECT_EQ(outcome.exp_month, 3);
  EXPECT_EQ(outcome.exp_year, 2031);
  // Two-digit and string expiries read the same.
  outcome = OutcomeFromCustomer(
      json{{"id", "cus_2"}, {"source", {{"brand", "visa"}, {"month", "03"}, {"year", "31"}}}});
  EXPECT_EQ(outcome.exp_month, 3);
  EXPECT_EQ(outcome.exp_year, 2031);
  outcome = OutcomeFromCustomer(json{{"id", "cus_3"}});
  EXPECT_EQ(outcome.status, app::SaveStatus::kSaved);
  EXPECT_EQ(outcome.card_brand, "");
  EXPECT_EQ(OutcomeFromCustomer(json::object()).status, app::SaveStatus::kUnknown);
  EXPECT_EQ(OutcomeFromCustomer(json{{"id", 7}}).status, app::SaveStatus::kUnknown);
}

TEST(PaymentJsonTest, ExpiryDaysCountJstDaysWithinKomojuBounds) {
  EXPECT_EQ(ExpiryDays(domain::DeferredPaymentDeadline(kNow, 3), kNow), 3);
  EXPECT_EQ(ExpiryDays(domain::DeferredPaymentDeadline(kNow, 59), kNow), 59);
  EXPECT_EQ(ExpiryDays(domain::DeferredPaymentDeadline(kNow, 90), kNow), 59);
  // Later today, JST: still at least one day (KOMOJU's minimum).
  EXPECT_EQ(ExpiryDays(*ParseRfc3339("2026-11-22T23:00:00+09:00"), kNow), 1);
  EXPECT_FALSE(ExpiryDays(kNow, kNow));
  EXPECT_FALSE(ExpiryDays(Timestamp{}, kNow));
  // 23:30 UTC is already the next day in Japan.
  EXPECT_EQ(
      ExpiryDays(*ParseRfc3339("2026-11-23T15:00:00Z"), *ParseRfc3339("2026-11-22T23:30:00Z")), 1);
}

TEST(PaymentJsonTest, BodyIsTheSameForTheSameRequest) {
  app::ChargeRequest request;
  request.payment_id = PaymentId{"pay_1"};
  request.amount_jpy = 500;
  request.card = app::CardDetails{"4111111111111111", 3, 2031, ""};
  EXPECT_EQ(CreatePaymentBody(request, kNow), CreatePaymentBody(request, kNow));
}

TEST(PaymentJsonTest, StatusesMapToOutcomes) {
  struct Case {
    const char* status;
    json details;
    app::ChargeStatus expected;
    const char* reason;
  };
  const json card = {{"type", "credit_card"}, {"brand", "visa"}, {"last_four_digits", "1111"}};
  const json card_3ds = {{"type", "credit_card"}, {"redirect_url", "https://3ds.example/x"}};
  const json konbini = {{"type", "konbini"}, {"store", "lawson"}};
  const json paypay = {{"type", "paypay"}, {"redirect_url", "https://paypay.example/x"}};
  for (const Case& c : {
           Case{"captured", card, app::ChargeStatus::kSucceeded, ""},
           Case{"refunded", card, app::ChargeStatus::kSucceeded, ""},
           Case{"cancelled", konbini, app::ChargeStatus::kCanceled, ""},
           Case{"expired", konbini, app::ChargeStatus::kCanceled, ""},
           Case{"failed", card, app::ChargeStatus::kFailed, "card_declined"},
           Case{"failed", card_3ds, app::ChargeStatus::kFailed, "authentication_failed"},
           Case{"failed", paypay, app::ChargeStatus::kFailed, "processing_error"},
           Case{"pending", card_3ds, app::ChargeStatus::kRequiresAction, ""},
           Case{"pending", paypay, app::ChargeStatus::kRequiresAction, ""},
           Case{"authorized", konbini, app::ChargeStatus::kRequiresAction, ""},
           Case{"pending", card, app::ChargeStatus::kUnknown, ""},
           Case{"authorized", card, app::ChargeStatus::kUnknown, ""},
           Case{"something_new", card, app::ChargeStatus::kUnknown, ""},
       }) {
    const app::ChargeOutcome outcome = OutcomeFromPayment(Payment(c.status, c.details));
    EXPECT_EQ(outcome.status, c.expected) << c.status << " " << c.details;
    EXPECT_EQ(outcome.failure_reason, c.reason) << c.status << " " << c.details;
    EXPECT_EQ(outcome.provider_reference, "komoju_1");
  }
}

TEST(PaymentJsonTest, CardPaymentGivesBrandLast4AndAmounts) {
  json payment = Payment(
      "captured", {{"type", "credit_card"}, {"brand", "master"}, {"last_four_digits", "4444"}});
  payment["amount_refunded"] = 300;
  const app::ChargeOutcome outcome = OutcomeFromPayment(payment);
  EXPECT_EQ(outcome.card_brand, "mastercard");
  EXPECT_EQ(outcome.card_last4, "4444");
  EXPECT_EQ(outcome.amount_jpy, 1000);
  EXPECT_EQ(outcome.refunded_jpy, 300);
}

TEST(PaymentJsonTest, DeferredPaymentsGiveTheirNumbersAndDeadline) {
  json konbini = Payment("authorized", {{"type", "konbini"},
                                        {"store", "lawson"},
                                        {"receipt", "12345"},
                                        {"confirmation_code", "1111"},
                                        {"instructions_url", "https://komoju.example/i/1"}});
  konbini["payment_deadline"] = "2026-11-25T14:59:59Z";
  app::ChargeOutcome outcome = OutcomeFromPayment(konbini);
  EXPECT_EQ(outcome.action.kind, domain::PaymentActionKind::kKonbini);
  EXPECT_EQ(outcome.action.store, "lawson");
  EXPECT_EQ(outcome.action.payment_number, "12345");
  EXPECT_EQ(outcome.action.confirmation_number, "1111");
  EXPECT_EQ(outcome.action.url, "https://komoju.example/i/1");
  ASSERT_TRUE(outcome.action.expires_at);
  EXPECT_EQ(FormatRfc3339Jst(*outcome.action.expires_at), "2026-11-25T23:59:59+09:00");

  json pay_easy = Payment("authorized", {{"type", "pay_easy"},
                                         {"bank_id", "58091"},
                                         {"customer_id", "0123456789"},
                                         {"confirmation_id", "4321"}});
  outcome = OutcomeFromPayment(pay_easy);
  EXPECT_EQ(outcome.action.kind, domain::PaymentActionKind::kPayEasy);
  EXPECT_EQ(outcome.action.institution_number, "58091");
  EXPECT_EQ(outcome.action.payment_number, "0123456789");
  EXPECT_EQ(outcome.action.confirmation_number, "4321");
  EXPECT_FALSE(outcome.action.expires_at);

  json bank = Payment("authorized", {{"type", "bank_transfer"},
                                     {"bank_name", "Test Bank"},
                                     {"account_branch_name", "Main"},
                                     {"account_type", "Ordinary"},
                                     {"account_number", "1234567"},
                                     {"account_name", "KOMOJU"}});
  outcome = OutcomeFromPayment(bank);
  EXPECT_EQ(outcome.action.kind, domain::PaymentActionKind::kBankTransfer);
  EXPECT_EQ(outcome.action.payment_number, "Test Bank Main Ordinary 1234567 KOMOJU");
}

TEST(PaymentJsonTest, OddPaymentObjectsAreUnknownNotErrors) {
  for (const json& payment :
       {json::object(), json{{"status", 3}}, json{{"status", "captured"}, {"amount", "x"}},
        json{{"status", "authorized"}, {"payment_details", "konbini"}}}) {
    const app::ChargeOutcome outcome = OutcomeFromPayment(payment);
    EXPECT_NE(outcome.status, app::ChargeStatus::kFailed) << payment;
  }
  EXPECT_EQ(OutcomeFromPayment(json{{"status", "captured"}, {"amount", "x"}}).amount_jpy, -1);
}

TEST(PaymentJsonTest, CardErrorCodesMapToStableReasons) {
  EXPECT_EQ(CardFailureReason("card_declined"), "card_declined");
  EXPECT_EQ(CardFailureReason("insufficient_funds"), "insufficient_funds");
  EXPECT_EQ(CardFailureReason("card_expired"), "expired_card");
  EXPECT_EQ(CardFailureReason("exceeds_limit"), "limit_exceeded");
  EXPECT_EQ(CardFailureReason("bad_verification_value"), "incorrect_cvc");
  EXPECT_EQ(CardFailureReason("invalid_number"), "card_number_invalid");
  EXPECT_EQ(CardFailureReason("fraudulent"), "card_declined");
  EXPECT_EQ(CardFailureReason("invalid_parameter"), "");
  EXPECT_EQ(CardFailureReason("bad_gateway"), "");
  EXPECT_EQ(CardFailureReason(""), "");
}

TEST(PaymentJsonTest, ErrorObjectsAreRead) {
  ApiError error = ParseApiError(
      R"({"error": {"code": "invalid_parameter", "message": "m", "param": "amount"}})");
  EXPECT_EQ(error.code, "invalid_parameter");
  EXPECT_EQ(error.param, "amount");
  error = ParseApiError("<html>502 Bad Gateway</html>");
  EXPECT_EQ(error.code, "");
  error = ParseApiError(R"({"error": "broken"})");
  EXPECT_EQ(error.code, "");
}

TEST(PaymentJsonTest, ListedPaymentsCarryOurIdAndCaptureTime) {
  json payment = Payment("refunded", {{"type", "paypay"}});
  payment["amount_refunded"] = 1000;
  payment["captured_at"] = "2026-11-22T03:00:00Z";
  const app::ProviderPayment listed = ProviderPaymentFrom(payment);
  EXPECT_EQ(listed.payment_id.value, "pay_1");
  EXPECT_EQ(listed.provider_reference, "komoju_1");
  EXPECT_EQ(listed.method, domain::PaymentMethod::kPayPay);
  EXPECT_EQ(listed.status, app::ChargeStatus::kSucceeded);
  EXPECT_EQ(listed.amount_jpy, 1000);
  EXPECT_EQ(listed.refunded_jpy, 1000);
  EXPECT_EQ(listed.captured_at, *ParseRfc3339("2026-11-22T12:00:00+09:00"));
}

}  // namespace
}  // namespace simkeep::payments::komoju::internal
