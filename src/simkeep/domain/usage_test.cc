#include "simkeep/domain/usage.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;

constexpr int64_t kGb = 1'000'000'000;

Timestamp Jst(const char* text) { return *ParseRfc3339(text); }

UsageRecord Record(UsageKind kind, int64_t quantity, Timestamp start) {
  static int serial = 0;
  UsageRecord record;
  record.record_id = "cdr-" + std::to_string(++serial);
  record.line_id = LineId{"ln_1"};
  record.kind = kind;
  record.quantity = quantity;
  record.start = start;
  record.end = start;
  return record;
}

Bucket MakeBucket(const char* id, BundleKind kind, int64_t units, Timestamp starts,
                  Timestamp expires) {
  return Bucket{BucketId{id}, LineId{"ln_1"}, kind, units, units, starts, expires, OrderId{}};
}

// LINEMO-style: 300 kbps for 5 GB beyond the quota, then 128 kbps with no further limit.
Plan TwoStepPlan() {
  Plan plan;
  plan.throttle = {{5 * kGb, 300}, {0, 128}};
  plan.voice_jpy_per_30s = 22;
  plan.sms_jpy_tenths = 33;
  return plan;
}

const Bucket* Find(const UsageState& state, const char* id) {
  for (const Bucket& bucket : state.buckets) {
    if (bucket.id.value == id) {
      return &bucket;
    }
  }
  return nullptr;
}

TEST(UsageTest, KindsAndUnitsHaveStableNames) {
  for (UsageKind kind : {UsageKind::kData, UsageKind::kVoice, UsageKind::kSms}) {
    EXPECT_EQ(ParseUsageKind(UsageKindName(kind)), kind);
  }
  EXPECT_EQ(ParseUsageKind("mms"), std::nullopt);
  EXPECT_STREQ(UsageUnitName(UsageKind::kData), "bytes");
  EXPECT_STREQ(UsageUnitName(UsageKind::kVoice), "seconds");
  EXPECT_STREQ(UsageUnitName(UsageKind::kSms), "messages");
}

TEST(UsageTest, RecordsAreCheckedAtTheirBounds) {
  const Timestamp now = Jst("2026-12-02T12:00:00+09:00");
  const auto reason = [&](const UsageRecord& record) {
    Result<void> checked = CheckUsageRecord(record, now);
    return checked ? std::string("ok") : checked.error().reason;
  };
  UsageRecord record = Record(UsageKind::kData, kUsageDataBytesMax, now - hours{1});
  record.end = now;
  EXPECT_EQ(reason(record), "ok");
  record.quantity = kUsageDataBytesMax + 1;
  EXPECT_EQ(reason(record), "usage_quantity_invalid");
  record.quantity = -1;
  EXPECT_EQ(reason(record), "usage_quantity_invalid");
  record.quantity = 0;  // A zero record (a session with no traffic) is fine.
  EXPECT_EQ(reason(record), "ok");
  UsageRecord voice = Record(UsageKind::kVoice, kUsageVoiceSecondsMax + 1, now);
  EXPECT_EQ(reason(voice), "usage_quantity_invalid");
  UsageRecord sms = Record(UsageKind::kSms, kUsageSmsMax, now);
  EXPECT_EQ(reason(sms), "ok");
  sms.quantity = kUsageSmsMax + 1;
  EXPECT_EQ(reason(sms), "usage_quantity_invalid");

  UsageRecord period = Record(UsageKind::kData, 1, now - days{31});
  period.end = now;
  EXPECT_EQ(reason(period), "ok");
  period.start -= microseconds{1};
  EXPECT_EQ(reason(period), "usage_period_invalid");
  period.start = now;
  period.end = now - microseconds{1};
  EXPECT_EQ(reason(period), "usage_period_invalid");

  UsageRecord ahead = Record(UsageKind::kData, 1, now);
  ahead.end = now + minutes{5};
  EXPECT_EQ(reason(ahead), "ok");
  ahead.end += microseconds{1};
  EXPECT_EQ(reason(ahead), "usage_in_future");

  UsageRecord late = Record(UsageKind::kData, 1, now - days{90});
  EXPECT_EQ(reason(late), "ok");
  late.start -= microseconds{1};
  EXPECT_EQ(reason(late), "usage_too_old");

  UsageRecord ids = Record(UsageKind::kSms, 1, now);
  for (const char* good : {"a", "CDR-2026/12/02:0001@pgw.example_1.x"}) {
    ids.record_id = good;
    EXPECT_EQ(reason(ids), "ok") << good;
  }
  for (std::string bad : {std::string(), std::string(129, 'a'), std::string("a b"),
                          std::string("id\n"), std::string("レコード")}) {
    ids.record_id = bad;
    EXPECT_EQ(reason(ids), "record_id_invalid") << bad;
  }
  ids.record_id = std::string(128, 'a');
  EXPECT_EQ(reason(ids), "ok");
  ids.rating_group = -1;
  EXPECT_EQ(reason(ids), "rating_group_invalid");
  ids.rating_group = 0;
  EXPECT_EQ(reason(ids), "ok");
}

