#include <set>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "simkeep/base/ids.h"
#include "simkeep/base/money.h"
#include "simkeep/base/result.h"
#include "simkeep/base/text.h"
#include "simkeep/base/time.h"

namespace simkeep {
namespace {

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace)

Result<int> Half(int n) {
  if (n % 2 != 0) {
    return InvalidArgument("odd", "n must be even");
  }
  return n / 2;
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> ok = Half(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  Result<int> bad = Half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason, "odd");
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(ResultTest, VoidResult) {
  Result<void> ok = Ok();
  EXPECT_TRUE(ok);
  Result<void> bad = NotFound("plan_not_found", "no such plan");
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kNotFound);
}

TEST(ResultDeathTest, WrongAlternativeAborts) {
  Result<int> bad = Half(3);
  EXPECT_DEATH((void)bad.value(), "assertion failed");
}

TEST(MoneyTest, CheckedArithmeticStopsAtTheBound) {
  EXPECT_EQ(CheckedAdd(Money::Yen(1), Money::Yen(2)), Money::Yen(3));
  EXPECT_EQ(CheckedSubtract(Money::Yen(1), Money::Yen(2)), Money::Yen(-1));
  EXPECT_EQ(CheckedAdd(Money::Yen(kMoneyMinorMax), Money::Yen(0)), Money::Yen(kMoneyMinorMax));
  EXPECT_FALSE(CheckedAdd(Money::Yen(kMoneyMinorMax), Money::Yen(1)));
  EXPECT_FALSE(CheckedAdd(Money::Yen(INT64_MAX), Money::Yen(INT64_MAX)));
  EXPECT_FALSE(CheckedSubtract(Money::Yen(-kMoneyMinorMax), Money::Yen(1)));
}

TEST(IdsTest, RandomIdsHavePrefixAndDiffer) {
  FakeClock clock(*ParseRfc3339("2026-11-22T12:00:00Z"));
  RandomIdGenerator generator(clock);
  const std::string a = generator.Next("ln");
  const std::string b = generator.Next("ln");
  EXPECT_EQ(a.size(), 23U);
  EXPECT_EQ(a.substr(0, 3), "ln_");
  EXPECT_NE(a, b);
}

TEST(IdsTest, RandomIdsSortByTime) {
  FakeClock clock(*ParseRfc3339("2026-11-22T12:00:00Z"));
  RandomIdGenerator generator(clock);
  std::string previous = generator.Next("ord");
  for (int i = 0; i < 100; ++i) {
    clock.Advance(std::chrono::milliseconds(1));
    const std::string next = generator.Next("ord");
    EXPECT_LT(previous, next);
    previous = next;
  }
}

TEST(IdsTest, RandomIdsAreUniqueAcrossBufferRefills) {
  FakeClock clock(*ParseRfc3339("2026-11-22T12:00:00Z"));  // One millisecond for all of them.
  RandomIdGenerator generator(clock);
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    EXPECT_TRUE(seen.insert(generator.Next("pay")).second);
  }
}

TEST(IdsTest, ForkedChildDoesNotRepeatItsParentsIds) {
  FakeClock clock(*ParseRfc3339("2026-11-22T12:00:00Z"));
  RandomIdGenerator generator(clock);
  generator.Next("ln");  // The parent's buffer now holds random words for ids to come.
  int pipe_ends[2];
  ASSERT_EQ(pipe(pipe_ends), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string id = generator.Next("ln");
    const ssize_t written = write(pipe_ends[1], id.data(), id.size());
    _exit(written == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  close(pipe_ends[1]);
  std::string from_child(64, '\0');
  const ssize_t n = read(pipe_ends[0], from_child.data(), from_child.size());
  close(pipe_ends[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_GT(n, 0);
  from_child.resize(static_cast<size_t>(n));
  EXPECT_NE(from_child, generator.Next("ln"));
}

TEST(IdsTest, SequentialIdsAreDeterministic) {
  SequentialIdGenerator generator;
  EXPECT_EQ(generator.Next("ord"), "ord_00000000000000000001");
  EXPECT_EQ(generator.Next("ord"), "ord_00000000000000000002");
}

TEST(TimeTest, JstDateCrossesMidnightAtFifteenUtc) {
  const Timestamp before = *ParseRfc3339("2026-11-22T14:59:59Z");
  const Timestamp after = *ParseRfc3339("2026-11-22T15:00:00Z");
  EXPECT_EQ(FormatIsoDate(JstDate(before)), "2026-11-22");
  EXPECT_EQ(FormatIsoDate(JstDate(after)), "2026-11-23");
}

TEST(TimeTest, EndOfDayIsLastSecondJst) {
  using std::chrono::year_month_day;
  const year_month_day date{std::chrono::year(2026), std::chrono::month(12), std::chrono::day(31)};
  EXPECT_EQ(FormatRfc3339Jst(JstEndOfDay(date)), "2026-12-31T23:59:59+09:00");
  EXPECT_EQ(FormatRfc3339Jst(JstStartOfDay(date)), "2026-12-31T00:00:00+09:00");
}

TEST(TimeTest, ParsesOffsetsAndFractions) {
  EXPECT_EQ(ParseRfc3339("2026-01-01T09:00:00+09:00"), ParseRfc3339("2026-01-01T00:00:00Z"));
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.5Z"),
            *ParseRfc3339("2026-01-01T00:00:00Z") + 500000us);
  EXPECT_EQ(FormatRfc3339Jst(*ParseRfc3339("2026-01-01T00:00:00Z")), "2026-01-01T09:00:00+09:00");
  EXPECT_EQ(FormatJstMinutes(*ParseRfc3339("2026-01-01T00:00:00Z")), "2026-01-01 09:00 JST");
}

TEST(TimeTest, RejectsMalformedTimes) {
  for (const char* bad :
       {"", "2026-01-01", "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00",
        "2026-01-01T00:00:00+9:00", "2026-01-01T00:00:00Zjunk", "1969-12-31T23:59:59Z",
        "2026-01-01T00:00:00.Z", "abcd-01-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

TEST(TextTest, HexDigitsAndPercentDecoding) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('g'), -1);
  EXPECT_EQ(HexDigitValue('%'), -1);
  EXPECT_EQ(PercentDecode("a%2Fb%41", false), "a/bA");
  EXPECT_EQ(PercentDecode("a+b%20c", true), "a b c");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  // An escape without two hex digits is kept as is.
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(PercentDecode("%", false), "%");
}

}  // namespace
}  // namespace simkeep
