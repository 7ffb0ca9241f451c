#include "simkeep/storage/sqlite/sqlite_database.h"

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "simkeep/base/assert.h"
#include "simkeep/storage/sql/migrator.h"
#include "simkeep/storage/sqlite/internal/checkpointer.h"
#include "simkeep/storage/sqlite/internal/connection.h"
#include "simkeep/storage/sqlite/internal/embedded_migrations.h"
#include "simkeep/storage/sqlite/sqlite_session.h"

namespace simkeep::storage::sqlite {
namespace {

using internal::Connection;
using internal::Statement;

// The transaction of one migration for sql::ApplyMigrations: rolled back unless it was
// committed, whatever path leaves the scope.
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

// 1 when schema_migrations exists, 0 when it does not.
constexpr const char* kSchemaMigrationsExists =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";

// The schema version `connection` sees, read in a read transaction of its own.
Result<int64_t> ReadSchemaVersion(Connection& connection) {
  if (Result<void> begun = connection.Execute("BEGIN DEFERRED"); !begun) {
    return begun.error();
  }
  Result<int64_t> version = sql::ReadSchemaVersion(connection, kSchemaMigrationsExists);
  // Only read: ending the transaction cannot lose anything.
  static_cast<void>(connection.Execute("ROLLBACK"));
  return version;
}

// The same on a new connection opened as `access` says (a read-only one).
Result<int64_t> ReadSchemaVersion(const std::string& path, SqliteDatabase::Access access) {
  Result<std::unique_ptr<Connection>> connection =
      Connection::OpenReadOnly(path, access == SqliteDatabase::Access::kReadOnlyImmutable);
  if (!connection) {
    return connection.error();
  }
  return ReadSchemaVersion(**connection);
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

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::OpenReadOnly(const std::string& path) {
  if (path.empty() || path == ":memory:") {
    return InvalidArgument("database_path_invalid",
                           "a SQLite database needs a file path; in-memory is not supported");
  }
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(path, ignored)) {
    // Said here, because SQLite's "unable to open database file" does not say why.
    return Unavailable("db_unavailable", "open " + path + ": no such database file");
  }
  Access access = Access::kReadOnly;
  Result<int64_t> probed = ReadSchemaVersion(path, access);
  if (!probed && !std::filesystem::exists(path + "-wal", ignored)) {
    // Most likely the -shm file could not be created in a read-only folder. Without a -wal
    // file the database file holds everything, and no process has it open for writing.
    access = Access::kReadOnlyImmutable;
    probed = ReadSchemaVersion(path, access);
  }
  if (!probed) {
    return probed.error();
  }
  return std::make_unique<SqliteDatabase>(path, nullptr, access);
}

SqliteDatabase::SqliteDatabase(std::string path,
                               std::unique_ptr<internal::Checkpointer> checkpointer, Access access)
    : path_(std::move(path)), checkpointer_(std::move(checkpointer)), access_(access) {
  SIMKEEP_ASSERT((access_ == Access::kReadWrite) == (checkpointer_ != nullptr));
}

SqliteDatabase::~SqliteDatabase() = default;

Result<std::unique_ptr<Connection>> SqliteDatabase::OpenConnection() {
  if (access_ == Access::kReadWrite) {
    return Connection::Open(path_, checkpointer_->signal());
  }
  return Connection::OpenReadOnly(path_, access_ == Access::kReadOnlyImmutable);
}

Result<std::unique_ptr<app::Session>> SqliteDatabase::Connect() {
  Result<std::unique_ptr<Connection>> connection = OpenConnection();
  if (!connection) {
    return connection.error();
  }
  return std::unique_ptr<app::Session>(std::make_unique<SqliteSession>(std::move(*connection)));
}

Result<int> SqliteDatabase::Migrate() {
  if (access_ != Access::kReadWrite) {
    return FailedPrecondition(
        "database_read_only",
        "the database " + path_ + " was opened read-only; it is not migrated");
  }
  Result<std::unique_ptr<Connection>> connection = OpenConnection();
  if (!connection) {
    return connection.error();
  }
  return sql::ApplyMigrations<MigrationTransaction>(**connection, Migrations(),
                                                    kSchemaMigrationsExists);
}

Result<int64_t> SqliteDatabase::SchemaVersion() {
  Result<std::unique_ptr<Connection>> connection = OpenConnection();
  if (!connection) {
    return connection.error();
  }
  return ReadSchemaVersion(**connection);
}

int64_t SqliteDatabase::SchemaVersionLatest() const {
  return Migrations().empty() ? 0 : Migrations().back().version;
}

}  // namespace simkeep::storage::sqlite
