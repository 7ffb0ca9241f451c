#include "simkeep/storage/postgres/postgres_database.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include <libpq-fe.h>

#include "simkeep/storage/postgres/internal/connection.h"
#include "simkeep/storage/postgres/internal/embedded_migrations.h"
#include "simkeep/storage/postgres/limits.h"
#include "simkeep/storage/postgres/postgres_session.h"
#include "simkeep/storage/sql/migrator.h"

namespace simkeep::storage::postgres {
namespace {

using internal::Connection;

// The advisory lock every migrator takes before it looks at schema_migrations: "simkeep" in
// ASCII, so that it is unlikely to collide with another application's lock on the same server.
constexpr int64_t kMigrationLockKey = 0x73696d6b656570;

// The transaction of one migration for sql::ApplyMigrations: rolled back unless it was
// committed, whatever path leaves the scope.
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

// 1 when schema_migrations exists, 0 when it does not.
constexpr const char* kSchemaMigrationsExists =
    "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END";

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
  // A migration may wait kMigrationLockTimeoutMs for another migrator, then rewrite tables.
  (*connection)->SetCallDeadline(std::chrono::milliseconds(kLongCallDeadlineMs));
  return sql::ApplyMigrations<MigrationTransaction>(**connection, Migrations(),
                                                    kSchemaMigrationsExists);
}

Result<int64_t> PostgresDatabase::SchemaVersion() {
  Result<std::unique_ptr<Connection>> connection = Connection::Open(conninfo_);
  if (!connection) {
    return connection.error();
  }
  // Read-only, so that a standby (which refuses writes with 25006) answers too.
  if (Result<void> begun =
          (*connection)->Execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      !begun) {
    return begun.error();
  }
  Result<int64_t> version = sql::ReadSchemaVersion(**connection, kSchemaMigrationsExists);
  // Only read: ending the transaction cannot lose anything (closing the connection ends it too).
  static_cast<void>((*connection)->Execute("ROLLBACK"));
  return version;
}

int64_t PostgresDatabase::SchemaVersionLatest() const {
  return Migrations().empty() ? 0 : Migrations().back().version;
}

}  // namespace simkeep::storage::postgres
