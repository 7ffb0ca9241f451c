// Payments end to end through the API with the sandbox provider: every method for a top-up and a
// renewal, waiting payments settled by the simulated customer or by a webhook, deadlines at
// 23:59:59 JST, unknown outcomes, new attempts, and the invariants around them (one charge, one
// credit, a balanced ledger). SQLite, and PostgreSQL as payments_test_postgres.

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "simkeep/app/audit_service.h"
#include "simkeep/app/limits.h"
#include "simkeep/base/time.h"
#include "simkeep/i18n/messages.h"
#include "simkeep/payments/sandbox/sandbox_provider.h"
#include "test_server.h"

namespace simkeep::testing {
namespace {

class PaymentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = server_.Token("admin");
    clerk_ = server_.Token("clerk");
    kiosk_ = server_.Token("kiosk");
    agent_ = server_.Token("agent");
  }

  std::string NewLine(const std::string& carrier = "au") {
    return server_.ProvisionLine(admin_,
                                 {{"iccid", TestServer::NextIccid()}, {"carrier", carrier}});
  }
  int64_t Balance(const std::string& line) {
    return server_.Call(admin_, "GET", "/v1/lines/" + line + "/status").json["balance_jpy"];
  }
  // A renewal plan on docomo with a price.
  Json RenewalPlan() {
    HttpResult plans = server_.Call(admin_, "GET", "/v1/plans?carrier=docomo&kind=renewal");
    for (const Json& plan : plans.json["data"]) {
      if (plan["price_jpy"].is_number() && plan["price_jpy"].get<int64_t>() > 0) {
        return plan;
      }
    }
    ADD_FAILURE() << "no priced renewal plan on docomo";
    return nullptr;
  }
  static Json Pay(const std::string& method) {
    Json payment = {{"method", method}};
    if (method == "konbini") {
      payment["store"] = "lawson";
    }
    return payment;
  }
  static Json CardPayment(const std::string& number) {
    return {{"method", "card"},
            {"card", {{"number", number}, {"exp_month", 12}, {"exp_year", 2030}, {"cvc", "1"}}}};
  }
  HttpResult TopUp(const std::string& line, int64_t amount, const Json& payment,
                   const std::string& key, const std::string& token = "") {
    return server_.Call(token.empty() ? admin_ : token, "POST", "/v1/lines/" + line + "/topups",
                        {{"amount_jpy", amount}, {"payment", payment}}, key);
  }
  HttpResult Simulate(const std::string& payment_id, const std::string& outcome) {
    return server_.Call(admin_, "POST", "/v1/payments/" + payment_id + "/simulate",
                        {{"outcome", outcome}});
  }
  HttpResult Order(const std::string& order_id) {
    return server_.Call(admin_, "GET", "/v1/orders/" + order_id);
  }
  // Sweeps as the leader's sweeper does.
  app::PaymentSweepReport Sweep() {
    Result<app::PaymentSweepReport> swept = server_.runtime().payments->Sweep();
    EXPECT_TRUE(swept) << swept.error().message;
    return swept ? *swept : app::PaymentSweepReport{};
  }
  void ExpectAuditPasses() {
    ASSERT_TRUE(server_.runtime().reads->Read([](app::Transaction& transaction) -> Result<void> {
      Result<app::DatabaseAudit> audit = app::AuditDatabase(transaction, nullptr);
      EXPECT_TRUE(audit);
      if (audit) {
        for (const auto& violation : audit->ledger.violations) {
          ADD_FAILURE() << "ledger: " << violation;
        }
        for (const std::string& violation : audit->order_violations) {
          ADD_FAILURE() << "orders: " << violation;
        }
      }
      return Ok();
    }));
  }
  int64_t UnixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               server_.clock().Now().time_since_epoch())
        .count();
  }
  HttpResult Webhook(const std::string& body, const std::string& signature) {
    std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
    if (!signature.empty()) {
      headers["Sandbox-Signature"] = signature;
    }
    return Send(server_.port(), "POST", "/v1/webhooks/sandbox", body, headers);
  }

  TestServer server_;
  std::string admin_, clerk_, kiosk_, agent_;
};

TEST_F(PaymentsTest, EachChannelListsTheMethodsItOffersWithFees) {
  HttpResult online = server_.Call(admin_, "GET", "/v1/payment-methods");
  ASSERT_EQ(online.status, 200) << online.body;
  EXPECT_EQ(online.json["channel"], "api");
  EXPECT_EQ(online.json["provider"], "sandbox");
  std::map<std::string, Json> offers;
  for (const Json& offer : online.json["data"]) {
    offers[offer["method"]] = offer;
  }
  for (const char* method : {"card", "paypay", "linepay", "paypal", "alipay", "wechatpay",
                             "bank_transfer", "konbini", "pay_easy", "balance"}) {
    EXPECT_EQ(offers.count(method), 1u) << method;
  }
  EXPECT_EQ(offers.count("cash"), 0u);
  EXPECT_EQ(offers["konbini"]["fee_jpy"], 220);
  EXPECT_EQ(offers["konbini"]["stores"].size(), 6u);
  EXPECT_EQ(offers["card"]["fee_jpy"], 0);
  EXPECT_EQ(offers["balance"]["for_topup"], false);
  HttpResult store = server_.Call(clerk_, "GET", "/v1/payment-methods");
  EXPECT_EQ(store.json["channel"], "store");
  EXPECT_EQ(store.json["data"][0]["method"], "cash");
  HttpResult kiosk = server_.Call(admin_, "GET", "/v1/payment-methods?channel=kiosk");
  for (const Json& offer : kiosk.json["data"]) {
    EXPECT_NE(offer["method"], "konbini");
    EXPECT_NE(offer["method"], "cash");
  }
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/payment-methods?channel=shop").json["code"],
            "channel_invalid");
}