TEST(UsageTest, TheJstDayStartsAtMidnightJst) {
  EXPECT_EQ(JstDayStart(Jst("2026-12-01T23:59:59+09:00")), Jst("2026-12-01T00:00:00+09:00"));
  EXPECT_EQ(JstDayStart(Jst("2026-12-02T00:00:00+09:00")), Jst("2026-12-02T00:00:00+09:00"));
  // 15:00 UTC is already the next day in Japan.
  EXPECT_EQ(JstDayStart(Jst("2026-12-01T15:00:00Z")), Jst("2026-12-02T00:00:00+09:00"));
}

TEST(UsageTest, UnlimitedPassesComeFirstThenBucketsByEarliestExpiry) {
  const Timestamp t0 = Jst("2026-12-01T00:00:00+09:00");
  UsageState state;
  state.buckets = {
      MakeBucket("late", BundleKind::kData, 3 * kGb, t0, Jst("2026-12-30T23:59:59+09:00")),
      MakeBucket("early", BundleKind::kData, 1 * kGb, t0, Jst("2026-12-07T23:59:59+09:00")),
      MakeBucket("pass", BundleKind::kUnlimited, 0, Jst("2026-12-02T10:00:00+09:00"),
                 Jst("2026-12-03T10:00:00+09:00")),
  };
  NoteDataGrants(state);
  const Plan plan = TwoStepPlan();
  // Within the 24 h pass: nothing is taken from the buckets.
  UsageOutcome covered =
      ApplyUsage(Record(UsageKind::kData, 2 * kGb, Jst("2026-12-02T12:00:00+09:00")), &plan, state);
  EXPECT_EQ(covered.unlimited, 2 * kGb);
  EXPECT_EQ(covered.from_buckets, 0);
  EXPECT_EQ(Find(state, "early")->remaining, 1 * kGb);
  // After it: the bucket that expires first, then the next.
  UsageOutcome used = ApplyUsage(
      Record(UsageKind::kData, 1'500'000'000, Jst("2026-12-03T10:00:01+09:00")), &plan, state);
  EXPECT_EQ(used.from_buckets, 1'500'000'000);
  EXPECT_EQ(used.overage, 0);
  EXPECT_EQ(Find(state, "early")->remaining, 0);
  EXPECT_EQ(Find(state, "late")->remaining, 2'500'000'000);
  EXPECT_EQ(used.touched, (std::vector<BucketId>{BucketId{"early"}, BucketId{"late"}}));
  // Every byte is in the day's history, whatever paid for it.
  EXPECT_EQ((state.daily[{Jst("2026-12-02T00:00:00+09:00"), UsageKind::kData}]), 2 * kGb);
  EXPECT_EQ((state.daily[{Jst("2026-12-03T00:00:00+09:00"), UsageKind::kData}]), 1'500'000'000);
}

TEST(UsageTest, ABucketServesUntil235959JstOnItsLastDay) {
  const Timestamp end = Jst("2026-12-31T23:59:59+09:00");
  UsageState state;
  state.buckets = {
      MakeBucket("topping", BundleKind::kData, 10, Jst("2026-12-01T00:00:00+09:00"), end)};
  NoteDataGrants(state);
  const Plan plan = TwoStepPlan();
  EXPECT_EQ(ApplyUsage(Record(UsageKind::kData, 4, end), &plan, state).from_buckets, 4);
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, end), std::nullopt);
  const Timestamp next_day = end + std::chrono::seconds{1};
  UsageOutcome after = ApplyUsage(Record(UsageKind::kData, 4, next_day), &plan, state);
  EXPECT_EQ(after.from_buckets, 0);
  EXPECT_EQ(after.overage, 4);
  EXPECT_EQ(Find(state, "topping")->remaining, 6);  // Left in the expired bucket.
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, next_day), 300);
}

TEST(UsageTest, OverageWalksTheThrottleStepsAndANewGrantRestoresFullSpeed) {
  const Timestamp t0 = Jst("2026-12-01T09:00:00+09:00");
  UsageState state;
  state.buckets = {
      MakeBucket("month", BundleKind::kData, 10 * kGb, t0, Jst("2026-12-30T23:59:59+09:00"))};
  NoteDataGrants(state);
  const Plan plan = TwoStepPlan();
  const Timestamp t1 = t0 + hours{1};
  EXPECT_EQ(ApplyUsage(Record(UsageKind::kData, 10 * kGb, t1), &plan, state).overage, 0);
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, t1), 300);  // Quota used up.
  EXPECT_EQ(ApplyUsage(Record(UsageKind::kData, 5 * kGb - 1, t1), &plan, state).overage,
            5 * kGb - 1);
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, t1), 300);
  ApplyUsage(Record(UsageKind::kData, 1, t1), &plan, state);
  EXPECT_EQ(state.overage_bytes, 5 * kGb);
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, t1), 128);  // The second step.
  ApplyUsage(Record(UsageKind::kData, 100 * kGb, t1), &plan, state);
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, t1), 128);  // It has no limit.

  // A topping bought later restores full speed at once, and the overage starts again.
  const Timestamp t2 = t0 + days{2};
  state.buckets.push_back(MakeBucket("topping", BundleKind::kData, 1 * kGb, t2, t2 + days{30}));
  NoteDataGrants(state);
  EXPECT_EQ(state.overage_bytes, 0);
  EXPECT_EQ(state.overage_since, t2);
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, t2), std::nullopt);
  // A late record from before the topping is applied to its own time and does not throttle the
  // line again.
  UsageOutcome late = ApplyUsage(Record(UsageKind::kData, kGb, t1), &plan, state);
  EXPECT_EQ(late.overage, kGb);
  EXPECT_EQ(state.overage_bytes, 0);
  EXPECT_EQ(Find(state, "topping")->remaining, 1 * kGb);
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, t2), std::nullopt);
}

