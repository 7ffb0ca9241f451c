// Automatic renewal end to end: the setting through the API, the scheduler renewing from the
// balance or a saved card at the lead time, the monthly cap, retries after failed payments, and
// jobs run once however often and from however many schedulers they are found due. SQLite, and
// PostgreSQL as automation_test_postgres.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "simkeep/app/audit_service.h"
#include "simkeep/app/scheduler.h"
#include "simkeep/base/time.h"
#include "simkeep/storage/postgres/postgres_session.h"
#include "simkeep/storage/sqlite/sqlite_session.h"
#include "test_server.h"

namespace simkeep::testing {
namespace {

constexpr const char* kPlan = "sample-docomo-mvno-2gb";  // ¥850, 30 calendar days.
constexpr int64_t kPrice = 850;
constexpr const char* kExpiry = "2026-11-30T23:59:59+09:00";

class AutomationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = server_.Token("admin");
    clerk_ = server_.Token("clerk");
    kiosk_ = server_.Token("kiosk");
  }

  // An active docomo line whose validity ends at kExpiry, with `balance` yen in its wallet.
  std::string NewLine(int64_t balance) {
    const std::string line = server_.ProvisionLine(admin_, {{"iccid", TestServer::NextIccid()},
                                                            {"carrier", "docomo"},
                                                            {"state", "active"},
                                                            {"plan_id", kPlan},
                                                            {"expires_at", kExpiry}});
    if (balance > 0) {
      HttpResult topup = server_.Call(clerk_, "POST", "/v1/lines/" + line + "/topups",
                                      {{"amount_jpy", balance}, {"payment", {{"method", "cash"}}}},
                                      "cash-" + line);
      EXPECT_EQ(topup.status, 201) << topup.body;
    }
    return line;
  }
  HttpResult Set(const std::string& line, const std::string& method, int64_t cap,
                 bool enabled = true) {
    return server_.Call(admin_, "PUT", "/v1/lines/" + line + "/auto-renewal",
                        {{"enabled", enabled},
                         {"plan_id", kPlan},
                         {"payment_method_id", method},
                         {"monthly_cap_jpy", cap}});
  }
  std::string SaveCard(const std::string& line, const std::string& number) {
    HttpResult saved = server_.Call(
        admin_, "POST", "/v1/lines/" + line + "/payment-methods",
        {{"method", "card"},
         {"card", {{"number", number}, {"exp_month", 12}, {"exp_year", 2030}, {"cvc", "1"}}}},
        "save-" + line + number);
    EXPECT_EQ(saved.status, 201) << saved.body;
    return saved.json["saved_method_id"];
  }
  Json Status(const std::string& line) {
    return server_.Call(admin_, "GET", "/v1/lines/" + line + "/status").json;
  }
  std::string ExpiresAt(const std::string& line) {
    return server_.Call(admin_, "GET", "/v1/lines/" + line).json["expires_at"];
  }
  int CountEvents(const std::string& line, const std::string& kind) {
    int count = 0;
    const Json status = Status(line);
    for (const Json& event : status["events"]) {
      count += event["kind"] == kind ? 1 : 0;
    }
    return count;
  }
  void At(const char* rfc3339) { server_.clock().Set(*ParseRfc3339(rfc3339)); }
  app::SchedulerReport Tick() {
    Result<app::SchedulerReport> report = server_.runtime().scheduler->RunDue();
    EXPECT_TRUE(report) << report.error().reason << ": " << report.error().message;
    return report ? *report : app::SchedulerReport{};
  }
  // What a pass did besides reminders.
  static int Work(const app::SchedulerReport& report) { return report.total() - report.reminders; }
  void ExpectAuditPasses() {
    ASSERT_TRUE(server_.runtime().reads->Read([](app::Transaction& transaction) -> Result<void> {
      Result<app::DatabaseAudit> audit = app::AuditDatabase(transaction, nullptr);
      EXPECT_TRUE(audit);
      if (audit) {
        EXPECT_TRUE(audit->ledger.violations.empty());
        EXPECT_TRUE(audit->order_violations.empty());
      }
      return Ok();
    }));
  }

