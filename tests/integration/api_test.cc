// API integration tests: the real server on a loopback port, a temporary database (SQLite, or
// PostgreSQL as api_test_postgres), the sandbox payment provider and a fake clock.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "simkeep/app/limits.h"
#include "simkeep/base/time.h"
#include "test_server.h"

namespace simkeep::testing {
namespace {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = server_.Token("admin");
    clerk_ = server_.Token("clerk");
    kiosk_ = server_.Token("kiosk");
  }

  std::string NewLine(const std::string& carrier = "au") {
    return server_.ProvisionLine(admin_,
                                 {{"iccid", TestServer::NextIccid()}, {"carrier", carrier}});
  }

  // A plan on `carrier` of `kind` with a positive price and a data allowance.
  Json FindPlan(const std::string& carrier, const std::string& kind) {
    HttpResult plans =
        server_.Call(admin_, "GET", "/v1/plans?carrier=" + carrier + "&kind=" + kind);
    for (const Json& plan : plans.json["data"]) {
      if (plan["price_jpy"].is_number() && plan["price_jpy"].get<int64_t>() > 0 &&
          !plan["bundles"].empty() && plan["bundles"][0]["kind"] == "data") {
        return plan;
      }
    }
    ADD_FAILURE() << "no priced " << kind << " plan on " << carrier;
    return nullptr;
  }

  HttpResult TopUp(const std::string& line, const Json& body, const std::string& key,
                   const std::string& token = "") {
    return server_.Call(token.empty() ? clerk_ : token, "POST", "/v1/lines/" + line + "/topups",
                        body, key);
  }

  static Json Cash(int64_t amount) {
    return {{"amount_jpy", amount}, {"payment", {{"method", "cash"}}}};
  }
  static Json Card(int64_t amount, const std::string& number) {
    return {
        {"amount_jpy", amount},
        {"payment",
         {{"method", "card"},
          {"card", {{"number", number}, {"exp_month", 12}, {"exp_year", 2030}, {"cvc", "123"}}}}}};
  }

  int64_t Balance(const std::string& line) {
    return server_.Call(admin_, "GET", "/v1/lines/" + line + "/status").json["balance_jpy"];
  }

  TestServer server_;
  std::string admin_, clerk_, kiosk_;
};

TEST_F(ApiTest, HealthReadinessAndMetricsNeedNoKey) {
  EXPECT_EQ(Send(server_.port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(Send(server_.port(), "GET", "/readyz").status, 200);
  HttpResult metrics = Send(server_.port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("simkeep_commit_batches_total"), std::string::npos);
}

TEST_F(ApiTest, RefusesMissingAndUnknownKeys) {
  HttpResult missing = Send(server_.port(), "GET", "/v1/plans");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.headers["content-type"], "application/problem+json");
  EXPECT_EQ(missing.json["code"], "unauthenticated");
  EXPECT_EQ(server_.Call("sk_wrong", "GET", "/v1/plans").json["code"], "api_key_invalid");
}

// Several instances share one database, and each caches the keys it has seen: a key revoked
// through one instance is refused by every instance once its cache entry is
// app::kApiKeyCacheTtlMs old. Time is the instances' fake clocks, so nothing here waits.
TEST_F(ApiTest, AKeyRevokedThroughOneInstanceIsRefusedByEveryInstanceWithinTheCacheTime) {
  TestServer other(server_);
  const std::string operator_token = server_.Token("operator");
  // Both instances have seen (and cached) the key.
  ASSERT_EQ(server_.Call(operator_token, "GET", "/v1/plans").status, 200);
  ASSERT_EQ(other.Call(operator_token, "GET", "/v1/plans").status, 200);

  Result<ApiKeyId> revoked = cli::RevokeApiKey(server_.runtime(), operator_token);
  ASSERT_TRUE(revoked) << revoked.error().message;
  // A third instance has nothing cached: it refuses the key at once.
  TestServer third(server_);
  EXPECT_EQ(third.Call(operator_token, "GET", "/v1/plans").json["code"], "api_key_invalid");

  const auto ttl = std::chrono::milliseconds(app::kApiKeyCacheTtlMs);
  for (TestServer* instance : {&server_, &other}) {
    instance->clock().Advance(ttl);
    HttpResult refused = instance->Call(operator_token, "GET", "/v1/plans");
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_EQ(refused.json["code"], "api_key_invalid");
    // It stays refused, and the other keys still work.
    EXPECT_EQ(instance->Call(operator_token, "GET", "/v1/plans").status, 401);
    EXPECT_EQ(instance->Call(admin_, "GET", "/v1/plans").status, 200);
  }
  // Revoking by id works too, and again changes nothing; an unknown key is reported.
  EXPECT_TRUE(cli::RevokeApiKey(other.runtime(), revoked->value));
  Result<ApiKeyId> unknown = cli::RevokeApiKey(other.runtime(), "key_none");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().reason, "api_key_not_found");
}

