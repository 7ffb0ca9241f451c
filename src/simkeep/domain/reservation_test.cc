#include "simkeep/domain/reservation.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

using std::chrono::days;
using std::chrono::hours;

constexpr int64_t kGb = 1'000'000'000;
constexpr int64_t kMb = 1'000'000;

Timestamp Jst(const char* text) { return *ParseRfc3339(text); }

const Timestamp kNow = Jst("2026-12-02T12:00:00+09:00");

Bucket MakeBucket(const char* id, BundleKind kind, int64_t units, Timestamp starts = kNow - days{1},
                  Timestamp expires = kNow + days{29}) {
  return Bucket{BucketId{id}, LineId{"ln_1"}, kind, units, units, starts, expires, OrderId{}};
}

// LINEMO-style: 300 kbps for 5 GB beyond the quota, then 128 kbps with no further limit.
Plan TwoStepPlan() {
  Plan plan;
  plan.throttle = {{5 * kGb, 300}, {0, 128}};
  return plan;
}

// 300 kbps for 1 GB beyond the quota, then blocked.
Plan BlockingPlan() {
  Plan plan;
  plan.throttle = {{1 * kGb, 300}};
  return plan;
}

// 100 MB a day, then 200 kbps for the rest of the day.
Plan DailyCapPlan() {
  Plan plan;
  plan.daily_cap_bytes = 100 * kMb;
  plan.throttle = {{0, 200}};
  return plan;
}

UsageState WithBuckets(std::vector<Bucket> buckets) {
  UsageState state;
  state.buckets = std::move(buckets);
  NoteDataGrants(state);
  return state;
}

Grant Data(int64_t requested, const Plan* plan, const UsageState& usage,
           const ReservationHolds& holds = {}, LineState state = LineState::kActive) {
  return ComputeGrant(UsageKind::kData, requested, plan, state, usage, holds, 0, kNow);
}

FinalUnit Throttle(int speed) { return FinalUnit{FinalUnitAction::kThrottle, speed}; }
FinalUnit Block() { return FinalUnit{FinalUnitAction::kBlock, std::nullopt}; }

TEST(ReservationTest, NamesRoundTrip) {
  for (ReservationStatus status : {ReservationStatus::kOpen, ReservationStatus::kCommitted,
                                   ReservationStatus::kReleased, ReservationStatus::kExpired}) {
    EXPECT_EQ(ParseReservationStatus(ReservationStatusName(status)), status);
  }
  for (GrantTier tier : {GrantTier::kNone, GrantTier::kQuota, GrantTier::kUnlimited,
                         GrantTier::kOverCap, GrantTier::kThrottled, GrantTier::kRated}) {
    EXPECT_EQ(ParseGrantTier(GrantTierName(tier)), tier);
  }
  for (GrantResult result :
       {GrantResult::kGranted, GrantResult::kCreditLimitReached, GrantResult::kServiceDenied}) {
    EXPECT_EQ(ParseGrantResult(GrantResultName(result)), result);
  }
  EXPECT_EQ(ParseFinalUnitAction("throttle"), FinalUnitAction::kThrottle);
  EXPECT_EQ(ParseFinalUnitAction("block"), FinalUnitAction::kBlock);
  EXPECT_EQ(ParseFinalUnitAction("redirect"), std::nullopt);
  EXPECT_STREQ(GrantTierName(GrantTier::kOverCap), "over_cap");
  EXPECT_STREQ(GrantResultName(GrantResult::kCreditLimitReached), "credit_limit_reached");
}

