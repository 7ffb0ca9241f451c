#ifndef SIMKEEP_LEDGER_TRANSFER_H_
#define SIMKEEP_LEDGER_TRANSFER_H_

#include <optional>
#include <string>
#include <string_view>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/money.h"

namespace simkeep::ledger {

// How a transfer moves money. Reserving money and settling it is always "hold / post / void".
enum class TransferKind {
  kPosted,       // Single-phase: moves `amount` at once (debits_posted / credits_posted).
  kPending,      // A hold: reserves `amount` (debits_pending / credits_pending) until it is
                 // posted, voided, or expires at `timeout_at`.
  kPostPending,  // Settles the hold `pending_id`: posts `amount` (0 = all of it), releases the
                 // rest.
  kVoidPending,  // Cancels the hold `pending_id`: releases all of it.
};

// Returns the stable name of `kind`: "posted", "pending", "post_pending" or "void_pending".
std::string_view TransferKindName(TransferKind kind);

// Parses a name produced by TransferKindName; nullopt for anything else.
std::optional<TransferKind> ParseTransferKind(std::string_view name);

// One money movement: `amount` leaves `debit_account_id` and enters `credit_account_id`. Debit and
// credit are always equal, so a transfer balances by construction. Transfers are immutable once
// accepted; a mistake is corrected by another transfer, never by an edit.
//
// Value type; thread-compatible.
struct Transfer {
  TransferId id;  // Chosen by the caller and unique forever: the transfer's idempotency key.
  AccountId debit_account_id;
  AccountId credit_account_id;
  Money amount;  // Positive. For a post, 0 means "the full held amount"; for a void, 0 or the
                 // held amount. Journal records posts and voids with the amount they moved.
  TransferKind kind = TransferKind::kPosted;
  TransferId pending_id;  // The hold a kPostPending or kVoidPending settles; empty otherwise.
  Timestamp timeout_at;   // kPending only: the hold expires at this time. Timestamp{} = never.
  Timestamp created_at;   // Set by the ledger when it accepts the transfer.
  std::string code;       // Why the money moved, e.g. "topup", "renewal", "tax", "refund".
  std::string reference;  // What it belongs to, e.g. an order id.

  friend bool operator==(const Transfer&, const Transfer&) = default;
};

// True when `transfer` carries a timeout (timeout_at is not Timestamp{}).
bool HasTimeout(const Transfer& transfer);

// True when `pending` has a timeout and `now` has reached it. A hold is expired from its
// timeout_at on, even before Journal::ExpireDue has released it.
bool IsTimedOut(const Transfer& pending, Timestamp now);

// Where a hold (a kPending transfer) stands. kNone: no such hold.
enum class PendingStatus { kNone, kPending, kPosted, kVoided, kExpired };

// Returns the stable name of `status`: "none", "pending", "posted", "voided" or "expired".
std::string_view PendingStatusName(PendingStatus status);

// Parses a name produced by PendingStatusName; nullopt for anything else.
std::optional<PendingStatus> ParsePendingStatus(std::string_view name);

// The record that a hold expired: its held amount was released at `expired_at` without a transfer
// of its own. An audit needs these next to the transfers to recompute pending balances.
struct PendingExpiry {
  TransferId pending_id;
  Timestamp expired_at;

  friend bool operator==(const PendingExpiry&, const PendingExpiry&) = default;
};

}  // namespace simkeep::ledger

#endif  // SIMKEEP_LEDGER_TRANSFER_H_
