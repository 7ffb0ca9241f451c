#ifndef SIMKEEP_APP_PAYMENT_COORDINATOR_H_
#define SIMKEEP_APP_PAYMENT_COORDINATOR_H_

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/app/committer.h"
#include "simkeep/app/order_service.h"
#include "simkeep/app/payment_provider.h"
#include "simkeep/app/read_pool.h"
#include "simkeep/base/result.h"

namespace simkeep::app {

// What one payment sweep did.
struct PaymentSweepReport {
  int asked = 0;          // Pending payments whose outcome was asked for.
  int expired = 0;        // Payments past their deadline canceled at the provider, orders expired.
  int settled = 0;        // Payments that turned out paid (succeeded) while being swept.
  int unknown = 0;        // Providers that did not answer; asked again by the next sweep.
  int refunds = 0;        // Pending refunds whose outcome was learned.
  int saved_methods = 0;  // Saves left pending closed as failed; tokens deleted at the provider.
};

// One method's totals for a day of reconciliation.
struct ReconciliationTotal {
  domain::PaymentMethod method = domain::PaymentMethod::kCard;
  int provider_count = 0;    // Payments the provider collected that day.
  int64_t provider_jpy = 0;  // What it collected.
  int ledger_count = 0;      // Payments simkeep recorded as collected that day.
  int64_t ledger_jpy = 0;    // What the ledger moved out of the provider's clearing account.
  int64_t provider_refunded_jpy = 0;
  int64_t ledger_refunded_jpy = 0;
};

// A payment the two sides disagree about. `kind`: "missing_in_ledger" (the provider collected
// it; simkeep did not record it as paid: money that arrived after its deadline, or a bug),
// "missing_at_provider" (simkeep recorded it paid; the provider holds no such collection),
// "amount_mismatch" (the provider's amount, the payment's and the ledger's differ),
// "refund_mismatch" (what the provider refunded differs from the refunds simkeep recorded).
struct ReconciliationMismatch {
  std::string kind;
  PaymentId payment_id;
  domain::PaymentMethod method = domain::PaymentMethod::kCard;
  int64_t provider_jpy = 0;
  int64_t ledger_jpy = 0;
  std::string detail;
};

// Provider payments against ledger transfers for one JST day.
struct ReconciliationReport {
  std::string provider;
  std::string date;                         // "2026-11-22" (JST).
  std::vector<ReconciliationTotal> totals;  // By method, methods with any activity only.
  std::vector<ReconciliationMismatch> mismatches;
};

// Carries payments that a provider collects through their life, between the provider and the
// ledger: the first charge, webhooks, the customer's return from a redirect, the sandbox's
// simulated customer, and the sweep that expires payments past their deadline and asks about
// unknown outcomes. Every provider call runs outside any transaction, and every outcome is
// written through the committer with OrderService::ApplyChargeOutcome, which is idempotent: a
// webhook delivered ten times, a sweep racing a webhook, or two instances doing the same work
// record one outcome and move money once.
//
// Calls block on the provider and on the committer: never call them on the committer thread.
// Thread-safe.
class PaymentCoordinator {
 public:
  // Runs in the transaction that records an outcome, with the order as it now is (for the API to
  // complete the Idempotency-Key of the request that placed the order, if still open).
  using OutcomeHook = std::function<Result<void>(Transaction&, const OrderView&)>;

  PaymentCoordinator(Committer& committer, ReadPool& reads, const OrderService& orders,
                     PaymentProvider& provider, const Clock& clock)
      : committer_(committer), reads_(reads), orders_(orders), provider_(provider), clock_(clock) {}

  // Runs in the transaction that records a save's outcome (for the API to complete the
  // Idempotency-Key of the request that saved the card).
  using SaveHook = std::function<Result<void>(Transaction&, const domain::SavedPaymentMethod&)>;

  // Set once, before use.
  void set_outcome_hook(OutcomeHook hook) { outcome_hook_ = std::move(hook); }
  void set_save_hook(SaveHook hook) { save_hook_ = std::move(hook); }