TEST_F(PaymentsTest, EveryProviderMethodPaysATopUpAndARenewal) {
  const Json plan = RenewalPlan();
  const int64_t price = plan["price_jpy"];
  int key = 0;
  for (const char* method : {"paypay", "linepay", "paypal", "alipay", "wechatpay", "konbini",
                             "pay_easy", "bank_transfer"}) {
    SCOPED_TRACE(method);
    const std::string line = NewLine("docomo");
    const int64_t fee =
        std::string(method) == "konbini" || std::string(method) == "pay_easy" ? 220 : 0;
    // A top-up waits for the customer, then completes when paid.
    HttpResult placed = TopUp(line, 1000, Pay(method), "k" + std::to_string(++key));
    ASSERT_EQ(placed.status, 202) << placed.body;
    EXPECT_EQ(placed.json["status"], "pending");
    EXPECT_EQ(placed.json["amount_jpy"], 1000 + fee);
    EXPECT_EQ(placed.json["fee_jpy"], fee);
    const Json& payment = placed.json["payment"];
    EXPECT_EQ(payment["status"], "requires_action");
    EXPECT_EQ(payment["amount_jpy"], 1000 + fee);
    ASSERT_TRUE(payment["next_action"].is_object());
    const std::string type = payment["next_action"]["type"];
    if (type == "konbini") {
      EXPECT_EQ(payment["next_action"]["store"], "lawson");
      EXPECT_EQ(payment["next_action"]["payment_number"].get<std::string>().size(), 11u);
      EXPECT_EQ(payment["next_action"]["expires_at"], "2026-11-25T23:59:59+09:00");
    } else if (type == "qr_code") {
      EXPECT_TRUE(payment["next_action"]["qr_payload"].is_string());
    } else if (type == "redirect") {
      EXPECT_TRUE(payment["next_action"]["url"].is_string());
    } else {
      EXPECT_TRUE(type == "pay_easy" || type == "bank_transfer") << type;
      EXPECT_TRUE(payment["next_action"]["payment_number"].is_string());
    }
    EXPECT_EQ(Balance(line), 0);
    HttpResult paid = Simulate(payment["payment_id"], "succeeded");
    ASSERT_EQ(paid.status, 200) << paid.body;
    EXPECT_EQ(paid.json["status"], "completed");
    EXPECT_EQ(paid.json["payment"]["status"], "succeeded");
    EXPECT_EQ(Balance(line), 1000);
    HttpResult receipt = server_.Call(
        admin_, "GET", "/v1/orders/" + placed.json["order_id"].get<std::string>() + "/receipt");
    ASSERT_EQ(receipt.status, 200);
    EXPECT_EQ(receipt.json["payment_method"], method);
    EXPECT_EQ(receipt.json["lines"].size(), fee > 0 ? 2u : 1u);
    EXPECT_EQ(receipt.json["kind"], fee > 0 ? "qualified_invoice" : "non_taxable");
    EXPECT_EQ(receipt.json["totals"]["total_jpy"], 1000 + fee);

    // A renewal the same way.
    HttpResult renewal = server_.Call(admin_, "POST", "/v1/lines/" + line + "/renewals",
                                      {{"plan_id", plan["plan_id"]}, {"payment", Pay(method)}},
                                      "k" + std::to_string(++key));
    ASSERT_EQ(renewal.status, 202) << renewal.body;
    EXPECT_EQ(renewal.json["amount_jpy"], price + fee);
    HttpResult renewed = Simulate(renewal.json["payment"]["payment_id"], "succeeded");
    EXPECT_EQ(renewed.json["status"], "completed");
    EXPECT_EQ(server_.Call(admin_, "GET", "/v1/lines/" + line).json["state"], "active");
    EXPECT_EQ(Balance(line), 1000);  // Paid by the method, not from the balance.
  }
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, ADeclinedAttemptCanBeFollowedByAnother) {
  const std::string line = NewLine();
  HttpResult declined = TopUp(line, 2000, CardPayment("4000000000000002"), "first");
  ASSERT_EQ(declined.status, 402) << declined.body;
  EXPECT_EQ(declined.json["code"], "card_declined");
  const std::string order_id = declined.json["order"]["order_id"];
  EXPECT_EQ(declined.json["order"]["status"], "failed");
  // 3-D Secure, abandoned.
  HttpResult three_ds = server_.Call(admin_, "POST", "/v1/orders/" + order_id + "/payments",
                                     {{"payment", CardPayment("4000000000003220")}}, "second");
  ASSERT_EQ(three_ds.status, 202) << three_ds.body;
  EXPECT_EQ(three_ds.json["payment"]["next_action"]["type"], "redirect");
  // While it is open, no other attempt may start.
  HttpResult busy = server_.Call(admin_, "POST", "/v1/orders/" + order_id + "/payments",
                                 {{"payment", Pay("paypay")}}, "busy");
  EXPECT_EQ(busy.json["code"], "order_not_payable");
  HttpResult failed = Simulate(three_ds.json["payment"]["payment_id"], "failed");
  EXPECT_EQ(failed.json["status"], "failed");
  EXPECT_EQ(failed.json["failure_reason"], "authentication_failed");
  // Then konbini, which carries its fee.
  HttpResult konbini = server_.Call(admin_, "POST", "/v1/orders/" + order_id + "/payments",
                                    {{"payment", Pay("konbini")}}, "third");
  ASSERT_EQ(konbini.status, 202) << konbini.body;
  EXPECT_EQ(konbini.json["order_id"], order_id);
  EXPECT_EQ(konbini.json["amount_jpy"], 2220);
  // The new attempt's own key replays its answer (it is not left in flight).
  HttpResult konbini_again = server_.Call(admin_, "POST", "/v1/orders/" + order_id + "/payments",
                                          {{"payment", Pay("konbini")}}, "third");
  EXPECT_EQ(konbini_again.status, 202);
  EXPECT_EQ(konbini_again.headers["idempotent-replayed"], "true");
  EXPECT_EQ(konbini_again.body, konbini.body);
  HttpResult paid = Simulate(konbini.json["payment"]["payment_id"], "succeeded");
  EXPECT_EQ(paid.json["status"], "completed");
  EXPECT_EQ(Balance(line), 2000);
  // A completed order takes no more attempts; the first request replays its first answer.
  EXPECT_EQ(server_
                .Call(admin_, "POST", "/v1/orders/" + order_id + "/payments",
                      {{"payment", CardPayment("4242424242424242")}}, "fourth")
                .json["code"],
            "order_not_payable");
  HttpResult replay = TopUp(line, 2000, CardPayment("4000000000000002"), "first");
  EXPECT_EQ(replay.status, 402);
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, AFailureSaysWhatToTryInTheCustomersLanguage) {
  const std::string line = NewLine();
  const Json body = {{"amount_jpy", 1000}, {"payment", CardPayment("4000000000009995")}};
  const std::map<std::string, std::string> headers = {{"Authorization", "Bearer " + admin_},
                                                      {"Idempotency-Key", "ja-1"},
                                                      {"Content-Type", "application/json"},
                                                      {"Accept-Language", "ja-JP,ja;q=0.9"}};
  HttpResult declined =
      Send(server_.port(), "POST", "/v1/lines/" + line + "/topups", body.dump(), headers);
  ASSERT_EQ(declined.status, 402) << declined.body;
  EXPECT_EQ(declined.json["code"], "insufficient_funds");
  EXPECT_EQ(declined.json["language"], "ja");
  const std::string detail = declined.json["detail"];
  EXPECT_EQ(detail, i18n::Translate(i18n::Language::kJa, "payment.failure.insufficient_funds"));
  EXPECT_NE(detail, i18n::Translate(i18n::Language::kEn, "payment.failure.insufficient_funds"));
  ASSERT_GE(declined.json["advice"].size(), 1u);
  EXPECT_EQ(declined.json["advice"][0]["code"], "try_another_method");
  EXPECT_FALSE(declined.json["advice"][0]["message"].get<std::string>().empty());
  // Replayed as it was first answered.
  HttpResult replay =
      Send(server_.port(), "POST", "/v1/lines/" + line + "/topups", body.dump(), headers);
  EXPECT_EQ(replay.body, declined.body);
  // Traditional Chinese for a Taiwanese browser; English when nothing matches.
  std::map<std::string, std::string> zh = headers;
  zh["Idempotency-Key"] = "zh-1";
  zh["Accept-Language"] = "zh-TW";
  EXPECT_EQ(Send(server_.port(), "POST", "/v1/lines/" + line + "/topups", body.dump(), zh)
                .json["language"],
            "zh-Hant");
  std::map<std::string, std::string> other = headers;
  other["Idempotency-Key"] = "fr-1";
  other["Accept-Language"] = "fr";
  EXPECT_EQ(Send(server_.port(), "POST", "/v1/lines/" + line + "/topups", body.dump(), other)
                .json["language"],
            "en");
}

