#ifndef SIMKEEP_STORAGE_SQL_ROWS_H_
#define SIMKEEP_STORAGE_SQL_ROWS_H_

// Small helpers shared by the table stores: enum names the domain headers have no parser for,
// reading rows, row locks, limits on list sizes, savepoints around multi-row writes, and the
// checks after an insert (which key clashed) and an update (did a row change).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simkeep/base/money.h"
#include "simkeep/base/result.h"
#include "simkeep/storage/sql/clash_message.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {

// "JPY": how a Currency is stored.
const char* CurrencyName(Currency currency);
std::optional<Currency> ParseCurrency(std::string_view text);

// Collects every row `statement` yields, each decoded by `read` (Result<T>(Statement&)).
template <typename T, SqlStatement Statement, typename Reader>
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
template <typename T, SqlStatement Statement, typename Reader>
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
template <typename T, SqlStatement Statement, typename Reader>
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

// The integer a one-row, one-column query answers (a COALESCE(SUM(...), 0), a COUNT), or 0 when
// it yields no row.
template <SqlStatement Statement>
Result<int64_t> ReadSingleInt64(Statement& statement) {
  Result<std::optional<int64_t>> value =
      ReadOptional<int64_t>(statement, [](Statement& row) -> Result<int64_t> {
        const int64_t read = row.ReadInt64();
        if (row.RowError()) {
          return *row.RowError();
        }
        return read;
      });
  if (!value) {
    return value.error();
  }
  return value->value_or(0);
}

// Runs `statement` and hands every row to `consume` (void(Statement&)), stopping at the first
// error, including a decoding error the row reported.
template <SqlStatement Statement, typename Consumer>
Result<void> ForEachRow(Statement& statement, Consumer consume) {
  while (true) {
    Result<bool> row = statement.Step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return Ok();
    }
    consume(statement);
    if (statement.RowError()) {
      return *statement.RowError();
    }
  }
}

// Runs `body` (Result<void>()) inside a savepoint named `savepoint`, so that a multi-row write
// either happens whole or leaves nothing behind, even when the caller keeps the transaction.
template <SqlConnection Connection, typename Body>
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
    // The body's error is what matters. Should the undo fail, the database has given up the
    // transaction (SQLite rolls it back, PostgreSQL keeps it aborted) and the commit reports it.
    static_cast<void>(connection.Execute(
        ("ROLLBACK TO SAVEPOINT " + name + "; RELEASE SAVEPOINT " + name).c_str()));
    return done;
  }
  return connection.Execute(("RELEASE SAVEPOINT " + name).c_str());
}

// Which rows a lookup locks. In a write transaction of a database shared by several processes,
// every row the caller may go on to update is read FOR UPDATE: the lock is held to the commit, so
// two processes cannot both read a balance and both write back their own sum. Read-only
// transactions never lock, nor does SQLite, whose write transaction locks the whole database.
// StoreTransaction picks the lock from its dialect.
enum class RowLock { kNone, kForUpdate };

// The text of one lookup as written and with FOR UPDATE appended, both built once: a lookup
// keeps its LookupSql in a function-local static and prepares For(lock).
class LookupSql {
 public:
  explicit LookupSql(std::string select);
  // The text that reads the row with `lock`.
  const char* For(RowLock lock) const {
    return lock == RowLock::kForUpdate ? locked_.c_str() : plain_.c_str();
  }

 private:
  std::string plain_;
  std::string locked_;
};

// `requested` limited to [0, max]: a non-positive limit asks for nothing.
int ClampLimit(int requested, int max);

// Passes `inserted` through, except that a unique-key clash of an insert whose primary key `id`
// is already stored is reported as `primary_key_reason`. A database names the first unique index
// it finds clashing, and the order it checks them in is an implementation detail; a retried
// insert of the same row must say "<thing>_exists", not name a secondary key. `exists_sql`
// selects a row by primary key (one `?`). The failed insert undid only itself (PostgreSQL runs
// every write in its own savepoint), so the lookup runs in a healthy transaction.
template <SqlConnection Connection>
Result<void> PreferPrimaryKeyClash(Connection& connection, Result<void> inserted,
                                   const char* exists_sql, std::string_view id,
                                   const char* primary_key_reason) {
  if (inserted || inserted.error().code != ErrorCode::kAlreadyExists ||
      inserted.error().reason == primary_key_reason) {
    return inserted;
  }
  Result<StatementOf<Connection>> statement = connection.Prepare(exists_sql);
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

// kNotFound `not_found_reason` for the row `id` when `changes` (rows changed by an UPDATE keyed
// by id) is 0.
Result<void> RequireChanged(int64_t changes, const char* not_found_reason, std::string_view id);

// After an UPDATE keyed by id: kNotFound `not_found_reason` when no row changed.
template <SqlConnection Connection>
Result<void> RequireChanged(Connection& connection, const char* not_found_reason,
                            std::string_view id) {
  if (connection.ExpectChanged()) {
    return Ok();  // Checked when the deferred write's answer is read (see the adapter).
  }
  return RequireChanged(connection.Changes(), not_found_reason, id);
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_ROWS_H_
