#ifndef SIMKEEP_STORAGE_POSTGRES_INTERNAL_ROWS_H_
#define SIMKEEP_STORAGE_POSTGRES_INTERNAL_ROWS_H_

// Small helpers shared by the table stores: enum names the domain headers have no parser for,
// row locks, limits on list sizes, and the "exactly one row changed" check of every update.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simkeep/base/money.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/order.h"
#include "simkeep/storage/postgres/internal/connection.h"

namespace simkeep::storage::postgres::internal {

// "JPY": how a Currency is stored.
const char* CurrencyName(Currency currency);
std::optional<Currency> ParseCurrency(std::string_view text);

// Collects every row `statement` yields, each decoded by `read` (Result<T>(Statement&)).
template <typename T, typename Reader>
Result<std::vector<T>> ReadAll(Statement& statement, Reader read) {
  std::vector<T> rows;
  while (true) {
    Result<bool> row = statement.Step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return rows;
    }
    Result<T> value = read(statement);
    if (!value) {
      return value.error();
    }
    rows.push_back(std::move(*value));
  }
}

// Steps through every row of `statement`, decoding each with `read` and handing it to
// `callback`; stops at the first error of either.
template <typename T, typename Reader>
Result<void> Stream(Statement& statement, Reader read,
                    const std::function<Result<void>(const T&)>& callback) {
  while (true) {
    Result<bool> row = statement.Step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return Ok();
    }
    Result<T> value = read(statement);
    if (!value) {
      return value.error();
    }
    Result<void> handled = callback(*value);
    if (!handled) {
      return handled;
    }
  }
}

// The first row `statement` yields, decoded by `read`, or nullopt when there is none.
template <typename T, typename Reader>
Result<std::optional<T>> ReadOptional(Statement& statement, Reader read) {
  Result<bool> row = statement.Step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return std::optional<T>();
  }
  Result<T> value = read(statement);
  if (!value) {
    return value.error();
  }
  return std::optional<T>(std::move(*value));
}

// Runs `body` (Result<void>()) inside a savepoint named `savepoint`, so that a multi-row write
// either happens whole or leaves nothing behind, even when the caller keeps the transaction.
template <typename Body>
Result<void> Atomically(Connection& connection, const char* savepoint, Body body) {
  Result<void> in_transaction = connection.CheckTransaction();
  if (!in_transaction) {
    return in_transaction;
  }
  const std::string name(savepoint);
  Result<void> begun = connection.Execute(("SAVEPOINT " + name).c_str());
  if (!begun) {
    return begun;
  }
  Result<void> done = body();
  if (!done) {
    // The body's error is what matters; should the undo fail, the transaction stays aborted
    // and the commit reports it.
    static_cast<void>(connection.Execute(
        ("ROLLBACK TO SAVEPOINT " + name + "; RELEASE SAVEPOINT " + name).c_str()));
    return done;
  }
  return connection.Execute(("RELEASE SAVEPOINT " + name).c_str());
}

// Which rows a lookup locks. In a write transaction every row the caller may go on to update is
// read FOR UPDATE: the lock is held to the commit, so two processes sharing the database cannot
// both read a balance and both write back their own sum. Read-only transactions never lock.
enum class RowLock { kNone, kForUpdate };

// `select` as is, or with FOR UPDATE appended.
std::string WithLock(std::string_view select, RowLock lock);

// `requested` limited to [0, max]: a non-positive limit asks for nothing.
int ClampLimit(int requested, int max);

// Passes `inserted` through, except that a unique-key clash of an insert whose primary key
// `id` is already stored is reported as `primary_key_reason`. PostgreSQL names the first unique
// index it finds clashing, and the order it checks them in is an implementation detail; a
// retried insert of the same row must say "<thing>_exists", not name a secondary key.
// `exists_sql` selects a row by primary key (one `$1`). The failed insert was undone on its own
// (StatementKind::kWrite), so the lookup runs in a healthy transaction.
Result<void> PreferPrimaryKeyClash(Connection& connection, Result<void> inserted,
                                   const char* exists_sql, std::string_view id,
                                   const char* primary_key_reason);

// After an UPDATE keyed by id: kNotFound `not_found_reason` when no row changed.
Result<void> RequireChanged(const Connection& connection, const char* not_found_reason,
                            std::string_view id);

}  // namespace simkeep::storage::postgres::internal

#endif  // SIMKEEP_STORAGE_POSTGRES_INTERNAL_ROWS_H_