TEST(ReservationTest, RequestsAreCheckedAtTheirBounds) {
  const auto reason = [](ReservationRequest request) {
    Result<void> checked = CheckReservationRequest(request);
    return checked ? std::string("ok") : checked.error().reason;
  };
  ReservationRequest request{"pgw.example.jp;1;2;rg10", 0, UsageKind::kData, 1, 10};
  EXPECT_EQ(reason(request), "ok");
  request.requested = kUsageDataBytesMax;
  EXPECT_EQ(reason(request), "ok");
  request.requested = kUsageDataBytesMax + 1;
  EXPECT_EQ(reason(request), "requested_units_invalid");
  request.requested = 0;
  EXPECT_EQ(reason(request), "requested_units_invalid");
  request.requested = -1;
  EXPECT_EQ(reason(request), "requested_units_invalid");
  request.requested = 1;
  request.kind = UsageKind::kVoice;
  request.requested = kUsageVoiceSecondsMax + 1;
  EXPECT_EQ(reason(request), "requested_units_invalid");
  request.kind = UsageKind::kSms;
  request.requested = kUsageSmsMax;
  EXPECT_EQ(reason(request), "ok");
  request.request_number = kRequestNumberMax;
  EXPECT_EQ(reason(request), "ok");
  request.request_number = kRequestNumberMax + 1;
  EXPECT_EQ(reason(request), "request_number_invalid");
  request.request_number = -1;
  EXPECT_EQ(reason(request), "request_number_invalid");
  request.request_number = 3;
  request.rating_group = -1;
  EXPECT_EQ(reason(request), "rating_group_invalid");
  request.rating_group.reset();
  EXPECT_EQ(reason(request), "ok");
  for (const std::string& bad :
       {std::string(), std::string("a b"), std::string("tab\t"),
        std::string(kSessionIdMax + 1, 's'), std::string("\xe3\x81\x82")}) {
    request.session_id = bad;
    EXPECT_EQ(reason(request), "session_id_invalid") << bad;
  }
  request.session_id = std::string(kSessionIdMax, 's');
  EXPECT_EQ(reason(request), "ok");
}

TEST(ReservationTest, UsedUnitsAreCheckedAtTheirBounds) {
  EXPECT_TRUE(CheckUsedUnits(UsageKind::kData, 0));
  EXPECT_TRUE(CheckUsedUnits(UsageKind::kData, kUsageDataBytesMax));
  EXPECT_EQ(CheckUsedUnits(UsageKind::kData, kUsageDataBytesMax + 1).error().reason,
            "used_units_invalid");
  EXPECT_EQ(CheckUsedUnits(UsageKind::kSms, -1).error().reason, "used_units_invalid");
  EXPECT_TRUE(CheckUsedUnits(UsageKind::kVoice, kUsageVoiceSecondsMax));
}

TEST(ReservationTest, DataWithinTheBucketsIsGrantedInFullAtFullSpeed) {
  const Plan plan = TwoStepPlan();
  const UsageState usage = WithBuckets({MakeBucket("bk_1", BundleKind::kData, 10 * kGb)});
  const Grant grant = Data(kGb, &plan, usage);
  EXPECT_EQ(grant.result, GrantResult::kGranted);
  EXPECT_EQ(grant.tier, GrantTier::kQuota);
  EXPECT_EQ(grant.granted, kGb);
  EXPECT_EQ(grant.held, kGb);
  EXPECT_EQ(grant.speed_kbps, std::nullopt);
  EXPECT_EQ(grant.final_unit, std::nullopt);
}

TEST(ReservationTest, AGrantOfExactlyWhatRemainsIsTheFinalOneAndSaysWhatFollows) {
  const Plan two_step = TwoStepPlan();
  const Plan blocking = BlockingPlan();
  const Plan no_steps;
  const UsageState usage = WithBuckets({MakeBucket("bk_1", BundleKind::kData, 3 * kMb),
                                        MakeBucket("bk_2", BundleKind::kData, 2 * kMb)});
  // One byte short of the rest: not the last.
  EXPECT_EQ(Data(5 * kMb - 1, &two_step, usage).final_unit, std::nullopt);
  // Exactly the rest, across two buckets.
  Grant exact = Data(5 * kMb, &two_step, usage);
  EXPECT_EQ(exact.granted, 5 * kMb);
  EXPECT_EQ(exact.final_unit, Throttle(300));
  // More than the rest: the rest, and the last of it.
  Grant more = Data(6 * kMb, &two_step, usage);
  EXPECT_EQ(more.granted, 5 * kMb);
  EXPECT_EQ(more.result, GrantResult::kGranted);
  EXPECT_EQ(more.final_unit, Throttle(300));
  // The first step is what follows, whatever comes after it.
  EXPECT_EQ(Data(5 * kMb, &blocking, usage).final_unit, Throttle(300));
  // Without steps the line is blocked after its quota; without a plan likewise.
  EXPECT_EQ(Data(5 * kMb, &no_steps, usage).final_unit, Block());
  EXPECT_EQ(Data(5 * kMb, nullptr, usage).final_unit, Block());
}

