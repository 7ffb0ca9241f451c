#include "simkeep/ledger/journal.h"

#include <limits>
#include <string>

#include "simkeep/base/assert.h"
#include "simkeep/ledger/limits.h"

namespace simkeep::ledger {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

bool IsSettlement(TransferKind kind) {
  return kind == TransferKind::kPostPending || kind == TransferKind::kVoidPending;
}

// a + b <= kInt64Max for non-negative a and b, decided without overflowing.
bool FitsAfterAdding(int64_t a, int64_t b) { return a <= kInt64Max - b; }

// The account invariants ValidateTransfer and ApplyTransfer rely on: non-negative balances whose
// debit and credit sides each fit in int64, and satisfied flags.
bool WellFormed(const Account& account) {
  return FlagsHold(account) && FitsAfterAdding(account.debits_posted, account.debits_pending) &&
         FitsAfterAdding(account.credits_posted, account.credits_pending);
}

Result<void> ValidateAmount(const Transfer& transfer) {
  const int64_t amount = transfer.amount.minor;
  const bool zero_allowed = IsSettlement(transfer.kind);  // 0 = the held amount.
  if (amount < 0 || (amount == 0 && !zero_allowed)) {
    return InvalidArgument("amount_not_positive",
                           "transfer amount must be positive, got " + std::to_string(amount));
  }
  if (amount > kMoneyMinorMax) {
    return InvalidArgument("amount_too_large", "transfer amount " + std::to_string(amount) +
                                                   " exceeds " + std::to_string(kMoneyMinorMax));
  }
  return Ok();
}

Result<void> ValidateReferenceFields(const Transfer& transfer) {
  if (!IsSettlement(transfer.kind) && !transfer.pending_id.empty()) {
    return InvalidArgument("pending_id_must_be_empty",
                           "only a post or void of a hold may name a pending_id");
  }
  if (IsSettlement(transfer.kind) && transfer.pending_id.empty()) {
    return InvalidArgument("pending_id_must_not_be_empty",
                           "a post or void must name the hold it settles in pending_id");
  }
  if (transfer.debit_account_id == transfer.credit_account_id) {
    return InvalidArgument("accounts_must_be_different",
                           "debit and credit account are both " + transfer.debit_account_id.value);
  }
  if (transfer.code.size() > kTransferCodeLengthMax) {
    return InvalidArgument("transfer_code_too_long", "transfer code is longer than " +
                                                         std::to_string(kTransferCodeLengthMax));
  }
  if (transfer.reference.size() > kTransferReferenceLengthMax) {
    return InvalidArgument(
        "transfer_reference_too_long",
        "transfer reference is longer than " + std::to_string(kTransferReferenceLengthMax));
  }
  return Ok();
}

// The checks of a post or void against the hold it names.
Result<void> ValidateSettlement(const Transfer& transfer, const Transfer* pending,
                                PendingStatus pending_status, Timestamp now) {
  const std::string& id = transfer.pending_id.value;
  if (pending == nullptr || pending->kind != TransferKind::kPending ||
      pending_status == PendingStatus::kNone) {
    return NotFound("pending_transfer_not_found", "no hold with id " + id);
  }
  SIMKEEP_ASSERT(pending->id == transfer.pending_id);
  switch (pending_status) {
    case PendingStatus::kPosted:
      return FailedPrecondition("pending_transfer_already_posted", "hold " + id + " was posted");
    case PendingStatus::kVoided:
      return FailedPrecondition("pending_transfer_already_voided", "hold " + id + " was voided");
    case PendingStatus::kExpired:
      return FailedPrecondition("pending_transfer_expired", "hold " + id + " expired");
    case PendingStatus::kNone:
    case PendingStatus::kPending:
      break;
  }
  if (IsTimedOut(*pending, now)) {
    return FailedPrecondition("pending_transfer_expired", "hold " + id + " is past its timeout");
  }
  if (transfer.debit_account_id != pending->debit_account_id ||
      transfer.credit_account_id != pending->credit_account_id) {
    return InvalidArgument("pending_transfer_accounts_mismatch",
                           "a post or void must name the same accounts as hold " + id);
  }
  const int64_t held = pending->amount.minor;
  const int64_t amount = transfer.amount.minor;
  if (transfer.kind == TransferKind::kPostPending && amount > held) {
    return InvalidArgument(
        "post_amount_exceeds_pending",
        "post of " + std::to_string(amount) + " exceeds the held " + std::to_string(held));
  }
  if (transfer.kind == TransferKind::kVoidPending && amount != 0 && amount != held) {
    return InvalidArgument("void_amount_mismatch",
                           "a void moves the whole held " + std::to_string(held) + " or names 0");
  }
  return Ok();
}

// The balance checks of a kPosted or kPending transfer. A post or void never adds to either side
// of an account (it moves at most the held amount from pending to posted), so it needs none.
Result<void> ValidateBalances(const Transfer& transfer, const Account& debit,
                              const Account& credit) {
  const int64_t amount = transfer.amount.minor;
  const int64_t debits = debit.debits_posted + debit.debits_pending;  // WellFormed: no overflow.
  const int64_t credits = credit.credits_posted + credit.credits_pending;
  if (!FitsAfterAdding(debits, amount) || !FitsAfterAdding(credits, amount)) {
    return FailedPrecondition("balance_overflow", "transfer would overflow an account balance");
  }
  if (debit.flags.debits_must_not_exceed_credits && debits + amount > debit.credits_posted) {
    return FailedPrecondition("insufficient_balance",
                              "account " + debit.id.value + " has " +
                                  std::to_string(debit.credits_posted - debits) +
                                  " available, transfer needs " + std::to_string(amount));
  }
  if (credit.flags.credits_must_not_exceed_debits && credits + amount > credit.debits_posted) {
    return FailedPrecondition("exceeds_debits",
                              "credits to account " + credit.id.value + " would exceed its debits");
  }
  return Ok();
}

}  // namespace

