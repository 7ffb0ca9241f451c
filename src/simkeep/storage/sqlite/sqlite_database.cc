#include "simkeep/storage/sqlite/sqlite_database.h"

#include <string>
#include <utility>

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
  return sql::ApplyMigrations<MigrationTransaction>(**connection, Migrations(),
                                                    kSchemaMigrationsExists);
}

}  // namespace simkeep::storage::sqlite