TEST_F(PaymentsTest, TheSandboxPagePlaysTheCustomer) {
  const std::string line = NewLine();
  HttpResult wallet = TopUp(line, 1200, Pay("linepay"), "linepay");
  const std::string url = wallet.json["payment"]["next_action"]["url"];
  const std::string path = url.substr(url.find("/sandbox/pay/"));
  EXPECT_EQ(path, "/sandbox/pay/" + wallet.json["payment"]["payment_id"].get<std::string>());
  HttpResult shown = Send(server_.port(), "GET", path);
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(shown.body.find("value=\"approve\""), std::string::npos);
  EXPECT_NE(shown.body.find("value=\"decline\""), std::string::npos);
  HttpResult approved = Send(server_.port(), "POST", path, "decision=approve",
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_NE(approved.body.find("succeeded"), std::string::npos);
  EXPECT_EQ(Balance(line), 1200);
  // A konbini payment's page shows how to pay at that chain, in the customer's language.
  HttpResult konbini = TopUp(line, 800, Pay("konbini"), "konbini");
  const std::string konbini_path =
      "/sandbox/pay/" + konbini.json["payment"]["payment_id"].get<std::string>();
  HttpResult instructions =
      Send(server_.port(), "GET", konbini_path, "", {{"Accept-Language", "ja"}});
  EXPECT_NE(instructions.body.find(
                konbini.json["payment"]["next_action"]["payment_number"].get<std::string>()),
            std::string::npos);
  EXPECT_NE(instructions.body.find("lang=\"ja\""), std::string::npos);
  EXPECT_EQ(Send(server_.port(), "POST", konbini_path, "decision=maybe").status, 400);
  EXPECT_EQ(Send(server_.port(), "GET", "/sandbox/pay/pay_nothing").status, 404);
}

TEST_F(PaymentsTest, AnUnpaidKonbiniPaymentExpiresAfter235959JstAndMovesNoMoney) {
  const std::string line = NewLine();
  HttpResult placed = TopUp(line, 3000, Pay("konbini"), "konbini");
  ASSERT_EQ(placed.status, 202) << placed.body;
  const std::string payment_id = placed.json["payment"]["payment_id"];
  const std::string order_id = placed.json["order_id"];
  // Placed 2026-11-22 12:00 JST: due 2026-11-25 23:59:59 JST.
  server_.clock().Set(*ParseRfc3339("2026-11-25T23:59:58+09:00"));
  EXPECT_EQ(Sweep().expired, 0);
  EXPECT_EQ(Order(order_id).json["status"], "pending");
  server_.clock().Set(*ParseRfc3339("2026-11-25T23:59:59+09:00"));
  EXPECT_EQ(Sweep().expired, 1);
  HttpResult expired = Order(order_id);
  EXPECT_EQ(expired.json["status"], "expired");
  EXPECT_EQ(expired.json["failure_reason"], "payment_expired");
  EXPECT_EQ(expired.json["payment"]["status"], "canceled");
  // Too late to pay: the provider withdrew it; and an expired order takes no new attempt.
  EXPECT_EQ(Simulate(payment_id, "succeeded").json["code"], "payment_not_open");
  EXPECT_EQ(server_
                .Call(admin_, "POST", "/v1/orders/" + order_id + "/payments",
                      {{"payment", Pay("paypay")}}, "late")
                .json["code"],
            "order_not_payable");
  EXPECT_EQ(Balance(line), 0);
  EXPECT_EQ(Sweep().expired, 0);  // Once.
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, AKonbiniPaymentPaidJustBeforeItsDeadlineCompletes) {
  const std::string line = NewLine();
  HttpResult placed = TopUp(line, 3000, Pay("konbini"), "konbini");
  const std::string payment_id = placed.json["payment"]["payment_id"];
  // The customer pays at 23:59 on the last day; the sweep at the deadline finds it paid.
  server_.clock().Set(*ParseRfc3339("2026-11-25T23:59:00+09:00"));
  ASSERT_TRUE(server_.runtime().payment_provider->Simulate(PaymentId{payment_id},
                                                           app::ChargeStatus::kSucceeded));
  server_.clock().Set(*ParseRfc3339("2026-11-26T00:00:05+09:00"));
  app::PaymentSweepReport report = Sweep();
  EXPECT_EQ(report.settled, 1);
  EXPECT_EQ(report.expired, 0);
  EXPECT_EQ(Order(placed.json["order_id"]).json["status"], "completed");
  EXPECT_EQ(Balance(line), 3000);
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, AWebhookDeliveredTenTimesCreditsOnce) {
  const std::string line = NewLine();
  HttpResult placed = TopUp(line, 1500, Pay("konbini"), "konbini");
  const std::string payment_id = placed.json["payment"]["payment_id"];
  // The customer pays at the till; the provider notifies.
  ASSERT_TRUE(server_.runtime().payment_provider->Simulate(PaymentId{payment_id},
                                                           app::ChargeStatus::kSucceeded));
  const std::string body =
      R"({"id":"evt_paid_1","type":"payment.captured","data":{"payment_id":")" + payment_id +
      R"("}})";
  const std::string signature = payments::SignSandboxWebhook("whsec_sandbox", body, UnixNow());
  for (int i = 0; i < 10; ++i) {
    HttpResult delivered = Webhook(body, signature);
    ASSERT_EQ(delivered.status, 200) << delivered.body;
    EXPECT_EQ(delivered.json["duplicate"], i > 0);
  }
  // The same news under other event ids (a provider retrying with new ids) changes nothing.
  for (int i = 2; i < 5; ++i) {
    const std::string other = R"({"id":"evt_paid_)" + std::to_string(i) +
                              R"(","type":"payment.captured","data":{"payment_id":")" + payment_id +
                              R"("}})";
    EXPECT_EQ(
        Webhook(other, payments::SignSandboxWebhook("whsec_sandbox", other, UnixNow())).status,
        200);
  }
  EXPECT_EQ(Balance(line), 1500);
  EXPECT_EQ(Order(placed.json["order_id"]).json["status"], "completed");
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, AForgedOrUnsignedWebhookIsRefusedAndChangesNothing) {
  const std::string line = NewLine();
  HttpResult placed = TopUp(line, 1500, Pay("paypay"), "paypay");
  const std::string payment_id = placed.json["payment"]["payment_id"];
  ASSERT_TRUE(server_.runtime().payment_provider->Simulate(PaymentId{payment_id},
                                                           app::ChargeStatus::kSucceeded));
  const std::string body =
      R"({"id":"evt_1","type":"payment.captured","data":{"payment_id":")" + payment_id + R"("}})";
  EXPECT_EQ(Webhook(body, "").status, 401);
  HttpResult forged = Webhook(body, payments::SignSandboxWebhook("guess", body, UnixNow()));
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(forged.json["code"], "webhook_signature_invalid");
  EXPECT_EQ(
      Webhook(body, payments::SignSandboxWebhook("whsec_sandbox", body, UnixNow() - 3600)).status,
      401);  // Replayed an hour later.
  EXPECT_EQ(Order(placed.json["order_id"]).json["status"], "pending");
  EXPECT_EQ(Balance(line), 0);
  // Another provider's endpoint is not this instance's.
  EXPECT_EQ(Send(server_.port(), "POST", "/v1/webhooks/komoju", body).status, 404);
  // The genuine one, once, then works.
  EXPECT_EQ(Webhook(body, payments::SignSandboxWebhook("whsec_sandbox", body, UnixNow())).status,
            200);
  EXPECT_EQ(Balance(line), 1500);
}