TEST(ReservationTest, WhatOpenReservationsHoldIsNotGrantedAgain) {
  const Plan plan = TwoStepPlan();
  const UsageState usage = WithBuckets({MakeBucket("bk_1", BundleKind::kData, 5 * kMb)});
  ReservationHolds holds;
  holds.data_quota = 4 * kMb;
  holds.data_day = 4 * kMb;
  Grant rest = Data(2 * kMb, &plan, usage, holds);
  EXPECT_EQ(rest.granted, 1 * kMb);
  EXPECT_EQ(rest.final_unit, Throttle(300));
  // All of it held: the line is in its first throttle step for new grants.
  holds.data_quota = 5 * kMb;
  Grant throttled = Data(2 * kMb, &plan, usage, holds);
  EXPECT_EQ(throttled.tier, GrantTier::kThrottled);
  EXPECT_EQ(throttled.granted, 2 * kMb);
  EXPECT_EQ(throttled.held, 2 * kMb);
  EXPECT_EQ(throttled.speed_kbps, 300);
  EXPECT_EQ(throttled.final_unit, std::nullopt);
  // Held beyond what remains (a bucket used up by a usage record meanwhile): never negative.
  holds.data_quota = 9 * kMb;
  EXPECT_EQ(Data(2 * kMb, &plan, usage, holds).tier, GrantTier::kThrottled);
}

TEST(ReservationTest, ZeroRemainingWalksTheThrottleStepsThenBlocks) {
  const Plan plan = TwoStepPlan();
  const Plan blocking = BlockingPlan();
  UsageState usage = WithBuckets({MakeBucket("bk_1", BundleKind::kData, 0)});
  // At the start of the first step: up to its 5 GB at 300 kbps, then 128 kbps.
  Grant first = Data(6 * kGb, &plan, usage);
  EXPECT_EQ(first.tier, GrantTier::kThrottled);
  EXPECT_EQ(first.granted, 5 * kGb);
  EXPECT_EQ(first.speed_kbps, 300);
  EXPECT_EQ(first.final_unit, Throttle(128));
  // Overage and holds move the position along the steps.
  usage.overage_bytes = 4 * kGb;
  ReservationHolds holds;
  holds.data_throttled = kGb - 10;
  EXPECT_EQ(Data(kGb, &plan, usage, holds).granted, 10);
  holds.data_throttled = kGb;
  Grant last = Data(kGb, &plan, usage, holds);
  EXPECT_EQ(last.speed_kbps, 128);
  EXPECT_EQ(last.granted, kGb);  // The last step has no limit.
  EXPECT_EQ(last.final_unit, std::nullopt);
  // A last step with a limit ends in a block.
  usage.overage_bytes = kGb - 1;
  Grant closing = Data(kGb, &blocking, usage);
  EXPECT_EQ(closing.granted, 1);
  EXPECT_EQ(closing.final_unit, Block());
  usage.overage_bytes = kGb;
  Grant blocked = Data(kGb, &blocking, usage);
  EXPECT_EQ(blocked.result, GrantResult::kCreditLimitReached);
  EXPECT_EQ(blocked.granted, 0);
  EXPECT_EQ(blocked.tier, GrantTier::kNone);
  EXPECT_EQ(blocked.final_unit, Block());
  // No steps at all: nothing beyond the buckets.
  const Plan no_steps;
  EXPECT_EQ(Data(1, &no_steps, WithBuckets({})).result, GrantResult::kCreditLimitReached);
  EXPECT_EQ(Data(1, nullptr, WithBuckets({})).result, GrantResult::kCreditLimitReached);
}

