#include "simkeep/domain/auto_renewal.h"

#include <gtest/gtest.h>

#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

Timestamp Jst(const char* text) { return *ParseRfc3339(text); }

AutoRenewal Setting() {
  AutoRenewal setting;
  setting.line_id = LineId{"ln_1"};
  setting.enabled = true;
  setting.plan_id = PlanId{"sample-docomo-mvno-2gb"};
  setting.payment_method_id = "balance";
  setting.monthly_cap_jpy = 3000;
  return setting;
}

TEST(AutoRenewalTest, ASettingNeedsAPlanAMethodAndACap) {
  EXPECT_TRUE(ValidateAutoRenewal(Setting()));
  AutoRenewal no_plan = Setting();
  no_plan.plan_id = PlanId{};
  EXPECT_EQ(ValidateAutoRenewal(no_plan).error().reason, "plan_id_required");
  AutoRenewal no_method = Setting();
  no_method.payment_method_id.clear();
  EXPECT_EQ(ValidateAutoRenewal(no_method).error().reason, "payment_method_id_required");
  for (int64_t cap : {int64_t{0}, int64_t{-1}, kAutoRenewalCapJpyMax + 1}) {
    AutoRenewal bad = Setting();
    bad.monthly_cap_jpy = cap;
    EXPECT_EQ(ValidateAutoRenewal(bad).error().reason, "monthly_cap_invalid") << cap;
  }
  AutoRenewal top = Setting();
  top.monthly_cap_jpy = kAutoRenewalCapJpyMax;
  EXPECT_TRUE(ValidateAutoRenewal(top));
}

TEST(AutoRenewalTest, AnAutomaticTopUpNeedsBothItsToppingAndItsThreshold) {
  AutoRenewal topup = Setting();
  EXPECT_FALSE(HasAutoTopup(topup));
  topup.topup_plan_id = PlanId{"topping"};
  EXPECT_EQ(ValidateAutoRenewal(topup).error().reason, "auto_topup_incomplete");
  topup.topup_below_bytes = 500'000'000;
  EXPECT_TRUE(ValidateAutoRenewal(topup));
  EXPECT_TRUE(HasAutoTopup(topup));
  topup.enabled = false;  // The one switch stops renewals and top-ups alike.
  EXPECT_FALSE(HasAutoTopup(topup));
  AutoRenewal threshold_only = Setting();
  threshold_only.topup_below_bytes = 1;
  EXPECT_EQ(ValidateAutoRenewal(threshold_only).error().reason, "auto_topup_incomplete");
  for (int64_t below : {int64_t{0}, int64_t{-1}, kTopupBelowBytesMax + 1}) {
    AutoRenewal bad = Setting();
    bad.topup_plan_id = PlanId{"topping"};
    bad.topup_below_bytes = below;
    EXPECT_EQ(ValidateAutoRenewal(bad).error().reason, "topup_below_bytes_invalid") << below;
  }
  topup.topup_below_bytes = kTopupBelowBytesMax;
  EXPECT_TRUE(ValidateAutoRenewal(topup));
}

TEST(AutoRenewalTest, DueALeadBeforeExpiryWithOneKeyPerValidityEnd) {
  const Timestamp end = Jst("2026-12-31T23:59:59+09:00");
  EXPECT_EQ(AutoRenewalDueAt(end, std::chrono::hours{24}), Jst("2026-12-30T23:59:59+09:00"));
  EXPECT_EQ(AutoRenewalKey(LineId{"ln_1"}, end), AutoRenewalKey(LineId{"ln_1"}, end));
  EXPECT_NE(AutoRenewalKey(LineId{"ln_1"}, end),
            AutoRenewalKey(LineId{"ln_1"}, end + std::chrono::microseconds{1}));
  EXPECT_NE(AutoRenewalKey(LineId{"ln_1"}, end), AutoRenewalKey(LineId{"ln_2"}, end));
}

TEST(AutoRenewalTest, MonthsAreJstCalendarMonths) {
  // 2026-11-30T15:00Z is already 1 December in Japan.
  EXPECT_EQ(JstMonthStart(Jst("2026-11-30T15:00:00Z")), Jst("2026-12-01T00:00:00+09:00"));
  EXPECT_EQ(JstMonthStart(Jst("2026-11-30T14:59:59Z")), Jst("2026-11-01T00:00:00+09:00"));
  EXPECT_EQ(JstNextMonthStart(Jst("2026-12-15T10:00:00+09:00")), Jst("2027-01-01T00:00:00+09:00"));
  EXPECT_EQ(JstNextMonthStart(Jst("2028-02-29T23:59:59+09:00")), Jst("2028-03-01T00:00:00+09:00"));
  EXPECT_EQ(JstMonthStart(Jst("2028-02-29T23:59:59+09:00")), Jst("2028-02-01T00:00:00+09:00"));
}

TEST(AutoRenewalTest, TheCapCountsWhatWasChargedThisMonth) {
  EXPECT_TRUE(CheckMonthlyCap(0, 3000, 3000));
  EXPECT_TRUE(CheckMonthlyCap(1000, 2000, 3000));
  Result<void> over = CheckMonthlyCap(1001, 2000, 3000);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(over.error().reason, "auto_renewal_cap_reached");
  EXPECT_FALSE(CheckMonthlyCap(0, 3001, 3000));
}

TEST(AutoRenewalTest, FailedPaymentsAreRetriedAfterAnHourADayAndThreeDaysThenNotAgain) {
  const Timestamp at = Jst("2026-12-30T23:59:59+09:00");
  EXPECT_EQ(NextRetryAt(1, at), at + std::chrono::hours{1});
  EXPECT_EQ(NextRetryAt(2, at), at + std::chrono::days{1});
  EXPECT_EQ(NextRetryAt(3, at), at + std::chrono::days{3});
  EXPECT_EQ(NextRetryAt(kAutoRenewalAttemptsMax, at), std::nullopt);
  EXPECT_EQ(NextRetryAt(0, at), std::nullopt);
}

TEST(AutoRenewalTest, JobStatusNamesRoundTrip) {
  for (JobStatus status : {JobStatus::kRunning, JobStatus::kRetrying, JobStatus::kDone,
                           JobStatus::kSkipped, JobStatus::kFailed}) {
    EXPECT_EQ(ParseJobStatus(JobStatusName(status)), status);
  }
  EXPECT_EQ(ParseJobStatus("pending"), std::nullopt);
}

}  // namespace
}  // namespace simkeep::domain
