#include "simkeep/storage/postgres/internal/ledger_store.h"

#include <string>
#include <utility>

#include "simkeep/storage/postgres/internal/rows.h"

namespace simkeep::storage::postgres::internal {
namespace {

Result<ledger::Account> ReadAccount(Statement& row) {
  ledger::Account account;
  account.id.value = row.ReadText();
  account.kind = row.ReadEnum<ledger::AccountKind>(ledger::ParseAccountKind);
  account.currency = row.ReadEnum<Currency>(ParseCurrency);
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

Result<ledger::Transfer> ReadTransfer(Statement& row) {
  ledger::Transfer transfer;
  transfer.id.value = row.ReadText();
  transfer.debit_account_id.value = row.ReadText();
  transfer.credit_account_id.value = row.ReadText();
  transfer.amount.minor = row.ReadInt64();
  transfer.amount.currency = row.ReadEnum<Currency>(ParseCurrency);
  transfer.kind = row.ReadEnum<ledger::TransferKind>(ledger::ParseTransferKind);
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

constexpr const char* kSelectAccount =
    "SELECT account_id, kind, currency, debits_must_not_exceed_credits, "
    "credits_must_not_exceed_debits, debits_pending, debits_posted, credits_pending, "
    "credits_posted FROM ledger_accounts";

constexpr const char* kSelectTransfer =
    "SELECT transfer_id, debit_account_id, credit_account_id, amount, currency, kind, "
    "pending_id, timeout_at, created_at, code, reference FROM ledger_transfers";

}  // namespace

Result<std::optional<ledger::Account>> FindAccount(Connection& connection, const AccountId& id,
                                                   RowLock lock) {
  static const std::string by_id = std::string(kSelectAccount) + " WHERE account_id = $1";
  static const std::string by_id_locked = WithLock(by_id, RowLock::kForUpdate);
  Result<Statement> statement =
      connection.Prepare(lock == RowLock::kForUpdate ? by_id_locked.c_str() : by_id.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadOptional<ledger::Account>(*statement, ReadAccount);
}

Result<void> InsertAccount(Connection& connection, const ledger::Account& account) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO ledger_accounts (account_id, kind, currency, debits_must_not_exceed_credits, "
      "credits_must_not_exceed_debits, debits_pending, debits_posted, credits_pending, "
      "credits_posted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
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

Result<void> UpdateAccount(Connection& connection, const ledger::Account& account) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE ledger_accounts SET debits_pending = $1, debits_posted = $2, credits_pending = $3, "
      "credits_posted = $4 WHERE account_id = $5");
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

Result<void> InsertTransfer(Connection& connection, const ledger::Transfer& transfer) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO ledger_transfers (transfer_id, debit_account_id, credit_account_id, amount, "
      "currency, kind, pending_id, timeout_at, created_at, code, reference) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
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
                               "SELECT 1 FROM ledger_transfers WHERE transfer_id = $1",
                               transfer.id.value, "transfer_exists");
}

Result<std::optional<ledger::Transfer>> FindTransfer(Connection& connection, const TransferId& id) {
  static const std::string sql = std::string(kSelectTransfer) + " WHERE transfer_id = $1";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadOptional<ledger::Transfer>(*statement, ReadTransfer);
}

Result<void> ForEachAccount(Connection& connection,
                            const std::function<Result<void>(const ledger::Account&)>& callback) {
  static const std::string sql = std::string(kSelectAccount) + " ORDER BY account_id";
  Result<Statement> statement = connection.PrepareStream(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  return Stream<ledger::Account>(*statement, ReadAccount, callback);
}

Result<void> ForEachTransfer(Connection& connection,
                             const std::function<Result<void>(const ledger::Transfer&)>& callback) {
  static const std::string sql = std::string(kSelectTransfer) + " ORDER BY seq";
  Result<Statement> statement = connection.PrepareStream(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  return Stream<ledger::Transfer>(*statement, ReadTransfer, callback);
}

}  // namespace simkeep::storage::postgres::internal
