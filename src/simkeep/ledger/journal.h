#ifndef SIMKEEP_LEDGER_JOURNAL_H_
#define SIMKEEP_LEDGER_JOURNAL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/result.h"
#include "simkeep/ledger/account.h"
#include "simkeep/ledger/transfer.h"

namespace simkeep::ledger {

// The ledger's rules as pure functions, after TigerBeetle's account/transfer model. Journal below
// runs them in memory; the storage layer runs the same functions inside a database transaction,
// so both accept and reject exactly the same transfers.
//
// Every rejection is an Error whose `reason` is a stable API string. The reasons, in the order
// they are checked:
//
//   reason                              code                 when
//   transfer_id_empty                   kInvalidArgument     id is empty
//   transfer_id_too_long                kInvalidArgument     id longer than kIdLengthMax
//   timeout_on_non_pending              kInvalidArgument     timeout_at set on a non-kPending
//   amount_not_positive                 kInvalidArgument     amount <= 0 (< 0 for post/void)
//   amount_too_large                    kInvalidArgument     amount > kMoneyMinorMax
//   pending_id_must_be_empty            kInvalidArgument     pending_id set on kPosted/kPending
//   pending_id_must_not_be_empty        kInvalidArgument     post/void without pending_id
//   accounts_must_be_different          kInvalidArgument     debit and credit are one account
//   transfer_code_too_long              kInvalidArgument     code over kTransferCodeLengthMax
//   transfer_reference_too_long         kInvalidArgument     reference over the limit
//   account_currency_mismatch           kInvalidArgument     amount and accounts differ in currency
//   timeout_not_in_future               kInvalidArgument     a hold whose timeout_at <= now
//   pending_transfer_not_found          kNotFound            post/void of no hold
//   pending_transfer_already_posted     kFailedPrecondition  the hold was posted
//   pending_transfer_already_voided     kFailedPrecondition  the hold was voided
//   pending_transfer_expired            kFailedPrecondition  the hold expired or is past timeout
//   pending_transfer_accounts_mismatch  kInvalidArgument     post/void names other accounts
//   post_amount_exceeds_pending         kInvalidArgument     post amount > held amount
//   void_amount_mismatch                kInvalidArgument     void amount neither 0 nor held amount
//   balance_overflow                    kFailedPrecondition  an account's debits or credits
//                                                            (posted + pending) would leave int64
//   insufficient_balance                kFailedPrecondition  debits_must_not_exceed_credits would
//                                                            break (pending debits count)
//   exceeds_debits                      kFailedPrecondition  credits_must_not_exceed_debits would
//                                                            break (pending credits count)

// Checks what can be checked on `transfer` alone (the first ten reasons above, up to
// transfer_reference_too_long). Cheap; call it before looking anything up.
Result<void> ValidateTransferFields(const Transfer& transfer);

// Decides whether `transfer` may be applied to the current state, returning one of the reasons
// above, or success. Pure: changes nothing.
//
// `debit` and `credit` are the accounts the transfer names. For kPostPending and kVoidPending,
// `pending` is the transfer named by pending_id (nullptr if there is none) and `pending_status`
// its status; for other kinds pass nullptr and PendingStatus::kNone. `now` decides timeouts: a
// hold is expired from its timeout_at on, even if nobody has released it yet.
//
// REQUIRES: debit.id == transfer.debit_account_id, credit.id == transfer.credit_account_id,
// pending is null or pending->id == transfer.pending_id, and both accounts satisfy FlagsHold with
// debits_posted + debits_pending and credits_posted + credits_pending within int64 (true of every
// account this module produces).
Result<void> ValidateTransfer(const Transfer& transfer, const Account& debit, const Account& credit,
                              const Transfer* pending, PendingStatus pending_status, Timestamp now);

// Returns `transfer` as it is recorded: a post or void with amount 0 gets the amount it moves
// (the full held amount of `pending`). Every recorded transfer thus has a positive amount, which
// the Auditor relies on. Any other transfer is returned unchanged.
Transfer ResolveTransfer(const Transfer& transfer, const Transfer* pending);

// Applies a validated transfer to its two accounts:
//   kPosted       debit.debits_posted and credit.credits_posted grow by amount;
//   kPending      debit.debits_pending and credit.credits_pending grow by amount;
//   kPostPending  the whole held amount leaves *_pending; amount (0 = all) enters *_posted;
//   kVoidPending  the whole held amount leaves *_pending.
// Asserts that the debit and credit sides moved by the same amount and that both accounts satisfy
// their flags afterwards.
//
// REQUIRES: ValidateTransfer(transfer, debit, credit, pending, ..., now) succeeded just before.
// A transfer that was not validated is a bug, and it aborts rather than corrupt a balance.
void ApplyTransfer(const Transfer& transfer, Account& debit, Account& credit,
                   const Transfer* pending);

// Releases a hold whose timeout has passed: its amount leaves debit.debits_pending and
// credit.credits_pending.
// REQUIRES: `pending` is an open kPending transfer between exactly these two accounts.
void ExpirePending(const Transfer& pending, Account& debit, Account& credit);

// An in-memory ledger: accounts, the transfers between them in acceptance order, and the status
// of every hold. It is the executable specification of the ledger, used by unit tests, the fuzzer
// and as the reference model the storage layer is tested against.
//
// Owns all its data; copyable (a copy is an independent ledger). Thread-compatible: const methods
// may run concurrently; anything else needs external synchronisation.
class Journal {
 public:
  Journal() = default;

