#ifndef SIMKEEP_STORAGE_SQL_LEDGER_STORE_H_
#define SIMKEEP_STORAGE_SQL_LEDGER_STORE_H_

// Tables ledger_accounts and ledger_transfers.
//
// Each function is the body of the app::Transaction method of the same name (contracts in
// app/ports.h), written once for every SQL adapter as a template over its connection (see
// statement.h); StoreTransaction instantiates it. Every function runs on the caller's connection,
// inside its open transaction (outside one it returns kUnavailable "db_unavailable"), and is as
// thread-safe as that connection: not at all.

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "simkeep/app/ports.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {
namespace internal {

template <SqlStatement Statement>
Result<ledger::Account> ReadAccount(Statement& row) {
  ledger::Account account;
  account.id.value = row.ReadText();
  account.kind = row.ReadEnum(ledger::ParseAccountKind);
  account.currency = row.ReadEnum(ParseCurrency);
  account.flags.debits_must_not_exceed_credits = row.ReadBool();
  account.flags.credits_must_not_exceed_debits = row.ReadBool();
  account.debits_pending = row.ReadInt64();
  account.debits_posted = row.ReadInt64();
  account.credits_pending = row.ReadInt64();
  account.credits_posted = row.ReadInt64();
  if (row.RowError()) {
    return *row.RowError();
  }
  return account;
}

template <SqlStatement Statement>
Result<ledger::Transfer> ReadTransfer(Statement& row) {
  ledger::Transfer transfer;
  transfer.id.value = row.ReadText();
  transfer.debit_account_id.value = row.ReadText();
  transfer.credit_account_id.value = row.ReadText();
  transfer.amount.minor = row.ReadInt64();
  transfer.amount.currency = row.ReadEnum(ParseCurrency);
  transfer.kind = row.ReadEnum(ledger::ParseTransferKind);
  transfer.pending_id.value = row.ReadText();
  transfer.timeout_at = row.ReadOptionalTime().value_or(Timestamp{});
  transfer.created_at = row.ReadTime();
  transfer.code = row.ReadText();
  transfer.reference = row.ReadText();
  if (row.RowError()) {
    return *row.RowError();
  }
  return transfer;
}

inline constexpr const char* kSelectAccount =
    "SELECT account_id, kind, currency, debits_must_not_exceed_credits, "
    "credits_must_not_exceed_debits, debits_pending, debits_posted, credits_pending, "
    "credits_posted FROM ledger_accounts";

inline constexpr const char* kSelectTransfer =
    "SELECT transfer_id, debit_account_id, credit_account_id, amount, currency, kind, "
    "pending_id, timeout_at, created_at, code, reference FROM ledger_transfers";

}  // namespace internal

// `lock` kForUpdate locks the row until the transaction ends (write transactions only).
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<ledger::Account>> FindAccount(Connection& connection, const AccountId& id,
                                                   RowLock lock) {
  static const LookupSql by_id(std::string(internal::kSelectAccount) + " WHERE account_id = ?");
  Result<Statement> statement = connection.Prepare(by_id.For(lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadOptional<ledger::Account>(*statement, internal::ReadAccount<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertAccount(Connection& connection, const ledger::Account& account) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO ledger_accounts (account_id, kind, currency, debits_must_not_exceed_credits, "
      "credits_must_not_exceed_debits, debits_pending, debits_posted, credits_pending, "
      "credits_posted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(account.id.value)
      .BindText(ledger::AccountKindName(account.kind))
      .BindText(CurrencyName(account.currency))
      .BindBool(account.flags.debits_must_not_exceed_credits)
      .BindBool(account.flags.credits_must_not_exceed_debits)
      .BindInt64(account.debits_pending)
      .BindInt64(account.debits_posted)
      .BindInt64(account.credits_pending)
      .BindInt64(account.credits_posted);
  return statement->Run();
}

// Writes the four balances; kind, currency and flags are fixed at insert.
// kNotFound "account_not_found". A balance that breaks the account's flag is refused by the
// database: kFailedPrecondition "constraint_violation".
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpdateAccount(Connection& connection, const ledger::Account& account) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE ledger_accounts SET debits_pending = ?, debits_posted = ?, credits_pending = ?, "
      "credits_posted = ? WHERE account_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindInt64(account.debits_pending)
      .BindInt64(account.debits_posted)
      .BindInt64(account.credits_pending)
      .BindInt64(account.credits_posted)
      .BindText(account.id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "account_not_found", account.id.value);
}

// A second post or void of one hold: kAlreadyExists "pending_transfer_settled".
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertTransfer(Connection& connection, const ledger::Transfer& transfer) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO ledger_transfers (transfer_id, debit_account_id, credit_account_id, amount, "
      "currency, kind, pending_id, timeout_at, created_at, code, reference) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  std::optional<Timestamp> timeout_at;
  if (ledger::HasTimeout(transfer)) {
    timeout_at = transfer.timeout_at;
  }
  statement->BindText(transfer.id.value)
      .BindText(transfer.debit_account_id.value)
      .BindText(transfer.credit_account_id.value)
      .BindInt64(transfer.amount.minor)
      .BindText(CurrencyName(transfer.amount.currency))
      .BindText(ledger::TransferKindName(transfer.kind))
      .BindTextOrNull(transfer.pending_id.value)
      .BindOptionalTime(timeout_at)
      .BindTime(transfer.created_at)
      .BindText(transfer.code)
      .BindText(transfer.reference);
  Result<void> inserted = statement->Run();
  return PreferPrimaryKeyClash(connection, std::move(inserted),
                               "SELECT 1 FROM ledger_transfers WHERE transfer_id = ?",
                               transfer.id.value, "transfer_exists");
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<ledger::Transfer>> FindTransfer(Connection& connection, const TransferId& id) {
  static const std::string sql = std::string(internal::kSelectTransfer) + " WHERE transfer_id = ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadOptional<ledger::Transfer>(*statement, internal::ReadTransfer<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<ledger::Transfer>> ListTransfersByReference(Connection& connection,
                                                               std::string_view reference) {
  static const std::string sql =
      std::string(internal::kSelectTransfer) + " WHERE reference = ? ORDER BY seq";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(reference);
  return ReadAll<ledger::Transfer>(*statement, internal::ReadTransfer<Statement>);
}

// Accounts by id; transfers in write order.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> ForEachAccount(Connection& connection,
                            const std::function<Result<void>(const ledger::Account&)>& callback) {
  static const std::string sql = std::string(internal::kSelectAccount) + " ORDER BY account_id";
  Result<Statement> statement = connection.PrepareStream(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  return Stream<ledger::Account>(*statement, internal::ReadAccount<Statement>, callback);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> ForEachTransfer(Connection& connection,
                             const std::function<Result<void>(const ledger::Transfer&)>& callback) {
  static const std::string sql = std::string(internal::kSelectTransfer) + " ORDER BY seq";
  Result<Statement> statement = connection.PrepareStream(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  return Stream<ledger::Transfer>(*statement, internal::ReadTransfer<Statement>, callback);
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_LEDGER_STORE_H_
