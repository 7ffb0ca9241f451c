#ifndef SIMKEEP_APP_AUDIT_SERVICE_H_
#define SIMKEEP_APP_AUDIT_SERVICE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "simkeep/app/ports.h"
#include "simkeep/ledger/audit.h"

namespace simkeep::app {

// What `simkeep audit` found.
struct DatabaseAudit {
  ledger::AuditReport ledger;
  int64_t orders = 0;
  int64_t refunds = 0;
  int64_t usage_charges = 0;  // Charges that moved money.
  // Orders whose money does not add up: each message starts with a tag
  // ("order_money_mismatch", "order_without_receipt", "transfer_without_order",
  // "refund_money_mismatch", "usage_charge_mismatch").
  std::vector<std::string> order_violations;

  bool ok() const { return ledger.violations.empty() && order_violations.empty(); }
};

// Re-checks every money invariant over a whole database (DESIGN.md §3):
//  - the ledger: every account and transfer streamed through ledger::Auditor, which recomputes
//    all balances from the transfers, compares them with the stored ones, and checks that every
//    transfer balances, no flagged account (a wallet) went below zero, and every hold was
//    settled at most once;
//  - the orders: a completed order moved exactly its amount (its transfers, by reference, add
//    up to amount_jpy) and has a receipt; an order that did not complete moved nothing; a refund
//    moved its amount (twice, there and back, when the provider refused it); a usage charge
//    moved exactly what its wallet paid (charged_jpy); every transfer belongs to an order, a
//    refund or a usage charge. So a double charge, a double refund or a lost credit shows up here.
// Memory grows with the number of accounts and orders, not transfers. `progress` (may be empty)
// is called every 100,000 transfers with the count so far.
Result<DatabaseAudit> AuditDatabase(Transaction& transaction,
                                    const std::function<void(int64_t)>& progress);

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_AUDIT_SERVICE_H_
