#include "simkeep/ledger/audit.h"

#include <array>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "simkeep/base/assert.h"
#include "simkeep/base/money.h"
#include "simkeep/ledger/journal.h"
#include "simkeep/ledger/limits.h"

namespace simkeep::ledger {
namespace {

// a + b fits in int64 for non-negative a and b. Recomputed balances never go negative: they only
// grow by positive amounts and shrink by holds they grew by.
bool Fits(int64_t a, int64_t b) { return a <= std::numeric_limits<int64_t>::max() - b; }

std::string Str(int64_t value) { return std::to_string(value); }

bool AnyNegative(const Account& account) {
  return account.debits_pending < 0 || account.debits_posted < 0 || account.credits_pending < 0 ||
         account.credits_posted < 0;
}

bool SameBalances(const Account& a, const Account& b) {
  return a.debits_pending == b.debits_pending && a.debits_posted == b.debits_posted &&
         a.credits_pending == b.credits_pending && a.credits_posted == b.credits_posted;
}

}  // namespace

void Auditor::Report(std::string_view tag, const std::string& detail) {
  if (report_.violations.size() < kAuditViolationsMax) {
    report_.violations.push_back(std::string(tag) + ": " + detail);
  } else {
    ++report_.violations_omitted;
  }
}

void Auditor::AddAccount(const Account& stored) {
  SIMKEEP_ASSERT(!accounts_closed_ && !finished_);
  if (accounts_.contains(stored.id)) {
    Report("duplicate_account", "account " + stored.id.value + " was listed twice");
    return;
  }
  AuditedAccount audited{stored, stored};
  audited.recomputed.debits_pending = 0;
  audited.recomputed.debits_posted = 0;
  audited.recomputed.credits_pending = 0;
  audited.recomputed.credits_posted = 0;
  accounts_.emplace(stored.id, audited);
}

void Auditor::AddTransfer(const Transfer& transfer) {
  SIMKEEP_ASSERT(!finished_);
  accounts_closed_ = true;
  ++report_.transfers;
  auto [debit, credit] = CheckTransfer(transfer);
  if (debit == nullptr || credit == nullptr) {
    return;
  }
  switch (transfer.kind) {
    case TransferKind::kPosted:
      ApplyPosted(transfer, debit->recomputed, credit->recomputed, transfer.amount.minor);
      break;
    case TransferKind::kPending:
      OpenHoldFor(transfer, debit->recomputed, credit->recomputed);
      break;
    case TransferKind::kPostPending:
    case TransferKind::kVoidPending:
      Settle(transfer, debit->recomputed, credit->recomputed);
      break;
  }
}

std::pair<Auditor::AuditedAccount*, Auditor::AuditedAccount*> Auditor::CheckTransfer(
    const Transfer& transfer) {
  const std::string& id = transfer.id.value;
  const int64_t amount = transfer.amount.minor;
  if (amount <= 0) {
    Report("amount_not_positive", "transfer " + id + " has amount " + Str(amount));
    return {nullptr, nullptr};
  }
  if (amount > kMoneyMinorMax) {
    Report("amount_too_large", "transfer " + id + " has amount " + Str(amount));
    return {nullptr, nullptr};
  }
  if (transfer.kind != TransferKind::kPending && HasTimeout(transfer)) {
    Report("timeout_on_non_pending", "transfer " + id + " is not a hold but has a timeout");
    return {nullptr, nullptr};
  }
  if (transfer.debit_account_id == transfer.credit_account_id) {
    Report("transfer_unbalanced", "transfer " + id + " debits and credits the same account");
    return {nullptr, nullptr};
  }
  auto debit = accounts_.find(transfer.debit_account_id);
  auto credit = accounts_.find(transfer.credit_account_id);
  if (debit == accounts_.end() || credit == accounts_.end()) {
    Report("unknown_account", "transfer " + id + " names an account that does not exist");
    return {nullptr, nullptr};
  }
  if (transfer.amount.currency != debit->second.stored.currency ||
      transfer.amount.currency != credit->second.stored.currency) {
    Report("transfer_unbalanced", "transfer " + id + " mixes currencies");
    return {nullptr, nullptr};
  }
  return {&debit->second, &credit->second};
}

void Auditor::ApplyPosted(const Transfer& transfer, Account& debit, Account& credit,
                          int64_t amount) {
  if (!Fits(debit.debits_posted, amount) || !Fits(credit.credits_posted, amount)) {
    Report("balance_overflow", "transfer " + transfer.id.value + " overflows a posted balance");
    return;
  }
  debit.debits_posted += amount;
  credit.credits_posted += amount;
  // Only posted balances are exact at every point of the stream: expiries may be fed late, so
  // pending balances are checked at Finish.
  if (debit.flags.debits_must_not_exceed_credits && debit.debits_posted > debit.credits_posted) {
    Report("overdraft",
           "transfer " + transfer.id.value + " takes account " + debit.id.value + " below zero");
  }
  if (credit.flags.credits_must_not_exceed_debits && credit.credits_posted > credit.debits_posted) {
    Report("overdraft", "transfer " + transfer.id.value + " takes account " + credit.id.value +
                            " past its debits");
  }
}

void Auditor::OpenHoldFor(const Transfer& transfer, Account& debit, Account& credit) {
  const int64_t amount = transfer.amount.minor;
  if (open_holds_.contains(transfer.id)) {
    Report("duplicate_hold", "hold " + transfer.id.value + " appears twice");
    return;
  }
  if (!Fits(debit.debits_pending, amount) || !Fits(credit.credits_pending, amount)) {
    Report("balance_overflow", "hold " + transfer.id.value + " overflows a pending balance");
    return;
  }
  debit.debits_pending += amount;
  credit.credits_pending += amount;
  open_holds_.emplace(transfer.id, OpenHold{transfer.debit_account_id, transfer.credit_account_id,
                                            amount, transfer.timeout_at});
}

void Auditor::Settle(const Transfer& transfer, Account& debit, Account& credit) {
  const std::string& id = transfer.id.value;
  auto it = open_holds_.find(transfer.pending_id);
  if (it == open_holds_.end()) {
    Report("hold_not_open", "transfer " + id + " settles hold '" + transfer.pending_id.value +
                                "', which was already settled or never created");
    return;
  }
  const OpenHold& hold = it->second;
  const int64_t amount = transfer.amount.minor;
  const bool post = transfer.kind == TransferKind::kPostPending;
  if (hold.debit_account_id != transfer.debit_account_id ||
      hold.credit_account_id != transfer.credit_account_id ||
      (post && amount > hold.amount_minor) || (!post && amount != hold.amount_minor)) {
    Report("settlement_mismatch", "transfer " + id + " does not match hold " +
                                      transfer.pending_id.value + " (accounts or amount)");
    return;
  }
  if (hold.timeout_at != Timestamp{} && transfer.created_at >= hold.timeout_at) {
    Report("settled_after_timeout",
           "transfer " + id + " settles hold " + transfer.pending_id.value + " after its timeout");
    return;
  }
  if (post && (!Fits(debit.debits_posted, amount) || !Fits(credit.credits_posted, amount))) {
    Report("balance_overflow", "transfer " + id + " overflows a posted balance");
    return;
  }
  debit.debits_pending -= hold.amount_minor;
  credit.credits_pending -= hold.amount_minor;
  open_holds_.erase(it);
  if (post) {
    ApplyPosted(transfer, debit, credit, amount);
  }
}

void Auditor::AddExpiry(const PendingExpiry& expiry) {
  SIMKEEP_ASSERT(!finished_);
  accounts_closed_ = true;
  ++report_.expiries;
  const std::string& id = expiry.pending_id.value;
  auto it = open_holds_.find(expiry.pending_id);
  if (it == open_holds_.end()) {
    Report("expiry_not_open", "expiry of hold '" + id + "', which is not open");
    return;
  }
  const OpenHold& hold = it->second;
  if (hold.timeout_at == Timestamp{} || expiry.expired_at < hold.timeout_at) {
    Report("expiry_too_early", "hold " + id + " expired before its timeout");
    return;
  }
  // Both accounts exist: the hold was only opened after CheckTransfer found them.
  accounts_.at(hold.debit_account_id).recomputed.debits_pending -= hold.amount_minor;
  accounts_.at(hold.credit_account_id).recomputed.credits_pending -= hold.amount_minor;
  open_holds_.erase(it);
}

void Auditor::CheckFinalAccount(const AuditedAccount& account) {
  const Account& stored = account.stored;
  const Account& recomputed = account.recomputed;
  const std::string& id = stored.id.value;
  const bool negative = AnyNegative(stored);
  if (negative) {
    Report("negative_balance", "account " + id + " has a negative stored balance");
  }
  const bool exclusive =
      stored.flags.debits_must_not_exceed_credits && stored.flags.credits_must_not_exceed_debits;
  if (exclusive) {
    Report("flags_exclusive", "account " + id + " has both balance flags");
  }
  const std::array<std::tuple<const char*, int64_t, int64_t>, 4> fields = {{
      {"debits_pending", stored.debits_pending, recomputed.debits_pending},
      {"debits_posted", stored.debits_posted, recomputed.debits_posted},
      {"credits_pending", stored.credits_pending, recomputed.credits_pending},
      {"credits_posted", stored.credits_posted, recomputed.credits_posted},
  }};
  for (const auto& [name, stored_value, recomputed_value] : fields) {
    if (stored_value != recomputed_value) {
      Report("balance_mismatch", "account " + id + " " + name + " is " + Str(stored_value) +
                                     " stored but " + Str(recomputed_value) + " recomputed");
    }
  }
  if (!negative && !exclusive && !FlagsHold(stored)) {
    Report("flag_violated", "account " + id + " breaks its balance flag (stored balances)");
  }
  if (!exclusive && !SameBalances(stored, recomputed) && !FlagsHold(recomputed)) {
    Report("flag_violated", "account " + id + " breaks its balance flag (recomputed balances)");
  }
}

AuditReport Auditor::Finish() {
  SIMKEEP_ASSERT(!finished_);
  finished_ = true;
  // Stored totals wrap modulo 2^64 (defined for unsigned types), which keeps the equality exact
  // however corrupt the stored values are, short of differing by a multiple of 2^64.
  uint64_t posted_difference = 0;
  uint64_t pending_difference = 0;
  for (const auto& [id, account] : accounts_) {
    CheckFinalAccount(account);
    const Account& stored = account.stored;
    posted_difference +=
        static_cast<uint64_t>(stored.debits_posted) - static_cast<uint64_t>(stored.credits_posted);
    pending_difference += static_cast<uint64_t>(stored.debits_pending) -
                          static_cast<uint64_t>(stored.credits_pending);
  }
  if (posted_difference != 0) {
    Report("totals_unbalanced", "stored posted debits and credits differ across the ledger");
  }
  if (pending_difference != 0) {
    Report("totals_unbalanced", "stored pending debits and credits differ across the ledger");
  }
  report_.accounts = static_cast<int64_t>(accounts_.size());
  report_.holds_open = static_cast<int64_t>(open_holds_.size());
  return std::move(report_);
}

AuditReport AuditJournal(const Journal& journal) {
  Auditor auditor;
  for (const auto& [id, account] : journal.Accounts()) {
    auditor.AddAccount(account);
  }
  for (const Transfer& transfer : journal.Transfers()) {
    auditor.AddTransfer(transfer);
  }
  for (const PendingExpiry& expiry : journal.Expiries()) {
    auditor.AddExpiry(expiry);
  }
  return auditor.Finish();
}

}  // namespace simkeep::ledger
