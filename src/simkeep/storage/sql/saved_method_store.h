#ifndef SIMKEEP_STORAGE_SQL_SAVED_METHOD_STORE_H_
#define SIMKEEP_STORAGE_SQL_SAVED_METHOD_STORE_H_

// Tables saved_payment_methods and sandbox_saved_cards.
//
// Each function is the body of the app::Transaction method of the same name (contracts in
// app/ports.h), written once for every SQL adapter as a template over its connection (see
// statement.h), like payment_store.h.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/app/ports.h"
#include "simkeep/storage/sql/limits.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {
namespace internal {

inline constexpr const char* kSelectSavedMethod =
    "SELECT saved_method_id, line_id, method, provider, status, token, card_brand, card_last4, "
    "exp_month, exp_year, failure_reason, idempotency_key, created_at, updated_at "
    "FROM saved_payment_methods";

inline constexpr const char* kSelectSandboxSavedCard =
    "SELECT token, saved_method_id, card_brand, card_last4, exp_month, exp_year, created_at, "
    "deleted_at FROM sandbox_saved_cards";

template <SqlStatement Statement>
Result<domain::SavedPaymentMethod> ReadSavedMethod(Statement& row) {
  domain::SavedPaymentMethod saved;
  saved.id.value = row.ReadText();
  saved.line_id.value = row.ReadText();
  saved.method = row.ReadEnum(domain::ParsePaymentMethod);
  saved.provider = row.ReadText();
  saved.status = row.ReadEnum(domain::ParseSavedMethodStatus);
  saved.token = row.ReadText();
  saved.card_brand = row.ReadText();
  saved.card_last4 = row.ReadText();
  saved.exp_month = static_cast<int>(row.ReadInt64());
  saved.exp_year = static_cast<int>(row.ReadInt64());
  saved.failure_reason = row.ReadText();
  saved.idempotency_key = row.ReadText();
  saved.created_at = row.ReadTime();
  saved.updated_at = row.ReadTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return saved;
}

template <SqlStatement Statement>
Result<app::SandboxSavedCard> ReadSandboxSavedCard(Statement& row) {
  app::SandboxSavedCard card;
  card.token = row.ReadText();
  card.saved_method_id.value = row.ReadText();
  card.card_brand = row.ReadText();
  card.card_last4 = row.ReadText();
  card.exp_month = static_cast<int>(row.ReadInt64());
  card.exp_year = static_cast<int>(row.ReadInt64());
  card.created_at = row.ReadTime();
  card.deleted_at = row.ReadOptionalTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return card;
}

}  // namespace internal

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertSavedMethod(Connection& connection, const domain::SavedPaymentMethod& saved) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO saved_payment_methods (saved_method_id, line_id, method, provider, status, "
      "token, card_brand, card_last4, exp_month, exp_year, failure_reason, idempotency_key, "
      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(saved.id.value)
      .BindText(saved.line_id.value)
      .BindText(domain::PaymentMethodName(saved.method))
      .BindText(saved.provider)
      .BindText(domain::SavedMethodStatusName(saved.status))
      .BindText(saved.token)
      .BindText(saved.card_brand)
      .BindText(saved.card_last4)
      .BindInt64(saved.exp_month)
      .BindInt64(saved.exp_year)
      .BindText(saved.failure_reason)
      .BindText(saved.idempotency_key)
      .BindTime(saved.created_at)
      .BindTime(saved.updated_at);
  return statement->Run();
}

// Writes status, token, card_brand, card_last4, the expiry, failure_reason and updated_at.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpdateSavedMethod(Connection& connection, const domain::SavedPaymentMethod& saved) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE saved_payment_methods SET status = ?, token = ?, card_brand = ?, card_last4 = ?, "
      "exp_month = ?, exp_year = ?, failure_reason = ?, updated_at = ? "
      "WHERE saved_method_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::SavedMethodStatusName(saved.status))
      .BindText(saved.token)
      .BindText(saved.card_brand)
      .BindText(saved.card_last4)
      .BindInt64(saved.exp_month)
      .BindInt64(saved.exp_year)
      .BindText(saved.failure_reason)
      .BindTime(saved.updated_at)
      .BindText(saved.id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "saved_method_not_found", saved.id.value);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::SavedPaymentMethod>> FindSavedMethod(Connection& connection,
                                                                  const SavedMethodId& id,
                                                                  RowLock lock) {
  static const LookupSql by_id(std::string(internal::kSelectSavedMethod) +
                               " WHERE saved_method_id = ?");
  Result<Statement> statement = connection.Prepare(by_id.For(lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadOptional<domain::SavedPaymentMethod>(*statement, internal::ReadSavedMethod<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::SavedPaymentMethod>> ListSavedMethods(Connection& connection,
                                                                 const LineId& line_id) {
  static const std::string sql = std::string(internal::kSelectSavedMethod) +
                                 " WHERE line_id = ? AND status IN ('pending', 'active') "
                                 "ORDER BY created_at, saved_method_id LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value).BindInt64(kListRowsMax);
  return ReadAll<domain::SavedPaymentMethod>(*statement, internal::ReadSavedMethod<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::SavedPaymentMethod>> ListSavedMethodsToSettle(Connection& connection,
                                                                         Timestamp pending_before,
                                                                         int limit) {
  static const std::string sql =
      std::string(internal::kSelectSavedMethod) +
      " WHERE (status = 'pending' AND updated_at < ?) OR (status = 'removed' AND token <> '') "
      "ORDER BY updated_at, saved_method_id LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(pending_before).BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::SavedPaymentMethod>(*statement, internal::ReadSavedMethod<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertSandboxSavedCard(Connection& connection, const app::SandboxSavedCard& card) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO sandbox_saved_cards (token, saved_method_id, card_brand, card_last4, "
      "exp_month, exp_year, created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(card.token)
      .BindText(card.saved_method_id.value)
      .BindText(card.card_brand)
      .BindText(card.card_last4)
      .BindInt64(card.exp_month)
      .BindInt64(card.exp_year)
      .BindTime(card.created_at)
      .BindOptionalTime(card.deleted_at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<app::SandboxSavedCard>> FindSandboxSavedCard(
    Connection& connection, std::string_view token, const SavedMethodId& saved_method_id) {
  static const std::string by_token =
      std::string(internal::kSelectSandboxSavedCard) + " WHERE token = ?";
  static const std::string by_saved =
      std::string(internal::kSelectSandboxSavedCard) + " WHERE saved_method_id = ?";
  Result<Statement> statement =
      connection.Prepare(token.empty() ? by_saved.c_str() : by_token.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(token.empty() ? std::string_view(saved_method_id.value) : token);
  return ReadOptional<app::SandboxSavedCard>(*statement, internal::ReadSandboxSavedCard<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> DeleteSandboxSavedCard(Connection& connection, std::string_view token, Timestamp at) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE sandbox_saved_cards SET deleted_at = ? WHERE token = ? AND deleted_at IS NULL");
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(at).BindText(token);
  return statement->Run();
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_SAVED_METHOD_STORE_H_