Result<void> ValidateTransferFields(const Transfer& transfer) {
  if (transfer.id.empty()) {
    return InvalidArgument("transfer_id_empty", "transfer id must not be empty");
  }
  if (transfer.id.value.size() > kIdLengthMax) {
    return InvalidArgument("transfer_id_too_long",
                           "transfer id is longer than " + std::to_string(kIdLengthMax));
  }
  if (transfer.kind != TransferKind::kPending && HasTimeout(transfer)) {
    return InvalidArgument("timeout_on_non_pending", "only a hold (kind pending) has a timeout");
  }
  Result<void> amount = ValidateAmount(transfer);
  if (!amount) {
    return amount;
  }
  return ValidateReferenceFields(transfer);
}

Result<void> ValidateTransfer(const Transfer& transfer, const Account& debit, const Account& credit,
                              const Transfer* pending, PendingStatus pending_status,
                              Timestamp now) {
  SIMKEEP_ASSERT(debit.id == transfer.debit_account_id);
  SIMKEEP_ASSERT(credit.id == transfer.credit_account_id);
  SIMKEEP_ASSERT(WellFormed(debit) && WellFormed(credit));
  Result<void> fields = ValidateTransferFields(transfer);
  if (!fields) {
    return fields;
  }
  if (transfer.amount.currency != debit.currency || transfer.amount.currency != credit.currency) {
    return InvalidArgument("account_currency_mismatch",
                           "amount and both accounts must have the same currency");
  }
  if (transfer.kind == TransferKind::kPending && HasTimeout(transfer) &&
      transfer.timeout_at <= now) {
    return InvalidArgument("timeout_not_in_future", "a hold's timeout_at must be in the future");
  }
  if (IsSettlement(transfer.kind)) {
    return ValidateSettlement(transfer, pending, pending_status, now);
  }
  return ValidateBalances(transfer, debit, credit);
}

