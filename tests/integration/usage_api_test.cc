// Usage end to end through POST /v1/usage: records applied to a line's buckets once, however
// often they are sent and from however many servers; the throttle steps, the daily cap and the
// bucket's last second; the status's speed and daily history; voice and SMS beyond the
// allowances charged to the wallet. SQLite, and PostgreSQL as
// usage_api_test_postgres.

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "simkeep/app/audit_service.h"
#include "simkeep/base/time.h"
#include "test_server.h"

namespace simkeep::testing {
namespace {

constexpr int64_t kGb = 1'000'000'000;

class UsageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = server_.Token("admin");
    clerk_ = server_.Token("clerk");
    operator_ = server_.Token("operator");
  }

  // An active line on `carrier` with `plan` bought now from its balance.
  std::string NewLine(const std::string& carrier, const std::string& plan, int64_t price) {
    const std::string line = server_.ProvisionLine(
        admin_, {{"iccid", TestServer::NextIccid()}, {"carrier", carrier}, {"service", "data"}});
    Buy(line, plan, price);
    return line;
  }
  void Buy(const std::string& line, const std::string& plan, int64_t price) {
    HttpResult topup = server_.Call(clerk_, "POST", "/v1/lines/" + line + "/topups",
                                    {{"amount_jpy", price}, {"payment", {{"method", "cash"}}}},
                                    "cash-" + line + plan + std::to_string(++serial_));
    ASSERT_EQ(topup.status, 201) << topup.body;
    HttpResult renewed = server_.Call(clerk_, "POST", "/v1/lines/" + line + "/renewals",
                                      {{"plan_id", plan}, {"payment", {{"method", "balance"}}}},
                                      "renew-" + line + plan + std::to_string(++serial_));
    ASSERT_EQ(renewed.status, 201) << renewed.body;
  }
  static Json Record(const std::string& id, const std::string& line, const std::string& kind,
                     int64_t quantity, Timestamp at) {
    return {{"record_id", id},
            {"line_id", line},
            {"kind", kind},
            {"quantity", quantity},
            {"start", FormatRfc3339Jst(at)},
            {"end", FormatRfc3339Jst(at)}};
  }
  Json Send(const std::vector<Json>& records) {
    Json body = {{"records", Json::array()}};
    for (const Json& record : records) {
      body["records"].push_back(record);
    }
    HttpResult sent = server_.Call(operator_, "POST", "/v1/usage", body);
    EXPECT_EQ(sent.status, 200) << sent.body.substr(0, 400);
    return sent.json;
  }
  Json Status(const std::string& line) {
    return server_.Call(admin_, "GET", "/v1/lines/" + line + "/status").json;
  }
  int64_t DataLeft(const std::string& line) {
    int64_t left = 0;
    const Json status = Status(line);
    for (const Json& bucket : status["buckets"]) {
      left += bucket["kind"] == "data" ? bucket["remaining"].get<int64_t>() : 0;
    }
    return left;
  }
  std::vector<std::string> SpeedEvents(const std::string& line) {
    std::vector<std::string> reasons;
    const Json status = Status(line);
    for (const Json& event : status["events"]) {
      if (event["kind"] == "speed_changed") {
        reasons.push_back(event["reason"]);
      }
    }
    std::reverse(reasons.begin(), reasons.end());  // Oldest first.
    return reasons;
  }
  Timestamp Now() { return server_.clock().Now(); }
  int64_t Balance(const std::string& line) { return Status(line)["balance_jpy"].get<int64_t>(); }
  int CountEvents(const std::string& line, const std::string& kind) {
    const Json status = Status(line);
    return static_cast<int>(
        std::count_if(status["events"].begin(), status["events"].end(),
                      [&](const Json& event) { return event["kind"] == kind; }));
  }
  void ExpectAuditPasses(int64_t usage_charges) {
    ASSERT_TRUE(server_.runtime().reads->Read([&](app::Transaction& transaction) -> Result<void> {
      Result<app::DatabaseAudit> audit = app::AuditDatabase(transaction, nullptr);
      EXPECT_TRUE(audit);
      if (audit) {
        EXPECT_TRUE(audit->ledger.violations.empty());
        EXPECT_TRUE(audit->order_violations.empty()) << audit->order_violations.front();
        EXPECT_EQ(audit->usage_charges, usage_charges);
      }
      return Ok();
    }));
  }

