#ifndef SIMKEEP_STORAGE_POSTGRES_POSTGRES_LOADER_H_
#define SIMKEEP_STORAGE_POSTGRES_POSTGRES_LOADER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"
#include "simkeep/storage/postgres/postgres_session.h"
#include "simkeep/storage/sql/table_copy.h"

namespace simkeep::storage::postgres {

// A PostgreSQL database as the destination of a copy (`simkeep migrate --to`): one connection
// holding one write transaction from Open() to Commit() or Rollback(), so that a copy is all or
// nothing. Rows go in through COPY FROM STDIN (text format), the fastest way libpq offers;
// COPY writes identity columns as given (as INSERT ... OVERRIDING SYSTEM VALUE does), and
// EndTable() then sets each identity sequence past the largest value, so later inserts do not
// clash. The append-only triggers refuse only UPDATE, DELETE and TRUNCATE, so they let COPY by.
//
// Open() locks every table of the schema in EXCLUSIVE mode: nobody else writes while the copy
// runs (a simkeep server started on the destination by mistake waits, then fails), while
// readers go on. The schema must already be migrated (PostgresDatabase::Migrate()).
//
// Everything read here (Tables, CountRows, ForEachRow, transaction()) sees the rows written so
// far in this transaction, so the copy can be verified before it is committed.
//
// Ownership: created by Open() and owned by the caller; the destructor rolls back a transaction
// neither committed nor rolled back. Not thread-safe: one thread at a time.
class PostgresLoader final : public sql::TableReader, public sql::TableWriter {
 public:
  // Connects with `conninfo` (any libpq connection string or URI, checked beforehand by
  // PostgresDatabase::Open), begins the transaction, reads the catalog and locks the tables.
  // Errors: kUnavailable "db_unavailable" (the server cannot be reached, or a table stayed
  // locked by another session past kLockTimeoutMs).
  static Result<std::unique_ptr<PostgresLoader>> Open(const std::string& conninfo);

  PostgresLoader(const PostgresLoader&) = delete;
  PostgresLoader& operator=(const PostgresLoader&) = delete;
  ~PostgresLoader() override;

  // sql::TableReader, from information_schema (tables and columns of the current schema, with
  // their identity flags, primary keys and foreign keys).
  Result<std::vector<sql::TableSchema>> Tables() override;
  Result<int64_t> CountRows(const sql::TableSchema& table) override;
  // Reads through a server-side cursor, kStreamBatchRows rows per round trip. Values are typed
  // by `table`'s column types, as the caller planned them: integer columns must hold integers.
  Result<void> ForEachRow(const sql::TableSchema& table, const sql::RowCallback& callback) override;

  // sql::TableWriter through COPY. A value PostgreSQL refuses (text with a NUL byte or invalid
  // UTF-8, an integer too large for an INTEGER column), a broken constraint or a clash is
  // reported by EndTable() (the server checks the rows as they arrive, but answers at the end)
  // or, when the server stops the copy early, by WriteRow(): kFailedPrecondition
  // "constraint_violation" or kAlreadyExists with the key's reason, naming the table.
  Result<void> BeginTable(const sql::TableSchema& table) override;
  Result<void> WriteRow(std::span<const sql::Value> row) override;
  Result<void> EndTable() override;

  // The schema versions recorded in schema_migrations, ascending.
  Result<std::vector<int64_t>> SchemaVersions();

  // The store's queries inside this transaction (for app::AuditDatabase over the copied rows).
  // Valid as long as this object; not while a table is being written.
  app::Transaction& transaction() { return transaction_; }

  // Commits the copy. Errors: kUnavailable "db_unavailable" (the commit failed, or the server
  // had aborted the transaction after an earlier error; nothing was written).
  Result<void> Commit();
  // Rolls everything back, abandoning a table being written. Succeeds when nothing is open.
  Result<void> Rollback();

  // Use Open().
  explicit PostgresLoader(std::unique_ptr<internal::Connection> connection);

 private:
  Result<void> SendBuffered();
  // The COPY's outcome (after PQputCopyEnd), or the error that stopped it.
  Result<void> FinishCopy(const char* abandon_reason);
  Result<void> AdvanceIdentitySequences(const sql::TableSchema& table);

  std::unique_ptr<internal::Connection> connection_;
  PostgresTransaction transaction_;
  std::vector<sql::TableSchema> tables_;     // The catalog, read once at Open().
  std::optional<sql::TableSchema> writing_;  // The table between BeginTable and EndTable.
  std::string buffer_;                       // COPY data not sent yet.
};

}  // namespace simkeep::storage::postgres

#endif  // SIMKEEP_STORAGE_POSTGRES_POSTGRES_LOADER_H_