Transfer ResolveTransfer(const Transfer& transfer, const Transfer* pending) {
  Transfer resolved = transfer;
  if (IsSettlement(transfer.kind) && transfer.amount.minor == 0 && pending != nullptr) {
    resolved.amount = pending->amount;
  }
  return resolved;
}

void ApplyTransfer(const Transfer& transfer, Account& debit, Account& credit,
                   const Transfer* pending) {
  SIMKEEP_ASSERT(debit.id == transfer.debit_account_id);
  SIMKEEP_ASSERT(credit.id == transfer.credit_account_id);
  SIMKEEP_ASSERT(debit.id != credit.id);
  const int64_t amount = transfer.amount.minor;
  SIMKEEP_ASSERT(amount >= 0 && amount <= kMoneyMinorMax);
  const int64_t debits_before = debit.debits_posted + debit.debits_pending;
  const int64_t credits_before = credit.credits_posted + credit.credits_pending;
  switch (transfer.kind) {
    case TransferKind::kPosted:
      SIMKEEP_ASSERT(amount > 0);
      debit.debits_posted += amount;
      credit.credits_posted += amount;
      break;
    case TransferKind::kPending:
      SIMKEEP_ASSERT(amount > 0);
      debit.debits_pending += amount;
      credit.credits_pending += amount;
      break;
    case TransferKind::kPostPending:
    case TransferKind::kVoidPending: {
      SIMKEEP_ASSERT(pending != nullptr && pending->kind == TransferKind::kPending);
      SIMKEEP_ASSERT(pending->debit_account_id == debit.id);
      SIMKEEP_ASSERT(pending->credit_account_id == credit.id);
      const int64_t held = pending->amount.minor;
      const bool post = transfer.kind == TransferKind::kPostPending;
      const int64_t posted = !post ? 0 : (amount == 0 ? held : amount);
      SIMKEEP_ASSERT(posted <= held);
      debit.debits_pending -= held;
      credit.credits_pending -= held;
      debit.debits_posted += posted;
      credit.credits_posted += posted;
      break;
    }
  }
  // Both legs moved by the same amount, and the flags still hold.
  SIMKEEP_ASSERT(debit.debits_posted + debit.debits_pending - debits_before ==
                 credit.credits_posted + credit.credits_pending - credits_before);
  SIMKEEP_ASSERT(WellFormed(debit) && WellFormed(credit));
}

void ExpirePending(const Transfer& pending, Account& debit, Account& credit) {
  SIMKEEP_ASSERT(pending.kind == TransferKind::kPending);
  SIMKEEP_ASSERT(pending.debit_account_id == debit.id);
  SIMKEEP_ASSERT(pending.credit_account_id == credit.id);
  const int64_t held = pending.amount.minor;
  SIMKEEP_ASSERT(held > 0 && debit.debits_pending >= held && credit.credits_pending >= held);
  debit.debits_pending -= held;
  credit.credits_pending -= held;
  SIMKEEP_ASSERT(WellFormed(debit) && WellFormed(credit));
}

// --- Journal ---

Result<void> Journal::CreateAccount(const Account& account) {
  if (account.id.empty()) {
    return InvalidArgument("account_id_empty", "account id must not be empty");
  }
  if (account.id.value.size() > kIdLengthMax) {
    return InvalidArgument("account_id_too_long",
                           "account id is longer than " + std::to_string(kIdLengthMax));
  }
  if (account.flags.debits_must_not_exceed_credits &&
      account.flags.credits_must_not_exceed_debits) {
    return InvalidArgument("account_flags_exclusive",
                           "an account may not constrain both debits and credits");
  }
  if (account.debits_pending != 0 || account.debits_posted != 0 || account.credits_pending != 0 ||
      account.credits_posted != 0) {
    return InvalidArgument("account_balances_not_zero",
                           "a new account starts at zero; balances come only from transfers");
  }
  if (accounts_.contains(account.id)) {
    return AlreadyExists("account_exists", "account " + account.id.value + " exists");
  }
  accounts_.emplace(account.id, account);
  return Ok();
}

