#include "simkeep/cli/migrate_copy.h"

#include <cstdio>
#include <string_view>

#include <unistd.h>

#include "simkeep/cli/runtime.h"
#include "simkeep/storage/copy/database_copy.h"

namespace simkeep::cli {
namespace {

bool IsPostgresUrl(std::string_view url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

// Progress on stderr, as `simkeep import lines` shows it: on a terminal one line per table,
// redrawn; otherwise one line per report, so that a log keeps them all.
class ProgressPrinter {
 public:
  ProgressPrinter() : tty_(isatty(STDERR_FILENO) != 0) {}

  void Report(storage::copy::CopyStep step, std::string_view table, int64_t done, int64_t total) {
    if (step == storage::copy::CopyStep::kAudit) {
      std::fprintf(stderr, "%saudit %.*s: %lld transfers%s", tty_ ? "\r" : "",
                   static_cast<int>(table.size()), table.data(), static_cast<long long>(done),
                   tty_ ? "" : "\n");
      open_ = tty_;
      return;
    }
    const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
    std::fprintf(stderr, "%s%-6s %-20.*s [%-20s] %3d%% %lld/%lld rows%s", tty_ ? "\r" : "",
                 step == storage::copy::CopyStep::kCopy ? "copy" : "verify",
                 static_cast<int>(table.size()), table.data(),
                 std::string(static_cast<size_t>(percent / 5), '#').c_str(), percent,
                 static_cast<long long>(done), static_cast<long long>(total), tty_ ? "" : "\n");
    open_ = tty_ && done != total;
    if (tty_ && done == total) {
      std::fprintf(stderr, "\n");
    }
  }

  // Ends a line left open on a terminal, before the summary.
  void Finish() {
    if (open_) {
      std::fprintf(stderr, "\n");
      open_ = false;
    }
  }

 private:
  const bool tty_;
  bool open_ = false;
};

// Every failure ends with the same last line, whatever stage it came from.
int Fail(const Error& error) {
  std::fprintf(stderr, "simkeep: %s: %s\n", error.reason.c_str(), error.message.c_str());
  std::printf("migrate: nothing was copied\n");
  return 1;
}

void PrintAudit(const char* side, const app::DatabaseAudit& audit) {
  for (const std::string& violation : audit.ledger.violations) {
    std::printf("VIOLATION %s: %s\n", side, violation.c_str());
  }
  for (const std::string& violation : audit.order_violations) {
    std::printf("VIOLATION %s: %s\n", side, violation.c_str());
  }
  const ledger::AuditReport& ledger = audit.ledger;
  std::printf(
      "audit %-12s %lld accounts, %lld transfers, %lld orders, %lld open holds, %zu "
      "violations%s\n",
      (std::string(side) + ":").c_str(), static_cast<long long>(ledger.accounts),
      static_cast<long long>(ledger.transfers), static_cast<long long>(audit.orders),
      static_cast<long long>(ledger.holds_open),
      ledger.violations.size() + static_cast<size_t>(ledger.violations_omitted) +
          audit.order_violations.size(),
      audit.ok() ? " - ledger OK" : "");
}

void PrintReport(const storage::copy::DatabaseCopyReport& report) {
  int64_t rows = 0;
  if (!report.tables.empty()) {
    std::printf("%-24s %12s %12s %12s\n", "table", "source", "copied", "destination");
  }
  for (const storage::copy::TableCopyCount& table : report.tables) {
    std::printf(
        "%-24s %12lld %12lld %12lld%s\n", table.table.c_str(),
        static_cast<long long>(table.source_rows), static_cast<long long>(table.copied_rows),
        static_cast<long long>(table.destination_rows), table.Matches() ? "" : "  MISMATCH");
    rows += table.copied_rows;
  }
  PrintAudit("source", report.source_audit);
  if (!report.tables.empty()) {
    PrintAudit("destination", report.destination_audit);
  }
  for (const std::string& problem : report.problems) {
    std::printf("PROBLEM %s\n", problem.c_str());
  }
  if (report.committed) {
    std::printf(
        "migrate: %zu tables, %lld rows copied and verified, audits agree; committed. Serve the "
        "copy with the source's key file (--secret-key-file).\n",
        report.tables.size(), static_cast<long long>(rows));
  } else {
    std::printf("migrate: nothing was copied (the destination transaction was rolled back)\n");
  }
}

}  // namespace

int MigrateCopy(const std::string& from, const std::string& to) {
  if (from.find("://") != std::string::npos) {
    return Fail(InvalidArgument("source_not_sqlite",
                                "--from takes a SQLite database (PATH or sqlite:PATH), not " +
                                    DatabaseDisplayName(from) + "."));
  }
  if (!IsPostgresUrl(to)) {
    return Fail(InvalidArgument(
        "destination_not_postgresql",
        "--to takes a PostgreSQL URL (postgresql://...), not " + DatabaseDisplayName(to) + "."));
  }
  const std::string path = from.rfind("sqlite:", 0) == 0 ? from.substr(7) : from;
  std::printf("migrate: copying sqlite:%s to %s\n", path.c_str(), DatabaseDisplayName(to).c_str());
  std::fflush(stdout);
  ProgressPrinter progress;
  Result<storage::copy::DatabaseCopyReport> report = storage::copy::CopySqliteToPostgres(
      path, to,
      [&progress](storage::copy::CopyStep step, std::string_view table, int64_t done,
                  int64_t total) { progress.Report(step, table, done, total); });
  progress.Finish();
  if (!report) {
    return Fail(report.error());
  }
  PrintReport(*report);
  return report->committed ? 0 : 1;
}

}  // namespace simkeep::cli
