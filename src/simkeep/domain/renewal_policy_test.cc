#include "simkeep/domain/renewal_policy.h"

#include <chrono>

#include <gtest/gtest.h>

#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace)

Timestamp At(const char* rfc3339) {
  std::optional<Timestamp> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(Timestamp{});
}

// 23:59:59 JST, `days` after the JST date of `t`.
Timestamp EndOfDayAfter(Timestamp t, int days) {
  const std::chrono::sys_days date = std::chrono::sys_days(JstDate(t)) + std::chrono::days(days);
  return JstEndOfDay(std::chrono::year_month_day(date));
}

Plan BasePlan(RenewalMode mode, Validity validity) {
  Plan plan;
  plan.id = PlanId{"test-plan"};
  plan.carrier = CarrierCode::kAu;
  plan.name = "TEST";
  plan.kind = PlanKind::kRenewal;
  plan.service = ServiceKind::kVoice;
  plan.prices = {{At("2025-01-01T00:00:00+09:00"), 1000}};
  plan.validity = validity;
  plan.renewal_mode = mode;
  return plan;
}

// SoftBank-style recharge card: +60 days each, never more than 360 days ahead.
Plan SoftbankCard() {
  Plan plan = BasePlan(RenewalMode::kExtend, {60, 0, DayConvention::kHours24EndOfDay});
  plan.extend_cap_days = 360;
  return plan;
}

