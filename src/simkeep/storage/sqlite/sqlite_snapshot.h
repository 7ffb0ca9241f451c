#ifndef SIMKEEP_STORAGE_SQLITE_SQLITE_SNAPSHOT_H_
#define SIMKEEP_STORAGE_SQLITE_SQLITE_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"
#include "simkeep/storage/sql/table_copy.h"
#include "simkeep/storage/sqlite/sqlite_session.h"

namespace simkeep::storage::sqlite {

// A simkeep SQLite database read as the source of a copy (`simkeep migrate --from`): one
// read-only connection holding one read transaction from Open() to destruction, so that the
// catalog, every row, every count and the audit (through transaction()) see one consistent
// snapshot. The file may belong to a running server: in WAL mode a reader never blocks the
// writer, nor the writer it (the log only grows until the snapshot ends).
//
// The file is opened read-only (SQLITE_OPEN_READONLY), never created, never migrated, and
// nothing is ever written to it.
//
// Ownership: created by Open() and owned by the caller. Not thread-safe: one thread at a time.
class SqliteSnapshot final : public sql::TableReader {
 public:
  // Opens the database at `path` read-only and begins the read transaction.
  // Errors: kNotFound "source_not_found" (no such file, or it cannot be opened);
  // kInvalidArgument "source_not_sqlite" (the file is not a SQLite database);
  // kFailedPrecondition "source_not_simkeep" (a SQLite database without simkeep's
  // schema_migrations table); kUnavailable "db_unavailable" (I/O, or locked past the busy
  // timeout).
  static Result<std::unique_ptr<SqliteSnapshot>> Open(const std::string& path);

  SqliteSnapshot(const SqliteSnapshot&) = delete;
  SqliteSnapshot& operator=(const SqliteSnapshot&) = delete;
  // Ends the read transaction and closes the connection.
  ~SqliteSnapshot() override;

  // sql::TableReader. Tables() comes from sqlite_master and the table_info and
  // foreign_key_list pragmas; a rowid alias (INTEGER PRIMARY KEY) is an identity column.
  Result<std::vector<sql::TableSchema>> Tables() override;
  Result<int64_t> CountRows(const sql::TableSchema& table) override;
  Result<void> ForEachRow(const sql::TableSchema& table, const sql::RowCallback& callback) override;

  // The schema versions recorded in schema_migrations, ascending.
  Result<std::vector<int64_t>> SchemaVersions();

  // The store's queries over the same snapshot (for app::AuditDatabase). Read-only: a write
  // through it fails. Valid as long as this object.
  app::Transaction& transaction() { return transaction_; }

  // Use Open().
  explicit SqliteSnapshot(std::unique_ptr<internal::Connection> connection);

 private:
  std::unique_ptr<internal::Connection> connection_;
  SqliteTransaction transaction_;
};

}  // namespace simkeep::storage::sqlite

#endif  // SIMKEEP_STORAGE_SQLITE_SQLITE_SNAPSHOT_H_
