#ifndef SIMKEEP_APP_ORDER_SERVICE_H_
#define SIMKEEP_APP_ORDER_SERVICE_H_

#include <optional>
#include <string>
#include <string_view>

#include "simkeep/app/context.h"
#include "simkeep/app/payment_provider.h"
#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/order.h"

namespace simkeep::app {

// How the customer pays, as it arrived.
struct PaymentInput {
  std::string method;  // "balance", "cash", "card".
  CardDetails card;    // For "card".
};

// Who is asking, through which channel, under which Idempotency-Key.
struct Requester {
  std::string role;  // The API key's role: "admin", "operator", "clerk", ...
  domain::Channel channel = domain::Channel::kApi;
  std::string idempotency_key;
};

struct TopUpInput {
  LineId line_id;
  int64_t amount_jpy = 0;
  PaymentInput payment;
  Requester requester;
};

struct RenewalInput {
  LineId line_id;
  PlanId plan_id;
  PaymentInput payment;
  Requester requester;
};

struct PlanChangeInput {
  LineId line_id;
  PlanId plan_id;
  Requester requester;
};

// An order with its payment, as the API shows it.
struct OrderView {
  domain::Order order;
  std::optional<domain::Payment> payment;
};

// Places and completes orders: top-ups, renewals, plan changes. Money moves only through
// app/ledger_writer, and only in the transaction that completes the order.
//
// Orders paid with balance or cash complete in the transaction that places them. Orders paid
// through a provider (card) take two transactions around the provider call: Place* leaves the
// order and its payment pending; the caller calls Charge() outside any transaction; then
// ApplyChargeOutcome completes or fails the order. A crash in between leaves a pending payment
// that RecoverPending resolves by asking the provider, never by charging again.
//
// Stateless apart from the context; thread-safe.
class OrderService {
 public:
  OrderService(const ServiceContext& context, PaymentProvider& card_provider)
      : context_(context), card_provider_(card_provider) {}

  // Checks made before any storage access. Reasons: "amount_not_positive", "amount_too_large",
  // "payment_method_invalid", "payment_method_not_allowed" (balance for a top-up),
  // "cash_requires_clerk" (kPermissionDenied), "card_number_invalid", "card_expiry_invalid".
  Result<void> CheckTopUp(const TopUpInput& input) const;
  Result<void> CheckRenewal(const RenewalInput& input) const;

  // Places a top-up. Reasons beyond the checks: "line_not_found", "line_not_rechargeable"
  // (terminated or barred), "balance_limit_exceeded".
  Result<OrderView> PlaceTopUp(Transaction& transaction, const TopUpInput& input) const;
  // Places a renewal. Reasons: "line_not_found", "plan_not_found", "plan_carrier_mismatch",
  // "plan_not_renewable" (a top-up product), "plan_not_on_sale", "line_not_renewable",
  // "insufficient_balance" (paying from the wallet).
  Result<OrderView> PlaceRenewal(Transaction& transaction, const RenewalInput& input) const;
  // Switches the line's base plan (same carrier), effective for the next renewal; no payment.
  Result<OrderView> ChangePlan(Transaction& transaction, const PlanChangeInput& input) const;

  // Asks the provider to collect a pending payment. Call outside any transaction.
  ChargeOutcome Charge(const domain::Payment& payment, const CardDetails& card) const;
  // Asks the provider what became of a pending payment (crash recovery).
  ChargeOutcome Retrieve(const domain::Payment& payment) const;
  // Applies a provider outcome to a pending payment and completes or fails its order.
  // Idempotent: a payment that is no longer pending is returned as it is.
  Result<OrderView> ApplyChargeOutcome(Transaction& transaction, const PaymentId& payment_id,
                                       const ChargeOutcome& outcome) const;

  // Reads. kNotFound "order_not_found", "receipt_not_found" (no receipt until completed).
  Result<OrderView> GetOrder(Transaction& transaction, const OrderId& id) const;
  Result<domain::Receipt> GetReceipt(Transaction& transaction, const OrderId& id) const;

 private:
  Result<domain::PaymentMethod> CheckPayment(const PaymentInput& payment, std::string_view role,
                                             bool balance_allowed) const;
  // Whether Complete finds the order and its payment stored: an internal payment settles in the
  // command that places the order, so both are inserted once, completed; a provider's payment
  // was stored pending and is updated.
  enum class Stored { kNotYet, kPending };

  Result<OrderView> Place(Transaction& transaction, domain::Order order, domain::Line& line,
                          domain::PaymentMethod method, const CardDetails& card) const;
  // Completes a paid order: takes its receipt number, writes the order and payment completed,
  // applies the top-up or renewal, issues the receipt and records the line event.
  Result<void> Complete(Transaction& transaction, domain::Order& order, domain::Payment& payment,
                        domain::Line& line, Stored stored) const;
  // The ledger and line effects of a top-up or renewal; return the receipt's line.
  Result<domain::ReceiptLine> ApplyTopUp(Transaction& transaction, const domain::Order& order,
                                         const domain::Payment& payment,
                                         const domain::Line& line) const;
  Result<domain::ReceiptLine> ApplyRenewal(Transaction& transaction, const domain::Order& order,
                                           const domain::Payment& payment,
                                           domain::Line& line) const;
  // Inserts the receipt numbered order.receipt_number.
  Result<void> IssueReceipt(Transaction& transaction, const domain::Order& order,
                            const domain::Payment& payment, const domain::ReceiptLine& item) const;

  const ServiceContext& context_;
  PaymentProvider& card_provider_;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_ORDER_SERVICE_H_
