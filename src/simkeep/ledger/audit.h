#ifndef SIMKEEP_LEDGER_AUDIT_H_
#define SIMKEEP_LEDGER_AUDIT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/ledger/account.h"
#include "simkeep/ledger/transfer.h"

namespace simkeep::ledger {

class Journal;

// The outcome of an audit. Empty `violations` means the ledger is consistent.
struct AuditReport {
  // One line per problem, each starting with a stable tag and a colon (see Auditor). At most
  // kAuditViolationsMax are kept; `violations_omitted` counts the rest.
  std::vector<std::string> violations;
  int64_t violations_omitted = 0;
  int64_t accounts = 0;    // Accounts audited.
  int64_t transfers = 0;   // Transfers audited.
  int64_t expiries = 0;    // Hold expiries audited.
  int64_t holds_open = 0;  // Holds still neither posted, voided nor expired at the end.
};

// Recomputes every balance of a ledger from its history and compares it with the stored one; what
// `simkeep audit` runs over the database, and what tests and the fuzzer run over a Journal.
//
// Feed it, in this order: every account with its stored balances (AddAccount); every transfer in
// creation order (AddTransfer), with each hold expiry (AddExpiry) anywhere after the hold it
// releases; then call Finish once. Transfers are expected as recorded, that is with resolved
// amounts (see ResolveTransfer). Memory is O(accounts + open holds), independent of the number of
// transfers, so a stream of millions of transfers can be audited.
//
// Violation tags:
//   duplicate_account      an account was added twice
//   negative_balance       a stored balance field is negative
//   flags_exclusive        an account has both flags
//   balance_mismatch       a stored balance field differs from the recomputed one
//   flag_violated          final balances (stored, or recomputed if different) break the flag
//   overdraft              a transfer took a flagged account past its limit on posted balances,
//                          at the moment it was applied
//   totals_unbalanced      stored total debits != stored total credits (posted, or pending)
//   amount_not_positive    a transfer's amount is <= 0
//   amount_too_large       a transfer's amount exceeds kMoneyMinorMax
//   timeout_on_non_pending a transfer other than a hold has a timeout
//   transfer_unbalanced    a transfer's legs cannot balance: the same account on both sides, or
//                          an amount in another currency than an account
//   unknown_account        a transfer names an account that was not added
//   duplicate_hold         a hold's id is already an open hold
//   hold_not_open          a post or void of a hold that is not open: posted, voided or expired
//                          before (a second settlement), or never created. Telling these apart
//                          would need memory for every hold ever made, so both get this tag.
//   settlement_mismatch    a post or void names other accounts than its hold, posts more than
//                          was held, or voids another amount than was held
//   settled_after_timeout  a hold was posted or voided at or after its timeout
//   expiry_not_open        an expiry of a hold that is not open
//   expiry_too_early       an expiry of a hold without timeout, or before its timeout
//   balance_overflow       recomputing a balance overflowed int64
// Transfers with a per-transfer violation are left out of the recomputed balances, so a stored
// balance that included them shows up as balance_mismatch too.
//
// Not checked: duplicate transfer ids (the storage layer's unique key guarantees them, and
// checking would need memory per transfer).
//
// Single-use, owned by the caller; thread-compatible.
class Auditor {
 public:
  Auditor() = default;
  Auditor(const Auditor&) = delete;
  Auditor& operator=(const Auditor&) = delete;

  // Adds an account with its stored balances.
  // REQUIRES: no AddTransfer, AddExpiry or Finish yet.
  void AddAccount(const Account& stored);

  // Replays the next transfer in creation order.
  // REQUIRES: Finish not called yet.
  void AddTransfer(const Transfer& transfer);

  // Replays the release of an expired hold.
  // REQUIRES: Finish not called yet.
  void AddExpiry(const PendingExpiry& expiry);

  // Compares stored with recomputed balances and checks flags and totals; returns every
  // violation found. REQUIRES: called once.
  AuditReport Finish();

 private:
  struct AuditedAccount {
    Account stored;
    Account recomputed;  // Same id, kind, currency and flags; balances from the transfers.
  };
  struct OpenHold {
    AccountId debit_account_id;
    AccountId credit_account_id;
    int64_t amount_minor = 0;
    Timestamp timeout_at;
  };

  void Report(std::string_view tag, const std::string& detail);
  // Checks what one transfer can get wrong on its own; returns its two accounts, or nullptrs
  // after reporting a violation.
  std::pair<AuditedAccount*, AuditedAccount*> CheckTransfer(const Transfer& transfer);
  void ApplyPosted(const Transfer& transfer, Account& debit, Account& credit, int64_t amount);
  void OpenHoldFor(const Transfer& transfer, Account& debit, Account& credit);
  void Settle(const Transfer& transfer, Account& debit, Account& credit);
  void CheckFinalAccount(const AuditedAccount& account);

  std::map<AccountId, AuditedAccount> accounts_;
  std::map<TransferId, OpenHold> open_holds_;
  AuditReport report_;
  bool accounts_closed_ = false;  // Set by the first AddTransfer or AddExpiry.
  bool finished_ = false;
};

// Audits `journal`: its accounts, transfers and expiries through an Auditor.
AuditReport AuditJournal(const Journal& journal);

}  // namespace simkeep::ledger

#endif  // SIMKEEP_LEDGER_AUDIT_H_
