#include "simkeep/storage/postgres/internal/rows.h"

#include <algorithm>
#include <string>

namespace simkeep::storage::postgres::internal {

const char* CurrencyName(Currency currency) {
  switch (currency) {
    case Currency::kJpy:
      return "JPY";
  }
  return "JPY";
}

std::optional<Currency> ParseCurrency(std::string_view text) {
  if (text == "JPY") {
    return Currency::kJpy;
  }
  return std::nullopt;
}

std::string WithLock(std::string_view select, RowLock lock) {
  std::string sql(select);
  if (lock == RowLock::kForUpdate) {
    sql += " FOR UPDATE";
  }
  return sql;
}

int ClampLimit(int requested, int max) { return std::clamp(requested, 0, max); }

Result<void> PreferPrimaryKeyClash(Connection& connection, Result<void> inserted,
                                   const char* exists_sql, std::string_view id,
                                   const char* primary_key_reason) {
  if (inserted || inserted.error().code != ErrorCode::kAlreadyExists ||
      inserted.error().reason == primary_key_reason) {
    return inserted;
  }
  Result<Statement> statement = connection.Prepare(exists_sql);
  if (!statement) {
    return inserted;  // The clash itself is the error worth reporting.
  }
  statement->BindText(id);
  Result<bool> row = statement->Step();
  if (!row || !*row) {
    return inserted;
  }
  Error error = inserted.error();
  error.reason = primary_key_reason;
  error.message = ClashMessage(primary_key_reason);
  return error;
}

Result<void> RequireChanged(const Connection& connection, const char* not_found_reason,
                            std::string_view id) {
  if (connection.Changes() == 0) {
    std::string message = "no row with id '";
    message += id;
    message += "'";
    return NotFound(not_found_reason, std::move(message));
  }
  return Ok();
}

}  // namespace simkeep::storage::postgres::internal
