#include "simkeep/domain/tax.h"

#include <gtest/gtest.h>

#include "simkeep/base/money.h"

namespace simkeep::domain {
namespace {

ReceiptLine Taxable(int64_t quantity, int64_t unit_price_jpy, int rate = 10) {
  return ReceiptLine{"item", quantity, unit_price_jpy, rate, true};
}

ReceiptLine NonTaxable(int64_t amount_jpy) {
  return ReceiptLine{"balance top-up", 1, amount_jpy, 0, false};
}

TEST(InvoiceTotalsTest, TaxIsTheTaxInclusiveTotalTimesRateOverOneHundredPlusRate) {
  const Result<InvoiceTotals> totals = ComputeInvoiceTotals({Taxable(1, 990)});
  ASSERT_TRUE(totals);
  ASSERT_EQ(totals->by_rate.size(), 1U);
  EXPECT_EQ(totals->by_rate[0].tax_rate_percent, 10);
  EXPECT_EQ(totals->by_rate[0].total_including_tax_jpy, 990);
  EXPECT_EQ(totals->by_rate[0].tax_jpy, 90);
  EXPECT_EQ(totals->by_rate[0].total_excluding_tax_jpy, 900);
  EXPECT_EQ(totals->non_taxable_jpy, 0);
  EXPECT_EQ(totals->total_jpy, 990);
}

TEST(InvoiceTotalsTest, RoundsOncePerRateNotPerLine) {
  // Per line, ¥330 → floor(30) each; the rule is once per rate: floor(990 × 10 / 110) = 90.
  const Result<InvoiceTotals> three_lines =
      ComputeInvoiceTotals({Taxable(1, 330), Taxable(1, 330), Taxable(1, 330)});
  ASSERT_TRUE(three_lines);
  EXPECT_EQ(three_lines->by_rate[0].tax_jpy, 90);
  // Where per-line rounding would differ: three ¥105 lines give 3 × floor(9.54) = 27, but
  // floor(315 × 10 / 110) = floor(28.6) = 28.
  const Result<InvoiceTotals> odd =
      ComputeInvoiceTotals({Taxable(1, 105), Taxable(1, 105), Taxable(1, 105)});
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->by_rate[0].tax_jpy, 28);
  EXPECT_EQ(odd->by_rate[0].total_excluding_tax_jpy, 287);
}

TEST(InvoiceTotalsTest, QuantityMultipliesTheUnitPrice) {
  const Result<InvoiceTotals> totals = ComputeInvoiceTotals({Taxable(3, 330)});
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->by_rate[0].total_including_tax_jpy, 990);
  EXPECT_EQ(totals->by_rate[0].tax_jpy, 90);
}

TEST(InvoiceTotalsTest, MixedRatesAreTotalledSeparatelyInAscendingOrder) {
  const Result<InvoiceTotals> totals =
      ComputeInvoiceTotals({Taxable(1, 1100, 10), Taxable(2, 540, 8), Taxable(1, 99, 10)});
  ASSERT_TRUE(totals);
  ASSERT_EQ(totals->by_rate.size(), 2U);
  EXPECT_EQ(totals->by_rate[0].tax_rate_percent, 8);
  EXPECT_EQ(totals->by_rate[0].total_including_tax_jpy, 1080);
  EXPECT_EQ(totals->by_rate[0].tax_jpy, 80);  // 1080 × 8 / 108.
  EXPECT_EQ(totals->by_rate[1].tax_rate_percent, 10);
  EXPECT_EQ(totals->by_rate[1].total_including_tax_jpy, 1199);
  EXPECT_EQ(totals->by_rate[1].tax_jpy, 109);  // floor(109.9).
  EXPECT_EQ(totals->by_rate[1].total_excluding_tax_jpy, 1090);
  EXPECT_EQ(totals->total_jpy, 2279);
}

TEST(InvoiceTotalsTest, NonTaxableTopUpsStayOutOfTheRateTotals) {
  const Result<InvoiceTotals> only_top_up = ComputeInvoiceTotals({NonTaxable(3000)});
  ASSERT_TRUE(only_top_up);
  EXPECT_TRUE(only_top_up->by_rate.empty());
  EXPECT_EQ(only_top_up->non_taxable_jpy, 3000);
  EXPECT_EQ(only_top_up->total_jpy, 3000);

  const Result<InvoiceTotals> mixed = ComputeInvoiceTotals({NonTaxable(5000), Taxable(1, 990)});
  ASSERT_TRUE(mixed);
  ASSERT_EQ(mixed->by_rate.size(), 1U);
  EXPECT_EQ(mixed->by_rate[0].tax_jpy, 90);
  EXPECT_EQ(mixed->non_taxable_jpy, 5000);
  EXPECT_EQ(mixed->total_jpy, 5990);
}

