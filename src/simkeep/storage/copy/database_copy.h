#ifndef SIMKEEP_STORAGE_COPY_DATABASE_COPY_H_
#define SIMKEEP_STORAGE_COPY_DATABASE_COPY_H_

// Moving a simkeep deployment from SQLite to PostgreSQL: `simkeep migrate --from sqlite:PATH
// --to postgresql://...`. The one public entry point of storage/copy.

#include <cstdint>
#include <string>
#include <vector>

#include "simkeep/app/audit_service.h"
#include "simkeep/base/result.h"
#include "simkeep/storage/copy/table_copier.h"

namespace simkeep::storage::copy {

// What CopySqliteToPostgres did.
struct DatabaseCopyReport {
  // One entry per table copied, in copy order (empty when the source audit failed and nothing
  // was copied).
  std::vector<TableCopyCount> tables;
  app::DatabaseAudit source_audit;
  app::DatabaseAudit destination_audit;  // Not run when the source audit failed.
  // Why the copy was rolled back, one line each: a table whose counts or contents differ, an
  // audit with violations, audit totals that differ. Empty when it was committed.
  std::vector<std::string> problems;
  bool committed = false;
};

// Copies every simkeep table of the SQLite database at `sqlite_path` into the PostgreSQL
// database `postgres_conninfo` (a libpq URL or connection string), exactly: the same rows with
// the same ids, times, amounts, texts and NULLs, the seq identity columns included (their
// sequences then continue past the copied values). Sealed values (eSIM confirmation codes) are
// copied as stored, so the destination must be served with the source's key file.
//
// How:
//  1. The source is read in one read transaction (sqlite::SqliteSnapshot): a consistent
//     snapshot, also of a database a running server is writing. It is never written.
//  2. The source's ledger is audited (app::AuditDatabase) before anything is written; one that
//     fails is not copied.
//  3. The destination is migrated with PostgresDatabase::Migrate(), then opened in one write
//     transaction that locks its tables (storage::postgres::PostgresLoader). It must hold no
//     simkeep rows yet (schema_migrations aside), and be at the source's schema version.
//  4. The two catalogs are compared and the tables ordered by their foreign keys
//     (PlanTableCopy); the rows go over with COPY (CopyTables).
//  5. Inside the same destination transaction, each table is counted and read back (the digest
//     must equal the source's), and the destination's ledger is audited: it must pass and
//     report the same totals as the source's.
//  6. Commit only if all of it holds; otherwise roll back, so the destination is left as step
//     3 found it (migrated, empty).
//
// A mismatch in step 5 or a failed audit is not an error: the report says so (`committed`
// false, `problems`). `progress` (may be empty) hears about tables of kProgressRowsStep rows or
// more and about long audits.
// Errors, each leaving the destination without simkeep rows:
//  - the source: kNotFound "source_not_found", kInvalidArgument "source_not_sqlite",
//    kFailedPrecondition "source_not_simkeep";
//  - kFailedPrecondition "schema_version_mismatch": the source was written by another schema
//    version than this build's (which the destination now has);
//  - kFailedPrecondition "destination_not_empty": a destination table other than
//    schema_migrations holds rows;
//  - kFailedPrecondition "schema_mismatch", "column_type_unsupported", "foreign_key_cycle" (see
//    PlanTableCopy); "value_unsupported" (a REAL or BLOB in the source);
//  - a value or row PostgreSQL refuses: kFailedPrecondition "constraint_violation" or
//    kAlreadyExists, the message naming the table, row and column;
//  - kInvalidArgument "database_url_invalid", kFailedPrecondition "schema_too_new" and
//    kUnavailable "db_unavailable" from the destination.
Result<DatabaseCopyReport> CopySqliteToPostgres(const std::string& sqlite_path,
                                                const std::string& postgres_conninfo,
                                                const CopyProgress& progress);

}  // namespace simkeep::storage::copy

#endif  // SIMKEEP_STORAGE_COPY_DATABASE_COPY_H_
