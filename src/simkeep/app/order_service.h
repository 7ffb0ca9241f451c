#ifndef SIMKEEP_APP_ORDER_SERVICE_H_
#define SIMKEEP_APP_ORDER_SERVICE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/app/context.h"
#include "simkeep/app/payment_provider.h"
#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/order.h"

namespace simkeep::app {

// How the customer pays, as it arrived.
struct PaymentInput {
  std::string method;             // "balance", "cash", "card", "paypay", "konbini", ...
  CardDetails card;               // For "card", entered now.
  SavedMethodId saved_method_id;  // For "card": a card saved on the line, instead of `card`.
  std::string store;              // For "konbini": "seven-eleven", "lawson", ...
  std::string return_url;         // Redirect flows: where the customer comes back to.
  std::string customer_email;     // Deferred methods: where instructions may be sent.
  std::string customer_name;      // Pay-easy, bank transfer: the payer, as the bank knows them.
  std::string customer_name_kana;
  std::string customer_phone;
  // Filled in before the charge from the saved method (never taken from a request).
  std::string saved_method_token;
};

// A payment by `method` with nothing else to say (balance, cash).
inline PaymentInput PayWith(std::string method) {
  PaymentInput input;
  input.method = std::move(method);
  return input;
}

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

// A new attempt to pay an order whose last attempt failed.
struct PayAgainInput {
  OrderId order_id;
  PaymentInput payment;
  Requester requester;
};

// A refund asked for by staff.
struct RefundInput {
  PaymentId payment_id;
  int64_t amount_jpy = 0;
  std::string reason;
  std::string requested_by;  // The API key id.
};

struct RefundView {
  domain::Refund refund;
  domain::Payment payment;
};

// A card to save on a line for later charges.
struct SaveMethodInput {
  LineId line_id;
  std::string method;  // "card".
  CardDetails card;
  std::string customer_email;
  std::string idempotency_key;  // "<api key id>:<Idempotency-Key>" of the request.
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
// through a provider take at least two transactions around the provider call: Place* leaves the
// order and its payment pending; the caller calls Charge() outside any transaction; then
// ApplyChargeOutcome records what the provider said: completed, failed, or waiting for the
// customer (requires_action: a redirect, a QR code, konbini numbers with a deadline), which a
// later outcome (a webhook, the sweep) settles the same way. A crash in between leaves a
// pending payment that is resolved by asking the provider (Retrieve), never by charging again.
//
// Payment states follow domain::CanTransition; an order is pending exactly while its latest
// attempt is open. A failed attempt fails the order, and PayAgain may start another.
//
// Stateless apart from the context; thread-safe.
class OrderService {
 public:
  OrderService(const ServiceContext& context, PaymentProvider& payment_provider)
      : context_(context), provider_(payment_provider) {}

  // Checks made before any storage access. Reasons: "amount_not_positive", "amount_too_large",
  // "payment_method_invalid", "payment_method_not_allowed" (balance for a top-up),
  // "payment_method_not_offered" (not on the requester's channel), "payment_method_not_supported"
  // (the provider does not collect it), "cash_requires_clerk" (kPermissionDenied), and the
  // provider's checks ("card_number_invalid", "card_expiry_invalid", "card_required",
  // "konbini_store_invalid").
  Result<void> CheckTopUp(const TopUpInput& input) const;
  Result<void> CheckRenewal(const RenewalInput& input) const;

  // Places a top-up. Reasons beyond the checks: "line_not_found", "line_not_rechargeable"
  // (terminated or barred), "balance_limit_exceeded".
  Result<OrderView> PlaceTopUp(Transaction& transaction, const TopUpInput& input) const;
  // Places a renewal. Reasons: "line_not_found", "plan_not_found", "plan_carrier_mismatch",
  // "plan_not_renewable" (a top-up product), "plan_not_on_sale", "line_not_renewable",
  // "insufficient_balance" (paying from the wallet).
  Result<OrderView> PlaceRenewal(Transaction& transaction, const RenewalInput& input) const;
  // Starts a new payment attempt for an order whose last attempt failed. Reasons:
  // "order_not_found", "order_not_payable" (not failed: pending, completed, expired or
  // canceled), the checks of the order's kind, "line_not_rechargeable" / "line_not_renewable",
  // "insufficient_balance".
  Result<OrderView> PayAgain(Transaction& transaction, const PayAgainInput& input) const;
  // Switches the line's base plan (same carrier), effective for the next renewal; no payment.
  Result<OrderView> ChangePlan(Transaction& transaction, const PlanChangeInput& input) const;

  // Asks the provider to collect a pending payment. Call outside any transaction.
  ChargeOutcome Charge(const domain::Payment& payment, const PaymentInput& input) const;
  // Applies a provider outcome to an open payment: completes the order (succeeded), fails it
  // (failed; canceled before its deadline), expires it (canceled at or after the deadline of a
  // deferred payment: no money moved), or records what the customer must do (requires_action).
  // kUnknown changes nothing. Idempotent: a payment no longer open is returned as it is (a late
  // success for a closed one is logged for reconciliation, never applied twice).
  // kFailedPrecondition "amount_mismatch" (nothing written) when the provider holds another
  // amount than the payment asked for.
  Result<OrderView> ApplyChargeOutcome(Transaction& transaction, const PaymentId& payment_id,
                                       const ChargeOutcome& outcome) const;

