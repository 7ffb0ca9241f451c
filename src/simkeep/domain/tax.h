#ifndef SIMKEEP_DOMAIN_TAX_H_
#define SIMKEEP_DOMAIN_TAX_H_

// Consumption-tax totals for receipts under the Qualified Invoice System (DOMAIN.md §4.3):
// prices are tax included, and tax is computed once per rate per invoice, never per line.
// Selling prepaid value (a balance top-up, a voucher) is non-taxable (DOMAIN.md §4.2).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "simkeep/base/result.h"

namespace simkeep::domain {

// The most lines one receipt may have.
inline constexpr size_t kReceiptLinesMax = 1000;

// One item on a receipt. Value type.
struct ReceiptLine {
  std::string description;
  int64_t quantity = 1;
  int64_t unit_price_jpy = 0;  // Tax included.
  int tax_rate_percent = 10;   // 10, 8 or 0. Ignored when the line is not taxable.
  bool taxable = true;         // false = non-taxable (prepaid value).
};

// The totals for one tax rate. total_including_tax_jpy = tax_jpy + total_excluding_tax_jpy.
struct RateTotal {
  int tax_rate_percent = 0;
  int64_t total_including_tax_jpy = 0;
  int64_t tax_jpy = 0;
  int64_t total_excluding_tax_jpy = 0;
};

// What a qualified invoice shows. Value type.
struct InvoiceTotals {
  std::vector<RateTotal> by_rate;  // Ascending rate, one entry per rate used; taxable lines only.
  int64_t non_taxable_jpy = 0;
  int64_t total_jpy = 0;  // Everything the customer pays: taxable and non-taxable.
};

// Sums `lines` per tax rate and computes each rate's tax once from its tax-inclusive total:
// tax = floor(total × rate / (100 + rate)) (¥990 at 10% → ¥90; three ¥330 lines → ¥90, not
// 3 × ¥30). Taxable lines at 0% (exempt) get a 0% entry.
// Errors (kInvalidArgument):
//   "receipt_empty"            no lines;
//   "receipt_too_many_lines"   more than kReceiptLinesMax lines;
//   "receipt_amount_invalid"   a quantity <= 0, a negative unit price, or a line, rate or grand
//                              total above kMoneyMinorMax;
//   "receipt_tax_rate_invalid" a rate other than 0, 8 or 10 (on any line).
// The message names the line by index (0-based).
Result<InvoiceTotals> ComputeInvoiceTotals(const std::vector<ReceiptLine>& lines);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_TAX_H_
