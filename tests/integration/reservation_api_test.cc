// Real-time quota reservations end to end through POST /v1/lines/{id}/reservations and its commit
// and release: grants against buckets and what other reservations hold, commits applied as usage
// records, replays of a (session_id, request_number), expiry at read time and by the scheduler's
// sweep, and concurrent reservations from several threads and servers never granting more than
// remains. SQLite, and PostgreSQL as reservation_api_test_postgres.

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "simkeep/base/time.h"
#include "test_server.h"

namespace simkeep::testing {
namespace {

constexpr int64_t kGb = 1'000'000'000;
constexpr int64_t kMb = 1'000'000;

class ReservationTest : public ::testing::Test {
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
    HttpResult topup =
        server_.Call(clerk_, "POST", "/v1/lines/" + line + "/topups",
                     {{"amount_jpy", price}, {"payment", {{"method", "cash"}}}}, "cash-" + line);
    EXPECT_EQ(topup.status, 201) << topup.body;
    HttpResult renewed =
        server_.Call(clerk_, "POST", "/v1/lines/" + line + "/renewals",
                     {{"plan_id", plan}, {"payment", {{"method", "balance"}}}}, "renew-" + line);
    EXPECT_EQ(renewed.status, 201) << renewed.body;
    return line;
  }

  void TopUp(const std::string& line, int64_t amount) {
    HttpResult topup = server_.Call(clerk_, "POST", "/v1/lines/" + line + "/topups",
                                    {{"amount_jpy", amount}, {"payment", {{"method", "cash"}}}},
                                    "top-" + line + std::to_string(++serial_));
    ASSERT_EQ(topup.status, 201) << topup.body;
  }

