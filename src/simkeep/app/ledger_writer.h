#ifndef SIMKEEP_APP_LEDGER_WRITER_H_
#define SIMKEEP_APP_LEDGER_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/app/ports.h"
#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/order.h"
#include "simkeep/ledger/account.h"
#include "simkeep/ledger/transfer.h"

namespace simkeep::app {

// The operator's own ledger accounts, created at start-up. They share kSystemAccountPrefix; a
// line's wallet never has it.
inline constexpr std::string_view kSystemAccountPrefix = "sys_";
bool IsSystemAccount(const AccountId& id);

inline const AccountId kRevenueAccount{"sys_revenue"};
inline const AccountId kTaxPayableAccount{"sys_tax_payable"};
inline const AccountId kCashClearingAccount{"sys_clearing_cash"};
// Sold vouchers not redeemed yet (the voucher issue); nothing posts to it today.
inline const AccountId kVoucherLiabilityAccount{"sys_voucher_liability"};

// The clearing account that money collected through `provider` ("sandbox", "komoju") passes.
AccountId ProviderClearingAccount(std::string_view provider);

// Where the money for `method` comes from: the cash drawer, the clearing account of the provider
// that collected it, voucher liability, or (for "balance") the line's wallet.
AccountId SourceAccount(domain::PaymentMethod method, std::string_view provider,
                        const AccountId& wallet);

// Creates `id` with the flags of `kind` if it does not exist yet (or another process created it
// meanwhile).
Result<void> EnsureAccount(Transaction& transaction, const AccountId& id, ledger::AccountKind kind);

// Creates the operator's own accounts (revenue, tax payable, the cash drawer, and the clearing
// account of each provider in `providers`) if missing. Run once at start-up, so that no order
// has to look for them.
Result<void> EnsureSystemAccounts(Transaction& transaction,
                                  const std::vector<std::string_view>& providers);

// A posted transfer of `amount_jpy` from `debit` to `credit` with a new id from `ids`.
ledger::Transfer MakeTransfer(IdGenerator& ids, const AccountId& debit, const AccountId& credit,
                              int64_t amount_jpy, std::string code, const std::string& reference,
                              Timestamp now);

// Writes posted transfers atomically within the caller's transaction: every transfer is
// validated by the pure ledger rules against the current balances, applied, re-checked, and
// written together with the new balances. On the first rejection nothing is written and its
// error is returned ("insufficient_balance", "amount_not_positive", ...; see ledger/journal.h);
// an unknown account is kNotFound "account_not_found". Accounts are read in a fixed order (the
// line's own, then the system accounts, each by id), so concurrent writers on PostgreSQL, which
// lock what they read, cannot deadlock.
Result<void> PostTransfers(Transaction& transaction, const std::vector<ledger::Transfer>& transfers,
                           Timestamp now);

// The wallet's spendable balance: credits posted minus debits posted and held.
Result<int64_t> WalletBalance(Transaction& transaction, const AccountId& wallet);

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_LEDGER_WRITER_H_
