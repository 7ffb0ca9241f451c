#include "simkeep/domain/tax.h"

#include <map>
#include <optional>

#include "simkeep/base/money.h"

namespace simkeep::domain {
namespace {

Error LineError(const char* reason, size_t index, const std::string& what) {
  return InvalidArgument(reason, "receipt line " + std::to_string(index) + ": " + what);
}

// Checks one line; returns its total (quantity × unit price) or an error.
Result<int64_t> LineTotal(const ReceiptLine& line, size_t index) {
  if (line.quantity <= 0) {
    return LineError("receipt_amount_invalid", index, "quantity must be positive");
  }
  if (line.unit_price_jpy < 0 || line.unit_price_jpy > kMoneyMinorMax) {
    return LineError("receipt_amount_invalid", index, "unit price out of range");
  }
  if (line.unit_price_jpy != 0 && line.quantity > kMoneyMinorMax / line.unit_price_jpy) {
    return LineError("receipt_amount_invalid", index, "line total exceeds the money bound");
  }
  const int rate = line.tax_rate_percent;
  if (rate != 0 && rate != 8 && rate != 10) {
    return LineError("receipt_tax_rate_invalid", index,
                     "tax rate " + std::to_string(rate) + "% is not allowed");
  }
  return line.quantity * line.unit_price_jpy;
}

// `sum` + `amount`, or nullopt past kMoneyMinorMax. Both are non-negative.
std::optional<int64_t> AddBounded(int64_t sum, int64_t amount) {
  std::optional<Money> total = CheckedAdd(Money::Yen(sum), Money::Yen(amount));
  if (!total) {
    return std::nullopt;
  }
  return total->minor;
}

RateTotal MakeRateTotal(int rate, int64_t total) {
  // total <= 10^12 and rate <= 10, so the product stays far inside int64.
  const int64_t tax = total * rate / (100 + rate);
  return RateTotal{rate, total, tax, total - tax};
}

}  // namespace

Result<InvoiceTotals> ComputeInvoiceTotals(const std::vector<ReceiptLine>& lines) {
  if (lines.empty()) {
    return InvalidArgument("receipt_empty", "a receipt needs at least one line");
  }
  if (lines.size() > kReceiptLinesMax) {
    return InvalidArgument("receipt_too_many_lines",
                           "more than " + std::to_string(kReceiptLinesMax) + " receipt lines");
  }
  std::map<int, int64_t> taxable_by_rate;  // Ordered: by_rate comes out ascending.
  InvoiceTotals totals;
  for (size_t i = 0; i < lines.size(); ++i) {
    Result<int64_t> line_total = LineTotal(lines[i], i);
    if (!line_total) {
      return line_total.error();
    }
    int64_t& bucket =
        lines[i].taxable ? taxable_by_rate[lines[i].tax_rate_percent] : totals.non_taxable_jpy;
    const std::optional<int64_t> bucket_sum = AddBounded(bucket, *line_total);
    const std::optional<int64_t> grand_sum = AddBounded(totals.total_jpy, *line_total);
    if (!bucket_sum || !grand_sum) {
      return LineError("receipt_amount_invalid", i, "receipt total exceeds the money bound");
    }
    bucket = *bucket_sum;
    totals.total_jpy = *grand_sum;
  }
  for (const auto& [rate, total] : taxable_by_rate) {
    totals.by_rate.push_back(MakeRateTotal(rate, total));
  }
  return totals;
}

}  // namespace simkeep::domain