  // Runs `sql` on a connection of its own to the server's database (to inject a fault).
  void ExecuteSql(const std::string& sql) {
    Result<std::unique_ptr<app::Session>> session = server_.runtime().database->Connect();
    ASSERT_TRUE(session);
    Result<void> done =
        server_.database().postgresql()
            ? static_cast<storage::postgres::PostgresSession&>(**session).ExecuteForTest(sql)
            : static_cast<storage::sqlite::SqliteSession&>(**session).ExecuteForTest(sql);
    ASSERT_TRUE(done) << done.error().message;
  }

  TestServer server_;
  std::string admin_, clerk_, kiosk_;
};

TEST_F(AutomationTest, TheSettingIsCheckedStoredAndShown) {
  const std::string line = NewLine(0);
  const std::string path = "/v1/lines/" + line + "/auto-renewal";
  HttpResult none = server_.Call(admin_, "GET", path);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.json["enabled"], false);
  EXPECT_TRUE(none.json["plan_id"].is_null());

  EXPECT_TRUE(Status(line)["auto_renewal"].is_null());
  HttpResult stored = Set(line, "balance", 2000);
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(Status(line)["auto_renewal"], stored.json);
  EXPECT_EQ(stored.json["enabled"], true);
  EXPECT_EQ(stored.json["plan_id"], kPlan);
  EXPECT_EQ(stored.json["monthly_cap_jpy"], 2000);
  EXPECT_EQ(server_.Call(admin_, "GET", path).body, stored.body);

  EXPECT_EQ(Set(line, "balance", 0).json["code"], "monthly_cap_invalid");
  EXPECT_EQ(Set(line, "pm_nope", 2000).json["code"], "saved_method_not_found");
  EXPECT_EQ(server_.Call(admin_, "PUT", path, {{"enabled", true}}).json["code"],
            "validation_failed");
  HttpResult not_auto = server_.Call(admin_, "PUT", path,
                                     {{"enabled", true},
                                      {"plan_id", "sample-docomo-visitor-5gb-21d"},
                                      {"payment_method_id", "balance"},
                                      {"monthly_cap_jpy", 5000}});
  EXPECT_EQ(not_auto.json["code"], "plan_not_auto_renewable");
  HttpResult other_carrier = server_.Call(admin_, "PUT", path,
                                          {{"enabled", true},
                                           {"plan_id", "sample-rakuten-unlimited"},
                                           {"payment_method_id", "balance"},
                                           {"monthly_cap_jpy", 5000}});
  EXPECT_EQ(other_carrier.json["code"], "plan_carrier_mismatch");
  // Another line's card cannot pay for this one.
  const std::string other = NewLine(0);
  EXPECT_EQ(Set(line, SaveCard(other, "4242424242424242"), 2000).json["code"],
            "saved_method_not_found");
  EXPECT_EQ(server_.Call(kiosk_, "GET", path).status, 403);
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/lines/ln_nope/auto-renewal").json["code"],
            "line_not_found");
  EXPECT_EQ(server_.Call(admin_, "DELETE", path).status, 405);
  // Nothing refused changed the stored setting.
  EXPECT_EQ(server_.Call(admin_, "GET", path).body, stored.body);
}