TEST(UsageTest, AStepWithALimitAsTheLastOneEndsInABlock) {
  Plan plan;
  plan.throttle = {{1 * kGb, 1000}};
  UsageState state;
  const Timestamp now = Jst("2026-12-01T09:00:00+09:00");
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, now), 1000);
  ApplyUsage(Record(UsageKind::kData, 1 * kGb, now), &plan, state);
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, now), 0);
  // A plan without steps blocks data once no bucket has any left; so does no plan at all.
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, UsageState{}, now), 1000);
  Plan no_steps;
  EXPECT_EQ(DataSpeedAt(&no_steps, LineState::kActive, UsageState{}, now), 0);
  EXPECT_EQ(DataSpeedAt(nullptr, LineState::kActive, UsageState{}, now), 0);
}

TEST(UsageTest, TheLineStateDecidesBeforeAnyBucket) {
  const Timestamp now = Jst("2026-12-01T09:00:00+09:00");
  UsageState state;
  state.buckets = {MakeBucket("pass", BundleKind::kUnlimited, 0, now, now + days{1})};
  const Plan plan = TwoStepPlan();
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, now), std::nullopt);
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kGrace, state, now), 128);  // The lowest step.
  Plan no_steps;
  EXPECT_EQ(DataSpeedAt(&no_steps, LineState::kGrace, state, now), 0);
  for (LineState blocked :
       {LineState::kInactive, LineState::kSuspended, LineState::kTerminated, LineState::kBarred}) {
    EXPECT_EQ(DataSpeedAt(&plan, blocked, state, now), 0) << LineStateName(blocked);
  }
}