  static Json Request(const std::string& session, int64_t number, const std::string& kind,
                      int64_t requested) {
    return {{"session_id", session},
            {"request_number", number},
            {"kind", kind},
            {"requested", requested},
            {"rating_group", 10}};
  }
  HttpResult Reserve(const std::string& line, const Json& body, TestServer* on = nullptr) {
    return (on != nullptr ? *on : server_)
        .Call(operator_, "POST", "/v1/lines/" + line + "/reservations", body);
  }
  HttpResult Commit(const std::string& line, const std::string& id, int64_t used) {
    return server_.Call(operator_, "POST", "/v1/lines/" + line + "/reservations/" + id + "/commit",
                        {{"used", used}});
  }
  HttpResult Release(const std::string& line, const std::string& id) {
    return server_.Call(operator_, "POST",
                        "/v1/lines/" + line + "/reservations/" + id + "/release");
  }
  Json Get(const std::string& line, const std::string& id) {
    HttpResult got = server_.Call(operator_, "GET", "/v1/lines/" + line + "/reservations/" + id);
    EXPECT_EQ(got.status, 200) << got.body;
    return got.json;
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

  TestServer server_;
  std::string admin_, clerk_, operator_;
  int serial_ = 0;
};

TEST_F(ReservationTest, ACommitMovesTheBucketAndTheDailyUsageAndReleasesTheRest) {
  const std::string line = NewLine("softbank", "sample-softbank-linemo-10gb", 2090);
  HttpResult reserved = Reserve(line, Request("pgw.example.jp;1;1", 0, "data", kGb));
  ASSERT_EQ(reserved.status, 201) << reserved.body;
  const Json& grant = reserved.json;
  EXPECT_EQ(grant["result"], "granted");
  EXPECT_EQ(grant["granted"], kGb);
  EXPECT_EQ(grant["tier"], "quota");
  EXPECT_TRUE(grant["speed_kbps"].is_null());
  EXPECT_TRUE(grant["final_unit"].is_null());
  EXPECT_EQ(grant["status"], "open");
  EXPECT_EQ(grant["unit"], "bytes");
  EXPECT_EQ(grant["rating_group"], 10);
  EXPECT_EQ(grant["validity_seconds"], 300);
  EXPECT_EQ(*ParseRfc3339(grant["expires_at"].get<std::string>()) -
                *ParseRfc3339(grant["created_at"].get<std::string>()),
            std::chrono::seconds{300});
  const std::string id = grant["reservation_id"];
  EXPECT_EQ(DataLeft(line), 10 * kGb);  // A hold is not usage.
  server_.clock().Advance(std::chrono::seconds{42});
  HttpResult committed = Commit(line, id, 800 * kMb);
  ASSERT_EQ(committed.status, 200) << committed.body;
  EXPECT_EQ(committed.json["status"], "committed");
  EXPECT_EQ(committed.json["used"], 800 * kMb);
  EXPECT_EQ(committed.json["overshoot"], 0);
  EXPECT_FALSE(committed.json["closed_at"].is_null());
  EXPECT_EQ(DataLeft(line), 10 * kGb - 800 * kMb);
  const Json days = Status(line)["daily_usage"];
  ASSERT_EQ(days.size(), 1U);
  EXPECT_EQ(days[0]["data_bytes"], 800 * kMb);
  // The rest of the grant is free again: a new reservation may take all that remains.
  HttpResult rest = Reserve(line, Request("pgw.example.jp;1;1", 1, "data", 10 * kGb));
  ASSERT_EQ(rest.status, 201) << rest.body;
  EXPECT_EQ(rest.json["granted"], 10 * kGb - 800 * kMb);
  EXPECT_EQ(rest.json["final_unit"], Json({{"action", "throttle"}, {"speed_kbps", 300}}));
  // The commit is a usage record: sent again as one, it is a duplicate.
  HttpResult again = server_.Call(operator_, "POST", "/v1/usage",
                                  {{"records",
                                    {{{"record_id", "resv:" + id},
                                      {"line_id", line},
                                      {"kind", "data"},
                                      {"quantity", 800 * kMb},
                                      {"start", FormatRfc3339Jst(server_.clock().Now())},
                                      {"end", FormatRfc3339Jst(server_.clock().Now())}}}}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json["duplicates"], Json::array({"resv:" + id}));
  // A retried commit replays the first answer; other units are refused.
  HttpResult retried = Commit(line, id, 800 * kMb);
  EXPECT_EQ(retried.status, 200);
  EXPECT_EQ(retried.body, committed.body);
  EXPECT_EQ(retried.headers["idempotent-replayed"], "true");
  EXPECT_EQ(DataLeft(line), 10 * kGb - 800 * kMb);
  HttpResult other = Commit(line, id, 900 * kMb);
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(other.json["code"], "reservation_committed");
  HttpResult release = Release(line, id);
  EXPECT_EQ(release.status, 422);
  EXPECT_EQ(release.json["code"], "reservation_committed");
  EXPECT_EQ(Get(line, id)["status"], "committed");
}

TEST_F(ReservationTest, TheLastGrantSaysWhatFollowsAndAnOvershootIsCounted) {
  // 10 GB, then 300 kbps for 5 GB more, then 128 kbps.
  const std::string line = NewLine("softbank", "sample-softbank-linemo-10gb", 2090);
  HttpResult all = Reserve(line, Request("s;fui", 0, "data", 10 * kGb));
  ASSERT_EQ(all.status, 201) << all.body;
  EXPECT_EQ(all.json["granted"], 10 * kGb);
  EXPECT_EQ(all.json["final_unit"], Json({{"action", "throttle"}, {"speed_kbps", 300}}));
  // With everything held, the next grant runs in the first throttle step.
  HttpResult throttled = Reserve(line, Request("s;fui2", 0, "data", kGb));
  ASSERT_EQ(throttled.status, 201);
  EXPECT_EQ(throttled.json["tier"], "throttled");
  EXPECT_EQ(throttled.json["speed_kbps"], 300);
  EXPECT_EQ(throttled.json["granted"], kGb);
  ASSERT_EQ(Release(line, throttled.json["reservation_id"]).status, 200);
  // The network used one byte more than granted: accepted as usage, and said so.
  HttpResult over = Commit(line, all.json["reservation_id"], 10 * kGb + 1);
  ASSERT_EQ(over.status, 200) << over.body;
  EXPECT_EQ(over.json["overshoot"], 1);
  EXPECT_EQ(DataLeft(line), 0);
  EXPECT_EQ(Status(line)["speed_kbps"], 300);
  bool throttled_event = false;
  const Json status = Status(line);
  for (const Json& event : status["events"]) {
    throttled_event |= event["kind"] == "speed_changed" && event["reason"] == "throttled";
  }
  EXPECT_TRUE(throttled_event);
}

TEST_F(ReservationTest, AReleaseFreesTheHoldWithoutUsage) {
  const std::string line = NewLine("docomo", "sample-docomo-keeper-1gb", 290);  // No steps.
  HttpResult all = Reserve(line, Request("s;rel", 0, "data", 2 * kGb));
  ASSERT_EQ(all.status, 201) << all.body;
  EXPECT_EQ(all.json["granted"], kGb);
  EXPECT_EQ(all.json["final_unit"], Json({{"action", "block"}, {"speed_kbps", nullptr}}));
  HttpResult none = Reserve(line, Request("s;rel", 1, "data", 1));
  ASSERT_EQ(none.status, 201) << none.body;
  EXPECT_EQ(none.json["result"], "credit_limit_reached");
  EXPECT_EQ(none.json["granted"], 0);
  EXPECT_EQ(none.json["status"], "released");  // Nothing held.
  const std::string id = all.json["reservation_id"];
  HttpResult released = Release(line, id);
  ASSERT_EQ(released.status, 200) << released.body;
  EXPECT_EQ(released.json["status"], "released");
  EXPECT_TRUE(released.json["used"].is_null());
  EXPECT_EQ(DataLeft(line), kGb);
  // Releasing again changes nothing; a commit of it is refused.
  HttpResult twice = Release(line, id);
  EXPECT_EQ(twice.status, 200);
  EXPECT_EQ(twice.json["status"], "released");
  HttpResult late = Commit(line, id, 1);
  EXPECT_EQ(late.status, 422);
  EXPECT_EQ(late.json["code"], "reservation_released");
  HttpResult again = Reserve(line, Request("s;rel", 2, "data", kGb));
  EXPECT_EQ(again.json["granted"], kGb);
}

TEST_F(ReservationTest, ARepeatedSessionAndRequestNumberReplaysTheFirstAnswerExactly) {
  const std::string line = NewLine("docomo", "sample-docomo-ahamo-30gb", 2970);
  const Json body = Request("pgw.example.jp;7;7", 3, "data", 5 * kMb);
  HttpResult first = Reserve(line, body);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.headers.count("idempotent-replayed"), 0U);
  server_.clock().Advance(std::chrono::seconds{10});
  HttpResult repeat = Reserve(line, body);
  EXPECT_EQ(repeat.status, 201);
  EXPECT_EQ(repeat.body, first.body);
  EXPECT_EQ(repeat.headers["idempotent-replayed"], "true");
  // Still the first answer after the reservation was committed, and nothing granted twice.
  ASSERT_EQ(Commit(line, first.json["reservation_id"], kMb).status, 200);
  HttpResult after = Reserve(line, body);
  EXPECT_EQ(after.status, 201);
  EXPECT_EQ(after.body, first.body);
  EXPECT_EQ(DataLeft(line), 30 * kGb - kMb);
  // The pair used for something else is refused, on this line or another.
  Json other = body;
  other["requested"] = 6 * kMb;
  HttpResult reused = Reserve(line, other);
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(reused.json["code"], "reservation_request_reused");
  const std::string second_line = NewLine("docomo", "sample-docomo-ahamo-30gb", 2970);
  HttpResult elsewhere = Reserve(second_line, body);
  EXPECT_EQ(elsewhere.status, 422);
  EXPECT_EQ(elsewhere.json["code"], "reservation_request_reused");
}

TEST_F(ReservationTest, AReservationNeverCommittedIsReleasedWhenItsValidityEnds) {
  const std::string line = NewLine("docomo", "sample-docomo-keeper-1gb", 290);
  HttpResult all = Reserve(line, Request("s;exp", 0, "data", kGb));
  ASSERT_EQ(all.status, 201) << all.body;
  const std::string id = all.json["reservation_id"];
  EXPECT_EQ(Reserve(line, Request("s;exp", 1, "data", 1)).json["granted"], 0);
  // At its last moment it still holds; from its expiry on it holds nothing, before any sweep.
  server_.clock().Advance(std::chrono::seconds{299});
  EXPECT_EQ(Reserve(line, Request("s;exp", 2, "data", 1)).json["granted"], 0);
  EXPECT_EQ(Get(line, id)["status"], "open");
  server_.clock().Advance(std::chrono::seconds{1});
  EXPECT_EQ(Get(line, id)["status"], "expired");
  HttpResult late = Commit(line, id, kMb);
  EXPECT_EQ(late.status, 422);
  EXPECT_EQ(late.json["code"], "reservation_expired");
  HttpResult fresh = Reserve(line, Request("s;exp", 3, "data", kGb));
  EXPECT_EQ(fresh.json["granted"], kGb);
  EXPECT_EQ(DataLeft(line), kGb);
  // The sweep writes the expiry down once; a second pass finds nothing.
  server_.clock().Advance(std::chrono::seconds{300});
  Result<app::SchedulerReport> swept = server_.runtime().scheduler->RunDue();
  ASSERT_TRUE(swept) << swept.error().message;
  EXPECT_EQ(swept->reservations_expired, 2);  // The first and the fresh one.
  Result<app::SchedulerReport> again = server_.runtime().scheduler->RunDue();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->reservations_expired, 0);
  const Json expired = Get(line, id);
  EXPECT_EQ(expired["status"], "expired");
  EXPECT_EQ(expired["closed_at"], expired["expires_at"]);
  HttpResult release = Release(line, id);
  EXPECT_EQ(release.status, 200);
  EXPECT_EQ(release.json["status"], "expired");
}

TEST_F(ReservationTest, ConcurrentReservationsNeverGrantMoreThanRemains) {
  // 1 GB and nothing beyond it, reserved 7 MB at a time from eight threads on two servers
  // sharing the database: 1.4 GB asked for.
  const std::string line = NewLine("docomo", "sample-docomo-keeper-1gb", 290);
  TestServer second(server_);
  std::atomic<int64_t> granted{0};
  std::atomic<int> finals{0}, refused{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      TestServer* target = t % 2 == 0 ? &server_ : &second;
      for (int n = 0; n < 25; ++n) {
        HttpResult answer =
            Reserve(line, Request("s;thread" + std::to_string(t), n, "data", 7 * kMb), target);
        if (answer.status != 201) {
          failures.fetch_add(1);
          ADD_FAILURE() << answer.body;
          continue;
        }
        granted.fetch_add(answer.json["granted"].get<int64_t>());
        finals.fetch_add(answer.json["final_unit"].is_null() || answer.json["granted"] == 0 ? 0
                                                                                            : 1);
        refused.fetch_add(answer.json["result"] == "credit_limit_reached" ? 1 : 0);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(granted.load(), kGb);        // Exactly what remained: never more, and all of it.
  EXPECT_EQ(finals.load(), 1);           // One grant took the last byte.
  EXPECT_EQ(refused.load(), 200 - 143);  // 142 grants of 7 MB, one of the last 6 MB.
  EXPECT_EQ(DataLeft(line), kGb);
}

TEST_F(ReservationTest, CallsBeyondTheFreeLengthAreGrantedAsFarAsTheWalletPays) {
  // ahamo-style: calls up to 5 minutes free, then 22 yen per 30 s; no voice bucket. The renewal
  // spent the whole wallet.
  const std::string line = NewLine("docomo", "sample-docomo-ahamo-30gb", 2970);
  HttpResult call = Reserve(line, Request("msc;1", 0, "voice", 600));
  ASSERT_EQ(call.status, 201) << call.body;
  EXPECT_EQ(call.json["tier"], "quota");
  EXPECT_EQ(call.json["granted"], 300);
  EXPECT_EQ(call.json["unit"], "seconds");
  EXPECT_EQ(call.json["reserved_jpy"], 0);
  // Nothing beyond the free length can be paid: the call ends with it.
  EXPECT_EQ(call.json["final_unit"], Json({{"action", "block"}, {"speed_kbps", nullptr}}));
  TopUp(line, 100);
  HttpResult paid = Reserve(line, Request("msc;2", 0, "voice", 600));
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_EQ(paid.json["granted"], 300);
  EXPECT_TRUE(paid.json["final_unit"].is_null());  // The wallet pays for more: calls go on.
  ASSERT_EQ(Release(line, paid.json["reservation_id"]).status, 200);
  // 31 s beyond the grant: accepted, rated at 2 × 22 yen and paid from the wallet.
  HttpResult committed = Commit(line, call.json["reservation_id"], 331);
  ASSERT_EQ(committed.status, 200) << committed.body;
  EXPECT_EQ(committed.json["overshoot"], 31);
  const Json status = Status(line);
  EXPECT_EQ(status["daily_usage"][0]["voice_seconds"], 331);
  EXPECT_EQ(status["daily_usage"][0]["rated_jpy"], 44);
  EXPECT_EQ(status["balance_jpy"], 56);
}

TEST_F(ReservationTest, RatedGrantsNeverPromiseMoreThanTheWalletHolds) {
  // IIJmio-style: 11 yen per 30 s, no free length, no voice bucket; 110 yen in the wallet.
  const std::string line = NewLine("docomo", "sample-docomo-mvno-2gb", 850);
  TopUp(line, 110);
  HttpResult first = Reserve(line, Request("msc;r", 0, "voice", 600));
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.json["tier"], "rated");
  EXPECT_EQ(first.json["granted"], 300);  // Ten 30 s units.
  EXPECT_EQ(first.json["reserved_jpy"], 110);
  EXPECT_EQ(first.json["final_unit"], Json({{"action", "block"}, {"speed_kbps", nullptr}}));
  // All of it set aside: nothing for a second call.
  HttpResult second = Reserve(line, Request("msc;r", 1, "voice", 30));
  EXPECT_EQ(second.json["result"], "credit_limit_reached");
  EXPECT_EQ(second.json["granted"], 0);
  // 61 s used: three started units, 33 yen; the rest of the wallet is free again.
  ASSERT_EQ(Commit(line, first.json["reservation_id"], 61).status, 200);
  EXPECT_EQ(Status(line)["balance_jpy"], 77);
  HttpResult third = Reserve(line, Request("msc;r", 2, "voice", 600));
  EXPECT_EQ(third.json["granted"], 210);
  EXPECT_EQ(third.json["reserved_jpy"], 77);
  // Messages likewise: the plan does not rate SMS, so there are none beyond the (absent) bucket.
  HttpResult sms = Reserve(line, Request("smsc;1", 0, "sms", 1));
  EXPECT_EQ(sms.json["result"], "credit_limit_reached");
}

TEST_F(ReservationTest, BadRequestsGetClearErrors) {
  const std::string line = NewLine("docomo", "sample-docomo-ahamo-30gb", 2970);
  const auto expect = [&](const HttpResult& answer, int status, const char* code) {
    EXPECT_EQ(answer.status, status) << answer.body;
    EXPECT_EQ(answer.json["code"], code) << answer.body;
  };
  expect(Reserve("ln_missing", Request("s;bad", 0, "data", 1)), 404, "line_not_found");
  expect(Reserve(line, Request("s;bad", 0, "mms", 1)), 400, "usage_kind_invalid");
  expect(Reserve(line, Request("s;bad", 0, "data", 0)), 400, "requested_units_invalid");
  expect(Reserve(line, Request("s;bad", 0, "data", -5)), 400, "requested_units_invalid");
  expect(Reserve(line, Request("", 0, "data", 1)), 400, "session_id_invalid");
  expect(Reserve(line, Request("s;bad", -1, "data", 1)), 400, "request_number_invalid");
  Json text = Request("s;bad", 0, "data", 1);
  text["requested"] = "lots";
  expect(Reserve(line, text), 400, "field_invalid");
  expect(Reserve(line, {{"kind", "data"}}), 400, "validation_failed");
  expect(Commit(line, "rs_missing", 1), 404, "reservation_not_found");
  expect(Release(line, "rs_missing"), 404, "reservation_not_found");
  HttpResult ok = Reserve(line, Request("s;bad", 0, "data", 1));
  ASSERT_EQ(ok.status, 201);
  const std::string id = ok.json["reservation_id"];
  expect(Commit(line, id, -1), 400, "used_units_invalid");
  const std::string other_line = NewLine("docomo", "sample-docomo-ahamo-30gb", 2970);
  expect(Commit(other_line, id, 1), 404, "reservation_not_found");  // Not that line's.
  expect(server_.Call(clerk_, "POST", "/v1/lines/" + line + "/reservations",
                      Request("s;bad", 1, "data", 1)),
         403, "role_forbidden");
  expect(server_.Call(operator_, "GET", "/v1/lines/" + line + "/reservations"), 405,
         "method_not_allowed");
  expect(server_.Call(operator_, "POST", "/v1/lines/" + line + "/reservations/" + id + "/undo"),
         404, "route_not_found");
  // A line that is not active may not use the service.
  const std::string idle = server_.ProvisionLine(
      admin_, {{"iccid", TestServer::NextIccid()}, {"carrier", "docomo"}, {"service", "data"}});
  HttpResult denied = Reserve(idle, Request("s;idle", 0, "data", 1));
  ASSERT_EQ(denied.status, 201) << denied.body;
  EXPECT_EQ(denied.json["result"], "service_denied");
  EXPECT_EQ(denied.json["granted"], 0);
}

}  // namespace
}  // namespace simkeep::testing