TEST_F(AutomationTest, RenewsFromTheBalanceAtTheLeadTimeOnce) {
  const std::string line = NewLine(2000);
  ASSERT_EQ(Set(line, "balance", 5000).status, 200);
  // Two days before the end: not due.
  At("2026-11-28T23:59:59+09:00");
  EXPECT_EQ(Work(Tick()), 0);
  // 24 hours before: renewed, once.
  At("2026-11-29T23:59:59+09:00");
  app::SchedulerReport report = Tick();
  EXPECT_EQ(report.started, 1);
  EXPECT_EQ(report.renewed, 1);
  EXPECT_EQ(Status(line)["balance_jpy"], 2000 - kPrice);
  // Bought before the end, a monthly plan continues the validity: 30 days counting the day
  // after the current end as the first, so renewing ahead loses no day.
  EXPECT_EQ(ExpiresAt(line), "2026-12-30T23:59:59+09:00");
  EXPECT_EQ(Work(Tick()), 0);
  server_.clock().Advance(std::chrono::hours{1});
  EXPECT_EQ(Work(Tick()), 0);
  EXPECT_EQ(Status(line)["balance_jpy"], 2000 - kPrice);
  // The next period renews a month later (the cap counts per JST month: ¥1,700 in two months).
  At("2026-12-29T23:59:58+09:00");
  EXPECT_EQ(Tick().renewed, 0);
  At("2026-12-29T23:59:59+09:00");
  EXPECT_EQ(Tick().renewed, 1);
  EXPECT_EQ(ExpiresAt(line), "2027-01-29T23:59:59+09:00");
  EXPECT_EQ(Status(line)["balance_jpy"], 2000 - 2 * kPrice);
  ExpectAuditPasses();
}