// b-mobile-style day charge: +1 GB and +1 calendar day.
Plan DayCharge() {
  Plan plan = BasePlan(RenewalMode::kExtend, {1, 0, DayConvention::kCalendarDays});
  plan.kind = PlanKind::kTopping;
  plan.bundles = {{BundleKind::kData, 1'000'000'000}};
  plan.extend_cap_days = 30;
  return plan;
}

// povo-style 30-day 3 GB topping.
Plan PovoTopping() {
  Plan plan = BasePlan(RenewalMode::kStack, {30, 0, DayConvention::kHours24EndOfDay});
  plan.kind = PlanKind::kTopping;
  plan.bundles = {{BundleKind::kData, 3'000'000'000}};
  return plan;
}

const Timestamp kNow = At("2026-11-22T18:30:00+09:00");

TEST(ApplyRenewalTest, ExtendOnALineWithoutExpiryCountsFromNow) {
  const RenewalOutcome outcome = ApplyRenewal(std::nullopt, SoftbankCard(), kNow);
  EXPECT_EQ(outcome.line_expires_at, At("2027-01-21T23:59:59+09:00"));
  EXPECT_EQ(outcome.days_added, 60);
  EXPECT_FALSE(outcome.capped);
  EXPECT_TRUE(outcome.buckets.empty());
}

TEST(ApplyRenewalTest, ExtendAddsDaysToARunningExpiry) {
  const RenewalOutcome outcome =
      ApplyRenewal(At("2026-12-31T23:59:59+09:00"), SoftbankCard(), kNow);
  EXPECT_EQ(outcome.line_expires_at, At("2027-03-01T23:59:59+09:00"));
  EXPECT_EQ(outcome.days_added, 60);
  EXPECT_FALSE(outcome.capped);
}

TEST(ApplyRenewalTest, ExtendOnAnExpiredLineCountsFromNow) {
  const RenewalOutcome outcome =
      ApplyRenewal(At("2026-10-01T23:59:59+09:00"), SoftbankCard(), kNow);
  EXPECT_EQ(outcome.line_expires_at, At("2027-01-21T23:59:59+09:00"));
  EXPECT_EQ(outcome.days_added, 60);
}

TEST(ApplyRenewalTest, ExtendFromAnExpiryEqualToNowCountsFromTheExpiry) {
  const Timestamp expiry = At("2026-11-22T23:59:59+09:00");
  const RenewalOutcome outcome = ApplyRenewal(expiry, SoftbankCard(), expiry);
  EXPECT_EQ(outcome.line_expires_at, At("2027-01-21T23:59:59+09:00"));
}

TEST(ApplyRenewalTest, ExtendReachingTheCapExactlyIsNotCapped) {
  const Timestamp limit = EndOfDayAfter(kNow, 360);
  ASSERT_EQ(limit, At("2027-11-17T23:59:59+09:00"));
  const RenewalOutcome outcome = ApplyRenewal(EndOfDayAfter(kNow, 300), SoftbankCard(), kNow);
  EXPECT_EQ(outcome.line_expires_at, limit);
  EXPECT_EQ(outcome.days_added, 60);
  EXPECT_FALSE(outcome.capped);
}

TEST(ApplyRenewalTest, ExtendBeyondTheCapStopsAtTheCap) {
  const RenewalOutcome outcome = ApplyRenewal(EndOfDayAfter(kNow, 313), SoftbankCard(), kNow);
  EXPECT_EQ(outcome.line_expires_at, EndOfDayAfter(kNow, 360));
  EXPECT_EQ(outcome.days_added, 47);
  EXPECT_TRUE(outcome.capped);
}

TEST(ApplyRenewalTest, ExtendAtTheCapAddsNothing) {
  const RenewalOutcome outcome = ApplyRenewal(EndOfDayAfter(kNow, 360), SoftbankCard(), kNow);
  EXPECT_EQ(outcome.line_expires_at, EndOfDayAfter(kNow, 360));
  EXPECT_EQ(outcome.days_added, 0);
  EXPECT_TRUE(outcome.capped);
}

TEST(ApplyRenewalTest, ExtendNeverShortensAnExpiryAlreadyPastTheCap) {
  const Timestamp far = EndOfDayAfter(kNow, 400);  // Granted by some other plan.
  const RenewalOutcome outcome = ApplyRenewal(far, SoftbankCard(), kNow);
  EXPECT_EQ(outcome.line_expires_at, far);
  EXPECT_EQ(outcome.days_added, 0);
  EXPECT_TRUE(outcome.capped);
}

TEST(ApplyRenewalTest, SevenCardsInARowStopAt360Days) {
  std::optional<Timestamp> expiry;
  for (int card = 1; card <= 6; ++card) {
    const RenewalOutcome outcome = ApplyRenewal(expiry, SoftbankCard(), kNow);
    EXPECT_EQ(outcome.line_expires_at, EndOfDayAfter(kNow, 60 * card)) << card;
    EXPECT_FALSE(outcome.capped) << card;
    expiry = outcome.line_expires_at;
  }
  const RenewalOutcome seventh = ApplyRenewal(expiry, SoftbankCard(), kNow);
  EXPECT_EQ(seventh.line_expires_at, EndOfDayAfter(kNow, 360));
  EXPECT_TRUE(seventh.capped);
  EXPECT_EQ(seventh.days_added, 0);
}

TEST(ApplyRenewalTest, DayChargeInsideThePeriodAddsOneDayAndOneGigabyte) {
  const Timestamp expiry = At("2026-11-25T23:59:59+09:00");
  const RenewalOutcome outcome = ApplyRenewal(expiry, DayCharge(), kNow);
  EXPECT_EQ(outcome.line_expires_at, At("2026-11-26T23:59:59+09:00"));
  ASSERT_EQ(outcome.buckets.size(), 1U);
  EXPECT_EQ(outcome.buckets[0].kind, BundleKind::kData);
  EXPECT_EQ(outcome.buckets[0].quantity, 1'000'000'000);
  EXPECT_EQ(outcome.buckets[0].starts_at, kNow);
  EXPECT_EQ(outcome.buckets[0].expires_at, outcome.line_expires_at);
}

TEST(ApplyRenewalTest, DayChargeAfterExpiryLastsUntilTheEndOfToday) {
  const RenewalOutcome outcome = ApplyRenewal(At("2026-11-20T23:59:59+09:00"), DayCharge(), kNow);
  EXPECT_EQ(outcome.line_expires_at, At("2026-11-22T23:59:59+09:00"));
  EXPECT_EQ(outcome.days_added, 1);
  EXPECT_EQ(outcome.buckets[0].expires_at, At("2026-11-22T23:59:59+09:00"));
}

TEST(ApplyRenewalTest, StackGivesEachBundleItsOwnExpiry) {
  const RenewalOutcome outcome = ApplyRenewal(std::nullopt, PovoTopping(), kNow);
  ASSERT_EQ(outcome.buckets.size(), 1U);
  EXPECT_EQ(outcome.buckets[0].starts_at, kNow);
  EXPECT_EQ(outcome.buckets[0].expires_at, At("2026-12-22T23:59:59+09:00"));
  EXPECT_EQ(outcome.line_expires_at, At("2026-12-22T23:59:59+09:00"));
  EXPECT_EQ(outcome.days_added, 30);
  EXPECT_FALSE(outcome.capped);
}

TEST(ApplyRenewalTest, StackingTwiceKeepsTwoBucketsWithSeparateExpiries) {
  const RenewalOutcome first = ApplyRenewal(std::nullopt, PovoTopping(), kNow);
  const Timestamp later = At("2026-12-02T09:00:00+09:00");
  const RenewalOutcome second = ApplyRenewal(first.line_expires_at, PovoTopping(), later);
  ASSERT_EQ(second.buckets.size(), 1U);
  EXPECT_EQ(first.buckets[0].expires_at, At("2026-12-22T23:59:59+09:00"));
  EXPECT_EQ(second.buckets[0].expires_at, At("2027-01-01T23:59:59+09:00"));
  EXPECT_EQ(second.line_expires_at, At("2027-01-01T23:59:59+09:00"));
}

TEST(ApplyRenewalTest, StackNeverShortensTheLineExpiry) {
  const Timestamp far = At("2027-06-30T23:59:59+09:00");
  const RenewalOutcome outcome = ApplyRenewal(far, PovoTopping(), kNow);
  EXPECT_EQ(outcome.line_expires_at, far);
  EXPECT_EQ(outcome.buckets[0].expires_at, At("2026-12-22T23:59:59+09:00"));
}

TEST(ApplyRenewalTest, StackWithSeveralBundlesGrantsThemInOrder) {
  Plan plan = PovoTopping();
  plan.bundles = {
      {BundleKind::kData, 20'000'000'000}, {BundleKind::kVoice, 600}, {BundleKind::kSms, 50}};
  const RenewalOutcome outcome = ApplyRenewal(std::nullopt, plan, kNow);
  ASSERT_EQ(outcome.buckets.size(), 3U);
  EXPECT_EQ(outcome.buckets[1].kind, BundleKind::kVoice);
  EXPECT_EQ(outcome.buckets[1].quantity, 600);
  EXPECT_EQ(outcome.buckets[2].kind, BundleKind::kSms);
  for (const GrantedBucket& bucket : outcome.buckets) {
    EXPECT_EQ(bucket.expires_at, At("2026-12-22T23:59:59+09:00"));
  }
}

TEST(ApplyRenewalTest, StackWithoutBundlesMovesOnlyTheLineExpiry) {
  Plan plan = BasePlan(RenewalMode::kStack, {30, 0, DayConvention::kCalendarDays});
  const RenewalOutcome outcome = ApplyRenewal(At("2026-11-20T23:59:59+09:00"), plan, kNow);
  EXPECT_TRUE(outcome.buckets.empty());
  EXPECT_EQ(outcome.line_expires_at, At("2026-12-21T23:59:59+09:00"));
}

// A 30-day monthly plan with 20 GB, renewed by the scheduler on the day before expiry.
Plan MonthlyPlan() {
  Plan plan = BasePlan(RenewalMode::kStack, {30, 0, DayConvention::kCalendarDays});
  plan.bundles = {{BundleKind::kData, 20'000'000'000}};
  return plan;
}

TEST(ApplyRenewalTest, ARenewalBeforeExpiryPaysForTheNextPeriodWithoutLosingADay) {
  const Timestamp expiry = At("2026-11-23T23:59:59+09:00");
  const RenewalOutcome outcome = ApplyRenewal(expiry, MonthlyPlan(), kNow);
  // Day 1 of the new period is 11-24; day 30 is 12-23.
  EXPECT_EQ(outcome.line_expires_at, At("2026-12-23T23:59:59+09:00"));
  ASSERT_EQ(outcome.buckets.size(), 1U);
  EXPECT_EQ(outcome.buckets[0].starts_at, kNow);
  EXPECT_EQ(outcome.buckets[0].expires_at, At("2026-12-23T23:59:59+09:00"));
  EXPECT_EQ(outcome.days_added, 30);
}

TEST(ApplyRenewalTest, TwelveRenewalsADayEarlyCoverExactlyThreeHundredSixtyDays) {
  Timestamp expiry = At("2026-11-23T23:59:59+09:00");
  const Timestamp first = expiry;
  for (int i = 0; i < 12; ++i) {
    const Timestamp run = expiry - 24h;
    expiry = ApplyRenewal(expiry, MonthlyPlan(), run).line_expires_at;
  }
  EXPECT_EQ(expiry - first, std::chrono::days(360));
}

TEST(ApplyRenewalTest, ARenewalAtTheLastSecondStillContinuesThePeriod) {
  const Timestamp expiry = At("2026-11-22T23:59:59+09:00");
  const RenewalOutcome outcome = ApplyRenewal(expiry, MonthlyPlan(), expiry);
  EXPECT_EQ(outcome.line_expires_at, At("2026-12-22T23:59:59+09:00"));
}

TEST(ApplyRenewalTest, ARenewalAfterExpiryCountsFromToday) {
  const RenewalOutcome outcome = ApplyRenewal(At("2026-11-21T23:59:59+09:00"), MonthlyPlan(), kNow);
  EXPECT_EQ(outcome.line_expires_at, At("2026-12-21T23:59:59+09:00"));
  EXPECT_EQ(outcome.buckets[0].expires_at, At("2026-12-21T23:59:59+09:00"));
}

TEST(ApplyRenewalTest, AToppingOnARunningLineStillCountsFromNow) {
  const RenewalOutcome outcome = ApplyRenewal(At("2026-11-30T23:59:59+09:00"), PovoTopping(), kNow);
  EXPECT_EQ(outcome.buckets[0].expires_at, At("2026-12-22T23:59:59+09:00"));
  EXPECT_EQ(outcome.line_expires_at, At("2026-12-22T23:59:59+09:00"));
}

TEST(ApplyRenewalTest, UnlimitedDayPassLastsExactly24Hours) {
  Plan plan = BasePlan(RenewalMode::kStack, {0, 24, DayConvention::kHours24});
  plan.kind = PlanKind::kTopping;
  plan.bundles = {{BundleKind::kUnlimited, 0}};
  const RenewalOutcome outcome = ApplyRenewal(std::nullopt, plan, kNow);
  ASSERT_EQ(outcome.buckets.size(), 1U);
  EXPECT_EQ(outcome.buckets[0].kind, BundleKind::kUnlimited);
  EXPECT_EQ(outcome.buckets[0].quantity, 0);
  EXPECT_EQ(outcome.buckets[0].expires_at, kNow + 24h);
  EXPECT_EQ(outcome.days_added, 0);
}

TEST(ApplyRenewalDeathTest, AnOpenEndedBasePlanIsNotARenewal) {
  const Plan plan = BasePlan(RenewalMode::kStack, Validity{});
  EXPECT_DEATH((void)ApplyRenewal(std::nullopt, plan, kNow), "assertion failed");
}

}  // namespace
}  // namespace simkeep::domain