TEST_F(PaymentsTest, AnUnknownOutcomeIsResolvedByTheSweepWithoutASecondCharge) {
  const std::string line = NewLine();
  HttpResult placed = TopUp(line, 4000, CardPayment("4000000000000408"), "lost");
  ASSERT_EQ(placed.status, 202) << placed.body;
  EXPECT_EQ(placed.json["payment"]["status"], "pending");
  // A retry of the request replays the answer; it never charges again.
  HttpResult retried = TopUp(line, 4000, CardPayment("4000000000000408"), "lost");
  EXPECT_EQ(retried.headers["idempotent-replayed"], "true");
  EXPECT_EQ(retried.json["order_id"], placed.json["order_id"]);
  // Too young for the sweep: its charge call might still be in flight.
  EXPECT_EQ(Sweep().asked, 0);
  server_.clock().Advance(std::chrono::milliseconds(app::kPaymentReconcileAfterMs + 1000));
  app::PaymentSweepReport report = Sweep();
  EXPECT_EQ(report.asked, 1);
  EXPECT_EQ(report.settled, 1);
  EXPECT_EQ(Order(placed.json["order_id"]).json["status"], "completed");
  EXPECT_EQ(Balance(line), 4000);
  Result<std::vector<app::ProviderPayment>> charged =
      server_.runtime().payment_provider->ListPayments(
          server_.clock().Now() - std::chrono::hours(1), server_.clock().Now());
  ASSERT_TRUE(charged);
  EXPECT_EQ(charged->size(), 1u);
  EXPECT_EQ(Sweep().asked, 0);
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, FiftyIdenticalConcurrentPaymentRequestsMakeOnePayment) {
  const std::string line = NewLine();
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, replayed{0}, in_flight{0};
  std::set<std::string> orders;
  std::mutex orders_mutex;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      HttpResult result = TopUp(line, 700, CardPayment("4242424242424242"), "same-key");
      if (result.status == 409) {
        ++in_flight;
        return;
      }
      (result.headers.count("idempotent-replayed") ? replayed : created)++;
      std::lock_guard<std::mutex> lock(orders_mutex);
      orders.insert(result.json["order_id"]);
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(created + replayed + in_flight, 50);
  EXPECT_EQ(orders.size(), 1u);
  EXPECT_EQ(Balance(line), 700);
  Result<std::vector<app::ProviderPayment>> charged =
      server_.runtime().payment_provider->ListPayments(
          server_.clock().Now() - std::chrono::hours(1),
          server_.clock().Now() + std::chrono::hours(1));
  ASSERT_TRUE(charged);
  EXPECT_EQ(charged->size(), 1u);
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, BadPaymentRequestsAreClear4xxAndWriteNothing) {
  const std::string line = NewLine();
  // A kiosk has no konbini; a store counter no Pay-easy.
  EXPECT_EQ(TopUp(line, 1000, Pay("konbini"), "a", kiosk_).json["code"],
            "payment_method_not_offered");
  EXPECT_EQ(TopUp(line, 1000, Pay("pay_easy"), "b", clerk_).json["code"],
            "payment_method_not_offered");
  EXPECT_EQ(TopUp(line, 1000, {{"method", "konbini"}}, "c").json["code"], "field_required");
  EXPECT_EQ(TopUp(line, 1000, {{"method", "konbini"}, {"store", "7-eleven"}}, "d").json["code"],
            "konbini_store_invalid");
  EXPECT_EQ(TopUp(line, 1000, {{"method", "voucher"}}, "e").json["code"],
            "payment_method_not_offered");
  EXPECT_EQ(TopUp(line, 1000, {{"method", "bitcoin"}}, "f").json["code"], "payment_method_invalid");
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/payments/pay_nothing").status, 404);
  EXPECT_EQ(Simulate("pay_nothing", "succeeded").status, 404);
  EXPECT_EQ(server_
                .Call(admin_, "POST", "/v1/orders/ord_nothing/payments",
                      {{"payment", Pay("paypay")}}, "g")
                .json["code"],
            "order_not_found");
  EXPECT_EQ(
      server_.Call(admin_, "POST", "/v1/orders/ord_nothing/payments", {{"payment", Pay("paypay")}})
          .json["code"],
      "idempotency_key_required");
  HttpResult placed = TopUp(line, 1000, Pay("paypay"), "h");
  const std::string payment_id = placed.json["payment"]["payment_id"];
  EXPECT_EQ(server_
                .Call(clerk_, "POST", "/v1/payments/" + payment_id + "/simulate",
                      {{"outcome", "succeeded"}})
                .status,
            403);
  EXPECT_EQ(Simulate(payment_id, "maybe").json["code"], "simulation_invalid");
  EXPECT_EQ(
      server_.Call(admin_, "POST", "/v1/payments/" + payment_id + "/simulate", {{"outcome", 5}})
          .json["code"],
      "simulation_invalid");
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/payments/" + payment_id).json["status"],
            "requires_action");
  HttpResult refreshed = server_.Call(agent_, "POST", "/v1/payments/" + payment_id + "/refresh");
  EXPECT_EQ(refreshed.status, 200);
  EXPECT_EQ(refreshed.json["status"], "pending");
  EXPECT_EQ(Balance(line), 0);
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, RefundsGoBackWhereTheMoneyCameFromOnceAndWithinWhatWasPaid) {
  const std::string line = NewLine();
  HttpResult paid = TopUp(line, 3000, CardPayment("4242424242424242"), "card");
  ASSERT_EQ(paid.status, 201) << paid.body;
  const std::string payment_id = paid.json["payment"]["payment_id"];
  const std::string refunds = "/v1/payments/" + payment_id + "/refunds";
  const Json partial = {{"amount_jpy", 1000}, {"reason", "charged twice by mistake"}};
  EXPECT_EQ(server_.Call(clerk_, "POST", refunds, partial, "r1").status, 403);
  EXPECT_EQ(server_.Call(agent_, "POST", refunds, partial).json["code"],
            "idempotency_key_required");
  HttpResult refunded = server_.Call(agent_, "POST", refunds, partial, "r1");
  ASSERT_EQ(refunded.status, 201) << refunded.body;
  EXPECT_EQ(refunded.json["status"], "succeeded");
  EXPECT_EQ(refunded.json["payment"]["refunded_jpy"], 1000);
  EXPECT_EQ(refunded.json["payment"]["status"], "succeeded");  // Partly refunded.
  EXPECT_EQ(Balance(line), 2000);
  // Replayed, not refunded again.
  HttpResult replay = server_.Call(agent_, "POST", refunds, partial, "r1");
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  EXPECT_EQ(replay.json["refund_id"], refunded.json["refund_id"]);
  EXPECT_EQ(Balance(line), 2000);
  EXPECT_EQ(server_.Call(agent_, "POST", refunds, {{"amount_jpy", 2001}, {"reason", "x"}}, "r2")
                .json["code"],
            "refund_exceeds_payment");
  EXPECT_EQ(server_.Call(agent_, "POST", refunds, {{"amount_jpy", 0}, {"reason", "x"}}, "r3")
                .json["code"],
            "refund_amount_invalid");
  EXPECT_EQ(server_.Call(agent_, "POST", refunds, {{"amount_jpy", 10}}, "r4").json["code"],
            "field_required");
  HttpResult rest = server_.Call(admin_, "POST", refunds,
                                 {{"amount_jpy", 2000}, {"reason", "line returned"}}, "r5");
  ASSERT_EQ(rest.status, 201) << rest.body;
  EXPECT_EQ(rest.json["payment"]["status"], "refunded");
  EXPECT_EQ(Balance(line), 0);
  HttpResult listed = server_.Call(agent_, "GET", refunds);
  EXPECT_EQ(listed.json["data"].size(), 2u);
  EXPECT_EQ(server_.Call(agent_, "POST", refunds, {{"amount_jpy", 1}, {"reason", "x"}}, "r6")
                .json["code"],
            "payment_not_refundable");

  // Cash and konbini money never goes back through a refund; nor does stored balance.
  HttpResult cash = TopUp(line, 500, Pay("cash"), "cash", clerk_);
  EXPECT_EQ(server_
                .Call(agent_, "POST",
                      "/v1/payments/" + cash.json["payment"]["payment_id"].get<std::string>() +
                          "/refunds",
                      {{"amount_jpy", 100}, {"reason", "x"}}, "r7")
                .json["code"],
            "payment_not_refundable");
  // A topped-up balance already spent cannot be taken back.
  const std::string docomo = NewLine("docomo");
  const Json plan = RenewalPlan();
  const int64_t price = plan["price_jpy"];
  HttpResult spent = TopUp(docomo, price, CardPayment("4242424242424242"), "spend");
  ASSERT_EQ(server_
                .Call(admin_, "POST", "/v1/lines/" + docomo + "/renewals",
                      {{"plan_id", plan["plan_id"]}, {"payment", Pay("balance")}}, "renew")
                .status,
            201);
  EXPECT_EQ(server_
                .Call(agent_, "POST",
                      "/v1/payments/" + spent.json["payment"]["payment_id"].get<std::string>() +
                          "/refunds",
                      {{"amount_jpy", price}, {"reason", "x"}}, "r8")
                .json["code"],
            "insufficient_balance");
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, ARenewalRefundReversesRevenueAndTax) {
  const std::string line = NewLine("docomo");
  const Json plan = RenewalPlan();
  const int64_t price = plan["price_jpy"];
  HttpResult renewed = server_.Call(
      admin_, "POST", "/v1/lines/" + line + "/renewals",
      {{"plan_id", plan["plan_id"]}, {"payment", CardPayment("4242424242424242")}}, "renew");
  ASSERT_EQ(renewed.status, 201) << renewed.body;
  HttpResult refunded = server_.Call(
      agent_, "POST",
      "/v1/payments/" + renewed.json["payment"]["payment_id"].get<std::string>() + "/refunds",
      {{"amount_jpy", price}, {"reason", "service outage"}}, "refund");
  ASSERT_EQ(refunded.status, 201) << refunded.body;
  EXPECT_EQ(refunded.json["payment"]["status"], "refunded");
  // What the renewal granted stays; the money went back.
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/lines/" + line).json["state"], "active");
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, ARefusedRefundIsUndoneAndAnUnansweredOneIsAskedAgain) {
  const std::string line = NewLine();
  HttpResult paid = TopUp(line, 3000, CardPayment("4242424242424242"), "card");
  const PaymentId payment_id{paid.json["payment"]["payment_id"].get<std::string>()};
  cli::Runtime& runtime = server_.runtime();
  const auto start = [&](int64_t amount) {
    std::optional<app::RefundView> view;
    EXPECT_TRUE(runtime.committer->RunAndWait([&](app::Transaction& transaction) -> Result<void> {
      Result<app::RefundView> started = runtime.orders->StartRefund(
          transaction, app::RefundInput{payment_id, amount, "test", "key_test"});
      if (!started) {
        return started.error();
      }
      view = *started;
      return Ok();
    }));
    return *view;
  };
  const auto apply = [&](const RefundId& id, app::RefundStatus status) {
    std::optional<app::RefundView> view;
    EXPECT_TRUE(runtime.committer->RunAndWait([&](app::Transaction& transaction) -> Result<void> {
      Result<app::RefundView> applied = runtime.orders->ApplyRefundOutcome(
          transaction, id, app::RefundOutcome{status, "refund_declined", "ref"});
      if (!applied) {
        return applied.error();
      }
      view = *applied;
      return Ok();
    }));
    return *view;
  };
  // Refused by the provider: the wallet gets its money back, the amount is free again.
  app::RefundView refused = start(1200);
  EXPECT_EQ(Balance(line), 1800);
  app::RefundView undone = apply(refused.refund.id, app::RefundStatus::kFailed);
  EXPECT_EQ(undone.refund.status, domain::RefundStatus::kFailed);
  EXPECT_EQ(undone.payment.refunded_jpy, 0);
  EXPECT_EQ(Balance(line), 3000);
  EXPECT_EQ(apply(refused.refund.id, app::RefundStatus::kSucceeded).refund.status,
            domain::RefundStatus::kFailed);  // Settled once.
  EXPECT_EQ(Balance(line), 3000);
  // No answer: pending, the amount held; the sweep asks again and the provider refunds once.
  app::RefundView unanswered = start(3000);
  apply(unanswered.refund.id, app::RefundStatus::kUnknown);
  EXPECT_EQ(Sweep().refunds, 0);  // Too young.
  server_.clock().Advance(std::chrono::milliseconds(app::kPaymentReconcileAfterMs + 1000));
  EXPECT_EQ(Sweep().refunds, 1);
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/payments/" + payment_id.value).json["status"],
            "refunded");
  EXPECT_EQ(Balance(line), 0);
  EXPECT_EQ(Sweep().refunds, 0);
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, ReconciliationMatchesTheProviderAgainstTheLedgerPerDayAndMethod) {
  const std::string line = NewLine();
  HttpResult card = TopUp(line, 3000, CardPayment("4242424242424242"), "card");
  ASSERT_EQ(card.status, 201);
  HttpResult konbini = TopUp(line, 1000, Pay("konbini"), "konbini");
  Simulate(konbini.json["payment"]["payment_id"], "succeeded");
  ASSERT_EQ(server_
                .Call(agent_, "POST",
                      "/v1/payments/" + card.json["payment"]["payment_id"].get<std::string>() +
                          "/refunds",
                      {{"amount_jpy", 300}, {"reason", "goodwill"}}, "refund")
                .status,
            201);
  TopUp(line, 500, Pay("cash"), "cash", clerk_);  // Not the provider's: not reconciled.
  HttpResult report = server_.Call(admin_, "GET", "/v1/reports/reconciliation?date=2026-11-22");
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(report.json["balanced"], true) << report.body;
  std::map<std::string, Json> totals;
  for (const Json& total : report.json["totals"]) {
    totals[total["method"]] = total;
  }
  ASSERT_EQ(totals.size(), 2u) << report.body;
  EXPECT_EQ(totals["card"]["provider_jpy"], 3000);
  EXPECT_EQ(totals["card"]["ledger_jpy"], 3000);
  EXPECT_EQ(totals["card"]["provider_refunded_jpy"], 300);
  EXPECT_EQ(totals["card"]["ledger_refunded_jpy"], 300);
  EXPECT_EQ(totals["konbini"]["provider_jpy"], 1220);
  EXPECT_EQ(totals["konbini"]["ledger_count"], 1);
  // The day before: nothing.
  EXPECT_TRUE(server_.Call(admin_, "GET", "/v1/reports/reconciliation?date=2026-11-21")
                  .json["totals"]
                  .empty());
  // Money the provider collected that simkeep never recorded shows up.
  app::ChargeRequest stray;
  stray.payment_id = PaymentId{"pay_stray"};
  stray.method = domain::PaymentMethod::kCard;
  stray.amount_jpy = 800;
  stray.card = app::CardDetails{"4242424242424242", 12, 2030, "1"};
  ASSERT_EQ(server_.runtime().payment_provider->Charge(stray, server_.clock().Now()).status,
            app::ChargeStatus::kSucceeded);
  HttpResult unbalanced = server_.Call(admin_, "GET", "/v1/reports/reconciliation?date=2026-11-22");
  EXPECT_EQ(unbalanced.json["balanced"], false);
  ASSERT_EQ(unbalanced.json["mismatches"].size(), 1u);
  EXPECT_EQ(unbalanced.json["mismatches"][0]["kind"], "missing_in_ledger");
  EXPECT_EQ(unbalanced.json["mismatches"][0]["payment_id"], "pay_stray");
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/reports/reconciliation?date=22-11-2026").json["code"],
            "date_invalid");
  EXPECT_EQ(server_.Call(clerk_, "GET", "/v1/reports/reconciliation?date=2026-11-22").status, 403);
}