Result<void> Journal::Submit(const Transfer& transfer, Timestamp now) {
  UndoLog undo;
  undo.transfers_before = transfers_.size();
  return SubmitOne(transfer, now, undo);  // A failed single submit has changed nothing.
}

Result<void> Journal::SubmitLinked(const std::vector<Transfer>& transfers, Timestamp now) {
  if (transfers.size() > kLinkedTransfersMax) {
    return InvalidArgument("linked_batch_too_large", std::to_string(transfers.size()) +
                                                         " linked transfers exceed " +
                                                         std::to_string(kLinkedTransfersMax));
  }
  UndoLog undo;
  undo.transfers_before = transfers_.size();
  for (size_t i = 0; i < transfers.size(); ++i) {
    Result<void> submitted = SubmitOne(transfers[i], now, undo);
    if (!submitted) {
      Rollback(undo);
      Error error = submitted.error();
      const std::string position = "transfers[" + std::to_string(i) + "]";
      error.message = "linked " + position + ": " + error.message;
      error.With(FieldError{position, error.reason, error.message});
      return error;
    }
  }
  return Ok();
}

Result<void> Journal::SubmitOne(const Transfer& transfer, Timestamp now, UndoLog& undo) {
  Result<void> fields = ValidateTransferFields(transfer);
  if (!fields) {
    return fields;
  }
  if (index_.contains(transfer.id)) {
    return AlreadyExists("transfer_exists", "transfer " + transfer.id.value + " exists");
  }
  auto debit = accounts_.find(transfer.debit_account_id);
  if (debit == accounts_.end()) {
    return NotFound("debit_account_not_found", "no account " + transfer.debit_account_id.value);
  }
  auto credit = accounts_.find(transfer.credit_account_id);
  if (credit == accounts_.end()) {
    return NotFound("credit_account_not_found", "no account " + transfer.credit_account_id.value);
  }
  const Transfer* pending = nullptr;
  PendingStatus pending_status = PendingStatus::kNone;
  if (IsSettlement(transfer.kind)) {
    pending = FindTransfer(transfer.pending_id);
    pending_status = StatusOf(transfer.pending_id);
  }
  Result<void> valid =
      ValidateTransfer(transfer, debit->second, credit->second, pending, pending_status, now);
  if (!valid) {
    return valid;
  }
  Transfer resolved = ResolveTransfer(transfer, pending);
  resolved.created_at = now;
  undo.accounts_before.try_emplace(debit->first, debit->second);
  undo.accounts_before.try_emplace(credit->first, credit->second);
  ApplyTransfer(resolved, debit->second, credit->second, pending);
  Record(resolved);
  return Ok();
}

void Journal::Record(const Transfer& resolved) {
  PendingStatus status = PendingStatus::kNone;
  switch (resolved.kind) {
    case TransferKind::kPosted:
      break;
    case TransferKind::kPending:
      status = PendingStatus::kPending;
      open_holds_.insert(resolved.id);
      if (HasTimeout(resolved)) {
        timeouts_.emplace(resolved.timeout_at, resolved.id);
      }
      break;
    case TransferKind::kPostPending:
    case TransferKind::kVoidPending: {
      TransferEntry& held = index_.at(resolved.pending_id);
      SIMKEEP_ASSERT(held.status == PendingStatus::kPending);
      held.status = resolved.kind == TransferKind::kPostPending ? PendingStatus::kPosted
                                                                : PendingStatus::kVoided;
      open_holds_.erase(resolved.pending_id);
      timeouts_.erase({transfers_[held.index].timeout_at, resolved.pending_id});
      break;
    }
  }
  index_.emplace(resolved.id, TransferEntry{transfers_.size(), status});
  transfers_.push_back(resolved);
}