  TestServer server_;
  std::string admin_, clerk_, operator_;
  int serial_ = 0;
};

TEST_F(UsageTest, DataRunsOutThroughTheThrottleStepsAndARenewalRestoresFullSpeed) {
  // 10 GB, then 300 kbps for 5 GB more, then 128 kbps.
  const std::string line = NewLine("softbank", "sample-softbank-linemo-10gb", 2090);
  EXPECT_TRUE(Status(line)["speed_kbps"].is_null());
  Json first = Send({Record("d-1", line, "data", 6 * kGb, Now()),
                     Record("d-2", line, "data", 4 * kGb - 1, Now())});
  EXPECT_EQ(first["accepted"], 2);
  EXPECT_EQ(DataLeft(line), 1);
  EXPECT_TRUE(Status(line)["speed_kbps"].is_null());
  Send({Record("d-3", line, "data", 1, Now())});
  EXPECT_EQ(Status(line)["speed_kbps"], 300);
  Send({Record("d-4", line, "data", 5 * kGb - 1, Now())});
  EXPECT_EQ(Status(line)["speed_kbps"], 300);
  Send({Record("d-5", line, "data", 1, Now())});
  EXPECT_EQ(Status(line)["speed_kbps"], 128);
  // A renewal grants 10 GB again: full speed at once, and the overage starts from zero.
  server_.clock().Advance(std::chrono::hours(1));
  Buy(line, "sample-softbank-linemo-10gb", 2090);
  EXPECT_TRUE(Status(line)["speed_kbps"].is_null());
  Send({Record("d-6", line, "data", 10 * kGb + 1, Now())});
  EXPECT_EQ(Status(line)["speed_kbps"], 300);
  // Cut to 300, then 128; restored by the renewal; cut to 300 again.
  EXPECT_EQ(SpeedEvents(line),
            (std::vector<std::string>{"throttled", "throttled", "restored", "throttled"}));
}