// Saved cards -------------------------------------------------------------------------------

Json CardBody(const std::string& number, int exp_month = 12, int exp_year = 2030) {
  return {{"method", "card"},
          {"card",
           {{"number", number}, {"exp_month", exp_month}, {"exp_year", exp_year}, {"cvc", "1"}}}};
}

TEST_F(PaymentsTest, ASavedCardIsKeptAsATokenAndPaysWithoutItsNumber) {
  const std::string line = NewLine();
  const std::string path = "/v1/lines/" + line + "/payment-methods";
  EXPECT_EQ(server_.Call(admin_, "POST", path, CardBody("4242424242424242")).json["code"],
            "idempotency_key_required");
  HttpResult saved = server_.Call(agent_, "POST", path, CardBody("4242424242424242"), "save-1");
  ASSERT_EQ(saved.status, 201) << saved.body;
  EXPECT_EQ(saved.json["status"], "active");
  EXPECT_EQ(saved.json["provider"], "sandbox");
  EXPECT_EQ(saved.json["card"]["brand"], "visa");
  EXPECT_EQ(saved.json["card"]["last4"], "4242");
  EXPECT_EQ(saved.json["card"]["exp_month"], 12);
  EXPECT_EQ(saved.json["card"]["exp_year"], 2030);
  EXPECT_FALSE(saved.json.contains("token"));
  EXPECT_EQ(saved.body.find("4242424242424242"), std::string::npos);
  const std::string saved_id = saved.json["saved_method_id"];
  // A retry replays the answer and keeps one card.
  HttpResult again = server_.Call(agent_, "POST", path, CardBody("4242424242424242"), "save-1");
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  EXPECT_EQ(again.body, saved.body);
  HttpResult listed = server_.Call(admin_, "GET", path);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json["data"].size(), 1u);
  EXPECT_EQ(listed.json["data"][0]["saved_method_id"], saved_id);
  // Nothing but the token, brand, last four and expiry is stored.
  ASSERT_TRUE(server_.runtime().reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<domain::SavedPaymentMethod>> row =
        transaction.FindSavedMethod(SavedMethodId{saved_id});
    EXPECT_TRUE(row && row->has_value());
    if (row && row->has_value()) {
      EXPECT_FALSE((*row)->token.empty());
      EXPECT_EQ((*row)->token.find("4242424242424242"), std::string::npos);
    }
    return Ok();
  }));

  // It pays a top-up and a renewal.
  const Json with_saved = {{"method", "card"}, {"saved_method_id", saved_id}};
  HttpResult topup = TopUp(line, 3000, with_saved, "pay-saved-1");
  ASSERT_EQ(topup.status, 201) << topup.body;
  EXPECT_EQ(topup.json["payment"]["saved_method_id"], saved_id);
  EXPECT_EQ(topup.json["payment"]["card"]["last4"], "4242");
  EXPECT_EQ(Balance(line), 3000);
  const Json plan = RenewalPlan();
  const std::string docomo = NewLine("docomo");
  HttpResult other_line =
      server_.Call(admin_, "POST", "/v1/lines/" + docomo + "/renewals",
                   {{"plan_id", plan["plan_id"]}, {"payment", with_saved}}, "pay-saved-2");
  EXPECT_EQ(other_line.status, 404) << other_line.body;
  EXPECT_EQ(other_line.json["code"], "saved_method_not_found");

  // Removed: unusable at once, gone from the list and from the provider's vault.
  HttpResult removed = server_.Call(admin_, "DELETE", path + "/" + saved_id);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.json["status"], "removed");
  EXPECT_EQ(server_.Call(admin_, "DELETE", path + "/" + saved_id).status, 200);
  EXPECT_EQ(server_.Call(admin_, "GET", path).json["data"].size(), 0u);
  HttpResult after = TopUp(line, 1000, with_saved, "pay-saved-3");
  EXPECT_EQ(after.status, 404) << after.body;
  EXPECT_EQ(after.json["code"], "saved_method_not_found");
  ASSERT_TRUE(server_.runtime().reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<domain::SavedPaymentMethod>> row =
        transaction.FindSavedMethod(SavedMethodId{saved_id});
    EXPECT_TRUE(row && row->has_value() && (*row)->token.empty());
    Result<std::optional<app::SandboxSavedCard>> vault =
        transaction.FindSandboxSavedCard("", SavedMethodId{saved_id});
    EXPECT_TRUE(vault && vault->has_value() && (*vault)->deleted_at.has_value());
    return Ok();
  }));
  EXPECT_EQ(Balance(line), 3000);
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, SavedCardsRefusedDeclinedExpiredAndMisusedSayWhy) {
  const std::string line = NewLine();
  const std::string path = "/v1/lines/" + line + "/payment-methods";
  // The provider's verification refuses a declined card: 402 with advice, nothing listed.
  HttpResult declined = server_.Call(admin_, "POST", path, CardBody("4000000000000002"), "s-1");
  ASSERT_EQ(declined.status, 402) << declined.body;
  EXPECT_EQ(declined.json["code"], "card_declined");
  EXPECT_EQ(declined.json["saved_method"]["status"], "failed");
  EXPECT_FALSE(declined.json["advice"].empty());
  // Bad input never reaches the provider.
  EXPECT_EQ(server_.Call(admin_, "POST", path, CardBody("4242424242424241"), "s-2").json["code"],
            "card_number_invalid");
  EXPECT_EQ(server_.Call(admin_, "POST", path, CardBody("4242424242424242", 10, 2026), "s-3")
                .json["code"],
            "card_expiry_invalid");
  EXPECT_EQ(server_.Call(admin_, "POST", path, {{"method", "konbini"}}, "s-4").json["code"],
            "payment_method_not_savable");
  EXPECT_EQ(server_.Call(kiosk_, "POST", path, CardBody("4242424242424242"), "s-5").status, 403);
  EXPECT_EQ(server_
                .Call(admin_, "POST", "/v1/lines/ln_nope/payment-methods",
                      CardBody("4242424242424242"), "s-6")
                .json["code"],
            "line_not_found");
  EXPECT_EQ(server_.Call(admin_, "GET", path).json["data"].size(), 0u);

  // A card kept that every charge declines (4000000000000341): the charge fails and says so.
  HttpResult kept = server_.Call(admin_, "POST", path, CardBody("4000000000000341"), "s-7");
  ASSERT_EQ(kept.status, 201) << kept.body;
  const Json with_kept = {{"method", "card"}, {"saved_method_id", kept.json["saved_method_id"]}};
  HttpResult charge = TopUp(line, 1000, with_kept, "c-1");
  EXPECT_EQ(charge.status, 402) << charge.body;
  EXPECT_EQ(charge.json["code"], "card_declined");
  // A saved method with a card, or for another method, is a contradiction.
  Json both = with_kept;
  both["card"] = CardBody("4242424242424242")["card"];
  EXPECT_EQ(TopUp(line, 1000, both, "c-2").json["code"], "saved_method_invalid");
  EXPECT_EQ(TopUp(line, 1000,
                  {{"method", "paypay"}, {"saved_method_id", kept.json["saved_method_id"]}}, "c-3")
                .json["code"],
            "saved_method_invalid");
  EXPECT_EQ(
      TopUp(line, 1000, {{"method", "card"}, {"saved_method_id", "pm_nope"}}, "c-4").json["code"],
      "saved_method_not_found");

  // A card good through December 2026 stops paying on 1 January 2027 (JST).
  HttpResult december =
      server_.Call(admin_, "POST", path, CardBody("5555555555554444", 12, 2026), "s-8");
  ASSERT_EQ(december.status, 201) << december.body;
  const Json with_december = {{"method", "card"},
                              {"saved_method_id", december.json["saved_method_id"]}};
  server_.clock().Set(*ParseRfc3339("2026-12-31T23:59:00+09:00"));
  EXPECT_EQ(TopUp(line, 500, with_december, "c-5").status, 201);
  server_.clock().Set(*ParseRfc3339("2027-01-01T00:00:00+09:00"));
  HttpResult expired = TopUp(line, 500, with_december, "c-6");
  EXPECT_EQ(expired.status, 422) << expired.body;
  EXPECT_EQ(expired.json["code"], "saved_method_expired");

  // At most kSavedMethodsPerLineMax at once.
  for (size_t i = 2; i < app::kSavedMethodsPerLineMax; ++i) {
    ASSERT_EQ(
        server_
            .Call(admin_, "POST", path, CardBody("4242424242424242"), "fill-" + std::to_string(i))
            .status,
        201);
  }
  HttpResult full = server_.Call(admin_, "POST", path, CardBody("4242424242424242"), "s-9");
  EXPECT_EQ(full.status, 422) << full.body;
  EXPECT_EQ(full.json["code"], "saved_methods_limit_reached");
  EXPECT_EQ(server_.Call(admin_, "GET", path).json["data"].size(), app::kSavedMethodsPerLineMax);
  ExpectAuditPasses();
}