TEST(ReservationTest, ExpiredAndFutureBucketsGrantNothing) {
  const Plan plan = BlockingPlan();
  const UsageState usage =
      WithBuckets({MakeBucket("bk_old", BundleKind::kData, kGb, kNow - days{30}, kNow - hours{1}),
                   MakeBucket("bk_new", BundleKind::kData, kGb, kNow + hours{1}, kNow + days{30})});
  Grant grant = Data(kMb, &plan, usage);
  EXPECT_EQ(grant.tier, GrantTier::kThrottled);  // Overage from zero: the new data not started.
}

TEST(ReservationTest, TheDailyCapBoundsEveryGrantOfTheDay) {
  const Plan plan = DailyCapPlan();
  UsageState usage = WithBuckets({MakeBucket("bk_1", BundleKind::kData, kGb)});
  usage.daily[{JstDayStart(kNow), UsageKind::kData}] = 60 * kMb;
  ReservationHolds holds;
  holds.data_day = 30 * kMb;  // Granted to other sessions, whatever tier.
  Grant capped = Data(50 * kMb, &plan, usage, holds);
  EXPECT_EQ(capped.tier, GrantTier::kQuota);
  EXPECT_EQ(capped.granted, 10 * kMb);
  EXPECT_EQ(capped.final_unit, Throttle(200));  // The rest of the day at the first step.
  // Exactly the room left under the cap.
  EXPECT_EQ(Data(10 * kMb, &plan, usage, holds).final_unit, Throttle(200));
  EXPECT_EQ(Data(10 * kMb - 1, &plan, usage, holds).final_unit, std::nullopt);
  // The cap reached: throttled for the rest of the day, without a limit and from nothing.
  holds.data_day = 40 * kMb;
  Grant over = Data(50 * kMb, &plan, usage, holds);
  EXPECT_EQ(over.tier, GrantTier::kOverCap);
  EXPECT_EQ(over.granted, 50 * kMb);
  EXPECT_EQ(over.held, 0);
  EXPECT_EQ(over.speed_kbps, 200);
  EXPECT_EQ(over.final_unit, std::nullopt);
  // Yesterday's usage does not count.
  UsageState yesterday = WithBuckets({MakeBucket("bk_1", BundleKind::kData, kGb)});
  yesterday.daily[{JstDayStart(kNow - days{1}), UsageKind::kData}] = 500 * kMb;
  EXPECT_EQ(Data(50 * kMb, &plan, yesterday).granted, 50 * kMb);
  // A cap without steps blocks at the cap.
  Plan hard = plan;
  hard.throttle.clear();
  EXPECT_EQ(Data(50 * kMb, &hard, usage, holds).result, GrantResult::kCreditLimitReached);
  holds.data_day = 0;
  EXPECT_EQ(Data(50 * kMb, &hard, usage, holds).final_unit, Block());
}

TEST(ReservationTest, TheCapAlsoBoundsTheThrottleSteps) {
  Plan plan = DailyCapPlan();
  plan.throttle = {{kGb, 300}, {0, 128}};
  const UsageState usage = WithBuckets({});
  Grant grant = Data(kGb, &plan, usage);
  EXPECT_EQ(grant.tier, GrantTier::kThrottled);
  EXPECT_EQ(grant.granted, 100 * kMb);
  EXPECT_EQ(grant.final_unit, Throttle(300));  // Over the cap: the first step.
}

TEST(ReservationTest, AnUnlimitedPassGrantsEverythingButTheCap) {
  const Plan plan = TwoStepPlan();
  const UsageState usage = WithBuckets({MakeBucket("bk_pass", BundleKind::kUnlimited, 0),
                                        MakeBucket("bk_data", BundleKind::kData, kMb)});
  Grant grant = Data(kUsageDataBytesMax, &plan, usage);
  EXPECT_EQ(grant.tier, GrantTier::kUnlimited);
  EXPECT_EQ(grant.granted, kUsageDataBytesMax);
  EXPECT_EQ(grant.held, 0);
  EXPECT_EQ(grant.final_unit, std::nullopt);
  // Holds on the buckets do not matter while the pass runs.
  ReservationHolds holds;
  holds.data_quota = 10 * kGb;
  EXPECT_EQ(Data(kGb, &plan, usage, holds).granted, kGb);
  // Under a daily cap, up to the cap, then the first step.
  Plan capped = DailyCapPlan();
  Grant bounded = Data(kGb, &capped, usage);
  EXPECT_EQ(bounded.tier, GrantTier::kUnlimited);
  EXPECT_EQ(bounded.granted, 100 * kMb);
  EXPECT_EQ(bounded.final_unit, Throttle(200));
  // An expired pass is no pass.
  const UsageState expired = WithBuckets(
      {MakeBucket("bk_pass", BundleKind::kUnlimited, 0, kNow - days{2}, kNow - days{1})});
  EXPECT_EQ(Data(kGb, &plan, expired).tier, GrantTier::kThrottled);
}

