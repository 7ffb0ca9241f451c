#ifndef SIMKEEP_DOMAIN_ORDER_H_
#define SIMKEEP_DOMAIN_ORDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/domain/payment.h"
#include "simkeep/domain/tax.h"

namespace simkeep::domain {

enum class OrderKind { kTopUp, kRenewal, kPlanChange };
const char* OrderKindName(OrderKind kind);  // "topup", "renewal", "plan_change"
std::optional<OrderKind> ParseOrderKind(std::string_view text);

// pending: waiting for its payment; completed: paid and applied; failed: the last payment attempt
// failed (a new attempt may follow); expired: not paid by the deadline (final); canceled (final).
enum class OrderStatus { kPending, kCompleted, kFailed, kExpired, kCanceled };
const char* OrderStatusName(OrderStatus status);
std::optional<OrderStatus> ParseOrderStatus(std::string_view text);

// What a customer asked for, with its outcome.
struct Order {
  OrderId id;
  LineId line_id;
  OrderKind kind = OrderKind::kTopUp;
  OrderStatus status = OrderStatus::kPending;
  PlanId plan_id;          // Renewals and plan changes.
  int64_t amount_jpy = 0;  // What the customer pays, tax included, fee_jpy included.
  int64_t fee_jpy = 0;     // The payment method's service charge (konbini, Pay-easy).
  Channel channel = Channel::kApi;
  std::string idempotency_key;
  std::string failure_reason;
  std::optional<std::string> receipt_number;
  Timestamp created_at;
  std::optional<Timestamp> completed_at;
};

enum class ReceiptKind { kQualifiedInvoice, kNonTaxable };
const char* ReceiptKindName(ReceiptKind kind);  // "qualified_invoice", "non_taxable"
std::optional<ReceiptKind> ParseReceiptKind(std::string_view text);

// An issued receipt. Immutable once stored: corrections are new documents. Per-rate totals are
// computed once at issue (DOMAIN.md §4.3) and stored, never recomputed.
struct Receipt {
  std::string number;  // Sequential per issuer: "R0000000001".
  OrderId order_id;
  LineId line_id;
  ReceiptKind kind = ReceiptKind::kNonTaxable;
  std::string issuer_name;
  std::string invoice_registration_number;  // "T" + 13 digits; empty for non-taxable receipts.
  std::string channel;
  std::string payment_method;
  std::vector<ReceiptLine> lines;
  InvoiceTotals totals;
  Timestamp issued_at;
};

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_ORDER_H_