void Journal::Rollback(const UndoLog& undo) {
  // Undo the records newest first, so that a post of a hold made in the same batch is undone
  // before the hold itself.
  while (transfers_.size() > undo.transfers_before) {
    const Transfer& last = transfers_.back();
    if (last.kind == TransferKind::kPending) {
      open_holds_.erase(last.id);
      timeouts_.erase({last.timeout_at, last.id});
    } else if (IsSettlement(last.kind)) {
      TransferEntry& held = index_.at(last.pending_id);
      held.status = PendingStatus::kPending;
      open_holds_.insert(last.pending_id);
      const Transfer& hold = transfers_[held.index];
      if (HasTimeout(hold)) {
        timeouts_.emplace(hold.timeout_at, hold.id);
      }
    }
    index_.erase(last.id);
    transfers_.pop_back();
  }
  for (const auto& [id, account] : undo.accounts_before) {
    accounts_.at(id) = account;
  }
}

int64_t Journal::ExpireDue(Timestamp now) {
  int64_t expired = 0;
  while (!timeouts_.empty() && timeouts_.begin()->first <= now) {
    const TransferId id = timeouts_.begin()->second;
    timeouts_.erase(timeouts_.begin());
    TransferEntry& entry = index_.at(id);
    SIMKEEP_ASSERT(entry.status == PendingStatus::kPending);
    const Transfer& hold = transfers_[entry.index];
    ExpirePending(hold, accounts_.at(hold.debit_account_id), accounts_.at(hold.credit_account_id));
    entry.status = PendingStatus::kExpired;
    open_holds_.erase(id);
    expiries_.push_back(PendingExpiry{id, now});
    ++expired;
  }
  return expired;
}

const Account* Journal::FindAccount(const AccountId& id) const {
  auto it = accounts_.find(id);
  return it == accounts_.end() ? nullptr : &it->second;
}

const Transfer* Journal::FindTransfer(const TransferId& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &transfers_[it->second.index];
}

std::optional<int64_t> Journal::Balance(const AccountId& id) const {
  const Account* account = FindAccount(id);
  if (account == nullptr) {
    return std::nullopt;
  }
  return CreditBalance(*account);
}

std::optional<int64_t> Journal::AvailableBalance(const AccountId& id) const {
  const Account* account = FindAccount(id);
  if (account == nullptr) {
    return std::nullopt;
  }
  return AvailableCreditBalance(*account);
}

PendingStatus Journal::StatusOf(const TransferId& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? PendingStatus::kNone : it->second.status;
}

void Journal::AssertInvariants() const {
  // Totals wrap modulo 2^64 (unsigned arithmetic is defined to), which keeps equality exact for
  // any ledger whose true totals differ by less than 2^64.
  uint64_t posted_difference = 0;
  uint64_t pending_difference = 0;
  std::map<AccountId, std::pair<int64_t, int64_t>> held;  // Open holds: debits, credits.
  for (const TransferId& id : open_holds_) {
    const TransferEntry& entry = index_.at(id);
    SIMKEEP_ASSERT(entry.status == PendingStatus::kPending);
    const Transfer& hold = transfers_[entry.index];
    held[hold.debit_account_id].first += hold.amount.minor;
    held[hold.credit_account_id].second += hold.amount.minor;
  }
  for (const auto& [id, account] : accounts_) {
    SIMKEEP_ASSERT(WellFormed(account));
    posted_difference += static_cast<uint64_t>(account.debits_posted) -
                         static_cast<uint64_t>(account.credits_posted);
    pending_difference += static_cast<uint64_t>(account.debits_pending) -
                          static_cast<uint64_t>(account.credits_pending);
    const std::pair<int64_t, int64_t> expected =
        held.contains(id) ? held.at(id) : std::pair<int64_t, int64_t>{0, 0};
    SIMKEEP_ASSERT(account.debits_pending == expected.first);
    SIMKEEP_ASSERT(account.credits_pending == expected.second);
  }
  SIMKEEP_ASSERT(posted_difference == 0);
  SIMKEEP_ASSERT(pending_difference == 0);
}

}  // namespace simkeep::ledger
