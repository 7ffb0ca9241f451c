#include "simkeep/app/order_service.h"

#include <cstdio>
#include <vector>

#include "simkeep/app/ledger_writer.h"
#include "simkeep/app/limits.h"
#include "simkeep/app/line_service.h"
#include "simkeep/domain/renewal_policy.h"
#include "simkeep/domain/tax.h"

namespace simkeep::app {
namespace {

constexpr std::string_view kInternalProvider = "internal";

Result<void> CheckAmount(int64_t amount_jpy) {
  if (amount_jpy < kTopUpAmountJpyMin) {
    return InvalidArgument("amount_not_positive", "amount_jpy must be at least 1 yen.");
  }
  if (amount_jpy > kTopUpAmountJpyMax) {
    return InvalidArgument(
        "amount_too_large",
        "amount_jpy must be at most " + std::to_string(kTopUpAmountJpyMax) + " yen per top-up.");
  }
  return Ok();
}

ledger::Transfer MakeTransfer(IdGenerator& ids, const AccountId& debit, const AccountId& credit,
                              int64_t amount_jpy, std::string code, const OrderId& order,
                              Timestamp now) {
  ledger::Transfer transfer;
  transfer.id = TransferId{ids.Next("tr")};
  transfer.debit_account_id = debit;
  transfer.credit_account_id = credit;
  transfer.amount = Money::Yen(amount_jpy);
  transfer.kind = ledger::TransferKind::kPosted;
  transfer.created_at = now;
  transfer.code = std::move(code);
  transfer.reference = order.value;
  return transfer;
}

Result<void> RecordEvent(Transaction& transaction, IdGenerator& ids, const domain::Line& line,
                         std::string kind, std::optional<domain::LineState> from,
                         std::string reason, const OrderId& order, Timestamp now) {
  domain::LineEvent event{EventId{ids.Next("ev")},
                          line.id,
                          std::move(kind),
                          from,
                          line.state,
                          std::move(reason),
                          order,
                          now};
  return transaction.InsertLineEvent(event);
}

std::string ReceiptNumber(int64_t sequence) {
  char buffer[24];
  std::snprintf(buffer, sizeof(buffer), "R%010lld", static_cast<long long>(sequence));
  return buffer;
}

}  // namespace

Result<domain::PaymentMethod> OrderService::CheckPayment(const PaymentInput& payment,
                                                         std::string_view role,
                                                         bool balance_allowed) const {
  std::optional<domain::PaymentMethod> method = domain::ParsePaymentMethod(payment.method);
  if (!method) {
    return InvalidArgument("payment_method_invalid",
                           "payment.method must be one of balance, cash, card.");
  }
  if (*method == domain::PaymentMethod::kBalance && !balance_allowed) {
    return InvalidArgument("payment_method_not_allowed",
                           "A top-up cannot be paid from the balance it tops up.");
  }
  if (*method == domain::PaymentMethod::kCash && role != "clerk") {
    return PermissionDenied("cash_requires_clerk", "Only a store clerk can take cash.");
  }
  if (*method == domain::PaymentMethod::kCard) {
    ChargeRequest request;
    request.method = *method;
    request.card = payment.card;
    if (Result<void> valid = card_provider_.ValidateCharge(request, context_.clock->Now());
        !valid) {
      return valid.error();
    }
  }
  return *method;
}

Result<void> OrderService::CheckTopUp(const TopUpInput& input) const {
  if (Result<void> amount = CheckAmount(input.amount_jpy); !amount) {
    return amount;
  }
  Result<domain::PaymentMethod> method =
      CheckPayment(input.payment, input.requester.role, /*balance_allowed=*/false);
  if (!method) {
    return method.error();
  }
  return Ok();
}

Result<void> OrderService::CheckRenewal(const RenewalInput& input) const {
  if (context_.catalog->FindPlan(input.plan_id) == nullptr) {
    return NotFound("plan_not_found", "No plan " + input.plan_id.value + " exists.");
  }
  Result<domain::PaymentMethod> method =
      CheckPayment(input.payment, input.requester.role, /*balance_allowed=*/true);
  if (!method) {
    return method.error();
  }
  return Ok();
}

Result<OrderView> OrderService::PlaceTopUp(Transaction& transaction,
                                           const TopUpInput& input) const {
  if (Result<void> checked = CheckTopUp(input); !checked) {
    return checked.error();
  }
  Result<domain::Line> line = LoadLine(transaction, input.line_id);
  if (!line) {
    return line.error();
  }
  if (!domain::AcceptsTopUp(line->state)) {
    return FailedPrecondition("line_not_rechargeable", std::string("The line is ") +
                                                           domain::LineStateName(line->state) +
                                                           " and cannot be topped up.");
  }
  Result<int64_t> balance = WalletBalance(transaction, line->wallet_account_id);
  if (!balance) {
    return balance.error();
  }
  if (*balance + input.amount_jpy > kWalletBalanceJpyMax) {
    return FailedPrecondition(
        "balance_limit_exceeded",
        "A wallet may hold at most " + std::to_string(kWalletBalanceJpyMax) + " yen.");
  }
  domain::Order order;
  order.line_id = line->id;
  order.kind = domain::OrderKind::kTopUp;
  order.amount_jpy = input.amount_jpy;
  order.channel = input.requester.channel;
  order.idempotency_key = input.requester.idempotency_key;
  return Place(transaction, std::move(order), *line,
               *domain::ParsePaymentMethod(input.payment.method), input.payment.card);
}

Result<OrderView> OrderService::PlaceRenewal(Transaction& transaction,
                                             const RenewalInput& input) const {
  if (Result<void> checked = CheckRenewal(input); !checked) {
    return checked.error();
  }
  const domain::Plan& plan = *context_.catalog->FindPlan(input.plan_id);
  Result<domain::Line> line = LoadLine(transaction, input.line_id);
  if (!line) {
    return line.error();
  }
  if (plan.carrier != line->carrier) {
    return FailedPrecondition("plan_carrier_mismatch",
                              "Plan " + plan.id.value + " is sold on another carrier's network.");
  }
  if (plan.kind == domain::PlanKind::kTopup) {
    return FailedPrecondition("plan_not_renewable",
                              "Plan " + plan.id.value + " is a top-up product, not a renewal.");
  }
  if (!domain::AcceptsRenewal(line->state)) {
    return FailedPrecondition("line_not_renewable", std::string("The line is ") +
                                                        domain::LineStateName(line->state) +
                                                        " and cannot be renewed.");
  }
  const Timestamp now = context_.clock->Now();
  Result<Money> price = domain::PriceAt(plan, now);
  if (!price) {
    return price.error();
  }
  if (input.payment.method == "balance") {
    Result<int64_t> balance = WalletBalance(transaction, line->wallet_account_id);
    if (!balance) {
      return balance.error();
    }
    if (*balance < price->minor) {
      return FailedPrecondition("insufficient_balance",
                                "The balance is " + std::to_string(*balance) +
                                    " yen and this renewal costs " + std::to_string(price->minor) +
                                    " yen: top up first, or pay another way.");
    }
  }
  domain::Order order;
  order.line_id = line->id;
  order.kind = domain::OrderKind::kRenewal;
  order.plan_id = plan.id;
  order.amount_jpy = price->minor;
  order.channel = input.requester.channel;
  order.idempotency_key = input.requester.idempotency_key;
  return Place(transaction, std::move(order), *line,
               *domain::ParsePaymentMethod(input.payment.method), input.payment.card);
}

Result<OrderView> OrderService::Place(Transaction& transaction, domain::Order order,
                                      domain::Line& line, domain::PaymentMethod method,
                                      const CardDetails& card) const {
  const Timestamp now = context_.clock->Now();
  order.id = OrderId{context_.ids->Next("ord")};
  order.status = domain::OrderStatus::kPending;
  order.created_at = now;
  domain::Payment payment;
  payment.id = PaymentId{context_.ids->Next("pay")};
  payment.order_id = order.id;
  payment.method = method;
  payment.amount_jpy = order.amount_jpy;
  payment.status = domain::PaymentStatus::kPending;
  payment.created_at = now;
  payment.updated_at = now;
  const bool through_provider = method == domain::PaymentMethod::kCard;
  payment.provider =
      through_provider ? std::string(card_provider_.name()) : std::string(kInternalProvider);
  if (!through_provider) {
    // Cash and balance settle in this command: the order and its payment are written once, in
    // their final state.
    if (Result<void> completed = Complete(transaction, order, payment, line, Stored::kNotYet);
        !completed) {
      return completed.error();
    }
    return OrderView{std::move(order), std::move(payment)};
  }
  // Only the brand and last four digits are ever stored.
  const std::string& number = card.number;
  payment.card_last4 = number.size() >= 4 ? number.substr(number.size() - 4) : number;
  if (Result<void> inserted = transaction.InsertOrder(order); !inserted) {
    return inserted.error();
  }
  if (Result<void> inserted = transaction.InsertPayment(payment); !inserted) {
    return inserted.error();
  }
  return OrderView{std::move(order), std::move(payment)};
}

ChargeOutcome OrderService::Charge(const domain::Payment& payment, const CardDetails& card) const {
  ChargeRequest request;
  request.payment_id = payment.id;
  request.method = payment.method;
  request.amount_jpy = payment.amount_jpy;
  request.card = card;
  request.description = "simkeep order " + payment.order_id.value;
  return card_provider_.Charge(request, context_.clock->Now());
}

ChargeOutcome OrderService::Retrieve(const domain::Payment& payment) const {
  return card_provider_.Retrieve(payment);
}

Result<OrderView> OrderService::ApplyChargeOutcome(Transaction& transaction,
                                                   const PaymentId& payment_id,
                                                   const ChargeOutcome& outcome) const {
  Result<std::optional<domain::Payment>> found = transaction.FindPayment(payment_id);
  if (!found) {
    return found.error();
  }
  if (!found->has_value()) {
    return NotFound("payment_not_found", "No payment " + payment_id.value + " exists.");
  }
  domain::Payment payment = std::move(**found);
  Result<std::optional<domain::Order>> order = transaction.FindOrder(payment.order_id);
  if (!order) {
    return order.error();
  }
  SIMKEEP_ASSERT(order->has_value());  // Payments reference orders by foreign key.
  if (payment.status != domain::PaymentStatus::kPending ||
      outcome.status == ChargeStatus::kUnknown) {
    return OrderView{std::move(**order), std::move(payment)};
  }
  payment.provider_reference = outcome.provider_reference;
  payment.card_brand = outcome.card_brand;
  if (!outcome.card_last4.empty()) {
    payment.card_last4 = outcome.card_last4;
  }
  domain::Order& placed = **order;
  if (outcome.status == ChargeStatus::kSucceeded) {
    Result<domain::Line> line = LoadLine(transaction, placed.line_id);
    if (!line) {
      return line.error();
    }
    if (Result<void> completed = Complete(transaction, placed, payment, *line, Stored::kPending);
        !completed) {
      return completed.error();
    }
  } else {
    payment.status = outcome.status == ChargeStatus::kRequiresAction
                         ? domain::PaymentStatus::kRequiresAction
                         : domain::PaymentStatus::kFailed;
    payment.failure_reason = outcome.failure_reason;
    payment.updated_at = context_.clock->Now();
    if (payment.status == domain::PaymentStatus::kFailed) {
      placed.status = domain::OrderStatus::kFailed;
      placed.failure_reason = outcome.failure_reason;
      placed.completed_at = payment.updated_at;
      if (Result<void> updated = transaction.UpdateOrder(placed); !updated) {
        return updated.error();
      }
    }
    if (Result<void> updated = transaction.UpdatePayment(payment); !updated) {
      return updated.error();
    }
  }
  return OrderView{std::move(placed), std::move(payment)};
}

Result<void> OrderService::Complete(Transaction& transaction, domain::Order& order,
                                    domain::Payment& payment, domain::Line& line,
                                    Stored stored) const {
  const Timestamp now = context_.clock->Now();
  // The receipt number is taken first, so that the order is written once with it; the
  // command's savepoint gives it back if anything below fails.
  Result<int64_t> sequence = transaction.NextSequenceValue("receipt");
  if (!sequence) {
    return sequence.error();
  }
  order.receipt_number = ReceiptNumber(*sequence);
  order.status = domain::OrderStatus::kCompleted;
  order.completed_at = now;
  payment.status = domain::PaymentStatus::kSucceeded;
  payment.updated_at = now;
  if (stored == Stored::kNotYet) {
    if (Result<void> inserted = transaction.InsertOrder(order); !inserted) {
      return inserted;
    }
    if (Result<void> inserted = transaction.InsertPayment(payment); !inserted) {
      return inserted;
    }
  } else {
    if (Result<void> updated = transaction.UpdatePayment(payment); !updated) {
      return updated;
    }
    if (Result<void> updated = transaction.UpdateOrder(order); !updated) {
      return updated;
    }
  }
  const domain::LineState before = line.state;
  const bool top_up = order.kind == domain::OrderKind::kTopUp;
  Result<domain::ReceiptLine> item = top_up ? ApplyTopUp(transaction, order, payment, line)
                                            : ApplyRenewal(transaction, order, payment, line);
  if (!item) {
    return item.error();
  }
  if (Result<void> issued = IssueReceipt(transaction, order, payment, *item); !issued) {
    return issued;
  }
  std::string kind = top_up ? "topped_up" : (before == line.state ? "renewed" : "state_changed");
  return RecordEvent(transaction, *context_.ids, line, std::move(kind), before,
                     top_up ? "topup" : "renewal", order.id, now);
}

Result<domain::ReceiptLine> OrderService::ApplyTopUp(Transaction& transaction,
                                                     const domain::Order& order,
                                                     const domain::Payment& payment,
                                                     const domain::Line& line) const {
  const Timestamp now = context_.clock->Now();
  const AccountId source = SourceAccount(payment.method, payment.provider, line.wallet_account_id);
  std::vector<ledger::Transfer> transfers = {MakeTransfer(
      *context_.ids, source, line.wallet_account_id, order.amount_jpy, "topup", order.id, now)};
  if (Result<void> posted = PostTransfers(transaction, transfers, now); !posted) {
    return posted.error();
  }
  // Selling prepaid value is not a taxable supply (DOMAIN.md §4.2): a non-taxable receipt.
  return domain::ReceiptLine{"Prepaid balance top-up", 1, order.amount_jpy, 0, false};
}

Result<domain::ReceiptLine> OrderService::ApplyRenewal(Transaction& transaction,
                                                       const domain::Order& order,
                                                       const domain::Payment& payment,
                                                       domain::Line& line) const {
  const domain::Plan* plan = context_.catalog->FindPlan(order.plan_id);
  if (plan == nullptr) {
    return NotFound("plan_not_found", "No plan " + order.plan_id.value + " exists.");
  }
  if (!domain::AcceptsRenewal(line.state)) {
    return FailedPrecondition("line_not_renewable", "The line can no longer be renewed.");
  }
  const Timestamp now = context_.clock->Now();
  domain::ReceiptLine item{plan->name, 1, order.amount_jpy, plan->tax_rate_percent, true};
  Result<domain::InvoiceTotals> totals = domain::ComputeInvoiceTotals({item});
  if (!totals) {
    return totals.error();
  }
  const int64_t tax = totals->by_rate.empty() ? 0 : totals->by_rate.front().tax_jpy;
  const AccountId source = SourceAccount(payment.method, payment.provider, line.wallet_account_id);
  std::vector<ledger::Transfer> transfers;
  if (order.amount_jpy - tax > 0) {
    transfers.push_back(MakeTransfer(*context_.ids, source, kRevenueAccount, order.amount_jpy - tax,
                                     "renewal", order.id, now));
  }
  if (tax > 0) {
    transfers.push_back(
        MakeTransfer(*context_.ids, source, kTaxPayableAccount, tax, "tax", order.id, now));
  }
  if (Result<void> posted = PostTransfers(transaction, transfers, now); !posted) {
    return posted.error();
  }
  // An open-ended plan (a ¥0 base plan) sets the line's plan and grants nothing with an expiry.
  domain::RenewalOutcome outcome{line.expires_at.value_or(now), {}, 0, false};
  if (!domain::IsOpenEnded(plan->validity)) {
    outcome = domain::ApplyRenewal(line.expires_at, *plan, now);
  }
  for (const domain::GrantedBucket& granted : outcome.buckets) {
    domain::Bucket bucket{BucketId{context_.ids->Next("bk")},
                          line.id,
                          granted.kind,
                          granted.quantity,
                          granted.quantity,
                          granted.starts_at,
                          granted.expires_at,
                          order.id};
    if (Result<void> inserted = transaction.InsertBucket(bucket); !inserted) {
      return inserted.error();
    }
  }
  if (!domain::IsOpenEnded(plan->validity)) {
    line.expires_at = outcome.line_expires_at;
  }
  line.state = domain::LineState::kActive;
  if (plan->kind == domain::PlanKind::kRenewal) {
    line.plan_id = plan->id;
  }
  line.updated_at = now;
  if (Result<void> updated = transaction.UpdateLine(line); !updated) {
    return updated.error();
  }
  return item;
}

Result<void> OrderService::IssueReceipt(Transaction& transaction, const domain::Order& order,
                                        const domain::Payment& payment,
                                        const domain::ReceiptLine& item) const {
  Result<domain::InvoiceTotals> totals = domain::ComputeInvoiceTotals({item});
  if (!totals) {
    return totals.error();
  }
  domain::Receipt receipt;
  receipt.number = *order.receipt_number;
  receipt.order_id = order.id;
  receipt.line_id = order.line_id;
  receipt.kind =
      item.taxable ? domain::ReceiptKind::kQualifiedInvoice : domain::ReceiptKind::kNonTaxable;
  receipt.issuer_name = context_.issuer.name;
  if (item.taxable) {
    receipt.invoice_registration_number = context_.issuer.invoice_registration_number;
  }
  receipt.channel = domain::ChannelName(order.channel);
  receipt.payment_method = domain::PaymentMethodName(payment.method);
  receipt.lines = {item};
  receipt.totals = std::move(*totals);
  receipt.issued_at = context_.clock->Now();
  return transaction.InsertReceipt(receipt);
}

Result<OrderView> OrderService::ChangePlan(Transaction& transaction,
                                           const PlanChangeInput& input) const {
  const domain::Plan* plan = context_.catalog->FindPlan(input.plan_id);
  if (plan == nullptr) {
    return NotFound("plan_not_found", "No plan " + input.plan_id.value + " exists.");
  }
  Result<domain::Line> line = LoadLine(transaction, input.line_id);
  if (!line) {
    return line.error();
  }
  if (plan->carrier != line->carrier) {
    return FailedPrecondition("plan_carrier_mismatch",
                              "Plan " + plan->id.value + " is sold on another carrier's network.");
  }
  if (plan->kind != domain::PlanKind::kRenewal) {
    return FailedPrecondition("plan_not_base_plan",
                              "Plan " + plan->id.value + " is an add-on, not a base plan.");
  }
  if (line->state == domain::LineState::kTerminated) {
    return FailedPrecondition("line_not_renewable", "The line is terminated.");
  }
  const Timestamp now = context_.clock->Now();
  domain::Order order;
  order.id = OrderId{context_.ids->Next("ord")};
  order.line_id = line->id;
  order.kind = domain::OrderKind::kPlanChange;
  order.status = domain::OrderStatus::kCompleted;
  order.plan_id = plan->id;
  order.channel = input.requester.channel;
  order.idempotency_key = input.requester.idempotency_key;
  order.created_at = now;
  order.completed_at = now;
  if (Result<void> inserted = transaction.InsertOrder(order); !inserted) {
    return inserted.error();
  }
  line->plan_id = plan->id;
  line->updated_at = now;
  if (Result<void> updated = transaction.UpdateLine(*line); !updated) {
    return updated.error();
  }
  if (Result<void> logged = RecordEvent(transaction, *context_.ids, *line, "plan_changed",
                                        line->state, "plan_change", order.id, now);
      !logged) {
    return logged.error();
  }
  return OrderView{std::move(order), std::nullopt};
}

Result<OrderView> OrderService::GetOrder(Transaction& transaction, const OrderId& id) const {
  Result<std::optional<domain::Order>> order = transaction.FindOrder(id);
  if (!order) {
    return order.error();
  }
  if (!order->has_value()) {
    return NotFound("order_not_found", "No order " + id.value + " exists.");
  }
  Result<std::optional<domain::Payment>> payment = transaction.FindPaymentByOrder(id);
  if (!payment) {
    return payment.error();
  }
  return OrderView{std::move(**order), std::move(*payment)};
}

Result<domain::Receipt> OrderService::GetReceipt(Transaction& transaction,
                                                 const OrderId& id) const {
  Result<std::optional<domain::Receipt>> receipt = transaction.FindReceiptByOrder(id);
  if (!receipt) {
    return receipt.error();
  }
  if (!receipt->has_value()) {
    return NotFound("receipt_not_found", "Order " + id.value + " has no receipt (yet).");
  }
  return std::move(**receipt);
}

}  // namespace simkeep::app