TEST(InvoiceTotalsTest, ZeroPercentAndZeroPriceLines) {
  const Result<InvoiceTotals> totals = ComputeInvoiceTotals({Taxable(1, 500, 0), Taxable(1, 0)});
  ASSERT_TRUE(totals);
  ASSERT_EQ(totals->by_rate.size(), 2U);
  EXPECT_EQ(totals->by_rate[0].tax_rate_percent, 0);
  EXPECT_EQ(totals->by_rate[0].tax_jpy, 0);
  EXPECT_EQ(totals->by_rate[0].total_excluding_tax_jpy, 500);
  EXPECT_EQ(totals->by_rate[1].total_including_tax_jpy, 0);
  EXPECT_EQ(totals->by_rate[1].tax_jpy, 0);
}

TEST(InvoiceTotalsTest, RejectsAnEmptyReceipt) {
  const Result<InvoiceTotals> totals = ComputeInvoiceTotals({});
  ASSERT_FALSE(totals);
  EXPECT_EQ(totals.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(totals.error().reason, "receipt_empty");
}

void ExpectRejected(const std::vector<ReceiptLine>& lines, const char* reason) {
  const Result<InvoiceTotals> totals = ComputeInvoiceTotals(lines);
  ASSERT_FALSE(totals) << reason;
  EXPECT_EQ(totals.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(totals.error().reason, reason);
}

TEST(InvoiceTotalsTest, RejectsBadAmounts) {
  ExpectRejected({Taxable(0, 100)}, "receipt_amount_invalid");
  ExpectRejected({Taxable(-1, 100)}, "receipt_amount_invalid");
  ExpectRejected({Taxable(1, -100)}, "receipt_amount_invalid");
  ExpectRejected({NonTaxable(-1)}, "receipt_amount_invalid");
  ExpectRejected({Taxable(1, kMoneyMinorMax + 1)}, "receipt_amount_invalid");
}

TEST(InvoiceTotalsTest, RejectsBadRates) {
  ExpectRejected({Taxable(1, 100, 5)}, "receipt_tax_rate_invalid");
  ExpectRejected({ReceiptLine{"top-up", 1, 100, 12, false}}, "receipt_tax_rate_invalid");
}

TEST(InvoiceTotalsTest, AcceptsTotalsUpToTheMoneyBound) {
  const Result<InvoiceTotals> totals =
      ComputeInvoiceTotals({Taxable(1, kMoneyMinorMax - 1000), NonTaxable(1000)});
  ASSERT_TRUE(totals);
  EXPECT_EQ(totals->total_jpy, kMoneyMinorMax);
  EXPECT_EQ(totals->by_rate[0].tax_jpy, (kMoneyMinorMax - 1000) * 10 / 110);
}

TEST(InvoiceTotalsTest, RejectsOverflow) {
  // Each line fits; the product, the rate total or the grand total does not.
  ExpectRejected({Taxable(kMoneyMinorMax, 2)}, "receipt_amount_invalid");
  ExpectRejected({Taxable(INT64_MAX, INT64_MAX)}, "receipt_amount_invalid");
  ExpectRejected({Taxable(1, kMoneyMinorMax), Taxable(1, 1)}, "receipt_amount_invalid");
  ExpectRejected({Taxable(1, kMoneyMinorMax, 8), Taxable(1, 1, 10)}, "receipt_amount_invalid");
  ExpectRejected({NonTaxable(kMoneyMinorMax), Taxable(1, 1)}, "receipt_amount_invalid");
}

TEST(InvoiceTotalsTest, LimitsTheNumberOfLines) {
  std::vector<ReceiptLine> lines(kReceiptLinesMax, Taxable(1, 1));
  EXPECT_TRUE(ComputeInvoiceTotals(lines));
  lines.push_back(Taxable(1, 1));
  ExpectRejected(lines, "receipt_too_many_lines");
}

}  // namespace
}  // namespace simkeep::domain
