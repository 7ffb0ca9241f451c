#include "simkeep/domain/validity.h"

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

Validity Days(int days, DayConvention convention) {
  return Validity{days, 0, convention, StartTrigger::kPurchase};
}

constexpr DayConvention kRolling = DayConvention::kHours24;
constexpr DayConvention kEndOfDay = DayConvention::kHours24EndOfDay;
constexpr DayConvention kCalendar = DayConvention::kCalendarDays;

TEST(ComputeExpiryTest, PovoToppingEndsAtTheEndOfTheThirtiethDay) {
  EXPECT_EQ(ComputeExpiry(At("2026-11-22T18:30:00+09:00"), Days(30, kEndOfDay)),
            At("2026-12-22T23:59:59+09:00"));
}

TEST(ComputeExpiryTest, TwentyFourHourPassEndsExactlyADayLater) {
  const Validity pass{0, 24, kRolling, StartTrigger::kPurchase};
  const Timestamp start = At("2026-11-22T18:30:12.345678+09:00");
  EXPECT_EQ(ComputeExpiry(start, pass), start + 24h);
  EXPECT_EQ(ComputeExpiry(start, Days(30, kRolling)), At("2026-12-22T18:30:12.345678+09:00"));
  EXPECT_EQ(ComputeExpiry(start, Validity{1, 12, kRolling, StartTrigger::kPurchase}), start + 36h);
}

TEST(ComputeExpiryTest, CalendarDaysCountTheStartDayAsDayOne) {
  EXPECT_EQ(ComputeExpiry(At("2026-11-22T10:00:00+09:00"), Days(10, kCalendar)),
            At("2026-12-01T23:59:59+09:00"));
  EXPECT_EQ(ComputeExpiry(At("2026-11-22T10:00:00+09:00"), Days(1, kCalendar)),
            At("2026-11-22T23:59:59+09:00"));
}

TEST(ComputeExpiryTest, CalendarDaysUseTheJstDateNotTheUtcDate) {
  // 2026-11-22T16:00Z is already 2026-11-23 01:00 in Japan.
  EXPECT_EQ(ComputeExpiry(At("2026-11-22T16:00:00Z"), Days(1, kCalendar)),
            At("2026-11-23T23:59:59+09:00"));
  // 2026-11-22T14:59:59Z is still 2026-11-22 23:59:59 in Japan.
  EXPECT_EQ(ComputeExpiry(At("2026-11-22T14:59:59Z"), Days(1, kEndOfDay)),
            At("2026-11-23T23:59:59+09:00"));
}

TEST(ComputeExpiryTest, MonthEnds) {
  // February 2026 has 28 days.
  EXPECT_EQ(ComputeExpiry(At("2026-01-31T12:00:00+09:00"), Days(30, kEndOfDay)),
            At("2026-03-02T23:59:59+09:00"));
  EXPECT_EQ(ComputeExpiry(At("2026-01-31T12:00:00+09:00"), Days(1, kEndOfDay)),
            At("2026-02-01T23:59:59+09:00"));
  EXPECT_EQ(ComputeExpiry(At("2026-04-30T09:00:00+09:00"), Days(2, kCalendar)),
            At("2026-05-01T23:59:59+09:00"));
}

TEST(ComputeExpiryTest, YearEnds) {
  EXPECT_EQ(ComputeExpiry(At("2026-12-31T20:00:00+09:00"), Days(1, kEndOfDay)),
            At("2027-01-01T23:59:59+09:00"));
  EXPECT_EQ(ComputeExpiry(At("2026-12-28T08:00:00+09:00"), Days(7, kCalendar)),
            At("2027-01-03T23:59:59+09:00"));
  EXPECT_EQ(ComputeExpiry(At("2026-12-31T23:00:00+09:00"), Days(1, kCalendar)),
            At("2026-12-31T23:59:59+09:00"));
}

TEST(ComputeExpiryTest, LeapDay2028) {
  EXPECT_EQ(ComputeExpiry(At("2028-02-28T10:00:00+09:00"), Days(1, kEndOfDay)),
            At("2028-02-29T23:59:59+09:00"));
  EXPECT_EQ(ComputeExpiry(At("2028-02-28T10:00:00+09:00"), Days(2, kCalendar)),
            At("2028-02-29T23:59:59+09:00"));
  EXPECT_EQ(ComputeExpiry(At("2028-02-29T10:00:00+09:00"), Days(1, kEndOfDay)),
            At("2028-03-01T23:59:59+09:00"));
  EXPECT_EQ(ComputeExpiry(At("2028-02-01T00:00:00+09:00"), Days(30, kCalendar)),
            At("2028-03-01T23:59:59+09:00"));
  EXPECT_EQ(ComputeExpiry(At("2028-02-29T00:00:00+09:00"), Days(365, kRolling)),
            At("2029-02-28T00:00:00+09:00"));
}

TEST(ComputeExpiryTest, PurchaseInTheLastSecondOfADay) {
  const Timestamp last_second = At("2026-11-22T23:59:59+09:00");
  EXPECT_EQ(ComputeExpiry(last_second, Days(1, kEndOfDay)), At("2026-11-23T23:59:59+09:00"));
  EXPECT_EQ(ComputeExpiry(last_second, Days(1, kRolling)), At("2026-11-23T23:59:59+09:00"));
  // Day 1 is already ending: the period is that one second.
  EXPECT_EQ(ComputeExpiry(last_second, Days(1, kCalendar)), last_second);
  EXPECT_EQ(ComputeExpiry(last_second, Days(2, kCalendar)), At("2026-11-23T23:59:59+09:00"));
  // Inside the last second, the expiry is never before the start.
  const Timestamp later = last_second + 500ms;
  EXPECT_EQ(ComputeExpiry(later, Days(1, kCalendar)), later);
}

TEST(ComputeExpiryTest, PurchaseAtMidnight) {
  const Timestamp midnight = At("2026-11-22T00:00:00+09:00");
  EXPECT_EQ(ComputeExpiry(midnight, Days(1, kCalendar)), At("2026-11-22T23:59:59+09:00"));
  // 24 h later is 00:00 on the 23rd, and service runs to the end of that day.
  EXPECT_EQ(ComputeExpiry(midnight, Days(1, kEndOfDay)), At("2026-11-23T23:59:59+09:00"));
  EXPECT_EQ(ComputeExpiry(midnight, Days(1, kRolling)), At("2026-11-23T00:00:00+09:00"));
}

TEST(ComputeExtendedExpiryTest, AddsDaysToARunningPeriodWithoutGapOrOverlap) {
  const Timestamp expiry = At("2026-12-31T23:59:59+09:00");
  EXPECT_EQ(ComputeExtendedExpiry(expiry, Days(60, kEndOfDay)), At("2027-03-01T23:59:59+09:00"));
  EXPECT_EQ(ComputeExtendedExpiry(expiry, Days(1, kCalendar)), At("2027-01-01T23:59:59+09:00"));
  EXPECT_EQ(ComputeExtendedExpiry(expiry, Days(10, kCalendar)), At("2027-01-10T23:59:59+09:00"));
  EXPECT_EQ(ComputeExtendedExpiry(expiry, Days(2, kRolling)), expiry + 48h);
}

TEST(ComputeExpiryDeathTest, OpenEndedValidityHasNoExpiry) {
  EXPECT_DEATH((void)ComputeExpiry(At("2026-11-22T10:00:00+09:00"), Validity{}),
               "assertion failed");
}

}  // namespace
}  // namespace simkeep::domain