TEST_F(PaymentsTest, ASaveCutShortByACrashIsClosedByTheSweepAndItsKeyAnswered) {
  const std::string line = NewLine();
  app::SaveMethodInput input;
  input.line_id = LineId{line};
  input.method = "card";
  input.card = {"4242424242424242", 12, 2030, "1"};
  input.idempotency_key = "ak_crashed:save-crash";
  // The request's write committed (its key in flight, the card pending); the process died
  // before the provider was asked.
  ASSERT_TRUE(server_.runtime().committer->RunAndWait([&](app::Transaction& transaction) {
    app::IdempotencyRecord record{"ak_crashed", "save-crash",         "hash", false, 0,
                                  "",           server_.clock().Now()};
    if (Result<void> stored = transaction.InsertIdempotency(record); !stored) {
      return stored;
    }
    Result<domain::SavedPaymentMethod> saved =
        server_.runtime().orders->StartSaveMethod(transaction, input);
    return saved ? Ok() : Result<void>(saved.error());
  }));
  EXPECT_EQ(Sweep().saved_methods, 0);  // Its request may still be running.
  server_.clock().Advance(std::chrono::milliseconds(app::kPaymentReconcileAfterMs + 1000));
  EXPECT_EQ(Sweep().saved_methods, 1);
  EXPECT_EQ(Sweep().saved_methods, 0);
  ASSERT_TRUE(server_.runtime().reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<app::IdempotencyRecord>> record =
        transaction.FindIdempotency("ak_crashed", "save-crash");
    EXPECT_TRUE(record && record->has_value());
    if (record && record->has_value()) {
      EXPECT_TRUE((*record)->completed);
      EXPECT_EQ((*record)->response_status, 503);
      EXPECT_NE((*record)->response_body.find("save_interrupted"), std::string::npos);
    }
    return Ok();
  }));
  EXPECT_EQ(
      server_.Call(admin_, "GET", "/v1/lines/" + line + "/payment-methods").json["data"].size(),
      0u);
}