TEST(UsageTest, TheDailyCapThrottlesForTheRestOfTheJstDayAndResetsAtMidnight) {
  Plan plan;  // 100 MB a day, 200 kbps beyond it.
  plan.daily_cap_bytes = 100'000'000;
  plan.throttle = {{0, 200}};
  const Timestamp day1 = Jst("2026-12-01T00:00:00+09:00");
  UsageState state;
  state.buckets = {
      MakeBucket("week", BundleKind::kData, 700'000'000, day1, Jst("2026-12-07T23:59:59+09:00"))};
  NoteDataGrants(state);
  UsageOutcome first =
      ApplyUsage(Record(UsageKind::kData, 80'000'000, day1 + hours{9}), &plan, state);
  EXPECT_EQ(first.from_buckets, 80'000'000);
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, day1 + hours{9}), std::nullopt);
  // Crossing the cap: 20 MB still from the bucket, the other 30 MB throttled and not taken.
  UsageOutcome crossing =
      ApplyUsage(Record(UsageKind::kData, 50'000'000, day1 + hours{10}), &plan, state);
  EXPECT_EQ(crossing.from_buckets, 20'000'000);
  EXPECT_EQ(crossing.over_cap, 30'000'000);
  EXPECT_EQ(crossing.overage, 0);
  EXPECT_EQ(Find(state, "week")->remaining, 600'000'000);
  const Timestamp last_second = Jst("2026-12-01T23:59:59+09:00");
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, last_second), 200);
  EXPECT_EQ(ApplyUsage(Record(UsageKind::kData, 5, last_second), &plan, state).over_cap, 5);
  // 00:00 JST: a new day, full speed again and the cap counts afresh.
  const Timestamp day2 = Jst("2026-12-02T00:00:00+09:00");
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, day2), std::nullopt);
  EXPECT_EQ(ApplyUsage(Record(UsageKind::kData, 100'000'000, day2), &plan, state).from_buckets,
            100'000'000);
  EXPECT_EQ(DataSpeedAt(&plan, LineState::kActive, state, day2), 200);
  EXPECT_EQ((state.daily[{day1, UsageKind::kData}]), 130'000'005);
}

TEST(UsageTest, VoiceIsFreeUpToTheFreeLengthThenBucketsThenChargedPerStarted30Seconds) {
  const Timestamp now = Jst("2026-12-01T09:00:00+09:00");
  Plan plan = TwoStepPlan();  // ¥22 per 30 s.
  UsageState state;
  state.buckets = {MakeBucket("minutes", BundleKind::kVoice, 60, now, now + days{30})};
  // 90 s: 60 from the bucket, 30 charged as one unit.
  UsageOutcome first = ApplyUsage(Record(UsageKind::kVoice, 90, now), &plan, state);
  EXPECT_EQ(first.from_buckets, 60);
  EXPECT_EQ(first.overage, 30);
  EXPECT_EQ(first.charge_jpy, 22);
  // 31 s: two started units.
  EXPECT_EQ(ApplyUsage(Record(UsageKind::kVoice, 31, now), &plan, state).charge_jpy, 44);
  EXPECT_EQ(ApplyUsage(Record(UsageKind::kVoice, 0, now), &plan, state).charge_jpy, 0);
  // Calls up to 5 minutes free (ahamo-style): a 6-minute call pays for its last minute only.
  plan.free_call_length_seconds = 300;
  UsageOutcome long_call = ApplyUsage(Record(UsageKind::kVoice, 360, now), &plan, state);
  EXPECT_EQ(long_call.free_seconds, 300);
  EXPECT_EQ(long_call.charge_jpy, 44);
  EXPECT_EQ(ApplyUsage(Record(UsageKind::kVoice, 300, now), &plan, state).charge_jpy, 0);
  EXPECT_EQ((state.daily[{JstDayStart(now), UsageKind::kVoice}]), 90 + 31 + 360 + 300);
}

TEST(UsageTest, SmsIsChargedInTenthsWithTheFractionCarried) {
  const Timestamp now = Jst("2026-12-01T09:00:00+09:00");
  const Plan plan = TwoStepPlan();  // ¥3.3 per message.
  UsageState state;
  state.buckets = {MakeBucket("sms", BundleKind::kSms, 2, now, now + days{30})};
  EXPECT_EQ(ApplyUsage(Record(UsageKind::kSms, 2, now), &plan, state).charge_jpy, 0);
  int64_t total = 0;
  for (int64_t expected : {3, 3, 3, 4}) {
    const int64_t charged = ApplyUsage(Record(UsageKind::kSms, 1, now), &plan, state).charge_jpy;
    EXPECT_EQ(charged, expected);
    total += charged;
  }
  EXPECT_EQ(total, 13);  // 4 × ¥3.3 = ¥13.2: never more than the rate, the 2 tenths carried.
  EXPECT_EQ(state.sms_tenths_carry, 2);
  EXPECT_EQ(ApplyUsage(Record(UsageKind::kSms, 3, now), &plan, state).charge_jpy, 10);  // 9.9+0.2
  EXPECT_EQ(state.sms_tenths_carry, 1);
  // Without a plan there is no rate: the messages are counted, not charged.
  EXPECT_EQ(ApplyUsage(Record(UsageKind::kSms, 5, now), nullptr, state).charge_jpy, 0);
}

