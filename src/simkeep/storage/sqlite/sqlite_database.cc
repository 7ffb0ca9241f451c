#include "simkeep/storage/sqlite/sqlite_database.h"

#include <string>
#include <utility>

#include "simkeep/base/clock.h"
#include "simkeep/storage/sqlite/internal/checkpointer.h"
#include "simkeep/storage/sqlite/internal/connection.h"
#include "simkeep/storage/sqlite/internal/embedded_migrations.h"
#include "simkeep/storage/sqlite/sqlite_session.h"

namespace simkeep::storage::sqlite {
namespace {

using internal::Connection;
using internal::Statement;

// Rolls back the migration transaction unless it was committed, whatever path leaves the scope.
class MigrationTransaction {
 public:
  explicit MigrationTransaction(Connection& connection) : connection_(connection) {}
  MigrationTransaction(const MigrationTransaction&) = delete;
  MigrationTransaction& operator=(const MigrationTransaction&) = delete;
  ~MigrationTransaction() {
    if (connection_.InTransaction()) {
      // Nothing to report from here: the error that led to this path is already being returned.
      static_cast<void>(connection_.Execute("ROLLBACK"));
    }
  }
  Result<void> Begin() { return connection_.Execute("BEGIN IMMEDIATE"); }
  Result<void> Commit() { return connection_.Execute("COMMIT"); }

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
      connection,
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists || *exists == 0) {
    return exists;
  }
  return QueryInt64(connection, "SELECT MAX(version) FROM schema_migrations");
}

Result<bool> IsApplied(Connection& connection, int64_t version) {
  Result<Statement> statement =
      connection.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
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
      connection.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)");
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

}  // namespace

std::span<const Migration> SqliteDatabase::Migrations() { return internal::EmbeddedMigrations(); }

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path) {
  if (path.empty() || path == ":memory:") {
    return InvalidArgument("database_path_invalid",
                           "a SQLite database needs a file path; in-memory is not supported");
  }
  {
    // The statement and its connection end here: switching to WAL holds a lock until then.
    Result<std::unique_ptr<Connection>> connection = Connection::Open(path, nullptr);
    if (!connection) {
      return connection.error();
    }
    Result<Statement> statement = (*connection)->Prepare("PRAGMA journal_mode = WAL");
    if (!statement) {
      return statement.error();
    }
    Result<bool> row = statement->Step();
    if (!row) {
      return row.error();
    }
    const std::string mode = *row ? statement->ReadText() : std::string();
    if (mode != "wal") {
      return Unavailable(
          "db_unavailable",
          "open " + path + ": WAL journal mode is not available (got '" + mode + "')");
    }
  }
  Result<std::unique_ptr<internal::Checkpointer>> checkpointer =
      internal::Checkpointer::Start(path);
  if (!checkpointer) {
    return checkpointer.error();
  }
  return std::make_unique<SqliteDatabase>(path, std::move(*checkpointer));
}

SqliteDatabase::SqliteDatabase(std::string path,
                               std::unique_ptr<internal::Checkpointer> checkpointer)
    : path_(std::move(path)), checkpointer_(std::move(checkpointer)) {}

SqliteDatabase::~SqliteDatabase() = default;

Result<std::unique_ptr<app::Session>> SqliteDatabase::Connect() {
  Result<std::unique_ptr<Connection>> connection = Connection::Open(path_, checkpointer_->signal());
  if (!connection) {
    return connection.error();
  }
  return std::unique_ptr<app::Session>(std::make_unique<SqliteSession>(std::move(*connection)));
}

Result<int> SqliteDatabase::Migrate() {
  Result<std::unique_ptr<Connection>> connection = Connection::Open(path_, checkpointer_->signal());
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

}  // namespace simkeep::storage::sqlite