TEST_F(ApiTest, ListsTheSampleCatalog) {
  HttpResult carriers = server_.Call(kiosk_, "GET", "/v1/carriers");
  ASSERT_EQ(carriers.status, 200);
  EXPECT_EQ(carriers.json["data"].size(), 4U);
  HttpResult plans = server_.Call(kiosk_, "GET", "/v1/plans");
  ASSERT_EQ(plans.status, 200);
  ASSERT_FALSE(plans.json["data"].empty());
  for (const Json& plan : plans.json["data"]) {
    EXPECT_EQ(plan["name"].get<std::string>().rfind("SAMPLE", 0), 0U) << plan["name"];
  }
  const std::string id = plans.json["data"][0]["plan_id"];
  EXPECT_EQ(server_.Call(kiosk_, "GET", "/v1/plans/" + id).json["plan_id"], id);
  EXPECT_EQ(server_.Call(kiosk_, "GET", "/v1/plans/nope").json["code"], "plan_not_found");
}

TEST_F(ApiTest, ProvisionsAndFindsALine) {
  const std::string iccid = TestServer::NextIccid();
  HttpResult created = server_.Call(admin_, "POST", "/v1/lines",
                                    {{"iccid", iccid},
                                     {"msisdn", "090-1234-5678"},
                                     {"carrier", "softbank"},
                                     {"service", "voice"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["msisdn"], "+819012345678");
  EXPECT_EQ(created.json["state"], "inactive");
  const std::string line = created.json["line_id"];
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/lines/" + line).json["iccid"], iccid);
  HttpResult by_msisdn = server_.Call(admin_, "GET", "/v1/lines?msisdn=09012345678");
  ASSERT_EQ(by_msisdn.json["data"].size(), 1U);
  EXPECT_EQ(by_msisdn.json["data"][0]["line_id"], line);
  HttpResult kiosk_view = server_.Call(kiosk_, "GET", "/v1/lines?msisdn=09012345678");
  EXPECT_EQ(kiosk_view.json["data"][0]["msisdn"], "+819*****5678");
  EXPECT_TRUE(kiosk_view.json["data"][0]["iccid"].is_null());
  HttpResult again =
      server_.Call(admin_, "POST", "/v1/lines", {{"iccid", iccid}, {"carrier", "softbank"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.json["code"], "iccid_taken");
}

TEST_F(ApiTest, ProvisionRejectsBadInputWithStableCodes) {
  struct Case {
    Json body;
    int status;
    const char* code;
  };
  const std::string iccid = TestServer::NextIccid();
  std::string bad_luhn = iccid;
  bad_luhn.back() = bad_luhn.back() == '0' ? '1' : '0';
  for (const Case& c : std::vector<Case>{
           {{{"iccid", "12345"}, {"carrier", "au"}}, 400, "iccid_invalid"},
           {{{"iccid", bad_luhn}, {"carrier", "au"}}, 400, "iccid_checksum"},
           {{{"iccid", iccid}, {"carrier", "au"}, {"msisdn", "0312345678"}}, 400, "msisdn_invalid"},
           {{{"iccid", iccid}, {"carrier", "au"}, {"eid", "1234"}}, 400, "eid_invalid"},
           {{{"iccid", iccid}, {"carrier", "ntt"}}, 400, "carrier_unknown"},
           {{{"iccid", iccid}}, 400, "field_required"},
           {{{"iccid", 8981}, {"carrier", "au"}}, 400, "field_invalid"},
           {{{"iccid", iccid}, {"carrier", "au"}, {"form_factor", "esim"}},
            400,
            "activation_code_required"},
           {{{"iccid", iccid}, {"carrier", "au"}, {"plan_id", "nope"}}, 400, "plan_id_invalid"},
           {{{"iccid", "1"}, {"carrier", "x"}}, 400, "validation_failed"}}) {
    HttpResult result = server_.Call(admin_, "POST", "/v1/lines", c.body);
    EXPECT_EQ(result.status, c.status) << c.body.dump() << " " << result.body;
    EXPECT_EQ(result.json["code"], c.code) << c.body.dump();
    EXPECT_EQ(result.headers["content-type"], "application/problem+json");
  }
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/lines?iccid=" + iccid).json["data"].size(), 0U);
}

TEST_F(ApiTest, MalformedBodiesGetClearErrors) {
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + admin_}};
  EXPECT_EQ(Send(server_.port(), "POST", "/v1/lines", "{not json", auth).json["code"],
            "json_malformed");
  EXPECT_EQ(Send(server_.port(), "POST", "/v1/lines", "[1,2]", auth).json["code"],
            "json_not_object");
  EXPECT_EQ(
      Send(server_.port(), "POST", "/v1/lines", std::string(100, '[') + std::string(100, ']'), auth)
          .json["code"],
      "json_too_deep");
  HttpResult huge = Send(server_.port(), "POST", "/v1/lines", std::string(5 << 20, ' '), auth);
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(huge.json["code"], "body_too_large");
  EXPECT_EQ(Send(server_.port(), "GET", "/healthz").status, 200);  // Still up.
}

TEST_F(ApiTest, RolesAreEnforced) {
  const std::string line = NewLine();
  EXPECT_EQ(server_
                .Call(clerk_, "POST", "/v1/lines",
                      {{"iccid", TestServer::NextIccid()}, {"carrier", "au"}})
                .status,
            403);
  const std::string partner = server_.Token("partner");
  EXPECT_EQ(server_.Call(partner, "GET", "/v1/lines/" + line).status, 403);
  HttpResult cash_by_admin = TopUp(line, Cash(1000), "k-admin-cash", admin_);
  EXPECT_EQ(cash_by_admin.status, 403);
  EXPECT_EQ(cash_by_admin.json["code"], "cash_requires_clerk");
  EXPECT_EQ(server_.Call(kiosk_, "GET", "/v1/lines").status, 403);
}

TEST_F(ApiTest, CashTopUpCreditsTheWalletWithANonTaxableReceipt) {
  const std::string line = NewLine();
  HttpResult order = TopUp(line, Cash(3000), "topup-1");
  ASSERT_EQ(order.status, 201) << order.body;
  EXPECT_EQ(order.json["status"], "completed");
  EXPECT_EQ(order.json["kind"], "topup");
  EXPECT_EQ(order.json["amount_jpy"], 3000);
  EXPECT_EQ(order.json["payment"]["method"], "cash");
  EXPECT_EQ(order.json["payment"]["status"], "succeeded");
  EXPECT_EQ(order.json["channel"], "store");
  EXPECT_EQ(Balance(line), 3000);
  const std::string order_id = order.json["order_id"];
  HttpResult receipt = server_.Call(clerk_, "GET", "/v1/orders/" + order_id + "/receipt");
  ASSERT_EQ(receipt.status, 200);
  EXPECT_EQ(receipt.json["kind"], "non_taxable");
  EXPECT_EQ(receipt.json["receipt_number"], order.json["receipt_number"]);
  EXPECT_EQ(receipt.json["totals"]["total_jpy"], 3000);
  EXPECT_EQ(receipt.json["totals"]["non_taxable_jpy"], 3000);
  HttpResult html = server_.Call(clerk_, "GET", "/v1/orders/" + order_id + "/receipt?format=html");
  EXPECT_EQ(html.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(html.body.find("¥3,000"), std::string::npos);
}

TEST_F(ApiTest, IdempotencyKeyReplaysRefusesReuseAndIsRequired) {
  const std::string line = NewLine();
  HttpResult first = TopUp(line, Cash(500), "same-key");
  ASSERT_EQ(first.status, 201);
  HttpResult replay = TopUp(line, Cash(500), "same-key");
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  HttpResult reused = TopUp(line, Cash(700), "same-key");
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(reused.json["code"], "idempotency_key_reused");
  HttpResult missing = TopUp(line, Cash(500), "");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.json["code"], "idempotency_key_required");
  EXPECT_EQ(Balance(line), 500);
}

TEST_F(ApiTest, BadAmountsAreRefusedAndNothingIsWritten) {
  const std::string line = NewLine();
  struct Case {
    Json amount;
    const char* code;
  };
  for (const Case& c : {Case{0, "amount_not_positive"}, Case{-5, "amount_not_positive"},
                        Case{100'001, "amount_too_large"}, Case{Json(1e30), "field_invalid"},
                        Case{Json(10.5), "field_invalid"}, Case{Json("1000"), "field_invalid"},
                        Case{Json(18446744073709551615ULL), "field_invalid"}}) {
    Json body = Cash(1);
    body["amount_jpy"] = c.amount;
    HttpResult result = TopUp(line, body, "k-" + c.amount.dump());
    EXPECT_EQ(result.status, 400) << c.amount.dump();
    EXPECT_EQ(result.json["code"], c.code) << c.amount.dump();
  }
  HttpResult unknown_method =
      TopUp(line, {{"amount_jpy", 100}, {"payment", {{"method", "gold"}}}}, "k-gold");
  EXPECT_EQ(unknown_method.json["code"], "payment_method_invalid");
  EXPECT_EQ(TopUp("ln_missing", Cash(100), "k-missing").json["code"], "line_not_found");
  EXPECT_EQ(Balance(line), 0);
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/lines/" + line + "/orders").json["data"].size(), 0U);
}

TEST_F(ApiTest, CardTopUpsSucceedOrFailWithAReason) {
  const std::string line = NewLine();
  HttpResult ok = TopUp(line, Card(2000, "4242424242424242"), "card-ok");
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.json["payment"]["card"]["brand"], "visa");
  EXPECT_EQ(ok.json["payment"]["card"]["last4"], "4242");
  for (const auto& [number, reason] :
       std::vector<std::pair<std::string, std::string>>{{"4000000000000002", "card_declined"},
                                                        {"4000000000009995", "insufficient_funds"},
                                                        {"4000000000000069", "expired_card"}}) {
    HttpResult failed = TopUp(line, Card(1000, number), "card-" + number);
    EXPECT_EQ(failed.status, 402) << failed.body;
    EXPECT_EQ(failed.json["code"], reason);
    EXPECT_EQ(failed.json["order"]["status"], "failed");
    EXPECT_EQ(failed.json["order"]["payment"]["status"], "failed");
    HttpResult replay = TopUp(line, Card(1000, number), "card-" + number);
    EXPECT_EQ(replay.body, failed.body);
  }
  EXPECT_EQ(TopUp(line, Card(1000, "4242424242424241"), "card-luhn").json["code"],
            "card_number_invalid");
  EXPECT_EQ(Balance(line), 2000);
}

TEST_F(ApiTest, RenewalFromBalanceExtendsValidityWithAQualifiedInvoice) {
  const std::string line = NewLine("au");
  const Json plan = FindPlan("au", "topping");
  ASSERT_FALSE(plan.is_null());
  const int64_t price = plan["price_jpy"];
  const Json renewal = {{"plan_id", plan["plan_id"]}, {"payment", {{"method", "balance"}}}};
  HttpResult poor = server_.Call(clerk_, "POST", "/v1/lines/" + line + "/renewals", renewal, "r-1");
  EXPECT_EQ(poor.status, 422);
  EXPECT_EQ(poor.json["code"], "insufficient_balance");
  ASSERT_EQ(TopUp(line, Cash(price + 10), "fund").status, 201);
  HttpResult renewed =
      server_.Call(clerk_, "POST", "/v1/lines/" + line + "/renewals", renewal, "r-1");
  ASSERT_EQ(renewed.status, 201) << renewed.body;
  EXPECT_EQ(renewed.json["amount_jpy"], price);
  HttpResult status = server_.Call(admin_, "GET", "/v1/lines/" + line + "/status");
  EXPECT_EQ(status.json["balance_jpy"], 10);
  EXPECT_EQ(status.json["state"], "active");
  EXPECT_FALSE(status.json["expires_at"].is_null());
  EXPECT_FALSE(status.json["buckets"].empty()) << status.body;
  HttpResult receipt = server_.Call(
      clerk_, "GET", "/v1/orders/" + renewed.json["order_id"].get<std::string>() + "/receipt");
  EXPECT_EQ(receipt.json["kind"], "qualified_invoice");
  EXPECT_EQ(receipt.json["issuer"]["invoice_registration_number"], "T9234567890123");
  ASSERT_EQ(receipt.json["totals"]["by_rate"].size(), 1U);
  EXPECT_EQ(receipt.json["totals"]["by_rate"][0]["tax_rate_percent"], 10);
  EXPECT_EQ(receipt.json["totals"]["by_rate"][0]["tax_jpy"], price * 10 / 110);
}

// A base plan grants no validity of its own: with nothing paid before, the line's paid validity
// ends as it is attached, and the carrier's keep window (180 days on au) counts from then.
TEST_F(ApiTest, RenewingAnOpenEndedBasePlanActivatesAndStartsTheKeepWindow) {
  const std::string line = NewLine("au");
  HttpResult renewed =
      server_.Call(clerk_, "POST", "/v1/lines/" + line + "/renewals",
                   {{"plan_id", "sample-au-base"}, {"payment", {{"method", "balance"}}}}, "base-1");
  ASSERT_EQ(renewed.status, 201) << renewed.body;
  EXPECT_EQ(renewed.json["amount_jpy"], 0);
  HttpResult status = server_.Call(admin_, "GET", "/v1/lines/" + line + "/status");
  EXPECT_EQ(status.json["state"], "active");
  EXPECT_EQ(status.json["plan_id"], "sample-au-base");
  EXPECT_EQ(status.json["expires_at"], FormatRfc3339Jst(server_.clock().Now()));
  EXPECT_EQ(status.json["speed_kbps"], 128);
}

TEST_F(ApiTest, ExtendModeRenewalAddsDaysUpToTheCap) {
  const std::string line = NewLine("softbank");
  ASSERT_EQ(TopUp(line, Cash(30'000), "fund-sb").status, 201);
  const Json renewal = {{"plan_id", "sample-softbank-prepaid-card-3000"},
                        {"payment", {{"method", "balance"}}}};
  std::string expiry;
  for (int i = 0; i < 7; ++i) {
    HttpResult renewed = server_.Call(clerk_, "POST", "/v1/lines/" + line + "/renewals", renewal,
                                      "sb-" + std::to_string(i));
    ASSERT_EQ(renewed.status, 201) << renewed.body;
    expiry = server_.Call(admin_, "GET", "/v1/lines/" + line + "/status").json["expires_at"];
  }
  // Six cards of 60 days reach the 360-day cap; the seventh adds nothing beyond it.
  EXPECT_EQ(expiry.substr(0, 10), "2027-11-17");
}

TEST_F(ApiTest, ReceiptNumbersAreSequential) {
  const std::string line = NewLine();
  std::vector<std::string> numbers;
  for (int i = 0; i < 3; ++i) {
    numbers.push_back(TopUp(line, Cash(100), "seq-" + std::to_string(i)).json["receipt_number"]);
  }
  for (size_t i = 1; i < numbers.size(); ++i) {
    EXPECT_EQ(std::stoll(numbers[i].substr(1)), std::stoll(numbers[i - 1].substr(1)) + 1);
  }
}

TEST_F(ApiTest, EsimLineServesItsQrCode) {
  HttpResult created = server_.Call(admin_, "POST", "/v1/lines",
                                    {{"iccid", TestServer::NextIccid()},
                                     {"carrier", "au"},
                                     {"form_factor", "esim"},
                                     {"activation_code", "LPA:1$smdp.example.com$ABC-123$$1"},
                                     {"confirmation_code", "4711"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["esim"]["activation_code"], "LPA:1$smdp.example.com$ABC-123$$1");
  EXPECT_EQ(created.body.find("4711"), std::string::npos);
  const std::string line = created.json["line_id"];
  HttpResult qr = server_.Call(admin_, "GET", "/v1/lines/" + line + "/esim/qr.svg");
  EXPECT_EQ(qr.status, 200);
  EXPECT_EQ(qr.headers["content-type"], "image/svg+xml");
  EXPECT_EQ(qr.body.rfind("<svg", 0), 0U);
  EXPECT_EQ(server_.Call(kiosk_, "GET", "/v1/lines/" + line + "/esim/qr.svg").status, 403);
}

TEST_F(ApiTest, FiftyConcurrentIdenticalRequestsMakeOneOrder) {
  const std::string line = NewLine();
  std::vector<std::thread> threads;
  std::vector<HttpResult> results(50);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = TopUp(line, Cash(1234), "race-key"); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  std::string order_id;
  for (const HttpResult& result : results) {
    ASSERT_TRUE(result.status == 201 || result.status == 409) << result.body;
    if (result.status == 201) {
      if (order_id.empty()) {
        order_id = result.json["order_id"];
      }
      EXPECT_EQ(result.json["order_id"], order_id);
    }
  }
  EXPECT_EQ(Balance(line), 1234);
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/lines/" + line + "/orders").json["data"].size(), 1U);
}

// Two instances on one database receive the same Idempotency-Key at the same moment: one order is
// made, and each caller gets its answer (at once, or as a replay after a 409 in-progress retry).
TEST_F(ApiTest, OneKeySentToTwoInstancesAtOnceMakesOneOrder) {
  TestServer other(server_);
  const std::string line = NewLine();
  constexpr int kKeys = 20;
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "two-instances-" + std::to_string(k);
    std::vector<std::string> order_ids(2);
    auto send = [&](TestServer& instance, size_t slot) {
      for (int attempt = 0; attempt < 100; ++attempt) {
        HttpResult result =
            instance.Call(clerk_, "POST", "/v1/lines/" + line + "/topups", Cash(100), key);
        if (result.status == 409 && result.json.value("code", "") == "idempotency_key_in_use") {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        ASSERT_EQ(result.status, 201) << result.body;
        order_ids[slot] = result.json["order_id"];
        return;
      }
      ADD_FAILURE() << "key " << key << " stayed in progress";
    };
    std::thread first([&] { send(server_, 0); });
    std::thread second([&] { send(other, 1); });
    first.join();
    second.join();
    EXPECT_FALSE(order_ids[0].empty());
    EXPECT_EQ(order_ids[0], order_ids[1]) << key;
  }
  EXPECT_EQ(Balance(line), 100 * kKeys);
  EXPECT_EQ(
      server_.Call(admin_, "GET", "/v1/lines/" + line + "/orders?limit=100").json["data"].size(),
      static_cast<size_t>(kKeys));
}

TEST_F(ApiTest, ARetryReplaysEvenWhenTheRequestWouldNowBeRefused) {
  const std::string line = NewLine();
  HttpResult first = TopUp(line, Card(1500, "4242424242424242"), "expiring-card");
  ASSERT_EQ(first.status, 201) << first.body;
  server_.clock().Advance(std::chrono::hours(24 * 365 * 5));  // The card has expired since.
  HttpResult replay = TopUp(line, Card(1500, "4242424242424242"), "expiring-card");
  EXPECT_EQ(replay.status, 201) << replay.body;
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(TopUp(line, Card(1500, "4242424242424242"), "new-key").json["code"],
            "card_expiry_invalid");
  EXPECT_EQ(Balance(line), 1500);
}

TEST_F(ApiTest, PaymentsLeftPendingByAStopAreResolvedWithoutChargingAgain) {
  const std::string line = NewLine();
  cli::Runtime& runtime = server_.runtime();
  // Three card top-ups placed, as if the server stopped before it recorded the provider's
  // answers: one card was charged, one declined, and one request never reached the provider.
  std::vector<std::string> orders;
  for (const char* number : {"4242424242424242", "4000000000000002", "5555555555554444"}) {
    app::TopUpInput input{
        LineId{line}, 2500, app::PayWith("card"),
        app::Requester{"admin", domain::Channel::kApi, std::string("key_test:pending-") + number}};
    input.payment.card = app::CardDetails{number, 12, 2030, "1"};
    std::optional<domain::Payment> placed;
    ASSERT_TRUE(runtime.committer->RunAndWait([&](app::Transaction& transaction) -> Result<void> {
      Result<app::OrderView> view = runtime.orders->PlaceTopUp(transaction, input);
      if (!view) {
        return view.error();
      }
      EXPECT_EQ(view->order.status, domain::OrderStatus::kPending);
      orders.push_back(view->order.id.value);
      placed = view->payment;
      return transaction.InsertIdempotency(
          app::IdempotencyRecord{"key_test", std::string("pending-") + number, "hash", false, 0, "",
                                 server_.clock().Now()});
    }));
    if (std::string(number) != "5555555555554444") {
      runtime.orders->Charge(*placed, input.payment);  // The answer is lost with the process.
    }
  }
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/orders/" + orders[0]).json["status"], "pending");
  http::Api restarted(http::ApiDependencies{.committer = runtime.committer.get(),
                                            .reads = runtime.reads.get(),
                                            .context = &runtime.context,
                                            .lines = runtime.lines.get(),
                                            .orders = runtime.orders.get(),
                                            .payments = runtime.payments.get(),
                                            .auto_renewals = runtime.auto_renewals.get(),
                                            .version = "test"});
  Result<int> resolved = restarted.RecoverPendingPayments();
  ASSERT_TRUE(resolved);
  EXPECT_EQ(*resolved, 3);
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/orders/" + orders[0]).json["status"], "completed");
  HttpResult declined = server_.Call(admin_, "GET", "/v1/orders/" + orders[1]);
  EXPECT_EQ(declined.json["status"], "failed");
  EXPECT_EQ(declined.json["failure_reason"], "card_declined");
  HttpResult never_sent = server_.Call(admin_, "GET", "/v1/orders/" + orders[2]);
  EXPECT_EQ(never_sent.json["status"], "failed");
  EXPECT_EQ(never_sent.json["failure_reason"], "payment_not_started");
  EXPECT_EQ(Balance(line), 2500);
  Result<int> again = restarted.RecoverPendingPayments();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(Balance(line), 2500);
  ASSERT_TRUE(runtime.reads->Read([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<app::IdempotencyRecord>> key =
        transaction.FindIdempotency("key_test", "pending-4242424242424242");
    EXPECT_TRUE(key && key->has_value() && (*key)->completed && (*key)->response_status == 201);
    return Ok();
  }));
}

TEST_F(ApiTest, UnknownRoutesAndMethods) {
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/nothing").json["code"], "route_not_found");
  EXPECT_EQ(server_.Call(admin_, "DELETE", "/v1/plans").status, 405);
  const std::string line = NewLine();
  HttpResult get_topups = server_.Call(admin_, "GET", "/v1/lines/" + line + "/topups");
  EXPECT_EQ(get_topups.status, 405);
  EXPECT_EQ(get_topups.headers["allow"], "POST");
  HttpResult post_status = server_.Call(admin_, "POST", "/v1/lines/" + line + "/status");
  EXPECT_EQ(post_status.status, 405);
  EXPECT_EQ(post_status.headers["allow"], "GET");
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/lines/" + line + "/nothing").status, 404);
  EXPECT_EQ(Send(server_.port(), "GET", "/other").status, 404);
}

}  // namespace
}  // namespace simkeep::testing