TEST(UsageTest, AChargeTakesWhatTheWalletHoldsWithTaxIncluded) {
  const UsageCharge full = ChargeUsage(110, 1000, 10);
  EXPECT_EQ(full.rated_jpy, 110);
  EXPECT_EQ(full.charged_jpy, 110);
  EXPECT_EQ(full.tax_jpy, 10);
  EXPECT_EQ(full.tax_rate_percent, 10);
  // Exactly what the wallet holds.
  EXPECT_EQ(ChargeUsage(44, 44, 10).charged_jpy, 44);
  // A wallet short of the charge pays what it has; the rest is unpaid.
  const UsageCharge short_of = ChargeUsage(66, 50, 10);
  EXPECT_EQ(short_of.charged_jpy, 50);
  EXPECT_EQ(short_of.tax_jpy, 4);  // floor(50 × 10 / 110).
  // An empty wallet, or one in debt, pays nothing.
  EXPECT_EQ(ChargeUsage(22, 0, 10).charged_jpy, 0);
  EXPECT_EQ(ChargeUsage(22, 0, 10).tax_jpy, 0);
  EXPECT_EQ(ChargeUsage(22, -5, 10).charged_jpy, 0);
  // Tax at 8% and 0%, rounded down once over the whole charge.
  EXPECT_EQ(ChargeUsage(108, 1000, 8).tax_jpy, 8);
  EXPECT_EQ(ChargeUsage(107, 1000, 8).tax_jpy, 7);
  EXPECT_EQ(ChargeUsage(500, 1000, 0).tax_jpy, 0);
  EXPECT_EQ(ChargeUsage(1, 1000, 10).tax_jpy, 0);
}

TEST(UsageDeathTest, ANothingChargeIsNotACharge) {
  EXPECT_DEATH((void)ChargeUsage(0, 100, 10), "assertion failed");
  EXPECT_DEATH((void)ChargeUsage(10, 100, 5), "assertion failed");
}

TEST(UsageTest, DataLeftCountsTheDataBucketsValidAtTheTime) {
  const Timestamp t0 = *ParseRfc3339("2026-12-01T00:00:00+09:00");
  const auto bucket = [](BundleKind kind, int64_t remaining, Timestamp from, Timestamp to) {
    Bucket b;
    b.kind = kind;
    b.initial = remaining;
    b.remaining = remaining;
    b.starts_at = from;
    b.expires_at = to;
    return b;
  };
  const std::vector<Bucket> buckets = {
      bucket(BundleKind::kData, 100, t0, t0 + std::chrono::hours(24)),
      bucket(BundleKind::kData, 50, t0 + std::chrono::hours(1), t0 + std::chrono::hours(48)),
      bucket(BundleKind::kVoice, 600, t0, t0 + std::chrono::hours(48)),
      bucket(BundleKind::kUnlimited, 0, t0, t0 + std::chrono::hours(48))};
  EXPECT_EQ(DataLeftAt(buckets, t0), 100);  // The second starts later.
  EXPECT_EQ(DataLeftAt(buckets, t0 + std::chrono::hours(1)), 150);
  EXPECT_EQ(DataLeftAt(buckets, t0 + std::chrono::hours(24)), 150);  // Its last instant.
  EXPECT_EQ(DataLeftAt(buckets, t0 + std::chrono::hours(24) + std::chrono::microseconds(1)), 50);
  EXPECT_EQ(DataLeftAt(buckets, t0 + std::chrono::hours(49)), 0);
  EXPECT_EQ(DataLeftAt({}, t0), 0);
}

TEST(UsageTest, DataFallsBelowAThresholdOncePerCrossing) {
  EXPECT_TRUE(FellBelow(600, 400, 500));
  EXPECT_TRUE(FellBelow(500, 499, 500));   // From exactly the threshold.
  EXPECT_FALSE(FellBelow(500, 500, 500));  // Not below yet.
  EXPECT_FALSE(FellBelow(400, 300, 500));  // Below already: told before.
  EXPECT_FALSE(FellBelow(400, 900, 500));  // A grant lifted it.
  EXPECT_TRUE(FellBelow(900, 0, 500));
}

}  // namespace
}  // namespace simkeep::domain