TEST_F(AutomationTest, ADataToppingIsBoughtOnceEachTimeTheDataFallsBelowTheThreshold) {
  constexpr const char* kTopping = "sample-docomo-visitor-day-1gb";  // ¥500, 1 GB.
  constexpr int64_t kMb = 1'000'000;
  const std::string line = NewLine(3000);
  HttpResult bought =
      server_.Call(clerk_, "POST", "/v1/lines/" + line + "/renewals",
                   {{"plan_id", kPlan}, {"payment", {{"method", "balance"}}}}, "first-2gb");
  ASSERT_EQ(bought.status, 201) << bought.body;
  const std::string path = "/v1/lines/" + line + "/auto-renewal";
  const auto put = [&](const Json& topup_plan, const Json& below) {
    return server_.Call(admin_, "PUT", path,
                        {{"enabled", true},
                         {"plan_id", kPlan},
                         {"payment_method_id", "balance"},
                         {"monthly_cap_jpy", 1000},
                         {"topup_plan_id", topup_plan},
                         {"topup_below_bytes", below}});
  };
  EXPECT_EQ(put(kPlan, 500 * kMb).json["code"], "topup_plan_invalid");
  EXPECT_EQ(put("sample-au-topping-3gb", 500 * kMb).json["code"], "plan_carrier_mismatch");
  EXPECT_EQ(put("sample-nope", 500 * kMb).json["code"], "plan_not_found");
  EXPECT_EQ(put(kTopping, nullptr).json["code"], "auto_topup_incomplete");
  EXPECT_EQ(put(nullptr, 500 * kMb).json["code"], "auto_topup_incomplete");
  EXPECT_EQ(put(kTopping, 0).json["code"], "topup_below_bytes_invalid");
  HttpResult set = put(kTopping, 500 * kMb);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json["topup_plan_id"], kTopping);
  EXPECT_EQ(set.json["topup_below_bytes"], 500 * kMb);
  const std::string network = server_.Token("operator");
  int serial = 0;
  const auto use = [&](int64_t bytes) {
    const std::string at = FormatRfc3339Jst(server_.clock().Now());
    HttpResult used = server_.Call(network, "POST", "/v1/usage",
                                   {{"records",
                                     {{{"record_id", "u-" + std::to_string(++serial)},
                                       {"line_id", line},
                                       {"kind", "data"},
                                       {"quantity", bytes},
                                       {"start", at},
                                       {"end", at}}}}});
    EXPECT_EQ(used.status, 200) << used.body;
    server_.clock().Advance(std::chrono::minutes{1});
  };
  const auto data_left = [&] {
    int64_t left = 0;
    const Json status = Status(line);
    for (const Json& bucket : status["buckets"]) {
      left += bucket["remaining"].get<int64_t>();
    }
    return left;
  };
  const int64_t balance = 3000 - kPrice;
  use(1'500 * kMb);  // 500 MB left: not below yet.
  EXPECT_EQ(Work(Tick()), 0);
  use(100 * kMb);  // 400 MB: below. The next pass buys the topping, once.
  app::SchedulerReport report = Tick();
  EXPECT_EQ(report.topped_up, 1);
  EXPECT_EQ(report.renewed, 0);
  EXPECT_EQ(Work(Tick()), 0);
  EXPECT_EQ(Status(line)["balance_jpy"], balance - 500);
  EXPECT_EQ(data_left(), 1'400 * kMb);
  use(800 * kMb);  // 600 MB: above again, nothing bought.
  EXPECT_EQ(Work(Tick()), 0);
  use(200 * kMb);  // 400 MB: below again, bought again.
  EXPECT_EQ(Tick().topped_up, 1);
  EXPECT_EQ(Status(line)["balance_jpy"], balance - 1000);
  // The third would take the month's automatic charges to ¥1,500, above the ¥1,000 cap.
  use(1'000 * kMb);
  EXPECT_EQ(CountEvents(line, "auto_topup_skipped"), 1);
  EXPECT_EQ(Work(Tick()), 0);
  EXPECT_EQ(Status(line)["balance_jpy"], balance - 1000);
  EXPECT_EQ(data_left(), 400 * kMb);
  ExpectAuditPasses();
}

TEST_F(AutomationTest, TheMonthlyCapSkipsARenewalAndChargesNothing) {
  const std::string line = NewLine(5000);
  ASSERT_EQ(Set(line, "balance", kPrice - 1).status, 200);
  At("2026-11-30T00:00:00+09:00");
  app::SchedulerReport report = Tick();
  EXPECT_EQ(report.started, 1);
  EXPECT_EQ(report.skipped, 1);
  EXPECT_EQ(report.renewed, 0);
  EXPECT_EQ(Status(line)["balance_jpy"], 5000);
  EXPECT_EQ(ExpiresAt(line), kExpiry);
  EXPECT_EQ(CountEvents(line, "auto_renewal_skipped"), 1);
  // Found due again, it is not attempted again for the same validity end.
  EXPECT_EQ(Work(Tick()), 0);
  ExpectAuditPasses();
}

TEST_F(AutomationTest, SwitchedOffBeforeItIsDueNothingHappens) {
  const std::string line = NewLine(5000);
  ASSERT_EQ(Set(line, "balance", 5000).status, 200);
  ASSERT_EQ(Set(line, "balance", 5000, /*enabled=*/false).status, 200);
  At("2026-11-30T12:00:00+09:00");
  EXPECT_EQ(Work(Tick()), 0);
  EXPECT_EQ(Status(line)["balance_jpy"], 5000);
}

TEST_F(AutomationTest, AShortBalanceIsRetriedAndRenewsOnceToppedUp) {
  const std::string line = NewLine(100);
  ASSERT_EQ(Set(line, "balance", 5000).status, 200);
  At("2026-11-30T00:00:00+09:00");
  app::SchedulerReport first = Tick();
  EXPECT_EQ(first.failed, 1);
  EXPECT_EQ(first.gave_up, 0);
  EXPECT_EQ(CountEvents(line, "auto_renewal_failed"), 1);
  // Not again before an hour has passed.
  server_.clock().Advance(std::chrono::minutes{59});
  EXPECT_EQ(Work(Tick()), 0);
  HttpResult topup =
      server_.Call(clerk_, "POST", "/v1/lines/" + line + "/topups",
                   {{"amount_jpy", 1000}, {"payment", {{"method", "cash"}}}}, "more-cash");
  ASSERT_EQ(topup.status, 201) << topup.body;
  server_.clock().Advance(std::chrono::minutes{2});
  EXPECT_EQ(Tick().renewed, 1);
  EXPECT_EQ(Status(line)["balance_jpy"], 1100 - kPrice);
  EXPECT_EQ(ExpiresAt(line), "2026-12-30T23:59:59+09:00");
  ExpectAuditPasses();
}

TEST_F(AutomationTest, ASavedCardPaysAndADeclinedOneIsRetriedThenGivenUp) {
  const std::string good = NewLine(0);
  ASSERT_EQ(Set(good, SaveCard(good, "4242424242424242"), 5000).status, 200);
  const std::string bad = NewLine(0);
  ASSERT_EQ(Set(bad, SaveCard(bad, "4000000000000341"), 5000).status, 200);
  At("2026-11-30T00:00:00+09:00");
  app::SchedulerReport report = Tick();
  EXPECT_EQ(report.started, 2);
  EXPECT_EQ(report.renewed, 1);
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(ExpiresAt(good), "2026-12-30T23:59:59+09:00");
  EXPECT_EQ(Status(good)["balance_jpy"], 0);  // A renewal paid by card leaves the wallet alone.
  // +1 h, +1 day, +3 days: four attempts in all, then it gives up.
  for (auto wait : {std::chrono::hours{1}, std::chrono::hours{24}, std::chrono::hours{72}}) {
    EXPECT_EQ(Work(Tick()), 0);  // Not due yet.
    server_.clock().Advance(wait);
    EXPECT_EQ(Tick().failed, 1);
  }
  // Given up: a month later nothing is tried again for that validity end (the other line,
  // switched off, stays quiet too).
  ASSERT_EQ(Set(good, "balance", 5000, /*enabled=*/false).status, 200);
  server_.clock().Advance(std::chrono::hours{24 * 30});
  app::SchedulerReport later = Tick();
  EXPECT_EQ(later.started + later.failed + later.renewed, 0);
  EXPECT_EQ(CountEvents(bad, "auto_renewal_failed"), 4);
  EXPECT_EQ(ExpiresAt(bad), kExpiry);
  // Unrenewed, the line went through grace and suspension to termination (docomo's rule: 2
  // days of grace, 30 suspended).
  EXPECT_EQ(Status(bad)["state"], "terminated");
  // Every attempt is one order, paid again after each decline: one order, four payments.
  HttpResult orders = server_.Call(admin_, "GET", "/v1/lines/" + bad + "/orders");
  ASSERT_EQ(orders.json["data"].size(), 1u);
  EXPECT_EQ(orders.json["data"][0]["status"], "failed");
  ExpectAuditPasses();
}

TEST_F(AutomationTest, AnUnrenewedLineWalksItsCarriersKeepRuleAndARenewalInGraceRestoresIt) {
  const std::string kept = NewLine(2000);
  const std::string lapsed = NewLine(0);
  // At the validity end both enter grace.
  At(kExpiry);
  EXPECT_EQ(Tick().lifecycle, 2);
  EXPECT_EQ(Status(kept)["state"], "grace");
  EXPECT_EQ(Status(lapsed)["state"], "grace");
  EXPECT_EQ(Tick().lifecycle, 0);
  // Renewed in grace: active again, with a new validity end.
  HttpResult renewed =
      server_.Call(admin_, "POST", "/v1/lines/" + kept + "/renewals",
                   {{"plan_id", kPlan}, {"payment", {{"method", "balance"}}}}, "renew-in-grace");
  ASSERT_EQ(renewed.status, 201) << renewed.body;
  EXPECT_EQ(Status(kept)["state"], "active");
  // Docomo keeps grace 2 days, then suspends; 30 days later the number is terminated.
  At("2026-12-02T23:59:58+09:00");
  EXPECT_EQ(Tick().lifecycle, 0);
  At("2026-12-02T23:59:59+09:00");
  EXPECT_EQ(Tick().lifecycle, 1);
  EXPECT_EQ(Status(lapsed)["state"], "suspended");
  // By then the renewed line's new validity (to 30 December) has run out and its grace too.
  At("2027-01-01T23:59:59+09:00");
  EXPECT_EQ(Tick().lifecycle, 2);
  const Json status = Status(lapsed);
  EXPECT_EQ(status["state"], "terminated");
  std::vector<std::string> reasons;
  for (const Json& event : status["events"]) {
    if (event["kind"] == "state_changed") {
      reasons.push_back(event["reason"]);
    }
  }
  EXPECT_EQ(reasons,
            (std::vector<std::string>{"suspension_ended", "grace_ended", "validity_ended"}));
  EXPECT_EQ(Status(kept)["state"], "suspended");
  ExpectAuditPasses();
}

// au's povo-style rule: a line whose last paid topping ran out stays in grace (on its base plan,
// at the lowest speed) for the 180-day keep window, is suspended, and terminated 30 days later.
// Its number is then lost to it and held 180 days before another line may have it.
TEST_F(AutomationTest, CallsPaidAboveTheMinimumKeepAnAuLineForAnotherKeepWindow) {
  const auto au_line = [&](const std::string& key) {
    const std::string line = server_.ProvisionLine(admin_, {{"iccid", TestServer::NextIccid()},
                                                            {"carrier", "au"},
                                                            {"service", "voice"},
                                                            {"state", "active"},
                                                            {"plan_id", "sample-au-base"},
                                                            {"expires_at", kExpiry}});
    HttpResult funded =
        server_.Call(clerk_, "POST", "/v1/lines/" + line + "/topups",
                     {{"amount_jpy", 2000}, {"payment", {{"method", "cash"}}}}, key);
    EXPECT_EQ(funded.status, 201) << funded.body;
    return line;
  };
  const std::string spent = au_line("fund-spent");
  const std::string kept = au_line("fund-kept");
  At(kExpiry);
  EXPECT_EQ(Tick().lifecycle, 2);
  // Calls in grace, at ¥22 per started 30 s: exactly the ¥660 minimum, and ¥704 above it.
  const std::string network = server_.Token("operator");
  At("2027-01-10T10:00:00+09:00");
  const std::string at = FormatRfc3339Jst(server_.clock().Now());
  HttpResult used = server_.Call(network, "POST", "/v1/usage",
                                 {{"records",
                                   {{{"record_id", "c-1"},
                                     {"line_id", spent},
                                     {"kind", "voice"},
                                     {"quantity", 900},
                                     {"start", at},
                                     {"end", at}},
                                    {{"record_id", "c-2"},
                                     {"line_id", kept},
                                     {"kind", "voice"},
                                     {"quantity", 960},
                                     {"start", at},
                                     {"end", at}}}}});
  ASSERT_EQ(used.status, 200) << used.body;
  EXPECT_EQ(used.json["charged_jpy"], 660 + 704);
  // At the keep window's end: the line whose calls were not above the minimum is suspended; the
  // other starts its next window there.
  At("2027-05-29T23:59:59+09:00");
  EXPECT_EQ(Tick().lifecycle, 2);
  EXPECT_EQ(Status(spent)["state"], "suspended");
  const Json status = Status(kept);
  EXPECT_EQ(status["state"], "grace");
  EXPECT_EQ(status["expires_at"], "2027-05-29T23:59:59+09:00");
  EXPECT_EQ(CountEvents(kept, "keep_window_restarted"), 1);
  EXPECT_EQ(Tick().lifecycle, 0);
  At("2027-06-28T23:59:59+09:00");  // au: terminated 30 days after the suspension.
  EXPECT_EQ(Tick().lifecycle, 1);
  EXPECT_EQ(Status(spent)["state"], "terminated");
  EXPECT_EQ(Status(kept)["state"], "grace");
  // Nothing paid in the next window: suspended at its end, 180 days on.
  At("2027-11-25T23:59:58+09:00");
  EXPECT_EQ(Tick().lifecycle, 0);
  At("2027-11-25T23:59:59+09:00");
  EXPECT_EQ(Tick().lifecycle, 1);
  EXPECT_EQ(Status(kept)["state"], "suspended");
  EXPECT_EQ(CountEvents(kept, "keep_window_restarted"), 1);
  ExpectAuditPasses();
}

TEST_F(AutomationTest, AnAuLineIsKeptForTheKeepWindowThenItsNumberIsQuarantined) {
  const Json body = {{"iccid", TestServer::NextIccid()},
                     {"carrier", "au"},
                     {"service", "voice"},
                     {"msisdn", "090-4444-0001"},
                     {"state", "active"},
                     {"plan_id", "sample-au-base"},
                     {"expires_at", kExpiry}};
  const std::string line = server_.ProvisionLine(admin_, body);
  At(kExpiry);
  EXPECT_EQ(Tick().lifecycle, 1);
  EXPECT_EQ(Status(line)["state"], "grace");
  // 180 days after 30 November 2026, across February: 29 May 2027 at 23:59:59 JST.
  At("2027-05-29T23:59:58+09:00");
  EXPECT_EQ(Tick().lifecycle, 0);
  At("2027-05-29T23:59:59+09:00");
  EXPECT_EQ(Tick().lifecycle, 1);
  EXPECT_EQ(Status(line)["state"], "suspended");
  At("2027-06-28T23:59:59+09:00");
  EXPECT_EQ(Tick().lifecycle, 1);
  const Json status = Status(line);
  EXPECT_EQ(status["state"], "terminated");
  EXPECT_TRUE(status["msisdn"].is_null()) << status.dump();
  std::vector<std::string> reasons;
  for (const Json& event : status["events"]) {
    if (event["kind"] == "state_changed") {
      reasons.push_back(event["reason"]);
    }
  }
  EXPECT_EQ(reasons,
            (std::vector<std::string>{"suspension_ended", "keep_window_ended", "validity_ended"}));
  // The terminated line is still found by its ICCID, no longer by the number it lost.
  EXPECT_EQ(server_.Call(admin_, "GET", "/v1/lines?msisdn=09044440001").json["data"].size(), 0U);
  // The number is held until 180 days after the termination.
  Json again = body;
  again["iccid"] = TestServer::NextIccid();
  At("2027-12-25T23:59:58+09:00");
  HttpResult held = server_.Call(admin_, "POST", "/v1/lines", again);
  EXPECT_EQ(held.status, 409) << held.body;
  EXPECT_EQ(held.json["code"], "msisdn_quarantined");
  EXPECT_NE(held.json["detail"].get<std::string>().find("2027-12-25"), std::string::npos);
  At("2027-12-25T23:59:59+09:00");
  HttpResult reassigned = server_.Call(admin_, "POST", "/v1/lines", again);
  ASSERT_EQ(reassigned.status, 201) << reassigned.body;
  EXPECT_EQ(reassigned.json["msisdn"], "+819044440001");
  ExpectAuditPasses();
}

// One line whose update the database refuses (a fault injected by a trigger) fails only its own
// work: the pass goes on, reports it, and the next pass does it once the fault is gone.
TEST_F(AutomationTest, OneLinesFailingWorkDoesNotHoldUpTheRestOfThePass) {
  const std::string broken = NewLine(0);
  const std::string fine = NewLine(0);
  if (server_.database().postgresql()) {
    ExecuteSql(
        "CREATE FUNCTION refuse_update() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION "
        "'injected fault'; END $$ LANGUAGE plpgsql; CREATE TRIGGER refuse_one BEFORE UPDATE ON "
        "lines FOR EACH ROW WHEN (OLD.line_id = '" +
        broken + "') EXECUTE FUNCTION refuse_update()");
  } else {
    ExecuteSql("CREATE TRIGGER refuse_one BEFORE UPDATE ON lines WHEN OLD.line_id = '" + broken +
               "' BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
  }
  At(kExpiry);
  const app::SchedulerReport report = Tick();
  EXPECT_EQ(report.lifecycle, 1);
  ASSERT_EQ(report.errors.size(), 1U);
  EXPECT_EQ(report.errors[0].line_id.value, broken);
  EXPECT_EQ(report.errors[0].work, "lifecycle");
  EXPECT_EQ(Status(fine)["state"], "grace");
  EXPECT_EQ(Status(broken)["state"], "active");
  ExecuteSql("DROP TRIGGER refuse_one" +
             std::string(server_.database().postgresql() ? " ON lines" : ""));
  const app::SchedulerReport next = Tick();
  EXPECT_EQ(next.lifecycle, 1);
  EXPECT_TRUE(next.errors.empty());
  EXPECT_EQ(Status(broken)["state"], "grace");
  EXPECT_EQ(CountEvents(broken, "state_changed"), 1);
  ExpectAuditPasses();
}

TEST_F(AutomationTest, TwoSchedulersRacingRenewOnce) {
  std::vector<std::string> lines;
  for (int i = 0; i < 6; ++i) {
    lines.push_back(NewLine(2000));
    ASSERT_EQ(Set(lines.back(), "balance", 5000).status, 200);
  }
  At("2026-11-30T00:00:00+09:00");
  cli::Runtime& rt = server_.runtime();
  app::Scheduler other(*rt.committer, *rt.reads, rt.context, *rt.orders, *rt.payments);
  app::SchedulerReport mine, theirs;
  std::thread racer([&] {
    Result<app::SchedulerReport> report = other.RunDue();
    EXPECT_TRUE(report);
    if (report) {
      theirs = *report;
    }
  });
  mine = Tick();
  racer.join();
  EXPECT_EQ(mine.renewed + theirs.renewed, 6);
  for (const std::string& line : lines) {
    EXPECT_EQ(Status(line)["balance_jpy"], 2000 - kPrice);
  }
  ExpectAuditPasses();
}

TEST_F(AutomationTest, AJobLeftWithoutItsOrderByACrashIsAttemptedAgain) {
  const std::string line = NewLine(2000);
  ASSERT_EQ(Set(line, "balance", 5000).status, 200);
  At("2026-11-30T00:00:00+09:00");
  // The job's first command committed; the process stopped before its order was placed.
  ASSERT_TRUE(server_.runtime().committer->RunAndWait([&](app::Transaction& transaction) {
    domain::SchedulerJob job;
    job.line_id = LineId{line};
    job.period_end = *ParseRfc3339(kExpiry);
    job.amount_jpy = kPrice;
    job.created_at = server_.clock().Now();
    job.updated_at = job.created_at;
    return transaction.InsertSchedulerJob(job);
  }));
  app::SchedulerReport report = Tick();
  EXPECT_EQ(report.started, 0);
  EXPECT_EQ(report.renewed, 1);
  EXPECT_EQ(Status(line)["balance_jpy"], 2000 - kPrice);
  EXPECT_EQ(Work(Tick()), 0);
  ExpectAuditPasses();
}

TEST_F(AutomationTest, ALineWhoseRenewalIsStillQueuedIsNotMovedToGrace) {
  // Two lines due after a stop that outlasted their validity; passes of one renewal each.
  const std::string first = NewLine(2000);
  const std::string second = NewLine(2000);
  ASSERT_EQ(Set(first, "balance", 5000).status, 200);
  ASSERT_EQ(Set(second, "balance", 5000).status, 200);
  cli::Runtime& rt = server_.runtime();
  app::SchedulerOptions one_at_a_time;
  one_at_a_time.batch = 1;
  app::Scheduler scheduler(*rt.committer, *rt.reads, rt.context, *rt.orders, *rt.payments,
                           one_at_a_time);
  At("2026-12-01T06:00:00+09:00");  // Both validities ended at 2026-11-30T23:59:59+09:00.
  Result<app::SchedulerReport> pass = scheduler.RunDue();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->renewed, 1);
  EXPECT_EQ(pass->lifecycle, 0);  // The other line waits for its renewal, still active.
  EXPECT_EQ(Status(first)["state"], "active");
  EXPECT_EQ(Status(second)["state"], "active");
  pass = scheduler.RunDue();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->renewed, 1);
  EXPECT_EQ(CountEvents(first, "state_changed") + CountEvents(second, "state_changed"), 0);
  EXPECT_NE(ExpiresAt(first), kExpiry);
  EXPECT_NE(ExpiresAt(second), kExpiry);
  ExpectAuditPasses();
}

}  // namespace
}  // namespace simkeep::testing
