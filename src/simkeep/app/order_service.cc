#include "simkeep/app/order_service.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "simkeep/app/ledger_writer.h"
#include "simkeep/app/limits.h"
#include "simkeep/app/line_service.h"
#include "simkeep/app/outbox.h"
#include "simkeep/app/usage_service.h"
#include "simkeep/base/time.h"
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

Result<domain::Payment> LoadPayment(Transaction& transaction, const PaymentId& id) {
  Result<std::optional<domain::Payment>> found = transaction.FindPayment(id);
  if (!found) {
    return found.error();
  }
  if (!found->has_value()) {
    return NotFound("payment_not_found", "No payment " + id.value + " exists.");
  }
  return std::move(**found);
}

Result<domain::MethodOffer> OrderService::CheckPayment(const PaymentInput& payment,
                                                       const Requester& requester,
                                                       bool top_up) const {
  std::optional<domain::PaymentMethod> method = domain::ParsePaymentMethod(payment.method);
  if (!method) {
    return InvalidArgument("payment_method_invalid",
                           "payment.method must be one of balance, cash, card, paypay, linepay, "
                           "paypal, alipay, wechatpay, bank_transfer, konbini, pay_easy.");
  }
  if (*method == domain::PaymentMethod::kBalance && top_up) {
    return InvalidArgument("payment_method_not_allowed",
                           "A top-up cannot be paid from the balance it tops up.");
  }
  if (*method == domain::PaymentMethod::kCash && requester.role != "clerk") {
    return PermissionDenied("cash_requires_clerk", "Only a store clerk can take cash.");
  }
  const domain::MethodOffer* offer = domain::FindOffer(requester.channel, *method);
  if (offer == nullptr || !(top_up ? offer->for_topup : offer->for_renewal)) {
    return InvalidArgument("payment_method_not_offered",
                           std::string(domain::PaymentMethodName(*method)) +
                               " is not offered on the " + domain::ChannelName(requester.channel) +
                               " channel; GET /v1/payment-methods lists what is.");
  }
  if (domain::ThroughProvider(*method)) {
    if (!provider_.Supports(*method)) {
      return InvalidArgument("payment_method_not_supported",
                             std::string("The payment provider does not collect ") +
                                 domain::PaymentMethodName(*method) + " payments.");
    }
    if (!payment.saved_method_id.empty()) {
      // Which card it is, and whether it is still good, is checked where it is loaded (Place).
      if (*method != domain::PaymentMethod::kCard || !payment.card.number.empty()) {
        return InvalidArgument("saved_method_invalid",
                               "payment.saved_method_id pays by card: give it with method card "
                               "and without payment.card.");
      }
      return *offer;
    }
    ChargeRequest request;
    request.method = *method;
    request.card = payment.card;
    request.konbini_store = payment.store;
    request.customer_email = payment.customer_email;
    request.customer_name = payment.customer_name;
    request.customer_name_kana = payment.customer_name_kana;
    request.customer_phone = payment.customer_phone;
    if (Result<void> valid = provider_.ValidateCharge(request, context_.clock->Now()); !valid) {
      return valid.error();
    }
  }
  return *offer;
}

Result<void> OrderService::CheckTopUp(const TopUpInput& input) const {
  if (Result<void> amount = CheckAmount(input.amount_jpy); !amount) {
    return amount;
  }
  Result<domain::MethodOffer> offer = CheckPayment(input.payment, input.requester, true);
  if (!offer) {
    return offer.error();
  }
  return Ok();
}

Result<void> OrderService::CheckRenewal(const RenewalInput& input) const {
  if (context_.catalog->FindPlan(input.plan_id) == nullptr) {
    return NotFound("plan_not_found", "No plan " + input.plan_id.value + " exists.");
  }
  Result<domain::MethodOffer> offer = CheckPayment(input.payment, input.requester, false);
  if (!offer) {
    return offer.error();
  }
  return Ok();
}