TEST_F(UsageTest, ARecordIsCountedOnceInABatchAcrossBatchesAndAcrossServers) {
  const std::string line = NewLine("docomo", "sample-docomo-ahamo-30gb", 2970);
  const int64_t start = DataLeft(line);
  std::vector<Json> batch;
  for (int i = 0; i < 50; ++i) {
    batch.push_back(Record("r-" + std::to_string(i), line, "data", 1'000'000, Now()));
  }
  batch.push_back(batch[0]);  // Repeated inside the batch.
  Json first = Send(batch);
  EXPECT_EQ(first["accepted"], 50);
  EXPECT_EQ(first["duplicates"], Json::array({"r-0"}));
  Json again = Send(batch);
  EXPECT_EQ(again["accepted"], 0);
  EXPECT_EQ(again["duplicates"].size(), 51U);
  EXPECT_EQ(DataLeft(line), start - 50'000'000);
  // Two servers on one database sent overlapping batches at once: each record counts once (a
  // request that raced another may be told to send its batch again).
  TestServer second(server_);
  Json shared = {{"records", Json::array()}};
  for (int i = 0; i < 200; ++i) {
    shared["records"].push_back(Record("s-" + std::to_string(i), line, "data", 1'000, Now()));
  }
  int64_t accepted = 0;
  std::vector<std::thread> senders;
  std::mutex mutex;
  for (TestServer* target : {&server_, &second}) {
    senders.emplace_back([&, target] {
      for (int attempt = 0; attempt < 5; ++attempt) {
        HttpResult sent = target->Call(operator_, "POST", "/v1/usage", shared);
        if (sent.status == 409 && sent.json["code"] == "usage_conflict") {
          continue;
        }
        EXPECT_EQ(sent.status, 200) << sent.body;
        std::lock_guard<std::mutex> lock(mutex);
        accepted += sent.json.value("accepted", int64_t{0});
        return;
      }
      ADD_FAILURE() << "never applied";
    });
  }
  for (std::thread& sender : senders) {
    sender.join();
  }
  EXPECT_EQ(accepted, 200);
  EXPECT_EQ(DataLeft(line), start - 50'000'000 - 200'000);
  const Json days = Status(line)["daily_usage"];
  ASSERT_EQ(days.size(), 1U);
  EXPECT_EQ(days[0]["data_bytes"], 50'000'000 + 200'000);
}

TEST_F(UsageTest, TheDailyCapThrottlesUntilMidnightJst) {
  // 700 MB over 7 days, at most 100 MB a day, 200 kbps beyond it.
  const std::string line = NewLine("docomo", "sample-docomo-daily-100mb-7d", 1800);
  const Timestamp morning = *ParseRfc3339("2026-11-23T09:00:00+09:00");
  server_.clock().Set(morning);
  Send({Record("c-1", line, "data", 120'000'000, morning)});
  EXPECT_EQ(Status(line)["speed_kbps"], 200);
  EXPECT_EQ(DataLeft(line), 600'000'000);  // Only the capped 100 MB were taken.
  server_.clock().Set(*ParseRfc3339("2026-11-23T23:59:59+09:00"));
  EXPECT_EQ(Status(line)["speed_kbps"], 200);
  server_.clock().Set(*ParseRfc3339("2026-11-24T00:00:00+09:00"));
  EXPECT_TRUE(Status(line)["speed_kbps"].is_null());
  const Json days = Status(line)["daily_usage"];
  ASSERT_EQ(days.size(), 1U);
  EXPECT_EQ(days[0]["date"], "2026-11-23");
  EXPECT_EQ(days[0]["data_bytes"], 120'000'000);
}

TEST_F(UsageTest, ALateRecordUsesTheBucketOfItsOwnTimeUpToItsLastSecond) {
  // A 3 GB topping bought now runs to 23:59:59 JST thirty days on.
  const std::string line = NewLine("au", "sample-au-topping-3gb", 990);
  const Json bucket = Status(line)["buckets"][0];
  const Timestamp last = *ParseRfc3339(bucket["expires_at"].get<std::string>());
  EXPECT_EQ(FormatRfc3339Jst(last).substr(11), "23:59:59+09:00");
  server_.clock().Set(last + std::chrono::hours(2));
  // Sent after the bucket expired: the record of its last second is taken from it, the one of
  // the next second from nothing.
  Send({Record("late-1", line, "data", 1'000, last),
        Record("late-2", line, "data", 2'000, last + std::chrono::seconds(1))});
  server_.clock().Set(last);  // Shown up to its last second.
  EXPECT_EQ(DataLeft(line), 3 * kGb - 1'000);
  server_.clock().Set(last + std::chrono::seconds(1));
  EXPECT_EQ(DataLeft(line), 0);
}

TEST_F(UsageTest, BadRecordsAreListedAndTheRestApplied) {
  const std::string line = NewLine("docomo", "sample-docomo-ahamo-30gb", 2970);
  Json good = Record("ok-1", line, "voice", 95, Now());
  Json by_iccid = Record("ok-2", "", "sms", 2, Now());
  by_iccid.erase("line_id");
  by_iccid["iccid"] = Status(line)["iccid"];
  Json both = Record("bad-1", line, "data", 1, Now());
  both["msisdn"] = "09012345678";
  Json backwards = Record("bad-2", line, "data", 1, Now());
  backwards["start"] = FormatRfc3339Jst(Now() + std::chrono::seconds(1));
  Json text = Record("bad-3", line, "data", 1, Now());
  text["quantity"] = "lots";
  Json old = Record("bad-4", line, "data", 1, Now() - std::chrono::days(91));
  Json report = Send({good, both, backwards, text, by_iccid, old});
  EXPECT_EQ(report["accepted"], 2);
  std::vector<std::string> codes;
  for (const Json& rejected : report["rejected"]) {
    codes.push_back(rejected["code"]);
  }
  EXPECT_EQ(codes, (std::vector<std::string>{"line_ref_invalid", "usage_period_invalid",
                                             "field_invalid", "usage_too_old"}));
  const Json days = Status(line)["daily_usage"];
  ASSERT_EQ(days.size(), 1U);
  EXPECT_EQ(days[0]["voice_seconds"], 95);
  EXPECT_EQ(days[0]["sms"], 2);
  // Voice beyond the plan's 5 free minutes is rated at ¥22 per started 30 s.
  Send({Record("call-1", line, "voice", 331, Now())});
  EXPECT_EQ(Status(line)["daily_usage"][0]["rated_jpy"], 44);
}

TEST_F(UsageTest, TheWalletPaysForCallsBeyondTheAllowanceAndNeverGoesBelowZero) {
  // ahamo: 5 free minutes a call, then ¥22 per started 30 s.
  const std::string line = NewLine("docomo", "sample-docomo-ahamo-30gb", 2970);
  HttpResult topup =
      server_.Call(clerk_, "POST", "/v1/lines/" + line + "/topups",
                   {{"amount_jpy", 50}, {"payment", {{"method", "cash"}}}}, "cash-for-calls");
  ASSERT_EQ(topup.status, 201) << topup.body;
  ASSERT_EQ(Balance(line), 50);
  // 331 s: 31 s beyond the free length, two started 30 s: ¥44 (¥4 of it tax).
  Json call = Send({Record("call-1", line, "voice", 331, Now())});
  EXPECT_EQ(call["charged_jpy"], 44);
  EXPECT_EQ(call["unpaid_jpy"], 0);
  EXPECT_EQ(Balance(line), 6);
  EXPECT_EQ(CountEvents(line, "usage_charge_unpaid"), 0);
  // Two more calls in one batch, ¥22 each: the wallet pays the ¥6 it holds.
  Json two = Send(
      {Record("call-2", line, "voice", 301, Now()), Record("call-3", line, "voice", 330, Now())});
  EXPECT_EQ(two["charged_jpy"], 6);
  EXPECT_EQ(two["unpaid_jpy"], 38);
  EXPECT_EQ(Balance(line), 0);
  EXPECT_EQ(CountEvents(line, "usage_charge_unpaid"), 1);
  // The same records again change nothing and charge nothing.
  Json again = Send(
      {Record("call-1", line, "voice", 331, Now()), Record("call-2", line, "voice", 301, Now())});
  EXPECT_EQ(again["accepted"], 0);
  EXPECT_EQ(again["charged_jpy"], 0);
  EXPECT_EQ(again["unpaid_jpy"], 0);
  // An empty wallet pays nothing and stays at zero.
  Json more = Send({Record("call-4", line, "voice", 301, Now())});
  EXPECT_EQ(more["charged_jpy"], 0);
  EXPECT_EQ(more["unpaid_jpy"], 22);
  EXPECT_EQ(Balance(line), 0);
  EXPECT_EQ(CountEvents(line, "usage_charge_unpaid"), 2);
  // Calls within the free length cost nothing and make no charge.
  Json free = Send({Record("call-5", line, "voice", 300, Now())});
  EXPECT_EQ(free["charged_jpy"], 0);
  EXPECT_EQ(free["unpaid_jpy"], 0);
  // The history keeps what was rated, the ledger what was paid; the audit ties the two charges
  // that moved money to their transfers.
  EXPECT_EQ(Status(line)["daily_usage"][0]["rated_jpy"], 44 + 22 + 22 + 22);
  ExpectAuditPasses(2);
}

TEST_F(UsageTest, TheHolderIsToldOnceWhenDataFallsBelowTheThresholdAndOfEachSpeedChange) {
  const std::string line = NewLine("softbank", "sample-softbank-linemo-10gb", 2090);
  const std::string settings = "/v1/lines/" + line + "/notification-settings";
  for (const Json& bad : {Json(0), Json(-1), Json(1'000'000'000'001), Json("lots")}) {
    HttpResult refused =
        server_.Call(admin_, "PUT", settings, {{"language", "en"}, {"data_low_bytes", bad}});
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_EQ(refused.json["code"], bad.is_string() ? "field_invalid" : "data_low_bytes_invalid");
  }
  HttpResult set =
      server_.Call(admin_, "PUT", settings, {{"language", "en"}, {"data_low_bytes", kGb}});
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json["data_low_bytes"], kGb);
  // One record at a time, a second apart, so the inbox lists the messages in order.
  const auto use = [&](const char* id, int64_t bytes) {
    Send({Record(id, line, "data", bytes, Now())});
    server_.clock().Advance(std::chrono::seconds(1));
  };
  use("a-1", 8 * kGb);  // 2 GB left.
  EXPECT_EQ(CountEvents(line, "data_low"), 0);
  use("a-2", kGb + 1);  // A byte under 1 GB left.
  EXPECT_EQ(CountEvents(line, "data_low"), 1);
  use("a-3", 1'000);  // Further under: told already.
  EXPECT_EQ(CountEvents(line, "data_low"), 1);
  use("a-4", kGb);                                 // Run out: 300 kbps.
  Buy(line, "sample-softbank-linemo-10gb", 2090);  // 10 GB more: full speed, above again.
  server_.clock().Advance(std::chrono::seconds(1));
  use("a-5", 9 * kGb + kGb / 2);  // 0.5 GB left: told again.
  EXPECT_EQ(CountEvents(line, "data_low"), 2);
  EXPECT_EQ(SpeedEvents(line), (std::vector<std::string>{"throttled", "restored"}));
  // The inbox, in English, oldest first.
  HttpResult inbox = server_.Call(admin_, "GET", "/v1/lines/" + line + "/inbox");
  ASSERT_EQ(inbox.status, 200) << inbox.body;
  std::vector<std::string> subjects;
  for (auto message = inbox.json["data"].rbegin(); message != inbox.json["data"].rend();
       ++message) {
    subjects.push_back((*message)["subject"]);
  }
  ASSERT_EQ(subjects.size(), 4U) << inbox.body;
  EXPECT_NE(subjects[0].find("999.9 MB of data left"), std::string::npos) << subjects[0];
  EXPECT_NE(subjects[1].find("300 kbps"), std::string::npos) << subjects[1];
  EXPECT_NE(subjects[2].find("full speed"), std::string::npos) << subjects[2];
  EXPECT_NE(subjects[3].find("500 MB of data left"), std::string::npos) << subjects[3];
  // Switched off, nothing more is said.
  ASSERT_EQ(server_.Call(admin_, "PUT", settings, {{"language", "en"}}).json["data_low_bytes"],
            nullptr);
}

TEST_F(UsageTest, ARejectedCopyIsNoOriginalAndAnOldRecordSentAgainIsADuplicate) {
  const std::string line = NewLine("docomo", "sample-docomo-ahamo-30gb", 2970);
  // The first copy names no line simkeep knows: rejected. The second, on the line, is applied.
  Json report = Send(
      {Record("r-1", "ln_nope", "data", 1'000, Now()), Record("r-1", line, "data", 1'000, Now())});
  EXPECT_EQ(report["accepted"], 1);
  EXPECT_TRUE(report["duplicates"].empty()) << report;
  ASSERT_EQ(report["rejected"].size(), 1U);
  EXPECT_EQ(report["rejected"][0]["index"], 0);
  EXPECT_EQ(report["rejected"][0]["code"], "line_not_found");
  // A hundred days on, the same record sent again is a duplicate, not too old; a new record
  // from that time is too old.
  const Json again = Record("r-1", line, "data", 1'000, Now());
  const Json late = Record("r-2", line, "data", 1'000, Now());
  server_.clock().Advance(std::chrono::days(100));
  report = Send({again, late});
  EXPECT_EQ(report["accepted"], 0);
  EXPECT_EQ(report["duplicates"], Json::array({"r-1"}));
  ASSERT_EQ(report["rejected"].size(), 1U);
  EXPECT_EQ(report["rejected"][0]["index"], 1);
  EXPECT_EQ(report["rejected"][0]["code"], "usage_too_old");
}

}  // namespace
}  // namespace simkeep::testing