  // Charges a payment placed pending (the input carries what the provider needs and simkeep
  // never stores: the card) and records the outcome, running `hook` (default: the outcome hook)
  // in the same transaction.
  Result<OrderView> Collect(const domain::Payment& payment, const PaymentInput& input,
                            const OutcomeHook& hook = nullptr);

  // Saved cards: asks the provider to tokenise a card stored pending (StartSaveMethod, in the
  // request's write) and records the answer, running `hook` (default: the save hook).
  Result<domain::SavedPaymentMethod> FinishSave(const domain::SavedPaymentMethod& saved,
                                                const SaveMethodInput& input,
                                                const SaveHook& hook = nullptr);
  // Deletes a removed method's token at the provider and records that it is gone. A provider
  // that does not answer leaves the token for the sweep to delete.
  Result<void> Forget(const domain::SavedPaymentMethod& saved);

  // Asks the provider what became of a payment and records it. kNotFound "payment_not_found".
  Result<OrderView> Refresh(const PaymentId& id);

  // Verifies a webhook delivery for this provider (kUnauthenticated "webhook_signature_invalid"
  // and nothing stored when forged), stores it raw once, and refreshes the payment it names
  // (the body is never trusted for the outcome; a delivery seen before refreshes too, in case
  // the first refresh failed). Returns false for a delivery seen before.
  Result<bool> HandleWebhook(const std::map<std::string, std::string>& headers,
                             std::string_view body);

  // Test providers: plays the customer's side of an open payment, then records the outcome.
  Result<OrderView> Simulate(const PaymentId& id, ChargeStatus outcome);

  // Refunds: StartRefund in one transaction (with `also`, e.g. the API's Idempotency-Key), the
  // provider asked, the outcome recorded (with `then`). A provider that does not answer leaves
  // the refund pending; the sweep asks again with the same refund id, so it refunds once.
  using RefundHook = std::function<Result<void>(Transaction&, const RefundView&)>;
  Result<RefundView> Refund(const RefundInput& input, const RefundHook& then = nullptr);
  // The second half of Refund for a refund started already (the API starts it in its own write).
  Result<RefundView> FinishRefund(const domain::Refund& refund, const RefundHook& then = nullptr);

  // One sweep: payments pending longer than kPaymentReconcileAfterMs are asked about, payments
  // past their deadline are canceled at the provider (or found paid) and their orders expired,
  // refunds pending as long are asked for again, saves pending as long (their request ended
  // without an answer: a crash) are closed as failed "save_interrupted", and tokens of removed
  // methods still held at the provider are deleted.
  // Each step takes at most kPaymentSweepBatch payments; run it again until nothing is left.
  Result<PaymentSweepReport> Sweep();

  // Compares what the provider collected on the JST day `date` with what the ledger recorded,
  // per method, and lists every payment the two disagree about. A payment collected near
  // midnight and recorded just after it is matched across the day boundary, not reported.
  Result<ReconciliationReport> Reconcile(std::chrono::year_month_day date);

  PaymentProvider& provider() { return provider_; }

 private:
  // Records `outcome` for `payment_id` in one committer command, running `hook` (default: the
  // outcome hook) in the same transaction.
  Result<OrderView> Record(const PaymentId& payment_id, const ChargeOutcome& outcome,
                           const OutcomeHook& hook = nullptr);
  Result<std::optional<domain::Payment>> LoadPayment(const PaymentId& id);
  // Records a save's outcome in one committer command, running `hook` (default: the save hook).
  Result<domain::SavedPaymentMethod> RecordSave(const SavedMethodId& id,
                                                const SaveMethodOutcome& outcome,
                                                const SaveHook& hook = nullptr);

  Committer& committer_;
  ReadPool& reads_;
  const OrderService& orders_;
  PaymentProvider& provider_;
  const Clock& clock_;
  OutcomeHook outcome_hook_;
  SaveHook save_hook_;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_PAYMENT_COORDINATOR_H_