  // Adds `account`. Reasons: account_id_empty, account_id_too_long, account_flags_exclusive
  // (both flags set), account_balances_not_zero (balances come only from transfers), all
  // kInvalidArgument; account_exists (kAlreadyExists).
  Result<void> CreateAccount(const Account& account);

  // Validates and applies one transfer at time `now`, recording ResolveTransfer(transfer) with
  // created_at = now (the given created_at is ignored). Reasons: every reason of ValidateTransfer,
  // plus transfer_exists (kAlreadyExists: the id was used before, whatever its outcome) and
  // debit_account_not_found / credit_account_not_found (kNotFound). On failure nothing changes.
  Result<void> Submit(const Transfer& transfer, Timestamp now);

  // Submits `transfers` in order, all or nothing: if one fails, those before it are rolled back
  // and the error of the failing one is returned, its message naming its position. A later
  // transfer may post or void a hold made earlier in the same call. Typical use: a renewal paid
  // from balance is wallet -> revenue plus wallet -> tax_payable. Reasons: those of Submit, plus
  // linked_batch_too_large (kInvalidArgument: more than kLinkedTransfersMax). An empty batch
  // succeeds and changes nothing.
  Result<void> SubmitLinked(const std::vector<Transfer>& transfers, Timestamp now);

  // Releases every open hold whose timeout_at <= now, earliest timeout first, marks it kExpired
  // and records a PendingExpiry at `now`. Returns how many holds expired.
  int64_t ExpireDue(Timestamp now);

  // The account with `id`, or nullptr. The pointer is valid until the next non-const call.
  const Account* FindAccount(const AccountId& id) const;

  // The recorded transfer with `id`, or nullptr. The pointer is valid until the next non-const
  // call.
  const Transfer* FindTransfer(const TransferId& id) const;

  // CreditBalance / AvailableCreditBalance of account `id`, or nullopt if there is none.
  std::optional<int64_t> Balance(const AccountId& id) const;
  std::optional<int64_t> AvailableBalance(const AccountId& id) const;

  // The status of hold `id`: kNone if `id` is not a kPending transfer. A hold past its timeout
  // stays kPending until ExpireDue releases it (but can no longer be posted or voided).
  PendingStatus StatusOf(const TransferId& id) const;

  // Everything, for audits and tests: accounts by id, transfers in acceptance order, expiries in
  // the order they happened.
  const std::map<AccountId, Account>& Accounts() const { return accounts_; }
  const std::vector<Transfer>& Transfers() const { return transfers_; }
  const std::vector<PendingExpiry>& Expiries() const { return expiries_; }

  // Asserts the ledger invariants: every account satisfies FlagsHold; total debits equal total
  // credits, posted and pending separately; each account's pending balances equal the sum of its
  // open holds. O(accounts + open holds). Aborts on a violation, which is always a bug.
  void AssertInvariants() const;

 private:
  struct TransferEntry {
    size_t index = 0;  // Into transfers_.
    PendingStatus status = PendingStatus::kNone;
  };
  // What SubmitLinked needs to undo the transfers it applied before one failed.
  struct UndoLog {
    size_t transfers_before = 0;
    std::map<AccountId, Account> accounts_before;  // First saved copy of each touched account.
  };

  Result<void> SubmitOne(const Transfer& transfer, Timestamp now, UndoLog& undo);
  void Record(const Transfer& resolved);
  void Rollback(const UndoLog& undo);

  std::map<AccountId, Account> accounts_;
  std::vector<Transfer> transfers_;
  std::map<TransferId, TransferEntry> index_;
  std::set<TransferId> open_holds_;
  std::set<std::pair<Timestamp, TransferId>> timeouts_;  // Open holds that have a timeout.
  std::vector<PendingExpiry> expiries_;
};

}  // namespace simkeep::ledger

#endif  // SIMKEEP_LEDGER_JOURNAL_H_