TEST(ReservationTest, TheLineStateDecidesWhetherAnythingIsGranted) {
  const Plan plan = TwoStepPlan();
  const UsageState usage = WithBuckets(
      {MakeBucket("bk_1", BundleKind::kData, kGb), MakeBucket("bk_v", BundleKind::kVoice, 600)});
  for (LineState state :
       {LineState::kInactive, LineState::kSuspended, LineState::kTerminated, LineState::kBarred}) {
    Grant data = Data(kMb, &plan, usage, {}, state);
    EXPECT_EQ(data.result, GrantResult::kServiceDenied);
    EXPECT_EQ(data.granted, 0);
    EXPECT_EQ(data.final_unit, Block());
    EXPECT_EQ(ComputeGrant(UsageKind::kVoice, 60, &plan, state, usage, {}, 1000, kNow).result,
              GrantResult::kServiceDenied);
  }
  // Grace: data at the lowest step, without a limit; no calls or messages.
  Grant grace = Data(kGb, &plan, usage, {}, LineState::kGrace);
  EXPECT_EQ(grace.tier, GrantTier::kThrottled);
  EXPECT_EQ(grace.speed_kbps, 128);
  EXPECT_EQ(grace.granted, kGb);
  EXPECT_EQ(grace.final_unit, std::nullopt);
  EXPECT_EQ(
      ComputeGrant(UsageKind::kSms, 1, &plan, LineState::kGrace, usage, {}, 1000, kNow).result,
      GrantResult::kServiceDenied);
  const Plan no_steps;
  EXPECT_EQ(Data(kGb, &no_steps, usage, {}, LineState::kGrace).result, GrantResult::kServiceDenied);
}

TEST(ReservationTest, VoiceTakesTheFreeLengthAndBucketsThenWhatTheWalletPays) {
  Plan plan;
  plan.free_call_length_seconds = 300;
  plan.voice_jpy_per_30s = 22;
  const UsageState usage = WithBuckets({MakeBucket("bk_v", BundleKind::kVoice, 600)});
  const auto voice = [&](int64_t requested, const Plan* p, const ReservationHolds& holds,
                         int64_t wallet_jpy) {
    return ComputeGrant(UsageKind::kVoice, requested, p, LineState::kActive, usage, holds,
                        wallet_jpy, kNow);
  };
  Grant within = voice(200, &plan, {}, 0);
  EXPECT_EQ(within.tier, GrantTier::kQuota);
  EXPECT_EQ(within.granted, 200);
  EXPECT_EQ(within.held, 0);  // All free.
  Grant both = voice(1000, &plan, {}, 100);
  EXPECT_EQ(both.granted, 900);  // 300 free + 600 from the bucket.
  EXPECT_EQ(both.held, 600);
  EXPECT_EQ(both.held_jpy, 0);
  EXPECT_EQ(both.final_unit, std::nullopt);  // The wallet pays for more: calls go on.
  // With an empty wallet the allowance is the last of it.
  EXPECT_EQ(voice(1000, &plan, {}, 0).final_unit, Block());
  EXPECT_EQ(voice(900, &plan, {}, 21).final_unit, Block());  // Not even one 30 s unit.
  EXPECT_EQ(voice(899, &plan, {}, 0).final_unit, std::nullopt);
  ReservationHolds holds;
  holds.voice_quota = 600;
  EXPECT_EQ(voice(1000, &plan, holds, 0).granted, 300);  // Only the free length is left.
  Plan unrated = plan;
  unrated.voice_jpy_per_30s = 0;
  EXPECT_EQ(voice(1000, &unrated, {}, 1000).final_unit, Block());
  // Nothing left: what the wallet pays for, in whole 30 s units, less what is set aside.
  Plan no_free = plan;
  no_free.free_call_length_seconds = 0;
  Grant rated = voice(1000, &no_free, holds, 100);
  EXPECT_EQ(rated.tier, GrantTier::kRated);
  EXPECT_EQ(rated.granted, 120);  // 4 × 22 = 88 yen of 100.
  EXPECT_EQ(rated.held, 0);
  EXPECT_EQ(rated.held_jpy, 88);
  EXPECT_EQ(rated.final_unit, Block());  // The wallet's last unit.
  Grant part = voice(61, &no_free, holds, 100);
  EXPECT_EQ(part.granted, 61);
  EXPECT_EQ(part.held_jpy, 66);  // Three started 30 s units.
  EXPECT_EQ(part.final_unit, std::nullopt);
  holds.rated_jpy = 56;
  EXPECT_EQ(voice(1000, &no_free, holds, 100).granted, 60);  // 44 yen left: two units.
  holds.rated_jpy = 79;
  Grant broke = voice(1, &no_free, holds, 100);  // 21 yen left.
  EXPECT_EQ(broke.result, GrantResult::kCreditLimitReached);
  EXPECT_EQ(broke.granted, 0);
  holds.rated_jpy = 0;
  EXPECT_EQ(voice(1, &no_free, holds, -5).result, GrantResult::kCreditLimitReached);
  no_free.voice_jpy_per_30s = 0;
  EXPECT_EQ(voice(1000, &no_free, holds, 1000).result, GrantResult::kCreditLimitReached);
  EXPECT_EQ(voice(1, nullptr, holds, 1000).result, GrantResult::kCreditLimitReached);
}

