#include "simkeep/app/audit_service.h"

namespace simkeep::app {

Result<ledger::AuditReport> AuditLedger(Transaction& transaction,
                                        const std::function<void(int64_t)>& progress) {
  ledger::Auditor auditor;
  Result<void> accounts = transaction.ForEachAccount([&](const ledger::Account& account) {
    auditor.AddAccount(account);
    return Ok();
  });
  if (!accounts) {
    return accounts.error();
  }
  int64_t seen = 0;
  Result<void> transfers = transaction.ForEachTransfer([&](const ledger::Transfer& transfer) {
    auditor.AddTransfer(transfer);
    if (++seen % 100'000 == 0 && progress) {
      progress(seen);
    }
    return Ok();
  });
  if (!transfers) {
    return transfers.error();
  }
  return auditor.Finish();
}

}  // namespace simkeep::app
