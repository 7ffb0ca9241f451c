#ifndef SIMKEEP_STORAGE_POSTGRES_INTERNAL_LEDGER_STORE_H_
#define SIMKEEP_STORAGE_POSTGRES_INTERNAL_LEDGER_STORE_H_

// Tables ledger_accounts and ledger_transfers. Each function is the body of the
// app::Transaction method of the same name; contracts are in app/ports.h.
//
// Every function runs on the caller's connection, inside its open transaction (outside one it
// returns kUnavailable "db_unavailable"), and is as thread-safe as that connection: not at all.

#include <functional>
#include <optional>

#include "simkeep/app/ports.h"
#include "simkeep/storage/postgres/internal/connection.h"
#include "simkeep/storage/postgres/internal/rows.h"

namespace simkeep::storage::postgres::internal {

// `lock` kForUpdate locks the row until the transaction ends (write transactions only).
Result<std::optional<ledger::Account>> FindAccount(Connection& connection, const AccountId& id,
                                                   RowLock lock);
Result<void> InsertAccount(Connection& connection, const ledger::Account& account);
// Writes the four balances; kind, currency and flags are fixed at insert.
// kNotFound "account_not_found". A balance that breaks the account's flag is refused by the
// database: kFailedPrecondition "constraint_violation".
Result<void> UpdateAccount(Connection& connection, const ledger::Account& account);
// A second post or void of one hold: kAlreadyExists "pending_transfer_settled".
Result<void> InsertTransfer(Connection& connection, const ledger::Transfer& transfer);
Result<std::optional<ledger::Transfer>> FindTransfer(Connection& connection, const TransferId& id);
// Accounts by id; transfers in write order.
Result<void> ForEachAccount(Connection& connection,
                            const std::function<Result<void>(const ledger::Account&)>& callback);
Result<void> ForEachTransfer(Connection& connection,
                             const std::function<Result<void>(const ledger::Transfer&)>& callback);

}  // namespace simkeep::storage::postgres::internal

#endif  // SIMKEEP_STORAGE_POSTGRES_INTERNAL_LEDGER_STORE_H_