TEST(ReservationTest, SmsTakesBucketsThenWhatTheWalletPays) {
  Plan plan;
  plan.sms_jpy_tenths = 33;  // 3.3 yen a message.
  const UsageState usage = WithBuckets({MakeBucket("bk_s", BundleKind::kSms, 2)});
  const auto sms = [&](int64_t requested, const Plan* p, const ReservationHolds& holds,
                       int64_t wallet_jpy) {
    return ComputeGrant(UsageKind::kSms, requested, p, LineState::kActive, usage, holds, wallet_jpy,
                        kNow);
  };
  EXPECT_EQ(sms(1, &plan, {}, 0).tier, GrantTier::kQuota);
  EXPECT_EQ(sms(3, &plan, {}, 0).granted, 2);
  ReservationHolds holds;
  holds.sms_quota = 2;
  Grant rated = sms(5, &plan, holds, 10);
  EXPECT_EQ(rated.tier, GrantTier::kRated);
  EXPECT_EQ(rated.granted, 3);    // 9.9 yen of 10.
  EXPECT_EQ(rated.held_jpy, 10);  // Rounded up.
  EXPECT_EQ(rated.final_unit, Block());
  EXPECT_EQ(sms(1, &plan, holds, 3).result, GrantResult::kCreditLimitReached);
  EXPECT_EQ(sms(1, nullptr, holds, 10).result, GrantResult::kCreditLimitReached);
  Grant last = sms(2, nullptr, {}, 10);
  EXPECT_EQ(last.granted, 2);
  EXPECT_EQ(last.held, 2);
  EXPECT_EQ(last.final_unit, Block());
}

TEST(ReservationTest, HoldsAreSummedByKindAndTier) {
  const ReservationHolds sum = SumHolds({{UsageKind::kData, GrantTier::kQuota, 10, 10},
                                         {UsageKind::kData, GrantTier::kThrottled, 5, 5},
                                         {UsageKind::kData, GrantTier::kUnlimited, 7, 0},
                                         {UsageKind::kData, GrantTier::kOverCap, 3, 0},
                                         {UsageKind::kVoice, GrantTier::kQuota, 400, 100},
                                         {UsageKind::kVoice, GrantTier::kRated, 60, 0, 44},
                                         {UsageKind::kSms, GrantTier::kQuota, 2, 2}});
  EXPECT_EQ(sum.data_quota, 10);
  EXPECT_EQ(sum.data_throttled, 5);
  EXPECT_EQ(sum.data_day, 25);
  EXPECT_EQ(sum.voice_quota, 100);
  EXPECT_EQ(sum.sms_quota, 2);
  EXPECT_EQ(sum.rated_jpy, 44);
}