  // Starts a refund of part or all of a succeeded card or wallet payment: the ledger is reversed
  // now (reference: the refund's id), the refund is stored pending and its amount counted in
  // payment.refunded_jpy, so that two refunds together never exceed the payment. Call the
  // provider next, then ApplyRefundOutcome. A top-up's part comes back out of the wallet, so it
  // needs the balance still there; a renewal's part out of revenue and tax; the method's fee
  // last. What the renewal granted stays (a refund returns money; staff decide the rest).
  // Reasons: "payment_not_found", "refund_reason_required", and those of domain::CheckRefund;
  // "insufficient_balance" when the customer has spent the topped-up balance.
  Result<RefundView> StartRefund(Transaction& transaction, const RefundInput& input) const;
  // Records the provider's answer: succeeded (the payment becomes refunded once in full), or
  // failed (the ledger reversal is reversed again and the amount released). kUnknown changes
  // nothing; a refund no longer pending is returned as it is.
  Result<RefundView> ApplyRefundOutcome(Transaction& transaction, const RefundId& refund_id,
                                        const RefundOutcome& outcome) const;

  // Saved payment methods (saved_methods.cc). A card is saved in three steps, like a charge:
  // StartSaveMethod stores it pending; TokenizeMethod asks the provider outside any transaction;
  // ApplySaveOutcome records the answer (active with the token, brand, last four and expiry,
  // or failed). Checks before storage: "payment_method_invalid", "payment_method_not_savable"
  // (not a card), "payment_method_not_supported" (the provider keeps no cards), and the card
  // checks of ValidateCharge.
  Result<void> CheckSaveMethod(const SaveMethodInput& input) const;
  // Reasons beyond the checks: "line_not_found", "line_not_rechargeable" (terminated),
  // "saved_methods_limit_reached" (kSavedMethodsPerLineMax pending or active).
  Result<domain::SavedPaymentMethod> StartSaveMethod(Transaction& transaction,
                                                     const SaveMethodInput& input) const;
  SaveMethodOutcome TokenizeMethod(const domain::SavedPaymentMethod& saved,
                                   const SaveMethodInput& input) const;
  // kUnknown is recorded as failed "provider_unavailable": without the card, simkeep cannot
  // ask again, and a card never learned is never charged. A method no longer pending is
  // returned as it is. kNotFound "saved_method_not_found".
  Result<domain::SavedPaymentMethod> ApplySaveOutcome(Transaction& transaction,
                                                      const SavedMethodId& id,
                                                      const SaveMethodOutcome& outcome) const;
  // Makes a saved method unusable at once (removed); its token is then deleted at the provider
  // (ClearSavedMethodToken records that). Removing one removed already returns it as it is.
  // kNotFound "saved_method_not_found" (unknown, or another line's).
  Result<domain::SavedPaymentMethod> RemoveSavedMethod(Transaction& transaction,
                                                       const LineId& line_id,
                                                       const SavedMethodId& id) const;
  Result<void> ClearSavedMethodToken(Transaction& transaction, const SavedMethodId& id) const;
  // The line's pending and active methods, oldest first. kNotFound "line_not_found".
  Result<std::vector<domain::SavedPaymentMethod>> ListSavedMethods(Transaction& transaction,
                                                                   const LineId& line_id) const;

  PaymentProvider& provider() const { return provider_; }

  // Reads. kNotFound "order_not_found", "receipt_not_found" (no receipt until completed).
  Result<OrderView> GetOrder(Transaction& transaction, const OrderId& id) const;
  Result<domain::Receipt> GetReceipt(Transaction& transaction, const OrderId& id) const;

 private:
  // The method and its offer on the requester's channel, once every check passed.
  Result<domain::MethodOffer> CheckPayment(const PaymentInput& payment, const Requester& requester,
                                           bool top_up) const;
  // What Complete finds stored: nothing (an internal payment settles in the command that places
  // the order: both are inserted once, completed), the order alone (an internal payment for an
  // order paid again), or both (a provider's payment, stored pending and now updated).
  enum class Stored { kNotYet, kOrderOnly, kPending };

  // Starts an attempt to pay `order` (new, or failed before) with `offer`'s method: internal
  // methods complete the order now; provider methods leave it pending with a pending payment.
  // `idempotency_key` is the request's, kept on the payment.
  Result<OrderView> Place(Transaction& transaction, domain::Order order, bool order_stored,
                          domain::Line& line, const domain::MethodOffer& offer,
                          const PaymentInput& input, const std::string& idempotency_key) const;
  // Completes a paid order: takes its receipt number, writes the order and payment completed,
  // applies the top-up or renewal, issues the receipt and records the line event.
  Result<void> Complete(Transaction& transaction, domain::Order& order, domain::Payment& payment,
                        domain::Line& line, Stored stored) const;
  // The line effects of a renewal (buckets, expiry, state, plan); returns its receipt line.
  Result<domain::ReceiptLine> ApplyRenewal(Transaction& transaction, const domain::Order& order,
                                           domain::Line& line) const;
  // Inserts the receipt numbered order.receipt_number.
  Result<void> IssueReceipt(Transaction& transaction, const domain::Order& order,
                            const domain::Payment& payment, std::vector<domain::ReceiptLine> items,
                            domain::InvoiceTotals totals) const;

  const ServiceContext& context_;
  PaymentProvider& provider_;
};

// Reads a payment within `transaction`; kNotFound "payment_not_found" when there is none.
Result<domain::Payment> LoadPayment(Transaction& transaction, const PaymentId& id);

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_ORDER_SERVICE_H_
