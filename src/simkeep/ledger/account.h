#ifndef SIMKEEP_LEDGER_ACCOUNT_H_
#define SIMKEEP_LEDGER_ACCOUNT_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "simkeep/base/ids.h"
#include "simkeep/base/money.h"

namespace simkeep::ledger {

// What an account stands for. Every yen simkeep handles sits in one of these; a money movement is
// a Transfer from one account to another (see transfer.h).
enum class AccountKind {
  kCustomerWallet,    // Prepaid stored value a customer may spend. A liability: credit-normal.
  kProviderClearing,  // Money a payment provider has collected for us and owes us. Debit-normal.
  kRevenue,           // Earned income (renewals, plan fees). Credit-normal.
  kTaxPayable,        // Consumption tax collected and owed to the tax office. Credit-normal.
  kVoucherLiability,  // Vouchers sold and not yet redeemed. A liability: credit-normal.
  kPartnerPayable,    // What simkeep owes a partner (deposits, commissions). Credit-normal.
};

// Returns the stable lower-case name of `kind` ("customer_wallet", "provider_clearing", ...),
// as stored and shown in the API.
std::string_view AccountKindName(AccountKind kind);

// Parses a name produced by AccountKindName. Returns nullopt for anything else (exact match,
// case-sensitive).
std::optional<AccountKind> ParseAccountKind(std::string_view name);

// Balance constraints, after TigerBeetle's account flags. At most one may be set.
struct AccountFlags {
  // Posted plus pending debits may never exceed posted credits: the account never goes below
  // zero, holds included. Set on every liability a customer or partner can spend down.
  bool debits_must_not_exceed_credits = false;
  // The mirror: posted plus pending credits may never exceed posted debits.
  bool credits_must_not_exceed_debits = false;

  friend bool operator==(const AccountFlags&, const AccountFlags&) = default;
};

// A ledger account and its four balances, in minor units of `currency`. Balances are derived
// only from transfers (Journal, or the storage layer following the same rules) and never edited.
// "Pending" amounts are held by two-phase transfers that are neither posted, voided nor expired.
//
// Value type; thread-compatible.
struct Account {
  AccountId id;
  AccountKind kind = AccountKind::kCustomerWallet;
  Currency currency = Currency::kJpy;
  AccountFlags flags;
  int64_t debits_pending = 0;
  int64_t debits_posted = 0;
  int64_t credits_pending = 0;
  int64_t credits_posted = 0;

  friend bool operator==(const Account&, const Account&) = default;
};

// The flags an account of `kind` gets. Customer wallets, voucher liabilities and partner payables
// are debits_must_not_exceed_credits: nobody may spend, redeem or pay out more than was put in.
// Provider clearing, revenue and tax payable have no constraint, because refunds, chargebacks and
// provider fees may legitimately move them past zero for a while.
AccountFlags DefaultAccountFlags(AccountKind kind);

// A new JPY account of `kind` with zero balances and DefaultAccountFlags(kind).
Account MakeAccount(AccountId id, AccountKind kind);

// credits_posted - debits_posted: what a credit-normal account (a wallet) holds.
// REQUIRES: balances are non-negative (true of every account the ledger keeps).
int64_t CreditBalance(const Account& account);

// credits_posted - debits_posted - debits_pending: what a wallet can still spend now that its
// holds are set aside. Never negative on a debits_must_not_exceed_credits account.
// REQUIRES: balances are non-negative and debits_posted + debits_pending fits in int64.
int64_t AvailableCreditBalance(const Account& account);

// debits_posted - credits_posted: what a debit-normal account (provider clearing) holds.
// REQUIRES: balances are non-negative.
int64_t DebitBalance(const Account& account);

// True when every balance is non-negative, at most one flag is set, and the balances satisfy the
// set flag (pending amounts included). Safe on any values, including corrupt ones: it never
// overflows.
bool FlagsHold(const Account& account);

}  // namespace simkeep::ledger

#endif  // SIMKEEP_LEDGER_ACCOUNT_H_