TEST(ReservationTest, SuccessiveGrantsNeverPromiseMoreThanRemains) {
  // Reserve 1..N bytes at a time against what the earlier grants hold, as the store would sum
  // them: the grants from the buckets add up to exactly what remains.
  const Plan plan = BlockingPlan();
  const UsageState usage = WithBuckets(
      {MakeBucket("bk_1", BundleKind::kData, 1'000), MakeBucket("bk_2", BundleKind::kData, 333)});
  std::vector<ReservationHold> held;
  int64_t from_buckets = 0;
  int finals = 0;
  for (int64_t requested = 1; from_buckets < 1'333; requested = requested % 97 + 1) {
    const Grant grant = Data(requested, &plan, usage, SumHolds(held));
    ASSERT_EQ(grant.tier, GrantTier::kQuota);
    ASSERT_GT(grant.granted, 0);
    from_buckets += grant.granted;
    finals += grant.final_unit ? 1 : 0;
    held.push_back({UsageKind::kData, grant.tier, grant.granted, grant.held});
  }
  EXPECT_EQ(from_buckets, 1'333);
  EXPECT_EQ(finals, 1);  // Only the grant that took the last byte.
  EXPECT_EQ(Data(1, &plan, usage, SumHolds(held)).tier, GrantTier::kThrottled);
}

TEST(ReservationTest, StatusReadsExpiredPastTheValidity) {
  Reservation reservation;
  reservation.status = ReservationStatus::kOpen;
  reservation.expires_at = kNow;
  EXPECT_EQ(StatusAt(reservation, kNow - std::chrono::seconds{1}), ReservationStatus::kOpen);
  EXPECT_EQ(StatusAt(reservation, kNow), ReservationStatus::kExpired);
  reservation.status = ReservationStatus::kCommitted;
  EXPECT_EQ(StatusAt(reservation, kNow + days{1}), ReservationStatus::kCommitted);
}

TEST(ReservationTest, ARepeatIsTheSameRequestOnTheSameLine) {
  Reservation reservation;
  reservation.line_id = LineId{"ln_1"};
  reservation.kind = UsageKind::kData;
  reservation.requested = 100;
  reservation.rating_group = 10;
  ReservationRequest request{"s", 0, UsageKind::kData, 100, 10};
  EXPECT_TRUE(SameRequest(reservation, LineId{"ln_1"}, request));
  EXPECT_FALSE(SameRequest(reservation, LineId{"ln_2"}, request));
  request.requested = 101;
  EXPECT_FALSE(SameRequest(reservation, LineId{"ln_1"}, request));
  request.requested = 100;
  request.rating_group.reset();
  EXPECT_FALSE(SameRequest(reservation, LineId{"ln_1"}, request));
  request.rating_group = 10;
  request.kind = UsageKind::kVoice;
  EXPECT_FALSE(SameRequest(reservation, LineId{"ln_1"}, request));
}

TEST(ReservationTest, ACommitIsAUsageRecordNamedAfterTheReservation) {
  Reservation reservation;
  reservation.id = ReservationId{"rs_1"};
  reservation.line_id = LineId{"ln_1"};
  reservation.kind = UsageKind::kVoice;
  reservation.rating_group = 7;
  reservation.created_at = kNow;
  const UsageRecord record = CommitRecord(reservation, 95, kNow + std::chrono::seconds{95});
  EXPECT_EQ(record.record_id, "resv:rs_1");
  EXPECT_EQ(record.line_id.value, "ln_1");
  EXPECT_EQ(record.kind, UsageKind::kVoice);
  EXPECT_EQ(record.quantity, 95);
  EXPECT_EQ(record.start, kNow);
  EXPECT_EQ(record.end, kNow + std::chrono::seconds{95});
  EXPECT_EQ(record.rating_group, 7);
  EXPECT_TRUE(CheckUsageRecord(record, record.end));
}

}  // namespace
}  // namespace simkeep::domain