Result<OrderView> OrderService::PlaceTopUp(Transaction& transaction,
                                           const TopUpInput& input) const {
  if (Result<void> amount = CheckAmount(input.amount_jpy); !amount) {
    return amount.error();
  }
  Result<domain::MethodOffer> offer = CheckPayment(input.payment, input.requester, true);
  if (!offer) {
    return offer.error();
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
  return Place(transaction, std::move(order), /*order_stored=*/false, *line, *offer, input.payment,
               input.requester.idempotency_key);
}

Result<OrderView> OrderService::PlaceRenewal(Transaction& transaction,
                                             const RenewalInput& input) const {
  if (Result<void> checked = CheckRenewal(input); !checked) {
    return checked.error();
  }
  Result<domain::MethodOffer> offer = CheckPayment(input.payment, input.requester, false);
  if (!offer) {
    return offer.error();
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
  return Place(transaction, std::move(order), /*order_stored=*/false, *line, *offer, input.payment,
               input.requester.idempotency_key);
}

Result<OrderView> OrderService::Place(Transaction& transaction, domain::Order order,
                                      bool order_stored, domain::Line& line,
                                      const domain::MethodOffer& offer, const PaymentInput& input,
                                      const std::string& idempotency_key) const {
  const Timestamp now = context_.clock->Now();
  // The price of what was ordered, then the method's fee on top.
  const int64_t goods_jpy = order.amount_jpy - order.fee_jpy;
  order.fee_jpy = offer.fee_jpy;
  order.amount_jpy = goods_jpy + offer.fee_jpy;
  order.status = domain::OrderStatus::kPending;
  order.failure_reason.clear();
  order.completed_at.reset();
  if (!order_stored) {
    order.id = OrderId{context_.ids->Next("ord")};
    order.created_at = now;
  }
  domain::Payment payment;
  payment.id = PaymentId{context_.ids->Next("pay")};
  payment.order_id = order.id;
  payment.method = offer.method;
  payment.amount_jpy = order.amount_jpy;
  payment.status = domain::PaymentStatus::kPending;
  payment.idempotency_key = idempotency_key;
  payment.created_at = now;
  payment.updated_at = now;
  const bool through_provider = domain::ThroughProvider(offer.method);
  payment.provider =
      through_provider ? std::string(provider_.name()) : std::string(kInternalProvider);
  if (!through_provider) {
    // Cash and balance settle in this command: the order and its payment are written once, in
    // their final state.
    const Stored stored = order_stored ? Stored::kOrderOnly : Stored::kNotYet;
    if (Result<void> completed = Complete(transaction, order, payment, line, stored); !completed) {
      return completed.error();
    }
    return OrderView{std::move(order), std::move(payment)};
  }
  if (offer.method == domain::PaymentMethod::kCard && !input.saved_method_id.empty()) {
    Result<std::optional<domain::SavedPaymentMethod>> saved =
        transaction.FindSavedMethod(input.saved_method_id);
    if (!saved) {
      return saved.error();
    }
    if (!saved->has_value()) {
      return NotFound("saved_method_not_found",
                      "No saved payment method " + input.saved_method_id.value + " exists.");
    }
    if (Result<void> usable =
            domain::CheckSavedMethodForCharge(**saved, line.id, provider_.name(), now);
        !usable) {
      return usable.error();
    }
    payment.saved_method_id = (*saved)->id;
    payment.card_brand = (*saved)->card_brand;
    payment.card_last4 = (*saved)->card_last4;
  } else if (offer.method == domain::PaymentMethod::kCard) {
    // Only the brand and last four digits are ever stored.
    const std::string& number = input.card.number;
    payment.card_last4 = number.size() >= 4 ? number.substr(number.size() - 4) : number;
  }
  if (domain::FlowOf(offer.method) == domain::PaymentFlow::kDeferred) {
    payment.action.kind = domain::ActionKindOf(offer.method);
    payment.action.store = input.store;
    payment.action.expires_at = domain::DeferredPaymentDeadline(now);
  }
  Result<void> order_written =
      order_stored ? transaction.UpdateOrder(order) : transaction.InsertOrder(order);
  if (!order_written) {
    return order_written.error();
  }
  if (Result<void> inserted = transaction.InsertPayment(payment); !inserted) {
    return inserted.error();
  }
  return OrderView{std::move(order), std::move(payment)};
}

Result<OrderView> OrderService::PayAgain(Transaction& transaction,
                                         const PayAgainInput& input) const {
  Result<std::optional<domain::Order>> found = transaction.FindOrder(input.order_id);
  if (!found) {
    return found.error();
  }
  if (!found->has_value()) {
    return NotFound("order_not_found", "No order " + input.order_id.value + " exists.");
  }
  domain::Order order = std::move(**found);
  if (order.status != domain::OrderStatus::kFailed ||
      order.kind == domain::OrderKind::kPlanChange) {
    return FailedPrecondition("order_not_payable",
                              std::string("The order is ") + domain::OrderStatusName(order.status) +
                                  "; only an order whose payment failed can be paid again.");
  }
  const bool top_up = order.kind == domain::OrderKind::kTopUp;
  Result<domain::MethodOffer> offer = CheckPayment(input.payment, input.requester, top_up);
  if (!offer) {
    return offer.error();
  }
  Result<domain::Line> line = LoadLine(transaction, order.line_id);
  if (!line) {
    return line.error();
  }
  const int64_t goods_jpy = order.amount_jpy - order.fee_jpy;
  if (top_up) {
    if (!domain::AcceptsTopUp(line->state)) {
      return FailedPrecondition("line_not_rechargeable", std::string("The line is ") +
                                                             domain::LineStateName(line->state) +
                                                             " and cannot be topped up.");
    }
    Result<int64_t> balance = WalletBalance(transaction, line->wallet_account_id);
    if (!balance) {
      return balance.error();
    }
    if (*balance + goods_jpy > kWalletBalanceJpyMax) {
      return FailedPrecondition(
          "balance_limit_exceeded",
          "A wallet may hold at most " + std::to_string(kWalletBalanceJpyMax) + " yen.");
    }
  } else {
    if (!domain::AcceptsRenewal(line->state)) {
      return FailedPrecondition("line_not_renewable", std::string("The line is ") +
                                                          domain::LineStateName(line->state) +
                                                          " and cannot be renewed.");
    }
    if (offer->method == domain::PaymentMethod::kBalance) {
      Result<int64_t> balance = WalletBalance(transaction, line->wallet_account_id);
      if (!balance) {
        return balance.error();
      }
      if (*balance < goods_jpy) {
        return FailedPrecondition("insufficient_balance",
                                  "The balance is " + std::to_string(*balance) +
                                      " yen and this renewal costs " + std::to_string(goods_jpy) +
                                      " yen: top up first, or pay another way.");
      }
    }
  }
  return Place(transaction, std::move(order), /*order_stored=*/true, *line, *offer, input.payment,
               input.requester.idempotency_key);
}

ChargeOutcome OrderService::Charge(const domain::Payment& payment,
                                   const PaymentInput& input) const {
  ChargeRequest request;
  request.payment_id = payment.id;
  request.order_id = payment.order_id;
  request.method = payment.method;
  request.amount_jpy = payment.amount_jpy;
  request.card = input.card;
  request.saved_method_token = input.saved_method_token;
  request.konbini_store = input.store;
  request.return_url = input.return_url;
  request.customer_email = input.customer_email;
  request.customer_name = input.customer_name;
  request.customer_name_kana = input.customer_name_kana;
  request.customer_phone = input.customer_phone;
  if (payment.action.expires_at) {
    request.pay_by = *payment.action.expires_at;
  }
  request.description = "simkeep order " + payment.order_id.value;
  return provider_.Charge(request, context_.clock->Now());
}

Result<OrderView> OrderService::ApplyChargeOutcome(Transaction& transaction,
                                                   const PaymentId& payment_id,
                                                   const ChargeOutcome& outcome) const {
  Result<domain::Payment> found = LoadPayment(transaction, payment_id);
  if (!found) {
    return found.error();
  }
  domain::Payment payment = std::move(*found);
  Result<std::optional<domain::Order>> order = transaction.FindOrder(payment.order_id);
  if (!order) {
    return order.error();
  }
  SIMKEEP_ASSERT(order->has_value());  // Payments reference orders by foreign key.
  domain::Order& placed = **order;
  if (!domain::IsOpen(payment.status) || outcome.status == ChargeStatus::kUnknown) {
    // A success for an attempt closed already (money that arrived after the deadline) is never
    // applied twice: reconciliation lists it (collected, not in the ledger) for staff to refund.
    return OrderView{std::move(placed), std::move(payment)};
  }
  const Timestamp now = context_.clock->Now();
  if (!outcome.provider_reference.empty()) {
    payment.provider_reference = outcome.provider_reference;
  }
  if (!outcome.card_brand.empty()) {
    payment.card_brand = outcome.card_brand;
  }
  if (!outcome.card_last4.empty()) {
    payment.card_last4 = outcome.card_last4;
  }
  switch (outcome.status) {
    case ChargeStatus::kSucceeded: {
      if (outcome.amount_jpy >= 0 && outcome.amount_jpy != payment.amount_jpy) {
        return FailedPrecondition(
            "amount_mismatch", "The provider holds " + std::to_string(outcome.amount_jpy) +
                                   " yen for payment " + payment.id.value + ", which asked for " +
                                   std::to_string(payment.amount_jpy) + " yen.");
      }
      Result<domain::Line> line = LoadLine(transaction, placed.line_id);
      if (!line) {
        return line.error();
      }
      if (Result<void> completed = Complete(transaction, placed, payment, *line, Stored::kPending);
          !completed) {
        return completed.error();
      }
      return OrderView{std::move(placed), std::move(payment)};
    }
    case ChargeStatus::kRequiresAction: {
      payment.status = domain::PaymentStatus::kRequiresAction;
      domain::PaymentAction action = outcome.action;
      if (!action.expires_at) {
        action.expires_at = payment.action.expires_at;  // The deadline simkeep asked for.
      }
      if (action.kind == domain::PaymentActionKind::kNone) {
        action.kind = domain::ActionKindOf(payment.method);
      }
      payment.action = std::move(action);
      break;
    }
    case ChargeStatus::kFailed:
    case ChargeStatus::kCanceled: {
      const bool expired = outcome.status == ChargeStatus::kCanceled && payment.action.expires_at &&
                           now >= *payment.action.expires_at;
      payment.status = outcome.status == ChargeStatus::kFailed ? domain::PaymentStatus::kFailed
                                                               : domain::PaymentStatus::kCanceled;
      payment.failure_reason = expired                                   ? "payment_expired"
                               : !outcome.failure_reason.empty()         ? outcome.failure_reason
                               : outcome.status == ChargeStatus::kFailed ? "processing_error"
                                                                         : "payment_canceled";
      placed.status = expired ? domain::OrderStatus::kExpired : domain::OrderStatus::kFailed;
      placed.failure_reason = payment.failure_reason;
      placed.completed_at = now;
      if (Result<void> updated = transaction.UpdateOrder(placed); !updated) {
        return updated.error();
      }
      break;
    }
    case ChargeStatus::kUnknown:
      SIMKEEP_UNREACHABLE();
  }
  payment.updated_at = now;
  if (Result<void> updated = transaction.UpdatePayment(payment); !updated) {
    return updated.error();
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
  order.failure_reason.clear();
  order.completed_at = now;
  payment.status = domain::PaymentStatus::kSucceeded;
  payment.updated_at = now;
  payment.succeeded_at = now;
  Result<void> order_written =
      stored == Stored::kNotYet ? transaction.InsertOrder(order) : transaction.UpdateOrder(order);
  if (!order_written) {
    return order_written;
  }
  Result<void> payment_written = stored == Stored::kPending ? transaction.UpdatePayment(payment)
                                                            : transaction.InsertPayment(payment);
  if (!payment_written) {
    return payment_written;
  }
  const domain::LineState before = line.state;
  const bool top_up = order.kind == domain::OrderKind::kTopUp;
  const int64_t goods_jpy = order.amount_jpy - order.fee_jpy;
  const AccountId source = SourceAccount(payment.method, payment.provider, line.wallet_account_id);
  std::vector<domain::ReceiptLine> items;
  std::vector<ledger::Transfer> transfers;
  if (top_up) {
    // Selling prepaid value is not a taxable supply (DOMAIN.md §4.2).
    items.push_back(domain::ReceiptLine{"Prepaid balance top-up", 1, goods_jpy, 0, false});
    transfers.push_back(MakeTransfer(*context_.ids, source, line.wallet_account_id, goods_jpy,
                                     "topup", order.id.value, now));
  } else {
    Result<domain::ReceiptLine> item = ApplyRenewal(transaction, order, line);
    if (!item) {
      return item.error();
    }
    items.push_back(std::move(*item));
  }
  if (order.fee_jpy > 0) {
    items.push_back(domain::ReceiptLine{
        std::string("Payment fee (") + domain::PaymentMethodName(payment.method) + ")", 1,
        order.fee_jpy, kPaymentFeeTaxRatePercent, true});
  }
  // Tax is computed once per rate over the whole receipt (DOMAIN.md §4.3), and the ledger
  // posts exactly what the receipt shows.
  Result<domain::InvoiceTotals> totals = domain::ComputeInvoiceTotals(items);
  if (!totals) {
    return totals.error();
  }
  int64_t taxable_jpy = 0;
  int64_t tax_jpy = 0;
  for (const domain::RateTotal& rate : totals->by_rate) {
    taxable_jpy += rate.total_including_tax_jpy;
    tax_jpy += rate.tax_jpy;
  }
  if (taxable_jpy - tax_jpy > 0) {
    transfers.push_back(MakeTransfer(*context_.ids, source, kRevenueAccount, taxable_jpy - tax_jpy,
                                     top_up ? "fee" : "renewal", order.id.value, now));
  }
  if (tax_jpy > 0) {
    transfers.push_back(MakeTransfer(*context_.ids, source, kTaxPayableAccount, tax_jpy, "tax",
                                     order.id.value, now));
  }
  if (Result<void> posted = PostTransfers(transaction, transfers, now); !posted) {
    return posted;
  }
  if (Result<void> issued = IssueReceipt(transaction, order, payment, items, *totals); !issued) {
    return issued;
  }
  std::string kind = top_up ? "topped_up" : (before == line.state ? "renewed" : "state_changed");
  if (Result<void> recorded = RecordEvent(transaction, *context_.ids, line, std::move(kind), before,
                                          top_up ? "topup" : "renewal", order.id, now);
      !recorded) {
    return recorded;
  }
  NotificationEvent receipt;
  receipt.topic = domain::NotificationTopic::kPaymentReceipt;
  receipt.period = order.id.value;
  receipt.args["order_id"] = order.id.value;
  receipt.args["receipt_number"] = *order.receipt_number;
  receipt.args["amount_jpy"] = std::to_string(order.amount_jpy);
  receipt.args["method"] = domain::PaymentMethodName(payment.method);
  receipt.args["order_kind"] = top_up ? "topup" : "renewal";
  if (!top_up && line.expires_at) {
    receipt.args["expires_at"] = FormatRfc3339Jst(*line.expires_at);
  }
  return QueueNotification(transaction, context_, line, receipt);
}

Result<domain::ReceiptLine> OrderService::ApplyRenewal(Transaction& transaction,
                                                       const domain::Order& order,
                                                       domain::Line& line) const {
  const domain::Plan* plan = context_.catalog->FindPlan(order.plan_id);
  if (plan == nullptr) {
    return NotFound("plan_not_found", "No plan " + order.plan_id.value + " exists.");
  }
  if (!domain::AcceptsRenewal(line.state)) {
    return FailedPrecondition("line_not_renewable", "The line can no longer be renewed.");
  }
  const Timestamp now = context_.clock->Now();
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
  } else if (!line.expires_at) {
    // Attached to a base plan with nothing paid before: the keep window counts from now.
    line.expires_at = now;
  }
  line.state = domain::LineState::kActive;
  if (plan->kind == domain::PlanKind::kRenewal) {
    line.plan_id = plan->id;
  }
  line.updated_at = now;
  if (Result<void> updated = transaction.UpdateLine(line); !updated) {
    return updated.error();
  }
  // The data granted may have restored the speed usage had cut.
  if (Result<void> noted = UsageService(context_).NoteSpeed(transaction, line); !noted) {
    return noted.error();
  }
  return domain::ReceiptLine{plan->name, 1, order.amount_jpy - order.fee_jpy,
                             plan->tax_rate_percent, true};
}

Result<void> OrderService::IssueReceipt(Transaction& transaction, const domain::Order& order,
                                        const domain::Payment& payment,
                                        std::vector<domain::ReceiptLine> items,
                                        domain::InvoiceTotals totals) const {
  bool taxable = false;
  for (const domain::ReceiptLine& item : items) {
    taxable = taxable || item.taxable;
  }
  domain::Receipt receipt;
  receipt.number = *order.receipt_number;
  receipt.order_id = order.id;
  receipt.line_id = order.line_id;
  receipt.kind =
      taxable ? domain::ReceiptKind::kQualifiedInvoice : domain::ReceiptKind::kNonTaxable;
  receipt.issuer_name = context_.issuer.name;
  if (taxable) {
    receipt.invoice_registration_number = context_.issuer.invoice_registration_number;
  }
  receipt.channel = domain::ChannelName(order.channel);
  receipt.payment_method = domain::PaymentMethodName(payment.method);
  receipt.lines = std::move(items);
  receipt.totals = std::move(totals);
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

Result<RefundView> OrderService::StartRefund(Transaction& transaction,
                                             const RefundInput& input) const {
  if (input.reason.empty()) {
    return InvalidArgument("refund_reason_required", "A refund needs a reason.");
  }
  Result<domain::Payment> found = LoadPayment(transaction, input.payment_id);
  if (!found) {
    return found.error();
  }
  domain::Payment payment = std::move(*found);
  if (Result<void> allowed = domain::CheckRefund(payment, input.amount_jpy); !allowed) {
    return allowed.error();
  }
  Result<std::optional<domain::Order>> order = transaction.FindOrder(payment.order_id);
  if (!order) {
    return order.error();
  }
  SIMKEEP_ASSERT(order->has_value());
  Result<domain::Line> line = LoadLine(transaction, (*order)->line_id);
  if (!line) {
    return line.error();
  }
  const Timestamp now = context_.clock->Now();
  domain::Refund refund;
  refund.id = RefundId{context_.ids->Next("rf")};
  refund.payment_id = payment.id;
  refund.order_id = payment.order_id;
  refund.amount_jpy = input.amount_jpy;
  refund.reason = input.reason;
  refund.status = domain::RefundStatus::kPending;
  refund.requested_by = input.requested_by;
  refund.created_at = now;
  refund.updated_at = now;
  // What the refund takes back: the goods first (wallet credit or renewal), then the fee.
  const domain::Order& placed = **order;
  const int64_t goods_total = placed.amount_jpy - placed.fee_jpy;
  const int64_t goods_left = std::max<int64_t>(0, goods_total - payment.refunded_jpy);
  const int64_t goods_part = std::min(input.amount_jpy, goods_left);
  const int64_t fee_part = input.amount_jpy - goods_part;
  const AccountId clearing = ProviderClearingAccount(payment.provider);
  std::vector<ledger::Transfer> transfers;
  const auto take_back_taxable = [&](int64_t gross, int rate_percent) {
    if (gross <= 0) {
      return;
    }
    const int64_t tax = gross * rate_percent / (100 + rate_percent);
    if (gross - tax > 0) {
      transfers.push_back(MakeTransfer(*context_.ids, kRevenueAccount, clearing, gross - tax,
                                       "refund", refund.id.value, now));
    }
    if (tax > 0) {
      transfers.push_back(MakeTransfer(*context_.ids, kTaxPayableAccount, clearing, tax, "refund",
                                       refund.id.value, now));
    }
  };
  if (placed.kind == domain::OrderKind::kTopUp) {
    if (goods_part > 0) {
      transfers.push_back(MakeTransfer(*context_.ids, line->wallet_account_id, clearing, goods_part,
                                       "refund", refund.id.value, now));
    }
  } else {
    const domain::Plan* plan = context_.catalog->FindPlan(placed.plan_id);
    take_back_taxable(goods_part,
                      plan != nullptr ? plan->tax_rate_percent : kPaymentFeeTaxRatePercent);
  }
  take_back_taxable(fee_part, kPaymentFeeTaxRatePercent);
  if (Result<void> posted = PostTransfers(transaction, transfers, now); !posted) {
    if (posted.error().reason == "insufficient_balance") {
      return FailedPrecondition("insufficient_balance",
                                "The wallet no longer holds the " + std::to_string(goods_part) +
                                    " yen this refund would take back: it was spent.");
    }
    return posted.error();
  }
  if (Result<void> inserted = transaction.InsertRefund(refund); !inserted) {
    return inserted.error();
  }
  payment.refunded_jpy += input.amount_jpy;
  payment.updated_at = now;
  if (Result<void> updated = transaction.UpdatePayment(payment); !updated) {
    return updated.error();
  }
  return RefundView{std::move(refund), std::move(payment)};
}

Result<RefundView> OrderService::ApplyRefundOutcome(Transaction& transaction,
                                                    const RefundId& refund_id,
                                                    const RefundOutcome& outcome) const {
  Result<std::optional<domain::Refund>> found = transaction.FindRefund(refund_id);
  if (!found) {
    return found.error();
  }
  if (!found->has_value()) {
    return NotFound("refund_not_found", "No refund " + refund_id.value + " exists.");
  }
  domain::Refund refund = std::move(**found);
  Result<std::optional<domain::Payment>> payment = transaction.FindPayment(refund.payment_id);
  if (!payment) {
    return payment.error();
  }
  SIMKEEP_ASSERT(payment->has_value());
  if (refund.status != domain::RefundStatus::kPending || outcome.status == RefundStatus::kUnknown) {
    return RefundView{std::move(refund), std::move(**payment)};
  }
  const Timestamp now = context_.clock->Now();
  refund.updated_at = now;
  refund.provider_reference = outcome.provider_reference;
  domain::Payment& paid = **payment;
  if (outcome.status == RefundStatus::kSucceeded) {
    refund.status = domain::RefundStatus::kSucceeded;
    if (paid.refunded_jpy == paid.amount_jpy &&
        domain::CanTransition(paid.status, domain::PaymentStatus::kRefunded)) {
      paid.status = domain::PaymentStatus::kRefunded;
      paid.updated_at = now;
      if (Result<void> updated = transaction.UpdatePayment(paid); !updated) {
        return updated.error();
      }
    }
  } else {
    refund.status = domain::RefundStatus::kFailed;
    refund.failure_reason =
        outcome.failure_reason.empty() ? "processing_error" : outcome.failure_reason;
    // The provider kept the money: the reversal written when the refund started is undone.
    Result<std::vector<ledger::Transfer>> written =
        transaction.ListTransfersByReference(refund.id.value);
    if (!written) {
      return written.error();
    }
    std::vector<ledger::Transfer> undo;
    for (const ledger::Transfer& transfer : *written) {
      undo.push_back(MakeTransfer(*context_.ids, transfer.credit_account_id,
                                  transfer.debit_account_id, transfer.amount.minor, "refund_failed",
                                  refund.id.value, now));
    }
    if (Result<void> posted = PostTransfers(transaction, undo, now); !posted) {
      return posted.error();
    }
    paid.refunded_jpy -= refund.amount_jpy;
    paid.updated_at = now;
    if (Result<void> updated = transaction.UpdatePayment(paid); !updated) {
      return updated.error();
    }
  }
  if (Result<void> updated = transaction.UpdateRefund(refund); !updated) {
    return updated.error();
  }
  return RefundView{std::move(refund), std::move(paid)};
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
