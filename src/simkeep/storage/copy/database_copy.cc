#include "simkeep/storage/copy/database_copy.h"

#include <memory>
#include <string_view>
#include <utility>

#include "simkeep/storage/postgres/postgres_database.h"
#include "simkeep/storage/postgres/postgres_loader.h"
#include "simkeep/storage/sqlite/sqlite_snapshot.h"

namespace simkeep::storage::copy {
namespace {

// Filled by each side's own Migrate(), with its own times: not copied, compared as versions.
constexpr std::string_view kSkippedTables[] = {"schema_migrations"};

std::string VersionList(const std::vector<int64_t>& versions) {
  std::string text;
  for (int64_t version : versions) {
    text += (text.empty() ? "" : ", ") + std::to_string(version);
  }
  return text.empty() ? "none" : text;
}

Result<app::DatabaseAudit> Audit(app::Transaction& transaction, std::string_view side,
                                 const CopyProgress& progress) {
  return app::AuditDatabase(transaction, [&](int64_t transfers) {
    if (progress) {
      progress(CopyStep::kAudit, side, transfers, 0);
    }
  });
}

std::string AuditTotals(const app::DatabaseAudit& audit) {
  const ledger::AuditReport& ledger = audit.ledger;
  return std::to_string(ledger.accounts) + " accounts, " + std::to_string(ledger.transfers) +
         " transfers, " + std::to_string(ledger.expiries) + " expiries, " +
         std::to_string(audit.orders) + " orders, " + std::to_string(ledger.holds_open) +
         " open holds";
}

void CheckAudit(const app::DatabaseAudit& audit, std::string_view side,
                std::vector<std::string>& problems) {
  if (!audit.ok()) {
    problems.push_back(std::string("the ") + std::string(side) + "'s ledger audit found " +
                       std::to_string(audit.ledger.violations.size() +
                                      static_cast<size_t>(audit.ledger.violations_omitted) +
                                      audit.order_violations.size()) +
                       " violations");
  }
}

// Every difference between what was read from the source and what the destination holds.
std::vector<std::string> Compare(const DatabaseCopyReport& report) {
  std::vector<std::string> problems;
  for (const TableCopyCount& count : report.tables) {
    if (count.copied_rows != count.source_rows || count.destination_rows != count.source_rows ||
        count.read_back_rows != count.source_rows) {
      problems.push_back(count.table + ": the source has " + std::to_string(count.source_rows) +
                         " rows, " + std::to_string(count.copied_rows) + " were copied, the " +
                         "destination has " + std::to_string(count.destination_rows) + " (" +
                         std::to_string(count.read_back_rows) + " read back)");
    } else if (count.destination_digest != count.source_digest) {
      problems.push_back(count.table + ": the rows read back differ from the rows copied");
    }
  }
  CheckAudit(report.destination_audit, "destination", problems);
  const std::string source_totals = AuditTotals(report.source_audit);
  const std::string destination_totals = AuditTotals(report.destination_audit);
  if (source_totals != destination_totals) {
    problems.push_back("the audits differ: the source has " + source_totals + ", the destination " +
                       destination_totals);
  }
  return problems;
}

// The destination must hold nothing but its schema: a copy merged into live data could clash
// halfway, or worse, not clash and mix two ledgers.
Result<void> CheckEmpty(postgres::PostgresLoader& destination,
                        const std::vector<sql::TableSchema>& tables) {
  std::string occupied;
  for (const sql::TableSchema& table : tables) {
    if (table.name == kSkippedTables[0]) {
      continue;
    }
    Result<int64_t> rows = destination.CountRows(table);
    if (!rows) {
      return rows.error();
    }
    if (*rows > 0) {
      occupied += (occupied.empty() ? "" : ", ") + table.name + " (" + std::to_string(*rows) +
                  (*rows == 1 ? " row)" : " rows)");
    }
  }
  if (!occupied.empty()) {
    return FailedPrecondition(
        "destination_not_empty",
        "The destination already holds simkeep data: " + occupied +
            ". Copy into a new, empty database (no `simkeep serve` or plain `simkeep migrate` "
            "on it first: those store the catalog and system accounts).");
  }
  return Ok();
}

// Steps 3 to 6 of CopySqliteToPostgres, once the source is open and has passed its audit.
Result<void> CopyInto(sqlite::SqliteSnapshot& source, postgres::PostgresDatabase& database,
                      const std::string& conninfo, const CopyProgress& progress,
                      DatabaseCopyReport& report) {
  if (Result<int> migrated = database.Migrate(); !migrated) {
    return migrated.error();
  }
  // From here on the destination is one transaction; leaving this function without Commit()
  // destroys the loader, which rolls it back.
  Result<std::unique_ptr<postgres::PostgresLoader>> opened =
      postgres::PostgresLoader::Open(conninfo);
  if (!opened) {
    return opened.error();
  }
  postgres::PostgresLoader& destination = **opened;
  Result<std::vector<int64_t>> source_versions = source.SchemaVersions();
  Result<std::vector<int64_t>> destination_versions = destination.SchemaVersions();
  if (!source_versions || !destination_versions) {
    return !source_versions ? source_versions.error() : destination_versions.error();
  }
  if (*source_versions != *destination_versions) {
    return FailedPrecondition(
        "schema_version_mismatch",
        "The source has schema versions " + VersionList(*source_versions) +
            " and this build's schema is at " + VersionList(*destination_versions) +
            ": upgrade the source with this build first (simkeep --database PATH migrate).");
  }
  Result<std::vector<sql::TableSchema>> source_tables = source.Tables();
  Result<std::vector<sql::TableSchema>> destination_tables = destination.Tables();
  if (!source_tables || !destination_tables) {
    return !source_tables ? source_tables.error() : destination_tables.error();
  }
  if (Result<void> empty = CheckEmpty(destination, *destination_tables); !empty) {
    return empty;
  }
  Result<std::vector<sql::TableSchema>> plan =
      PlanTableCopy(*source_tables, *destination_tables, kSkippedTables);
  if (!plan) {
    return plan.error();
  }
  Result<std::vector<TableCopyCount>> counts =
      CopyTables(source, destination, destination, *plan, progress);
  if (!counts) {
    return counts.error();
  }
  report.tables = std::move(*counts);
  Result<app::DatabaseAudit> audit = Audit(destination.transaction(), "destination", progress);
  if (!audit) {
    return audit.error();
  }
  report.destination_audit = std::move(*audit);
  report.problems = Compare(report);
  if (!report.problems.empty()) {
    return destination.Rollback();
  }
  if (Result<void> committed = destination.Commit(); !committed) {
    return committed;
  }
  report.committed = true;
  return Ok();
}

}  // namespace

Result<DatabaseCopyReport> CopySqliteToPostgres(const std::string& sqlite_path,
                                                const std::string& postgres_conninfo,
                                                const CopyProgress& progress) {
  Result<std::unique_ptr<sqlite::SqliteSnapshot>> source =
      sqlite::SqliteSnapshot::Open(sqlite_path);
  if (!source) {
    return source.error();
  }
  // Checks the URL and that the server answers, before the source's audit takes its time.
  Result<std::unique_ptr<postgres::PostgresDatabase>> destination =
      postgres::PostgresDatabase::Open(postgres_conninfo);
  if (!destination) {
    return destination.error();
  }
  DatabaseCopyReport report;
  // The source's audit comes before anything is written: a ledger that does not add up is not
  // copied, and the destination is then left untouched (not even migrated).
  Result<app::DatabaseAudit> audit = Audit((*source)->transaction(), "source", progress);
  if (!audit) {
    return audit.error();
  }
  report.source_audit = std::move(*audit);
  CheckAudit(report.source_audit, "source", report.problems);
  if (!report.problems.empty()) {
    return report;
  }
  Result<void> copied = CopyInto(**source, **destination, postgres_conninfo, progress, report);
  if (!copied) {
    return copied.error();
  }
  return report;
}

}  // namespace simkeep::storage::copy
