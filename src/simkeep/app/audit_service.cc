#include "simkeep/app/audit_service.h"

#include <unordered_map>

namespace simkeep::app {
namespace {

constexpr size_t kOrderViolationsMax = 1000;

void Report(DatabaseAudit& audit, std::string violation) {
  if (audit.order_violations.size() < kOrderViolationsMax) {
    audit.order_violations.push_back(std::move(violation));
  }
}

// Checks one order against the money its transfers moved.
void CheckOrder(const domain::Order& order, int64_t moved_jpy, DatabaseAudit& audit) {
  const bool moves_money = order.kind != domain::OrderKind::kPlanChange;
  if (order.status == domain::OrderStatus::kCompleted && moves_money) {
    if (moved_jpy != order.amount_jpy) {
      Report(audit, "order_money_mismatch: order " + order.id.value + " is completed for " +
                        std::to_string(order.amount_jpy) + " yen but its transfers moved " +
                        std::to_string(moved_jpy));
    }
    if (!order.receipt_number) {
      Report(audit, "order_without_receipt: order " + order.id.value + " is completed");
    }
  } else if (moved_jpy != 0) {
    Report(audit, std::string("order_money_mismatch: order ") + order.id.value + " is " +
                      domain::OrderStatusName(order.status) + " but its transfers moved " +
                      std::to_string(moved_jpy) + " yen");
  }
}

}  // namespace

Result<DatabaseAudit> AuditDatabase(Transaction& transaction,
                                    const std::function<void(int64_t)>& progress) {
  ledger::Auditor auditor;
  Result<void> accounts = transaction.ForEachAccount([&](const ledger::Account& account) {
    auditor.AddAccount(account);
    return Ok();
  });
  if (!accounts) {
    return accounts.error();
  }
  std::unordered_map<std::string, int64_t> moved_by_order;
  int64_t seen = 0;
  Result<void> transfers = transaction.ForEachTransfer([&](const ledger::Transfer& transfer) {
    auditor.AddTransfer(transfer);
    if (transfer.kind == ledger::TransferKind::kPosted ||
        transfer.kind == ledger::TransferKind::kPostPending) {
      moved_by_order[transfer.reference] += transfer.amount.minor;
    }
    if (++seen % 100'000 == 0 && progress) {
      progress(seen);
    }
    return Ok();
  });
  if (!transfers) {
    return transfers.error();
  }
  DatabaseAudit audit;
  audit.ledger = auditor.Finish();
  Result<void> orders = transaction.ForEachOrder([&](const domain::Order& order) {
    ++audit.orders;
    auto it = moved_by_order.find(order.id.value);
    CheckOrder(order, it == moved_by_order.end() ? 0 : it->second, audit);
    if (it != moved_by_order.end()) {
      moved_by_order.erase(it);
    }
    return Ok();
  });
  if (!orders) {
    return orders.error();
  }
  // What is left references usage charges, which moved what the wallet paid, and refunds (or
  // nothing known): a refund moved its amount once when it started, and once more back if the
  // provider then refused it.
  for (const auto& [reference, amount] : moved_by_order) {
    Result<std::optional<domain::UsageCharge>> charge = transaction.FindUsageCharge(reference);
    if (!charge) {
      return charge.error();
    }
    if (charge->has_value()) {
      ++audit.usage_charges;
      if (amount != (*charge)->charged_jpy) {
        Report(audit, "usage_charge_mismatch: usage charge " + reference + " (" +
                          std::to_string((*charge)->charged_jpy) + " yen paid) moved " +
                          std::to_string(amount) + " yen");
      }
      continue;
    }
    Result<std::optional<domain::Refund>> refund = transaction.FindRefund(RefundId{reference});
    if (!refund) {
      return refund.error();
    }
    if (!refund->has_value()) {
      Report(audit, "transfer_without_order: transfers referencing '" + reference + "' moved " +
                        std::to_string(amount) + " yen but no such order or refund exists");
      continue;
    }
    ++audit.refunds;
    const domain::Refund& found = **refund;
    const int64_t expected =
        found.status == domain::RefundStatus::kFailed ? 2 * found.amount_jpy : found.amount_jpy;
    if (amount != expected) {
      Report(audit, "refund_money_mismatch: refund " + reference + " (" +
                        domain::RefundStatusName(found.status) + ", " +
                        std::to_string(found.amount_jpy) + " yen) moved " + std::to_string(amount) +
                        " yen");
    }
  }
  return audit;
}

}  // namespace simkeep::app
