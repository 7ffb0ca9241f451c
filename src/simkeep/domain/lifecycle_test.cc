#include "simkeep/domain/lifecycle.h"

#include <chrono>

#include <gtest/gtest.h>

#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

Timestamp Jst(const char* text) { return *ParseRfc3339(text); }

KeepRule Docomo() {  // The sample catalog's: 2 days of grace, 30 days suspended.
  KeepRule rule;
  rule.grace_days = 2;
  rule.suspension_to_termination_days = 30;
  return rule;
}

KeepRule Au() {  // The sample catalog's povo-style rule: 180 days without paid activity.
  KeepRule rule;
  rule.keep_window_days = 180;
  rule.suspension_to_termination_days = 30;
  rule.number_quarantine_days = 180;
  rule.activity_usage_charge_jpy_min = 660;
  return rule;
}

// Applies steps until none is due, returning the states passed through.
std::vector<LineState> Walk(LineState state, Timestamp end, const KeepRule& rule, Timestamp now) {
  std::vector<LineState> path;
  while (std::optional<LifecycleStep> step = NextLifecycleStep(state, end, rule, now)) {
    EXPECT_TRUE(CheckTransition(state, step->to)) << LineStateName(state);
    state = step->to;
    path.push_back(state);
  }
  return path;
}

TEST(LifecycleTest, EachStepFallsDueAtItsDateFromTheValidityEnd) {
  const Timestamp end = Jst("2026-12-31T23:59:59+09:00");
  const KeepRule rule = Docomo();
  EXPECT_EQ(NextLifecycleStep(LineState::kActive, end, rule, Jst("2026-12-31T23:59:58+09:00")),
            std::nullopt);
  std::optional<LifecycleStep> grace = NextLifecycleStep(LineState::kActive, end, rule, end);
  ASSERT_TRUE(grace);
  EXPECT_EQ(grace->to, LineState::kGrace);
  EXPECT_EQ(grace->reason, "validity_ended");
  // Grace for two days (across the year end), then suspended.
  EXPECT_EQ(SuspensionDueAt(end, rule), Jst("2027-01-02T23:59:59+09:00"));
  EXPECT_EQ(NextLifecycleStep(LineState::kGrace, end, rule, Jst("2027-01-02T23:59:58+09:00")),
            std::nullopt);
  std::optional<LifecycleStep> suspend =
      NextLifecycleStep(LineState::kGrace, end, rule, Jst("2027-01-02T23:59:59+09:00"));
  ASSERT_TRUE(suspend);
  EXPECT_EQ(suspend->to, LineState::kSuspended);
  EXPECT_EQ(suspend->reason, "grace_ended");
  // 30 days suspended, then terminated.
  EXPECT_EQ(TerminationDueAt(end, rule), Jst("2027-02-01T23:59:59+09:00"));
  EXPECT_EQ(NextLifecycleStep(LineState::kSuspended, end, rule, Jst("2027-02-01T23:59:58+09:00")),
            std::nullopt);
  std::optional<LifecycleStep> terminate =
      NextLifecycleStep(LineState::kSuspended, end, rule, Jst("2027-02-01T23:59:59+09:00"));
  ASSERT_TRUE(terminate);
  EXPECT_EQ(terminate->to, LineState::kTerminated);
  EXPECT_EQ(terminate->reason, "suspension_ended");
}

TEST(LifecycleTest, ALineLongExpiredWalksEveryStepInOrder) {
  const Timestamp end = Jst("2028-02-28T23:59:59+09:00");
  const std::vector<LineState> all = {LineState::kGrace, LineState::kSuspended,
                                      LineState::kTerminated};
  EXPECT_EQ(Walk(LineState::kActive, end, Docomo(), Jst("2029-01-01T00:00:00+09:00")), all);
  // Across a leap day: grace ends 2028-03-01 (29 February counts).
  EXPECT_EQ(SuspensionDueAt(end, Docomo()), Jst("2028-03-01T23:59:59+09:00"));
  // No grace and no suspension period: all three steps at the validity end itself.
  KeepRule none;
  EXPECT_EQ(Walk(LineState::kActive, end, none, end), all);
}

