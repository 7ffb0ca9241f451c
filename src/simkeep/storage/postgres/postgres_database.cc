#include "simkeep/storage/postgres/postgres_database.h"

#include <cstdint>
#include <string>
#include <utility>

#include <libpq-fe.h>

#include "simkeep/base/clock.h"
#include "simkeep/storage/postgres/internal/connection.h"
#include "simkeep/storage/postgres/internal/embedded_migrations.h"
#include "simkeep/storage/postgres/limits.h"
#include "simkeep/storage/postgres/postgres_session.h"

namespace simkeep::storage::postgres {
namespace {

using internal::Connection;
using internal::Statement;

// The advisory lock every migrator takes before it looks at schema_migrations: "simkeep" in
// ASCII, so that it is unlikely to collide with another application's lock on the same server.
constexpr int64_t kMigrationLockKey = 0x73696d6b656570;

// Rolls back the migration transaction unless it was committed, whatever path leaves the scope.
class MigrationTransaction {
 public:
  explicit MigrationTransaction(Connection& connection) : connection_(connection) {}
  MigrationTransaction(const MigrationTransaction&) = delete;
  MigrationTransaction& operator=(const MigrationTransaction&) = delete;
  ~MigrationTransaction() {
    if (connection_.InTransaction() && !connection_.IsBroken()) {
      // Nothing to report from here: the error that led to this path is already being returned.
      static_cast<void>(connection_.Execute("ROLLBACK"));
    }
  }

  // Begins and takes the migration lock, waiting for another migrator's transaction to end.
  Result<void> Begin() {
    const std::string begin =
        "BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE; SET LOCAL lock_timeout = " +
        std::to_string(kMigrationLockTimeoutMs) + "; SELECT pg_advisory_xact_lock(" +
        std::to_string(kMigrationLockKey) + ")";
    return connection_.Execute(begin.c_str());
  }

  Result<void> Commit() {
    Result<std::string> committed = connection_.ExecuteCommand("COMMIT");
    if (!committed) {
      return committed.error();
    }
    if (*committed != "COMMIT") {
      return Unavailable("db_unavailable", "migration: the database rolled the transaction back");
    }
    return Ok();
  }

 private:
  Connection& connection_;
};

// Runs `sql` to its first row and reads one integer: 0 when there is no row or it is NULL.
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
Result<int64_t> NewestAppliedVersion(Connection& connection) {
  Result<int64_t> exists = QueryInt64(
      connection, "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END");
  if (!exists || *exists == 0) {
    return exists;
  }
  return QueryInt64(connection, "SELECT MAX(version) FROM schema_migrations");
}

Result<bool> IsApplied(Connection& connection, int64_t version) {
  Result<Statement> statement =
      connection.Prepare("SELECT 1 FROM schema_migrations WHERE version = $1");
  if (!statement) {
    return statement.error();
  }
  statement->BindInt64(version);
  return statement->Step();
}

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
      connection.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)");
  if (!record) {
    return record.error();
  }
  record->BindInt64(migration.version).BindTime(SystemClock().Now());
  return record->Run();
}

// Applies `migration` in its own transaction unless it is recorded already. Returns whether it
// ran. `newest_known` is the newest version this build carries.
Result<bool> ApplyMigration(Connection& connection, const Migration& migration,
                            int64_t newest_known) {
  MigrationTransaction transaction(connection);
  Result<void> begun = transaction.Begin();
  if (!begun) {
    return begun.error();
  }
  Result<int64_t> newest_applied = NewestAppliedVersion(connection);
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

// Whether libpq can parse `conninfo`; the reason when it cannot. Says nothing about whether the
// server is there.
Result<void> CheckConninfo(const std::string& conninfo) {
  if (conninfo.empty()) {
    return InvalidArgument("database_url_invalid",
                           "a PostgreSQL database needs a connection string or URI");
  }
  char* raw_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &raw_error);
  // Both are allocated by libpq and freed here in every case.
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(options, &PQconninfoFree);
  std::unique_ptr<char, decltype(&PQfreemem)> error(raw_error, &PQfreemem);
  if (parsed == nullptr) {
    return InvalidArgument(
        "database_url_invalid",
        "the PostgreSQL connection string is not valid: " +
            (error != nullptr ? internal::Trimmed(error.get()) : std::string("?")));
  }
  return Ok();
}

}  // namespace

std::span<const Migration> PostgresDatabase::Migrations() { return internal::EmbeddedMigrations(); }

Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::Open(std::string conninfo) {
  if (Result<void> valid = CheckConninfo(conninfo); !valid) {
    return valid.error();
  }
  Result<std::unique_ptr<Connection>> connection = Connection::Open(conninfo);
  if (!connection) {
    return connection.error();
  }
  return std::make_unique<PostgresDatabase>(std::move(conninfo));
}

Result<std::unique_ptr<app::Session>> PostgresDatabase::Connect() {
  Result<std::unique_ptr<Connection>> connection = Connection::Open(conninfo_);
  if (!connection) {
    return connection.error();
  }
  return std::unique_ptr<app::Session>(std::make_unique<PostgresSession>(std::move(*connection)));
}

Result<int> PostgresDatabase::Migrate() {
  Result<std::unique_ptr<Connection>> connection = Connection::Open(conninfo_);
  if (!connection) {
    return connection.error();
  }
  const std::span<const Migration> migrations = Migrations();
  const int64_t newest_known = migrations.empty() ? 0 : migrations.back().version;
  int applied = 0;
  for (const Migration& migration : migrations) {
    Result<bool> ran = ApplyMigration(**connection, migration, newest_known);
    if (!ran) {
      return ran.error();
    }
    if (*ran) {
      ++applied;
    }
  }
  return applied;
}

}  // namespace simkeep::storage::postgres
