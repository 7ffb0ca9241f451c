#ifndef SIMKEEP_APP_AUDIT_SERVICE_H_
#define SIMKEEP_APP_AUDIT_SERVICE_H_

#include <functional>

#include "simkeep/app/ports.h"
#include "simkeep/ledger/audit.h"

namespace simkeep::app {

// Re-checks every ledger invariant over a whole database (DESIGN.md §3.2): streams every account
// and every transfer through ledger::Auditor, which recomputes all balances from the transfers
// and compares them with the stored ones. Memory grows with the number of accounts, not
// transfers. `progress` (may be empty) is called every 100,000 transfers with the count so far.
Result<ledger::AuditReport> AuditLedger(Transaction& transaction,
                                        const std::function<void(int64_t)>& progress);

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_AUDIT_SERVICE_H_
