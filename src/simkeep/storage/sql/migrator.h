#ifndef SIMKEEP_STORAGE_SQL_MIGRATOR_H_
#define SIMKEEP_STORAGE_SQL_MIGRATOR_H_

// How an adapter's Migrate() applies the embedded migrations, written once for every SQL adapter.
// What differs per database stays with the adapter: how a migration transaction begins (and keeps
// concurrent migrators apart), how it commits, and how to ask whether schema_migrations exists.

#include <cstdint>
#include <span>
#include <string>

#include "simkeep/base/clock.h"
#include "simkeep/base/result.h"
#include "simkeep/storage/migrations/migration.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {
namespace internal {

// Runs `sql` to its first row and reads one integer: 0 when there is no row or it is NULL.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<int64_t> QueryInt64(Connection& connection, const char* sql) {
  Result<Statement> statement = connection.Prepare(sql);
  if (!statement) {
    return statement.error();
  }
  Result<bool> row = statement->Step();
  if (!row) {
    return row.error();
  }
  if (!*row || statement->NextIsNull()) {
    return int64_t{0};
  }
  return statement->ReadInt64();
}

// The newest version recorded in schema_migrations; 0 for a database never migrated.
template <SqlConnection Connection>
Result<int64_t> NewestAppliedVersion(Connection& connection, const char* table_exists_sql) {
  Result<int64_t> exists = QueryInt64(connection, table_exists_sql);
  if (!exists || *exists == 0) {
    return exists;
  }
  return QueryInt64(connection, "SELECT MAX(version) FROM schema_migrations");
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<bool> IsApplied(Connection& connection, int64_t version) {
  Result<Statement> statement =
      connection.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindInt64(version);
  return statement->Step();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> RunMigration(Connection& connection, const Migration& migration) {
  Result<void> done = connection.Execute(std::string(migration.common_sql).c_str());
  if (done && !migration.dialect_sql.empty()) {
    done = connection.Execute(std::string(migration.dialect_sql).c_str());
  }
  if (!done) {
    Error error = done.error();
    error.message = "migration " + std::to_string(migration.version) + " (" +
                    std::string(migration.name) + "): " + error.message;
    return error;
  }
  Result<Statement> record =
      connection.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)");
  if (!record) {
    return record.error();
  }
  record->BindInt64(migration.version).BindTime(SystemClock().Now());
  return record->Run();
}

// Applies `migration` in its own transaction unless it is recorded already. Returns whether it
// ran. `newest_known` is the newest version this build carries.
template <typename Transaction, SqlConnection Connection>
Result<bool> ApplyMigration(Connection& connection, const Migration& migration,
                            int64_t newest_known, const char* table_exists_sql) {
  Transaction transaction(connection);
  Result<void> begun = transaction.Begin();
  if (!begun) {
    return begun.error();
  }
  Result<int64_t> newest_applied = NewestAppliedVersion(connection, table_exists_sql);
  if (!newest_applied) {
    return newest_applied.error();
  }
  if (*newest_applied > newest_known) {
    return FailedPrecondition("schema_too_new",
                              "the database has schema version " + std::to_string(*newest_applied) +
                                  "; this build knows up to " + std::to_string(newest_known));
  }
  if (*newest_applied > 0) {
    Result<bool> applied = IsApplied(connection, migration.version);
    if (!applied) {
      return applied.error();
    }
    if (*applied) {
      return false;
    }
  }
  Result<void> ran = RunMigration(connection, migration);
  if (!ran) {
    return ran.error();
  }
  Result<void> committed = transaction.Commit();
  if (!committed) {
    return committed.error();
  }
  return true;
}

}  // namespace internal

// The newest version recorded in schema_migrations, 0 for a database never migrated. Only
// reads, in the transaction the caller opened on `connection` (a read-only one will do), so it
// works on a read-only file, a standby, or with SELECT rights alone. `table_exists_sql` is as for
// ApplyMigrations.
template <SqlConnection Connection>
Result<int64_t> ReadSchemaVersion(Connection& connection, const char* table_exists_sql) {
  return internal::NewestAppliedVersion(connection, table_exists_sql);
}

// Applies every migration in `migrations` (ascending by version) that the database has not
// recorded in schema_migrations, each in its own transaction together with its record, and
// returns how many ran.
//
// `Transaction` is the adapter's migration transaction over `connection`: Begin() opens it and
// takes whatever lock keeps concurrent migrators apart, Commit() commits it, and its destructor
// rolls back one that was not committed. `table_exists_sql` selects 1 when schema_migrations
// exists and 0 when it does not, in the database's own catalog.
//
// Errors: kFailedPrecondition "schema_too_new" when the database records a version newer than
// any in `migrations` (a newer build migrated it; this one must not run on it); any failure of
// the database, the failed migration rolled back and the earlier ones kept.
template <typename Transaction, SqlConnection Connection>
Result<int> ApplyMigrations(Connection& connection, std::span<const Migration> migrations,
                            const char* table_exists_sql) {
  const int64_t newest_known = migrations.empty() ? 0 : migrations.back().version;
  int applied = 0;
  for (const Migration& migration : migrations) {
    Result<bool> ran = internal::ApplyMigration<Transaction>(connection, migration, newest_known,
                                                             table_exists_sql);
    if (!ran) {
      return ran.error();
    }
    if (*ran) {
      ++applied;
    }
  }
  return applied;
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_MIGRATOR_H_