TEST_F(PaymentsTest, ANewAttemptCutShortByACrashAnswersItsOwnKeyNotTheOrdersFirst) {
  const std::string line = NewLine();
  HttpResult declined = TopUp(line, 2000, CardPayment("4000000000000002"), "first-attempt");
  ASSERT_EQ(declined.status, 402) << declined.body;
  const std::string order_id = declined.json["order"]["order_id"];
  // A second attempt's write committed (its key in flight); the process died before the charge.
  ASSERT_TRUE(server_.runtime().committer->RunAndWait([&](app::Transaction& transaction) {
    app::IdempotencyRecord record{"ak_crashed", "again-crash",        "hash", false, 0,
                                  "",           server_.clock().Now()};
    if (Result<void> stored = transaction.InsertIdempotency(record); !stored) {
      return stored;
    }
    app::PayAgainInput again;
    again.order_id = OrderId{order_id};
    again.payment.method = "konbini";
    again.payment.store = "lawson";
    again.requester = {"admin", domain::Channel::kApi, "ak_crashed:again-crash"};
    Result<app::OrderView> view = server_.runtime().orders->PayAgain(transaction, again);
    return view ? Ok() : Result<void>(view.error());
  }));
  server_.clock().Advance(std::chrono::milliseconds(app::kPaymentReconcileAfterMs + 1000));
  Sweep();
  ASSERT_TRUE(server_.runtime().reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<app::IdempotencyRecord>> record =
        transaction.FindIdempotency("ak_crashed", "again-crash");
    EXPECT_TRUE(record && record->has_value() && (*record)->completed);
    if (record && record->has_value()) {
      EXPECT_NE((*record)->response_body.find(order_id), std::string::npos);
    }
    return Ok();
  }));
  // The first request still replays its own first answer.
  HttpResult replay = TopUp(line, 2000, CardPayment("4000000000000002"), "first-attempt");
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  EXPECT_EQ(replay.body, declined.body);
}

}  // namespace
}  // namespace simkeep::testing