TEST(LifecycleTest, AKeepWindowHoldsTheLineInGraceForItsLengthFromTheLastPaidValidityEnd) {
  // The last paid topping ran out at the end of 30 June: grace at once (the line stays on its
  // base plan at the lowest speed), suspended 180 days later, terminated 30 days after that.
  const Timestamp end = Jst("2026-06-30T23:59:59+09:00");
  const KeepRule rule = Au();
  std::optional<LifecycleStep> grace = NextLifecycleStep(LineState::kActive, end, rule, end);
  ASSERT_TRUE(grace);
  EXPECT_EQ(grace->to, LineState::kGrace);
  EXPECT_EQ(SuspensionDueAt(end, rule), Jst("2026-12-27T23:59:59+09:00"));
  EXPECT_EQ(NextLifecycleStep(LineState::kGrace, end, rule, Jst("2026-12-27T23:59:58+09:00")),
            std::nullopt);
  std::optional<LifecycleStep> suspend =
      NextLifecycleStep(LineState::kGrace, end, rule, Jst("2026-12-27T23:59:59+09:00"));
  ASSERT_TRUE(suspend);
  EXPECT_EQ(suspend->to, LineState::kSuspended);
  EXPECT_EQ(suspend->reason, "keep_window_ended");
  EXPECT_EQ(TerminationDueAt(end, rule), Jst("2027-01-26T23:59:59+09:00"));
  // Grace longer than the keep window: the grace period decides, with its own reason.
  KeepRule longer_grace = rule;
  longer_grace.grace_days = 200;
  EXPECT_EQ(SuspensionDueAt(end, longer_grace), end + std::chrono::days{200});
  EXPECT_EQ(
      NextLifecycleStep(LineState::kGrace, end, longer_grace, end + std::chrono::days{200})->reason,
      "grace_ended");
}

TEST(LifecycleTest, AGraceLastsTheGracePeriodOrTheKeepWindowWhicheverIsLonger) {
  EXPECT_EQ(GraceLength(Docomo()), std::chrono::days{2});
  EXPECT_EQ(GraceLength(Au()), std::chrono::days{180});  // No grace period: the keep window.
  KeepRule longer_grace = Au();
  longer_grace.grace_days = 200;
  EXPECT_EQ(GraceLength(longer_grace), std::chrono::days{200});
  EXPECT_EQ(GraceLength(KeepRule{}), std::chrono::days{0});
  const Timestamp end = Jst("2026-06-30T23:59:59+09:00");
  EXPECT_EQ(SuspensionDueAt(end, Au()), end + GraceLength(Au()));
}

TEST(LifecycleTest, ATerminatedNumberIsHeldForTheQuarantineDays) {
  const Timestamp terminated = Jst("2027-01-26T23:59:59+09:00");
  EXPECT_EQ(NumberReleasedAt(terminated, Au()), Jst("2027-07-25T23:59:59+09:00"));
  EXPECT_EQ(NumberReleasedAt(terminated, Docomo()), terminated);  // No quarantine days.
}

TEST(LifecycleTest, LinesWithoutAValidityEndOrOutsideTheCycleStay) {
  const Timestamp later = Jst("2030-01-01T00:00:00+09:00");
  EXPECT_EQ(NextLifecycleStep(LineState::kActive, std::nullopt, Docomo(), later), std::nullopt);
  const Timestamp end = Jst("2026-01-01T00:00:00+09:00");
  for (LineState state : {LineState::kInactive, LineState::kTerminated, LineState::kBarred}) {
    EXPECT_EQ(NextLifecycleStep(state, end, Docomo(), later), std::nullopt) << LineStateName(state);
  }
}

TEST(LifecycleTest, UsageChargesAboveTheRulesMinimumKeepTheLine) {
  KeepRule povo;
  povo.keep_window_days = 180;
  povo.activity_usage_charge_jpy_min = 660;
  EXPECT_FALSE(UsageChargesKeepLine(povo, 0));
  EXPECT_FALSE(UsageChargesKeepLine(povo, 660));  // Above, not at.
  EXPECT_TRUE(UsageChargesKeepLine(povo, 661));
  KeepRule none;  // No such exception: no amount keeps the line.
  none.keep_window_days = 180;
  EXPECT_FALSE(UsageChargesKeepLine(none, 1'000'000));
}

}  // namespace
}  // namespace simkeep::domain
